//! [`Sweep`]: one scenario over many seeds, on every core.

use std::future::Future;
use std::num::NonZeroUsize;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;

use super::coverage::{Coverage, RunCoverage, counting};
use super::env::EnvConfig;
use super::outcome::Outcome;
use super::quiet::quietly;
use super::report::{ElapsedStats, SeedFailure, SweepReport};
use super::run::run_once;
use super::runs::RunRecord;
use super::shard::Shard;
use super::shrink::Shrinker;
use crate::sim::{FailedRun, Sim};
use crate::strategy::Strategy;

/// Runs one scenario across many seeds, in parallel: each thread runs one
/// single-threaded simulation at a time, pulling the next seed when done.
///
/// The scenario is a closure that makes a fresh future for each seed. It is
/// called on the worker threads (and inside the simulation), so it must be
/// `Sync`, but the futures it makes need not be `Send`.
///
/// By default a sweep runs seeds `0..100` with [`Strategy::Random`] (FIFO
/// order would give a single interleaving), stops at the first failure and
/// shrinks it. The report does not depend on the number of threads: the
/// failure reported is always the lowest failing seed.
///
/// ```
/// use std::{cell::Cell, rc::Rc};
/// use simloop::{task, harness::Sweep};
///
/// // A lost update: two tasks increment a counter across a yield.
/// let report = Sweep::new().seeds(0..200).jobs(2).run(|_seed| async {
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
/// });
/// let failure = report.first_failure().expect("some interleaving loses an update");
/// assert!(failure.error.to_string().contains("lost update"));
/// let shrunk = failure.shrunk().unwrap();
/// assert!(shrunk.deviations() <= 2);
/// ```
#[derive(Debug, Clone)]
pub struct Sweep {
    sim: Sim,
    seeds: Range<u64>,
    /// `SIMLOOP_SEED`: this seed alone, instead of `seeds` (a `Range` cannot
    /// hold seed `u64::MAX`).
    only: Option<u64>,
    shard: Shard,
    jobs: NonZeroUsize,
    stop_at_first_failure: bool,
    check_determinism: bool,
    shrinker: Option<Shrinker>,
    progress: bool,
    name: Option<String>,
    quiet: Option<bool>,
    expected: Vec<String>,
    /// Where the seed range and the shard came from, for [`NoSeeds`].
    origin: Origin,
}

/// Which setting made a sweep's seed range and shard what they are: the
/// default, a builder method, or a `SIMLOOP_*` variable.
#[derive(Debug, Clone, Default)]
struct Origin {
    seeds: Option<String>,
    shard: Option<String>,
}

/// A sweep whose settings select no seed at all: it would pass without
/// running anything, so [`Sweep::try_run`] refuses it (and
/// [`Sweep::run`] panics with this message). The message names the
/// settings that emptied it.
///
/// ```
/// use simloop::harness::{EnvConfig, Sweep};
///
/// let env = EnvConfig::from_lookup(|name| match name {
///     "SIMLOOP_SHARD" => Some("7/8".into()),
///     _ => None,
/// }).unwrap();
/// let err = Sweep::new().seeds(0..5).env(&env).try_run(|_seed| async {}).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "no seeds to run: shard 7/8 (SIMLOOP_SHARD=7/8) of seeds 0..5 (Sweep::seeds(0..5)) \
///      gets none, as shard I of N runs seeds 0+I, 0+I+N, ... below 5; use at most 5 \
///      shard(s) or more seeds. A sweep that runs nothing would pass without testing anything"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}no seeds to run: {why}. A sweep that runs nothing would pass without testing anything",
    .name.as_ref().map(|n| format!("sweep `{n}`: ")).unwrap_or_default())]
#[non_exhaustive]
pub struct NoSeeds {
    /// The sweep's name, if it has one.
    pub name: Option<String>,
    /// Its seed range (before sharding).
    pub seeds: Range<u64>,
    /// Its shard.
    pub shard: Shard,
    /// Which settings emptied it, in words.
    pub why: String,
}

impl Default for Sweep {
    fn default() -> Sweep {
        Sweep::new()
    }
}

/// How many seeds [`Sweep::calibrated`] runs to measure a run's length for
/// PCT.
pub const CALIBRATION_SEEDS: u64 = 4;

