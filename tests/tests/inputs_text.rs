//! Every text a user hands simloop, fuzzed: strategy and schedule strings,
//! shards, every `SIMLOOP_*` variable and regressions files. Whatever the
//! text, parsing never panics; what it accepts prints back to text that
//! parses to the same value, and what it rejects is an error that quotes
//! the text, says what is wrong and lists the accepted forms.
//!
//! The inputs are arbitrary Unicode strings and strings built from the
//! pieces of valid ones (names, numbers at the edges of their types,
//! separators, whitespace), which reach far more of the parsers' branches.
//! `SIMLOOP_PROPTEST_CASES` raises the number of cases (default 2 000 per
//! property). The attribute macro's arguments are fuzzed in its own crate
//! (`sim/macros/src/fuzz.rs`), where its parser is reachable.

use std::collections::BTreeMap;

use proptest::prelude::*;
use simloop::Schedule;
use simloop::Strategy as SimStrategy;
use simloop::harness::{EnvConfig, RegressionEntry, Regressions, Shard, VARIABLES};
use simloop_tests::budget;

/// Pieces of valid and almost valid inputs.
const PIECES: &[&str] = &[
    "fifo",
    "FIFO",
    "random",
    "pct",
    "replay",
    ":",
    ",",
    "/",
    "0",
    "1",
    "3",
    "17",
    "-1",
    "0x",
    "ff",
    "_",
    " ",
    "\t",
    "\n",
    "#",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "9999999",
    "yes",
    "off",
    "é",
    "\u{0}",
];

/// A text made of up to 8 pieces, or arbitrary Unicode.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec(proptest::sample::select(PIECES), 0..8)
            .prop_map(|pieces| pieces.concat()),
        any::<String>(),
        "[0-9:, ]{0,24}",
    ]
}

/// Schedules in their text form with small positions (a position up to ten
/// million is valid and allocates that many choices: fine once, too slow
/// for thousands of cases).
fn schedule_text() -> impl Strategy<Value = String> {
    prop_oneof![
        text().prop_filter("positions in the millions", |t| !has_large_number(t)),
        proptest::collection::vec((0usize..400, 0u32..5), 0..6).prop_map(|pairs| {
            pairs
                .iter()
                .map(|(p, i)| format!("{p}:{i}"))
                .collect::<Vec<_>>()
                .join(",")
        }),
    ]
}

/// Whether `text` has a run of 5 or more digits (a number that might be a
/// position in the millions).
fn has_large_number(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_digit())
        .any(|digits| digits.len() >= 5)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: budget::cases(2_000),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn strategies_parse_or_say_why(input in text()) {
        prop_assume!(!has_large_number(&input) || !input.contains("replay"));
        match input.parse::<SimStrategy>() {
            Ok(strategy) => {
                let again: SimStrategy = strategy.to_string().parse().expect("the text form parses");
                prop_assert_eq!(again, strategy);
            }
            Err(e) => {
                let text = e.to_string();
                prop_assert!(text.starts_with(&format!("invalid strategy {input:?}: ")), "{}", text);
                prop_assert!(text.contains("expected one of `fifo`"), "{}", text);
                prop_assert!(!e.reason().is_empty());
            }
        }
    }

    #[test]
    fn schedules_parse_or_say_why(input in schedule_text()) {
        match input.parse::<Schedule>() {
            Ok(schedule) => {
                let again: Schedule = schedule.to_string().parse().expect("the text form parses");
                prop_assert_eq!(again, schedule.trimmed());
                // As a strategy, the same text replays it.
                let strategy: SimStrategy = format!("replay:{schedule}").parse().unwrap();
                prop_assert_eq!(strategy, SimStrategy::Replay(schedule.trimmed()));
            }
            Err(e) => {
                let text = e.to_string();
                prop_assert!(text.starts_with(&format!("invalid schedule {input:?}: ")), "{}", text);
                prop_assert!(text.contains("`position:index`"), "{}", text);
                prop_assert!(!e.reason().is_empty());
            }
        }
    }

    #[test]
    fn shards_parse_or_say_why(input in text()) {
        match input.parse::<Shard>() {
            Ok(shard) => {
                prop_assert!(shard.index() < shard.count());
                prop_assert_eq!(shard.to_string().parse::<Shard>().unwrap(), shard);
            }
            Err(e) => {
                let text = e.to_string();
                prop_assert!(text.starts_with(&format!("invalid shard {input:?}: ")), "{}", text);
                prop_assert!(text.contains("`I/N`"), "{}", text);
            }
        }
    }

    #[test]
    fn every_variable_reads_or_names_itself(
        values in VARIABLES.iter().map(|var| value_of(var.name)).collect::<Vec<_>>(),
    ) {
        let map: BTreeMap<&str, String> = VARIABLES
            .iter()
            .zip(&values)
            .filter_map(|(var, value)| value.clone().map(|v| (var.name, v)))
            .collect();
        match EnvConfig::from_lookup(|name| map.get(name).cloned()) {
            Ok(env) => {
                // Whatever was read came from a variable that is set.
                prop_assert_eq!(env.seed.is_some(), set(&map, "SIMLOOP_SEED"));
                prop_assert_eq!(env.seeds.is_some(), set(&map, "SIMLOOP_SEEDS"));
                prop_assert_eq!(env.shard.is_some(), set(&map, "SIMLOOP_SHARD"));
                prop_assert_eq!(env.jobs.is_some(), set(&map, "SIMLOOP_JOBS"));
                prop_assert!(env.seeds != Some(0));
                prop_assert!(env.jobs.is_none_or(|j| j.get() <= simloop::harness::max_jobs()));
                if let (Some(shard), Some(seeds)) = (env.shard, env.seeds) {
                    prop_assert!(shard.seeds_of(seeds) > 0, "an empty shard was accepted");
                }
                if env.schedule.is_some() {
                    prop_assert!(env.seed.is_some(), "a schedule without a seed was accepted");
                }
            }
            Err(e) => {
                let var = VARIABLES.iter().find(|v| v.name == e.variable).expect("a known variable");
                let text = e.to_string();
                prop_assert!(map.contains_key(var.name), "{} is not set: {}", var.name, text);
                prop_assert!(text.starts_with(&format!("invalid {}=", var.name)), "{}", text);
                prop_assert!(text.ends_with(&format!("; {} accepts {}", var.name, var.accepts)), "{}", text);
                prop_assert!(!e.reason.is_empty());
            }
        }
    }

    #[test]
    fn regressions_lines_parse_or_say_why(line in regression_line()) {
        match line.parse::<RegressionEntry>() {
            Ok(entry) => {
                let again: RegressionEntry = entry.to_string().parse().expect("the text form parses");
                prop_assert_eq!(again.seed, entry.seed);
                prop_assert_eq!(again.strategy, entry.strategy);
            }
            Err(reason) => prop_assert!(!reason.is_empty()),
        }
    }
}

