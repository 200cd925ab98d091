//! # `blocking_delay` — seed 002
//!
//! The two tasks of `say_after` (hello after 1 s, world after 2 s, each
//! printing `Start say_after(delay, what)` when it starts) are created;
//! `main` sleeps 0.1 s so they start their sleeps, then blocks the loop for
//! 3 s with a blocking call (`time.sleep(3)`, here
//! [`busy`](simloop::time::busy)), then awaits both. It teaches that a
//! blocking call stalls every task: both tasks start at once, their timers
//! come due at 1 s and 2 s, but nothing runs until the loop is free again
//! at 3.1 s.
//!
//! Expected outcome, under every strategy and seed: both tasks start at
//! t = 0; both words said at exactly t = 3.1 s, hello before world, and the
//! program ends at 3.1 s.
//! Both timers are overdue when the loop is freed; they fire in deadline
//! order, and the executor's catch-up rule never lets the task due at 2 s
//! overtake the one due at 1 s, whatever the strategy.
//!
//! Properties checked (every strategy): `tasks-start-at-once`,
//! `words-at-3.1s`, `hello-first`, `elapsed`.

use std::time::Duration;

use simloop::{Report, Sim, SimError, task, time};

use crate::catalog::say_after;
use crate::ensure;
use crate::human;
use crate::log::Log;
use crate::{Kind, Ran, Scenario, Story, Violation, checked};

/// The scenario.
pub const SCENARIO: Scenario = Scenario::new(
    "blocking_delay",
    "two say_after tasks, then a 3 s blocking call in main: both words at 3.1 s",
    "002",
    Kind::Seed,
    |env| Box::pin(env.checked(main, check, summary)),
)
.with_story(story);

/// The program.
pub async fn main(log: Log) {
    let start = time::now();
    log.say("Before creating tasks.");
    let task1 = task::spawn_named(
        say_after::task_name(1, "hello"),
        say_after::say_after_announced(log.clone(), 1, "hello"),
    );
    let task2 = task::spawn_named(
        say_after::task_name(2, "world"),
        say_after::say_after_announced(log.clone(), 2, "world"),
    );
    log.say("Before delay - after creating tasks");
    time::sleep(Duration::from_millis(100)).await;
    time::busy(Duration::from_secs(3));
    log.say("After delay - before await tasks");
    task1.await.expect("say_after completes");
    task2.await.expect("say_after completes");
    log.say(format!(
        "Total time elapsed: {:.2} seconds",
        (time::now() - start).as_secs_f64()
    ));
}

/// Runs [`main`] under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<()>>, SimError> {
    crate::simulate(sim, main)
}

/// The properties.
pub fn check(ran: &Ran<()>) -> Result<(), Violation> {
    let starts: Vec<(&str, Duration)> = ran
        .lines
        .iter()
        .filter(|l| l.text.starts_with("Start say_after("))
        .map(|l| (l.text.as_str(), l.time.since_start()))
        .collect();
    ensure!(
        starts.len() == 2 && starts.iter().all(|s| s.1.is_zero()),
        "tasks-start-at-once",
        "tasks started {starts:?}, expected both at 0 s"
    );
    let at = Duration::from_millis(3100);
    let words: Vec<(&str, Duration)> = ran
        .lines
        .iter()
        .filter(|l| l.text == "hello" || l.text == "world")
        .map(|l| (l.text.as_str(), l.time.since_start()))
        .collect();
    ensure!(
        words.len() == 2 && words.iter().all(|w| w.1 == at),
        "words-at-3.1s",
        "words said {words:?}"
    );
    ensure!(words[0].0 == "hello", "hello-first", "said {words:?}");
    ensure!(
        ran.elapsed == at,
        "elapsed",
        "took {:?}, expected 3.1 s",
        ran.elapsed
    );
    Ok(())
}

fn summary(r: &Ran<()>) -> String {
    let words: Vec<&str> = r
        .lines
        .iter()
        .filter(|l| l.text == "hello" || l.text == "world")
        .map(|l| l.text.as_str())
        .collect();
    format!(
        "{} at 3.1 s (timers due at 1 s and 2 s, loop blocked until 3.1 s); {} in all",
        words.join(" then "),
        human::duration(r.elapsed)
    )
}

fn story(seed: u64) -> Result<Story, crate::Failure> {
    let mut story = Story::default();
    let r = story.ran(checked(&SCENARIO, simulate(&Sim::new(seed)), check)?);
    let hello = r.value.lines.iter().find(|l| l.text == "hello");
    Ok(story.told(vec![format!(
        "hello is due at 1 s, world at 2 s, but main blocks the loop for 3 s: both speak at {}.",
        hello.map_or_else(|| "?".to_owned(), |l| human::duration(l.time.since_start()))
    )]))
}
