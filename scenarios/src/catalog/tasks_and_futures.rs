//! # `tasks_and_futures` — seed 001
//!
//! The awaitables of seed 001: two tasks created with `create_task` —
//! `say_something(1, "Task 1")` and `say_something(2, "Task 2")`, each
//! printing before and after its sleep — then awaited one after the other;
//! and a bare future (here a [`promise`]) that
//! nobody completes, asked whether it is done or cancelled before and after
//! `cancel()`. It teaches that tasks start running as soon as they are
//! created (awaiting the first does not delay the second), and that a future
//! is just a box for a result, with a state.
//!
//! Expected outcome, under every strategy and seed: both "Before" lines at
//! t = 0, "After Task 1" at 1 s, "After Task 2" at 2 s, finished at 2 s; the
//! future reports not done / not cancelled, then done / cancelled after
//! `cancel()`.
//!
//! Properties checked: `tasks-overlap`, `finished-at-2s`, `future-states`.

use std::time::Duration;

use simloop::sync::promise;
use simloop::{Report, Sim, SimError, task, time};

use crate::ensure;
use crate::human;
use crate::log::{Line, Log};
use crate::{Kind, Ran, Scenario, Story, Violation, checked};

/// The scenario.
pub const SCENARIO: Scenario = Scenario::new(
    "tasks_and_futures",
    "two tasks created then awaited (1 s and 2 s): 2 s; a bare future cancelled",
    "001",
    Kind::Seed,
    |env| Box::pin(env.checked(main, check, summary)),
)
.with_story(story);

/// Prints before and after sleeping `delay` seconds.
pub async fn say_something(log: Log, delay: u64, words: &'static str) {
    log.say(format!("Before {words}"));
    time::sleep(Duration::from_secs(delay)).await;
    log.say(format!("After {words}"));
}

/// The future's `(done, cancelled)` before and after `cancel()`.
pub type FutureStates = [(bool, bool); 2];

/// Both tasks, then the bare future.
pub async fn main(log: Log) -> FutureStates {
    log.say(format!("Started: {}", human::clock(time::now())));
    let task1 = task::spawn_named("Task 1", say_something(log.clone(), 1, "Task 1"));
    let task2 = task::spawn_named("Task 2", say_something(log.clone(), 2, "Task 2"));
    task1.await.expect("task 1 completes");
    task2.await.expect("task 2 completes");
    log.say(format!("Finished: {}", human::clock(time::now())));

    let (future, _result) = promise::<(), ()>();
    let before = (future.done(), future.cancelled());
    log.say(python_bool(before.0));
    log.say(python_bool(before.1));
    future.cancel();
    let after = (future.done(), future.cancelled());
    log.say(python_bool(after.0));
    log.say(python_bool(after.1));
    [before, after]
}

/// How Python prints a bool.
fn python_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// Runs [`main`] under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<FutureStates>>, SimError> {
    crate::simulate(sim, main)
}

fn at(lines: &[Line], text: &str) -> Option<Duration> {
    lines
        .iter()
        .find(|l| l.text == text)
        .map(|l| l.time.since_start())
}

/// The properties.
pub fn check(ran: &Ran<FutureStates>) -> Result<(), Violation> {
    let l = &ran.lines;
    let got = [
        at(l, "Before Task 1"),
        at(l, "Before Task 2"),
        at(l, "After Task 1"),
        at(l, "After Task 2"),
    ];
    let s = Duration::from_secs;
    ensure!(
        got == [Some(s(0)), Some(s(0)), Some(s(1)), Some(s(2))],
        "tasks-overlap",
        "Before/After Task 1/2 at {got:?}"
    );
    ensure!(
        at(l, "Finished: 00:00:02") == Some(s(2)) && ran.elapsed == s(2),
        "finished-at-2s",
        "finished at {:?}, ended at {:?}",
        at(l, "Finished: 00:00:02"),
        ran.elapsed
    );
    ensure!(
        ran.value == [(false, false), (true, true)],
        "future-states",
        "(done, cancelled) before and after cancel: {:?}",
        ran.value
    );
    Ok(())
}

fn summary(r: &Ran<FutureStates>) -> String {
    format!(
        "two tasks finished at {}; the bare future: {:?} then {:?} (done, cancelled)",
        human::duration(r.elapsed),
        r.value[0],
        r.value[1]
    )
}

fn story(seed: u64) -> Result<Story, crate::Failure> {
    let mut story = Story::default();
    let r = story.ran(checked(&SCENARIO, simulate(&Sim::new(seed)), check)?);
    let [before, after] = r.value.value;
    Ok(story.told(vec![format!(
        "Tasks of 1 s and 2 s, created then awaited in turn: finished at {}. \
         A bare future: done={}, cancelled={}; after cancel(): done={}, cancelled={}.",
        human::duration(r.elapsed),
        before.0,
        before.1,
        after.0,
        after.1
    )]))
}
