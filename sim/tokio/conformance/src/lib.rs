//! Tests of simloop-tokio's `sim` mode, written as tokio code: the crate
//! depends on `tokio = { package = "simloop-tokio", features = ["full",
//! "sim"] }`, as a user's crate does. The tests live in `tests/`; this
//! library is empty.

pub mod ledger;
