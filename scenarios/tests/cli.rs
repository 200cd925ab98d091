//! The `simloop` command: output, exit statuses, usage errors.

use std::process::{Command, Output};

fn simloop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_simloop"))
        .args(args)
        .output()
        .expect("the simloop binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn list_names_every_scenario() {
    let o = simloop(&["list", "--names"]);
    assert!(o.status.success());
    let names: Vec<String> = stdout(&o).lines().map(str::to_owned).collect();
    let want: Vec<&str> = simloop_scenarios::all().iter().map(|s| s.name).collect();
    assert_eq!(names, want);
    let o = simloop(&["list"]);
    assert!(stdout(&o).contains("chess-sync"));
    assert!(stdout(&o).contains("lost_update"));
}

#[test]
fn run_prints_the_log_in_virtual_time_and_the_report() {
    let o = simloop(&["run", "count"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("[      0.000s] count-1  One"), "{out}");
    assert!(out.contains("[      1.000s] count-3  Two"), "{out}");
    assert!(out.contains("virtual      1 s"), "{out}");
    assert!(out.contains("fingerprint  "), "{out}");
    assert!(out.contains("properties   all hold"), "{out}");
    assert!(out.contains("replay       simloop replay count --seed 0 --strategy fifo"));
}

#[test]
fn the_same_seed_prints_the_same_run() {
    let a = simloop(&["run", "makerandom", "--seed", "7", "--strategy", "random"]);
    let b = simloop(&["run", "makerandom", "--seed", "7", "--strategy", "random"]);
    let strip = |o: &Output| {
        stdout(o)
            .lines()
            .filter(|l| !l.starts_with("wall"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&a), strip(&b));
    let c = simloop(&["run", "makerandom", "--seed", "8", "--strategy", "random"]);
    assert_ne!(strip(&a), strip(&c));
}

#[test]
fn a_failed_property_exits_1_with_the_replay_command() {
    let o = simloop(&["run", "lost_update", "--seed", "1", "--strategy", "random"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("FAILED: property `no-lost-update` violated"),
        "{out}"
    );
    assert!(out.contains("simloop replay lost_update --seed 1 --strategy random"));
}

#[test]
fn replay_checks_the_run_is_identical() {
    let o = simloop(&[
        "replay",
        "chain",
        "--seed",
        "5",
        "--strategy",
        "pct:2",
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("replayed     identical"));
    let o = simloop(&[
        "replay",
        "lost_update",
        "--seed",
        "1",
        "--strategy",
        "random",
    ]);
    assert_eq!(o.status.code(), Some(1), "the replayed run still fails");
    assert!(stdout(&o).contains("replayed     identical"));
}

#[test]
fn unknown_names_and_bad_flags_are_usage_errors() {
    let o = simloop(&["run", "chesss"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("invalid value 'chesss'"), "{err}");
    assert!(
        err.contains("chess-sync") && err.contains("crawler"),
        "lists the names: {err}"
    );
    let o = simloop(&["run", "chess", "--strategy", "sometimes"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("expected one of `fifo`, `random`"));
    let o = simloop(&["run", "chess", "--sed", "3"]);
    assert_eq!(o.status.code(), Some(2));
    let o = simloop(&["replay", "chess"]);
    assert_eq!(o.status.code(), Some(2), "replay needs --seed");
}

#[test]
fn tour_tells_every_story_with_measured_numbers() {
    let o = simloop(&["tour"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.contains("12 h played one at a time, 1 h 55 s played simultaneously"),
        "{out}"
    );
    assert!(out.contains("3 s. Gathered: 1 s"), "{out}");
    assert!(out.contains("1 h 30 min"), "{out}");
    for s in simloop_scenarios::all() {
        if s.story(0).is_some() {
            assert!(
                out.contains(&format!("\n{} · ", s.name)),
                "{} missing from the tour",
                s.name
            );
        }
    }
}
