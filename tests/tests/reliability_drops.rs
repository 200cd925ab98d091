//! A destructor that panics inside a simulation fails the run with a
//! `SimError` naming the task, the seed and the command that replays it,
//! whether the future is dropped after an abort, at the end of the run, or
//! is the root future. Nothing unwinds out of `Sim::run`, nothing is
//! swallowed, and a failure the panic accompanies keeps its own report.

use std::future::pending;

use simloop::harness::{EnvConfig, TestFailure, TestSpec, try_run_test};
use simloop::{Sim, SimError, Strategy, task};

/// Panics with `message` when dropped.
struct PanicsOnDrop(&'static str);

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("{}", self.0);
    }
}

/// A task holding a `PanicsOnDrop` while it waits forever.
async fn holds(guard: PanicsOnDrop) {
    let _guard = guard;
    pending::<()>().await;
}

#[test]
fn a_panic_while_an_aborted_task_is_dropped_fails_the_run() {
    let err = Sim::new(9)
        .run(async {
            let h = task::spawn_named("holder", holds(PanicsOnDrop("drop panicked during abort")));
            task::yield_now().await;
            h.abort();
            let _ = h.await;
            unreachable!("the run stops at the panic");
        })
        .unwrap_err();
    let SimError::TaskPanicked { task, message, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(task.name(), Some("holder"));
    assert!(
        message.starts_with("drop panicked during abort (at tests/tests/reliability_drops.rs:"),
        "{message}"
    );
    assert!(
        message.ends_with(" (while its future was dropped after abort())"),
        "{message}"
    );
    let text = err.to_string();
    assert!(
        text.starts_with("task 1 \"holder\" panicked: drop panicked during abort"),
        "{text}"
    );
    assert!(text.contains("seed 9, strategy fifo"), "{text}");
    assert!(text.ends_with("reproduce: rerun with SIMLOOP_SEED=9 SIMLOOP_STRATEGY=fifo (Sim::builder().seed(9).strategy(\"fifo\".parse()?))"), "{text}");
}

#[test]
fn a_panic_while_a_leaked_task_is_dropped_fails_a_run_that_passed() {
    let err = Sim::new(1)
        .run(async {
            task::spawn(holds(PanicsOnDrop("leaked guard")));
            task::yield_now().await;
            "the root finishes"
        })
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("task 1 panicked: leaked guard (at "),
        "{text}"
    );
    assert!(
        text.contains(" (while its future was dropped at the end of the run); seed 1"),
        "{text}"
    );
}

#[test]
fn a_panic_in_the_root_futures_drop_keeps_the_deadlock_it_follows() {
    let err = Sim::new(4)
        .run(async {
            let _guard = PanicsOnDrop("root guard");
            pending::<()>().await;
        })
        .unwrap_err();
    assert_eq!(err.kind(), "deadlock", "{err}");
    let text = err.to_string();
    let also = text
        .lines()
        .find(|l| l.starts_with("also: "))
        .unwrap_or_else(|| panic!("no also line: {text}"));
    assert!(
        also.starts_with(
            "also: task 0 \"main\" panicked while the root future was dropped: root guard (at "
        ),
        "{text}"
    );
    // The also line comes just before the reproduce line.
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[lines.len() - 1].starts_with("reproduce: "), "{text}");
    assert!(lines[lines.len() - 2].starts_with("also: "), "{text}");
}

/// A future that is ready at once and panics when dropped.
struct ReadyThenPanics;

impl std::future::Future for ReadyThenPanics {
    type Output = u32;
    fn poll(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<u32> {
        std::task::Poll::Ready(7)
    }
}

impl Drop for ReadyThenPanics {
    fn drop(&mut self) {
        panic!("root dropped");
    }
}

#[test]
fn a_panic_in_the_root_futures_drop_after_success_fails_the_run() {
    let err = Sim::new(2).run(ReadyThenPanics).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("task 0 \"main\" panicked: root dropped (at "),
        "{text}"
    );
    assert!(
        text.contains(" (while the root future was dropped); seed 2, strategy fifo"),
        "{text}"
    );
}

#[test]
fn several_drop_panics_are_all_reported() {
    let err = Sim::new(3)
        .run(async {
            task::spawn(holds(PanicsOnDrop("first")));
            task::spawn(holds(PanicsOnDrop("second")));
            task::yield_now().await;
        })
        .unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("task 1 panicked: first"), "{text}");
    assert!(
        text.contains("\nalso: task 2 panicked while its future was dropped at the end of the run: second (at "),
        "{text}"
    );
}

#[test]
fn in_the_harness_the_failure_names_the_seed_and_the_replay_command() {
    let spec = TestSpec::new(env!("CARGO_PKG_NAME"), module_path!(), "abort_drop")
        .source(file!(), env!("CARGO_MANIFEST_DIR"))
        .seeds(5)
        .strategy("random")
        .regressions(false);
    let failure = try_run_test(&spec, &EnvConfig::default(), |_| async {
        let h = task::spawn(holds(PanicsOnDrop("drop panicked during abort")));
        task::yield_now().await;
        h.abort();
        let _ = h.await;
    })
    .unwrap_err();
    let TestFailure::Failed(failed) = &failure else {
        panic!("{failure}");
    };
    assert_eq!(failed.strategy, Strategy::Random);
    let text = failure.to_string();
    assert!(text.contains("drop panicked during abort"), "{text}");
    assert!(
        text.contains(&format!(
            "SIMLOOP_SEED={} SIMLOOP_STRATEGY=random cargo test -p simloop-tests --test reliability_drops -- abort_drop --exact",
            failed.seed
        )) || text.contains(&format!("SIMLOOP_SEED={} SIMLOOP_SCHEDULE=", failed.seed)),
        "{text}"
    );
}