/// A variable's value: unset, one it accepts (or nearly), or fuzzed text.
fn value_of(name: &'static str) -> impl Strategy<Value = Option<String>> {
    let valid: BoxedStrategy<String> = match name {
        "SIMLOOP_SEED" => any::<u64>().prop_map(|s| s.to_string()).boxed(),
        "SIMLOOP_SEEDS" => (0u64..200).prop_map(|s| s.to_string()).boxed(),
        "SIMLOOP_STRATEGY" => {
            proptest::sample::select(vec!["fifo", "random", "pct:2", "replay:1:1", "replay:"])
                .prop_map(str::to_owned)
                .boxed()
        }
        "SIMLOOP_SCHEDULE" => schedule_text().boxed(),
        "SIMLOOP_SHARD" => (0u64..300, 0u64..300)
            .prop_map(|(i, n)| format!("{i}/{n}"))
            .boxed(),
        "SIMLOOP_JOBS" => prop_oneof![Just(0usize), 1usize..8, Just(usize::MAX)]
            .prop_map(|j| j.to_string())
            .boxed(),
        _ => proptest::sample::select(vec!["1", "0", "yes", "off", "maybe", ""])
            .prop_map(str::to_owned)
            .boxed(),
    };
    prop_oneof![
        3 => Just(None),
        4 => valid.prop_map(Some),
        1 => schedule_text().prop_map(Some),
    ]
}

fn set(map: &BTreeMap<&str, String>, name: &str) -> bool {
    map.get(name).is_some_and(|v| !v.trim().is_empty())
}

/// A line of a regressions file: a seed, a strategy and a schedule made of
/// fuzzed parts, or fuzzed text.
fn regression_line() -> impl Strategy<Value = String> {
    prop_oneof![
        (schedule_text(), text(), schedule_text()).prop_map(|(a, b, c)| format!("{a} {b} {c}")),
        (any::<u64>(), text()).prop_map(|(seed, strategy)| format!("{seed} {strategy}")),
        (any::<u64>(), schedule_text())
            .prop_map(|(seed, schedule)| format!("{seed} random {schedule}")),
        schedule_text(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: budget::cases(2_000) / 10, ..config() })]

    /// Whole files, written to disk and loaded as the harness loads them.
    #[test]
    fn regressions_files_load_or_name_the_line(lines in proptest::collection::vec(regression_line(), 0..6)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.txt");
        let text = lines.join("\n");
        std::fs::write(&path, &text).unwrap();
        match Regressions::load(&path) {
            Ok(file) => {
                let kept = text
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .count();
                prop_assert_eq!(file.entries().len(), kept);
            }
            Err(e) => {
                let message = e.to_string();
                prop_assert!(message.starts_with(&format!("{}:", path.display())), "{}", message);
                prop_assert!(message.contains("each line is `SEED STRATEGY [SCHEDULE]`"), "{}", message);
            }
        }
    }
}

/// The edge cases, stated: each text and the start of what the user reads.
#[test]
fn edge_cases_give_these_messages() {
    let strategy = |s: &str| s.parse::<SimStrategy>().unwrap_err().reason().to_owned();
    assert_eq!(strategy(""), "the text is empty");
    assert_eq!(strategy("   "), "the text is empty");
    assert_eq!(
        strategy("replay:"),
        "`replay:` needs a schedule after the `:` (`replay:fifo` for FIFO order)"
    );
    assert_eq!(
        strategy("replay"),
        "`replay` needs a schedule, as in `replay:3:1,17:2`"
    );
    assert_eq!(
        strategy("pct:4294967296"),
        "\"4294967296\" is not a depth of 1 or more"
    );
    assert_eq!(strategy("fifo:1"), "`fifo` takes no argument");
    assert_eq!(
        "replay:fifo".parse::<SimStrategy>().unwrap(),
        SimStrategy::Replay(Schedule::new())
    );
    let schedule = |s: &str| s.parse::<Schedule>().unwrap_err().reason().to_owned();
    assert_eq!(
        schedule("10000001:1"),
        "position 10000001 is implausibly large"
    );
    assert_eq!(schedule("1:4294967296"), "\"4294967296\" is not an index");
    assert_eq!(schedule("2:1,1:1"), "position 1 is out of order");
    assert_eq!(
        "0/18446744073709551615".parse::<Shard>().unwrap().count(),
        u64::MAX
    );
    // A regressions line with an empty replay is rejected, not run as FIFO.
    let err = "7 replay:".parse::<RegressionEntry>().unwrap_err();
    assert!(err.contains("`replay:` needs a schedule"), "{err}");
}
