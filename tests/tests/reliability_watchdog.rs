//! The watchdog names a task stuck in one poll, with the seed and the
//! command that replays the run.
//!
//! A stuck poll here waits on a channel that only the watchdog's report
//! fills, so the test takes as long as the watchdog's limit (1 ms) and does
//! not depend on timing: whatever the machine's load, the report comes, and
//! the poll returns after it.

use std::sync::mpsc;
use std::time::Duration;

use simloop::{Sim, Strategy, task, time};

#[test]
fn a_task_stuck_in_a_poll_is_reported_by_name_with_the_seed() {
    let (tx, rx) = mpsc::sync_channel(4);
    let sim = Sim::builder()
        .seed(17)
        .strategy(Strategy::Random)
        .watchdog(Duration::from_millis(1))
        .watchdog_report(move |report| {
            let _ = tx.try_send(report.to_owned());
        })
        .build();
    let report = sim
        .run(async move {
            time::sleep(Duration::from_secs(2)).await;
            let spinner = task::spawn_named("spinner", async move {
                // Stands for a loop that never awaits: the poll returns
                // only once the watchdog has reported it.
                rx.recv().expect("the watchdog reports")
            });
            spinner.await.unwrap()
        })
        .unwrap();
    assert!(
        report.starts_with(
            "simloop watchdog: task 1 \"spinner\" has not returned from one poll for "
        ),
        "{report}"
    );
    assert!(
        report.contains("s of real time (seed 17, strategy random, step "),
        "{report}"
    );
    assert!(report.contains("at virtual t=2s)"), "{report}");
    assert!(
        report.ends_with(
            "simloop cannot interrupt a poll: the task loops or blocks its thread without \
             awaiting anything. Replay it with SIMLOOP_SEED=17 SIMLOOP_STRATEGY=random."
        ),
        "{report}"
    );
}

#[test]
fn a_stuck_root_is_reported_as_main() {
    let (tx, rx) = mpsc::sync_channel(4);
    let sim = Sim::builder()
        .watchdog(Duration::from_millis(1))
        .watchdog_report(move |report| {
            let _ = tx.try_send(report.to_owned());
        })
        .build();
    let report = sim.run(async move { rx.recv().unwrap() }).unwrap();
    assert!(
        report.starts_with("simloop watchdog: task 0 \"main\" has not returned"),
        "{report}"
    );
    assert!(
        report.contains("seed 0, strategy fifo, step 1,"),
        "{report}"
    );
}
