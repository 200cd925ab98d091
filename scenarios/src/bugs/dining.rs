//! # `dining` — a deadlock between three tasks
//!
//! Three services share three connections, each behind a [`Lock`]:
//! `billing` uses A then B, `shipping` B then C, `returns` C then A. Each
//! takes its first lock, prepares the request (one await), then takes the
//! second. `shipping` and `returns` start a little later (one and two
//! awaits of setup). In FIFO order each service finishes before the next
//! one takes its first lock... almost: the runs interleave, but never all
//! three hold their first lock at once, so every seed completes. A schedule
//! where each holds its first lock while waiting for the next one's closes
//! the cycle: the run deadlocks with three tasks blocked.
//!
//! The bug: a cycle in the lock order. The fix: one global order (always
//! lock A before B before C).
//!
//! Measured over seeds 0 to 999 (`tests/bug_numbers.rs` checks that these
//! lines still hold):
//!
//! - FIFO: no failure in 1,000 seeds.
//! - Random: first failure at seed 20 (21 tried); 14 of 1,000 seeds fail; shrunk to `replay:0:2,1:2,2:2,3:2,4:2,5:2,6:2,8:2,9:2,10:2,11:2,13:1` (1 preemption, 12 deviations from FIFO order).
//! - PCT (depth 2): first failure at seed 8 (9 tried); 40 of 1,000 seeds fail; shrunk to `replay:1:1,2:2,3:2,4:2,5:2,6:2,7:2,8:2,9:1,10:1,11:1,12:1,13:1` (1 preemption, 13 deviations from FIFO order).
//! - PCT (depth 3): first failure at seed 35 (36 tried); 38 of 1,000 seeds fail; shrunk to `replay:0:1,1:2,2:2,3:2,4:1,5:2,6:1,7:1,8:1,9:1,10:1,11:1,12:1,13:1` (1 preemption, 14 deviations from FIFO order).
//! - Exploration by preemptions: first failure at schedule 58 (1 preemption, 12 deviations).
//! - Exploration by deviations: no failure in 1,000 schedules.
//!
//! Properties checked: the run completes (no `deadlock`), and `all-served`.

use std::rc::Rc;

use simloop::sync::Lock;
use simloop::{Report, Sim, SimError, task};

use crate::ensure;
use crate::log::Log;
use crate::{Kind, Ran, Scenario, Violation};

/// The scenario.
pub const SCENARIO: Scenario = Scenario::new(
    "dining",
    "BUG: three services lock two of three connections each, in a cycle: they can deadlock",
    "",
    Kind::Bug,
    |env| Box::pin(env.checked(main, check, summary)),
)
.with_story(story);

async fn serve(log: Log, name: &'static str, setup: usize, first: Rc<Lock>, second: Rc<Lock>) {
    for _ in 0..setup {
        task::yield_now().await; // setting up
    }
    let _first = first.lock().await;
    log.say(format!("{name} took its first connection"));
    task::yield_now().await; // preparing the request
    let _second = second.lock().await;
    log.say(format!(
        "{name} took its second connection and sent the request"
    ));
}

/// How many services were served.
pub async fn main(log: Log) -> usize {
    let locks: Vec<Rc<Lock>> = ["A", "B", "C"]
        .iter()
        .map(|n| Rc::new(Lock::new().named(*n)))
        .collect();
    let services = [
        ("billing", 0, 0, 1),
        ("shipping", 3, 1, 2),
        ("returns", 6, 2, 0),
    ];
    let handles: Vec<_> = services
        .iter()
        .map(|&(name, setup, first, second)| {
            task::spawn_named(
                name,
                serve(
                    log.clone(),
                    name,
                    setup,
                    locks[first].clone(),
                    locks[second].clone(),
                ),
            )
        })
        .collect();
    let mut served = 0;
    for h in handles {
        h.await.expect("the service completes");
        served += 1;
    }
    served
}

/// Runs [`main`] under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<usize>>, SimError> {
    crate::simulate(sim, main)
}

/// The property (a deadlock fails the run before it gets here).
pub fn check(ran: &Ran<usize>) -> Result<(), Violation> {
    ensure!(
        ran.value == 3,
        "all-served",
        "{} of 3 services served",
        ran.value
    );
    Ok(())
}

fn summary(r: &Ran<usize>) -> String {
    format!("{} services served", r.value)
}

fn story(seed: u64) -> Result<crate::Story, crate::Failure> {
    super::hunt_story(
        &SCENARIO,
        seed,
        "Billing locks A then B, shipping B then C, returns C then A.",
    )
}
