//! Bounded exhaustive exploration: every schedule of a small scenario, up to
//! a number of deviations from FIFO order, each run exactly once.

use std::collections::{BTreeSet, VecDeque};
use std::future::Future;

use super::outcome::{Outcome, checked};
use super::quiet::quietly;
use crate::error::SimError;
use crate::schedule::{Choice, Schedule};
use crate::sim::Sim;
use crate::strategy::Strategy;

/// A failing schedule found by an [`Explorer`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ExploredFailure {
    /// The schedule that fails (with the seed of the exploration), without
    /// trailing FIFO choices.
    pub schedule: Schedule,
    /// Why it fails.
    pub error: SimError,
}

/// What an [`Explorer`] ran.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Exploration {
    /// How many schedules ran.
    pub runs: usize,
    /// Whether every schedule within the deviation bound ran (false if the
    /// run budget or the first failure stopped the search).
    pub complete: bool,
    /// The failing schedules, in the order found (fewest deviations first).
    pub failures: Vec<ExploredFailure>,
    /// How many different runs there were (distinct fingerprints).
    pub distinct_fingerprints: usize,
}

impl Exploration {
    /// Whether no schedule failed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Enumerates the schedules of one seed.
///
/// ```
/// use std::{cell::Cell, rc::Rc};
/// use simloop::{Sim, task, harness::Explorer};
///
/// // Two tasks increment a counter across a yield; the second starts a step
/// // late, so FIFO order passes and one deviation loses an update.
/// let scenario = |_seed: u64| async {
///     let counter = Rc::new(Cell::new(0));
///     let tasks: Vec<_> = (0..2).map(|lead| {
///         let counter = counter.clone();
///         task::spawn(async move {
///             for _ in 0..lead { task::yield_now().await; }
///             let read = counter.get();
///             task::yield_now().await;
///             counter.set(read + 1);
///         })
///     }).collect();
///     for t in tasks { t.await.unwrap(); }
///     assert_eq!(counter.get(), 2, "lost update");
/// };
/// let exploration = Explorer::new(Sim::new(0)).max_deviations(1).run(scenario);
/// assert!(exploration.complete);
/// let first = &exploration.failures[0];
/// assert_eq!(first.schedule.deviations(), 1);
/// assert!(first.error.to_string().contains("lost update"));
/// ```
///
/// Random sweeps sample interleavings; for a small scenario [`Explorer`] can
/// enumerate them all. It is a stateless model checker: it runs the
/// scenario with [`Strategy::Replay`] of a prefix of choices (continuing in
/// FIFO order after it), reads the recorded schedule with the number of
/// options at each choice point, and queues, for every later choice point
/// and every other option there, the prefix that takes that option. Every
/// complete schedule is the FIFO continuation of exactly one queued prefix,
/// so each runs once.
///
/// Prefixes are explored in order of their number of deviations (breadth
/// first), so the first failure found is one with the fewest deviations, and
/// [`Explorer::max_deviations`] bounds the search the way bugs are usually
/// shallow: most concurrency bugs need one or two deviations.
#[derive(Debug, Clone)]
pub struct Explorer {
    sim: Sim,
    max_deviations: Option<usize>,
    max_runs: usize,
    stop_at_first_failure: bool,
}

impl Explorer {
    /// Explores the schedules of `sim`'s seed with its settings (its
    /// strategy is replaced by replays). No deviation bound, at most 100 000
    /// runs, collecting every failure.
    pub fn new(sim: Sim) -> Explorer {
        Explorer {
            sim,
            max_deviations: None,
            max_runs: 100_000,
            stop_at_first_failure: false,
        }
    }

    /// Only schedules with at most `n` deviations from FIFO order.
    pub fn max_deviations(mut self, n: usize) -> Explorer {
        self.max_deviations = Some(n);
        self
    }

    /// At most `runs` runs (at least 1).
    pub fn max_runs(mut self, runs: usize) -> Explorer {
        self.max_runs = runs.max(1);
        self
    }

    /// Whether to stop at the first failing schedule.
    pub fn stop_at_first_failure(mut self, stop: bool) -> Explorer {
        self.stop_at_first_failure = stop;
        self
    }

    /// Runs the scenario made by `make` under every schedule in the bound.
    /// The runs log nothing through `tracing`.
    pub fn run<M, F>(&self, make: M) -> Exploration
    where
        M: Fn(u64) -> F,
        F: Future,
        F::Output: Outcome,
    {
        quietly(|| self.explore(&make))
    }

    fn explore<M, F>(&self, make: &M) -> Exploration
    where
        M: Fn(u64) -> F,
        F: Future,
        F::Output: Outcome,
    {
        let seed = self.sim.seed();
        let mut queue: VecDeque<(Vec<Choice>, usize)> = VecDeque::from([(Vec::new(), 0)]);
        let mut fingerprints = BTreeSet::new();
        let mut failures = Vec::new();
        let mut runs = 0;
        let mut complete = true;
        while let Some((prefix, deviations)) = queue.pop_front() {
            if runs == self.max_runs {
                complete = false;
                break;
            }
            runs += 1;
            let sim = self
                .sim
                .to_builder()
                .strategy(Strategy::Replay(Schedule::from_choices(prefix.clone())))
                .build();
            let (schedule, failed) = match sim.run_recorded(checked(make, seed)) {
                Ok(report) => {
                    fingerprints.insert(report.fingerprint);
                    (report.schedule, None)
                }
                Err(failed) => {
                    fingerprints.insert(failed.fingerprint);
                    (failed.schedule, Some(failed.error))
                }
            };
            if let Some(error) = failed {
                failures.push(ExploredFailure {
                    schedule: schedule.trimmed(),
                    error,
                });
                if self.stop_at_first_failure {
                    complete = false;
                    break;
                }
            }
            if self.max_deviations.is_some_and(|max| deviations >= max) {
                continue;
            }
            let choices = schedule.choices();
            for position in prefix.len()..choices.len() {
                let at = choices[position];
                for index in 1..at.of {
                    if runs + queue.len() >= self.max_runs {
                        // Never run within the budget: do not keep it.
                        complete = false;
                        break;
                    }
                    let mut next = choices[..position].to_vec();
                    next.push(Choice { index, ..at });
                    queue.push_back((next, deviations + 1));
                }
            }
        }
        Exploration {
            runs,
            complete,
            failures,
            distinct_fingerprints: fingerprints.len(),
        }
    }
}
