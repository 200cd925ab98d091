//! Per-run data of a sweep or an exploration: [`RunRecord`], so that a
//! strategy can be measured (hits, lengths, preemptions) from one pass.

use std::fmt;

use crate::sim::{FailedRun, Report};

/// How one run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunOutcome {
    /// Every check held.
    Passed,
    /// The run failed; `kind` is [`SimError::kind`](crate::SimError::kind)
    /// (`panic`, `deadlock`, ...).
    Failed {
        /// The kind of failure.
        kind: &'static str,
    },
}

impl RunOutcome {
    /// Whether the run failed.
    pub fn is_failure(&self) -> bool {
        matches!(self, RunOutcome::Failed { .. })
    }
}

impl fmt::Display for RunOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunOutcome::Passed => f.write_str("passed"),
            RunOutcome::Failed { kind } => write!(f, "failed ({kind})"),
        }
    }
}

/// What one run of a sweep or an exploration did.
///
/// ```
/// use simloop::{task, harness::Sweep};
///
/// let report = Sweep::new().seeds(0..3).jobs(1).run(|_seed| async {
///     let a = task::spawn(async { task::yield_now().await });
///     a.await.unwrap();
/// });
/// assert_eq!(report.runs.len(), 3);
/// assert_eq!(report.runs[1].seed, 1);
/// assert!(!report.runs[1].outcome.is_failure());
/// assert!(report.runs[1].steps >= 3);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunRecord {
    /// The run's seed.
    pub seed: u64,
    /// How it ended.
    pub outcome: RunOutcome,
    /// Polls made (up to the failure, for a failed run).
    pub steps: u64,
    /// Choices among several ready tasks or tied timers.
    pub choices: usize,
    /// Choices that differ from FIFO order.
    pub deviations: usize,
    /// Choices that switched away from a task that could have kept running.
    pub preemptions: u64,
}

impl RunRecord {
    pub(crate) fn of_report<T>(report: &Report<T>) -> RunRecord {
        RunRecord {
            seed: report.seed,
            outcome: RunOutcome::Passed,
            steps: report.steps,
            choices: report.schedule.len(),
            deviations: report.schedule.deviations(),
            preemptions: report.preemptions,
        }
    }

    pub(crate) fn of_failure(seed: u64, failed: &FailedRun) -> RunRecord {
        RunRecord {
            seed,
            outcome: RunOutcome::Failed {
                kind: failed.error.kind(),
            },
            steps: failed.steps,
            choices: failed.schedule.len(),
            deviations: failed.schedule.deviations(),
            preemptions: failed.preemptions,
        }
    }
}

impl fmt::Display for RunRecord {
    /// `seed 7: failed (panic), 40 steps, 12 choices, 3 deviations, 1 preemption`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = |n: u64| if n == 1 { "" } else { "s" };
        write!(
            f,
            "seed {}: {}, {} step{}, {} choice{}, {} deviation{}, {} preemption{}",
            self.seed,
            self.outcome,
            self.steps,
            s(self.steps),
            self.choices,
            s(self.choices as u64),
            self.deviations,
            s(self.deviations as u64),
            self.preemptions,
            s(self.preemptions)
        )
    }
}
