//! The bug scenarios: FIFO never shows the bug; Random and PCT find it within
//! a stated number of seeds; the failing seed replays the same failure, and
//! the harness shrinks the failing schedule to the fewest preemptions the bug
//! needs, which replays it too.

mod common;

use simloop::harness::{Shrunk, Sweep};
use simloop::{Sim, SimError, Strategy};
use simloop_scenarios::bugs::{
    cache_stampede, check_then_act, dining, lock_order, lost_update, lost_wakeup, run_on,
    torn_config,
};
use simloop_scenarios::{Failure, Scenario, violated_property};

/// Seeds within which Random and PCT must find each bug.
const FIND_WITHIN: u64 = 50;

/// Seeds within which Random and PCT of depth 3 must find the depth-3 bug.
const DEEP_WITHIN: u64 = 300;

fn strategies() -> [Strategy; 2] {
    [Strategy::Random, Strategy::Pct { depth: 3 }]
}

/// Sweeps seeds `0..FIND_WITHIN`, stopping at the first failure, which the
/// harness shrinks to a single deviation from FIFO order; checks everything
/// the failure says, and returns the first failing seed.
fn find_and_replay(scenario: &Scenario, strategy: &Strategy, property: &str) -> u64 {
    let (seed, shrunk) = find_and_shrink(scenario, strategy, property, FIND_WITHIN);
    // One task must run between another's check and its act: one
    // preemption, however many deviations from FIFO's turn-taking it costs.
    // The stampede needs none: the second request looks first when the
    // first one blocks, a free choice.
    let needed = if scenario.name == "cache_stampede" {
        0
    } else {
        1
    };
    assert_eq!(
        shrunk.preemptions, needed,
        "shrunk to {} ({} preemptions)",
        shrunk.schedule, shrunk.preemptions
    );
    seed
}

/// Like [`find_and_replay`], for any shrunk schedule: returns the first
/// failing seed and the shrunk schedule (which replays the failure).
fn find_and_shrink(
    scenario: &Scenario,
    strategy: &Strategy,
    property: &str,
    within: u64,
) -> (u64, Shrunk) {
    let sweep = Sweep::new()
        .strategy(strategy.clone())
        .seeds(0..within)
        .progress(false);
    let report = scenario.sweep(&sweep);
    let Some(found) = report.first_failure() else {
        panic!(
            "{} under {strategy}: no failure within {within} seeds",
            scenario.name
        );
    };
    let seed = found.seed;
    // Under PCT the sweep measured the run length first: the failure names
    // the strategy it ran (`pct:3:K`), which replays it.
    let strategy = &found.strategy;
    if property == "deadlock" {
        assert!(
            matches!(found.error, SimError::Deadlock { .. }),
            "{}",
            found.error
        );
    } else {
        let message = violated_property(&found.error).expect("a property failed");
        assert!(
            message.starts_with(&format!("property `{property}` violated")),
            "{message}"
        );
    }

    // The same seed and strategy fail the same way, bit for bit.
    let failure = scenario.check_seed(seed, strategy).unwrap_err();
    assert_eq!(failure.what(), property);
    assert_eq!(
        failure.replay_command(),
        format!(
            "simloop replay {} --seed {seed} --strategy {strategy}",
            scenario.name
        )
    );
    let again = scenario.check_seed(seed, strategy).unwrap_err();
    match (&failure, &again) {
        (Failure::Property { outcome, .. }, Failure::Property { outcome: again, .. }) => {
            assert_eq!(again.report.fingerprint, outcome.report.fingerprint);
            assert_eq!(again.log, outcome.log);
            assert_eq!(again.verdict, outcome.verdict);
        }
        (Failure::Sim { error, .. }, Failure::Sim { error: again, .. }) => {
            assert_eq!(error, again);
        }
        _ => panic!("the replay failed differently: {failure} / {again}"),
    }

    // The harness shrinks it, and the shrunk schedule replays the failure.
    let shrunk = found.shrunk().expect("the failure shrinks");
    let replay = Sim::builder()
        .seed(seed)
        .strategy(shrunk.strategy())
        .build();
    let replayed = scenario.check(&replay).unwrap_err();
    assert_eq!(replayed.what(), property);
    println!(
        "{} under {strategy}: found after {} seed(s), at seed {seed}; shrunk to {} ({} preemptions)",
        scenario.name, report.seeds_run, shrunk.schedule, shrunk.preemptions
    );
    (seed, shrunk.clone())
}

#[test]
fn lost_update_is_found_by_random_and_pct_and_replays() {
    for strategy in strategies() {
        find_and_replay(&lost_update::SCENARIO, &strategy, "no-lost-update");
    }
}

#[test]
fn cache_stampede_is_found_by_random_and_pct_and_replays() {
    for strategy in strategies() {
        find_and_replay(&cache_stampede::SCENARIO, &strategy, "single-load");
    }
}

#[test]
fn check_then_act_is_found_by_random_and_pct_and_replays() {
    for strategy in strategies() {
        find_and_replay(&check_then_act::SCENARIO, &strategy, "claim-finds-a-job");
    }
}

#[test]
fn lock_order_deadlock_is_found_by_random_and_pct_and_replays() {
    for strategy in strategies() {
        find_and_replay(&lock_order::SCENARIO, &strategy, "deadlock");
    }
}

