//! A failure in task terms: the cause of a failing run (its first task
//! panic, wherever the failure showed) and a shrunk schedule's choices as
//! "at step 12 `writer` ran instead of `refresh`".
//!
//! The data comes with every failure ([`SeedFailure::panics`],
//! [`Shrunk::panics`], [`Shrunk::decisions`]); the functions here render it
//! for the failure report.
//!
//! [`SeedFailure::panics`]: super::SeedFailure::panics
//! [`Shrunk::panics`]: super::Shrunk::panics
//! [`Shrunk::decisions`]: super::Shrunk::decisions

use crate::error::{SimError, TaskPanic};
use crate::schedule::{ChoiceKind, Decision};
use crate::task::TaskInfo;

/// The line naming a failing run's cause, when its first task panic is not
/// the failure itself (the failure is a knock-on error: a task that awaited
/// the panicked one, a deadlock, a time limit): `cause: task 2 "writer"
/// panicked: index out of range (at src/lib.rs:10:5) at virtual 0s (step
/// 4)`, and how many more panics followed (other than the failure itself).
/// `None` when the run had no panic or the failure is that very panic.
///
/// ```
/// use simloop::{Sim, task, harness::explain::cause_line};
///
/// let failed = Sim::new(0).run_recorded(async {
///     let writer = task::spawn_named("writer", async { panic!("bad write") });
///     writer.await.expect("the writer finishes"); // the knock-on failure
/// }).unwrap_err();
/// let line = cause_line(&failed.error, &failed.panics).unwrap();
/// assert!(line.starts_with("cause: task 1 \"writer\" panicked: bad write (at "), "{line}");
/// ```
pub fn cause_line(error: &SimError, panics: &[TaskPanic]) -> Option<String> {
    let first = panics.first()?;
    if is_the_failure(error, first) {
        return None;
    }
    let more = match panics[1..]
        .iter()
        .filter(|p| !is_the_failure(error, p))
        .count()
    {
        0 => String::new(),
        1 => " (1 more panic followed)".to_owned(),
        n => format!(" ({n} more panics followed)"),
    };
    Some(format!("cause: {first}{more}"))
}

/// Whether `panic` is the failure `error` reports (rather than a panic the
/// failure only followed from).
pub fn is_the_failure(error: &SimError, panic: &TaskPanic) -> bool {
    matches!(error, SimError::TaskPanicked { task, message, .. }
        if task.id() == panic.task.id() && message.starts_with(&panic.message))
}

fn name(task: &TaskInfo) -> String {
    match task.name() {
        Some(name) => format!("`{name}`"),
        None => format!("task {}", task.id().as_u64()),
    }
}

/// One line per choice of a shrunk schedule that differs from FIFO order or
/// preempts a task: `choice 3 at step 12: ran `writer` instead of `refresh``,
/// with `, preempting `reader`` when the task of the step before could have
/// continued; for timers due at the same instant, `the timer of `b` fired
/// before the timer of `a``. Choices that follow FIFO order without
/// preempting are left out.
///
/// ```
/// use std::{cell::Cell, rc::Rc};
/// use simloop::{Sim, Strategy, task, harness::explain::schedule_lines};
///
/// let sim = Sim::builder()
///     .trace(true)
///     .strategy(Strategy::Replay("0:1".parse().unwrap()))
///     .build();
/// let report = sim.run_report(async {
///     let a = task::spawn_named("a", async {});
///     let b = task::spawn_named("b", async {});
///     a.await.unwrap();
///     b.await.unwrap();
/// }).unwrap();
/// assert_eq!(schedule_lines(&report.decisions), vec!["choice 0 at step 2: ran `b` instead of `a`"]);
/// ```
pub fn schedule_lines(decisions: &[Decision]) -> Vec<String> {
    decisions
        .iter()
        .filter(|d| d.is_deviation() || d.is_preemption())
        .map(|d| {
            let mut line = format!("choice {} at step {}: ", d.position, d.step);
            if d.kind == ChoiceKind::Timer {
                line += &format!(
                    "the timer of {} fired before the timer of {} (both due at that instant)",
                    name(&d.chosen),
                    name(&d.fifo)
                );
            } else if d.is_deviation() {
                line += &format!("ran {} instead of {}", name(&d.chosen), name(&d.fifo));
            } else {
                line += &format!("ran {} (FIFO order)", name(&d.chosen));
            }
            if let Some(stayed) = d.could_continue.as_ref().filter(|_| d.is_preemption()) {
                line += &format!(", preempting {}", name(stayed));
            }
            line
        })
        .collect()
}
