//! Shrinking failing interleavings of small buggy programs to their minimal
//! deviations from FIFO order.

use std::rc::Rc;

use futures::lock::Mutex;
use simloop::harness::{Shrinker, Sweep, same_failure};
use simloop::{Schedule, Sim, Strategy, task};
use simloop_tests::programs::lost_update;

/// Two tasks take two locks in opposite orders, the second one a step later:
/// FIFO order lets the first finish before the second starts, other orders
/// deadlock.
async fn lock_order_deadlock() {
    let a = Rc::new(Mutex::new(0));
    let b = Rc::new(Mutex::new(0));
    let (a1, b1) = (a.clone(), b.clone());
    let first = task::spawn_named("a-then-b", async move {
        let mut ga = a1.lock().await;
        task::yield_now().await;
        let mut gb = b1.lock().await;
        *ga += 1;
        *gb += 1;
    });
    let second = task::spawn_named("b-then-a", async move {
        task::yield_now().await;
        let mut gb = b.lock().await;
        task::yield_now().await;
        let mut ga = a.lock().await;
        *ga += 1;
        *gb += 1;
    });
    first.await.unwrap();
    second.await.unwrap();
}

fn fifo_passes<F: std::future::Future<Output = ()>>(scenario: F) {
    Sim::new(0).run(scenario).expect("FIFO order passes");
}

/// Sweeps `scenario` with random scheduling and returns the shrunk first
/// failure, checking that it replays from its text form.
fn sweep_and_shrink<F>(
    scenario: impl Fn() -> F + Sync,
    seeds: u64,
    kind: &str,
) -> Vec<(u64, usize, usize, u64)>
where
    F: std::future::Future<Output = ()>,
{
    let report = Sweep::new()
        .seeds(0..seeds)
        .jobs(2)
        .stop_at_first_failure(false)
        .shrink(false)
        .run(|_| scenario());
    assert!(
        !report.passed(),
        "random scheduling finds the bug: {report}"
    );
    report
        .failures
        .iter()
        .take(5)
        .map(|f| {
            let sim = Sim::builder()
                .seed(f.seed)
                .strategy(Strategy::Random)
                .build();
            let failed = sim.run_recorded(scenario()).unwrap_err();
            assert_eq!(failed.error, f.error, "the sweep's failure replays alone");
            assert_eq!(f.error.kind(), kind, "{}", f.error);
            let shrunk = Shrinker::new()
                .shrink(&sim, &failed.error, &failed.schedule, |_| scenario())
                .unwrap();
            assert!(!shrunk.budget_exhausted);
            assert!(same_failure(&shrunk.error, &f.error));
            // The text form (SIMLOOP_SCHEDULE) replays the same failure.
            let text = shrunk.schedule.to_string();
            let parsed: Schedule = text.parse().unwrap();
            let replay = sim.to_builder().strategy(Strategy::Replay(parsed)).build();
            let again = replay.run(scenario()).unwrap_err();
            assert!(same_failure(&again, &f.error), "{text}: {again}");
            (
                f.seed,
                shrunk.original_deviations,
                shrunk.deviations(),
                shrunk.preemptions,
            )
        })
        .collect()
}

#[test]
fn a_lost_update_shrinks_to_one_preemption() {
    fifo_passes(lost_update([0, 1]));
    for (seed, before, after, preemptions) in sweep_and_shrink(|| lost_update([0, 1]), 64, "panic")
    {
        // One worker is switched away from between its read and its write.
        assert_eq!(
            (preemptions, after),
            (1, 2),
            "seed {seed}: {before} deviations shrank to {after} with {preemptions} preemptions"
        );
    }
}

#[test]
fn a_lost_update_among_many_workers_shrinks_to_one_preemption() {
    fifo_passes(lost_update([0, 1, 2, 3, 4, 5]));
    let shrunk = sweep_and_shrink(|| lost_update([0, 1, 2, 3, 4, 5]), 64, "panic");
    assert!(
        shrunk.iter().any(|&(_, before, ..)| before > 5),
        "random runs deviate often: {shrunk:?}"
    );
    for (seed, before, after, preemptions) in shrunk {
        assert_eq!(
            preemptions, 1,
            "seed {seed}: {before} deviations shrank to {after} with {preemptions} preemptions"
        );
    }
}

#[test]
fn a_bug_that_needs_a_worker_to_run_on_keeps_one_preemption() {
    // The second worker must run twice in a row to read before the first
    // one writes: two deviations from FIFO's turn-taking, one preemption.
    fifo_passes(lost_update([0, 2]));
    for (seed, before, after, preemptions) in sweep_and_shrink(|| lost_update([0, 2]), 64, "panic")
    {
        assert_eq!(
            preemptions, 1,
            "seed {seed}: {before} deviations shrank to {after} with {preemptions} preemptions"
        );
        assert!(after >= 2, "seed {seed}: {after} deviations");
    }
}

#[test]
fn a_lock_order_deadlock_shrinks_to_one_preemption() {
    fifo_passes(lock_order_deadlock());
    for (seed, before, after, preemptions) in sweep_and_shrink(lock_order_deadlock, 64, "deadlock")
    {
        assert_eq!(
            preemptions, 1,
            "seed {seed}: {before} deviations shrank to {after} with {preemptions} preemptions"
        );
    }
}

#[test]
fn a_failure_under_fifo_order_shrinks_to_no_deviation() {
    // Without the stagger, FIFO order itself loses the update.
    let sim = Sim::builder().seed(3).strategy(Strategy::Random).build();
    let failed = sim.run_recorded(lost_update([0, 0, 0])).unwrap_err();
    assert!(failed.schedule.deviations() > 0);
    let shrunk = Shrinker::new()
        .shrink(&sim, &failed.error, &failed.schedule, |_| {
            lost_update([0, 0, 0])
        })
        .unwrap();
    assert_eq!(shrunk.deviations(), 0);
    assert_eq!(shrunk.schedule.to_string(), "fifo");
    assert_eq!(
        shrunk.runs, 2,
        "one replay to confirm, one of plain FIFO order"
    );
}

#[test]
fn the_shrink_budget_bounds_the_replays() {
    let scenario = || lost_update([0, 1, 2, 3, 4, 5]);
    let (sim, failed) = (0..64)
        .map(|seed| Sim::builder().seed(seed).strategy(Strategy::Random).build())
        .find_map(|sim| {
            let failed = sim.run_recorded(scenario()).err()?;
            (failed.schedule.deviations() >= 4).then_some((sim, failed))
        })
        .expect("a failing run with several deviations");
    let shrunk = Shrinker::new()
        .max_runs(3)
        .shrink(&sim, &failed.error, &failed.schedule, |_| scenario())
        .unwrap();
    assert_eq!(shrunk.runs, 3);
    assert!(shrunk.budget_exhausted);
    assert!(shrunk.deviations() <= failed.schedule.deviations());
}
