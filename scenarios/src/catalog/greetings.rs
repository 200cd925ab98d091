//! # `greetings` — seed 001
//!
//! Two coroutines print `Welcome`, sleep one second and print `Goodbye`,
//! gathered; `main` then prints how long it took. It teaches that
//! `asyncio.gather` runs coroutines concurrently: both welcomes come first,
//! both goodbyes a second later, and the program takes one second.
//!
//! Expected outcome, under every strategy and seed: Welcome, Welcome at
//! t = 0; Goodbye, Goodbye at t = 1 s; `__main__ executed in 1.00 seconds.`;
//! elapsed exactly 1 s.
//!
//! Properties checked: `order`, `times`, `elapsed`.

use std::time::Duration;

use simloop::combinators::gather;
use simloop::{Report, Sim, SimError, time};

use crate::ensure;
use crate::human;
use crate::log::Log;
use crate::{Kind, Ran, Scenario, Story, Violation, checked};

/// The scenario.
pub const SCENARIO: Scenario = Scenario::new(
    "greetings",
    "two tasks print Welcome, sleep 1 s, print Goodbye; gathered: 1 s",
    "001",
    Kind::Seed,
    |env| Box::pin(env.checked(main, check, summary)),
)
.with_story(story);

/// One greeter.
pub async fn greetings(log: Log) {
    log.say("Welcome");
    time::sleep(Duration::from_secs(1)).await;
    log.say("Goodbye");
}

/// Two greeters, gathered, then the elapsed time.
pub async fn main(log: Log) {
    let start = time::now();
    gather([greetings(log.clone()), greetings(log.clone())])
        .await
        .expect("greetings neither panics nor is cancelled");
    let elapsed = time::now() - start;
    log.say(format!(
        "__main__ executed in {:.2} seconds.",
        elapsed.as_secs_f64()
    ));
}

/// Runs [`main`] under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<()>>, SimError> {
    crate::simulate(sim, main)
}

/// The properties.
pub fn check(ran: &Ran<()>) -> Result<(), Violation> {
    let got: Vec<(&str, Duration)> = ran
        .lines
        .iter()
        .map(|l| (l.text.as_str(), l.time.since_start()))
        .collect();
    let texts: Vec<&str> = got.iter().map(|g| g.0).collect();
    ensure!(
        texts
            == [
                "Welcome",
                "Welcome",
                "Goodbye",
                "Goodbye",
                "__main__ executed in 1.00 seconds."
            ],
        "order",
        "printed {texts:?}"
    );
    let s = Duration::from_secs(1);
    let times: Vec<Duration> = got.iter().map(|g| g.1).collect();
    ensure!(
        times == [Duration::ZERO, Duration::ZERO, s, s, s],
        "times",
        "printed at {times:?}"
    );
    ensure!(
        ran.elapsed == s,
        "elapsed",
        "took {:?}, expected 1 s",
        ran.elapsed
    );
    Ok(())
}

fn summary(r: &Ran<()>) -> String {
    format!("two greeters, gathered: {}", human::duration(r.elapsed))
}

fn story(seed: u64) -> Result<Story, crate::Failure> {
    let mut story = Story::default();
    let o = story.ran(checked(&SCENARIO, simulate(&Sim::new(seed)), check)?);
    Ok(story.told(vec![format!(
        "2 greeters gathered: Welcome, Welcome, then Goodbye, Goodbye after {}.",
        human::duration(o.elapsed)
    )]))
}
