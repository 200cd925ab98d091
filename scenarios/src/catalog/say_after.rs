//! # `say_after` — seed 002
//!
//! `say_after(delay, what)` sleeps `delay` seconds and prints `what`. The
//! seed shows three ways to use two of them:
//!
//! - `say_after`: create both tasks (`hello` after 1 s, `world` after 2 s),
//!   then await both, printing `started at` / `finished at` the clock time.
//!   Tasks start as soon as they are created, so the sleeps overlap: hello
//!   at 1 s, world at 2 s, 2 s in all.
//! - `say_after-sequential`: create task 1, await it, only then create task 2.
//!   Task 2 does not exist while task 1 sleeps: world at 3 s, 3 s in all.
//! - `say_after-unawaited`: the seed's first program, whose `say_after` also
//!   prints `Start say_after(delay, what)` when it starts: create both tasks,
//!   print task 1 twice (still pending) and the elapsed time, and never await
//!   them. `main` ends at t = 0 and the two tasks, still pending, are
//!   reported as leaked; neither word is said. (asyncio lets them take their
//!   first step, printing their `Start` lines, before it cancels them; here
//!   the end of `main` drops them unpolled.)
//!
//! Expected outcome: exactly the above, under every strategy and seed.
//!
//! Properties checked: `words`, `elapsed` (all three); `left-pending`
//! (unawaited: both tasks still pending when `main` returns, which the
//! simulation's report lists as leaked).

use std::time::Duration;

use simloop::{Report, Sim, SimError, task, time};

use crate::ensure;
use crate::human;
use crate::log::{Line, Log};
use crate::{Kind, Ran, Scenario, Story, Violation, checked};

/// Create both, then await both.
pub const SCENARIO: Scenario = Scenario::new(
    "say_after",
    "create tasks say_after(1, hello) and say_after(2, world), then await both: 2 s",
    "002",
    Kind::Seed,
    |env| Box::pin(env.checked(main, check, summary)),
)
.with_story(story);

/// Await task 1 before creating task 2.
pub const SEQUENTIAL: Scenario = Scenario::new(
    "say_after-sequential",
    "await the first task before creating the second: 3 s",
    "002",
    Kind::Variant { of: "say_after" },
    |env| Box::pin(env.checked(main_sequential, check_sequential, summary_sequential)),
);

/// Never await.
pub const UNAWAITED: Scenario = Scenario::new(
    "say_after-unawaited",
    "create both tasks and never await them: main ends at 0 s, two tasks leak",
    "002",
    Kind::Variant { of: "say_after" },
    |env| Box::pin(env.checked(main_unawaited, check_unawaited, summary_unawaited)),
);

/// Sleeps `delay` seconds, then says `what`.
pub async fn say_after(log: Log, delay: u64, what: &'static str) {
    time::sleep(Duration::from_secs(delay)).await;
    log.say(what);
}

/// The seed's first `say_after`: says `Start say_after(delay, what)`, then
/// sleeps `delay` seconds and says `what`.
pub async fn say_after_announced(log: Log, delay: u64, what: &'static str) {
    log.say(format!("Start say_after({delay}, {what})"));
    say_after(log, delay, what).await;
}

/// The task name of `say_after(delay, what)`.
pub fn task_name(delay: u64, what: &str) -> String {
    format!("say_after({delay}, {what})")
}

fn spawn_say(log: &Log, delay: u64, what: &'static str) -> task::JoinHandle<()> {
    task::spawn_named(task_name(delay, what), say_after(log.clone(), delay, what))
}

fn spawn_announced(log: &Log, delay: u64, what: &'static str) -> task::JoinHandle<()> {
    task::spawn_named(
        task_name(delay, what),
        say_after_announced(log.clone(), delay, what),
    )
}

/// How the seed prints a task: `<Task pending name='...'>`.
fn task_repr(task: &task::JoinHandle<()>, name: &str) -> String {
    let state = if task.is_finished() {
        "finished"
    } else {
        "pending"
    };
    format!("<Task {state} name='{name}'>")
}

/// Both tasks created, then both awaited.
pub async fn main(log: Log) {
    log.say(format!("started at {}", human::clock(time::now())));
    let task1 = spawn_say(&log, 1, "hello");
    let task2 = spawn_say(&log, 2, "world");
    task1.await.expect("say_after completes");
    task2.await.expect("say_after completes");
    log.say(format!("finished at {}", human::clock(time::now())));
}

