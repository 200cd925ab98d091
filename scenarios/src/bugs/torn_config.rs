//! # `torn_config` — a depth-3 ordering bug: a request sees two versions
//!
//! A config holds a version; the `admin` task rolls it out in two steps,
//! version 1 then (after a write to disk) version 2. A `request` first
//! authenticates (one await), then reads the version to pick a handler,
//! awaits the handler, and reads the version again to render the answer. The
//! request is torn when it picks the handler under version 1 and renders
//! under version 2. In FIFO order the rollout is over before the request
//! first reads the config: every seed passes.
//!
//! The bug needs three orderings at once (admin's first write before the
//! first read, that read before admin's second write, that write before the
//! second read): a bug of depth 3 in PCT's terms, which needs two
//! preemptions and is out of reach of PCT of depth 2 at a fixed change
//! point. The fix is to read the config once per request.
//!
//! Expected outcome: FIFO never fails. Random finds it within a few seeds,
//! PCT of depth 3 too; the shrunk schedule has two preemptions.
//!
//! Measured over seeds 0 to 999 (`tests/bug_numbers.rs` checks that these
//! lines still hold):
//!
//! - FIFO: no failure in 1,000 seeds.
//! - Random: first failure at seed 1 (2 tried); 119 of 1,000 seeds fail; shrunk to `replay:2:1` (2 preemptions, 1 deviation from FIFO order).
//! - PCT (depth 2): no failure in 1,000 seeds.
//! - PCT (depth 3): first failure at seed 114 (115 tried); 19 of 1,000 seeds fail; shrunk to `replay:2:1` (2 preemptions, 1 deviation from FIFO order).
//! - Exploration by preemptions: first failure at schedule 12 (2 preemptions, 1 deviation).
//! - Exploration by deviations: first failure at schedule 2 (3 preemptions, 1 deviation).
//!
//! Property checked: `one-version-per-request`.

use std::cell::Cell;
use std::rc::Rc;

use simloop::{Report, Sim, SimError, task};

use crate::ensure;
use crate::log::Log;
use crate::{Kind, Ran, Scenario, Violation};

/// The scenario.
pub const SCENARIO: Scenario = Scenario::new(
    "torn_config",
    "BUG: a request reads the config twice; a rollout between the reads tears it",
    "",
    Kind::Bug,
    |env| Box::pin(env.checked(main, check, summary)),
)
.with_story(story);

/// The versions the request saw (first read, second read).
pub async fn main(log: Log) -> (u64, u64) {
    let version = Rc::new(Cell::new(0u64));
    let admin = task::spawn_named("admin", {
        let (log, version) = (log.clone(), version.clone());
        async move {
            version.set(1);
            log.say("rolled out version 1");
            task::yield_now().await; // writing it to disk
            version.set(2);
            log.say("rolled out version 2");
        }
    });
    let request = task::spawn_named("request", {
        let (log, version) = (log.clone(), version.clone());
        async move {
            task::yield_now().await; // authenticating
            let picked = version.get();
            log.say(format!("picked the handler of version {picked}"));
            task::yield_now().await; // the handler runs
            let rendered = version.get();
            log.say(format!("rendered with version {rendered}"));
            (picked, rendered)
        }
    });
    admin.await.expect("the rollout completes");
    request.await.expect("the request completes")
}

/// Runs [`main`] under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<(u64, u64)>>, SimError> {
    crate::simulate(sim, main)
}

/// The property: a request that started under version 1 ends under it.
pub fn check(ran: &Ran<(u64, u64)>) -> Result<(), Violation> {
    let (picked, rendered) = ran.value;
    ensure!(
        !(picked == 1 && rendered == 2),
        "one-version-per-request",
        "the request picked its handler under version {picked} and rendered under {rendered}"
    );
    Ok(())
}

fn summary(r: &Ran<(u64, u64)>) -> String {
    format!("request saw versions {} then {}", r.value.0, r.value.1)
}

fn story(seed: u64) -> Result<crate::Story, crate::Failure> {
    super::hunt_story(
        &SCENARIO,
        seed,
        "An admin rolls a config out in two steps; a request reads it once to pick a handler, once to render.",
    )
}