#[test]
fn lock_order_deadlock_names_each_task_and_the_lock_it_waits_on() {
    let seed = find_and_replay(&lock_order::SCENARIO, &Strategy::Random, "deadlock");
    let sim = Sim::builder().seed(seed).strategy(Strategy::Random).build();
    let error = lock_order::simulate(&sim).unwrap_err();
    let said = simloop_scenarios::describe_failure(&error);
    assert_eq!(
        said,
        "deadlock: task 1 \"payment\" waits on Lock::lock on \"B\"; \
         task 2 \"refund\" waits on Lock::lock on \"A\""
    );
}

#[test]
fn check_then_act_claims_the_one_job_twice() {
    let seed = find_and_replay(
        &check_then_act::SCENARIO,
        &Strategy::Random,
        "claim-finds-a-job",
    );
    let sim = Sim::builder().seed(seed).strategy(Strategy::Random).build();
    let r = check_then_act::simulate(&sim).unwrap();
    assert_eq!(r.value.value.handled, 1);
    assert_eq!(r.value.value.empty, 1);
    let claims = r
        .value
        .lines
        .iter()
        .filter(|l| l.text.contains("claiming it"))
        .count();
    assert_eq!(claims, 2, "both workers claimed the one job");
}

#[test]
fn lost_update_loses_exactly_one_deposit() {
    let seed = find_and_replay(&lost_update::SCENARIO, &Strategy::Random, "no-lost-update");
    let sim = Sim::builder().seed(seed).strategy(Strategy::Random).build();
    let r = lost_update::simulate(&sim).unwrap();
    assert!(
        [lost_update::ALICE, lost_update::BOB].contains(&r.value.value),
        "final balance {} is one deposit, not both",
        r.value.value
    );
}

#[test]
fn cache_stampede_loads_twice_when_the_second_request_looks_first() {
    let seed = find_and_replay(&cache_stampede::SCENARIO, &Strategy::Random, "single-load");
    let sim = Sim::builder().seed(seed).strategy(Strategy::Random).build();
    let r = cache_stampede::simulate(&sim).unwrap();
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

#[test]
fn torn_config_needs_pct_of_depth_three() {
    for strategy in [Strategy::Random, Strategy::Pct { depth: 3 }] {
        let (_, shrunk) = find_and_shrink(
            &torn_config::SCENARIO,
            &strategy,
            "one-version-per-request",
            DEEP_WITHIN,
        );
        // Admin to request after the first write, request to admin after
        // the first read: two preemptions.
        assert_eq!(shrunk.preemptions, 2, "shrunk to {}", shrunk.schedule);
    }
    // One change point cannot order three steps of two tasks: PCT of depth
    // 2 never finds it.
    let m =
        simloop_scenarios::bugs::measure(&torn_config::SCENARIO, &Strategy::Pct { depth: 2 }, 300);
    assert_eq!(m.failing, 0, "{m}");
}

#[test]
fn lost_wakeup_deadlocks_the_consumer_on_the_condition() {
    for strategy in strategies() {
        find_and_shrink(&lost_wakeup::SCENARIO, &strategy, "deadlock", FIND_WITHIN);
    }
    let (seed, _) = find_and_shrink(
        &lost_wakeup::SCENARIO,
        &Strategy::Random,
        "deadlock",
        FIND_WITHIN,
    );
    let sim = Sim::builder().seed(seed).strategy(Strategy::Random).build();
    let said = simloop_scenarios::describe_failure(&lost_wakeup::simulate(&sim).unwrap_err());
    assert_eq!(
        said,
        "deadlock: task 1 \"consumer\" waits on Condition::wait on \"batch ready\""
    );
}

#[test]
fn run_on_shrinks_to_one_preemption_and_several_deviations() {
    for strategy in strategies() {
        let (_, shrunk) = find_and_shrink(
            &run_on::SCENARIO,
            &strategy,
            "checksum-matches",
            FIND_WITHIN,
        );
        // One switch, from the writer to the auditor, which then runs on:
        // FIFO order would switch back at every await.
        assert_eq!(shrunk.preemptions, 1, "shrunk to {}", shrunk.schedule);
        assert!(
            shrunk.deviations() >= run_on::SESSION_ROUND_TRIPS - 1,
            "shrunk to {}",
            shrunk.schedule
        );
    }
}

#[test]
fn dining_deadlocks_three_tasks_in_a_cycle() {
    for strategy in strategies() {
        find_and_shrink(&dining::SCENARIO, &strategy, "deadlock", FIND_WITHIN);
    }
    let (seed, _) = find_and_shrink(
        &dining::SCENARIO,
        &Strategy::Random,
        "deadlock",
        FIND_WITHIN,
    );
    let sim = Sim::builder().seed(seed).strategy(Strategy::Random).build();
    let said = simloop_scenarios::describe_failure(&dining::simulate(&sim).unwrap_err());
    assert_eq!(
        said,
        "deadlock: task 1 \"billing\" waits on Lock::lock on \"B\"; \
         task 2 \"shipping\" waits on Lock::lock on \"C\"; \
         task 3 \"returns\" waits on Lock::lock on \"A\""
    );
}