/// The size of the first batch of a PCT sweep; each next batch is twice as
/// large, up to [`LAST_PCT_BATCH`].
const FIRST_PCT_BATCH: u64 = 32;
const LAST_PCT_BATCH: u64 = 512;

/// The number of choices among ready tasks in `schedule` (PCT's `k`).
fn task_choices(schedule: &crate::schedule::Schedule) -> u64 {
    schedule
        .choices()
        .iter()
        .filter(|c| c.kind != crate::schedule::ChoiceKind::Timer)
        .count() as u64
}

/// Print a progress line at most this often, and only after this long.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

impl Sweep {
    /// Seeds `0..100`, [`Strategy::Random`], one thread per core, stopping
    /// at the first failure and shrinking it.
    pub fn new() -> Sweep {
        Sweep {
            sim: Sim::builder().strategy(Strategy::Random).build(),
            seeds: 0..100,
            only: None,
            shard: Shard::ALL,
            jobs: std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN),
            stop_at_first_failure: true,
            check_determinism: false,
            shrinker: Some(Shrinker::new()),
            progress: true,
            name: None,
            quiet: None,
            expected: Vec::new(),
            origin: Origin::default(),
        }
    }

    /// Declares [`reachable!`](crate::reachable) labels that some run of
    /// the sweep must reach: the report lists a label no run reached as
    /// missing, and the sweep does not pass.
    ///
    /// ```
    /// use simloop::harness::Sweep;
    ///
    /// let report = Sweep::new()
    ///     .seeds(0..10)
    ///     .expect_reachable(["timeout fired"])
    ///     .run(|_seed| async {});
    /// assert_eq!(report.coverage.missing(), vec!["timeout fired"]);
    /// assert!(!report.passed());
    /// ```
    pub fn expect_reachable<L: Into<String>>(
        mut self,
        labels: impl IntoIterator<Item = L>,
    ) -> Sweep {
        self.expected.extend(labels.into_iter().map(Into::into));
        self
    }

    /// The settings of every run (strategy, limits, leaks); its seed is
    /// replaced by each seed of the sweep.
    pub fn sim(mut self, sim: Sim) -> Sweep {
        self.sim = sim;
        self
    }

    /// The scheduling strategy of every run.
    pub fn strategy(mut self, strategy: Strategy) -> Sweep {
        self.sim = self.sim.to_builder().strategy(strategy).build();
        self
    }

    /// The seeds to run (before sharding).
    pub fn seeds(mut self, seeds: Range<u64>) -> Sweep {
        self.origin.seeds = Some(format!("Sweep::seeds({seeds:?})"));
        self.seeds = seeds;
        self.only = None;
        self
    }

    /// Runs only this shard's slice of the seeds: with `seeds(a..b)` and
    /// shard `i/n`, seeds `a + i`, `a + i + n`, ... below `b`.
    pub fn shard(mut self, shard: Shard) -> Sweep {
        self.origin.shard = Some(format!("Sweep::shard({shard})"));
        self.shard = shard;
        self
    }

    /// How many simulations run in parallel (at least 1).
    pub fn jobs(mut self, jobs: usize) -> Sweep {
        self.jobs = NonZeroUsize::new(jobs).unwrap_or(NonZeroUsize::MIN);
        self
    }

    /// Whether to stop at the first failure (default) or run every seed and
    /// collect all failures.
    pub fn stop_at_first_failure(mut self, stop: bool) -> Sweep {
        self.stop_at_first_failure = stop;
        self
    }

    /// Whether to run every seed twice and fail it if the two runs made
    /// different decisions (default off).
    pub fn check_determinism(mut self, check: bool) -> Sweep {
        self.check_determinism = check;
        self
    }

    /// Whether to shrink the lowest failing seed's schedule (default on).
    pub fn shrink(mut self, shrink: bool) -> Sweep {
        self.shrinker = shrink.then(|| self.shrinker.take().unwrap_or_default());
        self
    }

    /// Shrinks the lowest failing seed with this shrinker.
    pub fn shrinker(mut self, shrinker: Shrinker) -> Sweep {
        self.shrinker = Some(shrinker);
        self
    }

    /// Whether a sweep that takes more than a second (of real time) prints a
    /// progress line to stderr every second (default on).
    pub fn progress(mut self, progress: bool) -> Sweep {
        self.progress = progress;
        self
    }

    /// Whether the runs' `tracing` events are dropped (default: when the
    /// sweep runs more than one seed, as the interleaved logs of many runs
    /// say little; a sweep of one seed logs its run).
    pub fn quiet(mut self, quiet: bool) -> Sweep {
        self.quiet = Some(quiet);
        self
    }

    /// The name progress lines start with, such as the test's: `#[simloop::test]`
    /// names its sweep after the test, so that the lines of tests running
    /// in parallel can be told apart.
    pub fn name(mut self, name: impl Into<String>) -> Sweep {
        self.name = Some(name.into());
        self
    }

    /// Applies the `SIMLOOP_*` variables that are set: `SIMLOOP_SEED`
    /// narrows the sweep to that one seed (on every shard), `SIMLOOP_SEEDS`
    /// sets the number of seeds from the first one, and `SIMLOOP_STRATEGY`,
    /// `SIMLOOP_SCHEDULE`, `SIMLOOP_SHARD`, `SIMLOOP_CHECK_DETERMINISM`,
    /// `SIMLOOP_JOBS` and `SIMLOOP_SHRINK` replace the matching settings.
    ///
    /// ```
    /// use simloop::harness::{EnvConfig, Sweep};
    ///
    /// let env = EnvConfig::from_lookup(|name| match name {
    ///     "SIMLOOP_SEEDS" => Some("10".into()),
    ///     "SIMLOOP_SHARD" => Some("1/4".into()),
    ///     _ => None,
    /// }).unwrap();
    /// let sweep = Sweep::new().env(&env);
    /// assert_eq!(sweep.planned_seeds().collect::<Vec<_>>(), vec![1, 5, 9]);
    /// ```
    pub fn env(mut self, env: &EnvConfig) -> Sweep {
        if let Some(n) = env.seeds {
            self.seeds = self.seeds.start..self.seeds.start.saturating_add(n);
            self.origin.seeds = Some(format!("{}={n}", super::env::SEEDS.name));
        }
        if let Some(shard) = env.shard {
            self.shard = shard;
            self.origin.shard = Some(format!("{}={shard}", super::env::SHARD.name));
        }
        if let Some(seed) = env.seed {
            self.only = Some(seed);
            self.shard = Shard::ALL;
        }
        if let Some(strategy) = env.effective_strategy() {
            self = self.strategy(strategy);
        }
        if let Some(check) = env.check_determinism {
            self.check_determinism = check;
        }
        if let Some(jobs) = env.jobs {
            self.jobs = jobs;
        }
        if let Some(shrink) = env.shrink {
            self = self.shrink(shrink);
        }
        self
    }

    /// The settings every run starts from.
    pub fn base_sim(&self) -> &Sim {
        &self.sim
    }

    /// Whether the sweep stops at its first failing seed.
    pub fn stops_at_first_failure(&self) -> bool {
        self.stop_at_first_failure
    }

    /// The seeds this sweep (this shard of it) runs, in order.
    pub fn planned_seeds(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.seed_count()).map(|k| self.seed_at(k))
    }

    fn seed_count(&self) -> u64 {
        if self.only.is_some() {
            return 1;
        }
        let first = self.seeds.start.saturating_add(self.shard.index());
        if first >= self.seeds.end {
            0
        } else {
            (self.seeds.end - first - 1) / self.shard.count() + 1
        }
    }

    fn seed_at(&self, k: u64) -> u64 {
        if let Some(seed) = self.only {
            return seed;
        }
        self.seeds.start + self.shard.index() + k * self.shard.count()
    }

    /// Why the sweep would run no seed at all, if it would not: the error
    /// [`try_run`](Sweep::try_run) returns.
    pub fn check_seeds(&self) -> Result<(), NoSeeds> {
        if self.seed_count() > 0 {
            return Ok(());
        }
        let Range { start, end } = self.seeds.clone();
        let seeds_from = self
            .origin
            .seeds
            .clone()
            .unwrap_or_else(|| "the default".to_owned());
        let why = if start >= end {
            format!("the seed range {start}..{end} ({seeds_from}) is empty")
        } else {
            let shard_from = self
                .origin
                .shard
                .clone()
                .unwrap_or_else(|| "the default".to_owned());
            format!(
                "shard {} ({shard_from}) of seeds {start}..{end} ({seeds_from}) gets none, as \
                 shard I of N runs seeds {start}+I, {start}+I+N, ... below {end}; use at most \
                 {} shard(s) or more seeds",
                self.shard,
                end - start
            )
        };
        Err(NoSeeds {
            name: self.name.clone(),
            seeds: self.seeds.clone(),
            shard: self.shard,
            why,
        })
    }

    /// Runs the scenario made by `make` under every planned seed, as
    /// [`run`](Sweep::run) does, or returns [`NoSeeds`] without running
    /// anything if the settings select no seed.
    pub fn try_run<M, F>(&self, make: M) -> Result<SweepReport, NoSeeds>
    where
        M: Fn(u64) -> F + Sync,
        F: Future,
        F::Output: Outcome,
    {
        self.check_seeds()?;
        Ok(self.run_planned(make))
    }

    /// Runs the scenario made by `make` under every planned seed.
    ///
    /// Under [`Strategy::Pct`], every run draws its change points within
    /// the longest run seen so far, as the paper suggests, and runs
    /// [`Strategy::PctWithin`] with that length: the sweep first measures a
    /// few runs ([`calibrated`](Sweep::calibrated)), then runs the seeds in
    /// batches of growing size (32, 64, ... up to 512), each batch with the
    /// longest length any earlier batch made. The batches keep the sweep
    /// independent of the number of threads; every failure names the
    /// `pct:DEPTH:K` it ran, which replays it.
    ///
    /// # Panics
    ///
    /// If the settings select no seed at all (an empty range, or a shard
    /// past its end), with the [`NoSeeds`] message naming them: a sweep
    /// that runs nothing must not pass. [`try_run`](Sweep::try_run) returns
    /// that error instead.
    #[track_caller]
    pub fn run<M, F>(&self, make: M) -> SweepReport
    where
        M: Fn(u64) -> F + Sync,
        F: Future,
        F::Output: Outcome,
    {
        if let Err(empty) = self.check_seeds() {
            panic!("{empty}");
        }
        self.run_planned(make)
    }

    fn run_planned<M, F>(&self, make: M) -> SweepReport
    where
        M: Fn(u64) -> F + Sync,
        F: Future,
        F::Output: Outcome,
    {
        let started = std::time::Instant::now();
        let total = self.seed_count();
        let shared = Shared {
            next: AtomicU64::new(0),
            end: AtomicU64::new(total),
            stop_at: AtomicU64::new(u64::MAX),
            done: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            last_progress: Mutex::new(started),
            started,
            total,
            name: self.name.as_deref(),
        };
        let calibrated = self.calibrated(&make);
        let mut results = Vec::new();
        match calibrated.as_ref().map(|c| c.sim.strategy().clone()) {
            Some(Strategy::PctWithin { depth, mut steps }) => {
                let (mut from, mut batch) = (0, FIRST_PCT_BATCH);
                while from < total && shared.stop_at.load(Ordering::Acquire) == u64::MAX {
                    let to = from.saturating_add(batch).min(total);
                    let sim = self
                        .sim
                        .to_builder()
                        .strategy(Strategy::PctWithin { depth, steps })
                        .build();
                    shared.next.store(from, Ordering::Relaxed);
                    shared.end.store(to, Ordering::Relaxed);
                    let part = self.run_part(&sim, &shared, &make);
                    let longest = part.iter().flat_map(|r| &r.runs).map(|r| r.task_choices);
                    steps = steps.max(longest.max().unwrap_or(0));
                    results.extend(part);
                    (from, batch) = (to, (batch * 2).min(LAST_PCT_BATCH));
                }
            }
            _ => results = self.run_part(&self.sim, &shared, &make),
        }
        self.finish(results, &make, started)
    }

    /// The sweep with [`Strategy::Pct`] replaced by [`Strategy::PctWithin`]
    /// for the length of this scenario's runs, or `None` under any other
    /// strategy: the length a PCT sweep starts from.
    ///
    /// PCT's guarantee holds when its change points are drawn within the
    /// run's length `k`. The first length is measured before the sweep, the
    /// same way whatever the number of threads: the largest number of
    /// choices among a FIFO run and runs under PCT without change points
    /// (priorities only), of the first [`CALIBRATION_SEEDS`] seeds of the
    /// range (before sharding). [`run`](Sweep::run) then grows it to the
    /// longest run of each batch of seeds.
    ///
    /// ```
    /// use simloop::{Strategy, task, harness::Sweep};
    ///
    /// let sweep = Sweep::new().strategy(Strategy::Pct { depth: 2 });
    /// let calibrated = sweep.calibrated(|_seed| async {
    ///     let a = task::spawn(async { for _ in 0..5 { task::yield_now().await } });
    ///     let b = task::spawn(async { for _ in 0..5 { task::yield_now().await } });
    ///     a.await.unwrap();
    ///     b.await.unwrap();
    /// });
    /// let strategy = calibrated.unwrap().base_sim().strategy().clone();
    /// assert!(matches!(strategy, Strategy::PctWithin { depth: 2, steps } if steps >= 10));
    /// ```
    pub fn calibrated<M, F>(&self, make: M) -> Option<Sweep>
    where
        M: Fn(u64) -> F,
        F: Future,
        F::Output: Outcome,
    {
        let Strategy::Pct { depth } = *self.sim.strategy() else {
            return None;
        };
        let first = self.seeds.start;
        let seeds = first..self.seeds.end.min(first.saturating_add(CALIBRATION_SEEDS));
        let choices = |sim: Sim| match quietly(|| run_once(&sim, false, &make)) {
            Ok(report) => task_choices(&report.schedule),
            Err(failed) => task_choices(&failed.schedule),
        };
        let fifo = self.sim.to_builder().seed(first).strategy(Strategy::Fifo);
        let mut steps = choices(fifo.build());
        for seed in seeds {
            let priorities = Strategy::PctWithin { depth: 1, steps: 1 };
            let sim = self.sim.to_builder().seed(seed).strategy(priorities);
            steps = steps.max(choices(sim.build()));
        }
        let strategy = Strategy::PctWithin {
            depth,
            steps: steps.max(1),
        };
        Some(self.clone().strategy(strategy))
    }

    /// Runs the planned seeds from `shared.next` to `shared.end` under
    /// `sim`'s settings, on the sweep's threads.
    fn run_part<M, F>(&self, sim: &Sim, shared: &Shared<'_>, make: &M) -> Vec<WorkerResult>
    where
        M: Fn(u64) -> F + Sync,
        F: Future,
        F::Output: Outcome,
    {
        let count = shared.end.load(Ordering::Relaxed) - shared.next.load(Ordering::Relaxed);
        let jobs = (self.jobs.get() as u64).min(count.max(1)) as usize;
        let quiet = self.quiet.unwrap_or(shared.total > 1);
        std::thread::scope(|scope| {
            // A thread the system refuses is one worker fewer, not a crash:
            // the others take its seeds (and this thread works if none
            // could be started).
            let worker = || {
                if quiet {
                    quietly(|| self.work(sim, shared, make))
                } else {
                    self.work(sim, shared, make)
                }
            };
            let workers: Vec<_> = (0..jobs)
                .map_while(|_| std::thread::Builder::new().spawn_scoped(scope, worker).ok())
                .collect();
            if workers.is_empty() {
                return vec![worker()];
            }
            workers
                .into_iter()
                .map(|w| match w.join() {
                    Ok(result) => result,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        })
    }

    /// Merges the workers' results and shrinks the first failure.
    fn finish<M, F>(
        &self,
        results: Vec<WorkerResult>,
        make: &M,
        started: std::time::Instant,
    ) -> SweepReport
    where
        M: Fn(u64) -> F,
        F: Future,
        F::Output: Outcome,
    {
        let mut report = self.merge(results);
        if let (Some(shrinker), Some(first)) = (&self.shrinker, report.failures.first_mut()) {
            let sim = self
                .sim
                .to_builder()
                .seed(first.seed)
                .strategy(first.strategy.clone())
                .build();
            let mut shrinker = shrinker.clone();
            if !self.progress {
                shrinker = shrinker.progress(false);
            }
            if let Some(name) = &self.name {
                shrinker = shrinker.name(name);
            }
            first.shrunk = Some(shrinker.shrink(&sim, &first.error, &first.schedule, make));
        }
        report.wall = started.elapsed();
        report
    }

    /// One worker: runs seeds until none is left (or a lower one failed).
    fn work<M, F>(&self, base: &Sim, shared: &Shared<'_>, make: &M) -> WorkerResult
    where
        M: Fn(u64) -> F,
        F: Future,
        F::Output: Outcome,
    {
        let mut out = WorkerResult::default();
        let end = shared.end.load(Ordering::Relaxed);
        loop {
            let k = shared.next.fetch_add(1, Ordering::Relaxed);
            if k >= end || k > shared.stop_at.load(Ordering::Acquire) {
                return out;
            }
            let seed = self.seed_at(k);
            let sim = base.to_builder().seed(seed).build();
            let (result, coverage) = counting(|| run_once(&sim, self.check_determinism, make));
            match result {
                Ok(report) => out.runs.push(RunSummary {
                    index: k,
                    elapsed: report.elapsed,
                    fingerprint: report.fingerprint.0,
                    task_choices: task_choices(&report.schedule),
                    record: RunRecord::of_report(&report),
                    coverage,
                }),
                Err(failed) => {
                    out.runs.push(RunSummary {
                        index: k,
                        elapsed: failed.error.context().time.since_start(),
                        fingerprint: failed.fingerprint.0,
                        task_choices: task_choices(&failed.schedule),
                        record: RunRecord::of_failure(seed, &failed),
                        coverage,
                    });
                    out.failures.push((k, failed, base.strategy().clone()));
                    shared.failed.fetch_add(1, Ordering::Relaxed);
                    if self.stop_at_first_failure {
                        shared.stop_at.fetch_min(k, Ordering::AcqRel);
                    }
                }
            }
            shared.done.fetch_add(1, Ordering::Relaxed);
            if self.progress {
                shared.maybe_print_progress();
            }
        }
    }

    /// Merges the workers' results in seed order; when stopping at the first
    /// failure, keeps exactly the runs up to the lowest failing seed.
    fn merge(&self, results: Vec<WorkerResult>) -> SweepReport {
        let mut runs = Vec::new();
        let mut failures = Vec::new();
        for r in results {
            runs.extend(r.runs);
            failures.extend(r.failures);
        }
        failures.sort_by_key(|(k, ..)| *k);
        if self.stop_at_first_failure
            && let Some(&(cutoff, ..)) = failures.first()
        {
            runs.retain(|r| r.index <= cutoff);
            failures.truncate(1);
        }
        runs.sort_by_key(|r| r.index);
        let fingerprints: std::collections::BTreeSet<u64> =
            runs.iter().map(|r| r.fingerprint).collect();
        let mut coverage = Coverage::default();
        for label in &self.expected {
            coverage.expect(label);
        }
        for run in &runs {
            coverage.add_run(&run.coverage);
        }
        let position = |k: u64| runs.iter().position(|r| r.index == k).unwrap_or(0);
        SweepReport {
            seeds_run: runs.len() as u64,
            distinct_fingerprints: fingerprints.len(),
            elapsed: ElapsedStats::of(runs.iter().map(|r| r.elapsed).collect()),
            failures: failures
                .into_iter()
                .map(|(k, failed, strategy)| SeedFailure {
                    seed: self.seed_at(k),
                    strategy,
                    run: position(k),
                    preemptions: failed.preemptions,
                    panics: failed.panics,
                    error: failed.error,
                    schedule: failed.schedule,
                    fingerprint: failed.fingerprint,
                    shrunk: None,
                })
                .collect(),
            wall: Duration::ZERO,
            runs: runs.into_iter().map(|r| r.record).collect(),
            coverage,
        }
    }
}

/// What the workers share.
struct Shared<'a> {
    /// The index (in planned order) of the next seed to hand out.
    next: AtomicU64,
    /// The index at which the part being run ends.
    end: AtomicU64,
    /// The lowest failing index so far (when stopping at the first failure).
    stop_at: AtomicU64,
    done: AtomicU64,
    failed: AtomicU64,
    last_progress: Mutex<std::time::Instant>,
    started: std::time::Instant,
    total: u64,
    name: Option<&'a str>,
}

impl Shared<'_> {
    fn maybe_print_progress(&self) {
        let now = std::time::Instant::now();
        if now.duration_since(self.started) < PROGRESS_EVERY {
            return;
        }
        let mut last = self.last_progress.lock();
        if now.duration_since(*last) < PROGRESS_EVERY {
            return;
        }
        *last = now;
        eprintln!(
            "{}",
            progress_line(
                self.name,
                self.done.load(Ordering::Relaxed),
                self.total,
                self.failed.load(Ordering::Relaxed),
                now.duration_since(self.started)
            )
        );
    }
}

/// `simloop: `NAME`: 7000 of 100000 seeds (7%), 0 failures, 1.0s`.
fn progress_line(
    name: Option<&str>,
    done: u64,
    total: u64,
    failed: u64,
    elapsed: Duration,
) -> String {
    let name = name.map(|n| format!("`{n}`: ")).unwrap_or_default();
    let percent = (done as f64 / total.max(1) as f64 * 100.0).floor();
    let failures = if failed == 1 { "failure" } else { "failures" };
    format!(
        "simloop: {name}{done} of {total} seeds ({percent}%), {failed} {failures}, {:.1}s",
        elapsed.as_secs_f64()
    )
}

#[derive(Default)]
struct WorkerResult {
    runs: Vec<RunSummary>,
    failures: Vec<(u64, Box<FailedRun>, Strategy)>,
}

struct RunSummary {
    index: u64,
    elapsed: Duration,
    fingerprint: u64,
    task_choices: u64,
    record: RunRecord,
    coverage: RunCoverage,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planned_seeds_follow_range_and_shard() {
        let plan = |range: Range<u64>, i, n| {
            Sweep::new()
                .seeds(range)
                .shard(Shard::new(i, n).unwrap())
                .planned_seeds()
                .collect::<Vec<_>>()
        };
        assert_eq!(plan(0..5, 0, 1), vec![0, 1, 2, 3, 4]);
        assert_eq!(plan(10..20, 1, 3), vec![11, 14, 17]);
        assert_eq!(plan(10..20, 0, 3), vec![10, 13, 16, 19]);
        assert_eq!(plan(0..2, 2, 3), Vec::<u64>::new());
        assert_eq!(plan(5..5, 0, 1), Vec::<u64>::new());
        // The shards of a range partition it.
        let mut all: Vec<u64> = (0..4).flat_map(|i| plan(3..40, i, 4)).collect();
        all.sort_unstable();
        assert_eq!(all, (3..40).collect::<Vec<_>>());
    }

    #[test]
    fn progress_lines_name_the_sweep_and_count_seeds_and_failures() {
        assert_eq!(
            progress_line(
                Some("queue::drains"),
                7_000,
                100_000,
                1,
                Duration::from_millis(1042)
            ),
            "simloop: `queue::drains`: 7000 of 100000 seeds (7%), 1 failure, 1.0s"
        );
        assert_eq!(
            progress_line(None, 999, 1000, 0, Duration::from_secs(3)),
            "simloop: 999 of 1000 seeds (99%), 0 failures, 3.0s"
        );
    }

    #[test]
    fn the_seed_variable_reaches_the_largest_seed() {
        let env = EnvConfig {
            seed: Some(u64::MAX),
            ..EnvConfig::default()
        };
        let sweep = Sweep::new().env(&env);
        assert_eq!(sweep.planned_seeds().collect::<Vec<_>>(), vec![u64::MAX]);
    }

    #[test]
    fn the_seed_variable_narrows_the_sweep_to_one_seed_on_every_shard() {
        let env = EnvConfig {
            seed: Some(77),
            shard: Shard::new(2, 3),
            seeds: Some(5),
            ..EnvConfig::default()
        };
        let sweep = Sweep::new().env(&env);
        assert_eq!(sweep.planned_seeds().collect::<Vec<_>>(), vec![77]);
    }
}
