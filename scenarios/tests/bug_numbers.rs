//! The numbers the documentation records for the bug scenarios (how many
//! seeds each strategy needs, how many fail, the shrunk schedule) match a
//! fresh measurement, in `docs/scenarios.md` and in each bug's module docs.

use simloop::Strategy;
use simloop_scenarios::bugs::{self, measure};

const SEEDS: u64 = 1000;

fn read(path: &str) -> String {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

#[test]
fn documented_bug_hunts_match_a_fresh_measurement() {
    let guide = read("../docs/scenarios.md");
    let mut missing = Vec::new();
    for bug in bugs::all() {
        let module = read(&format!("src/bugs/{}.rs", bug.name));
        for strategy in [Strategy::Fifo, Strategy::Random, Strategy::Pct { depth: 3 }] {
            let m = measure(&bug, &strategy, SEEDS);
            if strategy == Strategy::Fifo {
                assert_eq!(m.failing, 0, "{}: FIFO must not show the bug", bug.name);
            } else {
                assert!(m.first.is_some_and(|s| s < 50), "{}: {m}", bug.name);
                assert_eq!(m.shrunk.as_ref().map(|s| s.1), Some(1), "{}: {m}", bug.name);
            }
            let sentence = m.to_string();
            println!("{}: {sentence}", bug.name);
            if !guide.contains(&sentence) {
                missing.push(format!("docs/scenarios.md, {}: {sentence}", bug.name));
            }
            if !module.contains(&format!("//! - {sentence}")) {
                missing.push(format!("src/bugs/{}.rs: //! - {sentence}", bug.name));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "missing or stale:\n{}",
        missing.join("\n")
    );
}
