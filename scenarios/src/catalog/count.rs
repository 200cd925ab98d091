//! # `count` — seeds 000, 003, 004
//!
//! The "Hello World" of asyncio: three coroutines each print `One`, sleep one
//! second and print `Two`, gathered; then, as in seed 000, the program prints
//! how long it took (` executed in 1.00 seconds.`). It teaches that `await` hands control
//! back to the loop: all three `One`s come out before any `Two`, and the three
//! one-second sleeps overlap, so the program takes one second, not three.
//!
//! `count-sync` is the synchronous version of seed 004 (a blocking
//! `time.sleep(1)`, modelled by [`busy`](simloop::time::busy)): `One`, `Two`
//! alternate and it takes three seconds.
//!
//! Expected outcome: under every strategy and seed, `count` prints the three
//! `One`s at t = 0 and the three `Two`s at t = 1 s and ends at exactly 1 s;
//! `count-sync` prints One, Two, One, Two, One, Two at 0, 1, 1, 2, 2, 3 s and
//! ends at exactly 3 s.
//!
//! Properties checked: `ones-first`, `two-at-1s`, `elapsed` (async);
//! `alternating`, `elapsed` (sync).

use std::time::Duration;

use simloop::combinators::gather;
use simloop::{Report, Sim, SimError, time};

use crate::ensure;
use crate::human;
use crate::log::Log;
use crate::{Kind, Ran, Scenario, Story, Violation, checked};

/// The gathered version.
pub const SCENARIO: Scenario = Scenario::new(
    "count",
    "three tasks print One, sleep 1 s, print Two; gathered: 1 s in all",
    "000, 003, 004",
    Kind::Seed,
    |env| Box::pin(env.checked(main, check, summary)),
)
.with_story(story);

/// The sequential version.
pub const SYNC: Scenario = Scenario::new(
    "count-sync",
    "count with a blocking sleep, one call after another: 3 s",
    "003, 004",
    Kind::Variant { of: "count" },
    |env| Box::pin(env.checked(main_sync, check_sync, summary_sync)),
);

const SECOND: Duration = Duration::from_secs(1);

/// One coroutine: `One`, an asynchronous one-second sleep, `Two`.
pub async fn count(log: Log) {
    log.say("One");
    time::sleep(SECOND).await;
    log.say("Two");
}

/// Three [`count`]s, gathered (`asyncio.gather`: a task each), then the
/// time they took.
pub async fn main(log: Log) {
    let start = time::now();
    gather((0..3).map(|_| count(log.clone())))
        .await
        .expect("count neither panics nor is cancelled");
    let elapsed = time::now() - start;
    log.say(format!(
        " executed in {:.2} seconds.",
        elapsed.as_secs_f64()
    ));
}

/// The synchronous version: three calls, each blocking the loop for a second.
pub async fn main_sync(log: Log) {
    for _ in 0..3 {
        log.say("One");
        time::busy(SECOND);
        log.say("Two");
    }
}

/// Runs [`main`] under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<()>>, SimError> {
    crate::simulate(sim, main)
}

/// Runs [`main_sync`] under `sim`.
pub fn simulate_sync(sim: &Sim) -> Result<Report<Ran<()>>, SimError> {
    crate::simulate(sim, main_sync)
}

/// The properties of the gathered version.
pub fn check(ran: &Ran<()>) -> Result<(), Violation> {
    let lines = &ran.lines;
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    ensure!(
        texts[..]
            == [
                "One",
                "One",
                "One",
                "Two",
                "Two",
                "Two",
                " executed in 1.00 seconds."
            ],
        "ones-first",
        "printed {texts:?}"
    );
    for l in &lines[..6] {
        let want = if l.text == "One" {
            Duration::ZERO
        } else {
            SECOND
        };
        ensure!(
            l.time.since_start() == want,
            "two-at-1s",
            "{} printed {} at {:?}, expected {want:?}",
            l.task,
            l.text,
            l.time.since_start()
        );
    }
    ensure!(
        ran.elapsed == SECOND,
        "elapsed",
        "took {:?}, expected 1 s",
        ran.elapsed
    );
    Ok(())
}

/// The properties of the sequential version.
pub fn check_sync(ran: &Ran<()>) -> Result<(), Violation> {
    let got: Vec<(&str, u64)> = ran
        .lines
        .iter()
        .map(|l| (l.text.as_str(), l.time.since_start().as_secs()))
        .collect();
    let want = [
        ("One", 0),
        ("Two", 1),
        ("One", 1),
        ("Two", 2),
        ("One", 2),
        ("Two", 3),
    ];
    ensure!(got == want, "alternating", "printed {got:?}");
    ensure!(
        ran.elapsed == 3 * SECOND,
        "elapsed",
        "took {:?}, expected 3 s",
        ran.elapsed
    );
    Ok(())
}

fn summary(r: &Ran<()>) -> String {
    format!("three counters, gathered: {}", human::duration(r.elapsed))
}

fn summary_sync(r: &Ran<()>) -> String {
    format!(
        "three counters, one after another: {}",
        human::duration(r.elapsed)
    )
}

fn story(seed: u64) -> Result<Story, crate::Failure> {
    let mut story = Story::default();
    let sim = Sim::new(seed);
    let sync = story.ran(checked(&SYNC, simulate_sync(&sim), check_sync)?);
    let gathered = story.ran(checked(&SCENARIO, simulate(&sim), check)?);
    Ok(story.told(vec![
        "3 counters each print One, wait a second, print Two.".to_owned(),
        format!(
            "One after another (blocking sleep): {}. Gathered: {}, all three One before any Two.",
            human::duration(sync.elapsed),
            human::duration(gathered.elapsed),
        ),
    ]))
}
