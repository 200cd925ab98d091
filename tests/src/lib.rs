//! Shared pieces of simloop's integration tests (the test files themselves
//! live in `tests/`): small concurrent programs that several files run under
//! different tools ([`programs`]), proptest strategies for simulations
//! ([`sims`]), a count of the tasks inside a region of code
//! ([`occupancy`]), cancellations at arbitrary instants ([`cancel`]), a log
//! of what tasks did when ([`log`]), and how many cases the property
//! tests run ([`budget`]).

#![forbid(unsafe_code)]

pub mod budget;
pub mod cancel;
pub mod log;
pub mod occupancy;
pub mod programs;
pub mod sims;
