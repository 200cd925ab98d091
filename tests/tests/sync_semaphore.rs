//! `simloop::sync::{Semaphore, BoundedSemaphore}`: asyncio's semantics,
//! hand-off fairness, cancellation and the permit invariant.

use std::rc::Rc;
use std::time::Duration;

use futures::FutureExt;
use proptest::prelude::*;
use simloop::sync::{BoundedSemaphore, OverRelease, Semaphore, TryAcquireError};
use simloop::{Sim, SimError, task, time};
use simloop_tests::cancel::abort_then_join;
use simloop_tests::log::{Log, now_ms};
use simloop_tests::occupancy::Occupancy;
use simloop_tests::sims::sims;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn worker(sem: &Semaphore, log: &Log, name: String, hold: u64) -> task::JoinHandle<()> {
    let (sem, log) = (sem.clone(), log.clone());
    task::spawn(async move {
        let permit = sem.acquire().await;
        log.borrow_mut().push(format!("{name} in {}", now_ms()));
        time::sleep(secs(hold)).await;
        drop(permit);
        log.borrow_mut().push(format!("{name} out {}", now_ms()));
    })
}

#[test]
fn permits_are_handed_out_in_arrival_order_as_in_asyncio() {
    // CPython 3.11 (virtual clock), Semaphore(2), worker i holds i+1 s.
    let lines = Sim::new(1)
        .run(async {
            let sem = Semaphore::new(2);
            let log: Log = Rc::default();
            let ws: Vec<_> = (0..5)
                .map(|i| worker(&sem, &log, format!("w{i}"), i + 1))
                .collect();
            task::yield_now().await;
            log.borrow_mut().push(format!("locked {}", sem.is_locked()));
            for w in ws {
                w.await.unwrap();
            }
            assert_eq!(sem.available_permits(), 2);
            log.take()
        })
        .unwrap();
    assert_eq!(
        lines,
        vec![
            "w0 in 0",
            "w1 in 0",
            "locked true",
            "w0 out 1000",
            "w2 in 1000",
            "w1 out 2000",
            "w3 in 2000",
            "w2 out 4000",
            "w4 in 4000",
            "w3 out 6000",
            "w4 out 9000",
        ]
    );
}

#[test]
fn a_woken_waiter_that_is_cancelled_passes_its_permit_on() {
    // CPython 3.11: Semaphore(0), v0..v2 wait; two releases hand permits to
    // v0 and v1; v0 is cancelled before it runs, so v2 gets its permit.
    let (lines, value) = Sim::new(1)
        .run(async {
            let sem = Semaphore::new(0);
            let log: Log = Rc::default();
            let ws: Vec<_> = (0..3)
                .map(|i| worker(&sem, &log, format!("v{i}"), 1))
                .collect();
            task::yield_now().await;
            sem.release();
            sem.release();
            ws[0].abort();
            log.borrow_mut()
                .push(format!("value {}", sem.available_permits()));
            for w in ws {
                if let Err(e) = w.await {
                    assert!(e.is_cancelled(), "{e}");
                }
            }
            (log.take(), sem.available_permits())
        })
        .unwrap();
    assert_eq!(
        lines,
        vec![
            "value 0",
            "v1 in 0",
            "v2 in 0",
            "v1 out 1000",
            "v2 out 1000"
        ]
    );
    assert_eq!(value, 2);
}

#[test]
fn a_cancelled_woken_waiter_with_nobody_behind_returns_the_permit() {
    Sim::new(1)
        .run(async {
            let sem = Semaphore::new(0);
            let w = {
                let sem = sem.clone();
                task::spawn(async move {
                    let _p = sem.acquire().await;
                })
            };
            task::yield_now().await;
            sem.release(); // handed to w
            assert_eq!(sem.available_permits(), 0);
            w.abort();
            assert!(w.await.unwrap_err().is_cancelled());
            assert_eq!(sem.available_permits(), 1);
            assert!(sem.try_acquire().is_ok());
        })
        .unwrap();
}

/// A task awaiting `sem.acquire()` that logs `"{name} in"` once it has the
/// permit and then gives it back.
fn logging_waiter(sem: &Semaphore, log: &Log, name: &'static str) -> task::JoinHandle<()> {
    let (sem, log) = (sem.clone(), log.clone());
    task::spawn(async move {
        let _permit = sem.acquire().await;
        log.borrow_mut().push(format!("{name} in"));
    })
}

