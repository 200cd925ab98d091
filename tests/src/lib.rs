//! Shared pieces of simloop's integration tests (the test files themselves
//! live in `tests/`): small concurrent programs that several files run under
//! different tools ([`programs`]), proptest strategies for simulations
//! ([`sims`]), a count of the tasks inside a region of code
//! ([`occupancy`]), cancellations at arbitrary instants ([`cancel`]), a log
//! of what tasks did when ([`log`]), random programs with a reference
//! model of their semantics ([`model`]), how many cases the property tests
//! run ([`budget`]), and the differential harness against CPython
//! ([`differential`]).

#![forbid(unsafe_code)]

pub mod budget;
pub mod cancel;
pub mod differential;
pub mod log;
pub mod model;
pub mod occupancy;
pub mod programs;
pub mod sims;
