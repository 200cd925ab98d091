//! What a user sees when a test of theirs fails: the replay command (under
//! `cargo test` and under cargo-nextest), the wording of task panics, and
//! the pictures `SIMLOOP_TIMELINE` leaves behind.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::rc::Rc;

use simloop::harness::{EnvConfig, FailedTest, TestFailure, TestSpec, try_run_test};
use simloop::task;
use simloop_user_crate::Stock;

/// Two orders check the stock, yield (a network call), then take: in FIFO
/// order the second order sees the first one's take; one deviation lets
/// both check before either takes, and the second overdraws the stock.
async fn two_orders() {
    let stock = Rc::new(Stock::new(3));
    let orders: Vec<_> = (0..2)
        .map(|i| {
            let stock = stock.clone();
            task::spawn_named(format!("order-{i}"), async move {
                for _ in 0..i {
                    task::yield_now().await;
                }
                if stock.can_reserve(2) {
                    task::yield_now().await;
                    stock.take(2);
                }
            })
        })
        .collect();
    for order in orders {
        order.await.unwrap();
    }
}

fn env(vars: &[(&str, &str)]) -> EnvConfig {
    let map: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    EnvConfig::from_lookup(|name| map.get(name).cloned()).unwrap()
}

/// The spec `#[simloop::test]` writes for a test `name` of this file.
fn spec(name: &str) -> TestSpec {
    TestSpec::new(env!("CARGO_PKG_NAME"), module_path!(), name)
        .source(file!(), env!("CARGO_MANIFEST_DIR"))
        .seeds(64)
        .regressions(false)
}

fn failed<F: std::future::Future<Output = ()>>(
    spec: &TestSpec,
    env: &EnvConfig,
    make: impl Fn(u64) -> F + Sync,
) -> FailedTest {
    match try_run_test(spec, env, make) {
        Err(TestFailure::Failed(f)) => *f,
        Err(other) => panic!("expected a failing seed, got {other}"),
        Ok(passed) => panic!("expected a failure, got {}", passed.sweep),
    }
}

#[test]
fn the_replay_command_selects_this_test_in_this_package() {
    let failure = failed(&spec("two_orders"), &env(&[]), |_| two_orders());
    let command = failure.command.to_string();
    assert!(
        command.starts_with(&format!("SIMLOOP_SEED={} SIMLOOP_SCHEDULE=", failure.seed)),
        "{command}"
    );
    assert!(
        command.ends_with("cargo test -p simloop-user-crate --test failures -- two_orders --exact"),
        "{command}"
    );
    assert!(failure.to_string().ends_with(&command));
}

#[test]
fn under_nextest_the_replay_command_is_a_nextest_one() {
    let failure = failed(&spec("two_orders"), &env(&[("NEXTEST", "1")]), |_| {
        two_orders()
    });
    let command = failure.command.to_string();
    assert!(
        command.ends_with(
            "cargo nextest run -p simloop-user-crate --test failures -E 'test(=two_orders)'"
        ),
        "{command}"
    );
    assert!(!command.contains("cargo test"), "{command}");
    let report = failure.to_string();
    assert!(report.ends_with(&command), "{report}");
}

#[test]
fn a_task_panic_is_worded_task_id_and_name_never_task_task() {
    let failure = failed(&spec("two_orders"), &env(&[]), |_| two_orders());
    let report = failure.to_string();
    // The order that overdrew panicked; `main` failed on its JoinError.
    assert!(
        report.contains(r#"task 2 "order-1" panicked: stock overdrawn"#),
        "{report}"
    );
    assert!(!report.contains("task task"), "{report}");
    assert!(
        report.contains("src/lib.rs"),
        "the panic's location: {report}"
    );
}

#[test]
fn a_non_string_panic_reads_as_a_sentence() {
    let failure = failed(&spec("panic_any"), &env(&[]), |_| async {
        task::spawn_named("refresh", async { std::panic::panic_any(42) })
            .await
            .unwrap();
    });
    let report = failure.to_string();
    assert!(
        report.contains(r#"task 1 "refresh" panicked: panic_any(42) of type i32"#),
        "{report}"
    );
    assert!(!report.contains("task task"), "{report}");
}

#[test]
fn simloop_timeline_leaves_the_failing_runs_pictures_and_the_report_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let pictures = dir.path().join("pictures");
    let vars = [("SIMLOOP_TIMELINE", pictures.to_str().unwrap())];
    let failure = failed(&spec("two_orders"), &env(&vars), |_| two_orders());
    let files = failure
        .timeline
        .clone()
        .expect("asked for")
        .expect("written");
    let stem = format!("failures.two_orders.seed-{}", failure.seed);
    assert_eq!(files.svg, pictures.join(format!("{stem}.svg")));
    assert_eq!(files.chrome, pictures.join(format!("{stem}.json")));
    let svg = std::fs::read_to_string(&files.svg).unwrap();
    assert!(svg.starts_with("<svg"), "{svg}");
    // The picture is of the failing run: the overdrawing order's panic.
    assert!(svg.contains("stock overdrawn"));
    let json = std::fs::read_to_string(&files.chrome).unwrap();
    assert!(json.contains("\"traceEvents\"") && json.contains("order-1"));
    let report = failure.to_string();
    assert!(
        report.contains(&files.svg.display().to_string()),
        "{report}"
    );
    assert!(
        report.contains(&files.chrome.display().to_string()),
        "{report}"
    );
    // The paths come before the replay command, which stays last.
    assert!(report.ends_with(&failure.command.to_string()));
}

#[test]
fn without_simloop_timeline_nothing_is_written() {
    let failure = failed(&spec("two_orders"), &env(&[]), |_| two_orders());
    assert!(failure.timeline.is_none());
    assert!(!failure.to_string().contains("timeline of the failing run"));
}

/// The macro's `timeline` option, relative to this package's directory.
#[simloop::test(
    seeds = 8,
    regressions = false,
    timeline = "../../target/simloop-user-crate"
)]
#[should_panic(
    expected = "target/simloop-user-crate/failures.the_timeline_option_writes_pictures.seed-0.svg"
)]
async fn the_timeline_option_writes_pictures() {
    let broken = Rc::new(Cell::new(true));
    assert!(!broken.get(), "always fails");
}

