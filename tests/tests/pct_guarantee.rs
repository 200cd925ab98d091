//! PCT keeps the guarantee of Burckhardt et al. (ASPLOS 2010): on a program
//! with `n` tasks whose runs make `k` scheduling choices, a bug of depth `d`
//! shows up in at least a `1 / (n * k^(d-1))` share of the seeds, because a
//! sweep draws the change points within the measured run length.
//!
//! The programs are reorder-style: tasks that write two shared cells in
//! turn across a yield, and a checker that reads them. The seeds are fixed,
//! so the counts are deterministic; the number of seeds is chosen so that
//! the bound predicts at least 40 hits (a standard deviation of at most a
//! sixth of the expected count), and the test asserts the measured rate is
//! at least the bound, with `k` the longest run the sweep made.

use std::cell::Cell;
use std::rc::Rc;

use simloop::harness::Sweep;
use simloop::{Strategy, task};

/// Depth 2 (two orderings: a setter's first write before the checker's
/// first read, the checker's second read before that setter's second
/// write). `setters` setters write `a = 1`, yield, `b = 1`; the checker
/// yields, reads `a`, yields, reads `b`, and fails on `a == 1, b == 0`.
/// Tasks: the root, the setters, the checker.
async fn reorder(setters: usize) {
    let (a, b) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
    let mut tasks: Vec<_> = (0..setters)
        .map(|_| {
            let (a, b) = (a.clone(), b.clone());
            task::spawn(async move {
                a.set(1);
                task::yield_now().await;
                b.set(1);
            })
        })
        .collect();
    let checker = task::spawn({
        let (a, b) = (a.clone(), b.clone());
        async move {
            task::yield_now().await;
            let seen_a = a.get();
            task::yield_now().await;
            let seen_b = b.get();
            assert!(!(seen_a == 1 && seen_b == 0), "reordered: a set, b not");
        }
    });
    tasks.push(checker);
    for t in tasks {
        t.await.unwrap();
    }
}

/// Depth 3 (three orderings: write 1, first read, write 2, second read).
/// Tasks: the root, the writer, the reader.
async fn torn_read() {
    let x = Rc::new(Cell::new(0));
    let writer = task::spawn({
        let x = x.clone();
        async move {
            x.set(1);
            task::yield_now().await;
            x.set(2);
        }
    });
    let reader = task::spawn({
        let x = x.clone();
        async move {
            task::yield_now().await;
            let first = x.get();
            task::yield_now().await;
            let second = x.get();
            assert!(!(first == 1 && second == 2), "torn: saw 1 then 2");
        }
    });
    writer.await.unwrap();
    reader.await.unwrap();
}

/// Sweeps `make` under PCT of `depth` and checks the measured hit rate
/// against the bound for `tasks` tasks; returns (hits, seeds, bound).
fn check_bound<M, F>(depth: u32, tasks: u64, make: M) -> (u64, u64, f64)
where
    M: Fn(u64) -> F + Sync,
    F: std::future::Future<Output = ()>,
{
    let sweep = Sweep::new()
        .strategy(Strategy::Pct { depth })
        .stop_at_first_failure(false)
        .shrink(false)
        .progress(false);
    // A first estimate of k sizes the sweep; the bound uses the longest run
    // the sweep actually made.
    let Strategy::PctWithin { steps, .. } = *sweep
        .calibrated(&make)
        .expect("PCT is calibrated")
        .base_sim()
        .strategy()
    else {
        panic!("calibration gives PctWithin");
    };
    let bound_for = |k: u64| 1.0 / (tasks as f64 * (k as f64).powi(depth as i32 - 1));
    let seeds = (40.0 / bound_for(steps * 2)).ceil() as u64;
    let report = sweep.seeds(0..seeds).run(&make);
    let steps = report.runs.iter().map(|r| r.choices).max().unwrap() as u64;
    let bound = bound_for(steps);
    let hits = report.failures.len() as u64;
    let rate = hits as f64 / seeds as f64;
    println!(
        "depth {depth}, n {tasks}, k {steps}: {hits} of {seeds} seeds ({rate:.4}), bound {bound:.4}"
    );
    assert!(
        rate >= bound,
        "{hits} hits in {seeds} seeds: rate {rate:.5} below the bound {bound:.5} (n {tasks}, k {steps}, d {depth})"
    );
    (hits, seeds, bound)
}

#[test]
fn a_depth_two_reorder_is_found_at_least_as_often_as_the_bound_says() {
    for setters in [1, 3] {
        check_bound(2, setters as u64 + 2, move |_| reorder(setters));
    }
}

#[test]
fn a_depth_three_torn_read_is_found_at_least_as_often_as_the_bound_says() {
    check_bound(3, 3, |_| torn_read());
}

#[test]
fn pct_of_a_smaller_depth_than_the_bug_never_finds_it() {
    let report = Sweep::new()
        .strategy(Strategy::Pct { depth: 2 })
        .seeds(0..500)
        .stop_at_first_failure(false)
        .shrink(false)
        .progress(false)
        .run(|_| torn_read());
    assert_eq!(report.failures.len(), 0);
    assert_eq!(report.runs.len(), 500);
}

#[test]
fn a_failure_names_the_measured_length_and_replays_from_it() {
    let report = Sweep::new()
        .strategy(Strategy::Pct { depth: 3 })
        .seeds(0..2000)
        .progress(false)
        .run(|_| torn_read());
    let failure = report.first_failure().expect("PCT of depth 3 finds it");
    let Strategy::PctWithin { depth: 3, steps } = failure.strategy else {
        panic!("{}", failure.strategy);
    };
    assert!(
        failure
            .error
            .to_string()
            .contains(&format!("pct:3:{steps}"))
    );
    // The named strategy replays the failure from the seed alone.
    let replay = Sweep::new()
        .strategy(failure.strategy.clone())
        .seeds(failure.seed..failure.seed + 1)
        .shrink(false)
        .run(|_| torn_read());
    assert_eq!(replay.failures.len(), 1);
    // The run index points at the failing run's record.
    let record = &report.runs[failure.run];
    assert_eq!(record.seed, failure.seed);
    assert!(record.outcome.is_failure());
}
