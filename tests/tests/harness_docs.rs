//! The user guide's table of environment variables matches what the harness
//! reads.

use simloop::harness::VARIABLES;

const GUIDE: &str = include_str!("../../docs/testing.md");

#[test]
fn the_guide_lists_every_variable_as_the_harness_describes_it() {
    let table: Vec<&str> = GUIDE
        .lines()
        .skip_while(|l| *l != "## Environment variables")
        .filter(|l| l.starts_with("| `SIMLOOP_"))
        .collect();
    let expected: Vec<String> = VARIABLES
        .iter()
        .map(|v| format!("| `{}` | {} | {} |", v.name, v.accepts, v.meaning))
        .collect();
    assert_eq!(table, expected);
}

#[test]
fn every_variable_the_guide_mentions_exists() {
    let mut rest = GUIDE;
    while let Some(start) = rest.find("SIMLOOP_") {
        let name: String = rest[start..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || *c == '_')
            .collect();
        // `SIMLOOP_*` stands for all of them.
        assert!(
            name == "SIMLOOP_" || VARIABLES.iter().any(|v| v.name == name),
            "the guide mentions {name}, which the harness does not read"
        );
        rest = &rest[start + name.len()..];
    }
}

/// The scenario of the guide's "Writing a scenario test", verbatim.
async fn increments_are_not_lost() {
    use simloop::task;
    use std::cell::Cell;
    use std::rc::Rc;

    let counter = Rc::new(Cell::new(0));
    let workers: Vec<_> = (0..2)
        .map(|lead| {
            let counter = counter.clone();
            task::spawn(async move {
                for _ in 0..lead {
                    task::yield_now().await;
                }
                let read = counter.get();
                task::yield_now().await; // another task may run here
                counter.set(read + 1);
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    assert_eq!(counter.get(), 2, "lost update");
}

/// The lines of the first `text` block after `heading`.
fn text_block(heading: &str) -> Vec<&'static str> {
    GUIDE
        .lines()
        .skip_while(|l| *l != heading)
        .skip_while(|l| *l != "```text")
        .skip(1)
        .take_while(|l| *l != "```")
        .collect()
}

#[test]
fn the_guide_shows_the_failure_report_the_harness_prints() {
    use simloop::harness::{EnvConfig, TestFailure, TestSpec, try_run_test};

    let dir = tempfile::tempdir().unwrap();
    // As `#[simloop::test(seeds = 500)]` in `tests/counter.rs` of `myapp`.
    let spec = TestSpec::new("myapp", "counter", "increments_are_not_lost")
        .source("tests/counter.rs", "/home/me/myapp")
        .seeds(500)
        .regressions_dir(dir.path());
    let env = EnvConfig::from_lookup(|_| None).unwrap();
    let Err(TestFailure::Failed(failure)) =
        try_run_test(&spec, &env, |_| increments_are_not_lost())
    else {
        panic!("the guide's test fails");
    };
    let printed = failure.to_string();
    let expected = text_block("## Reading a failure");
    let printed: Vec<&str> = printed.lines().collect();
    assert_eq!(printed.len(), expected.len(), "{printed:#?}");
    for (printed, expected) in printed.iter().zip(&expected) {
        // Where the assertion is and where the file went differ here.
        let same = if let Some(at) = expected.find(" (at ") {
            printed.starts_with(&expected[..at])
                && printed.ends_with(&expected[expected.find(");").unwrap()..])
        } else if expected.starts_with("recorded in ") {
            let file = "/counter/increments_are_not_lost.txt";
            printed.starts_with("recorded in ") && printed.ends_with(file)
        } else {
            printed == expected
        };
        assert!(
            same,
            "the guide says\n{expected}\nthe harness prints\n{printed}"
        );
    }
    // The regressions file, as the guide shows it.
    let file = std::fs::read_to_string(spec.regressions_file()).unwrap();
    assert_eq!(
        file.lines().collect::<Vec<_>>(),
        text_block("## The regressions file")
    );
}
