//! # `check_then_act` — checking a queue, then acting on the check
//!
//! Two workers serve a [job queue](simloop::sync::Queue). Each wakes every
//! 10 ms, and if the queue is not empty it announces that it is claiming the
//! job (one await: a note to the job board) and then takes it with
//! `try_get`. Worker 2 also renews its lease before looking (one more
//! await). A job is put at t = 5 ms; both workers wake at t = 10 ms. In FIFO
//! order worker 1 checks, announces, and takes the job while worker 2 is
//! still renewing its lease; worker 2 then sees an empty queue. Every seed,
//! fine. A schedule that lets worker 2 look before worker 1 has taken the
//! job sends both to claim it, and one of them finds the queue empty.
//!
//! The bug: the emptiness check and the `get` are separated by an await, so
//! the check is stale when acted on. The fix is to act without checking
//! (`get` waits, or `try_get` and handle `Empty`) — asyncio's own advice.
//!
//! Expected outcome: FIFO never fails (every seed). Random and PCT find a
//! claim that comes back empty within a few seeds; the failing seed
//! replays, and the harness shrinks it to one preemption.
//!
//! Measured over seeds 0 to 999 (`simloop sweep check_then_act --strategy random`,
//! and `--strategy pct`, show the same; `tests/bug_numbers.rs` checks
//! that these lines still hold):
//!
//! - FIFO: no failure in 1,000 seeds.
//! - Random: first failure at seed 0 (1 tried); 394 of 1,000 seeds fail; shrunk to `replay:4:1,5:1,7:1,9:1` (1 preemption, 4 deviations from FIFO order).
//! - PCT (depth 2): first failure at seed 6 (7 tried); 157 of 1,000 seeds fail; shrunk to `replay:4:1,5:1,7:1,9:1` (1 preemption, 4 deviations from FIFO order).
//! - PCT (depth 3): first failure at seed 0 (1 tried); 184 of 1,000 seeds fail; shrunk to `replay:4:1,5:1,7:1,9:1` (1 preemption, 4 deviations from FIFO order).
//! - Exploration by preemptions: first failure at schedule 25 (1 preemption, 4 deviations).
//! - Exploration by deviations: first failure at schedule 2 (5 preemptions, 1 deviation).
//!
//! Property checked: `claim-finds-a-job` (every worker that saw a job gets
//! one; the one job is handled exactly once).

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use simloop::sync::Queue;
use simloop::{Report, Sim, SimError, task, time};

use crate::ensure;
use crate::log::Log;
use crate::{Kind, Ran, Scenario, Violation};

/// The scenario.
pub const SCENARIO: Scenario = Scenario::new(
    "check_then_act",
    "BUG: two workers check that a queue is not empty, await, then take: one finds it empty",
    "",
    Kind::Bug,
    |env| Box::pin(env.checked(main, check, summary)),
)
.with_story(story);

/// How often a worker looks at the queue.
pub const POLL: Duration = Duration::from_millis(10);

/// What the workers did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Claims {
    /// Jobs handled.
    pub handled: u32,
    /// Claims that found the queue empty after all.
    pub empty: u32,
}

/// One poll of a worker: if the queue has a job, claim it and take it.
async fn poll_once(log: &Log, jobs: &Queue<&'static str>, handled: &Cell<u32>, empty: &Cell<u32>) {
    if jobs.is_empty() {
        return;
    }
    log.say("queue has a job; claiming it");
    task::yield_now().await; // the note to the job board
    match jobs.try_get() {
        Ok(job) => {
            handled.set(handled.get() + 1);
            log.say(format!("took {job}"));
        }
        Err(e) => {
            empty.set(empty.get() + 1);
            log.say(format!("claimed a job but the queue was empty ({e})"));
        }
    }
}

/// A worker: wakes every [`POLL`] for `polls` polls; renews its lease
/// first on each poll if `lease`.
pub async fn worker(
    log: Log,
    jobs: Queue<&'static str>,
    lease: bool,
    polls: u32,
    counts: Rc<(Cell<u32>, Cell<u32>)>,
) {
    for _ in 0..polls {
        time::sleep(POLL).await;
        if lease {
            task::yield_now().await; // renewing the lease
        }
        poll_once(&log, &jobs, &counts.0, &counts.1).await;
    }
}

/// A job at 5 ms, two workers polling twice.
pub async fn main(log: Log) -> Claims {
    let jobs: Queue<&'static str> = Queue::new().named("jobs");
    let counts = Rc::new((Cell::new(0), Cell::new(0)));
    let w1 = task::spawn_named(
        "worker-1",
        worker(log.clone(), jobs.clone(), false, 2, counts.clone()),
    );
    let w2 = task::spawn_named(
        "worker-2",
        worker(log.clone(), jobs.clone(), true, 2, counts.clone()),
    );
    time::sleep(Duration::from_millis(5)).await;
    jobs.try_put("job-1").expect("the queue is unbounded");
    log.say("put job-1");
    w1.await.expect("worker 1 completes");
    w2.await.expect("worker 2 completes");
    Claims {
        handled: counts.0.get(),
        empty: counts.1.get(),
    }
}

/// Runs [`main`] under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<Claims>>, SimError> {
    crate::simulate(sim, main)
}

/// The property.
pub fn check(ran: &Ran<Claims>) -> Result<(), Violation> {
    let c = ran.value;
    ensure!(
        c.empty == 0 && c.handled == 1,
        "claim-finds-a-job",
        "{} found the queue empty; jobs handled: {} of 1",
        crate::human::plural(u64::from(c.empty), "claim"),
        c.handled
    );
    Ok(())
}

fn summary(r: &Ran<Claims>) -> String {
    format!(
        "{} handled, {} came back empty",
        crate::human::plural(u64::from(r.value.handled), "job"),
        crate::human::plural(u64::from(r.value.empty), "claim")
    )
}

fn story(seed: u64) -> Result<crate::Story, crate::Failure> {
    super::hunt_story(
        &SCENARIO,
        seed,
        "Two workers check that the job queue is not empty, await a note to the job board, then take the job.",
    )
}
