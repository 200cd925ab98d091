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
    println!();
    let width = lines
        .iter()
        .map(|l| l.task.len())
        .max()
        .unwrap_or(0)
        .min(28);
    for l in lines {
        let d = l.time.since_start();
        println!(
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
    println!();
    println!("result       {}", outcome.summary);
    println!(
        "virtual      {} ({} ns)",
        human::duration(r.elapsed),
        human::count(u64::try_from(r.elapsed.as_nanos()).unwrap_or(u64::MAX))
    );
    if r.elapsed.is_zero() {
        println!("wall         {}", human::duration(wall));
    } else {
        println!(
            "wall         {} ({} faster than real time)",
            human::duration(wall),
            human::speedup(r.elapsed, wall)
        );
    }
    println!("steps        {}", human::plural(r.steps, "poll"));
    println!("fingerprint  {}", r.fingerprint);
    println!(
        "schedule     {} choices, {} away from FIFO order",
        r.schedule.len(),
        r.schedule.deviations()
    );
    if !r.leaked.is_empty() {
        let names: Vec<String> = r.leaked.iter().map(ToString::to_string).collect();
        println!("leaked       {}", names.join(", "));
    }
    match &outcome.verdict {
        Ok(()) => println!("properties   all hold"),
        Err(v) => println!("properties   FAILED: {v}"),
    }
    println!(
        "replay       {}",
        replay_command(scenario.name, r.seed, &r.strategy.to_string())
    );
}
