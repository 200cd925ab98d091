//! The [`Scenario`] descriptor, what one run of it gives ([`Outcome`]), and
//! how it can fail ([`Violation`], [`Failure`]).

use std::fmt;
use std::future::Future;
use std::time::Duration;

use futures::future::LocalBoxFuture;
use simloop::harness::{Sweep, SweepReport};
use simloop::{Report, Sim, SimError, Strategy, time};

use crate::log::{Line, Log};

/// What kind of catalog entry a scenario is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A program of the seed documents.
    Seed,
    /// Another version of the seed program `of` (a sequential "sync"
    /// version, a version that awaits differently).
    Variant {
        /// The scenario it is a version of.
        of: &'static str,
    },
    /// A small program with a real concurrency bug that a FIFO run does not
    /// show; its properties fail under some seeds of other strategies.
    Bug,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::Seed => f.write_str("seed program"),
            Kind::Variant { of } => write!(f, "variant of {of}"),
            Kind::Bug => f.write_str("concurrency bug"),
        }
    }
}

/// A property that a run did not satisfy.
///
/// ```
/// use simloop_scenarios::Violation;
/// let v = Violation::new("elapsed", "took 2 s, expected 1 s");
/// assert_eq!(v.to_string(), "property `elapsed` violated: took 2 s, expected 1 s");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("property `{property}` violated: {detail}")]
pub struct Violation {
    /// A short name of the property, e.g. `elapsed` or `each-item-once`.
    pub property: &'static str,
    /// What the run did instead.
    pub detail: String,
}

impl Violation {
    /// A violation of `property`, described by `detail`.
    pub fn new(property: &'static str, detail: impl Into<String>) -> Violation {
        Violation {
            property,
            detail: detail.into(),
        }
    }
}

/// A violated property as the error a scenario's future returns to a
/// harness ([`simloop::harness::Sweep`] and the shrinker): its `Debug` is its
/// message, so the harness's report reads
/// `returned Err(property `x` violated: ...)`.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PropertyFailed(pub Violation);

impl fmt::Debug for PropertyFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// What a failed run of a scenario's [checked
/// future](Scenario::checked_future) says: the violated property's message
/// when a property failed, or `None` for any other failure (deadlock, panic,
/// limits).
///
/// ```
/// use simloop::{Strategy, harness::Sweep};
/// use simloop_scenarios::{find, violated_property};
///
/// let sweep = Sweep::new().strategy(Strategy::Random).seeds(0..20).progress(false);
/// let report = find("lost_update").unwrap().sweep(&sweep);
/// let error = &report.first_failure().unwrap().error;
/// let message = violated_property(error).unwrap();
/// assert!(message.starts_with("property `no-lost-update` violated"));
/// ```
pub fn violated_property(error: &SimError) -> Option<&str> {
    let SimError::TaskPanicked { message, .. } = error else {
        return None;
    };
    message
        .strip_prefix("returned Err(")
        .and_then(|m| m.strip_suffix(')'))
        .filter(|m| m.starts_with("property `"))
}

/// Returns `Err(Violation)` from the enclosing function unless the condition
/// holds: `ensure!(cond, "property", "format", args...)`.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $property:expr, $($fmt:tt)+) => {
        if !$cond {
            return Err($crate::Violation::new($property, format!($($fmt)+)));
        }
    };
}

/// What one run of a scenario gave.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// What the scenario printed.
    pub log: Vec<Line>,
    /// The run's report (elapsed virtual time, steps, fingerprint, schedule,
    /// trace if it was on, leaked tasks).
    pub report: Report<()>,
    /// Whether every property held.
    pub verdict: Result<(), Violation>,
    /// One line on what happened, e.g. `three counters, gathered: 1 s`.
    pub summary: String,
}

impl Outcome {
    /// Virtual time from start to end.
    pub fn elapsed(&self) -> Duration {
        self.report.elapsed
    }
}

/// A scenario's program, with what its properties need to know: the value
/// its `main` returned, what it printed, the virtual time at its end, and
/// the strategy it ran under (some properties hold only under FIFO).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran<T> {
    /// What `main` returned.
    pub value: T,
    /// What it printed.
    pub lines: Vec<Line>,
    /// Virtual time when `main` returned.
    pub elapsed: Duration,
    /// The strategy of the run.
    pub strategy: Strategy,
}

/// What a scenario's program gets: a fresh log and the strategy it runs
/// under.
#[derive(Debug, Clone)]
pub struct Env {
    log: Log,
    strategy: Strategy,
}

impl Env {
    /// A fresh log, and the strategy the run uses.
    pub fn new(strategy: Strategy) -> Env {
        Env {
            log: Log::new(),
            strategy,
        }
    }

    /// The log.
    pub fn log(&self) -> &Log {
        &self.log
    }

    /// The strategy.
    pub fn strategy(&self) -> &Strategy {
        &self.strategy
    }

