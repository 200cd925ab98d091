//! `#[simloop::test]` on passing and failing scenarios.

use std::time::Duration;

use simloop::{rand, task, time};
use simloop_tests::programs;

#[simloop::test(seeds = 20)]
async fn concurrent_sleeps_take_the_longest_one() {
    let sleeps: Vec<_> = (0..4)
        .map(|_| {
            let secs = rand::range(1..=30u64);
            (secs, task::spawn(time::sleep(Duration::from_secs(secs))))
        })
        .collect();
    let longest = sleeps.iter().map(|(s, _)| *s).max().unwrap();
    for (_, handle) in sleeps {
        handle.await.unwrap();
    }
    assert_eq!(time::now().since_start(), Duration::from_secs(longest));
}

#[simloop::test(seeds = 10, strategy = "pct:2", time_limit = "2h", check_determinism)]
async fn options_are_accepted() -> Result<(), String> {
    time::sleep(Duration::from_secs(3600)).await;
    Ok(())
}

#[simloop::test(seeds = 5, time_limit = "1h", regressions = false)]
#[should_panic(expected = "time limit of 3600s (virtual) exceeded")]
async fn the_time_limit_applies_to_every_run() {
    time::sleep(Duration::from_secs(7200)).await;
}

#[simloop::test(seeds = 5, regressions = false)]
#[should_panic(expected = "returned Err(\"broken\")")]
async fn an_err_fails_the_test() -> Result<(), &'static str> {
    Err("broken")
}

/// Worker 1 yields once before its read-yield-write, so FIFO order passes
/// and one deviation loses an update.
async fn lost_update() {
    programs::lost_update([0, 1]).await;
}

#[simloop::test(seeds = 64, regressions = false)]
#[should_panic(
    expected = "cargo test -p simloop-tests --test macro_test -- a_failure_prints_its_replay_command --exact"
)]
async fn a_failure_prints_its_replay_command() {
    lost_update().await;
}

#[simloop::test(seeds = 64, regressions = false)]
#[should_panic(expected = "SIMLOOP_SCHEDULE=2:1,3:1 cargo test")]
async fn a_failure_prints_its_shrunk_schedule() {
    lost_update().await;
}

#[simloop::test(seeds = 3, strategy = "fifo")]
async fn fifo_order_passes_the_staggered_lost_update() {
    lost_update().await;
}

mod nested {
    #[simloop::test(seeds = 4, regressions = false)]
    #[should_panic(expected = "-- nested::the_test_path_includes_modules --exact")]
    async fn the_test_path_includes_modules() {
        panic!("always");
    }
}

#[simloop::test(seeds = 8)]
#[should_panic(expected = "always")]
async fn an_expected_failure_is_not_recorded() {
    panic!("always");
}

#[test]
fn expected_failures_leave_no_regressions_file() {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("simloop-regressions/macro_test/an_expected_failure_is_not_recorded.txt");
    assert!(std::panic::catch_unwind(an_expected_failure_is_not_recorded).is_err());
    assert!(!file.exists(), "{} was written", file.display());
}
