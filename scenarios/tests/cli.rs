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
    assert!(out.contains("[      0.000s] task-1  One"), "{out}");
    assert!(out.contains("[      1.000s] task-3  Two"), "{out}");
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

#[test]
fn sweep_all_passes_and_prints_the_table() {
    let o = simloop(&["sweep", "--all", "--seeds", "200", "--strategy", "pct"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("interleavings"), "{out}");
    assert!(out.contains("virtual min / median / max"), "{out}");
    for s in simloop_scenarios::all() {
        let listed = out.lines().any(|l| l.starts_with(&format!("{} ", s.name)));
        assert_eq!(
            listed,
            s.kind != simloop_scenarios::Kind::Bug,
            "{} in the table",
            s.name
        );
    }
    assert!(out.contains("Every property held on every seed."));
}

#[test]
fn sweep_of_a_bug_fails_with_commands_that_replay_it() {
    let o = simloop(&["sweep", "lost_update", "--seeds", "100", "--jobs", "2"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let commands: Vec<&str> = out
        .lines()
        .filter_map(|l| l.find("simloop replay").map(|i| &l[i..]))
        .collect();
    assert_eq!(commands.len(), 2, "the seed and the shrunk schedule: {out}");
    assert!(commands[1].contains("--strategy replay:"), "{out}");
    for command in commands {
        let args: Vec<&str> = command.split_whitespace().skip(1).collect();
        let o = simloop(&args);
        assert_eq!(o.status.code(), Some(1), "{command} replays the failure");
        assert!(stdout(&o).contains("property `no-lost-update` violated"));
    }
}

#[test]
fn sweep_needs_a_scenario() {
    let o = simloop(&["sweep"]);
    assert_eq!(o.status.code(), Some(2));
    let o = simloop(&["sweep", "count", "--seeds", "ten"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn run_draws_a_timeline_and_a_chrome_trace() {
    let dir = std::env::temp_dir().join(format!("simloop-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let svg = dir.join("count.svg");
    let json = dir.join("count.json");
    let o = simloop(&[
        "run",
        "count",
        "--timeline",
        svg.to_str().unwrap(),
        "--chrome-trace",
        json.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let svg_text = std::fs::read_to_string(&svg).unwrap();
    assert!(svg_text.starts_with("<svg"));
    for task in ["main", "task-1", "task-2", "task-3"] {
        assert!(svg_text.contains(&format!(">{task}<")), "lane {task}");
    }
    let json_text = std::fs::read_to_string(&json).unwrap();
    assert!(json_text.contains("\"traceEvents\""));
    assert!(json_text.contains("task-3"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_deadlocked_run_prints_its_log_and_who_waits_on_what() {
    let o = simloop(&["run", "lock_order", "--seed", "1", "--strategy", "random"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("payment  locked A"), "{out}");
    assert!(out.contains("the run failed: deadlock"), "{out}");
    assert!(
        out.contains("task 1 \"payment\" waits on Lock::lock on \"B\""),
        "{out}"
    );
    assert!(out.contains("replay       simloop replay lock_order --seed 1 --strategy random"));
}

#[test]
fn zero_seeds_and_zero_jobs_are_usage_errors() {
    let o = simloop(&["sweep", "count", "--seeds", "0"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains("--seeds") && err.contains("at least 1"),
        "{err}"
    );
    assert!(stdout(&o).is_empty(), "nothing ran: {}", stdout(&o));
    let o = simloop(&["sweep", "count", "--seeds", "10", "--jobs", "0"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains("--jobs") && err.contains("at least 1"),
        "{err}"
    );
}

#[test]
fn an_unwritable_picture_path_is_a_usage_error_before_the_run() {
    let o = simloop(&["run", "count", "--timeline", "/nonexistent-dir/x.svg"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("/nonexistent-dir/x.svg"), "{err}");
    assert!(
        err.contains("directory /nonexistent-dir does not exist"),
        "{err}"
    );
    assert!(stdout(&o).is_empty(), "the scenario did not run");
    let dir = std::env::temp_dir();
    let o = simloop(&["run", "count", "--chrome-trace", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("is a directory"), "{}", stderr(&o));
}

#[test]
fn quiet_run_prints_one_blank_line_and_counts_in_the_singular() {
    let o = simloop(&["run", "say_after-unawaited", "-q"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(!out.contains("\n\n\n"), "{out}");
    assert!(out.contains("steps        1 poll\n"), "{out}");
}

#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    // `simloop tour | head -1`: the reader is gone before the command writes.
    for args in [&["tour"][..], &["list"], &["run", "chess"]] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let o = Command::new(env!("CARGO_BIN_EXE_simloop"))
            .args(args)
            .stdout(writer)
            .output()
            .unwrap();
        let err = stderr(&o);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
    }
}
