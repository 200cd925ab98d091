//! `try_run_test`, the runner behind `#[simloop::test]`: environment
//! overrides, the regressions file, shrinking and the replay command.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use simloop::Strategy;
use simloop::harness::{
    EnvConfig, FailedTest, FoundBy, RegressionEntry, Regressions, TestFailure, TestSpec,
    try_run_test,
};
use simloop_tests::programs;

/// Worker 1 yields once before its read-yield-write: FIFO order passes, one
/// deviation loses an update.
async fn lost_update() {
    programs::lost_update([0, 1]).await;
}

fn env(vars: &[(&str, &str)]) -> EnvConfig {
    let map: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    EnvConfig::from_lookup(|name| map.get(name).cloned()).unwrap()
}

/// A spec as `#[simloop::test]` would write it for a test in this file,
/// with its regressions kept in `dir`.
fn spec(name: &str, dir: &std::path::Path) -> TestSpec {
    TestSpec::new(env!("CARGO_PKG_NAME"), module_path!(), name)
        .source(file!(), env!("CARGO_MANIFEST_DIR"))
        .seeds(64)
        .regressions_dir(dir)
}

fn failed(result: Result<simloop::harness::TestPassed, TestFailure>) -> FailedTest {
    match result {
        Err(TestFailure::Failed(f)) => *f,
        Err(other) => panic!("expected a failing seed, got {other}"),
        Ok(passed) => panic!("expected a failure, got {}", passed.sweep),
    }
}

#[test]
fn a_failure_reports_seed_strategy_shrunk_schedule_and_command() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec("lost_update", dir.path());
    let failure = failed(try_run_test(&spec, &env(&[]), |_| lost_update()));
    assert_eq!(failure.strategy, Strategy::Random);
    assert_eq!(failure.error.seed(), failure.seed);
    let FoundBy::Sweep { seeds_run } = failure.found_by else {
        panic!("found by {:?}", failure.found_by);
    };
    // The sweep stops at the lowest failing seed.
    assert_eq!(seeds_run, failure.seed + 1);
    let shrunk = failure.shrunk().expect("shrunk");
    assert_eq!(shrunk.preemptions, 1);

    let text = failure.to_string();
    assert!(
        text.contains(&format!(
            "failed with seed {} (strategy random",
            failure.seed
        )),
        "{text}"
    );
    assert!(text.contains("lost update"), "{text}");
    assert!(text.contains("2 deviations from FIFO order"), "{text}");
    // One way to replay it, the command at the end: not also the error's
    // own `reproduce:` line, which names the strategy but not the schedule.
    assert!(!text.contains("reproduce:"), "{text}");
    assert_eq!(text.matches("SIMLOOP_SEED=").count(), 1, "{text}");
    let command = format!(
        "SIMLOOP_SEED={} SIMLOOP_SCHEDULE={} cargo test -p simloop-tests --test harness_runner -- lost_update --exact",
        failure.seed, shrunk.schedule
    );
    assert_eq!(failure.command.to_string(), command);
    assert!(text.ends_with(&command), "{text}");
}

#[test]
fn the_printed_variables_replay_the_failure() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec("lost_update", dir.path());
    let failure = failed(try_run_test(&spec, &env(&[]), |_| lost_update()));
    let shrunk = failure.shrunk().unwrap().schedule.to_string();
    let seed = failure.seed.to_string();

    // The seed with its strategy, as SIMLOOP_SEED and SIMLOOP_STRATEGY.
    let replay = failed(try_run_test(
        &spec,
        &env(&[("SIMLOOP_SEED", &seed), ("SIMLOOP_STRATEGY", "random")]),
        |_| lost_update(),
    ));
    assert_eq!(replay.found_by, FoundBy::Replay);
    assert_eq!(replay.seed, failure.seed);
    assert_eq!(replay.error, failure.error);

    // The shrunk schedule, as SIMLOOP_SEED and SIMLOOP_SCHEDULE.
    let replay = failed(try_run_test(
        &spec,
        &env(&[("SIMLOOP_SEED", &seed), ("SIMLOOP_SCHEDULE", &shrunk)]),
        |_| lost_update(),
    ));
    assert_eq!(replay.strategy.to_string(), format!("replay:{shrunk}"));
    assert!(replay.error.to_string().contains("lost update"));

    // Under FIFO order the seed passes, running alone.
    let outcome = try_run_test(
        &spec,
        &env(&[("SIMLOOP_SEED", &seed), ("SIMLOOP_STRATEGY", "fifo")]),
        |_| lost_update(),
    );
    assert_eq!(outcome.unwrap().sweep.seeds_run, 1);
}

