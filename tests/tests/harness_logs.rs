//! Logs under the harness: the many runs of a sweep, of shrinking and of
//! the regressions file log nothing through `tracing`; a failing test shows
//! the log of the one run it reports, and a single seed logs its run.
//!
//! The binary installs one global subscriber that keeps every event; each
//! test logs under its own `tag` and reads back only its own lines.

use std::io::Write;
use std::sync::{Mutex, Once};

use simloop::harness::{EnvConfig, Explorer, Sweep, TestFailure, TestSpec, try_run_test};
use simloop::{Sim, task};

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// A writer appending whole lines to `LINES`.
struct Lines;

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        LINES
            .lock()
            .unwrap()
            .extend(text.lines().map(str::to_owned));
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        tracing_subscriber::fmt()
            .with_writer(|| Lines)
            .with_ansi(false)
            .without_time()
            .init();
    });
}

/// The logged seeds of the events tagged `tag`, in order.
fn logged(tag: &str) -> Vec<u64> {
    let marker = format!("tag=\"{tag}\"");
    LINES
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains(&marker))
        .map(|l| {
            let seed = l.split("seed=").nth(1).expect("a seed field");
            seed.split_whitespace().next().unwrap().parse().unwrap()
        })
        .collect()
}

fn env(vars: &[(&str, &str)]) -> EnvConfig {
    EnvConfig::from_lookup(|name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    })
    .unwrap()
}

fn spec(name: &str, dir: &std::path::Path) -> TestSpec {
    TestSpec::new(env!("CARGO_PKG_NAME"), module_path!(), name)
        .source(file!(), env!("CARGO_MANIFEST_DIR"))
        .seeds(40)
        .regressions_dir(dir)
}

/// Logs its seed, yields among two tasks so that seeds interleave, and
/// fails on seed 23 only.
async fn fails_on_23(tag: &'static str, seed: u64) {
    tracing::info!(tag, seed, "run");
    let t = task::spawn(async { task::yield_now().await });
    task::yield_now().await;
    t.await.unwrap();
    assert_ne!(seed, 23, "seed 23 fails");
}

#[test]
fn a_failing_test_logs_only_the_run_it_reports() {
    install();
    let dir = tempfile::tempdir().unwrap();
    let spec = spec("fails_on_23", dir.path());
    let result = try_run_test(&spec, &env(&[]), |seed| fails_on_23("failing", seed));
    let Err(TestFailure::Failed(failure)) = result else {
        panic!("expected a failure");
    };
    assert_eq!(failure.seed, 23);
    // Not the 24 seeds of the sweep nor the replays of shrinking: the one
    // replay of the failure, for its log.
    assert_eq!(logged("failing"), vec![23]);

    // Next time the seed comes from the regressions file: the same.
    let again = try_run_test(&spec, &env(&[]), |seed| fails_on_23("recorded", seed));
    assert!(matches!(again, Err(TestFailure::Failed(_))));
    assert_eq!(logged("recorded"), vec![23]);
}

#[test]
fn the_run_a_replay_command_makes_is_logged_once() {
    install();
    let dir = tempfile::tempdir().unwrap();
    let spec = spec("fails_on_23", dir.path());
    let replay = env(&[("SIMLOOP_SEED", "23"), ("SIMLOOP_SCHEDULE", "fifo")]);
    let result = try_run_test(&spec, &replay, |seed| fails_on_23("replayed", seed));
    assert!(matches!(result, Err(TestFailure::Failed(_))));
    assert_eq!(logged("replayed"), vec![23]);
    // A passing seed logs its run too.
    let passing = env(&[("SIMLOOP_SEED", "5")]);
    try_run_test(&spec, &passing, |seed| fails_on_23("one seed", seed)).unwrap();
    assert_eq!(logged("one seed"), vec![5]);
}

#[test]
fn a_passing_sweep_and_its_regressions_log_nothing() {
    install();
    let dir = tempfile::tempdir().unwrap();
    let spec = spec("passes", dir.path());
    let file = spec.regressions_file();
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "7 random 0:1\n").unwrap();
    let passed = try_run_test(&spec, &env(&[]), |seed| async move {
        tracing::info!(tag = "passing", seed, "run");
    })
    .unwrap();
    assert_eq!(passed.regressions_run, 2);
    assert_eq!(passed.sweep.seeds_run, 40);
    assert_eq!(logged("passing"), Vec::<u64>::new());
}

#[test]
fn library_sweeps_of_many_seeds_are_quiet_unless_asked() {
    install();
    let scenario = |tag: &'static str| move |seed: u64| async move { tracing::info!(tag, seed) };
    Sweep::new().seeds(0..10).run(scenario("sweep"));
    assert_eq!(logged("sweep"), Vec::<u64>::new());
    Sweep::new().seeds(4..5).run(scenario("one"));
    assert_eq!(logged("one"), vec![4]);
    let report = Sweep::new()
        .seeds(0..10)
        .jobs(1)
        .quiet(false)
        .run(scenario("loud"));
    assert!(report.passed());
    assert_eq!(logged("loud"), (0..10).collect::<Vec<u64>>());
    // Exploring every schedule of a seed is quiet too.
    let exploration = Explorer::new(Sim::new(3)).run(|seed| fails_on_23("explored", seed));
    assert!(exploration.runs > 1);
    assert_eq!(logged("explored"), Vec::<u64>::new());
}
