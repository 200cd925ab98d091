//! # `makerandom` — seeds 000, 004
//!
//! Three coroutines `makerandom(idx)` for idx 0, 1, 2 draw integers from
//! 0..=10 until one exceeds their threshold `10 - idx - 1`, sleeping `idx + 1`
//! seconds after each draw that is too low; gathered. It teaches that
//! independent waits overlap: the program takes as long as the slowest
//! coroutine, not the sum. The numbers come from the simulation's seeded
//! stream ([`simloop::rand`]), so a seed replays them.
//!
//! Expected outcome, under every strategy and seed: each result is above its
//! threshold; each coroutine finishes at (its too-low draws) × (idx + 1)
//! seconds; the program takes the largest of these; the same seed gives the
//! same results and log.
//!
//! Properties checked: `above-threshold`, `finish-time`, `elapsed`,
//! `reported-result`.

use std::time::Duration;

use simloop::combinators::gather;
use simloop::{Report, Sim, SimError, rand, time};

use crate::ensure;
use crate::human;
use crate::log::{Line, Log};
use crate::{Kind, Ran, Scenario, Story, Violation, checked};

/// The scenario.
pub const SCENARIO: Scenario = Scenario::new(
    "makerandom",
    "three tasks draw 0..=10 until above 9, 8, 7, sleeping idx+1 s between tries",
    "000, 004",
    Kind::Seed,
    |env| Box::pin(env.checked(main, check, summary)),
)
.with_story(story);

/// The threshold of coroutine `idx`, as `main` passes it.
pub fn threshold(idx: u64) -> u64 {
    10 - idx - 1
}

/// Draws from 0..=10 until a number exceeds `threshold`, sleeping `idx + 1`
/// seconds after each number that is too low.
pub async fn makerandom(log: Log, idx: u64, threshold: u64) -> u64 {
    log.say(format!("Initiated makerandom({idx})."));
    let mut i = rand::range(0..=10u64);
    while i <= threshold {
        log.say(format!("makerandom({idx}) == {i} too low; retrying."));
        time::sleep(Duration::from_secs(idx + 1)).await;
        i = rand::range(0..=10u64);
    }
    log.say(format!("---> Finished: makerandom({idx}) == {i}"));
    i
}

/// Three `makerandom`s, gathered; then an empty line and the results, as
/// the seed prints them.
pub async fn main(log: Log) -> Vec<u64> {
    let results = gather((0..3).map(|idx| makerandom(log.clone(), idx, threshold(idx))))
        .await
        .expect("makerandom neither panics nor is cancelled");
    log.say("");
    log.say(format!(
        "r1: {}, r2: {}, r3: {}",
        results[0], results[1], results[2]
    ));
    results
}

/// Runs [`main`] under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<Vec<u64>>>, SimError> {
    crate::simulate(sim, main)
}

/// The number of too-low draws of coroutine `idx`, counted in the log.
pub fn retries(lines: &[Line], idx: u64) -> u64 {
    let prefix = format!("makerandom({idx}) == ");
    lines
        .iter()
        .filter(|l| l.text.starts_with(&prefix) && l.text.ends_with("too low; retrying."))
        .count() as u64
}

/// The properties.
pub fn check(ran: &Ran<Vec<u64>>) -> Result<(), Violation> {
    let run = ran;
    ensure!(
        run.value.len() == 3,
        "above-threshold",
        "{} results",
        run.value.len()
    );
    let mut longest = Duration::ZERO;
    for idx in 0..3u64 {
        let result = run.value[idx as usize];
        ensure!(
            result > threshold(idx) && result <= 10,
            "above-threshold",
            "makerandom({idx}) returned {result}, threshold {}",
            threshold(idx)
        );
        let expected = Duration::from_secs(retries(&run.lines, idx) * (idx + 1));
        let text = format!("---> Finished: makerandom({idx}) == {result}");
        let finished = run.lines.iter().find(|l| {
            l.text
                .starts_with(&format!("---> Finished: makerandom({idx})"))
        });
        ensure!(
            finished.is_some_and(|l| l.text == text),
            "reported-result",
            "expected a line {text:?}, found {:?}",
            finished.map(|l| &l.text)
        );
        let at = finished.map_or(Duration::MAX, |l| l.time.since_start());
        ensure!(
            at == expected,
            "finish-time",
            "makerandom({idx}) finished at {at:?} after {} too-low draws, expected {expected:?}",
            retries(&run.lines, idx)
        );
        longest = longest.max(expected);
    }
    ensure!(
        ran.elapsed == longest,
        "elapsed",
        "took {:?}, the slowest coroutine needed {longest:?}",
        ran.elapsed
    );
    Ok(())
}

fn summary(r: &Ran<Vec<u64>>) -> String {
    format!("results {:?} after {}", r.value, human::duration(r.elapsed))
}

fn story(seed: u64) -> Result<Story, crate::Failure> {
    let mut story = Story::default();
    let report = story.ran(checked(&SCENARIO, simulate(&Sim::new(seed)), check)?);
    let tries: Vec<u64> = (0..3)
        .map(|i| retries(&report.value.lines, i) + 1)
        .collect();
    let one_by_one: u64 = (0..3)
        .map(|i| retries(&report.value.lines, i) * (i + 1))
        .sum();
    Ok(story.told(vec![
        format!(
            "3 coroutines draw numbers until one is high enough: {}, {} and {} tries, results {:?}.",
            tries[0], tries[1], tries[2], report.value.value
        ),
        format!(
            "Their sleeps overlap: {} in all instead of {} one after another.",
            human::duration(report.elapsed),
            human::duration(Duration::from_secs(one_by_one))
        ),
    ]))
}
