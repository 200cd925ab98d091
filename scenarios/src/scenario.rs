//! The [`Scenario`] descriptor: a catalog entry's name, description, origin
//! and program, and the ways to run it.

use std::fmt;

use futures::future::LocalBoxFuture;
use simloop::{Report, Sim, SimError, Strategy};

use crate::env::{Checked, Env, Program, Ran};
use crate::outcome::{Broken, Failure, Outcome, Violation};
use crate::story::Story;

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
            Kind::Seed => f.write_str("program of a teaching document"),
            Kind::Variant { of } => write!(f, "variant of {of}"),
            Kind::Bug => f.write_str("concurrency bug"),
        }
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

    /// Runs the scenario once under `sim` (its seed, strategy, tracing) and
    /// checks every property. A property that does not hold is in
    /// [`Outcome::verdict`]; a failing simulation is the error.
    pub fn run(&self, sim: &Sim) -> Result<Outcome, SimError> {
        self.run_keeping_log(sim)
            .map_err(|broken| broken.failed.error)
    }

    /// Like [`run`](Scenario::run), but a failed simulation also gives back
    /// what the scenario printed before it failed, and the run's schedule,
    /// fingerprint and (if the simulation traces) trace up to the failure.
    ///
    /// ```
    /// use simloop::{Sim, SimError, Strategy};
    /// use simloop_scenarios::find;
    ///
    /// let sim = Sim::builder().seed(1).strategy(Strategy::Random).build();
    /// let broken = find("lock_order").unwrap().run_keeping_log(&sim).unwrap_err();
    /// assert!(matches!(broken.failed.error, SimError::Deadlock { .. }));
    /// assert!(broken.log.iter().any(|l| l.text == "locked A"));
    /// ```
    pub fn run_keeping_log(&self, sim: &Sim) -> Result<Outcome, Box<Broken>> {
        let env = Env::new(sim.strategy().clone());
        let log = env.log().clone();
        let program = self.program(env);
        match sim.run_recorded(program) {
            Ok(report) => {
                let (checked, report) = split(report);
                Ok(Outcome {
                    log: log.lines(),
                    report,
                    verdict: checked.verdict,
                    summary: checked.summary,
                })
            }
            Err(failed) => Err(Box::new(Broken {
                failed: *failed,
                log: log.lines(),
            })),
        }
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
