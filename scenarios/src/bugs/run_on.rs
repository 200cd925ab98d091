//! # `run_on` — a bug that needs one task to keep running
//!
//! A `writer` commits a record in two stages: it bumps the version, awaits
//! the write-ahead log, then writes the checksum of the new version. An
//! `auditor` opens a session (three round trips) and then checks that the
//! checksum matches the version. In FIFO order the tasks take turns at every
//! await, so the writer's two stages are done long before the audit: every
//! seed passes. The audit fails only when the auditor runs its whole
//! session and check while the writer sits between its two stages.
//!
//! That takes one preemption (switching from the writer to the auditor
//! after the first stage) and then letting the auditor run on: several
//! deviations from FIFO order, since FIFO switches back at every await.
//! Exploration by deviations needs a schedule per combination of them;
//! exploration by preemptions finds it among the first schedules with one
//! preemption. The fix is to write version and checksum together (or make
//! the auditor wait for the commit).
//!
//! Measured over seeds 0 to 999 (`tests/bug_numbers.rs` checks that these
//! lines still hold):
//!
//! - FIFO: no failure in 1,000 seeds.
//! - Random: first failure at seed 7 (8 tried); 128 of 1,000 seeds fail; shrunk to `replay:2:1,3:1,4:1` (1 preemption, 3 deviations from FIFO order).
//! - PCT (depth 2): first failure at seed 11 (12 tried); 95 of 1,000 seeds fail; shrunk to `replay:2:1,3:1,4:1` (1 preemption, 3 deviations from FIFO order).
//! - PCT (depth 3): first failure at seed 14 (15 tried); 135 of 1,000 seeds fail; shrunk to `replay:2:1,3:1,4:1` (1 preemption, 3 deviations from FIFO order).
//! - Exploration by preemptions: first failure at schedule 4 (1 preemption, 3 deviations).
//! - Exploration by deviations: first failure at schedule 18 (2 preemptions, 3 deviations).
//!
//! Property checked: `checksum-matches`.

use std::cell::Cell;
use std::rc::Rc;

use simloop::{Report, Sim, SimError, task};

use crate::ensure;
use crate::log::Log;
use crate::{Kind, Ran, Scenario, Violation};

/// The scenario.
pub const SCENARIO: Scenario = Scenario::new(
    "run_on",
    "BUG: a two-stage commit is audited in between when the auditor runs on",
    "",
    Kind::Bug,
    |env| Box::pin(env.checked(main, check, summary)),
)
.with_story(story);

/// Round trips of the auditor's session before it checks.
pub const SESSION_ROUND_TRIPS: usize = 3;

/// What the audit saw: (version, checksum).
pub async fn main(log: Log) -> (u64, u64) {
    let version = Rc::new(Cell::new(0u64));
    let checksum = Rc::new(Cell::new(0u64));
    let writer = task::spawn_named("writer", {
        let (log, version, checksum) = (log.clone(), version.clone(), checksum.clone());
        async move {
            version.set(1);
            log.say("bumped the version to 1");
            task::yield_now().await; // the write-ahead log
            checksum.set(1);
            log.say("wrote the checksum of version 1");
        }
    });
    let auditor = task::spawn_named("auditor", {
        let (log, version, checksum) = (log.clone(), version.clone(), checksum.clone());
        async move {
            for _ in 0..SESSION_ROUND_TRIPS {
                task::yield_now().await; // opening the session
            }
            let seen = (version.get(), checksum.get());
            log.say(format!("audited version {} checksum {}", seen.0, seen.1));
            seen
        }
    });
    writer.await.expect("the writer completes");
    auditor.await.expect("the audit completes")
}

/// Runs [`main`] under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<(u64, u64)>>, SimError> {
    crate::simulate(sim, main)
}

/// The property.
pub fn check(ran: &Ran<(u64, u64)>) -> Result<(), Violation> {
    let (version, checksum) = ran.value;
    ensure!(
        version == checksum,
        "checksum-matches",
        "the audit saw version {version} with the checksum of version {checksum}"
    );
    Ok(())
}

fn summary(r: &Ran<(u64, u64)>) -> String {
    format!("audited version {} checksum {}", r.value.0, r.value.1)
}

fn story(seed: u64) -> Result<crate::Story, crate::Failure> {
    super::hunt_story(
        &SCENARIO,
        seed,
        "A writer commits a version, then its checksum; an auditor opens a session and compares them.",
    )
}
