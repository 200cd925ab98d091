//! What a scenario's program runs with ([`Env`]) and what its properties
//! look at ([`Ran`]).

use std::future::Future;
use std::time::Duration;

use futures::future::LocalBoxFuture;
use simloop::{Report, Sim, SimError, Strategy, time};

use crate::log::{Line, Log};
use crate::outcome::Violation;

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
