//! Shrinking a failing interleaving to a simplest one that still fails.

use std::collections::BTreeMap;
use std::future::Future;

use super::explore::Explorer;
use super::outcome::{Outcome, checked};
use super::quiet::quietly;
use crate::error::{SimError, TaskPanic};
use crate::schedule::{Choice, Decision, Schedule};
use crate::sim::{FailedRun, Sim};
use crate::strategy::Strategy;

/// How many earlier positions are tried for each deviation, from the
/// earliest possible one up.
const EARLIER_POSITIONS: usize = 64;

/// A deviation: position in the schedule, and the option taken there.
type Deviation = (usize, u32);

/// A failing run's simplest schedule found by [`Shrinker::shrink`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Shrunk {
    /// The seed (the schedule replays under this seed only).
    pub seed: u64,
    /// The simplest failing schedule found, without trailing FIFO choices.
    pub schedule: Schedule,
    /// The failure the simplest schedule gives.
    pub error: SimError,
    /// How many choices of the simplest schedule switch away from a task
    /// that could have kept running.
    pub preemptions: u64,
    /// Every task panic of the simplest schedule's run, in order: the first
    /// is the cause of the failure.
    pub panics: Vec<TaskPanic>,
    /// The simplest schedule's task choices, in task terms: who ran, who
    /// FIFO order would have run, who could have continued (see
    /// [`explain`](super::explain)).
    pub decisions: Vec<Decision>,
    /// The number of deviations of the original failing run.
    pub original_deviations: usize,
    /// How many replays the search made.
    pub runs: usize,
    /// Whether the search stopped at its budget of replays rather than at a
    /// schedule it could not simplify further.
    pub budget_exhausted: bool,
}

impl Shrunk {
    /// The number of deviations from FIFO order left in the schedule.
    pub fn deviations(&self) -> usize {
        self.schedule.deviations()
    }

    /// The strategy that replays the simplest schedule.
    pub fn strategy(&self) -> Strategy {
        Strategy::Replay(self.schedule.clone())
    }
}

/// Why a failure could not be shrunk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShrinkError {
    /// The failure is a non-determinism report, which a single replay cannot
    /// reproduce.
    #[error("a non-determinism failure is not shrunk: replays run the scenario once")]
    NonDeterministic,
    /// Replaying the failing run's own schedule did not fail the same way.
    #[error(
        "replaying the failing schedule of seed {seed} did not fail the same way ({outcome}); \
         the scenario depends on something outside the simulation"
    )]
    NotReproducible {
        /// The seed.
        seed: u64,
        /// What the replay did instead.
        outcome: String,
    },
}

/// Whether two failures are the same for shrinking: the same kind of failure
/// ([`SimError::kind`]) and, for panics, the same source location. (The
/// shrinker itself compares failing runs by their cause first: see
/// [`Shrinker`].)
///
/// ```
/// use simloop::{Sim, harness::same_failure};
///
/// let a = Sim::new(1).run(async { panic!("x = {}", 1) }).unwrap_err();
/// let b = Sim::new(2).run(async { panic!("x = {}", 2) }).unwrap_err();
/// assert!(!same_failure(&a, &b)); // two different lines
/// let fail = |x: u32| async move { assert!(x < 2, "x = {x}") };
/// let c = Sim::new(1).run(fail(3)).unwrap_err();
/// let d = Sim::new(2).run(fail(4)).unwrap_err();
/// assert!(same_failure(&c, &d)); // one assertion, different values
/// ```
pub fn same_failure(a: &SimError, b: &SimError) -> bool {
    a.kind() == b.kind() && panic_location(a) == panic_location(b)
}

/// The `file:line:col` a panic message ends with, if any.
fn panic_location(error: &SimError) -> Option<&str> {
    let SimError::TaskPanicked { message, .. } = error else {
        return None;
    };
    let start = message.rfind(" (at ")? + " (at ".len();
    message[start..].split(')').next()
}