#[test]
fn a_waiter_cancelled_before_a_release_is_passed_over_as_in_asyncio() {
    // CPython (virtual clock):
    //   sem = Semaphore(0); a, b = task(w('a')), task(w('b')); await sleep(0)
    //   a.cancel(); log(f'locked {sem.locked()}'); sem.release()
    //   log(f'value {sem._value}'); await sleep(0); log('main 1')
    //   await sleep(0); log('main 2')
    // prints ['locked True', 'value 0', 'b in', 'main 1', 'main 2']: the
    // release skips the cancelled waiter and wakes b at once.
    //
    // With only a cancelled waiter, the permit is free at once:
    //   sem = Semaphore(0); c = task(w('c')); await sleep(0); c.cancel()
    //   log(f'locked {sem.locked()}'); sem.release()
    //   log(f'locked {sem.locked()}'); await sem.acquire(); log('main in')
    // prints ['locked True', 'locked False', 'main in'].
    let lines = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let note = |line: String| log.borrow_mut().push(line);
            let sem = Semaphore::new(0);
            let a = logging_waiter(&sem, &log, "a");
            let b = logging_waiter(&sem, &log, "b");
            task::yield_now().await;
            a.abort();
            note(format!("locked {}", sem.is_locked()));
            sem.release();
            note(format!("value {}", sem.available_permits()));
            task::yield_now().await;
            note("main 1".into());
            task::yield_now().await;
            note("main 2".into());
            assert!(a.await.unwrap_err().is_cancelled());
            b.await.unwrap();

            let sem = Semaphore::new(0);
            let c = logging_waiter(&sem, &log, "c");
            task::yield_now().await;
            c.abort();
            note(format!("locked {}", sem.is_locked()));
            sem.release();
            note(format!("locked {}", sem.is_locked()));
            // Taken without waiting: the only waiter is being cancelled.
            let permit = sem.acquire().now_or_never().expect("a free permit");
            note("main in".into());
            drop(permit);
            assert!(c.await.unwrap_err().is_cancelled());
            assert_eq!(sem.available_permits(), 1);
            log.take()
        })
        .unwrap();
    assert_eq!(
        lines,
        vec![
            "locked true",
            "value 0",
            "b in",
            "main 1",
            "main 2",
            "locked true",
            "locked false",
            "main in"
        ]
    );
}

#[test]
fn a_waiter_whose_timeout_fired_is_passed_over_as_in_asyncio() {
    // CPython (virtual clock):
    //   releaser() = `await sleep(1); sem.release(); log('released');
    //                 await sleep(0); log('r1')`
    //   w(n, t) = `async with timeout(t): await sem.acquire()` then logs
    //             f'{n} in', or f'{n} timeout' on TimeoutError
    //   task(releaser()); task(w('a', 1)); task(w('b', 10)); await sleep(2)
    // prints ['released', 'a timeout', 'b in', 'r1']: a's timeout fires at
    // 1 s, after the releaser's timer, and cancels a's wait at once, so the
    // release goes straight to b.
    let lines = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let sem = Semaphore::new(0);
            let _releaser = {
                let (sem, log) = (sem.clone(), log.clone());
                task::spawn(async move {
                    time::sleep(secs(1)).await;
                    sem.release();
                    log.borrow_mut().push("released".into());
                    task::yield_now().await;
                    log.borrow_mut().push("r1".into());
                })
            };
            let w = |name: &'static str, t: u64| {
                let (sem, log) = (sem.clone(), log.clone());
                task::spawn(async move {
                    let line = match time::timeout(secs(t), sem.acquire()).await {
                        Ok(_permit) => format!("{name} in"),
                        Err(_) => format!("{name} timeout"),
                    };
                    log.borrow_mut().push(line);
                })
            };
            let (_a, _b) = (w("a", 1), w("b", 10));
            time::sleep(secs(2)).await;
            log.take()
        })
        .unwrap();
    assert_eq!(lines, vec!["released", "a timeout", "b in", "r1"]);
}

#[test]
fn no_barging_while_others_wait_even_with_free_permits() {
    Sim::new(1)
        .run(async {
            let sem = Semaphore::new(1);
            let held = sem.acquire().await;
            let waiter = {
                let sem = sem.clone();
                task::spawn(async move {
                    let _p = sem.acquire().await;
                    now_ms()
                })
            };
            task::yield_now().await;
            drop(held); // the permit goes straight to the waiter
            assert_eq!(sem.available_permits(), 0);
            assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError);
            assert!(sem.acquire().now_or_never().is_none());
            assert_eq!(waiter.await.unwrap(), 0);
            assert_eq!(sem.available_permits(), 1);
        })
        .unwrap();
}

#[test]
fn add_permits_wakes_that_many_waiters() {
    let woke = Sim::new(1)
        .run(async {
            let sem = Semaphore::new(0).named("pool");
            let ws: Vec<_> = (0..4)
                .map(|_| {
                    let sem = sem.clone();
                    task::spawn(async move {
                        sem.acquire().await.forget();
                        now_ms()
                    })
                })
                .collect();
            time::sleep(secs(1)).await;
            sem.add_permits(3);
            time::sleep(secs(1)).await;
            let finished: Vec<bool> = ws.iter().map(|w| w.is_finished()).collect();
            assert_eq!(finished, vec![true, true, true, false]);
            sem.add_permits(1);
            let mut woke = Vec::new();
            for w in ws {
                woke.push(w.await.unwrap());
            }
            // Forgotten permits never come back.
            assert_eq!(sem.available_permits(), 0);
            woke
        })
        .unwrap();
    assert_eq!(woke, vec![1000, 1000, 1000, 2000]);
}

