//! Bounded exhaustive exploration: every schedule of a small scenario, in
//! order of preemptions (iterative context bounding) or of deviations from
//! FIFO order, each run exactly once.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use super::outcome::{Outcome, checked};
use super::quiet::quietly;
use super::runs::RunRecord;
use crate::error::SimError;
use crate::runtime::NO_STAY;
use crate::schedule::{Choice, Schedule};
use crate::sim::{FailedRun, Sim};
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
    /// The index of the failing run among [`Exploration::runs_made`].
    pub run: usize,
    /// How many choices of the failing run switched away from a task that
    /// could have kept running.
    pub preemptions: u64,
    /// Every task panic of the failing run, in order: the first is the cause.
    pub panics: Vec<crate::error::TaskPanic>,
}

/// What an [`Explorer`] ran.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Exploration {
    /// How many schedules ran.
    pub runs: usize,
    /// Whether every schedule within the bound ran (false if the run budget
    /// or the first failure stopped the search).
    pub complete: bool,
    /// The failing schedules, in the order found (fewest preemptions, or
    /// deviations, first).
    pub failures: Vec<ExploredFailure>,
    /// How many different runs there were (distinct fingerprints).
    pub distinct_fingerprints: usize,
    /// Every run, in the order made: its outcome, steps, choices,
    /// deviations and preemptions (`seed` is the exploration's seed).
    pub runs_made: Vec<RunRecord>,
}

impl Exploration {
    /// Whether no schedule failed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }

    /// The index of the first failing run, if any.
    pub fn failing_run(&self) -> Option<usize> {
        self.failures.first().map(|f| f.run)
    }
}

/// The order in which an [`Explorer`] enumerates schedules, and what its
/// bound counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Order {
    /// Iterative context bounding (Musuvathi and Qadeer, PLDI 2007): all
    /// schedules with no preemption, then one, then two... A preemption is a
    /// choice that switches away from a task that could have kept running
    /// (it yielded or woke itself); switching when the running task blocks
    /// or ends is free. Between preemptions, a task runs on for as long as
    /// it can.
    #[default]
    Preemptions,
    /// Breadth first by deviations from FIFO order (a choice other than the
    /// task woken first); FIFO order runs between deviations.
    Deviations,
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
///
/// // By preemptions: letting one task run on costs nothing, and one
/// // preemption (between a read and its write) loses the update.
/// let exploration = Explorer::new(Sim::new(0)).max_preemptions(1).run(scenario);
/// assert_eq!(exploration.failures[0].preemptions, 1);
/// let run = exploration.failing_run().unwrap();
/// assert!(exploration.runs_made[run].outcome.is_failure());
/// ```
///
/// Random sweeps sample interleavings; for a small scenario [`Explorer`] can
/// enumerate them all. It is a stateless model checker: it runs the
/// scenario with [`Strategy::Replay`] of a prefix of choices, continued by
/// a default rule, reads the recorded schedule with the number of options
/// at each choice point, and queues, for every later choice point and every
/// other option there, the prefix that takes that option. Every complete
/// schedule is the default continuation of exactly one queued prefix, so
/// each runs once.
///
/// By default ([`Order::Preemptions`]) the continuation lets the running
/// task run on, and prefixes are explored by their number of preemptions:
/// bugs that need one task to keep going (a reorder, a two-stage update) are
/// reached with no preemption at all, and most others need one or two
/// ([`Explorer::max_preemptions`]). With [`Explorer::max_deviations`]
/// ([`Order::Deviations`]) the continuation is FIFO order and the bound
/// counts deviations from it.
///
/// Partial-order reduction (sleep sets, DPOR) would skip schedules that
/// only reorder independent steps. The explorer does not do it, since steps
/// here touch arbitrary shared state it cannot see; [`Exploration`]'s
/// `distinct_fingerprints` against `runs` shows how many runs were
/// equivalent.
#[derive(Debug, Clone)]
pub struct Explorer {
    sim: Sim,
    order: Order,
    bound: Option<usize>,
    max_runs: usize,
    stop_at_first_failure: bool,
}

impl Explorer {
    /// Explores the schedules of `sim`'s seed with its settings (its
    /// strategy is replaced by replays), by preemptions, without bound, at
    /// most 100 000 runs, collecting every failure.
    pub fn new(sim: Sim) -> Explorer {
        Explorer {
            sim,
            order: Order::Preemptions,
            bound: None,
            max_runs: 100_000,
            stop_at_first_failure: false,
        }
    }