/// Shrinks failing schedules.
///
/// A run's [`Schedule`] lists every choice the scheduler made; a choice with
/// a non-zero index is a *deviation* from FIFO (asyncio's) order. A failure
/// that needs no deviation at all happens under plain FIFO order; a lost
/// update typically needs one: one task must run between another's read and
/// its write.
///
/// [`Shrinker::shrink`] replays the failing seed with
/// [`Strategy::Replay`] and ever simpler schedules, keeping a candidate only
/// if the run still fails the same way: with the same *cause*, the first
/// task panic of the run (task panics are recorded wherever they happen, so
/// a panic that shows up only as a knock-on error elsewhere still counts),
/// or, for a run without a panic, [`same_failure`]. Simpler means plain
/// FIFO order if it fails, else fewer preemptions (choices that switch away
/// from a task that could have kept running), then fewer deviations, then
/// earlier ones, then smaller indices. It tries, in order:
///
/// 1. no deviation at all (plain FIFO order), then schedules with fewer
///    preemptions than the failing run, fewest first, as an
///    [`Explorer`](super::Explorer) by preemptions enumerates them (within
///    half the budget);
/// 2. delta debugging (Zeller and Hildebrandt's *ddmin*) over the set of
///    deviations, removing halves, then quarters, ... and their complements,
///    until removing any single deviation makes the failure go away;
/// 3. smaller indices for each deviation, and earlier positions for it (the
///    64 earliest ones), going back to step 2 whenever that helps.
///
/// After every replay that still fails, the candidate is replaced by the
/// schedule the replay actually recorded: an index wraps around the number
/// of options actually offered, and wrapping to 0 removes a deviation for
/// free. The search stops when nothing simpler fails, or after
/// [`Shrinker::max_runs`] replays.
///
/// Replays share the seed, so the code under test draws the same random
/// numbers from [`simloop::rand`](crate::rand) in every replay; only the
/// interleaving changes. They log nothing through `tracing`.
///
/// A search that takes more than a second (of real time) prints a progress
/// line to stderr every second, like a [`Sweep`](super::Sweep).
#[derive(Debug, Clone)]
pub struct Shrinker {
    max_runs: usize,
    progress: bool,
    name: Option<String>,
}

impl Default for Shrinker {
    fn default() -> Shrinker {
        Shrinker::new()
    }
}

impl Shrinker {
    /// A shrinker with a budget of 2000 replays, printing progress lines.
    pub fn new() -> Shrinker {
        Shrinker {
            max_runs: 2000,
            progress: true,
            name: None,
        }
    }

    /// Whether a search that takes more than a second prints a progress
    /// line to stderr every second (default on).
    pub fn progress(mut self, progress: bool) -> Shrinker {
        self.progress = progress;
        self
    }

    /// The name progress lines start with, such as the test's.
    pub fn name(mut self, name: impl Into<String>) -> Shrinker {
        self.name = Some(name.into());
        self
    }

    /// The most replays one search may make (at least 1).
    pub fn max_runs(mut self, runs: usize) -> Shrinker {
        self.max_runs = runs.max(1);
        self
    }

    /// Shrinks a failing run of the scenario made by `make` under `sim`: the
    /// `error` it failed with and the `schedule` it recorded (see
    /// [`Sim::run_recorded`]). Replays use `sim`'s seed and settings with
    /// [`Strategy::Replay`].
    ///
    /// ```
    /// use std::{cell::Cell, rc::Rc};
    /// use simloop::{Sim, Strategy, task, harness::Shrinker};
    ///
    /// // Two tasks increment a counter across a yield: an update can be lost.
    /// let scenario = |_seed: u64| async {
    ///     let counter = Rc::new(Cell::new(0));
    ///     let tasks: Vec<_> = (0..2).map(|_| {
    ///         let counter = counter.clone();
    ///         task::spawn(async move {
    ///             let read = counter.get();
    ///             task::yield_now().await;
    ///             counter.set(read + 1);
    ///         })
    ///     }).collect();
    ///     for t in tasks { t.await.unwrap(); }
    ///     assert_eq!(counter.get(), 2, "lost update");
    /// };
    /// let (sim, failed) = (0..100)
    ///     .map(|seed| Sim::builder().seed(seed).strategy(Strategy::Random).build())
    ///     .find_map(|sim| sim.run_recorded(scenario(sim.seed())).err().map(|f| (sim, f)))
    ///     .unwrap();
    /// let shrunk = Shrinker::new()
    ///     .shrink(&sim, &failed.error, &failed.schedule, scenario)
    ///     .unwrap();
    /// assert!(shrunk.deviations() <= failed.schedule.deviations());
    /// assert!(shrunk.error.to_string().contains("lost update"));
    /// ```
    pub fn shrink<M, F>(
        &self,
        sim: &Sim,
        error: &SimError,
        schedule: &Schedule,
        make: M,
    ) -> Result<Shrunk, ShrinkError>
    where
        M: Fn(u64) -> F,
        F: Future,
        F::Output: Outcome,
    {
        if matches!(error, SimError::NonDeterminism { .. }) {
            return Err(ShrinkError::NonDeterministic);
        }
        let search = Search {
            sim,
            make: &make,
            target: error,
            cause: None,
            max_runs: self.max_runs,
            runs: 0,
            tried: BTreeMap::new(),
            preemptions: BTreeMap::new(),
            best: None,
            progress: self.progress.then(|| Progress {
                name: self.name.as_deref(),
                started: std::time::Instant::now(),
                last: std::time::Instant::now(),
            }),
        };
        quietly(|| search.run(deviations(schedule)))
    }
}