#[test]
fn an_acquire_cancelled_by_a_timeout_loses_nothing() {
    Sim::new(1)
        .run(async {
            let sem = Semaphore::new(1);
            let p = sem.acquire().await;
            assert!(time::timeout(secs(2), sem.acquire()).await.is_err());
            assert_eq!(now_ms(), 2000);
            drop(p);
            assert_eq!(sem.available_permits(), 1);
            let again = sem.try_acquire().unwrap();
            assert!(sem.is_locked());
            drop(again);
            assert_eq!(sem.available_permits(), 1);
        })
        .unwrap();
}

#[test]
fn bounded_semaphore_refuses_to_go_above_its_bound() {
    Sim::new(1)
        .run(async {
            let sem = BoundedSemaphore::new(2);
            assert_eq!(sem.bound(), 2);
            assert_eq!(sem.release(), Err(OverRelease { bound: 2 }));
            let a = sem.acquire().await;
            let b = sem.acquire().await;
            assert!(sem.is_locked());
            drop(a);
            drop(b);
            assert_eq!(sem.available_permits(), 2);
            // A bare release matching a forgotten permit is fine.
            sem.acquire().await.forget();
            assert_eq!(sem.release(), Ok(()));
            assert!(sem.release().is_err());
            assert_eq!(
                OverRelease { bound: 2 }.to_string(),
                "BoundedSemaphore released too many times (bound 2)"
            );
        })
        .unwrap();
}

#[test]
fn returning_a_permit_above_the_bound_panics_like_asyncio_raises() {
    let err = Sim::new(1)
        .run(async {
            let sem = BoundedSemaphore::new(1);
            let permit = sem.acquire().await;
            sem.release().unwrap(); // unmatched: the count is back at the bound
            drop(permit); // asyncio: ValueError
        })
        .unwrap_err();
    match err {
        SimError::TaskPanicked { message, .. } => {
            assert!(
                message.contains("BoundedSemaphore released too many times"),
                "{message}"
            )
        }
        other => panic!("expected a panic, got {other}"),
    }
}

#[test]
fn a_deadlock_report_names_the_semaphore() {
    let err = Sim::new(1)
        .run(async {
            let sem = BoundedSemaphore::new(1).named("conns");
            let _p = sem.acquire().await;
            let _q = sem.acquire().await;
        })
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("\"main\" waits on BoundedSemaphore::acquire on \"conns\""),
        "{err}"
    );
}

#[test]
fn semaphores_are_send_and_sync() {
    fn check<T: Send + Sync + Clone>() {}
    check::<Semaphore>();
    check::<BoundedSemaphore>();
    fn send<T: Send>() {}
    send::<simloop::sync::SemaphorePermit>();
}

/// Many tasks take permits (some under timeouts) while some are cancelled.
/// Returns (permits, the largest number of holders seen, the free permits
/// at the end, entries).
fn contend(sim: Sim, permits: usize, cancels: Vec<(usize, u64)>) -> (usize, usize, usize, usize) {
    sim.run(async move {
        let sem = Semaphore::new(permits);
        let holders = Occupancy::new();
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let (sem, holders) = (sem.clone(), holders.clone());
                task::spawn(async move {
                    for _ in 0..3 {
                        let patience = Duration::from_millis(simloop::rand::range(1..30u64));
                        let permit = if i % 3 == 0 {
                            match time::timeout(patience, sem.acquire()).await {
                                Ok(p) => p,
                                Err(_) => continue,
                            }
                        } else {
                            sem.acquire().await
                        };
                        let token = holders.enter();
                        time::sleep(Duration::from_millis(simloop::rand::range(0..10u64))).await;
                        drop(token);
                        drop(permit);
                    }
                })
            })
            .collect();
        abort_then_join(tasks, cancels).await;
        (
            permits,
            holders.most(),
            sem.available_permits(),
            holders.entries(),
        )
    })
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Never more holders than permits; every permit comes back.
    #[test]
    fn a_semaphore_never_grants_more_than_its_permits(
        sim in sims(),
        permits in 1usize..4,
        cancels in proptest::collection::vec((0usize..8, 0u64..25), 0..4),
    ) {
        let (permits, max, free, entries) = contend(sim, permits, cancels);
        prop_assert!(max <= permits);
        prop_assert!(entries > 0);
        prop_assert_eq!(free, permits);
    }
}
