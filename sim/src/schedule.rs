//! Schedules: the list of choices a run made, which [`Strategy::Replay`]
//! follows to repeat (or steer) a run.
//!
//! A choice is recorded whenever the executor had more than one option: which
//! of several ready tasks to poll, or which of several timers due at the same
//! instant to fire first. Index 0 is always what [`Strategy::Fifo`] would do
//! (the task woken first, the timer armed first), so a choice with a non-zero
//! index is a *deviation* from FIFO order. Shrinking a failing schedule means
//! removing deviations while the failure persists.
//!
//! The text form lists only the deviations, as `position:index` pairs (for
//! example `3:1,17:2`), and `fifo` for a schedule without any; every choice
//! not listed is 0. Parsed schedules are lenient: an index larger than the
//! number of options wraps around instead of failing the replay.
//!
//! [`Strategy::Replay`]: crate::Strategy::Replay
//! [`Strategy::Fifo`]: crate::Strategy::Fifo

use std::fmt;
use std::str::FromStr;

use crate::base::TaskInfo;

/// What a [`Choice`] chose between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChoiceKind {
    /// Which ready task to poll next.
    Task,
    /// Which of several timers due at the same instant fires next.
    Timer,
    /// Unspecified: accepted at any choice point (parsed and generated
    /// schedules).
    Any,
}

/// One decision of the scheduler: option `index` out of `of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Choice {
    /// What was chosen between.
    pub kind: ChoiceKind,
    /// The option taken; 0 is the FIFO option.
    pub index: u32,
    /// How many options there were; 0 when unknown (then `index` wraps
    /// around the actual number of options on replay).
    pub of: u32,
}

impl Choice {
    /// A lenient choice of option `index` at any kind of choice point.
    pub const fn any(index: u32) -> Choice {
        Choice {
            kind: ChoiceKind::Any,
            index,
            of: 0,
        }
    }

    /// Whether this choice differs from what FIFO order would do.
    pub const fn is_deviation(&self) -> bool {
        self.index != 0
    }
}

/// One choice among ready tasks (or tied timers), in task terms: who ran,
/// who FIFO order would have run, and who could have kept running. Recorded
/// for every choice of a run built with `trace(true)` (see
/// [`Report::decisions`](crate::Report::decisions)); the harness uses them to
/// explain a shrunk schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Position of the choice in the run's [`Schedule`].
    pub position: usize,
    /// What was chosen between: ready tasks, or timers due at the same
    /// instant (then `chosen` and `fifo` are the tasks that armed them).
    pub kind: ChoiceKind,
    /// The step the choice started (steps count from 1).
    pub step: u64,
    /// The option taken (0 is FIFO's) and the number of options.
    pub index: u32,
    /// How many tasks were ready to choose from.
    pub of: u32,
    /// The task that ran.
    pub chosen: TaskInfo,
    /// The task FIFO order would have run (the same as `chosen` when the
    /// choice is not a deviation).
    pub fifo: TaskInfo,
    /// The task that ran the step before, if it was ready to run again (it
    /// yielded or woke itself): switching away from it is a *preemption*.
    pub could_continue: Option<TaskInfo>,
}

impl Decision {
    /// Whether this choice differs from FIFO order.
    pub fn is_deviation(&self) -> bool {
        self.index != 0
    }

    /// Whether this choice switched away from a task that could have kept
    /// running.
    pub fn is_preemption(&self) -> bool {
        self.could_continue
            .as_ref()
            .is_some_and(|t| t.id() != self.chosen.id())
    }
}

/// The sequence of choices of one run. See the [module docs](self).
///
/// Its `Debug` form is its text form, which replays it (what a failing
/// proptest property prints as its minimal input), with the number of
/// choices when trailing FIFO choices follow the last deviation:
///
/// ```
/// use simloop::Schedule;
///
/// assert_eq!(format!("{:?}", Schedule::from_indices([0, 1])), r#"Schedule("1:1")"#);
/// assert_eq!(format!("{:#?}", Schedule::from_indices([0, 1, 0])), r#"Schedule("1:1", 3 choices)"#);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Schedule {
    choices: Vec<Choice>,
}

impl Schedule {
    /// An empty schedule: replaying it runs in FIFO order.
    pub fn new() -> Schedule {
        Schedule::default()
    }

    /// A schedule of the given choices.
    pub fn from_choices(choices: Vec<Choice>) -> Schedule {
        Schedule { choices }
    }

    /// A lenient schedule taking option `indices[i]` at the i-th choice point
    /// (wrapping around the number of options there).
    pub fn from_indices(indices: impl IntoIterator<Item = u32>) -> Schedule {
        Schedule {
            choices: indices.into_iter().map(Choice::any).collect(),
        }
    }

