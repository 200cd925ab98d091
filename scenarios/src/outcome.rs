//! What a run of a scenario gives ([`Outcome`]) and how it can fail
//! ([`Violation`], [`Failure`]).

use std::time::Duration;

use simloop::{FailedRun, Report, SimError};

use crate::log::Line;

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
    /// One line on what happened, e.g. `three counters, gathered: 1 s`.
    pub summary: String,
}

impl Outcome {
    /// Virtual time from start to end.
    pub fn elapsed(&self) -> Duration {
        self.report.elapsed
    }
}

/// A run whose simulation failed (deadlock, panic, limit), with what the
/// scenario printed before it failed.
#[derive(Debug, Clone)]
pub struct Broken {
    /// The error, and the schedule, fingerprint and trace up to it.
    pub failed: FailedRun,
    /// What the scenario printed before the failure.
    pub log: Vec<Line>,
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