#[test]
fn failing_seeds_are_recorded_once_and_run_first_next_time() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec("lost_update", dir.path());
    let file = spec.regressions_file();
    assert!(file.starts_with(dir.path()));
    assert!(
        file.ends_with("harness_runner/lost_update.txt"),
        "{}",
        file.display()
    );

    let first = failed(try_run_test(&spec, &env(&[]), |_| lost_update()));
    let recorded = first.recorded.clone().unwrap();
    assert!(recorded.starts_with("recorded in"), "{recorded}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("# Seeds that failed the simloop test `harness_runner::lost_update`"));
    let entries = Regressions::load(&file).unwrap().entries().to_vec();
    let shrunk = first.shrunk().unwrap().schedule.to_string();
    assert_eq!(
        entries,
        vec![RegressionEntry {
            seed: first.seed,
            strategy: Strategy::Random,
            schedule: Some(shrunk.parse().unwrap()),
        }]
    );
    assert!(
        text.ends_with(&format!("\n{} random {shrunk}\n", first.seed)),
        "{text}"
    );

    // Next time the recorded seed fails before any sweep, and is not
    // recorded again; even a sweep of seeds that all pass finds it.
    let fifo_sweep = env(&[("SIMLOOP_STRATEGY", "fifo"), ("SIMLOOP_SEEDS", "3")]);
    let again = failed(try_run_test(&spec, &fifo_sweep, |_| lost_update()));
    assert_eq!(again.found_by, FoundBy::Regressions(file.clone()));
    assert_eq!(again.seed, first.seed);
    assert_eq!(again.strategy, Strategy::Random);
    assert!(again.recorded.is_none());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);

    // Switched off, the file is neither read nor written.
    let off = env(&[("SIMLOOP_STRATEGY", "fifo"), ("SIMLOOP_REGRESSIONS", "0")]);
    let passed = try_run_test(&spec, &off, |_| lost_update()).unwrap();
    assert_eq!(passed.regressions_run, 0);
    // With the file, its seed and its shrunk schedule run first.
    let fixed = try_run_test(&spec, &fifo_sweep, |_| async {}).unwrap();
    assert_eq!(fixed.regressions_run, 2);
    assert_eq!(fixed.sweep.seeds_run, 3);
}

#[test]
fn a_new_failure_is_appended_after_the_old_lines() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec("appends", dir.path());
    let file = spec.regressions_file();
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "# hand-written\n123456 pct:2\n").unwrap();
    // The recorded entry passes; seed 5 of the sweep fails.
    let failure = failed(try_run_test(&spec, &env(&[]), |seed| async move {
        assert_ne!(seed, 5, "seed five");
    }));
    assert_eq!(failure.seed, 5);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.starts_with("# hand-written\n123456 pct:2\n5 random"),
        "{text}"
    );
    assert_eq!(Regressions::load(&file).unwrap().entries().len(), 2);
}

#[test]
fn a_corrupt_regressions_file_is_an_error_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec("corrupt", dir.path());
    let file = spec.regressions_file();
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "# header\n\n7 random\nseven random\n").unwrap();
    let err = try_run_test(&spec, &env(&[]), |_| async {}).unwrap_err();
    assert!(matches!(err, TestFailure::Regressions { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("corrupt.txt:4:"), "{text}");
    assert!(text.contains("SIMLOOP_REGRESSIONS=0"), "{text}");
}

#[test]
fn the_shard_variable_splits_the_seeds() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec("sharded", dir.path()).seeds(10);
    let seen = Mutex::new(Vec::new());
    let passed = try_run_test(&spec, &env(&[("SIMLOOP_SHARD", "1/3")]), |seed| {
        seen.lock().unwrap().push(seed);
        async {}
    })
    .unwrap();
    assert_eq!(passed.sweep.seeds_run, 3);
    let mut seen = seen.into_inner().unwrap();
    seen.sort_unstable();
    assert_eq!(seen, vec![1, 4, 7]);
}

#[test]
fn the_seeds_variable_overrides_the_test() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec("counted", dir.path()).seeds(10);
    let passed = try_run_test(&spec, &env(&[("SIMLOOP_SEEDS", "25")]), |_| async {}).unwrap();
    assert_eq!(passed.sweep.seeds_run, 25);
    let passed = try_run_test(&spec, &env(&[]), |_| async {}).unwrap();
    assert_eq!(passed.sweep.seeds_run, 10);
}

#[test]
fn an_invalid_strategy_setting_is_reported_before_running() {
    let dir = tempfile::tempdir().unwrap();
    let spec = spec("bad", dir.path()).strategy("pct:zero");
    let runs = AtomicU64::new(0);
    let err = try_run_test(&spec, &env(&[]), |_| {
        runs.fetch_add(1, Ordering::Relaxed);
        async {}
    })
    .unwrap_err();
    assert!(matches!(err, TestFailure::Strategy { .. }));
    assert!(
        err.to_string().contains("`strategy` setting is invalid"),
        "{err}"
    );
    assert_eq!(runs.into_inner(), 0);
    // SIMLOOP_STRATEGY takes precedence over the setting.
    assert!(try_run_test(&spec, &env(&[("SIMLOOP_STRATEGY", "fifo")]), |_| async {}).is_ok());
}

