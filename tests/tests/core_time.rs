//! Virtual time: exact elapsed times, sleep, timeout and busy.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use simloop::{Sim, Strategy, task, time};

fn strategies() -> Vec<Strategy> {
    vec![
        Strategy::Fifo,
        Strategy::Random,
        Strategy::Pct { depth: 1 },
        Strategy::Pct { depth: 3 },
    ]
}

#[test]
fn gathered_sleepers_take_exactly_the_longest_sleep_under_every_strategy() {
    for strategy in strategies() {
        for seed in 0..200 {
            let sim = Sim::builder().seed(seed).strategy(strategy.clone()).build();
            let (got, elapsed) = sim
                .run(async {
                    let start = time::now();
                    let handles: Vec<_> = (1..=5u64)
                        .map(|i| {
                            task::spawn(async move {
                                time::sleep(Duration::from_millis(250 * i)).await;
                                i
                            })
                        })
                        .collect();
                    let mut got = Vec::new();
                    for h in handles {
                        got.push(h.await.unwrap());
                    }
                    (got, time::now() - start)
                })
                .unwrap();
            assert_eq!(got, vec![1, 2, 3, 4, 5]);
            assert_eq!(
                elapsed,
                Duration::from_millis(1250),
                "seed {seed}, {strategy}"
            );
        }
    }
}

#[test]
fn nanosecond_sleeps_are_exact_without_rounding() {
    let t = Sim::new(1)
        .run(async {
            time::sleep(Duration::from_nanos(1)).await;
            time::sleep(Duration::from_nanos(999_999)).await;
            time::sleep(Duration::new(3, 7)).await;
            time::now()
        })
        .unwrap();
    assert_eq!(t.as_nanos(), 1 + 999_999 + 3_000_000_007);
}

#[test]
fn an_hour_of_sleep_is_an_hour_of_virtual_time() {
    let report = Sim::new(2)
        .run_report(async { time::sleep(Duration::from_secs(3600)).await })
        .unwrap();
    assert_eq!(report.elapsed, Duration::from_secs(3600));
    assert_eq!(report.steps, 2, "one poll to arm the timer, one to finish");
}

#[test]
fn sleep_zero_yields_exactly_once() {
    let order = Rc::new(RefCell::new(Vec::new()));
    let o = Rc::clone(&order);
    Sim::new(0)
        .run(async move {
            let o2 = Rc::clone(&o);
            task::spawn(async move { o2.borrow_mut().push("other") });
            o.borrow_mut().push("before");
            time::sleep(Duration::ZERO).await;
            o.borrow_mut().push("after");
            assert_eq!(time::now(), time::Instant::ZERO);
        })
        .unwrap();
    assert_eq!(*order.borrow(), ["before", "other", "after"]);
}

#[test]
fn sleep_until_a_past_instant_returns_without_advancing_the_clock() {
    let t = Sim::new(0)
        .run(async {
            time::sleep(Duration::from_secs(5)).await;
            time::sleep_until(time::Instant::from_nanos(1)).await;
            time::now()
        })
        .unwrap();
    assert_eq!(t.since_start(), Duration::from_secs(5));
}

#[test]
fn busy_delays_timers_that_came_due() {
    // Tasks due at 1 s and 2 s; the root sleeps 0.1 s then blocks the loop
    // for 3 s: both wake at 3.1 s, in deadline order.
    for strategy in strategies() {
        for seed in 0..50 {
            let sim = Sim::builder().seed(seed).strategy(strategy.clone()).build();
            let woke = sim
                .run(async {
                    let log = Rc::new(RefCell::new(Vec::new()));
                    let mut handles = Vec::new();
                    for (name, secs) in [("hello", 1), ("world", 2)] {
                        let log = Rc::clone(&log);
                        handles.push(task::spawn(async move {
                            time::sleep(Duration::from_secs(secs)).await;
                            log.borrow_mut().push((name, time::now().since_start()));
                        }));
                    }
                    time::sleep(Duration::from_millis(100)).await;
                    time::busy(Duration::from_secs(3)).await;
                    assert_eq!(time::now().since_start(), Duration::from_millis(3100));
                    for h in handles {
                        h.await.unwrap();
                    }
                    Rc::try_unwrap(log).unwrap().into_inner()
                })
                .unwrap();
            // Both late, and in deadline order under every strategy: the
            // task due at 2 s never overtakes the one due at 1 s.
            let at = Duration::from_millis(3100);
            assert_eq!(woke, vec![("hello", at), ("world", at)], "{strategy}");
        }
    }
}

