//! One run of a scenario under one seed: the unit the sweep, the regressions
//! replay, the shrinker and the explorer are made of.

use std::future::Future;

use super::outcome::{Outcome, checked};
use crate::sim::{FailedRun, Report, Sim};

/// Runs the scenario made by `make` under `sim` (whose seed is also passed to
/// `make`); with `check_determinism`, runs it twice and fails on any
/// difference between the two runs.
pub(crate) fn run_once<M, F>(
    sim: &Sim,
    check_determinism: bool,
    make: &M,
) -> Result<Report<()>, Box<FailedRun>>
where
    M: Fn(u64) -> F,
    F: Future,
    F::Output: Outcome,
{
    let seed = sim.seed();
    if check_determinism {
        sim.run_twice(|| checked(make, seed))
    } else {
        sim.run_recorded(checked(make, seed))
    }
}
