//! Helpers shared by the scenario tests.

#![allow(dead_code, reason = "each test file uses a different part")]

use std::time::Duration;

use simloop::harness::Sweep;
use simloop::{Sim, Strategy};
use simloop_scenarios::Scenario;
use simloop_scenarios::log::Line;

/// Seeds each property sweep runs, per strategy.
pub const SEEDS: u64 = 1000;

/// Asserts that every property of `scenario` holds for seeds `0..SEEDS`
/// under Random and under PCT (a parallel sweep each).
pub fn assert_properties_hold(scenario: &Scenario) {
    assert_properties_hold_under(scenario, &[Strategy::Random, Strategy::Pct { depth: 3 }]);
}

/// The scenarios whose catalog entry leaves tasks pending at the end (the
/// run reports them as leaked); every other run failing with leaked tasks
/// fails its sweep.
pub const LEAKING: [&str; 1] = ["say_after-unawaited"];

/// Asserts that every property of `scenario` holds for seeds `0..SEEDS`
/// under each of `strategies` (a parallel sweep each), and that no task is
/// left pending at the end unless the scenario is in [`LEAKING`].
pub fn assert_properties_hold_under(scenario: &Scenario, strategies: &[Strategy]) {
    let leaks_are_errors = !LEAKING.contains(&scenario.name);
    for strategy in strategies {
        let sweep = Sweep::new()
            .sim(Sim::builder().leaks_are_errors(leaks_are_errors).build())
            .strategy(strategy.clone())
            .seeds(0..SEEDS)
            .shrink(false)
            .progress(false);
        let report = scenario.sweep(&sweep);
        assert_eq!(report.seeds_run, SEEDS);
        if let Some(f) = report.first_failure() {
            panic!(
                "{} under {strategy}, seed {}: {}\nreplay: {}",
                scenario.name,
                f.seed,
                f.error,
                simloop_scenarios::replay_command(scenario.name, f.seed, &strategy.to_string())
            );
        }
    }
}

/// `(text, seconds)` of each line.
pub fn timed(lines: &[Line]) -> Vec<(String, f64)> {
    lines
        .iter()
        .map(|l| (l.text.clone(), l.time.since_start().as_secs_f64()))
        .collect()
}

/// The texts of the lines.
pub fn texts(lines: &[Line]) -> Vec<&str> {
    lines.iter().map(|l| l.text.as_str()).collect()
}

/// Seconds.
pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// A FIFO simulation with this seed.
pub fn fifo(seed: u64) -> Sim {
    Sim::new(seed)
}
