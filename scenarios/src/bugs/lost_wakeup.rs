//! # `lost_wakeup` — a lost wake-up on a `Condition`
//!
//! A `consumer` checks whether the batch is ready *before* taking the
//! condition's lock, does some bookkeeping (one await), then takes the lock
//! and waits on the [`Condition`] if the batch was not ready when it looked.
//! The `producer` prepares the batch (two awaits), marks it ready and
//! notifies under the lock. In FIFO order the consumer is waiting by the
//! time the producer notifies: every seed passes. A schedule that lets the
//! producer finish between the consumer's look and its wait loses the
//! notification: the consumer waits forever and the run deadlocks.
//!
//! The bug: the predicate is checked outside the lock, and not re-checked
//! under it. The fix is `Condition::wait_for` (or a loop re-checking the
//! predicate while holding the lock).
//!
//! Expected outcome: FIFO never deadlocks. Random and PCT find the deadlock
//! within a few seeds; the report names the consumer waiting on the
//! condition.
//!
//! Measured over seeds 0 to 999 (`tests/bug_numbers.rs` checks that these
//! lines still hold):
//!
//! - FIFO: no failure in 1,000 seeds.
//! - Random: first failure at seed 7 (8 tried); 184 of 1,000 seeds fail; shrunk to `replay:2:1,3:1` (1 preemption, 2 deviations from FIFO order).
//! - PCT (depth 2): first failure at seed 6 (7 tried); 122 of 1,000 seeds fail; shrunk to `replay:2:1,3:1` (1 preemption, 2 deviations from FIFO order).
//! - PCT (depth 3): first failure at seed 6 (7 tried); 160 of 1,000 seeds fail; shrunk to `replay:2:1,3:1` (1 preemption, 2 deviations from FIFO order).
//! - Exploration by preemptions: first failure at schedule 5 (1 preemption, 2 deviations).
//! - Exploration by deviations: first failure at schedule 6 (2 preemptions, 2 deviations).
//!
//! Properties checked: the run completes (no `deadlock`), and `consumed`.

use std::rc::Rc;

use simloop::sync::Condition;
use simloop::{Report, Sim, SimError, task};

use crate::ensure;
use crate::log::Log;
use crate::{Kind, Ran, Scenario, Violation};

/// The scenario.
pub const SCENARIO: Scenario = Scenario::new(
    "lost_wakeup",
    "BUG: a consumer checks a condition outside its lock; the notification can be lost",
    "",
    Kind::Bug,
    |env| Box::pin(env.checked(main, check, summary)),
)
.with_story(story);

/// Whether the consumer got the batch.
pub async fn main(log: Log) -> bool {
    let ready = Rc::new(Condition::new(false).named("batch ready"));
    let consumer = task::spawn_named("consumer", {
        let (log, ready) = (log.clone(), ready.clone());
        async move {
            let was_ready = *ready.lock().await;
            log.say(format!("looked: batch ready = {was_ready}"));
            task::yield_now().await; // bookkeeping
            let guard = ready.lock().await;
            if !was_ready {
                log.say("waiting for the batch");
                let guard = ready.wait(guard).await;
                drop(guard);
            }
            log.say("consumed the batch");
            true
        }
    });
    let producer = task::spawn_named("producer", {
        let (log, ready) = (log.clone(), ready.clone());
        async move {
            task::yield_now().await; // preparing the batch
            task::yield_now().await;
            let mut guard = ready.lock().await;
            *guard = true;
            ready.notify_all(&guard);
            log.say("batch ready, notified");
        }
    });
    producer.await.expect("the producer completes");
    consumer.await.expect("the consumer completes")
}

/// Runs [`main`] under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<bool>>, SimError> {
    crate::simulate(sim, main)
}

/// The property (a deadlock fails the run before it gets here).
pub fn check(ran: &Ran<bool>) -> Result<(), Violation> {
    ensure!(ran.value, "consumed", "the consumer did not get the batch");
    Ok(())
}

fn summary(_: &Ran<bool>) -> String {
    "the consumer got the batch".to_owned()
}

fn story(seed: u64) -> Result<crate::Story, crate::Failure> {
    super::hunt_story(
        &SCENARIO,
        seed,
        "A consumer checks whether a batch is ready outside the condition's lock, then waits; a producer notifies.",
    )
}