#[test]
fn the_failure_pictures_carry_the_runs_tracing_events() {
    let dir = tempfile::tempdir().unwrap();
    let vars = [("SIMLOOP_TIMELINE", dir.path().to_str().unwrap())];
    let failure = failed(&spec("logged"), &env(&vars), |_| async {
        task::spawn_named("refresh", async {
            tracing::warn!(attempt = 3, "cache refresh failed");
            panic!("gave up");
        })
        .await
        .unwrap();
    });
    let files = failure.timeline.clone().unwrap().unwrap();
    let svg = std::fs::read_to_string(&files.svg).unwrap();
    assert!(svg.contains("WARN cache refresh failed attempt=3"), "{svg}");
    assert!(svg.contains("gave up"));
}

/// The README's replay loop shows this very report.
#[test]
fn the_readme_shows_this_report_verbatim() {
    let failure = failed(&spec("two_orders"), &env(&[]), |_| two_orders());
    let readme = include_str!("../../../README.md");
    let shown = readme
        .split("```text\n")
        .find(|block| block.starts_with("simloop test `failures::two_orders`"))
        .and_then(|block| block.split("\n```").next())
        .expect("the README shows the report");
    assert_eq!(shown, failure.to_string());
}

/// Two tasks panic, then `main` deadlocks: the visible failure is the
/// deadlock, and the report still names both panics, the first as the
/// cause, each with its message and source line.
#[test]
fn every_task_panic_of_the_failing_run_is_named_the_first_as_the_cause() {
    let failure = failed(&spec("two_panics"), &env(&[]), |_| async {
        let _refresh = task::spawn_named("refresh", async { panic!("refresh failed") });
        let _flush = task::spawn_named("flush", async {
            task::yield_now().await;
            panic!("flush failed");
        });
        simloop::sync::Event::new().wait().await;
    });
    assert!(
        matches!(failure.error, simloop::SimError::Deadlock { .. }),
        "{}",
        failure.error
    );
    assert_eq!(failure.panics.len(), 2, "{:?}", failure.panics);
    let report = failure.to_string();
    let cause = report
        .lines()
        .find(|l| l.trim_start().starts_with("cause: "))
        .unwrap_or_else(|| panic!("no cause line: {report}"));
    assert!(
        cause.contains(
            r#"task 1 "refresh" panicked: refresh failed (at tests/user-crate/tests/failures.rs:"#
        ),
        "{report}"
    );
    let also = report
        .lines()
        .find(|l| l.trim_start().starts_with("also: "))
        .unwrap_or_else(|| panic!("no line for the second panic: {report}"));
    assert!(
        also.contains(
            r#"task 2 "flush" panicked: flush failed (at tests/user-crate/tests/failures.rs:"#
        ),
        "{report}"
    );
    assert!(!report.contains("task task"), "{report}");
}

/// The shrunk schedule is printed with what each of its choices means, in
/// the tasks' names, and counts preemptions as well as deviations.
#[test]
fn the_shrunk_schedule_is_explained_in_task_names() {
    let failure = failed(&spec("two_orders"), &env(&[]), |_| two_orders());
    let shrunk = failure.shrunk().expect("shrinking is on by default");
    let report = failure.to_string();
    let explained: Vec<&str> = report
        .lines()
        .filter(|l| l.trim_start().starts_with("choice "))
        .collect();
    assert!(!explained.is_empty(), "{report}");
    for line in &explained {
        assert!(
            line.contains("ran `order-") && !line.contains("ran task"),
            "a choice in task names: {line}"
        );
    }
    assert!(
        explained
            .iter()
            .any(|l| l.contains("ran `order-1` instead of `order-0`")),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "{}, {} from FIFO order",
            plural(shrunk.preemptions, "preemption"),
            plural(shrunk.deviations() as u64, "deviation")
        )),
        "{report}"
    );
    assert!(
        shrunk.preemptions <= failure.preemptions,
        "shrinking never adds preemptions: {report}"
    );
}

fn plural(n: u64, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}