#[test]
fn overdue_timers_keep_deadline_order_but_tasks_due_together_are_still_shuffled() {
    // a and b are due at 1 s, c at 2 s; the loop is blocked until 5 s.
    let orders: std::collections::BTreeSet<String> = (0..200)
        .map(|seed| {
            Sim::builder()
                .seed(seed)
                .strategy(Strategy::Random)
                .build()
                .run(async {
                    let log = Rc::new(RefCell::new(String::new()));
                    let hs: Vec<_> = [('a', 1), ('b', 1), ('c', 2)]
                        .into_iter()
                        .map(|(name, secs)| {
                            let log = Rc::clone(&log);
                            task::spawn(async move {
                                time::sleep(Duration::from_secs(secs)).await;
                                log.borrow_mut().push(name);
                            })
                        })
                        .collect();
                    // Let every task arm its timer, then block the loop.
                    time::sleep(Duration::from_millis(100)).await;
                    time::busy(Duration::from_secs(5));
                    for h in hs {
                        h.await.unwrap();
                    }
                    log.take()
                })
                .unwrap()
        })
        .collect();
    let expected: std::collections::BTreeSet<String> =
        ["abc", "bac"].into_iter().map(String::from).collect();
    assert_eq!(orders, expected);
}

#[test]
fn busy_without_await_has_the_same_effect() {
    let t = Sim::new(0)
        .run(async {
            time::busy(Duration::from_secs(2));
            time::now()
        })
        .unwrap();
    assert_eq!(t.since_start(), Duration::from_secs(2));
}

struct DropFlag(Rc<RefCell<Option<Duration>>>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        *self.0.borrow_mut() = Some(time::now().since_start());
    }
}

#[test]
fn timeout_fires_at_exactly_its_deadline_and_drops_the_inner_future() {
    let dropped_at = Rc::new(RefCell::new(None));
    let completed = Rc::new(RefCell::new(false));
    let (d, c) = (Rc::clone(&dropped_at), Rc::clone(&completed));
    let err = Sim::new(0)
        .run(async move {
            let op = async move {
                let _flag = DropFlag(d);
                time::sleep(Duration::from_secs(400)).await;
                *c.borrow_mut() = true;
            };
            let r = time::timeout(Duration::from_secs(1), op).await;
            assert_eq!(time::now().since_start(), Duration::from_secs(1));
            // Run on: the cancelled operation never completes.
            time::sleep(Duration::from_secs(1000)).await;
            r.unwrap_err()
        })
        .unwrap();
    assert_eq!(err.deadline().since_start(), Duration::from_secs(1));
    assert_eq!(*dropped_at.borrow(), Some(Duration::from_secs(1)));
    assert!(!*completed.borrow());
}

#[test]
fn timeout_returns_the_value_of_a_future_that_finishes_first() {
    let v = Sim::new(0)
        .run(async {
            let r = time::timeout(Duration::from_secs(2), async {
                time::sleep(Duration::from_secs(1)).await;
                7
            })
            .await;
            (r, time::now().since_start())
        })
        .unwrap();
    assert_eq!(v, (Ok(7), Duration::from_secs(1)));
}

// CPython 3.13: `async with asyncio.timeout(0): return await f()` gives f's
// value when f completes without suspending; `await asyncio.wait_for(f(), 0)`
// raises TimeoutError without starting f.
#[test]
fn a_zero_timeout_returns_a_ready_value_and_a_zero_wait_for_does_not_start_it() {
    let v = Sim::new(0)
        .run(async {
            (
                time::timeout(Duration::ZERO, async { 42 }).await,
                time::wait_for(Duration::ZERO, async { 42 }).await.is_err(),
            )
        })
        .unwrap();
    assert_eq!(v, (Ok(42), true));
}

