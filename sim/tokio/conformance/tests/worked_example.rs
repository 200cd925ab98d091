//! The worked example of `docs/tokio.md`: the ledger service of
//! `simloop_tokio_conformance::ledger`, tested first the way a tokio user
//! would (one paused-clock run, in tokio's FIFO order), then across 1 000
//! seeds, which find the double deposit that the single order hides.

use simloop::harness::{EnvConfig, TestFailure, TestSpec, try_run_test};
use simloop::{Sim, Strategy};
use simloop_tokio_conformance::ledger::two_deposits;

/// What a `#[tokio::test(start_paused = true)]` sees: tokio's
/// current-thread runtime runs ready tasks in the order they woke, which
/// is simloop's FIFO strategy. (The same test, run against real tokio,
/// passes too; see docs/tokio.md.)
#[tokio::test(start_paused = true, strategy = "fifo", seeds = 1)]
async fn in_tokios_order_the_ledger_looks_right() {
    let end = two_deposits(false).await;
    assert_eq!(end.balance, 20);
    assert!(end.heartbeats >= 2, "{end:?}");
}

/// The scenario as a test of its own, for the harness to sweep.
fn spec(name: &str) -> TestSpec {
    TestSpec::new("simloop-tokio-conformance", "worked_example", name)
        .source(file!(), env!("CARGO_MANIFEST_DIR"))
        .seeds(1_000)
        .regressions(false)
}

fn no_env() -> EnvConfig {
    EnvConfig::from_lookup(|_| None).unwrap()
}

#[test]
fn a_thousand_seeds_find_the_double_deposit_and_replay_it() {
    let failure = try_run_test(&spec("two_deposits_sum_up"), &no_env(), |_seed| async {
        let end = two_deposits(false).await;
        assert_eq!(end.balance, 20, "a deposit was applied twice");
    })
    .unwrap_err();
    let TestFailure::Failed(failed) = failure else {
        panic!("expected a failing seed, got {failure}");
    };
    let report = failed.to_string();
    assert!(report.contains("a deposit was applied twice"), "{report}");
    assert!(
        report.contains(&format!("SIMLOOP_SEED={}", failed.seed)),
        "{report}"
    );
    assert!(
        report.contains("cargo test -p simloop-tokio-conformance"),
        "{report}"
    );
    // The shrunk schedule replays the failure: a client timed out at the
    // instant its deposit was applied, and deposited again (once or more:
    // the fewest preemptions, not the fewest repeats, is what shrinking
    // minimises).
    let shrunk = failed.shrunk().expect("the failure shrinks");
    assert!(shrunk.deviations() >= 1, "FIFO order passes");
    let replayed = Sim::builder()
        .seed(failed.seed)
        .strategy(shrunk.strategy())
        .build()
        .run(two_deposits(false))
        .unwrap();
    assert!(
        replayed.balance > 20 && replayed.balance.is_multiple_of(10),
        "a deposit applied more than once, got {replayed:?}"
    );
    // And FIFO order, tokio's, does not fail.
    let fifo = Sim::builder()
        .seed(failed.seed)
        .strategy(Strategy::Fifo)
        .build()
        .run(two_deposits(false))
        .unwrap();
    assert_eq!(fifo.balance, 20);
}

#[test]
fn the_fixed_ledger_passes_a_thousand_seeds() {
    let passed = try_run_test(&spec("fixed_deposits_sum_up"), &no_env(), |_seed| async {
        let end = two_deposits(true).await;
        assert_eq!(end.balance, 20);
    })
    .unwrap();
    assert_eq!(passed.sweep.seeds_run, 1_000);
}

/// The same check as a user writes it: a `#[tokio::test]` sweeping 1 000
/// seeds (here expected to fail; its report is the one in docs/tokio.md).
#[tokio::test(seeds = 1000)]
#[should_panic(expected = "a deposit was applied twice")]
async fn across_a_thousand_seeds_a_deposit_is_applied_twice() {
    let end = two_deposits(false).await;
    assert_eq!(end.balance, 20, "a deposit was applied twice");
}
