//! A failure in task terms: the cause line of a knock-on failure, and each
//! choice of a shrunk schedule (task choices and tied timers) in the names
//! of the tasks involved.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use simloop::harness::Sweep;
use simloop::harness::explain::{cause_line, schedule_lines};
use simloop::{ChoiceKind, Sim, Strategy, task, time};

/// Two tasks sleep until the same instant; the one whose timer fires first
/// records itself.
async fn tied_timers(first: Rc<Cell<Option<&'static str>>>) {
    let spawn = |name: &'static str| {
        let first = first.clone();
        task::spawn_named(name, async move {
            time::sleep(Duration::from_millis(50)).await;
            if first.get().is_none() {
                first.set(Some(name));
            }
        })
    };
    let (a, b) = (spawn("early"), spawn("late"));
    a.await.unwrap();
    b.await.unwrap();
}

#[test]
fn a_tied_timer_choice_names_the_tasks_whose_timers_tied() {
    let first = Rc::new(Cell::new(None));
    let timer_choice = {
        let first = first.clone();
        let report = Sim::builder()
            .trace(true)
            .build()
            .run_report(tied_timers(first))
            .unwrap();
        report
            .schedule
            .choices()
            .iter()
            .position(|c| c.kind == ChoiceKind::Timer)
            .expect("the two timers tie")
    };
    assert_eq!(
        first.get(),
        Some("early"),
        "FIFO fires the first armed timer first"
    );

    let schedule = format!("{timer_choice}:1").parse().unwrap();
    first.set(None);
    let report = Sim::builder()
        .trace(true)
        .strategy(Strategy::Replay(schedule))
        .build()
        .run_report(tied_timers(first.clone()))
        .unwrap();
    assert_eq!(first.get(), Some("late"));
    let lines = schedule_lines(&report.decisions);
    assert_eq!(
        lines,
        vec![format!(
            "choice {timer_choice} at step {}: the timer of `late` fired before the timer of `early` (both due at that instant)",
            report
                .decisions
                .iter()
                .find(|d| d.kind == ChoiceKind::Timer)
                .unwrap()
                .step
        )]
    );
}

#[test]
fn a_sweep_failure_explains_its_cause_and_its_shrunk_choices_in_task_names() {
    // `writer` reads, yields, writes; `refresh` overwrites in between only
    // if it runs before `writer`'s write: then `main`'s join fails.
    let report = Sweep::new()
        .seeds(0..200)
        .shrink(true)
        .stop_at_first_failure(true)
        .run(|_| async {
            let value = Rc::new(Cell::new(0));
            let v = value.clone();
            let writer = task::spawn_named("writer", async move {
                let read = v.get();
                task::yield_now().await;
                assert_eq!(v.get(), read, "the value changed under the writer");
                v.set(read + 1);
            });
            let v = value.clone();
            let refresh = task::spawn_named("refresh", async move { v.set(10) });
            refresh.await.unwrap();
            writer.await.expect("the writer finishes");
        });
    let failure = report
        .first_failure()
        .expect("some order breaks the writer");
    let lines = failure.explanation();
    assert!(
        lines[0].starts_with(r#"cause: task 1 "writer" panicked: assertion `left == right` failed: the value changed under the writer"#),
        "{lines:#?}"
    );
    assert!(
        !lines[0].contains("more panic"),
        "main's panic is the failure itself: {lines:#?}"
    );
    assert!(
        lines[1..].iter().any(|l| l.contains("ran `refresh`")),
        "{lines:#?}"
    );
    for line in &lines[1..] {
        assert!(!line.contains("task "), "choices in names: {line}");
    }
}

#[test]
fn the_cause_line_counts_the_panics_that_followed_other_than_the_failure() {
    let failed = Sim::new(0)
        .run_recorded(async {
            let a = task::spawn_named("a", async { panic!("first") });
            let b = task::spawn_named("b", async { panic!("second") });
            let _ = b.await;
            a.await.expect("a finishes");
        })
        .unwrap_err();
    assert_eq!(failed.panics.len(), 3, "a, b, then main");
    let line = cause_line(&failed.error, &failed.panics).unwrap();
    assert!(
        line.starts_with(r#"cause: task 1 "a" panicked: first"#),
        "{line}"
    );
    assert!(line.ends_with(" (1 more panic followed)"), "{line}");
}
