//! # `wait_for` — seed 001
//!
//! `asyncio.wait_for(slow_operation(), timeout=1.0)` where the operation
//! sleeps 400 s: the timeout fires, the operation is cancelled, `main` prints
//! `Timed out!`. It teaches that a timeout cancels what it waits for
//! (here [`time::wait_for`], which drops the inner future at the deadline).
//!
//! Expected outcome, under every strategy and seed: `Timed out!` at exactly
//! t = 1 s; the operation is cancelled at that instant (its drop guard says
//! so) and `Completed.` is never printed; the program ends at 1 s.
//!
//! Properties checked: `timed-out-at-1s`, `cancelled`, `never-completes`,
//! `elapsed`.

use std::time::Duration;

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

/// Says `slow_operation cancelled` if dropped before it completed.
struct CancelGuard {
    log: Log,
    completed: bool,
}

impl Drop for CancelGuard {
    fn drop(&mut self) {
        if !self.completed {
            self.log.say("slow_operation cancelled");
        }
    }
}

/// Sleeps 400 s, then prints `Completed.`.
pub async fn slow_operation(log: Log) {
    let mut guard = CancelGuard {
        log: log.clone(),
        completed: false,
    };
    time::sleep(Duration::from_secs(400)).await;
    log.say("Completed.");
    guard.completed = true;
}

/// Waits for [`slow_operation`] for at most one second.
pub async fn main(log: Log) {
    match time::wait_for(Duration::from_secs(1), slow_operation(log.clone())).await {
        Ok(()) => log.say("finished in time"),
        Err(e) => log.say(format!("Timed out! ({e})")),
    }
}

/// Runs [`main`] under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<()>>, SimError> {
    crate::simulate(sim, main)
}

/// The properties.
pub fn check(ran: &Ran<()>) -> Result<(), Violation> {
    let lines = &ran.lines;
    let second = Duration::from_secs(1);
    let timed_out = lines.iter().find(|l| l.text.starts_with("Timed out!"));
    ensure!(
        timed_out.is_some_and(|l| l.time.since_start() == second && l.task == "main"),
        "timed-out-at-1s",
        "printed {:?}",
        lines.iter().map(ToString::to_string).collect::<Vec<_>>()
    );
    let cancelled = lines.iter().find(|l| l.text == "slow_operation cancelled");
    ensure!(
        cancelled.is_some_and(|l| l.time.since_start() == second),
        "cancelled",
        "cancellation seen at {:?}",
        cancelled.map(|l| l.time.since_start())
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

fn summary(r: &Ran<()>) -> String {
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