    /// The choices, in the order they were made.
    pub fn choices(&self) -> &[Choice] {
        &self.choices
    }

    /// The number of choices.
    pub fn len(&self) -> usize {
        self.choices.len()
    }

    /// Whether no choice was recorded.
    pub fn is_empty(&self) -> bool {
        self.choices.is_empty()
    }

    /// Appends a choice.
    pub fn push(&mut self, choice: Choice) {
        self.choices.push(choice);
    }

    /// The number of choices that differ from FIFO order.
    pub fn deviations(&self) -> usize {
        self.choices.iter().filter(|c| c.is_deviation()).count()
    }

    /// The positions of the choices that differ from FIFO order.
    pub fn deviation_positions(&self) -> Vec<usize> {
        (0..self.choices.len())
            .filter(|&i| self.choices[i].is_deviation())
            .collect()
    }

    /// The same schedule without trailing FIFO choices (which replay the
    /// same either way).
    pub fn trimmed(&self) -> Schedule {
        let end = self
            .choices
            .iter()
            .rposition(Choice::is_deviation)
            .map_or(0, |i| i + 1);
        Schedule {
            choices: self.choices[..end].to_vec(),
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (pos, choice) in self.choices.iter().enumerate() {
            if choice.is_deviation() {
                if !first {
                    f.write_str(",")?;
                }
                first = false;
                write!(f, "{pos}:{}", choice.index)?;
            }
        }
        if first {
            f.write_str("fifo")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One line even for `{:#?}`: the text is what a reader copies.
        write!(f, "Schedule(\"{self}\"")?;
        let trailing_fifo = self.choices.last().is_some_and(|c| !c.is_deviation());
        if trailing_fifo {
            let n = self.len();
            write!(f, ", {n} choice{}", if n == 1 { "" } else { "s" })?;
        }
        f.write_str(")")
    }
}

/// Why a schedule's text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid schedule {input:?}: {reason}; expected `fifo` or comma-separated \
     `position:index` pairs in increasing position order, e.g. `3:1,17:2`"
)]
pub struct ParseScheduleError {
    input: String,
    reason: String,
}

impl ParseScheduleError {
    /// What is wrong with the text, without the text and the accepted forms.
    ///
    /// ```
    /// let err = "3:1,2".parse::<simloop::Schedule>().unwrap_err();
    /// assert_eq!(err.reason(), "\"2\" has no `:`");
    /// ```
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl FromStr for Schedule {
    type Err = ParseScheduleError;

    fn from_str(s: &str) -> Result<Schedule, ParseScheduleError> {
        let err = |reason: String| ParseScheduleError {
            input: s.to_owned(),
            reason,
        };
        let s = s.trim();
        if s.is_empty() || s == "fifo" {
            return Ok(Schedule::new());
        }
        let mut choices = Vec::new();
        for part in s.split(',') {
            let (pos, index) = part
                .trim()
                .split_once(':')
                .ok_or_else(|| err(format!("{part:?} has no `:`")))?;
            let pos: usize = pos
                .parse()
                .map_err(|_| err(format!("{pos:?} is not a position")))?;
            let index: u32 = index
                .parse()
                .map_err(|_| err(format!("{index:?} is not an index")))?;
            if pos < choices.len() {
                return Err(err(format!("position {pos} is out of order")));
            }
            if pos > 10_000_000 {
                return Err(err(format!("position {pos} is implausibly large")));
            }
            choices.resize(pos, Choice::any(0));
            choices.push(Choice::any(index));
        }
        Ok(Schedule { choices })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_form_round_trips_deviations() {
        let s: Schedule = "3:1,17:2".parse().unwrap();
        assert_eq!(s.len(), 18);
        assert_eq!(s.deviations(), 2);
        assert_eq!(s.deviation_positions(), vec![3, 17]);
        assert_eq!(s.to_string(), "3:1,17:2");
        assert_eq!("fifo".parse::<Schedule>().unwrap(), Schedule::new());
        assert_eq!(Schedule::from_indices([0, 0]).to_string(), "fifo");
    }

    #[test]
    fn bad_text_is_rejected_with_the_accepted_form() {
        for bad in ["3", "a:1", "3:x", "5:1,2:1"] {
            let e = bad.parse::<Schedule>().unwrap_err().to_string();
            assert!(e.contains("position:index"), "{e}");
        }
    }

    #[test]
    fn trimmed_drops_trailing_fifo_choices() {
        let s = Schedule::from_indices([0, 2, 0, 0]);
        assert_eq!(s.trimmed().len(), 2);
        assert_eq!(Schedule::from_indices([0, 0]).trimmed().len(), 0);
    }
}