#[test]
fn a_cancelled_timer_does_not_keep_the_simulation_alive() {
    // The 400 s timer is cancelled by the timeout; the run ends at 1 s.
    let report = Sim::new(0)
        .run_report(async {
            let _ = time::timeout(
                Duration::from_secs(1),
                time::sleep(Duration::from_secs(400)),
            )
            .await;
        })
        .unwrap();
    assert_eq!(report.elapsed, Duration::from_secs(1));
}

#[test]
fn instants_do_arithmetic_and_display_virtual_time() {
    let a = time::Instant::from_nanos(1_500_000_000);
    assert_eq!(a.to_string(), "t=1.5s");
    assert_eq!(
        a + Duration::from_millis(500),
        time::Instant::from_nanos(2_000_000_000)
    );
    assert_eq!(a - time::Instant::ZERO, Duration::from_millis(1500));
    assert_eq!(time::Instant::ZERO - a, Duration::ZERO);
    assert_eq!(time::try_now(), None);
}

#[test]
#[should_panic(expected = "simloop::time::sleep was called outside a simulation")]
fn sleeping_outside_a_simulation_panics_with_a_helpful_message() {
    drop(time::sleep(Duration::from_secs(1)));
}

#[test]
fn a_tie_between_the_deadline_and_the_inner_future_goes_to_the_deadline() {
    // asyncio: `wait_for(sleep(1), timeout=1)` raises TimeoutError.
    let r = Sim::new(0)
        .run(async {
            time::timeout(Duration::from_secs(1), async {
                time::sleep(Duration::from_secs(1)).await;
                "done"
            })
            .await
        })
        .unwrap();
    assert!(r.is_err());
}

#[test]
fn a_zero_timeout_fails_a_future_that_is_not_ready_at_once() {
    // asyncio: `wait_for(coro_that_yields_once(), 0)` raises TimeoutError.
    let (r, at) = Sim::new(0)
        .run(async {
            let r = time::wait_for(Duration::ZERO, async {
                task::yield_now().await;
                1
            })
            .await;
            (r, time::now())
        })
        .unwrap();
    assert!(r.is_err());
    assert_eq!(at, time::Instant::ZERO);
}

#[test]
fn elapsed_and_try_now_read_the_virtual_clock_inside_a_simulation() {
    Sim::new(3)
        .run(async {
            let start = time::now();
            assert_eq!(time::try_now(), Some(start));
            time::sleep(Duration::from_millis(1_250)).await;
            assert_eq!(start.elapsed(), Duration::from_millis(1_250));
            assert_eq!(time::try_now(), Some(start + Duration::from_millis(1_250)));
            // An instant in the future has no elapsed time yet.
            assert_eq!(
                (time::now() + Duration::from_secs(1)).elapsed(),
                Duration::ZERO
            );
        })
        .unwrap();
}

#[test]
fn a_sleep_knows_its_deadline_and_when_it_has_passed() {
    Sim::new(3)
        .run(async {
            time::sleep(Duration::from_secs(2)).await;
            let sleep = time::sleep(Duration::from_secs(5));
            assert_eq!(sleep.deadline().since_start(), Duration::from_secs(7));
            assert!(!sleep.is_elapsed());
            time::sleep(Duration::from_millis(4_999)).await;
            assert!(!sleep.is_elapsed(), "one millisecond early");
            time::sleep(Duration::from_millis(1)).await;
            assert!(sleep.is_elapsed(), "exactly at the deadline");
            time::sleep(Duration::from_secs(1)).await;
            assert!(sleep.is_elapsed(), "after the deadline");
            let until = time::sleep_until(time::Instant::from_nanos(3));
            assert_eq!(until.deadline(), time::Instant::from_nanos(3));
            assert!(until.is_elapsed());
        })
        .unwrap();
}

