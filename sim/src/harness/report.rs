//! What a sweep found: [`SweepReport`], [`SeedFailure`] and [`ElapsedStats`].

use std::fmt;
use std::time::Duration;

use super::coverage::Coverage;
use super::runs::RunRecord;
use super::shrink::{ShrinkError, Shrunk};
use crate::error::{SimError, TaskPanic};
use crate::schedule::Schedule;
use crate::strategy::Strategy;
use crate::trace::Fingerprint;

/// A seed whose run failed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SeedFailure {
    /// The seed.
    pub seed: u64,
    /// The strategy it ran with.
    pub strategy: Strategy,
    /// Why it failed.
    pub error: SimError,
    /// The scheduler's choices up to the failure.
    pub schedule: Schedule,
    /// The fingerprint of the run up to the failure.
    pub fingerprint: Fingerprint,
    /// The shrunk schedule, if shrinking was on (only the lowest failing seed
    /// of a sweep is shrunk).
    pub shrunk: Option<Result<Shrunk, ShrinkError>>,
    /// The index of the failing run in [`SweepReport::runs`].
    pub run: usize,
    /// How many choices of the failing run were preemptions.
    pub preemptions: u64,
    /// Every task panic of the failing run, in order; the first is the
    /// cause (see [`cause`](SeedFailure::cause)).
    pub panics: Vec<TaskPanic>,
}

impl SeedFailure {
    /// The shrunk schedule, if shrinking succeeded.
    pub fn shrunk(&self) -> Option<&Shrunk> {
        self.shrunk.as_ref().and_then(|s| s.as_ref().ok())
    }

    /// The first task panic of the failing run: the cause of the failure,
    /// even when the failure itself shows elsewhere.
    pub fn cause(&self) -> Option<&TaskPanic> {
        self.panics.first()
    }

    /// The failure in task terms, one line each: its cause when the visible
    /// failure is a knock-on error, then the shrunk schedule's deviations
    /// and preemptions (see [`explain`](super::explain)).
    pub fn explanation(&self) -> Vec<String> {
        let mut lines: Vec<String> = super::explain::cause_line(&self.error, &self.panics)
            .into_iter()
            .collect();
        if let Some(shrunk) = self.shrunk() {
            lines.extend(super::explain::schedule_lines(&shrunk.decisions));
        }
        lines
    }
}

/// Minimum, median and maximum of the virtual time the runs took (a failed
/// run counts with the virtual time at which it failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ElapsedStats {
    /// The shortest run.
    pub min: Duration,
    /// The median run (the lower middle one for an even count).
    pub median: Duration,
    /// The longest run.
    pub max: Duration,
}

impl ElapsedStats {
    /// The statistics of `times`, or `None` if there are none.
    pub fn of(mut times: Vec<Duration>) -> Option<ElapsedStats> {
        times.sort_unstable();
        Some(ElapsedStats {
            min: *times.first()?,
            median: times[(times.len() - 1) / 2],
            max: *times.last()?,
        })
    }
}

/// What a [`Sweep`](super::Sweep) found.
///
/// Everything but [`wall`](SweepReport::wall) is independent of the number
/// of threads and their timing: when a sweep stops at its first failure, it
/// reports exactly the seeds up to the lowest failing one.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SweepReport {
    /// How many seeds ran.
    pub seeds_run: u64,
    /// The failing seeds, lowest first (only the lowest one when the sweep
    /// stops at the first failure).
    pub failures: Vec<SeedFailure>,
    /// How many different interleavings the runs took (distinct
    /// fingerprints).
    pub distinct_fingerprints: usize,
    /// Virtual time of the runs, if any ran.
    pub elapsed: Option<ElapsedStats>,
    /// Real time the sweep took (for information only).
    pub wall: Duration,
    /// Every run, in seed order: seed, outcome, steps, choices, deviations
    /// and preemptions.
    pub runs: Vec<RunRecord>,
    /// The counts of the coverage points ([`sometimes!`](crate::sometimes),
    /// [`reachable!`](crate::reachable)) across the runs.
    pub coverage: Coverage,
}

impl SweepReport {
    /// Whether every seed passed and every coverage point held in some run.
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.coverage.missing().is_empty()
    }

    /// The lowest failing seed.
    pub fn first_failure(&self) -> Option<&SeedFailure> {
        self.failures.first()
    }
}

impl fmt::Display for SweepReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural =
            |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        write!(
            f,
            "{}, {}, {}",
            plural(self.seeds_run, "seed", "seeds"),
            plural(self.failures.len() as u64, "failure", "failures"),
            plural(
                self.distinct_fingerprints as u64,
                "distinct interleaving",
                "distinct interleavings"
            ),
        )?;
        if let Some(e) = &self.elapsed {
            write!(
                f,
                "; virtual time min {:?}, median {:?}, max {:?}",
                e.min, e.median, e.max
            )?;
        }
        write!(f, "; {:.2?} wall", self.wall)?;
        if !self.coverage.is_empty() {
            write!(f, "\ncoverage:\n{}", self.coverage)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_in_words() {
        let report = |seeds_run, distinct_fingerprints| SweepReport {
            seeds_run,
            failures: Vec::new(),
            distinct_fingerprints,
            elapsed: ElapsedStats::of(vec![Duration::from_secs(1), Duration::from_secs(3)]),
            wall: Duration::from_millis(12),
            runs: Vec::new(),
            coverage: Coverage::default(),
        };
        assert_eq!(
            report(1, 1).to_string(),
            "1 seed, 0 failures, 1 distinct interleaving; virtual time min 1s, median 1s, max 3s; 12.00ms wall"
        );
        assert!(
            report(40, 7)
                .to_string()
                .starts_with("40 seeds, 0 failures, 7 distinct interleavings;")
        );
    }

    #[test]
    fn stats_take_min_lower_median_and_max() {
        let s = |v: &[u64]| ElapsedStats::of(v.iter().map(|&n| Duration::from_secs(n)).collect());
        assert_eq!(s(&[]), None);
        let odd = s(&[5, 1, 3]).unwrap();
        assert_eq!(
            (odd.min, odd.median, odd.max),
            (
                Duration::from_secs(1),
                Duration::from_secs(3),
                Duration::from_secs(5)
            )
        );
        let even = s(&[4, 1, 3, 2]).unwrap();
        assert_eq!(even.median, Duration::from_secs(2));
    }
}