/// Task 1 created and awaited, then task 2.
pub async fn main_sequential(log: Log) {
    log.say(format!("started at {}", human::clock(time::now())));
    let task1 = spawn_say(&log, 1, "hello");
    task1.await.expect("say_after completes");
    let task2 = spawn_say(&log, 2, "world");
    task2.await.expect("say_after completes");
    log.say(format!("finished at {}", human::clock(time::now())));
}

/// Both tasks created, never awaited. Returns whether each task was still
/// pending when `main` ended.
pub async fn main_unawaited(log: Log) -> Vec<bool> {
    let start = time::now();
    log.say("Before creating tasks.");
    let task1 = spawn_announced(&log, 1, "hello");
    let task2 = spawn_announced(&log, 2, "world");
    log.say(task_repr(&task1, &task_name(1, "hello")));
    log.say(task_repr(&task1, &task_name(1, "hello")));
    log.say(format!(
        "Total time elapsed: {:.2} seconds",
        (time::now() - start).as_secs_f64()
    ));
    vec![!task1.is_finished(), !task2.is_finished()]
}

/// Runs `main` (one of the three above) under `sim`.
pub fn simulate<T, F, Fut>(sim: &Sim, main: F) -> Result<Report<Ran<T>>, SimError>
where
    F: FnOnce(Log) -> Fut,
    Fut: Future<Output = T>,
{
    crate::simulate(sim, main)
}

fn said(lines: &[Line], word: &str) -> Option<Duration> {
    lines
        .iter()
        .find(|l| l.text == word)
        .map(|l| l.time.since_start())
}

fn check_words(ran: &Ran<()>, world_at: u64) -> Result<(), Violation> {
    let hello = said(&ran.lines, "hello");
    let world = said(&ran.lines, "world");
    ensure!(
        hello == Some(Duration::from_secs(1)) && world == Some(Duration::from_secs(world_at)),
        "words",
        "hello at {hello:?}, world at {world:?}; expected 1 s and {world_at} s"
    );
    ensure!(
        ran.elapsed == Duration::from_secs(world_at),
        "elapsed",
        "took {:?}, expected {world_at} s",
        ran.elapsed
    );
    Ok(())
}

/// Properties of [`main`].
pub fn check(ran: &Ran<()>) -> Result<(), Violation> {
    check_words(ran, 2)
}

/// Properties of [`main_sequential`].
pub fn check_sequential(ran: &Ran<()>) -> Result<(), Violation> {
    check_words(ran, 3)
}

/// Properties of [`main_unawaited`] (that the simulation reports the two
/// pending tasks as leaked is in its [`Report::leaked`]).
pub fn check_unawaited(ran: &Ran<Vec<bool>>) -> Result<(), Violation> {
    ensure!(
        ran.elapsed == Duration::ZERO,
        "elapsed",
        "main ended at {:?}, expected 0 s",
        ran.elapsed
    );
    ensure!(
        ran.value == [true, true],
        "left-pending",
        "still pending when main ended: {:?}",
        ran.value
    );
    let words = said(&ran.lines, "hello").or(said(&ran.lines, "world"));
    ensure!(
        words.is_none(),
        "words",
        "a task that was never awaited spoke at {words:?}"
    );
    Ok(())
}

fn summary(r: &Ran<()>) -> String {
    format!("both tasks created first: {}", human::duration(r.elapsed))
}

fn summary_sequential(r: &Ran<()>) -> String {
    format!(
        "second task created after the first ended: {}",
        human::duration(r.elapsed)
    )
}

fn summary_unawaited(r: &Ran<Vec<bool>>) -> String {
    format!(
        "main ended at {} with {} never awaited and still pending",
        human::duration(r.elapsed),
        human::plural(r.value.iter().filter(|&&p| p).count() as u64, "task")
    )
}

fn story(seed: u64) -> Result<Story, crate::Failure> {
    let mut story = Story::default();
    let sim = Sim::new(seed);
    let both = story.ran(checked(&SCENARIO, simulate(&sim, main), check)?);
    let seq = story.ran(checked(
        &SEQUENTIAL,
        simulate(&sim, main_sequential),
        check_sequential,
    )?);
    let never = story.ran(checked(
        &UNAWAITED,
        simulate(&sim, main_unawaited),
        check_unawaited,
    )?);
    Ok(story.told(vec![
        format!(
            "hello after 1 s, world after 2 s: both tasks created, then awaited: {}; \
             the second created only after awaiting the first: {}.",
            human::duration(both.elapsed),
            human::duration(seq.elapsed)
        ),
        format!(
            "Never awaited: main ends at {} and {} tasks are left pending (reported as leaked).",
            human::duration(never.elapsed),
            never.leaked.len()
        ),
    ]))
}
