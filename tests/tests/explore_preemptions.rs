//! Exploration by preemption bound (iterative context bounding): every
//! schedule with at most `p` preemptions, each once, fewest first; per-run
//! data; and the measured room for partial-order reduction.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use simloop::harness::{Explorer, Order};
use simloop::{Sim, Strategy, task};
use simloop_tests::programs;

/// `tasks` tasks, each yielding `steps` times with nothing shared.
async fn independent(tasks: usize, steps: usize) {
    let handles: Vec<_> = (0..tasks)
        .map(|_| {
            task::spawn(async move {
                for _ in 0..steps {
                    task::yield_now().await;
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
}

/// A writer sets a version, yields, sets the checksum; an auditor yields
/// `session` times, then compares them. The audit fails only if the auditor
/// runs its whole session between the writer's two steps.
async fn audit(session: usize) {
    let (version, checksum) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
    let writer = task::spawn({
        let (version, checksum) = (version.clone(), checksum.clone());
        async move {
            version.set(1);
            task::yield_now().await;
            checksum.set(1);
        }
    });
    let auditor = task::spawn(async move {
        for _ in 0..session {
            task::yield_now().await;
        }
        assert_eq!(version.get(), checksum.get(), "torn commit");
    });
    writer.await.unwrap();
    auditor.await.unwrap();
}

/// Every schedule of the full enumeration, by its preemptions.
fn preemptions_of_every_schedule(
    make: impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>,
) -> BTreeMap<u64, usize> {
    let all = Explorer::new(Sim::new(0))
        .order(Order::Deviations)
        .run(|_| make());
    assert!(all.complete);
    let mut by = BTreeMap::new();
    for run in &all.runs_made {
        *by.entry(run.preemptions).or_insert(0) += 1;
    }
    by
}

#[test]
fn a_preemption_bound_runs_exactly_the_schedules_within_it_once_each() {
    let make =
        || Box::pin(independent(3, 2)) as std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>;
    let by_preemptions = preemptions_of_every_schedule(make);
    assert!(by_preemptions.len() > 2, "{by_preemptions:?}");
    for bound in 0..3u64 {
        let within: usize = by_preemptions.range(..=bound).map(|(_, n)| n).sum();
        let e = Explorer::new(Sim::new(0))
            .max_preemptions(bound as usize)
            .run(|_| make());
        assert!(e.complete);
        assert_eq!(e.runs, within, "bound {bound}: {by_preemptions:?}");
        assert!(e.runs_made.iter().all(|r| r.preemptions <= bound));
        // Fewest preemptions first.
        let order: Vec<u64> = e.runs_made.iter().map(|r| r.preemptions).collect();
        assert!(order.windows(2).all(|w| w[0] <= w[1]), "{order:?}");
        // Each schedule once: every run differs.
        assert_eq!(e.distinct_fingerprints, e.runs);
    }
}

#[test]
fn a_bug_that_needs_a_task_to_run_on_is_reached_with_one_preemption() {
    let session = 4;
    let by_preemptions = Explorer::new(Sim::new(0))
        .stop_at_first_failure(true)
        .run(|_| audit(session));
    let by_deviations = Explorer::new(Sim::new(0))
        .order(Order::Deviations)
        .stop_at_first_failure(true)
        .run(|_| audit(session));
    let first = &by_preemptions.failures[0];
    assert_eq!(first.preemptions, 1);
    assert!(
        first.schedule.deviations() >= session - 1,
        "{}",
        first.schedule
    );
    let (p, d) = (
        by_preemptions.failing_run().unwrap(),
        by_deviations.failing_run().unwrap(),
    );
    assert!(p * 3 < d, "by preemptions: run {p}; by deviations: run {d}");
    // The failing schedule replays the failure.
    let replay = Sim::builder()
        .strategy(Strategy::Replay(first.schedule.clone()))
        .build();
    assert!(
        replay
            .run(audit(session))
            .unwrap_err()
            .to_string()
            .contains("torn commit")
    );
}

#[test]
fn every_run_is_recorded_with_its_outcome_and_the_failing_run_is_named() {
    let e = Explorer::new(Sim::new(0))
        .max_preemptions(1)
        .run(|_| programs::lost_update([0, 1]));
    assert_eq!(e.runs_made.len(), e.runs);
    assert!(!e.failures.is_empty());
    let failing: BTreeSet<usize> = e.failures.iter().map(|f| f.run).collect();
    for (i, run) in e.runs_made.iter().enumerate() {
        assert_eq!(
            run.outcome.is_failure(),
            failing.contains(&i),
            "run {i}: {run}"
        );
        assert_eq!(run.seed, 0);
        assert!(run.steps > 0 && run.choices > 0);
    }
    for f in &e.failures {
        assert_eq!(e.runs_made[f.run].preemptions, f.preemptions);
    }
}

/// Partial-order reduction (sleep sets, DPOR) would run one schedule per
/// class of schedules that only reorder independent steps. The explorer
/// cannot tell which steps are independent (a step may touch any shared
/// state), so it runs them all: here every one of them is equivalent.
#[test]
fn without_partial_order_reduction_independent_steps_are_all_interleaved() {
    let e = Explorer::new(Sim::new(0)).run(|_| independent(3, 2));
    assert!(e.complete && e.passed());
    // Three tasks of three polls each (two yields, then the end), and the
    // root's polls: sleep sets would need one schedule, the explorer runs
    // every interleaving (4,875 of them).
    println!("{} schedules of independent steps", e.runs);
    assert!(e.runs > 1000, "{} runs", e.runs);
}
