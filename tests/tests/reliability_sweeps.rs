//! Sweeps never pass vacuously: settings that leave no seed to run are an
//! error naming the variables that emptied the sweep, `SIMLOOP_SEED` reaches
//! every `u64`, and `SIMLOOP_JOBS` is lowered to what the machine can run,
//! with a note.

use std::collections::BTreeMap;
use std::sync::Mutex;

use simloop::harness::{
    EnvConfig, EnvError, Shard, Sweep, TestFailure, TestSpec, max_jobs, try_run_test,
};

fn read(vars: &[(&str, &str)]) -> Result<EnvConfig, EnvError> {
    let map: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    EnvConfig::from_lookup(|name| map.get(name).cloned())
}

fn spec(seeds: u64) -> TestSpec {
    TestSpec::new(env!("CARGO_PKG_NAME"), module_path!(), "t")
        .source(file!(), env!("CARGO_MANIFEST_DIR"))
        .seeds(seeds)
        .regressions(false)
}

#[test]
fn the_largest_seed_runs_and_is_the_one_that_runs() {
    let env = read(&[("SIMLOOP_SEED", "18446744073709551615")]).unwrap();
    let seen = Mutex::new(Vec::new());
    let passed = try_run_test(&spec(100), &env, |seed| {
        seen.lock().unwrap().push(seed);
        async {}
    })
    .unwrap();
    assert_eq!(passed.sweep.seeds_run, 1);
    assert_eq!(*seen.lock().unwrap(), vec![u64::MAX]);
    // Hexadecimal reaches it too.
    let env = read(&[("SIMLOOP_SEED", "0xffff_ffff_ffff_ffff")]).unwrap();
    let plan: Vec<u64> = Sweep::new().env(&env).planned_seeds().collect();
    assert_eq!(plan, vec![u64::MAX]);
}

#[test]
fn a_failure_at_the_largest_seed_names_it_in_the_replay_command() {
    let env = read(&[("SIMLOOP_SEED", "18446744073709551615")]).unwrap();
    let failure = try_run_test(&spec(100), &env, |seed| async move {
        assert_ne!(seed, u64::MAX, "the last seed fails");
    })
    .unwrap_err();
    let text = failure.to_string();
    assert!(text.contains("the last seed fails"), "{text}");
    assert!(text.contains("SIMLOOP_SEED=18446744073709551615"), "{text}");
}

#[test]
fn a_shard_beyond_the_tests_seeds_is_an_error_naming_the_shard_and_the_count() {
    let env = read(&[("SIMLOOP_SHARD", "500/1000")]).unwrap();
    let failure = try_run_test(&spec(100), &env, |_| async {}).unwrap_err();
    assert!(matches!(failure, TestFailure::NoSeeds { seeds: 100, .. }));
    assert_eq!(
        failure.to_string(),
        "simloop test `reliability_sweeps::t`: SIMLOOP_SHARD=500/1000 leaves no seeds to run: \
         the test sweeps 100 seed(s) (its `seeds = 100`) and shard I of N runs seeds I, I+N, ... \
         below that, so shard 500 would pass without running anything; use at most 100 shard(s) \
         or raise the number of seeds"
    );
    // The last shard that has a seed runs exactly one.
    let env = read(&[("SIMLOOP_SHARD", "99/1000")]).unwrap();
    let passed = try_run_test(&spec(100), &env, |_| async {}).unwrap();
    assert_eq!(passed.sweep.seeds_run, 1);
}

#[test]
fn a_shard_beyond_simloop_seeds_is_rejected_when_the_variables_are_read() {
    let err = read(&[("SIMLOOP_SHARD", "7/8"), ("SIMLOOP_SEEDS", "5")]).unwrap_err();
    assert_eq!(err.variable, "SIMLOOP_SHARD");
    let text = err.to_string();
    assert!(
        text.starts_with(
            "invalid SIMLOOP_SHARD=\"7/8\": with SIMLOOP_SEEDS=5 shard 7 gets no seeds"
        ),
        "{text}"
    );
    assert!(
        text.contains("would pass without running anything"),
        "{text}"
    );
    // One seed per shard is fine.
    assert!(read(&[("SIMLOOP_SHARD", "4/8"), ("SIMLOOP_SEEDS", "5")]).is_ok());
}

