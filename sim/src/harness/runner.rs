//! [`run_test`]: what a `#[simloop::test]` function does. Replays the
//! regressions file, sweeps the seeds, shrinks a failure, records it and
//! reports it with the command that replays it.

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};

use super::command::{ReplayCommand, TestRunner};
use super::env::{CHECK_DETERMINISM, EnvConfig, EnvError, SEEDS, SHARD};
use super::explain;
use super::outcome::Outcome;
use super::quiet::{logging, quietly};
use super::regressions::{RegressionEntry, Regressions, RegressionsError};
use super::report::{SeedFailure, SweepReport};
use super::run::run_once;
use super::shard::Shard;
use super::shrink::{ShrinkError, Shrinker, Shrunk};
use super::spec::TestSpec;
use super::sweep::Sweep;
use crate::error::{SimError, TaskPanic};
use crate::schedule::Schedule;
use crate::sim::{FailedRun, Sim};
use crate::strategy::{ParseStrategyError, Strategy};
use crate::timeline::Timeline;

/// Runs a scenario test: reads the `SIMLOOP_*` variables, then
/// [`try_run_test`]; panics with the failure's full report if it fails.
///
/// This is what `#[simloop::test]` expands to; call it directly for a test
/// whose settings are computed.
///
/// # Panics
///
/// If a `SIMLOOP_*` variable is invalid or the test fails; the message says
/// why, which seed failed, its shrunk schedule and the command that replays
/// it.
#[track_caller]
pub fn run_test<M, F>(spec: TestSpec, make: M)
where
    M: Fn(u64) -> F + Sync,
    F: Future,
    F::Output: Outcome,
{
    let outcome = EnvConfig::from_env()
        .map_err(TestFailure::Env)
        .and_then(|env| try_run_test(&spec, &env, make));
    if let Err(failure) = outcome {
        panic!("{failure}");
    }
}

/// What a passing test ran.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TestPassed {
    /// How many recorded regression runs passed before the sweep.
    pub regressions_run: usize,
    /// The sweep.
    pub sweep: SweepReport,
}

/// Why a scenario test failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestFailure {
    /// A `SIMLOOP_*` variable is invalid.
    #[error(transparent)]
    Env(EnvError),
    /// The test's `strategy` setting is invalid.
    #[error("simloop test `{test}`: its `strategy` setting is invalid: {error}")]
    Strategy {
        /// The test.
        test: String,
        /// The parse error.
        error: ParseStrategyError,
    },
    /// The regressions file could not be read.
    #[error("simloop test `{test}`: {error}\n(set SIMLOOP_REGRESSIONS=0 to run without it)")]
    Regressions {
        /// The test.
        test: String,
        /// The error.
        error: RegressionsError,
    },
    /// The settings leave no seed to run: the test would pass without
    /// running anything.
    #[error(
        "simloop test `{test}`: {shard_var}={shard} leaves no seeds to run: the test sweeps \
         {seeds} seed(s) ({from}) and shard I of N runs seeds I, I+N, ... below that, so \
         shard {index} would pass without running anything; use at most {seeds} shard(s) or \
         raise the number of seeds",
        shard_var = SHARD.name,
        index = shard.index()
    )]
    NoSeeds {
        /// The test.
        test: String,
        /// The shard that is empty.
        shard: Shard,
        /// How many seeds the test sweeps.
        seeds: u64,
        /// Where that count comes from: the test's `seeds` setting or
        /// `SIMLOOP_SEEDS`.
        from: String,
    },
    /// A seed failed.
    #[error("{0}")]
    Failed(Box<FailedTest>),
    /// Every seed passed, but a coverage point
    /// ([`sometimes!`](crate::sometimes), [`reachable!`](crate::reachable))
    /// never held: the sweep did not reach what the test is about.
    #[error(
        "simloop test `{test}`: {} never held in {seeds} seeds: {}\n{coverage}\n\
         (run more seeds with SIMLOOP_SEEDS, or check the condition)",
        if missing.len() == 1 { "a coverage point" } else { "coverage points" },
        missing.iter().map(|l| format!("`{l}`")).collect::<Vec<_>>().join(", ")
    )]
    Coverage {
        /// The test.
        test: String,
        /// The labels that never held.
        missing: Vec<String>,
        /// Seeds run.
        seeds: u64,
        /// Every label's counts.
        coverage: super::coverage::Coverage,
    },
}

