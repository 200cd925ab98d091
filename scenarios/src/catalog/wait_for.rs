//! # `wait_for` — seed 001
//!
//! `asyncio.wait_for(slow_operation(), timeout=1.0)` where the operation
//! sleeps 400 s: the timeout fires, the operation is cancelled, `main` prints
//! `Timed out!`. It teaches that a timeout cancels what it waits for
//! (here [`time::wait_for`], which drops the inner future at the deadline).
//!
//! Expected outcome, under every strategy and seed: `main` gets the timeout
//! error, whose deadline is t = 1 s, and prints `Timed out!` at exactly
//! t = 1 s; the operation is cancelled at that instant (dropped before it
//! completed, which a drop guard records) and `Completed.` is never printed;
//! the program ends at 1 s.
//!
//! Properties checked: `timed-out-at-1s`, `cancelled`, `never-completes`,
//! `elapsed`.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use simloop::time::{Elapsed, Instant};
use simloop::{Report, Sim, SimError, time};

use crate::ensure;
use crate::human;
use crate::log::Log;
use crate::{Kind, Ran, Scenario, Story, Violation, checked};

/// The scenario.
pub const SCENARIO: Scenario = Scenario::new(
    "wait_for",
    "a 400 s operation under a 1 s timeout: timed out and cancelled at 1 s",
    "001",
    Kind::Seed,
    |env| Box::pin(env.checked(main, check, summary)),
)
.with_story(story);

/// When the operation was dropped before completing, if it was.
type CancelledAt = Rc<Cell<Option<Instant>>>;

/// Records the time if dropped before the operation completed.
struct CancelGuard {
    cancelled_at: CancelledAt,
    completed: bool,
}

impl Drop for CancelGuard {
    fn drop(&mut self) {
        if !self.completed {
            self.cancelled_at.set(Some(time::now()));
        }
    }
}

/// Sleeps 400 s, then prints `Completed.`; records when it is cancelled.
pub async fn slow_operation(log: Log, cancelled_at: CancelledAt) {
    let mut guard = CancelGuard {
        cancelled_at,
        completed: false,
    };
    time::sleep(Duration::from_secs(400)).await;
    log.say("Completed.");
    guard.completed = true;
}

/// What `main` saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waited {
    /// What `wait_for` returned.
    pub result: Result<(), Elapsed>,
    /// When the operation was cancelled, if it was.
    pub cancelled_at: Option<Instant>,
}

/// Waits for [`slow_operation`] for at most one second.
pub async fn main(log: Log) -> Waited {
    let cancelled_at = CancelledAt::default();
    let operation = slow_operation(log.clone(), cancelled_at.clone());
    let result = time::wait_for(Duration::from_secs(1), operation).await;
    if result.is_err() {
        log.say("Timed out!");
    }
    Waited {
        result,
        cancelled_at: cancelled_at.get(),
    }
}

/// Runs [`main`] under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<Waited>>, SimError> {
    crate::simulate(sim, main)
}

/// The properties.
pub fn check(ran: &Ran<Waited>) -> Result<(), Violation> {
    let lines = &ran.lines;
    let second = Duration::from_secs(1);
    let deadline = ran.value.result.map_err(|e| e.deadline().since_start());
    ensure!(
        deadline == Err(second),
        "timed-out-at-1s",
        "wait_for returned {:?}, expected the timeout error at 1 s",
        ran.value.result
    );
    let timed_out = lines.iter().find(|l| l.text == "Timed out!");
    ensure!(
        timed_out.is_some_and(|l| l.time.since_start() == second && l.task == "main"),
        "timed-out-at-1s",
        "printed {:?}",
        lines.iter().map(ToString::to_string).collect::<Vec<_>>()
    );
    let cancelled = ran.value.cancelled_at.map(Instant::since_start);
    ensure!(
        cancelled == Some(second),
        "cancelled",
        "the operation was cancelled at {cancelled:?}, expected 1 s"
    );
    ensure!(
        !lines.iter().any(|l| l.text == "Completed."),
        "never-completes",
        "the operation completed"
    );
    ensure!(
        ran.elapsed == second,
        "elapsed",
        "took {:?}, expected 1 s",
        ran.elapsed
    );
    Ok(())
}

fn summary(r: &Ran<Waited>) -> String {
    format!(
        "timed out and cancelled after {}",
        human::duration(r.elapsed)
    )
}

fn story(seed: u64) -> Result<Story, crate::Failure> {
    let mut story = Story::default();
    let r = story.ran(checked(&SCENARIO, simulate(&Sim::new(seed)), check)?);
    Ok(story.told(vec![format!(
        "A 400 s operation under a 1 s timeout: timed out and cancelled at {}; it never completes.",
        human::duration(r.elapsed)
    )]))
}