/// The deviations of `schedule`, in position order.
fn deviations(schedule: &Schedule) -> Vec<Deviation> {
    schedule
        .choices()
        .iter()
        .enumerate()
        .filter(|(_, c)| c.is_deviation())
        .map(|(pos, c)| (pos, c.index))
        .collect()
}

/// The lenient schedule with exactly these deviations.
fn schedule_of(devs: &[Deviation]) -> Schedule {
    let len = devs.last().map_or(0, |d| d.0 + 1);
    let mut indices = vec![0; len];
    for &(pos, index) in devs {
        indices[pos] = index;
    }
    Schedule::from_indices(indices)
}

/// The simplest failing run found so far.
struct Best {
    devs: Vec<Deviation>,
    /// What the run recorded (with the number of options at each choice).
    schedule: Schedule,
    error: SimError,
    preemptions: u64,
    panics: Vec<TaskPanic>,
}

struct Search<'a, M> {
    sim: &'a Sim,
    make: &'a M,
    target: &'a SimError,
    /// Where the failing run's first task panic happened (its cause), once
    /// the original schedule's replay has shown it: `Some(None)` when the
    /// run had no panic with a known location.
    cause: Option<Option<String>>,
    max_runs: usize,
    runs: usize,
    /// Every candidate replayed, with the deviations its run recorded if it
    /// failed the same way.
    tried: BTreeMap<Vec<Deviation>, Option<Vec<Deviation>>>,
    /// The preemptions of every failing run recorded, by its deviations.
    preemptions: BTreeMap<Vec<Deviation>, u64>,
    best: Option<Best>,
    progress: Option<Progress<'a>>,
}

/// When the search started and last printed a progress line (real time,
/// read between replays, never inside one).
struct Progress<'a> {
    name: Option<&'a str>,
    started: std::time::Instant,
    last: std::time::Instant,
}

/// Print a progress line at most this often, and only after this long.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// `simloop: `NAME`: shrinking seed 7: 120 of at most 2000 replays, 3 deviations left, 1.0s`.
fn progress_line(
    name: Option<&str>,
    seed: u64,
    runs: usize,
    max_runs: usize,
    deviations: Option<usize>,
    elapsed: std::time::Duration,
) -> String {
    let name = name.map(|n| format!("`{n}`: ")).unwrap_or_default();
    let left = match deviations {
        Some(1) => ", 1 deviation left".to_owned(),
        Some(n) => format!(", {n} deviations left"),
        None => String::new(),
    };
    format!(
        "simloop: {name}shrinking seed {seed}: {runs} of at most {max_runs} replays{left}, {:.1}s",
        elapsed.as_secs_f64()
    )
}