/// Where a failing seed came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FoundBy {
    /// A line of the regressions file.
    Regressions(PathBuf),
    /// The sweep, after this many seeds.
    Sweep {
        /// Seeds run, up to and including the failing one.
        seeds_run: u64,
    },
    /// `SIMLOOP_SEED`.
    Replay,
}

/// A failing seed of a scenario test, with everything needed to replay it.
#[derive(Debug)]
#[non_exhaustive]
pub struct FailedTest {
    /// The test's full name.
    pub test: String,
    /// The failing seed.
    pub seed: u64,
    /// The strategy it failed with.
    pub strategy: Strategy,
    /// Why it failed.
    pub error: SimError,
    /// Every task panic of the failing run, in order: the first is the
    /// cause of the failure, wherever the failure showed.
    pub panics: Vec<TaskPanic>,
    /// How many choices of the failing run switched away from a task that
    /// could have kept running.
    pub preemptions: u64,
    /// Where the seed came from.
    pub found_by: FoundBy,
    /// The shrunk schedule, if shrinking was on.
    pub shrunk: Option<Result<Shrunk, ShrinkError>>,
    /// What happened to the regressions file: recorded in it, or why not.
    pub recorded: Option<String>,
    /// The command that replays the failure.
    pub command: ReplayCommand,
    /// The failing run's pictures, if `SIMLOOP_TIMELINE` or the test's
    /// `timeline` option asked for them: their paths, or why they could
    /// not be written.
    pub timeline: Option<Result<TimelineFiles, String>>,
}

/// The pictures of a failing run that a test left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TimelineFiles {
    /// The SVG image (open it in a browser).
    pub svg: PathBuf,
    /// The Chrome trace (open it at <https://ui.perfetto.dev>).
    pub chrome: PathBuf,
}

impl FailedTest {
    /// The shrunk schedule, if shrinking succeeded.
    pub fn shrunk(&self) -> Option<&Shrunk> {
        self.shrunk.as_ref().and_then(|s| s.as_ref().ok())
    }
}

impl fmt::Display for FailedTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let found = match &self.found_by {
            FoundBy::Regressions(path) => format!("recorded in {}", path.display()),
            FoundBy::Sweep { seeds_run } => {
                format!("found after {}", count(*seeds_run as usize, "seed"))
            }
            FoundBy::Replay => "given by SIMLOOP_SEED".to_owned(),
        };
        writeln!(
            f,
            "simloop test `{}` failed with seed {} (strategy {}, {found}):",
            self.test, self.seed, self.strategy
        )?;
        // The command at the end replays the failure (with its shrunk
        // schedule): not the error's own `reproduce:` line as well.
        writeln!(f, "{}", indent(&without_reproduce(&self.error), 2))?;
        write_panics(f, &self.error, &self.panics)?;
        match &self.shrunk {
            Some(Ok(s)) => {
                let budget = if s.budget_exhausted {
                    ", stopped at the replay budget"
                } else {
                    ""
                };
                let how = if s.deviations() == 0 && s.preemptions == 0 {
                    "fails in plain FIFO order".to_owned()
                } else {
                    format!(
                        "{}, {} from FIFO order",
                        count(s.preemptions as usize, "preemption"),
                        count(s.deviations(), "deviation")
                    )
                };
                writeln!(
                    f,
                    "shrunk schedule: {}: {how} (the failing run had {}, {}; {}{budget})",
                    s.schedule,
                    count(self.preemptions as usize, "preemption"),
                    count(s.original_deviations, "deviation"),
                    count(s.runs, "replay"),
                )?;
                for line in explain::schedule_lines(&s.decisions) {
                    writeln!(f, "  {line}")?;
                }
                let (shrunk, original) = (without_context(&s.error), without_context(&self.error));
                if shrunk != original {
                    writeln!(
                        f,
                        "  the shrunk schedule fails with:\n{}",
                        indent(&shrunk, 4)
                    )?;
                    if let Some(cause) = explain::cause_line(&s.error, &s.panics) {
                        writeln!(f, "    {cause}")?;
                    }
                }
            }
            Some(Err(e)) => writeln!(f, "shrunk schedule: none ({e})")?,
            None => {}
        }
        if let Some(recorded) = &self.recorded {
            writeln!(f, "{recorded}")?;
        }
        match &self.timeline {
            Some(Ok(files)) => writeln!(
                f,
                "timeline of the failing run:\n  {} (open it in a browser)\n  {} (open it at https://ui.perfetto.dev)",
                files.svg.display(),
                files.chrome.display()
            )?,
            Some(Err(e)) => writeln!(f, "timeline of the failing run not written: {e}")?,
            None => {}
        }
        write!(f, "replay it with:\n  {}", self.command)
    }
}

