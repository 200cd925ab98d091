//! The test harness: seed sweeps, shrinking of failing interleavings,
//! regressions files and the runner behind `#[simloop::test]`.
//!
//! - [`Sweep`] runs one scenario across many seeds on every core and returns
//!   a [`SweepReport`]: seeds run, failures, distinct interleavings, virtual
//!   time statistics.
//! - [`Shrinker`] reduces a failing run's [`Schedule`](crate::Schedule) to a
//!   simplest one that still fails: fewest deviations from FIFO order.
//! - [`EnvConfig`] reads the `SIMLOOP_*` variables ([`VARIABLES`] lists
//!   them all) that replay one seed, size the sweep, pick the strategy and
//!   shard a sweep across CI machines.
//! - [`Regressions`] keeps failing seeds in a file next to the test, run first
//!   every time.
//! - [`Explorer`] enumerates every schedule of a small scenario, up to a
//!   number of deviations.
//! - [`run_test`] ties them together for `#[simloop::test]`: its report
//!   ends with the [`ReplayCommand`] (a `cargo nextest run` one under
//!   nextest) and, with `SIMLOOP_TIMELINE`, names the failing run's
//!   [`TimelineFiles`].
//!
//! The user guide's [testing page](crate::guide::testing) explains how to
//! use them in CI.
//!
//! The harness builds on [`Sim`](crate::Sim)'s public API only; reading the
//! wall clock here (for progress lines) happens outside every simulation.
//!
//! Runs made in bulk (a sweep of several seeds, shrinking, exploration, the
//! regressions file) log nothing through `tracing`: their logs would bury
//! the one that matters. [`run_test`] runs the failure it reports once more,
//! with its log, and a sweep of a single seed (`SIMLOOP_SEED`) logs it.

mod command;
pub mod coverage;
mod env;
pub mod explain;
mod explore;
mod outcome;
mod quiet;
mod regressions;
mod report;
mod run;
mod runner;
mod runs;
mod shard;
mod shrink;
mod spec;
mod sweep;

pub use command::{ReplayCommand, Target, TestRunner};
pub use coverage::{Coverage, LabelHits, PointKind};
pub use env::{EnvConfig, EnvError, VARIABLES, Variable, max_jobs};
pub use explore::{Exploration, ExploredFailure, Explorer, Order};
pub use outcome::Outcome;
pub use regressions::{RegressionEntry, Regressions, RegressionsError};
pub use report::{ElapsedStats, SeedFailure, SweepReport};
pub use runner::{
    FailedTest, FoundBy, TestFailure, TestPassed, TimelineFiles, run_test, try_run_test,
};
pub use runs::{RunOutcome, RunRecord};
pub use shard::{ParseShardError, Shard};
pub use shrink::{ShrinkError, Shrinker, Shrunk, same_failure};
pub use spec::{DEFAULT_SEEDS, REGRESSIONS_DIR, TestSpec};
pub use sweep::{CALIBRATION_SEEDS, NoSeeds, Sweep};