#[test]
fn check_determinism_catches_state_that_outlives_a_run() {
    // A counter outside the simulation makes every run sleep differently.
    let dir = tempfile::tempdir().unwrap();
    let spec = spec("leaky_state", dir.path()).seeds(5);
    let calls = AtomicU64::new(0);
    let scenario = |_| {
        let n = calls.fetch_add(1, Ordering::Relaxed);
        async move { simloop::time::sleep(std::time::Duration::from_millis(n)).await }
    };
    assert!(try_run_test(&spec, &env(&[]), scenario).is_ok());
    let check = env(&[("SIMLOOP_CHECK_DETERMINISM", "1"), ("SIMLOOP_JOBS", "1")]);
    let failure = failed(try_run_test(&spec, &check, scenario));
    assert_eq!(failure.error.kind(), "non-determinism");
    assert_eq!(failure.seed, 0);
    assert!(
        failure.to_string().contains(
            "\nshrunk schedule: none (a non-determinism failure is not shrunk: replays run the scenario once)\n"
        ),
        "{failure}"
    );
    // The setting on the test does the same.
    let failure = failed(try_run_test(
        &spec.clone().check_determinism(true),
        &env(&[]),
        scenario,
    ));
    assert_eq!(failure.error.kind(), "non-determinism");
}

#[test]
fn a_non_determinism_failure_replays_with_the_check_on() {
    // Found with SIMLOOP_CHECK_DETERMINISM=1 (the test itself does not ask
    // for the check): the command must turn the check on, or it replays a
    // single run, which passes.
    let dir = tempfile::tempdir().unwrap();
    let spec = spec("leaky_state", dir.path()).seeds(5);
    let calls = AtomicU64::new(0);
    let scenario = |_| {
        let n = calls.fetch_add(1, Ordering::Relaxed);
        async move { simloop::time::sleep(std::time::Duration::from_millis(n)).await }
    };
    let check = env(&[("SIMLOOP_CHECK_DETERMINISM", "1")]);
    let failure = failed(try_run_test(&spec, &check, scenario));
    assert_eq!(failure.error.kind(), "non-determinism");
    let command = failure.command.to_string();
    assert!(
        command.starts_with(&format!(
            "SIMLOOP_SEED={} SIMLOOP_STRATEGY=random SIMLOOP_CHECK_DETERMINISM=1 cargo test",
            failure.seed
        )),
        "{command}"
    );
    // The command's variables reproduce the failure; without the check the
    // seed passes.
    let replay = env(&[
        ("SIMLOOP_SEED", &failure.seed.to_string()),
        ("SIMLOOP_STRATEGY", "random"),
        ("SIMLOOP_CHECK_DETERMINISM", "1"),
    ]);
    let again = failed(try_run_test(&spec, &replay, scenario));
    assert_eq!(again.error.kind(), "non-determinism");
    let single = env(&[("SIMLOOP_SEED", &failure.seed.to_string())]);
    assert!(try_run_test(&spec, &single, scenario).is_ok());

    // A test that asks for the check itself needs no variable.
    let spec = spec.check_determinism(true);
    let failure = failed(try_run_test(&spec, &env(&[]), scenario));
    assert!(
        !failure
            .command
            .to_string()
            .contains("SIMLOOP_CHECK_DETERMINISM"),
        "{}",
        failure.command
    );
}

#[test]
fn a_test_in_a_module_shared_by_integration_tests_names_the_including_target() {
    // `tests/common/mod.rs`, included by `mod common;` in `tests/api.rs`,
    // is compiled into the target `api`: there is no target `common`.
    let shared = |module_path: &str| {
        TestSpec::new("myapp", module_path, "drains")
            .source("tests/common/mod.rs", "/nonexistent/myapp")
            .replay_command(3, &Strategy::Random, None)
            .to_string()
    };
    assert_eq!(
        shared("api::common"),
        "SIMLOOP_SEED=3 SIMLOOP_STRATEGY=random cargo test -p myapp --test api -- common::drains --exact"
    );
    // A target whose file name has a dash keeps it (its crate has `_`).
    let dashed = TestSpec::new("myapp", "my_queue", "drains")
        .source("tests/my-queue.rs", "/nonexistent/myapp")
        .replay_command(3, &Strategy::Random, None)
        .to_string();
    assert!(
        dashed.contains("--test my-queue -- drains --exact"),
        "{dashed}"
    );
    // A multi-file test (`tests/it/main.rs` with `mod queue;`) is `it`.
    let multi = TestSpec::new("myapp", "it::queue", "drains")
        .source("tests/it/queue.rs", "/nonexistent/myapp")
        .replay_command(3, &Strategy::Random, None)
        .to_string();
    assert!(
        multi.contains("--test it -- queue::drains --exact"),
        "{multi}"
    );
    // The same for binaries and examples.
    let bin = TestSpec::new("myapp", "tool::shared", "drains")
        .source("src/bin/shared/mod.rs", "/nonexistent/myapp")
        .target();
    assert_eq!(bin, simloop::harness::Target::Bin("tool".into()));
}