/// The failing run's task panics other than the failure itself: the first
/// as the cause when the failure shows elsewhere (a knock-on error), then
/// every other one, so no panic of the run goes unmentioned.
fn write_panics(f: &mut fmt::Formatter<'_>, error: &SimError, panics: &[TaskPanic]) -> fmt::Result {
    let not_the_failure = |p: &&TaskPanic| !explain::is_the_failure(error, p);
    if let Some(first) = panics.first().filter(not_the_failure) {
        writeln!(f, "  cause: {first}")?;
    }
    for panic in panics.iter().skip(1).filter(not_the_failure) {
        writeln!(f, "  also: {panic}")?;
    }
    Ok(())
}

fn indent(text: &str, by: usize) -> String {
    text.lines()
        .map(|l| format!("{:by$}{l}", ""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `n thing(s)`.
fn count(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// The error's text without its last line, which says how to reproduce
/// the run.
fn without_reproduce(error: &SimError) -> String {
    let text = error.to_string();
    match text.rfind("\nreproduce: ") {
        Some(end) => text[..end].to_owned(),
        None => text,
    }
}

/// The error's text without where it happened and how to reproduce it
/// (which differ between a run and its shrunk replay).
fn without_context(error: &SimError) -> String {
    without_reproduce(error).replace(&format!("; {}", error.context()), "")
}

/// Runs a scenario test with the settings of `spec`, overridden by `env`.
///
/// 1. Unless `SIMLOOP_SEED` is set, every run recorded in the test's
///    regressions file is replayed first.
/// 2. The sweep: seeds `0..N` (this shard's), or only `SIMLOOP_SEED`, with
///    the strategy of `SIMLOOP_SCHEDULE`, `SIMLOOP_STRATEGY`, the test, or
///    [`Strategy::Random`]. It stops at the first failure.
/// 3. A failure is shrunk, appended to the regressions file (unless it
///    came from it, or `SIMLOOP_SEED` is set) and returned as
///    [`TestFailure::Failed`], whose `Display` is the full report.
///
/// The runs of steps 1 and 2 and of shrinking log nothing through `tracing`
/// (except the single run `SIMLOOP_SEED` asks for): if a subscriber is
/// installed, the failure is run once more, as its replay command would,
/// for its log, printed to standard error after a line naming the run.
pub fn try_run_test<M, F>(
    spec: &TestSpec,
    env: &EnvConfig,
    make: M,
) -> Result<TestPassed, TestFailure>
where
    M: Fn(u64) -> F + Sync,
    F: Future,
    F::Output: Outcome,
{
    let test = spec.full_name();
    if let (None, Some(shard)) = (env.seed, env.shard) {
        let (seeds, from) = match env.seeds {
            Some(n) => (n, format!("{}={n}", SEEDS.name)),
            None => (spec.seeds, format!("its `seeds = {}`", spec.seeds)),
        };
        if shard.seeds_of(seeds) == 0 {
            return Err(TestFailure::NoSeeds {
                test,
                shard,
                seeds,
                from,
            });
        }
    }
    let strategy = match (env.effective_strategy(), &spec.strategy) {
        (Some(s), _) => s,
        (None, Some(text)) => text.parse().map_err(|error| TestFailure::Strategy {
            test: test.clone(),
            error,
        })?,
        (None, None) => Strategy::Random,
    };
    let sim = base_sim(spec, strategy);
    let check = env.check_determinism.unwrap_or(spec.check_determinism);
    let shrinker = env
        .shrink
        .unwrap_or(true)
        .then(|| Shrinker::new().name(&test));
    let use_file = env.regressions.unwrap_or(spec.regressions) && env.seed.is_none();
    let mut regressions = if use_file {
        let loaded = Regressions::load(spec.regressions_file()).map_err(|error| {
            TestFailure::Regressions {
                test: test.clone(),
                error,
            }
        })?;
        Some(loaded)
    } else {
        None
    };

    let failing = |seed, strategy: Strategy, run: Ran, found_by| {
        let Ran {
            error,
            schedule,
            panics,
            preemptions,
        } = run;
        let sim = sim
            .to_builder()
            .seed(seed)
            .strategy(strategy.clone())
            .build();
        let shrunk = shrinker
            .as_ref()
            .map(|s| s.shrink(&sim, &error, &schedule, &make));
        let schedule = shrunk
            .as_ref()
            .and_then(|s| s.as_ref().ok())
            .map(|s| &s.schedule);
        let mut command = spec.replay_command(seed, &strategy, schedule);
        if env.nextest {
            command.runner = TestRunner::Nextest;
        }
        if matches!(error, SimError::NonDeterminism { .. }) && !spec.check_determinism {
            // Only a run made twice shows the difference: the check came
            // from the environment, so the command must ask for it too.
            command.vars.push((CHECK_DETERMINISM.name, "1".to_owned()));
        }
        FailedTest {
            test: test.clone(),
            seed,
            strategy,
            error,
            panics,
            preemptions,
            found_by,
            shrunk,
            recorded: None,
            command,
            timeline: None,
        }
    };
    let timeline_dir = env.timeline.clone().or_else(|| spec.timeline_dir_path());
    let pictures = |failure: &mut FailedTest| {
        if let Some(dir) = &timeline_dir {
            failure.timeline = Some(write_timeline(&sim, failure, dir, &make));
        }
    };

    let mut regressions_run = 0;
    if let Some(file) = &regressions {
        match quietly(|| replay_regressions(file, &sim, check, &make)) {
            Ok(runs) => regressions_run = runs,
            Err((seed, strategy, failed)) => {
                let found_by = FoundBy::Regressions(file.path().to_path_buf());
                let run = Ran {
                    error: failed.error,
                    schedule: failed.schedule,
                    panics: failed.panics,
                    preemptions: failed.preemptions,
                };
                let mut failure = failing(seed, strategy, run, found_by);
                log_of(&sim, &failure, &make);
                pictures(&mut failure);
                return Err(TestFailure::Failed(Box::new(failure)));
            }
        }
    }

    // A sweep of many seeds logs nothing (the failure is run again for its
    // log); `SIMLOOP_SEED` asks for one run, which logs.
    let sweep = Sweep::new()
        .name(&test)
        .quiet(env.seed.is_none())
        .sim(sim.clone())
        .seeds(0..spec.seeds)
        .env(env)
        .check_determinism(check)
        .shrink(false)
        .stop_at_first_failure(true)
        .run(&make);
    let missing = sweep.coverage.missing();
    if sweep.failures.is_empty() && !missing.is_empty() {
        return Err(TestFailure::Coverage {
            test,
            missing: missing.into_iter().map(str::to_owned).collect(),
            seeds: sweep.seeds_run,
            coverage: sweep.coverage.clone(),
        });
    }
    let Some(first) = sweep.failures.first() else {
        // Shown by `cargo test -- --nocapture`, captured otherwise.
        let recorded = match regressions_run {
            0 => String::new(),
            n => format!("{} of the regressions file passed, then ", count(n, "run")),
        };
        println!("simloop test `{test}`: {recorded}{sweep}");
        return Ok(TestPassed {
            regressions_run,
            sweep,
        });
    };
    let SeedFailure {
        seed,
        strategy,
        error,
        schedule,
        panics,
        preemptions,
        ..
    } = first.clone();
    let found_by = if env.seed.is_some() {
        FoundBy::Replay
    } else {
        FoundBy::Sweep {
            seeds_run: sweep.seeds_run,
        }
    };
    let run = Ran {
        error,
        schedule,
        panics,
        preemptions,
    };
    let mut failure = failing(seed, strategy, run, found_by);
    if env.seed.is_none() {
        log_of(&sim, &failure, &make);
    }
    pictures(&mut failure);
    if let Some(file) = &mut regressions {
        let entry = RegressionEntry {
            seed,
            strategy: failure.strategy.clone(),
            schedule: failure.shrunk().map(|s| s.schedule.clone()),
        };
        failure.recorded = Some(match file.record(entry, &test) {
            Ok(true) => format!("recorded in {}", file.path().display()),
            Ok(false) => format!("already recorded in {}", file.path().display()),
            Err(e) => format!("not recorded: {e}"),
        });
    }
    Err(TestFailure::Failed(Box::new(failure)))
}

/// What a failing run left: its error, schedule and task panics.
struct Ran {
    error: SimError,
    schedule: Schedule,
    panics: Vec<TaskPanic>,
    preemptions: u64,
}

/// Runs the failure `failure` reports once more (with its shrunk schedule,
/// as its replay command does) for its `tracing` log, after a line saying
/// which run it is; unless no subscriber would show anything.
fn log_of<M, F>(sim: &Sim, failure: &FailedTest, make: &M)
where
    M: Fn(u64) -> F,
    F: Future,
    F::Output: Outcome,
{
    if !logging() {
        return;
    }
    let how = match failure.shrunk() {
        Some(shrunk) => format!("schedule {}", shrunk.schedule),
        None => format!("strategy {}", failure.strategy),
    };
    eprintln!(
        "simloop: the log of `{}` with seed {} and {how}, as the replay command below runs it:",
        failure.test, failure.seed
    );
    // Only the log matters: the failure is reported already.
    let _ = run_once(&replay_sim(sim, failure), false, make);
}

/// The simulation that replays `failure` as its replay command does: its
/// seed, with its shrunk schedule if there is one.
fn replay_sim(sim: &Sim, failure: &FailedTest) -> Sim {
    let strategy = match failure.shrunk() {
        Some(shrunk) => shrunk.strategy(),
        None => failure.strategy.clone(),
    };
    sim.to_builder()
        .seed(failure.seed)
        .strategy(strategy)
        .build()
}

/// Runs `failure` once more, traced, with its `tracing` events kept as
/// marks (not printed), and writes its timeline under `dir` as
/// `<test>.seed-<seed>.svg` and `.json`.
fn write_timeline<M, F>(
    sim: &Sim,
    failure: &FailedTest,
    dir: &Path,
    make: &M,
) -> Result<TimelineFiles, String>
where
    M: Fn(u64) -> F,
    F: Future,
    F::Output: Outcome,
{
    let traced = replay_sim(sim, failure).to_builder().trace(true).build();
    // The run's `tracing` events become marks on their tasks' lanes (and
    // are not printed: the log is printed once, by `log_of`).
    #[cfg(feature = "tracing")]
    let replay = || crate::timeline::with_event_marks(|| run_once(&traced, false, make));
    #[cfg(not(feature = "tracing"))]
    let replay = || quietly(|| run_once(&traced, false, make));
    let trace = match replay() {
        Ok(report) => report.trace,
        Err(failed) => failed.trace,
    };
    let trace = trace.ok_or("the replay kept no trace")?;
    let how = match failure.shrunk() {
        Some(shrunk) => format!("schedule {}", shrunk.schedule),
        None => format!("strategy {}", failure.strategy),
    };
    let timeline = Timeline::from_trace(&trace).with_title(format!(
        "{}: seed {}, {how}: {}",
        failure.test,
        failure.seed,
        failure.error.kind()
    ));
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let stem = format!("{}.seed-{}", failure.test.replace("::", "."), failure.seed);
    let files = TimelineFiles {
        svg: dir.join(format!("{stem}.svg")),
        chrome: dir.join(format!("{stem}.json")),
    };
    timeline.write_svg(&files.svg).map_err(|e| e.to_string())?;
    timeline
        .write_chrome_trace(&files.chrome)
        .map_err(|e| e.to_string())?;
    Ok(files)
}

/// Runs every entry of the regressions file: how many runs passed, or the
/// first failing one.
fn replay_regressions<M, F>(
    file: &Regressions,
    sim: &Sim,
    check: bool,
    make: &M,
) -> Result<usize, (u64, Strategy, Box<FailedRun>)>
where
    M: Fn(u64) -> F,
    F: Future,
    F::Output: Outcome,
{
    let mut runs = 0;
    for entry in file.entries() {
        for strategy in entry.runs() {
            let sim = sim
                .to_builder()
                .seed(entry.seed)
                .strategy(strategy.clone())
                .build();
            run_once(&sim, check, make).map_err(|failed| (entry.seed, strategy, failed))?;
            runs += 1;
        }
    }
    Ok(runs)
}

/// The simulation settings of every run of the test.
fn base_sim(spec: &TestSpec, strategy: Strategy) -> Sim {
    let mut builder = Sim::builder()
        .strategy(strategy)
        .leaks_are_errors(spec.leaks_are_errors);
    if let Some(limit) = spec.time_limit {
        builder = builder.time_limit(limit);
    }
    if let Some(steps) = spec.max_steps {
        builder = builder.max_steps(steps);
    }
    builder.build()
}