    /// Runs `main` with the log and returns what it did.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    pub async fn ran<T, Fut>(self, main: impl FnOnce(Log) -> Fut) -> Ran<T>
    where
        Fut: Future<Output = T>,
    {
        let value = main(self.log.clone()).await;
        Ran {
            value,
            lines: self.log.lines(),
            elapsed: time::now().since_start(),
            strategy: self.strategy,
        }
    }

    /// Runs `main`, checks its properties with `check` and describes the run
    /// with `summary`.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    pub async fn checked<T, Fut>(
        self,
        main: impl FnOnce(Log) -> Fut,
        check: fn(&Ran<T>) -> Result<(), Violation>,
        summary: fn(&Ran<T>) -> String,
    ) -> Checked
    where
        Fut: Future<Output = T>,
    {
        let ran = self.ran(main).await;
        Checked {
            verdict: check(&ran),
            summary: summary(&ran),
        }
    }
}

/// What a program's properties said about its run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// Whether every property held.
    pub verdict: Result<(), Violation>,
    /// One line on what happened.
    pub summary: String,
}

/// A scenario's program: makes the future that runs it (inside a
/// simulation) and checks its properties at its end.
pub type Program = fn(Env) -> LocalBoxFuture<'static, Checked>;

/// Runs `main` under `sim` and returns the report with what it did.
pub fn simulate<T, Fut>(
    sim: &Sim,
    main: impl FnOnce(Log) -> Fut,
) -> Result<Report<Ran<T>>, SimError>
where
    Fut: Future<Output = T>,
{
    let env = Env::new(sim.strategy().clone());
    sim.run_report(env.ran(main))
}

/// How checking one run of a scenario failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Failure {
    /// The simulation itself failed (deadlock, panic, limit, ...).
    #[error("{scenario}: {error}\nreplay: {}", replay_command(scenario, error.seed(), &error.context().strategy))]
    Sim {
        /// The scenario's name.
        scenario: &'static str,
        /// The error.
        error: SimError,
    },
    /// The run ended but a property did not hold.
    #[error("{scenario}: {violation}; seed {}, strategy {}\nreplay: {}",
        outcome.report.seed, outcome.report.strategy,
        replay_command(scenario, outcome.report.seed, &outcome.report.strategy.to_string()))]
    Property {
        /// The scenario's name.
        scenario: &'static str,
        /// The property that failed.
        violation: Violation,
        /// The run.
        outcome: Box<Outcome>,
    },
}

impl Failure {
    /// The failing run's seed.
    pub fn seed(&self) -> u64 {
        match self {
            Failure::Sim { error, .. } => error.seed(),
            Failure::Property { outcome, .. } => outcome.report.seed,
        }
    }

    /// The failing run's strategy, in its text form.
    pub fn strategy(&self) -> String {
        match self {
            Failure::Sim { error, .. } => error.context().strategy.clone(),
            Failure::Property { outcome, .. } => outcome.report.strategy.to_string(),
        }
    }

    /// A short description: the violated property or the kind of simulation
    /// error (`lost-update`, `deadlock`, ...).
    pub fn what(&self) -> String {
        match self {
            Failure::Sim { error, .. } => error.kind().to_owned(),
            Failure::Property { violation, .. } => violation.property.to_owned(),
        }
    }

    /// The command that replays the failing run.
    pub fn replay_command(&self) -> String {
        let scenario = match self {
            Failure::Sim { scenario, .. } | Failure::Property { scenario, .. } => scenario,
        };
        replay_command(scenario, self.seed(), &self.strategy())
    }
}

/// `simloop replay NAME --seed S --strategy X`.
pub fn replay_command(scenario: &str, seed: u64, strategy: &str) -> String {
    format!("simloop replay {scenario} --seed {seed} --strategy {strategy}")
}

/// What the tour tells about a scenario: a few lines with measured numbers,
/// and how much virtual time its runs simulated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Story {
    /// The lines.
    pub lines: Vec<String>,
    /// Virtual time of every run made to tell it.
    pub simulated: Duration,
    /// The number of runs made to tell it.
    pub runs: u64,
}

impl Story {
    /// Counts `report`'s run in the story and hands the report back.
    pub fn ran<T>(&mut self, report: Report<T>) -> Report<T> {
        self.simulated += report.elapsed;
        self.runs += 1;
        report
    }

    /// The story with these lines.
    pub fn told(self, lines: Vec<String>) -> Story {
        Story { lines, ..self }
    }
}

/// One entry of the catalog: a name, a description, where it comes from, how
/// to run it and check its properties, and how to tell its story.
#[derive(Clone, Copy)]
pub struct Scenario {
    /// The name used on the command line, e.g. `chess`.
    pub name: &'static str,
    /// One line saying what it does.
    pub summary: &'static str,
    /// The seed documents it comes from (e.g. `000, 004`), empty for bugs.
    pub seed_files: &'static str,
    /// Seed program, variant or bug.
    pub kind: Kind,
    program: Program,
    story: Option<fn(u64) -> Result<Story, Failure>>,
}

