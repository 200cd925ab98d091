//! Scheduling strategies: who runs next among the ready tasks, and in what
//! order timers due at the same instant fire.
//!
//! The executor only sees the [`Scheduler`] interface; each strategy lives in
//! its own file. All of them draw from the simulation's scheduling stream, so
//! one seed fixes one interleaving.

use std::fmt;
use std::str::FromStr;

use crate::base::TaskId;
use crate::schedule::{Choice, ChoiceKind, Schedule};

mod fifo;
mod pct;
mod random;
mod replay;

/// How the simulation picks the next task to run among the ready ones, and
/// orders timers due at the same instant.
///
/// The text form (used by `SIMLOOP_STRATEGY` and the `simloop` command) is
/// `fifo`, `random`, `pct` or `pct:DEPTH`, and `replay:SCHEDULE` (see
/// [`Schedule`]'s text form).
///
/// ```
/// use simloop::Strategy;
/// assert_eq!("pct:3".parse::<Strategy>().unwrap(), Strategy::Pct { depth: 3 });
/// assert_eq!(Strategy::Random.to_string(), "random");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Strategy {
    /// Wake order, exactly like asyncio's event loop: the task woken first
    /// runs first; timers due together fire in the order they were armed.
    #[default]
    Fifo,
    /// Uniformly random among the ready tasks; tied timers fire in a random
    /// order.
    Random,
    /// Probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010):
    /// every task gets a random distinct priority, the highest-priority ready
    /// task always runs, and at `depth - 1` random steps the running task
    /// drops below all others. Finds any bug of depth `depth` with a
    /// guaranteed probability per run.
    Pct {
        /// The bug depth targeted (at least 1; 3 is a good default).
        depth: u32,
    },
    /// Repeats the choices recorded by an earlier run (see
    /// [`Report::schedule`](crate::Report::schedule)). When the schedule runs
    /// out, the run continues in FIFO order; a recorded choice that does not
    /// fit the run (a different kind of choice or number of options) stops
    /// it with [`SimError::ScheduleDiverged`](crate::SimError::ScheduleDiverged).
    Replay(Schedule),
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Strategy::Fifo => f.write_str("fifo"),
            Strategy::Random => f.write_str("random"),
            Strategy::Pct { depth } => write!(f, "pct:{depth}"),
            Strategy::Replay(schedule) => write!(f, "replay:{schedule}"),
        }
    }
}

/// Why a strategy's text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid strategy {input:?}: {reason}; expected one of `fifo`, `random`, \
     `pct`, `pct:DEPTH` (DEPTH >= 1) or `replay:SCHEDULE`"
)]
pub struct ParseStrategyError {
    input: String,
    reason: String,
}

impl ParseStrategyError {
    /// What is wrong with the text, without the text and the accepted forms.
    ///
    /// ```
    /// let err = "roundrobin".parse::<simloop::Strategy>().unwrap_err();
    /// assert_eq!(err.reason(), "unknown strategy `roundrobin`");
    /// ```
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl FromStr for Strategy {
    type Err = ParseStrategyError;

    fn from_str(s: &str) -> Result<Strategy, ParseStrategyError> {
        let err = |reason: String| ParseStrategyError {
            input: s.to_owned(),
            reason,
        };
        let lower = s.trim().to_ascii_lowercase();
        let (name, arg) = match lower.split_once(':') {
            Some((name, arg)) => (name, Some(arg)),
            None => (lower.as_str(), None),
        };
        match (name, arg) {
            ("", None) => Err(err("the text is empty".to_owned())),
            ("fifo", None) => Ok(Strategy::Fifo),
            ("random", None) => Ok(Strategy::Random),
            ("pct", None) => Ok(Strategy::Pct { depth: 3 }),
            ("pct", Some(depth)) => match depth.parse::<u32>() {
                Ok(depth) if depth >= 1 => Ok(Strategy::Pct { depth }),
                _ => Err(err(format!("{depth:?} is not a depth of 1 or more"))),
            },
            // `replay:` alone would silently run in FIFO order.
            ("replay", Some(schedule)) if schedule.trim().is_empty() => Err(err(
                "`replay:` needs a schedule after the `:` (`replay:fifo` for FIFO order)"
                    .to_owned(),
            )),
            ("replay", None) => Err(err(
                "`replay` needs a schedule, as in `replay:3:1,17:2`".to_owned()
            )),
            ("replay", Some(schedule)) => schedule
                .parse()
                .map(Strategy::Replay)
                .map_err(|e| err(e.to_string())),
            ("fifo" | "random", Some(_)) => Err(err(format!("`{name}` takes no argument"))),
            _ => Err(err(format!("unknown strategy `{name}`"))),
        }
    }
}

impl Strategy {
    /// Creates the scheduler for one run.
    pub(crate) fn scheduler(&self, seed: u64) -> Box<dyn Scheduler> {
        let rng = crate::base::streams::stream(seed, crate::base::streams::SCHEDULER_STREAM);
        match self {
            Strategy::Fifo => Box::new(fifo::Fifo),
            Strategy::Random => Box::new(random::Random::new(rng)),
            Strategy::Pct { depth } => Box::new(pct::Pct::new(*depth, rng)),
            Strategy::Replay(schedule) => Box::new(replay::Replay::new(schedule.clone())),
        }
    }
}

/// The ready tasks a scheduler may choose among, in wake order.
pub(crate) use crate::runtime::Candidates as Ready;

/// A replayed choice that does not fit the run being replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Divergence {
    /// Position of the choice in the schedule.
    pub(crate) position: usize,
    /// What the schedule says.
    pub(crate) recorded: Choice,
    /// What the run offered.
    pub(crate) kind: ChoiceKind,
    pub(crate) options: usize,
}

/// The interface between the executor and a strategy.
///
/// The executor calls `pick_*` only when there are at least two options, and
/// removes the picked task from the ready set itself.
pub(crate) trait Scheduler {
    /// A task was created (strategies that rank tasks rank it here).
    fn task_spawned(&mut self, _task: TaskId) {}

    /// Index into `ready` of the task to poll next.
    fn pick_task(&mut self, ready: &Ready<'_>) -> Result<usize, Divergence>;

    /// Index of the timer to fire next among `due` timers due at the same
    /// instant, listed in the order they were armed.
    fn pick_timer(&mut self, due: usize) -> Result<usize, Divergence>;
}
