//! # `chain` — seeds 000, 004
//!
//! Chaining coroutines: for n in 1, 2, 3, `chain(n)` awaits `part1(n)`, which
//! sleeps a random 0..=10 s, then `part2(n, result)`, which sleeps another
//! random 0..=10 s; the three chains are gathered. It teaches that a chain is
//! sequential inside (part2 starts with part1's result, as soon as it is
//! there) while the chains run concurrently.
//!
//! Expected outcome, under every strategy and seed: part2(n) starts exactly
//! when part1(n) returns; chain n takes i1 + i2 seconds (its two draws); the
//! program takes as long as the longest chain.
//!
//! Properties checked: `part2-follows-part1`, `chain-time`, `elapsed`.

use std::time::Duration;

use simloop::combinators::gather;
use simloop::{Report, Sim, SimError, rand, time};

use crate::ensure;
use crate::human;
use crate::log::Log;
use crate::{Kind, Ran, Scenario, Story, Violation, checked};

/// The scenario.
pub const SCENARIO: Scenario = Scenario::new(
    "chain",
    "three chains part1 -> part2, each part sleeping a random 0..=10 s; gathered",
    "000, 004",
    Kind::Seed,
    |env| Box::pin(env.checked(main, check, summary)),
)
.with_story(story);

/// What one chain did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainRecord {
    /// Its number.
    pub n: u32,
    /// part1's sleep, in seconds.
    pub i1: u64,
    /// part2's sleep, in seconds.
    pub i2: u64,
    /// How long the chain took, measured.
    pub took: Duration,
}

/// Sleeps a random 0..=10 s, returns `result{n}-1` and the draw.
pub async fn part1(log: Log, n: u32) -> (String, u64) {
    let i = rand::range(0..=10u64);
    log.say(format!("part1({n}) sleeping for {i} seconds."));
    time::sleep(Duration::from_secs(i)).await;
    let result = format!("result{n}-1");
    log.say(format!("Returning part1({n}) == {result}."));
    (result, i)
}

/// Sleeps a random 0..=10 s, returns a result derived from `arg` and the
/// draw.
pub async fn part2(log: Log, n: u32, arg: String) -> (String, u64) {
    let i = rand::range(0..=10u64);
    log.say(format!("part2({n}, '{arg}') sleeping for {i} seconds."));
    time::sleep(Duration::from_secs(i)).await;
    let result = format!("result{n}-2 derived from {arg}");
    log.say(format!("Returning part2({n}, '{arg}') == {result}."));
    (result, i)
}

/// part1 then part2.
pub async fn chain(log: Log, n: u32) -> ChainRecord {
    let start = time::now();
    let (p1, i1) = part1(log.clone(), n).await;
    let (p2, i2) = part2(log.clone(), n, p1).await;
    let took = time::now() - start;
    log.say(format!(
        "-->Chained result{n} => {p2} (took {:.2} seconds).",
        took.as_secs_f64()
    ));
    ChainRecord { n, i1, i2, took }
}

/// Chains 1, 2, 3, gathered.
pub async fn main(log: Log) -> Vec<ChainRecord> {
    let start = time::now();
    let chains = gather((1..=3).map(|n| chain(log.clone(), n)))
        .await
        .expect("chain neither panics nor is cancelled");
    log.say(format!(
        "Program finished in {:.2} seconds.",
        (time::now() - start).as_secs_f64()
    ));
    chains
}

/// Runs [`main`] under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<Vec<ChainRecord>>>, SimError> {
    crate::simulate(sim, main)
}

/// The properties.
pub fn check(ran: &Ran<Vec<ChainRecord>>) -> Result<(), Violation> {
    let run = ran;
    let at = |prefix: String| {
        run.lines
            .iter()
            .find(|l| l.text.starts_with(&prefix))
            .map(|l| l.time.since_start())
    };
    let mut longest = Duration::ZERO;
    for c in &run.value {
        let n = c.n;
        let returned = at(format!("Returning part1({n}) =="));
        let started = at(format!("part2({n}, "));
        ensure!(
            returned.is_some() && returned == started,
            "part2-follows-part1",
            "part1({n}) returned at {returned:?}, part2({n}) started at {started:?}"
        );
        ensure!(
            returned == Some(Duration::from_secs(c.i1)),
            "part2-follows-part1",
            "part1({n}) drew {} s but returned at {returned:?}",
            c.i1
        );
        let want = Duration::from_secs(c.i1 + c.i2);
        ensure!(
            c.took == want,
            "chain-time",
            "chain {n} took {:?}, its parts slept {} + {} s",
            c.took,
            c.i1,
            c.i2
        );
        longest = longest.max(want);
    }
    ensure!(
        run.value.len() == 3,
        "chain-time",
        "{} chains finished",
        run.value.len()
    );
    ensure!(
        ran.elapsed == longest,
        "elapsed",
        "took {:?}, the longest chain {longest:?}",
        ran.elapsed
    );
    Ok(())
}

fn summary(r: &Ran<Vec<ChainRecord>>) -> String {
    let parts: Vec<String> = r
        .value
        .iter()
        .map(|c| format!("{}+{} s", c.i1, c.i2))
        .collect();
    format!(
        "chains of {}: done in {}",
        parts.join(", "),
        human::duration(r.elapsed)
    )
}

fn story(seed: u64) -> Result<Story, crate::Failure> {
    let mut story = Story::default();
    let r = story.ran(checked(&SCENARIO, simulate(&Sim::new(seed)), check)?);
    let parts: Vec<String> = r
        .value
        .value
        .iter()
        .map(|c| format!("{} + {} s", c.i1, c.i2))
        .collect();
    let total: u64 = r.value.value.iter().map(|c| c.i1 + c.i2).sum();
    Ok(story.told(vec![
        format!("3 chains of two random sleeps each: {}.", parts.join(", ")),
        format!(
            "Each part2 starts the instant its part1 returns; all done in {} (the longest chain), not {}.",
            human::duration(r.elapsed),
            human::duration(Duration::from_secs(total))
        ),
    ]))
}