impl fmt::Debug for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scenario")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl Scenario {
    /// A catalog entry whose runs are made by `program`.
    pub const fn new(
        name: &'static str,
        summary: &'static str,
        seed_files: &'static str,
        kind: Kind,
        program: Program,
    ) -> Scenario {
        Scenario {
            name,
            summary,
            seed_files,
            kind,
            program,
            story: None,
        }
    }

    /// The future that runs the scenario inside a simulation and checks its
    /// properties at the end (for harnesses that make the simulation
    /// themselves, such as [`simloop::harness::Sweep`]).
    pub fn program(&self, env: Env) -> LocalBoxFuture<'static, Checked> {
        (self.program)(env)
    }

    /// The same entry with a story for `simloop tour` (given the seed).
    pub const fn with_story(mut self, story: fn(u64) -> Result<Story, Failure>) -> Scenario {
        self.story = Some(story);
        self
    }

    /// The future that runs the scenario under a simulation made elsewhere
    /// (its strategy passed here, for the properties that depend on it) and
    /// ends in the violated property, if any: what harness sweeps and
    /// shrinking run.
    pub fn checked_future(
        &self,
        strategy: Strategy,
    ) -> impl Future<Output = Result<(), PropertyFailed>> + 'static {
        let program = self.program(Env::new(strategy));
        async move { program.await.verdict.map_err(PropertyFailed) }
    }

    /// Runs the scenario under every seed of `sweep` (in parallel), with its
    /// strategy, and reports what failed.
    ///
    /// ```
    /// use simloop::{Strategy, harness::Sweep};
    /// use simloop_scenarios::find;
    ///
    /// let sweep = Sweep::new().strategy(Strategy::Random).seeds(0..100).progress(false);
    /// assert!(find("chain").unwrap().sweep(&sweep).passed());
    /// let report = find("lost_update").unwrap().sweep(&sweep);
    /// let failure = report.first_failure().unwrap();
    /// assert_eq!(failure.shrunk().unwrap().deviations(), 1);
    /// ```
    pub fn sweep(&self, sweep: &Sweep) -> SweepReport {
        let strategy = sweep.base_sim().strategy().clone();
        sweep.run(|_seed| self.checked_future(strategy.clone()))
    }

    /// Runs the scenario once under `sim` (its seed, strategy, tracing) and
    /// checks every property. A property that does not hold is in
    /// [`Outcome::verdict`]; a failing simulation is the error.
    pub fn run(&self, sim: &Sim) -> Result<Outcome, SimError> {
        let env = Env::new(sim.strategy().clone());
        let log = env.log().clone();
        let program = self.program(env);
        let report = sim.run_report(async move {
            let checked = program.await;
            (checked, log.lines())
        })?;
        let ((checked, log), report) = split(report);
        Ok(Outcome {
            log,
            report,
            verdict: checked.verdict,
            summary: checked.summary,
        })
    }

    /// Like [`run`](Scenario::run), with every failure as an error.
    pub fn check(&self, sim: &Sim) -> Result<Outcome, Failure> {
        let outcome = self.run(sim).map_err(|error| Failure::Sim {
            scenario: self.name,
            error,
        })?;
        match &outcome.verdict {
            Ok(()) => Ok(outcome),
            Err(v) => Err(Failure::Property {
                scenario: self.name,
                violation: v.clone(),
                outcome: Box::new(outcome),
            }),
        }
    }

    /// Checks the run with this seed and strategy (default settings
    /// otherwise).
    pub fn check_seed(&self, seed: u64, strategy: &Strategy) -> Result<Outcome, Failure> {
        self.check(&Sim::builder().seed(seed).strategy(strategy.clone()).build())
    }

    /// The scenario's story for the tour, if it tells one.
    pub fn story(&self, seed: u64) -> Option<Result<Story, Failure>> {
        self.story.map(|f| f(seed))
    }
}

/// Splits a report into its value and the rest.
fn split<T>(report: Report<T>) -> (T, Report<()>) {
    let mut value = None;
    let rest = report.map(|v| value = Some(v));
    (value.expect("map calls its closure once"), rest)
}

/// A typed run of `scenario` whose properties (`check`) all hold, or the
/// failure.
pub fn checked<T: Clone>(
    scenario: &Scenario,
    result: Result<Report<Ran<T>>, SimError>,
    check: fn(&Ran<T>) -> Result<(), Violation>,
) -> Result<Report<Ran<T>>, Failure> {
    let report = result.map_err(|error| Failure::Sim {
        scenario: scenario.name,
        error,
    })?;
    match check(&report.value) {
        Ok(()) => Ok(report),
        Err(violation) => {
            let log = report.value.lines.clone();
            let (_, report) = split(report);
            Err(Failure::Property {
                scenario: scenario.name,
                violation: violation.clone(),
                outcome: Box::new(Outcome {
                    log,
                    report,
                    verdict: Err(violation),
                    summary: String::new(),
                }),
            })
        }
    }
}
