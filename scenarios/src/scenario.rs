//! The [`Scenario`] descriptor, what one run of it gives ([`Outcome`]), and
//! how it can fail ([`Violation`], [`Failure`]).

use std::fmt;
use std::future::Future;
use std::time::Duration;

use simloop::{Report, Sim, SimError, Strategy};

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
    /// One line on what happened, e.g. `3 counters finished in 1 s`.
    pub summary: String,
}

impl Outcome {
    /// Packs a run: its report (whose value is dropped), log, verdict and
    /// summary.
    pub fn new<T>(
        report: Report<T>,
        log: Vec<Line>,
        verdict: Result<(), Violation>,
        summary: impl Into<String>,
    ) -> Outcome {
        Outcome {
            log,
            report: report.map(|_| ()),
            verdict,
            summary: summary.into(),
        }
    }

    /// Virtual time from start to end.
    pub fn elapsed(&self) -> Duration {
        self.report.elapsed
    }
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

/// A few lines telling what a scenario shows, with measured numbers.
pub type Story = Vec<String>;

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
    run: fn(&Sim) -> Result<Outcome, SimError>,
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
    /// A catalog entry whose runs are made by `run`.
    pub const fn new(
        name: &'static str,
        summary: &'static str,
        seed_files: &'static str,
        kind: Kind,
        run: fn(&Sim) -> Result<Outcome, SimError>,
    ) -> Scenario {
        Scenario {
            name,
            summary,
            seed_files,
            kind,
            run,
            story: None,
        }
    }

    /// The same entry with a story for `simloop tour` (given the seed).
    pub const fn with_story(mut self, story: fn(u64) -> Result<Story, Failure>) -> Scenario {
        self.story = Some(story);
        self
    }

    /// Runs the scenario once under `sim` (its seed, strategy, tracing) and
    /// checks every property. A property that does not hold is in
    /// [`Outcome::verdict`]; a failing simulation is the error.
    pub fn run(&self, sim: &Sim) -> Result<Outcome, SimError> {
        (self.run)(sim)
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

/// A run's value that carries the scenario's log.
pub trait Logged {
    /// The lines the run printed.
    fn lines(&self) -> &[Line];
}

impl Logged for Vec<Line> {
    fn lines(&self) -> &[Line] {
        self
    }
}

/// Checks a typed run with `check`, describes it with `summary`, and packs it
/// into an [`Outcome`].
pub fn finish<T: Logged>(
    report: Report<T>,
    check: fn(&Report<T>) -> Result<(), Violation>,
    summary: impl FnOnce(&Report<T>) -> String,
) -> Outcome {
    let verdict = check(&report);
    let summary = summary(&report);
    let lines = report.value.lines().to_vec();
    Outcome::new(report, lines, verdict, summary)
}

/// A typed run of `scenario` whose properties (`check`) all hold, or the
/// failure.
pub fn checked<T: Logged + Clone>(
    scenario: &Scenario,
    result: Result<Report<T>, SimError>,
    check: fn(&Report<T>) -> Result<(), Violation>,
) -> Result<Report<T>, Failure> {
    let report = result.map_err(|error| Failure::Sim {
        scenario: scenario.name,
        error,
    })?;
    match check(&report) {
        Ok(()) => Ok(report),
        Err(violation) => {
            let lines = report.value.lines().to_vec();
            Err(Failure::Property {
                scenario: scenario.name,
                violation: violation.clone(),
                outcome: Box::new(Outcome::new(report, lines, Err(violation), String::new())),
            })
        }
    }
}

/// The report of [`run_logged`]: the root's value and the log's lines.
pub type LoggedReport<T> = Report<(T, Vec<Line>)>;

/// Runs `main` with a fresh [`Log`] as the root future and returns the
/// report with the log's lines next to `main`'s value.
pub fn run_logged<F, Fut>(sim: &Sim, main: F) -> Result<LoggedReport<Fut::Output>, SimError>
where
    F: FnOnce(Log) -> Fut,
    Fut: Future,
{
    sim.run_report(async move {
        let log = Log::new();
        let value = main(log.clone()).await;
        (value, log.lines())
    })
}