impl<M, F> Search<'_, M>
where
    M: Fn(u64) -> F,
    F: Future,
    F::Output: Outcome,
{
    /// The whole search, from the failing run's deviations.
    fn run(mut self, original: Vec<Deviation>) -> Result<Shrunk, ShrinkError> {
        let Some(start) = self.test(&original) else {
            let outcome = self
                .replay(&original)
                .err()
                .map_or_else(|| "it passed".to_owned(), |f| f.error.to_string());
            return Err(ShrinkError::NotReproducible {
                seed: self.sim.seed(),
                outcome,
            });
        };
        self.minimize(start);
        let best = self.best.take().expect("the original run failed");
        let schedule = best.schedule.trimmed();
        // One more replay, traced, tells the choices in task terms.
        let traced = self
            .sim
            .to_builder()
            .trace(true)
            .strategy(Strategy::Replay(schedule.clone()))
            .build();
        let decisions = match traced.run_recorded(checked(self.make, traced.seed())) {
            Ok(report) => report.decisions,
            Err(failed) => failed.decisions,
        };
        Ok(Shrunk {
            seed: self.sim.seed(),
            schedule,
            error: best.error,
            preemptions: best.preemptions,
            panics: best.panics,
            decisions,
            original_deviations: original.len(),
            runs: self.runs,
            budget_exhausted: self.exhausted(),
        })
    }

    fn report_progress(&mut self) {
        let Some(progress) = &mut self.progress else {
            return;
        };
        let now = std::time::Instant::now();
        if now.duration_since(progress.started) < PROGRESS_EVERY
            || now.duration_since(progress.last) < PROGRESS_EVERY
        {
            return;
        }
        progress.last = now;
        eprintln!(
            "{}",
            progress_line(
                progress.name,
                self.sim.seed(),
                self.runs,
                self.max_runs,
                self.best.as_ref().map(|b| b.devs.len()),
                now.duration_since(progress.started),
            )
        );
    }

    fn exhausted(&self) -> bool {
        self.runs >= self.max_runs
    }

    fn replay(&self, devs: &[Deviation]) -> Result<(), Box<FailedRun>> {
        let sim = self
            .sim
            .to_builder()
            .strategy(Strategy::Replay(schedule_of(devs)))
            .build();
        sim.run_recorded(checked(self.make, sim.seed())).map(drop)
    }

    /// Replays `devs`; if the run fails the same way, returns the deviations
    /// it actually recorded (a subset of `devs`) and keeps it if simplest.
    fn test(&mut self, devs: &[Deviation]) -> Option<Vec<Deviation>> {
        if let Some(known) = self.tried.get(devs) {
            return known.clone();
        }
        if self.exhausted() {
            return None;
        }
        self.report_progress();
        self.runs += 1;
        let result = match self.replay(devs) {
            Err(failed) if self.same_cause(&failed) => Some(self.keep(*failed)),
            _ => None,
        };
        self.tried.insert(devs.to_vec(), result.clone());
        result
    }

    /// Whether a failed replay failed the way the original run did: with a
    /// panic at the same place first (the cause), or without any panic and
    /// [`same_failure`].
    fn same_cause(&mut self, failed: &FailedRun) -> bool {
        match &self.cause {
            None => {
                // The original schedule's replay: it fixes the cause.
                let same = same_failure(self.target, &failed.error);
                if same {
                    self.cause = Some(cause_location(&failed.panics).map(str::to_owned));
                }
                same
            }
            Some(cause) => {
                matches_cause(cause.as_deref(), self.target, &failed.error, &failed.panics)
            }
        }
    }

    /// Keeps a failing run if it is the simplest so far; returns the
    /// deviations it recorded.
    fn keep(&mut self, failed: FailedRun) -> Vec<Deviation> {
        let recorded = deviations(&failed.schedule);
        self.preemptions
            .insert(recorded.clone(), failed.preemptions);
        let simpler = self.best.as_ref().is_none_or(|b| {
            simplicity(failed.preemptions, &recorded) < simplicity(b.preemptions, &b.devs)
        });
        if simpler {
            self.best = Some(Best {
                devs: recorded.clone(),
                schedule: failed.schedule,
                error: failed.error,
                preemptions: failed.preemptions,
                panics: failed.panics,
            });
        }
        recorded
    }

    /// Searches schedules with fewer preemptions than the best so far,
    /// fewest first, within half the remaining budget.
    fn fewer_preemptions(&mut self) {
        let Some(preemptions) = self.best.as_ref().map(|b| b.preemptions) else {
            return;
        };
        let budget = (self.max_runs.saturating_sub(self.runs)) / 2;
        if preemptions == 0 || budget == 0 {
            return;
        }
        let explorer = Explorer::new(self.sim.clone())
            .max_preemptions(preemptions as usize - 1)
            .max_runs(budget)
            .stop_at_first_failure(true);
        let (cause, target) = (self.cause.clone().flatten(), self.target);
        let wanted = |error: &SimError, panics: &[TaskPanic]| {
            matches_cause(cause.as_deref(), target, error, panics)
        };
        let exploration = explorer.explore(self.make, &|f| wanted(&f.error, &f.panics));
        self.runs += exploration.runs;
        let found = exploration
            .failures
            .into_iter()
            .find(|f| wanted(&f.error, &f.panics));
        if let Some(found) = found {
            let devs = deviations(&found.schedule);
            // Registered through a replay, which also records its choices.
            self.tried.remove(&devs);
            self.test(&devs);
        }
    }

    fn minimize(&mut self, start: Vec<Deviation>) {
        if start.is_empty() {
            return;
        }
        if self.test(&[]).is_some() {
            return;
        }
        self.fewer_preemptions();
        let start = self.best.as_ref().map_or(start, |b| b.devs.clone());
        let mut current = self.ddmin(start);
        while !self.exhausted() {
            match self.simplify_one(&current) {
                Some(simpler) => current = self.ddmin(simpler),
                None => break,
            }
        }
    }

    /// Removes deviations while the failure persists, until no single one
    /// can go.
    fn ddmin(&mut self, mut devs: Vec<Deviation>) -> Vec<Deviation> {
        let mut n = 2;
        while devs.len() >= 2 && !self.exhausted() {
            let chunks = split(&devs, n);
            let mut reduced = None;
            for chunk in &chunks {
                if let Some(r) = self.test(chunk) {
                    reduced = Some((r, 2));
                    break;
                }
            }
            if reduced.is_none() && n > 2 {
                for i in 0..chunks.len() {
                    let complement: Vec<Deviation> = chunks
                        .iter()
                        .enumerate()
                        .filter(|&(j, _)| j != i)
                        .flat_map(|(_, c)| c.iter().copied())
                        .collect();
                    if let Some(r) = self.test(&complement) {
                        reduced = Some((r, n - 1));
                        break;
                    }
                }
            }
            match reduced {
                Some((r, next_n)) => {
                    devs = r;
                    n = next_n.clamp(2, devs.len().max(2));
                }
                None if n >= devs.len() => break,
                None => n = (2 * n).min(devs.len()),
            }
        }
        devs
    }

    /// One step toward FIFO that keeps the number of deviations: a smaller
    /// index for one deviation, or an earlier position for it.
    fn simplify_one(&mut self, devs: &[Deviation]) -> Option<Vec<Deviation>> {
        let options = self.best.as_ref().map(|b| b.schedule.clone())?;
        let of = |pos: usize| options.choices().get(pos).map_or(0, |c: &Choice| c.of);
        for i in 0..devs.len() {
            let (pos, index) = devs[i];
            for smaller in 1..index {
                let mut candidate = devs.to_vec();
                candidate[i] = (pos, smaller);
                if let Some(r) = self.test_simpler(&candidate, devs) {
                    return Some(r);
                }
            }
            let lowest = if i == 0 { 0 } else { devs[i - 1].0 + 1 };
            for earlier in (lowest..pos).take(EARLIER_POSITIONS) {
                let mut tries = vec![1];
                if index > 1 && index < of(earlier) {
                    tries.push(index);
                }
                for idx in tries {
                    let mut candidate = devs.to_vec();
                    candidate[i] = (earlier, idx);
                    if let Some(r) = self.test_simpler(&candidate, devs) {
                        return Some(r);
                    }
                }
                if self.exhausted() {
                    return None;
                }
            }
        }
        None
    }

    fn test_simpler(
        &mut self,
        candidate: &[Deviation],
        than: &[Deviation],
    ) -> Option<Vec<Deviation>> {
        let result = self.test(candidate)?;
        let preempts = |devs: &[Deviation]| self.preemptions.get(devs).copied();
        let (mine, theirs) = (preempts(&result)?, preempts(than).unwrap_or(u64::MAX));
        (simplicity(mine, &result) < simplicity(theirs, than)).then_some(result)
    }
}