    /// Only schedules with at most `n` deviations from FIFO order, fewest
    /// first ([`Order::Deviations`]).
    pub fn max_deviations(mut self, n: usize) -> Explorer {
        self.order = Order::Deviations;
        self.bound = Some(n);
        self
    }

    /// Only schedules with at most `n` preemptions, fewest first
    /// ([`Order::Preemptions`]).
    pub fn max_preemptions(mut self, n: usize) -> Explorer {
        self.order = Order::Preemptions;
        self.bound = Some(n);
        self
    }

    /// The order of the search, keeping the bound (see [`Order`]).
    pub fn order(mut self, order: Order) -> Explorer {
        self.order = order;
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
        quietly(|| self.explore(&make, &|_| true))
    }

    /// Explores until a run fails in a way `wanted` accepts (the shrinker's
    /// search for a failure with fewer preemptions); other failures are
    /// recorded and the search goes on.
    pub(crate) fn explore<M, F>(&self, make: &M, wanted: &dyn Fn(&FailedRun) -> bool) -> Exploration
    where
        M: Fn(u64) -> F,
        F: Future,
        F::Output: Outcome,
    {
        let seed = self.sim.seed();
        let by_preemptions = self.order == Order::Preemptions;
        // Fewest preemptions (or deviations) first, then in the order queued.
        let mut queue: BTreeMap<(usize, u64), Vec<Choice>> = BTreeMap::new();
        queue.insert((0, 0), Vec::new());
        let mut queued: u64 = 1;
        let mut fingerprints = BTreeSet::new();
        let mut failures = Vec::new();
        let mut records = Vec::new();
        let mut complete = true;
        while let Some(((cost, _), prefix)) = queue.pop_first() {
            if records.len() == self.max_runs {
                complete = false;
                break;
            }
            let sim = self
                .sim
                .to_builder()
                .strategy(Strategy::Replay(Schedule::from_choices(prefix.clone())))
                .replay_then_stay(by_preemptions)
                .build();
            let run = records.len();
            let (schedule, stays) = match sim.run_recorded(checked(make, seed)) {
                Ok(report) => {
                    fingerprints.insert(report.fingerprint);
                    records.push(RunRecord::of_report(&report));
                    (report.schedule, report.stays)
                }
                Err(failed) => {
                    fingerprints.insert(failed.fingerprint);
                    records.push(RunRecord::of_failure(seed, &failed));
                    let stop = self.stop_at_first_failure && wanted(&failed);
                    failures.push(ExploredFailure {
                        schedule: failed.schedule.trimmed(),
                        error: failed.error,
                        run,
                        preemptions: failed.preemptions,
                        panics: failed.panics,
                    });
                    if stop {
                        complete = false;
                        break;
                    }
                    (failed.schedule, failed.stays)
                }
            };
            let choices = schedule.choices();
            // The cost of the prefix up to each position of this run.
            let mut spent = cost;
            let stay_at = |p: usize| stays.get(p).copied().filter(|&s| s != NO_STAY);
            if by_preemptions {
                spent = (0..prefix.len())
                    .filter(|&p| stay_at(p).is_some_and(|s| s != choices[p].index))
                    .count();
            }
            for position in prefix.len()..choices.len() {
                let at = choices[position];
                for index in (0..at.of).filter(|&i| i != at.index) {
                    let step_cost = if by_preemptions {
                        usize::from(stay_at(position).is_some_and(|s| s != index))
                    } else {
                        1
                    };
                    let total = if by_preemptions {
                        spent + step_cost
                    } else {
                        cost + 1
                    };
                    if self.bound.is_some_and(|max| total > max) {
                        continue;
                    }
                    if records.len() + queue.len() >= self.max_runs {
                        // Never run within the budget: do not keep it.
                        complete = false;
                        break;
                    }
                    let mut next = choices[..position].to_vec();
                    next.push(Choice { index, ..at });
                    queue.insert((total, queued), next);
                    queued += 1;
                }
                if by_preemptions && stay_at(position).is_some_and(|s| s != at.index) {
                    spent += 1;
                }
            }
        }
        Exploration {
            runs: records.len(),
            complete,
            failures,
            distinct_fingerprints: fingerprints.len(),
            runs_made: records,
        }
    }
}
