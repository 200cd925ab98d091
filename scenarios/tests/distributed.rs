//! The distributed scenarios: a sweep finds each bug, the harness shrinks
//! the failing run, the seed and the shrunk schedule replay it; with the
//! fix, every seed passes.

use simloop::harness::Sweep;
use simloop::{Sim, Strategy};
use simloop_scenarios::distributed::{leader_lease, primary_backup};
use simloop_scenarios::log::Log;
use simloop_scenarios::{Scenario, violated_property};

/// Sweeps seeds until one fails; checks the property, the replay of the
/// seed (same fingerprint, same verdict) and of the shrunk schedule.
fn find_shrink_replay(scenario: &Scenario, property: &str, within: u64) -> u64 {
    let sweep = Sweep::new()
        .strategy(Strategy::Random)
        .seeds(0..within)
        .progress(false);
    let report = scenario.sweep(&sweep);
    let found = report
        .first_failure()
        .unwrap_or_else(|| panic!("{}: no failure within {within} seeds", scenario.name));
    let message = violated_property(&found.error).expect("a property failed");
    assert!(
        message.starts_with(&format!("property `{property}` violated")),
        "{message}"
    );
    let seed = found.seed;
    let failure = scenario.check_seed(seed, &Strategy::Random).unwrap_err();
    let again = scenario.check_seed(seed, &Strategy::Random).unwrap_err();
    assert_eq!(failure.what(), property);
    assert_eq!(failure.to_string(), again.to_string());
    let shrunk = found.shrunk().expect("the failure shrinks");
    let replay = Sim::builder()
        .seed(seed)
        .strategy(shrunk.strategy())
        .build();
    let replayed = scenario.check(&replay).unwrap_err();
    assert_eq!(replayed.what(), property);
    println!(
        "{}: seed {seed} fails after {} seed(s); shrunk to {} deviation(s) from FIFO order: {message}",
        scenario.name,
        report.seeds_run,
        shrunk.deviations()
    );
    seed
}

#[test]
fn primary_backup_loses_an_acknowledged_write_and_the_sweep_finds_it() {
    find_shrink_replay(&primary_backup::SCENARIO, "no-acknowledged-write-lost", 40);
}

#[test]
fn leader_lease_lets_two_leaders_serve_and_the_history_is_not_linearizable() {
    find_shrink_replay(&leader_lease::SCENARIO, "linearizable", 40);
}

#[test]
fn replicating_before_the_ack_loses_nothing_on_any_seed() {
    let mut faults = 0;
    for seed in 0..30 {
        let sim = Sim::builder().seed(seed).strategy(Strategy::Random).build();
        let run = sim
            .run(primary_backup::run(
                Log::new(),
                primary_backup::Replication::BeforeAck,
            ))
            .unwrap();
        assert!(primary_backup::lost_writes(&run).is_empty(), "seed {seed}");
        faults += run.chaos.len();
        let ok = simloop::history::check_partitioned(
            &simloop::history::Register::new(None),
            &run.history,
            |(k, _)| *k,
            |(_, op)| op.clone(),
        );
        assert!(ok.is_ok(), "seed {seed}: {}", ok.unwrap_err());
    }
    assert!(faults > 30, "the primary crashed in some runs");
}

#[test]
fn a_lease_counted_on_the_replicas_own_clock_stays_linearizable() {
    for seed in 0..20 {
        let sim = Sim::builder().seed(seed).strategy(Strategy::Random).build();
        let run = sim
            .run(leader_lease::run(
                Log::new(),
                leader_lease::Lease::LocalDuration,
            ))
            .unwrap();
        assert!(run.chaos.len() > 2, "seed {seed}: partitions happened");
        let ok = simloop::history::check(&simloop::history::Register::new(0), &run.history);
        assert!(ok.is_ok(), "seed {seed}: {}", ok.unwrap_err());
    }
}
