//! Coverage you can assert: `sometimes!` and `reachable!` counted across a
//! sweep, deterministically; a point that never held fails the sweep (and a
//! `#[simloop::test]`), naming its label; the summary lists every label.

use std::cell::Cell;
use std::rc::Rc;

use simloop::harness::{EnvConfig, PointKind, Sweep, TestFailure, TestSpec, try_run_test};
use simloop::task;

/// Two racy increments; marks whether an update was lost, and reaches
/// `both landed` otherwise.
async fn racy() -> usize {
    let counter = Rc::new(Cell::new(0));
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let counter = counter.clone();
            task::spawn(async move {
                let read = counter.get();
                task::yield_now().await;
                counter.set(read + 1);
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let count = counter.get();
    simloop::sometimes!(count == 1, "an update was lost");
    if count == 2 {
        simloop::reachable!("both landed");
    }
    count
}

fn sweep(jobs: usize) -> Sweep {
    Sweep::new().seeds(0..200).jobs(jobs).progress(false)
}

#[test]
fn points_are_counted_per_run_the_same_way_on_any_number_of_threads() {
    let lost = std::sync::atomic::AtomicU64::new(0);
    let report = sweep(2).run(|_| async {
        if racy().await == 1 {
            lost.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    });
    assert!(report.passed(), "{report}");
    let hits = report.coverage.get("an update was lost").unwrap();
    assert_eq!(hits.kind, PointKind::Sometimes);
    assert_eq!(hits.runs_evaluated, 200);
    assert_eq!(hits.runs_held, lost.into_inner());
    assert!(hits.runs_held > 0 && hits.runs_held < 200, "{hits:?}");
    let landed = report.coverage.get("both landed").unwrap();
    assert_eq!(landed.kind, PointKind::Reachable);
    assert_eq!(landed.runs_held, 200 - hits.runs_held);
    let single = sweep(1).run(|_| async {
        racy().await;
    });
    assert_eq!(single.coverage, report.coverage);
    // The summary prints every label's count.
    let summary = report.to_string();
    assert!(
        summary.contains(&format!(
            "sometimes `an update was lost`: held in {} runs of 200 evaluating it",
            hits.runs_held
        )),
        "{summary}"
    );
    assert!(
        summary.contains(&format!(
            "reachable `both landed`: reached in {} runs",
            landed.runs_held
        )),
        "{summary}"
    );
}

#[test]
fn a_condition_that_never_holds_fails_the_sweep_by_name() {
    let report = sweep(2).run(|_| async {
        let count = racy().await;
        simloop::sometimes!(count == 3, "a phantom update");
    });
    assert!(report.failures.is_empty());
    assert!(!report.passed());
    assert_eq!(report.coverage.missing(), vec!["a phantom update"]);
    assert!(
        report
            .to_string()
            .contains("sometimes `a phantom update` never held (evaluated in 200 runs)")
    );
}

#[test]
fn a_declared_point_no_run_reaches_is_missing() {
    let report = sweep(2)
        .expect_reachable(["both landed", "retried"])
        .run(|_| async {
            racy().await;
        });
    assert_eq!(report.coverage.missing(), vec!["retried"]);
    assert!(
        report
            .to_string()
            .contains("reachable `retried` never reached")
    );
}

#[test]
fn a_sweep_that_stops_at_a_failure_counts_the_runs_up_to_it() {
    let report = sweep(2).run(|seed| async move {
        simloop::reachable!("ran");
        assert!(seed != 5, "seed five fails");
    });
    assert_eq!(report.seeds_run, 6);
    assert_eq!(report.coverage.get("ran").unwrap().runs_held, 6);
    assert_eq!(report.runs.len(), 6);
    assert_eq!(report.first_failure().unwrap().run, 5);
}

#[test]
fn outside_a_sweep_the_macros_only_evaluate() {
    let out = simloop::Sim::new(0)
        .run(async { simloop::sometimes!(1 + 1 == 2, "arithmetic") })
        .unwrap();
    assert!(out);
}

#[test]
fn a_scenario_test_fails_when_a_point_never_held() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TestSpec::new("simloop-tests", "coverage_assertions", "phantom")
        .seeds(50)
        .regressions_dir(dir.path());
    let env = EnvConfig::from_lookup(|_| None).unwrap();
    let failure = try_run_test(&spec, &env, |_| async {
        let count = racy().await;
        simloop::sometimes!(count == 3, "a phantom update");
    })
    .unwrap_err();
    let TestFailure::Coverage { missing, seeds, .. } = &failure else {
        panic!("{failure}");
    };
    assert_eq!(missing, &["a phantom update"]);
    assert_eq!(*seeds, 50);
    assert!(
        failure.to_string().contains("`a phantom update`"),
        "{failure}"
    );
}