#[test]
fn a_shard_emptied_by_the_tests_own_count_names_that_setting() {
    // The variables are consistent for the reader (no SIMLOOP_SEEDS), the
    // test's own count empties the shard: the runner says which count.
    let env = read(&[("SIMLOOP_SHARD", "3/4")]).unwrap();
    let text = try_run_test(&spec(3), &env, |_| async {})
        .unwrap_err()
        .to_string();
    assert!(text.contains("(its `seeds = 3`)"), "{text}");
}

#[test]
fn simloop_seed_with_a_shard_runs_the_seed_on_every_shard() {
    let env = read(&[("SIMLOOP_SEED", "5"), ("SIMLOOP_SHARD", "500/1000")]).unwrap();
    let passed = try_run_test(&spec(100), &env, |_| async {}).unwrap();
    assert_eq!(passed.sweep.seeds_run, 1);
}

#[test]
fn too_many_jobs_are_lowered_with_a_note() {
    let env = read(&[("SIMLOOP_JOBS", "100000")]).unwrap();
    let cap = max_jobs();
    assert_eq!(env.jobs.map(|j| j.get()), Some(cap));
    assert_eq!(
        env.notes,
        vec![format!(
            "SIMLOOP_JOBS=100000 is more threads than this machine runs well; running {cap} (4 per core) instead"
        )]
    );
    // A sweep with that setting runs every seed.
    let report = Sweep::new()
        .seeds(0..20)
        .env(&env)
        .progress(false)
        .run(|_| async {});
    assert_eq!(report.seeds_run, 20);
    // A value within the limit is kept, without a note.
    let env = read(&[("SIMLOOP_JOBS", "2")]).unwrap();
    assert_eq!(env.jobs.map(|j| j.get()), Some(2));
    assert!(env.notes.is_empty());
}

#[test]
fn a_sweep_asked_for_more_threads_than_seeds_runs_every_seed_once() {
    let seen = Mutex::new(Vec::new());
    let report = Sweep::new()
        .seeds(0..3)
        .jobs(100_000)
        .progress(false)
        .run(|seed| {
            seen.lock().unwrap().push(seed);
            async {}
        });
    assert_eq!(report.seeds_run, 3);
    let mut seen = seen.into_inner().unwrap();
    seen.sort_unstable();
    assert_eq!(seen, vec![0, 1, 2]);
}

#[test]
fn a_library_sweep_over_an_empty_range_is_an_error_naming_the_setting() {
    let called = Mutex::new(0);
    let err = Sweep::new()
        .seeds(5..5)
        .name("empty")
        .try_run(|_seed| {
            *called.lock().unwrap() += 1;
            async {}
        })
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "sweep `empty`: no seeds to run: the seed range 5..5 (Sweep::seeds(5..5)) is empty. \
         A sweep that runs nothing would pass without testing anything"
    );
    assert_eq!(err.seeds, 5..5);
    assert_eq!(*called.lock().unwrap(), 0, "nothing ran");
}

#[test]
fn a_library_sweep_whose_shard_is_past_its_seeds_is_an_error_naming_both_settings() {
    let err = Sweep::new()
        .seeds(10..13)
        .shard(Shard::new(4, 8).unwrap())
        .try_run(|_seed| async {})
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "no seeds to run: shard 4/8 (Sweep::shard(4/8)) of seeds 10..13 (Sweep::seeds(10..13)) \
         gets none, as shard I of N runs seeds 10+I, 10+I+N, ... below 13; use at most 3 \
         shard(s) or more seeds. A sweep that runs nothing would pass without testing anything"
    );
    // Set by the variables, the message names them.
    let env = read(&[("SIMLOOP_SEEDS", "3"), ("SIMLOOP_SHARD", "0/2")]).unwrap();
    let fine = Sweep::new().env(&env).try_run(|_seed| async {}).unwrap();
    assert_eq!(fine.seeds_run, 2);
    let env = read(&[("SIMLOOP_SHARD", "3/4")]).unwrap();
    let err = Sweep::new()
        .seeds(0..2)
        .env(&env)
        .try_run(|_seed| async {})
        .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "no seeds to run: shard 3/4 (SIMLOOP_SHARD=3/4) of seeds 0..2 (Sweep::seeds(0..2))"
        ),
        "{err}"
    );
}

#[test]
fn run_panics_rather_than_report_an_empty_sweep_as_passed() {
    let panic = std::panic::catch_unwind(|| Sweep::new().seeds(0..0).run(|_seed| async {}))
        .expect_err("an empty sweep must not pass");
    let message = panic.downcast_ref::<String>().expect("a message");
    assert!(
        message.starts_with("no seeds to run: the seed range 0..0 (Sweep::seeds(0..0)) is empty."),
        "{message}"
    );
}
