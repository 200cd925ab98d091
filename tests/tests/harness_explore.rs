//! Bounded exhaustive exploration of small scenarios.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use simloop::harness::{Explorer, Order, Sweep};
use simloop::{Sim, Strategy, task};
use simloop_tests::programs::{self, locked_increments};

/// Every way to interleave sequences of the given lengths, as sequences of
/// (task, step) pairs.
fn interleavings(lengths: &[usize]) -> BTreeSet<Vec<(usize, usize)>> {
    fn go(
        done: &mut Vec<usize>,
        lengths: &[usize],
        acc: &mut Vec<(usize, usize)>,
        out: &mut BTreeSet<Vec<(usize, usize)>>,
    ) {
        if done.iter().zip(lengths).all(|(d, l)| d == l) {
            out.insert(acc.clone());
            return;
        }
        for t in 0..lengths.len() {
            if done[t] < lengths[t] {
                acc.push((t, done[t]));
                done[t] += 1;
                go(done, lengths, acc, out);
                done[t] -= 1;
                acc.pop();
            }
        }
    }
    let mut out = BTreeSet::new();
    go(
        &mut vec![0; lengths.len()],
        lengths,
        &mut Vec::new(),
        &mut out,
    );
    out
}

/// Task `t` logs `(t, 0)`, `(t, 1)`, ... with a yield between steps.
async fn logged_steps(lengths: &'static [usize], log: Rc<RefCell<Vec<(usize, usize)>>>) {
    let tasks: Vec<_> = lengths
        .iter()
        .enumerate()
        .map(|(t, &steps)| {
            let log = log.clone();
            task::spawn(async move {
                for step in 0..steps {
                    log.borrow_mut().push((t, step));
                    task::yield_now().await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

/// What exploring `logged_steps` found.
struct Explored {
    runs: usize,
    fingerprints: usize,
    orders: BTreeSet<Vec<(usize, usize)>>,
    complete: bool,
}

fn explore_orders(explorer: &Explorer, lengths: &'static [usize]) -> Explored {
    let seen = RefCell::new(BTreeSet::new());
    let exploration = explorer.run(|_| {
        let log = Rc::new(RefCell::new(Vec::new()));
        let seen = &seen;
        async move {
            logged_steps(lengths, log.clone()).await;
            seen.borrow_mut().insert(log.take());
        }
    });
    assert!(exploration.passed());
    Explored {
        runs: exploration.runs,
        fingerprints: exploration.distinct_fingerprints,
        orders: seen.into_inner(),
        complete: exploration.complete,
    }
}

#[test]
fn unbounded_exploration_finds_every_interleaving_once() {
    for lengths in [&[2, 2][..], &[1, 2, 1], &[2, 2, 2]] {
        let e = explore_orders(&Explorer::new(Sim::new(0)), lengths);
        assert!(e.complete);
        // Each schedule ran once, and each was a different run.
        assert_eq!(e.fingerprints, e.runs, "{lengths:?}");
        // Every order of the logged steps came up.
        assert_eq!(e.orders, interleavings(lengths), "{lengths:?}");
    }
}

#[test]
fn the_deviation_bound_limits_the_schedules() {
    let lengths = &[2, 2, 2];
    let fifo = explore_orders(&Explorer::new(Sim::new(0)).max_deviations(0), lengths);
    assert!(fifo.complete);
    assert_eq!(fifo.runs, 1);
    assert_eq!(fifo.orders.len(), 1);
    let mut previous = 1;
    for bound in 1..4 {
        let e = explore_orders(&Explorer::new(Sim::new(0)).max_deviations(bound), lengths);
        assert!(e.complete);
        assert_eq!(e.runs, e.fingerprints);
        assert!(e.runs > previous, "bound {bound}: {} runs", e.runs);
        assert!(e.orders.is_subset(&interleavings(lengths)));
        previous = e.runs;
    }
}

#[test]
fn the_run_budget_stops_the_search() {
    let e = explore_orders(&Explorer::new(Sim::new(0)).max_runs(7), &[2, 2, 2]);
    assert_eq!(e.runs, 7);
    assert!(!e.complete);
}

/// Increments a counter across a yield, the second worker a step late;
/// `locked` holds a lock from each read to its write.
async fn lost_update(locked: bool) {
    if locked {
        assert_eq!(locked_increments([0, 1]).await, 2, "lost update");
    } else {
        programs::lost_update([0, 1]).await;
    }
}

#[test]
fn exploration_finds_the_lost_update_with_the_fewest_deviations_first() {
    let by_deviations = Explorer::new(Sim::new(0)).order(Order::Deviations);
    let exploration = by_deviations.run(|_| lost_update(false));
    assert!(exploration.complete);
    assert!(!exploration.passed());
    let first = &exploration.failures[0];
    assert_eq!(first.schedule.deviations(), 1);
    let fewest = exploration
        .failures
        .iter()
        .map(|f| f.schedule.deviations())
        .min();
    assert_eq!(fewest, Some(1));
    // Every failing schedule replays to the same failure.
    for f in &exploration.failures {
        let replay = Sim::builder()
            .strategy(Strategy::Replay(f.schedule.clone()))
            .build();
        assert_eq!(replay.run(lost_update(false)).unwrap_err().kind(), "panic");
    }
    let stopped = Explorer::new(Sim::new(0))
        .stop_at_first_failure(true)
        .run(|_| lost_update(false));
    assert_eq!(stopped.failures.len(), 1);
    assert!(!stopped.complete);
}

#[test]
fn with_the_lock_every_interleaving_passes() {
    let exploration = Explorer::new(Sim::new(0)).run(|_| lost_update(true));
    assert!(exploration.complete);
    assert!(
        exploration.passed(),
        "{:?}",
        exploration.failures.first().map(|f| &f.error)
    );
    assert!(exploration.runs > 10, "{} runs", exploration.runs);
    // A random sweep samples some of the same interleavings, no more.
    let sweep = Sweep::new().seeds(0..200).run(|_| lost_update(true));
    assert!(sweep.passed());
    assert!(sweep.distinct_fingerprints <= exploration.distinct_fingerprints);
}
