//! # simloop-tokio: tokio's API, real or simulated
//!
//! Rename your tokio dependency to this crate and every path keeps working:
//!
//! ```toml
//! [dependencies]
//! tokio = { package = "simloop-tokio", version = "0.1", features = ["full"] }
//! [dev-dependencies]
//! simloop-tokio = { version = "0.1", features = ["sim"] }
//! ```
//!
//! - **Without the `sim` feature** the crate is real tokio: it re-exports
//!   every item of the `tokio` crate, and each of tokio's feature names is
//!   forwarded to it. A production build is a plain tokio build.
//! - **With `sim`** (in test builds, through the dev-dependency) the covered
//!   paths run inside a simloop simulation: `spawn` and [`task`], [`time`],
//!   [`sync`], the macros (`select!`, `join!`, `try_join!`, `pin!`,
//!   `task_local!`, `#[tokio::main]`, `#[tokio::test]`), [`runtime`]'s
//!   `Builder`, `Runtime` and `Handle`, and `signal::ctrl_c`. Time is
//!   virtual and exact to the nanosecond, task interleavings and `select!`
//!   branch orders come from the seed, and every `#[tokio::test]` is a seed
//!   sweep with shrinking and a replay command. [`io`] is tokio's own
//!   (runtime-independent) traits and helpers; `fs` and `process` are not
//!   simulated and say so.
//!
//! The guide's `docs/tokio.md` lists what is covered and what differs.
#![cfg_attr(not(feature = "sim"), doc = "")]
#![cfg_attr(
    not(feature = "sim"),
    doc = "This build is real tokio (the `sim` feature is off)."
)]
#![deny(unsafe_code)]
#![warn(missing_docs)]

#[cfg(not(feature = "sim"))]
pub use tokio::*;

#[cfg(feature = "sim")]
mod simulated;
#[cfg(feature = "sim")]
pub use simulated::*;
