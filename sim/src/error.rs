//! [`SimError`]: every way a simulation can fail, as a value that names the
//! seed, strategy, virtual time and step, and says how to reproduce it.

use std::fmt;
use std::time::Duration;

use crate::base::Instant;
use crate::base::{TaskInfo, WaitReason};
use crate::schedule::Choice;
use crate::trace::Event;

/// Where and how a failing run happened: enough to reproduce it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureContext {
    /// The run's seed.
    pub seed: u64,
    /// The strategy, in its text form (`fifo`, `random`, `pct:3`, ...).
    pub strategy: String,
    /// Virtual time when the run stopped.
    pub time: Instant,
    /// Polls made when the run stopped.
    pub step: u64,
    /// Other failures that came with this one, one sentence each: a
    /// destructor that panicked while the failed run's tasks were dropped.
    /// Shown before the line that reproduces the run. (A boxed slice: it
    /// is almost always empty, and keeps `SimError` small.)
    pub also: Box<[String]>,
}

impl FailureContext {
    /// Adds a line to [`also`](FailureContext::also).
    pub(crate) fn add_also(&mut self, line: String) {
        let mut also = std::mem::take(&mut self.also).into_vec();
        also.push(line);
        self.also = also.into_boxed_slice();
    }

    /// The environment variables that make a `#[simloop::test]` or a sweep
    /// replay exactly this run, e.g. `SIMLOOP_SEED=7 SIMLOOP_STRATEGY=random`.
    pub fn repro_env(&self) -> String {
        format!(
            "SIMLOOP_SEED={} SIMLOOP_STRATEGY={}",
            self.seed, self.strategy
        )
    }
}

impl fmt::Display for FailureContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "seed {}, strategy {}, at virtual {} (step {})",
            self.seed, self.strategy, self.time, self.step
        )
    }
}

/// A task that was blocked when the simulation deadlocked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedTask {
    /// The task.
    pub task: TaskInfo,
    /// What it waits on, if the primitive it waits in said so.
    pub waiting_on: Option<WaitReason>,
}

impl fmt::Display for BlockedTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.waiting_on {
            Some(r) => write!(f, "{} waits on {r}", self.task),
            None => write!(f, "{} waits on something that did not say", self.task),
        }
    }
}

/// Why a simulation failed. Every variant carries a [`FailureContext`]; its
/// `Display` states the seed, strategy, virtual time and step and ends with a
/// line saying how to reproduce the run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// Nothing was ready, no timer was pending, and the root task had not
    /// finished.
    #[error("deadlock: {} task(s) blocked forever; {ctx}{}\n{}", blocked.len(), list(blocked), repro(ctx))]
    Deadlock {
        /// Every blocked task, in id order (the root task first).
        blocked: Vec<BlockedTask>,
        /// Where it happened.
        ctx: FailureContext,
    },
    /// A task panicked and nobody could observe it (the root task, or a task
    /// whose `JoinHandle` had been dropped or was dropped without awaiting it).
    #[error("{task} panicked: {message}; {ctx}\n{}", repro(ctx))]
    TaskPanicked {
        /// The task.
        task: TaskInfo,
        /// The panic message and location.
        message: String,
        /// Where it happened.
        ctx: FailureContext,
    },
    /// Virtual time would have passed the configured limit (an endless loop
    /// of sleeps, or a run far longer than expected).
    #[error("time limit of {limit:?} (virtual) exceeded; {ctx}\n{}", repro(ctx))]
    TimeLimit {
        /// The limit.
        limit: Duration,
        /// Where it happened.
        ctx: FailureContext,
    },
    /// The virtual clock reached its largest value (2^64 - 1 ns, about 584
    /// years), where it cannot move on: a run without a time limit slept
    /// or was busy for (nearly) `Duration::MAX`.
    #[error(
        "the virtual clock reached its maximum (2^64-1 ns, about 584 years) and cannot move on: \
         a sleep, timeout or busy of nearly Duration::MAX in a run without a time limit; {ctx}\n{}",
        repro(ctx)
    )]
    ClockOverflow {
        /// Where it happened.
        ctx: FailureContext,
    },
    /// A task's waker was woken from a thread other than the simulation's.
    /// A simulation runs on one thread; a wake-up from another one comes
    /// whenever the OS lets that thread run, so the run would no longer be
    /// a function of its seed.
    #[error(
        "{task} was woken from another thread ({thread}): a simulation runs on one thread, and a \
         wake-up from outside it would make the run depend on the OS's thread timing; wake \
         tasks only from inside the simulation (its tasks, timers and primitives); {ctx}\n{}",
        repro(ctx)
    )]
    ForeignWake {
        /// The task woken.
        task: TaskInfo,
        /// The thread that woke it (its name, or its id).
        thread: String,
        /// Where the run stopped.
        ctx: FailureContext,
    },
    /// The run polled more tasks than the configured limit (livelock, a
    /// runaway loop of yields).
    #[error("step limit of {limit} polls exceeded; {ctx}\n{}", repro(ctx))]
    StepLimit {
        /// The limit.
        limit: u64,
        /// Where it happened.
        ctx: FailureContext,
    },
    /// Tasks were still pending when the root task finished, and the
    /// simulation was built with `leaks_are_errors(true)`.
    #[error("{} task(s) still pending when the root task finished: {}; {ctx}\n{}", tasks.len(), names(tasks), repro(ctx))]
    LeakedTasks {
        /// The pending tasks, in id order.
        tasks: Vec<TaskInfo>,
        /// Where it happened.
        ctx: FailureContext,
    },
    /// Two runs with the same seed made different decisions.
    #[error(
        "non-determinism: two runs of the same seed diverged at event {index}: first run {}, second run {}; {ctx}\n{}",
        show(first),
        show(second),
        repro(ctx)
    )]
    NonDeterminism {
        /// Index of the first differing event.
        index: usize,
        /// The event of the first run (`None` if it had ended).
        first: Option<Box<Event>>,
        /// The event of the second run (`None` if it had ended).
        second: Option<Box<Event>>,
        /// Where it happened.
        ctx: FailureContext,
    },
    /// A replayed schedule asked for a choice that the run did not offer:
    /// the program or its inputs changed since the schedule was recorded.
    #[error(
        "replay diverged at choice {position}: the schedule says {recorded:?} but the run offered {options} option(s) for a {offered} choice; {ctx}\n{}",
        repro(ctx)
    )]
    ScheduleDiverged {
        /// Position of the choice in the schedule.
        position: usize,
        /// The recorded choice.
        recorded: Choice,
        /// What kind of choice the run offered (`task` or `timer`).
        offered: &'static str,
        /// How many options the run offered.
        options: usize,
        /// Where it happened.
        ctx: FailureContext,
    },
}

