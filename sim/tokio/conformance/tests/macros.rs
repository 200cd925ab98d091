//! `select!`, `join!`, `try_join!` and `pin!` under the facade (the
//! behaviours of tokio's `macros_select.rs`, `macros_join.rs`,
//! `macros_try_join.rs` and `macros_pin.rs`).

use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::{Instant, sleep};

#[tokio::test]
async fn select_runs_the_first_branch_to_complete_and_drops_the_others() {
    let v = tokio::select! {
        _ = sleep(Duration::from_secs(2)) => 2,
        _ = sleep(Duration::from_secs(1)) => 1,
    };
    assert_eq!(v, 1);
    assert_eq!(Instant::now().elapsed(), Duration::ZERO);
}

#[tokio::test]
async fn a_branch_whose_pattern_fails_is_disabled_and_else_runs() {
    let (tx, rx) = oneshot::channel::<u32>();
    drop(tx);
    let v = tokio::select! {
        Ok(v) = rx => v,
        else => 99,
    };
    assert_eq!(v, 99);
}

#[tokio::test]
async fn preconditions_disable_branches() {
    let mut polled = false;
    let v = tokio::select! {
        _ = async { polled = true; }, if false => 1,
        v = async { 2 } => v,
    };
    assert_eq!(v, 2);
    assert!(!polled);
    let v = tokio::select! {
        _ = async {}, if false => 1,
        else => 3,
    };
    assert_eq!(v, 3);
}

#[tokio::test]
async fn handlers_may_return_break_and_use_the_branch_bindings() {
    let mut count = 0;
    loop {
        tokio::select! {
            biased;
            n = async { count + 1 } => {
                count = n;
                if count == 3 {
                    break;
                }
            }
            _ = sleep(Duration::from_secs(1)) => unreachable!(),
        }
    }
    assert_eq!(count, 3);
}

/// Which of two ready branches a select! picks under one seed.
fn first_ready_branch(seed: u64, biased: bool) -> u32 {
    simloop::Sim::new(seed)
        .run(async move {
            if biased {
                tokio::select! { biased; v = async { 0 } => v, v = async { 1 } => v }
            } else {
                tokio::select! { v = async { 0 } => v, v = async { 1 } => v }
            }
        })
        .unwrap()
}

#[test]
fn the_branch_order_comes_from_the_seed_and_biased_keeps_it_fixed() {
    let picks: Vec<u32> = (0..64).map(|s| first_ready_branch(s, false)).collect();
    assert!(picks.contains(&0) && picks.contains(&1), "{picks:?}");
    let again: Vec<u32> = (0..64).map(|s| first_ready_branch(s, false)).collect();
    assert_eq!(picks, again, "the same seeds pick the same branches");
    assert!((0..64).all(|s| first_ready_branch(s, true) == 0));
}

#[test]
fn select_does_not_consume_the_users_random_stream() {
    let draw = |with_select: bool| {
        simloop::Sim::new(5)
            .run(async move {
                if with_select {
                    let _ = tokio::select! { v = async { 0 } => v, v = async { 1 } => v };
                }
                simloop::rand::u64()
            })
            .unwrap()
    };
    assert_eq!(draw(true), draw(false));
}

#[tokio::test]
async fn join_waits_for_all_concurrently() {
    let start = Instant::now();
    let (a, b, c) = tokio::join!(
        async {
            sleep(Duration::from_secs(2)).await;
            'a'
        },
        async {
            sleep(Duration::from_secs(3)).await;
            'b'
        },
        async { 'c' },
    );
    assert_eq!((a, b, c), ('a', 'b', 'c'));
    assert_eq!(start.elapsed(), Duration::from_secs(3));
    let () = tokio::join!();
    let (x,) = tokio::join!(biased; async { 1 });
    assert_eq!(x, 1);
}

#[tokio::test]
async fn try_join_returns_the_first_error_at_once() {
    let start = Instant::now();
    let r: Result<((), ()), &str> = tokio::try_join!(
        async {
            sleep(Duration::from_secs(10)).await;
            Ok(())
        },
        async {
            sleep(Duration::from_secs(1)).await;
            Err("failed")
        },
    );
    assert_eq!(r, Err("failed"));
    assert_eq!(start.elapsed(), Duration::from_secs(1));
    let ok: Result<(u8, u8), ()> = tokio::try_join!(async { Ok(1) }, async { Ok(2) });
    assert_eq!(ok, Ok((1, 2)));
}

#[tokio::test]
async fn pin_pins_in_place() {
    let fut = async { 5 };
    let other = async { 6 };
    tokio::pin!(fut, other);
    assert_eq!((&mut fut).await + (&mut other).await, 11);
    tokio::pin! {
        let s = sleep(Duration::from_millis(1));
    }
    (&mut s).await;
}
