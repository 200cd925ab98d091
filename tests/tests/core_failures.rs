//! Failures are values: deadlock, limits, non-determinism.

use std::cell::Cell;
use std::time::Duration;

use futures::channel::oneshot;
use simloop::task::{self, WaitReason};
use simloop::{Sim, SimError, Strategy, time};

#[test]
fn a_deadlock_names_every_blocked_task_and_what_it_waits_on() {
    let err = Sim::new(21)
        .run(async {
            let (_keep, never) = oneshot::channel::<()>();
            let waiter = task::spawn_named("consumer-1", async move {
                never.await.ok();
            });
            let labelled = task::spawn_named(
                "labelled",
                std::future::poll_fn(|_cx| {
                    task::wait_on(WaitReason::new("Queue::get").on("jobs"));
                    std::task::Poll::<()>::Pending
                }),
            );
            time::sleep(Duration::from_secs(5)).await;
            waiter.await.unwrap();
            labelled.await.unwrap();
        })
        .unwrap_err();
    let SimError::Deadlock { blocked, ctx } = &err else {
        panic!("expected a deadlock, got {err}");
    };
    assert_eq!(ctx.seed, 21);
    assert_eq!(ctx.time.since_start(), Duration::from_secs(5));
    let names: Vec<_> = blocked.iter().map(|b| b.task.label()).collect();
    assert_eq!(names, ["main", "consumer-1", "labelled"]);
    assert_eq!(
        blocked[0].waiting_on.as_ref().unwrap().to_string(),
        "JoinHandle::await on task 1"
    );
    assert_eq!(blocked[1].waiting_on, None);
    assert_eq!(
        blocked[2].waiting_on.as_ref().unwrap().to_string(),
        "Queue::get on \"jobs\""
    );
    let text = err.to_string();
    assert!(
        text.starts_with("deadlock: 3 task(s) blocked forever"),
        "{text}"
    );
    assert!(text.contains("task 1 \"consumer-1\""), "{text}");
    assert!(
        text.contains("SIMLOOP_SEED=21 SIMLOOP_STRATEGY=fifo"),
        "{text}"
    );
}

#[test]
fn a_time_limit_stops_an_endless_sleep_loop() {
    let err = Sim::builder()
        .time_limit(Duration::from_secs(3600))
        .build()
        .run(async {
            loop {
                time::sleep(Duration::from_secs(7)).await;
            }
        })
        .unwrap_err();
    let SimError::TimeLimit { limit, ctx } = &err else {
        panic!("expected a time limit, got {err}");
    };
    assert_eq!(*limit, Duration::from_secs(3600));
    // The run stops at the limit: the next wake-up (3605 s) lies beyond it.
    assert_eq!(ctx.time.since_start(), Duration::from_secs(3600));
}

#[test]
fn a_sleep_past_the_time_limit_stops_the_run_at_the_limit() {
    let err = Sim::builder()
        .time_limit(Duration::from_secs(3600))
        .build()
        .run(async { time::sleep(Duration::from_secs(7200)).await })
        .unwrap_err();
    assert_eq!(err.context().time.since_start(), Duration::from_secs(3600));
    assert!(err.to_string().contains("at virtual t=3600s"), "{err}");
}

#[test]
fn a_time_limit_also_catches_busy_work() {
    let err = Sim::builder()
        .time_limit(Duration::from_secs(10))
        .build()
        .run(async {
            time::busy(Duration::from_secs(11));
            task::yield_now().await;
        })
        .unwrap_err();
    assert!(matches!(err, SimError::TimeLimit { .. }), "{err}");
}

#[test]
fn a_step_limit_stops_an_endless_yield_loop() {
    let err = Sim::builder()
        .max_steps(1000)
        .strategy(Strategy::Random)
        .seed(4)
        .build()
        .run(async {
            task::spawn(async {
                loop {
                    task::yield_now().await;
                }
            });
            loop {
                task::yield_now().await;
            }
        })
        .unwrap_err();
    let SimError::StepLimit { limit, ctx } = &err else {
        panic!("expected a step limit, got {err}");
    };
    assert_eq!(*limit, 1000);
    assert_eq!(ctx.step, 1000);
    assert_eq!(ctx.time, time::Instant::ZERO);
    assert!(
        err.to_string()
            .contains("SIMLOOP_SEED=4 SIMLOOP_STRATEGY=random")
    );
}

#[test]
fn check_determinism_returns_the_value_of_a_deterministic_program() {
    let v = Sim::builder()
        .seed(8)
        .strategy(Strategy::Random)
        .build()
        .check_determinism(|| async {
            let a = task::spawn(async { simloop::rand::range(1..=6u8) });
            let b = task::spawn(async { simloop::rand::range(1..=6u8) });
            (a.await.unwrap(), b.await.unwrap())
        })
        .unwrap();
    assert!((1..=6).contains(&v.0) && (1..=6).contains(&v.1));
}

thread_local! {
    static LEAKY: Cell<u64> = const { Cell::new(0) };
}

#[test]
fn check_determinism_reports_the_first_divergent_event() {
    // State outside the simulation changes between runs: the second run
    // spawns one more task.
    let err = Sim::new(2)
        .check_determinism(|| async {
            let n = LEAKY.with(|c| {
                c.set(c.get() + 1);
                c.get()
            });
            for _ in 0..n {
                task::spawn(time::sleep(Duration::from_secs(1)))
                    .await
                    .unwrap();
            }
        })
        .unwrap_err();
    let SimError::NonDeterminism {
        index,
        first,
        second,
        ..
    } = &err
    else {
        panic!("expected non-determinism, got {err}");
    };
    assert!(*index > 0);
    assert_ne!(first, second);
    assert!(err.to_string().contains("diverged at event"), "{err}");
}

#[test]
fn errors_carry_context_and_a_reproduction_line() {
    let err = Sim::builder()
        .seed(77)
        .strategy(Strategy::Pct { depth: 2 })
        .build()
        .run(async {
            let (_tx, rx) = oneshot::channel::<()>();
            rx.await.ok();
        })
        .unwrap_err();
    assert_eq!(err.seed(), 77);
    assert_eq!(err.kind(), "deadlock");
    assert_eq!(err.context().strategy, "pct:2");
    let text = err.to_string();
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with("reproduce: rerun with SIMLOOP_SEED=77 SIMLOOP_STRATEGY=pct:2"),
        "{text}"
    );
}
