//! No silent hang in virtual time: `busy` honours the time limit, even in
//! a task that never awaits, and a clock that reaches its maximum is an
//! error instead of a clock stuck there.

use std::time::Duration;

use simloop::{Sim, SimError, Strategy, task, time};

#[test]
fn a_task_looping_on_busy_without_awaiting_stops_at_the_time_limit() {
    let sim = Sim::builder()
        .seed(5)
        .strategy(Strategy::Random)
        .time_limit(Duration::from_secs(10))
        .build();
    let err = sim
        .run(async {
            let spinner = task::spawn_named("spinner", async {
                loop {
                    time::busy(Duration::from_secs(1));
                }
            });
            spinner.await.unwrap();
        })
        .unwrap_err();
    let SimError::TimeLimit { limit, ctx } = &err else {
        panic!("{err}");
    };
    assert_eq!(*limit, Duration::from_secs(10));
    assert_eq!(ctx.time.since_start(), Duration::from_secs(10));
    assert!(ctx.also.is_empty(), "{err}");
    assert!(
        err.to_string().starts_with(
            "time limit of 10s (virtual) exceeded; seed 5, strategy random, at virtual t=10s"
        ),
        "{err}"
    );
}

#[test]
fn the_root_looping_on_busy_stops_at_the_time_limit_too() {
    let err = Sim::builder()
        .time_limit(Duration::from_millis(2500))
        .build()
        .run(async {
            let mut spent = 0u32;
            loop {
                time::busy(Duration::from_secs(1));
                spent += 1;
                assert!(spent < 10, "busy ran past the limit");
            }
        })
        .unwrap_err();
    assert_eq!(err.kind(), "time limit", "{err}");
    assert_eq!(
        err.context().time.since_start(),
        Duration::from_millis(2500)
    );
}

#[test]
fn a_busy_that_ends_at_the_limit_is_within_it() {
    let t = Sim::builder()
        .time_limit(Duration::from_secs(3))
        .build()
        .run(async {
            time::busy(Duration::from_secs(3));
            time::now().since_start()
        })
        .unwrap();
    assert_eq!(t, Duration::from_secs(3));
}

#[test]
fn sleeping_to_the_end_of_time_is_a_clock_overflow() {
    let err = Sim::builder()
        .no_time_limit()
        .build()
        .run(async {
            time::sleep(Duration::MAX).await;
            // Before: the clock stayed at its maximum and this returned at once.
            time::sleep(Duration::from_secs(1)).await;
        })
        .unwrap_err();
    assert!(matches!(err, SimError::ClockOverflow { .. }), "{err}");
    assert_eq!(err.kind(), "clock overflow");
    assert!(
        err.to_string().starts_with(
            "the virtual clock reached its maximum (2^64-1 ns, about 584 years) and cannot move on: \
             a sleep, timeout or busy of nearly Duration::MAX in a run without a time limit; seed 0"
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("\nreproduce: rerun with SIMLOOP_SEED=0"),
        "{err}"
    );
}

#[test]
fn a_busy_to_the_end_of_time_is_a_clock_overflow() {
    let err = Sim::builder()
        .no_time_limit()
        .build()
        .run(async {
            time::busy(Duration::MAX);
            unreachable!("the run stops inside busy");
        })
        .unwrap_err();
    assert_eq!(err.kind(), "clock overflow", "{err}");
}

#[test]
fn with_the_default_limit_a_huge_sleep_is_a_time_limit() {
    let err = Sim::new(0)
        .run(async { time::sleep(Duration::MAX).await })
        .unwrap_err();
    assert_eq!(err.kind(), "time limit", "{err}");
}