#[test]
fn a_timeout_reports_its_deadline_and_expires_only_when_it_fires() {
    Sim::new(3)
        .run(async {
            time::sleep(Duration::from_secs(1)).await;
            // In time: never expired, before or after.
            let mut fast = std::pin::pin!(time::timeout(
                Duration::from_secs(2),
                time::sleep(Duration::from_millis(10))
            ));
            assert_eq!(fast.when().since_start(), Duration::from_secs(3));
            assert!(!fast.expired());
            assert_eq!(fast.as_mut().await, Ok(()));
            assert!(!fast.expired());
            // Late: expired once it fired, and its error names the deadline.
            let mut slow = std::pin::pin!(time::timeout_at(
                time::Instant::from_nanos(4_000_000_000),
                time::sleep(Duration::from_secs(60))
            ));
            assert_eq!(slow.when(), time::Instant::from_nanos(4_000_000_000));
            assert!(!slow.expired());
            let err = slow.as_mut().await.unwrap_err();
            assert!(slow.expired());
            assert_eq!(err.deadline(), slow.when());
            assert_eq!(time::now().since_start(), Duration::from_secs(4));
        })
        .unwrap();
}

#[test]
fn a_timeout_debug_names_the_function_that_made_it() {
    Sim::new(3)
        .run(async {
            let t = time::timeout(Duration::from_secs(1), time::sleep(Duration::ZERO));
            let w = time::wait_for(Duration::from_secs(1), time::sleep(Duration::ZERO));
            let h = time::wait_for_handle(Duration::from_secs(1), task::spawn(async { 1 }));
            let (t, w, h) = (format!("{t:?}"), format!("{w:?}"), format!("{h:?}"));
            assert!(t.contains("mode: Timeout"), "{t}");
            assert!(w.contains("mode: WaitFor"), "{w}");
            assert!(h.contains("mode: Handle"), "{h}");
        })
        .unwrap();
}

#[test]
fn a_timeout_that_fired_is_expired_before_it_is_polled_again() {
    Sim::new(3)
        .run(async {
            let mut t = std::pin::pin!(time::timeout(
                Duration::from_secs(1),
                time::sleep(Duration::from_secs(10))
            ));
            // Polled once, then left alone past its deadline.
            assert!(futures::poll!(t.as_mut()).is_pending());
            time::sleep(Duration::from_secs(2)).await;
            assert!(t.expired(), "fired at 1 s, not polled since");
            assert!(t.as_mut().await.is_err());
            assert!(t.expired());
        })
        .unwrap();
}

#[test]
fn reschedule_moves_a_live_deadline_and_refuses_once_the_timeout_is_over() {
    Sim::new(3)
        .run(async {
            let at = |secs| time::Instant::ZERO + Duration::from_secs(secs);
            // Before the first poll, and while pending: moved.
            let mut t = std::pin::pin!(time::timeout(
                Duration::from_secs(1),
                time::sleep(Duration::from_secs(10))
            ));
            assert!(t.as_mut().reschedule(at(2)));
            assert_eq!(t.when(), at(2));
            assert!(futures::poll!(t.as_mut()).is_pending());
            assert!(t.as_mut().reschedule(at(4)));
            assert_eq!(t.when(), at(4));
            assert!(t.as_mut().await.is_err());
            assert_eq!(time::now(), at(4));
            // Expired: refused, the deadline unchanged.
            assert!(!t.as_mut().reschedule(at(9)));
            assert_eq!(t.when(), at(4));

            // Completed in time: refused.
            let mut done = std::pin::pin!(time::timeout(Duration::from_secs(5), async { 7 }));
            assert_eq!(done.as_mut().await, Ok(7));
            assert!(!done.expired());
            assert!(!done.as_mut().reschedule(at(20)));
            assert_eq!(done.when(), at(9));

            // A zero wait_for cancelling its coroutine: refused, and it
            // still times out.
            let mut zero = std::pin::pin!(time::wait_for(Duration::ZERO, async { 1 }));
            assert!(futures::poll!(zero.as_mut()).is_pending());
            assert!(!zero.as_mut().reschedule(at(30)));
            assert!(zero.as_mut().await.is_err());
            assert_eq!(time::now(), at(4));
        })
        .unwrap();
}