impl SimError {
    /// Where the failure happened.
    pub fn context(&self) -> &FailureContext {
        match self {
            SimError::Deadlock { ctx, .. }
            | SimError::TaskPanicked { ctx, .. }
            | SimError::TimeLimit { ctx, .. }
            | SimError::ClockOverflow { ctx }
            | SimError::ForeignWake { ctx, .. }
            | SimError::StepLimit { ctx, .. }
            | SimError::LeakedTasks { ctx, .. }
            | SimError::NonDeterminism { ctx, .. }
            | SimError::ScheduleDiverged { ctx, .. } => ctx,
        }
    }

    pub(crate) fn context_mut(&mut self) -> &mut FailureContext {
        match self {
            SimError::Deadlock { ctx, .. }
            | SimError::TaskPanicked { ctx, .. }
            | SimError::TimeLimit { ctx, .. }
            | SimError::ClockOverflow { ctx }
            | SimError::ForeignWake { ctx, .. }
            | SimError::StepLimit { ctx, .. }
            | SimError::LeakedTasks { ctx, .. }
            | SimError::NonDeterminism { ctx, .. }
            | SimError::ScheduleDiverged { ctx, .. } => ctx,
        }
    }

    /// This failure as one sentence, for the `also:` lines of another.
    pub(crate) fn also_line(&self) -> String {
        let text = self.to_string();
        let first = text.lines().next().unwrap_or_default();
        // Without its context: the failure it joins has the same.
        first
            .replace(&format!("; {}", self.context()), "")
            .to_owned()
    }

    /// The failing run's seed.
    pub fn seed(&self) -> u64 {
        self.context().seed
    }

    /// A short name for the kind of failure (`deadlock`, `panic`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            SimError::Deadlock { .. } => "deadlock",
            SimError::TaskPanicked { .. } => "panic",
            SimError::TimeLimit { .. } => "time limit",
            SimError::ClockOverflow { .. } => "clock overflow",
            SimError::ForeignWake { .. } => "foreign wake",
            SimError::StepLimit { .. } => "step limit",
            SimError::LeakedTasks { .. } => "leaked tasks",
            SimError::NonDeterminism { .. } => "non-determinism",
            SimError::ScheduleDiverged { .. } => "schedule diverged",
        }
    }
}

fn repro(ctx: &FailureContext) -> String {
    let also: String = ctx.also.iter().map(|a| format!("also: {a}\n")).collect();
    format!(
        "{also}reproduce: rerun with {} (Sim::builder().seed({}).strategy(\"{}\".parse()?))",
        ctx.repro_env(),
        ctx.seed,
        ctx.strategy
    )
}

fn list(blocked: &[BlockedTask]) -> String {
    blocked.iter().map(|b| format!("\n  - {b}")).collect()
}

fn names(tasks: &[TaskInfo]) -> String {
    tasks
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn show(event: &Option<Box<Event>>) -> String {
    match event {
        Some(e) => e.to_string(),
        None => "(run had ended)".to_owned(),
    }
}
