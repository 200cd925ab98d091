//! The numbers the documentation records for the bug scenarios (how many
//! seeds each strategy needs, how many fail, the shrunk schedule, how many
//! schedules each exploration order runs before the first failure) match a
//! fresh measurement, in `docs/scenarios.md` and in each bug's module docs.

use simloop::Strategy;
use simloop::harness::Order;
use simloop_scenarios::bugs::{self, explore, measure, measured_strategies};

const SEEDS: u64 = 1000;
const SCHEDULES: usize = 1000;

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
        let mut sentences = Vec::new();
        for strategy in measured_strategies() {
            let m = measure(&bug, &strategy, SEEDS);
            match strategy {
                Strategy::Fifo => {
                    assert_eq!(m.failing, 0, "{}: FIFO must not show the bug", bug.name);
                }
                // Only the depth-3 bug is out of reach of depth 2.
                Strategy::Pct { depth: 2 } if bug.name == "torn_config" => {
                    assert_eq!(m.failing, 0, "{}: {m}", bug.name);
                }
                _ => {
                    assert!(m.first.is_some_and(|s| s < 200), "{}: {m}", bug.name);
                    assert!(
                        m.shrunk.as_ref().is_some_and(|s| s.1 <= 2),
                        "{}: {m}",
                        bug.name
                    );
                }
            }
            sentences.push(m.to_string());
        }
        for order in [Order::Preemptions, Order::Deviations] {
            let e = explore(&bug, order, SCHEDULES);
            if order == Order::Preemptions {
                assert!(e.first.is_some(), "{}: {e}", bug.name);
            }
            sentences.push(e.to_string());
        }
        for sentence in sentences {
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

/// Exploration by preemptions reaches every bug in fewer schedules than
/// exploration by deviations (or at the same one), and the bug that needs
/// a task to run on much sooner.
#[test]
fn preemption_bounding_reaches_the_bugs_first() {
    for bug in bugs::all() {
        let by_preemptions = explore(&bug, Order::Preemptions, SCHEDULES);
        let by_deviations = explore(&bug, Order::Deviations, SCHEDULES);
        let (p, d) = (
            by_preemptions.first.map_or(usize::MAX, |f| f.0),
            by_deviations.first.map_or(usize::MAX, |f| f.0),
        );
        println!("{}: {p} against {d} schedules", bug.name);
        if bug.name == "run_on" {
            assert!(
                p * 2 < d,
                "{}: {by_preemptions} / {by_deviations}",
                bug.name
            );
        }
    }
}
