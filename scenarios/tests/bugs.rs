//! The bug scenarios: FIFO never shows the bug; Random and PCT find it within
//! a stated number of seeds; the failing seed replays the same failure, and
//! so does the failing run's recorded schedule.

mod common;

use simloop::{Sim, Strategy};
use simloop_scenarios::bugs::{cache_stampede, lost_update};
use simloop_scenarios::{Failure, Scenario};

/// Seeds within which Random and PCT must find each bug.
const FIND_WITHIN: u64 = 50;

fn first_failing_seed(scenario: &Scenario, strategy: &Strategy) -> (u64, Failure) {
    (0..FIND_WITHIN)
        .find_map(|seed| scenario.check_seed(seed, strategy).err().map(|f| (seed, f)))
        .unwrap_or_else(|| {
            panic!(
                "{} under {strategy}: no failure within {FIND_WITHIN} seeds",
                scenario.name
            )
        })
}

fn assert_found_and_replayed(scenario: &Scenario, property: &str) {
    for strategy in [Strategy::Random, Strategy::Pct { depth: 3 }] {
        let (seed, failure) = first_failing_seed(scenario, &strategy);
        println!("{}: {strategy} finds it at seed {seed}", scenario.name);
        assert_eq!(failure.what(), property);
        assert_eq!(failure.seed(), seed);
        assert_eq!(
            failure.replay_command(),
            format!(
                "simloop replay {} --seed {seed} --strategy {strategy}",
                scenario.name
            )
        );
        let Failure::Property { outcome, .. } = &failure else {
            panic!("expected a property failure, got {failure}");
        };
        // The same seed and strategy: the same failure, bit for bit.
        let again = scenario.check_seed(seed, &strategy).unwrap_err();
        let Failure::Property { outcome: again, .. } = &again else {
            panic!("the replay failed differently: {again}");
        };
        assert_eq!(again.report.fingerprint, outcome.report.fingerprint);
        assert_eq!(again.log, outcome.log);
        assert_eq!(again.verdict, outcome.verdict);
        // The recorded schedule replays it too, whatever strategy made it.
        let replay = Sim::builder()
            .seed(seed)
            .strategy(Strategy::Replay(outcome.report.schedule.clone()))
            .build();
        let replayed = scenario.run(&replay).unwrap();
        assert_eq!(replayed.log, outcome.log);
        assert_eq!(replayed.verdict, outcome.verdict);
    }
}

#[test]
fn lost_update_is_found_by_random_and_pct_and_replays() {
    assert_found_and_replayed(&lost_update::SCENARIO, "no-lost-update");
}

#[test]
fn cache_stampede_is_found_by_random_and_pct_and_replays() {
    assert_found_and_replayed(&cache_stampede::SCENARIO, "single-load");
}

#[test]
fn lost_update_loses_exactly_one_deposit() {
    let (seed, _) = first_failing_seed(&lost_update::SCENARIO, &Strategy::Random);
    let r = lost_update::simulate(&Sim::builder().seed(seed).strategy(Strategy::Random).build())
        .unwrap();
    assert!(
        [lost_update::ALICE, lost_update::BOB].contains(&r.value.value),
        "final balance {} is one deposit, not both",
        r.value.value
    );
}

#[test]
fn cache_stampede_loads_twice_when_the_second_request_looks_first() {
    let (seed, _) = first_failing_seed(&cache_stampede::SCENARIO, &Strategy::Random);
    let r = cache_stampede::simulate(&Sim::builder().seed(seed).strategy(Strategy::Random).build())
        .unwrap();
    assert_eq!(r.value.value.loads, 2);
    assert_eq!(r.value.value.fills, 2);
    let misses = r
        .value
        .lines
        .iter()
        .filter(|l| l.text.starts_with("miss"))
        .count();
    assert_eq!(misses, 2);
}
