//! Printing a run: its log with virtual timestamps and task names, and what
//! the run did.

use std::time::Duration;

use simloop_scenarios::log::Line;
use simloop_scenarios::{Outcome, Scenario, human, replay_command};

/// Prints the log after a blank line (nothing if it is empty), the task
/// names padded to the longest one.
pub fn log(lines: &[Line]) {
    if lines.is_empty() {
        return;
    }
    out!();
    let width = lines
        .iter()
        .map(|l| l.task.len())
        .max()
        .unwrap_or(0)
        .min(28);
    for l in lines {
        let d = l.time.since_start();
        out!(
            "[{:>7}.{:03}s] {:<width$}  {}",
            d.as_secs(),
            d.subsec_millis(),
            l.task,
            l.text
        );
    }
}

/// Prints what a run did, its verdict, and how to replay it.
pub fn outcome(scenario: &Scenario, outcome: &Outcome, wall: Duration) {
    let r = &outcome.report;
    out!();
    out!("result       {}", outcome.summary);
    out!(
        "virtual      {} ({} ns)",
        human::duration(r.elapsed),
        human::count(u64::try_from(r.elapsed.as_nanos()).unwrap_or(u64::MAX))
    );
    if r.elapsed.is_zero() {
        out!("wall         {}", human::duration(wall));
    } else {
        out!(
            "wall         {} ({} faster than real time)",
            human::duration(wall),
            human::speedup(r.elapsed, wall)
        );
    }
    out!("steps        {}", human::plural(r.steps, "poll"));
    out!("fingerprint  {}", r.fingerprint);
    out!(
        "schedule     {} choices, {} away from FIFO order",
        r.schedule.len(),
        r.schedule.deviations()
    );
    if !r.leaked.is_empty() {
        let names: Vec<String> = r.leaked.iter().map(ToString::to_string).collect();
        out!("leaked       {}", names.join(", "));
    }
    match &outcome.verdict {
        Ok(()) => out!("properties   all hold"),
        Err(v) => out!("properties   FAILED: {v}"),
    }
    out!(
        "replay       {}",
        replay_command(scenario.name, r.seed, &r.strategy.to_string())
    );
}