/// The location of a run's first task panic, if it had one and the panic
/// hook saw where.
fn cause_location(panics: &[TaskPanic]) -> Option<&str> {
    panics.first()?.location.as_deref()
}

/// Whether a failing run has the cause `cause` (the location of the first
/// panic), or, without a located cause, fails like `target`.
fn matches_cause(
    cause: Option<&str>,
    target: &SimError,
    error: &SimError,
    panics: &[TaskPanic],
) -> bool {
    match cause {
        Some(cause) => cause_location(panics) == Some(cause),
        None => same_failure(target, error),
    }
}

/// The order shrinking descends: plain FIFO order first (the program's own
/// order, whatever its preemptions), then fewer preemptions, then fewer
/// deviations, then earlier ones, then smaller indices.
fn simplicity(preemptions: u64, devs: &[Deviation]) -> (bool, u64, usize, &[Deviation]) {
    (!devs.is_empty(), preemptions, devs.len(), devs)
}

/// `devs` cut into `n` nearly equal consecutive chunks (fewer if too short).
fn split(devs: &[Deviation], n: usize) -> Vec<Vec<Deviation>> {
    let n = n.clamp(1, devs.len().max(1));
    let (size, extra) = (devs.len() / n, devs.len() % n);
    let mut chunks = Vec::with_capacity(n);
    let mut start = 0;
    for i in 0..n {
        let len = size + usize::from(i < extra);
        chunks.push(devs[start..start + len].to_vec());
        start += len;
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_covers_everything_in_order() {
        let devs: Vec<Deviation> = (0..7).map(|i| (i, 1)).collect();
        for n in 1..9 {
            let chunks = split(&devs, n);
            assert_eq!(chunks.len(), n.min(7));
            assert_eq!(chunks.concat(), devs);
            let sizes: Vec<usize> = chunks.iter().map(Vec::len).collect();
            assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
        }
    }

    #[test]
    fn schedule_of_places_each_deviation_at_its_position() {
        let s = schedule_of(&[(2, 1), (5, 3)]);
        assert_eq!(s.to_string(), "2:1,5:3");
        assert_eq!(s.len(), 6);
        assert_eq!(deviations(&s), vec![(2, 1), (5, 3)]);
        assert!(schedule_of(&[]).is_empty());
    }

    #[test]
    fn simpler_means_fewer_preemptions_then_fewer_then_earlier_then_smaller() {
        assert!(simplicity(4, &[]) < simplicity(0, &[(0, 1)]));
        assert!(simplicity(0, &[(0, 1), (1, 1), (2, 1)]) < simplicity(1, &[(0, 1)]));
        assert!(simplicity(1, &[(9, 3)]) < simplicity(1, &[(0, 1), (1, 1)]));
        assert!(simplicity(1, &[(3, 2)]) < simplicity(1, &[(4, 1)]));
        assert!(simplicity(1, &[(4, 1)]) < simplicity(1, &[(4, 2)]));
    }

    #[test]
    fn progress_lines_say_how_far_the_search_is() {
        assert_eq!(
            progress_line(
                Some("queue::drains"),
                7,
                120,
                2000,
                Some(3),
                std::time::Duration::from_millis(1500)
            ),
            "simloop: `queue::drains`: shrinking seed 7: 120 of at most 2000 replays, 3 deviations left, 1.5s"
        );
        assert_eq!(
            progress_line(None, 7, 1, 10, Some(1), std::time::Duration::from_secs(2)),
            "simloop: shrinking seed 7: 1 of at most 10 replays, 1 deviation left, 2.0s"
        );
    }

    #[test]
    fn panic_location_is_read_from_the_message() {
        let err = Sim::new(0).run(async { panic!("boom") }).unwrap_err();
        let location = panic_location(&err).expect("a location");
        assert!(location.contains("shrink.rs"), "{location}");
        let deadlock = Sim::new(0)
            .run(async {
                let (_tx, rx) = futures::channel::oneshot::channel::<()>();
                rx.await.ok();
            })
            .unwrap_err();
        assert_eq!(panic_location(&deadlock), None);
        assert!(!same_failure(&err, &deadlock));
    }
}
