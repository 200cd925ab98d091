//! `simloop::sync::Condition`: asyncio's semantics (notify, lock
//! re-acquisition order), `wait_for`, and cancellation.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use simloop::sync::{Condition, Lock, Mutex};
use simloop::{Sim, SimError, task, time};
use simloop_tests::log::{Log, now_ms};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn notified_waiters_retake_the_lock_one_at_a_time_as_in_asyncio() {
    // CPython 3.11 (virtual clock) prints these lines for: four waiters;
    // main notifies 2 while holding the lock for 1 s; later notifies all.
    // Each woken waiter holds the lock for 1 s.
    let lines = Sim::new(1)
        .run(async {
            let cond = Condition::new(());
            let log: Log = Rc::default();
            let ws: Vec<_> = (0..4)
                .map(|i| {
                    let (cond, log) = (cond.clone(), log.clone());
                    task::spawn(async move {
                        let g = cond.lock().await;
                        log.borrow_mut().push(format!("w{i} waits {}", now_ms()));
                        let g = cond.wait(g).await;
                        log.borrow_mut().push(format!("w{i} woke {}", now_ms()));
                        time::sleep(secs(1)).await;
                        drop(g);
                        log.borrow_mut().push(format!("w{i} released {}", now_ms()));
                    })
                })
                .collect();
            time::sleep(secs(1)).await;
            {
                let g = cond.lock().await;
                assert_eq!(cond.notify(&g, 2), 2);
                log.borrow_mut().push("main notified 2".into());
                time::sleep(secs(1)).await;
                log.borrow_mut().push(format!("main releases {}", now_ms()));
            }
            time::sleep(secs(5)).await;
            {
                let g = cond.lock().await;
                assert_eq!(cond.notify_all(&g), 2);
            }
            for w in ws {
                w.await.unwrap();
            }
            log.take()
        })
        .unwrap();
    assert_eq!(
        lines,
        vec![
            "w0 waits 0",
            "w1 waits 0",
            "w2 waits 0",
            "w3 waits 0",
            "main notified 2",
            "main releases 2000",
            "w0 woke 2000",
            "w0 released 3000",
            "w1 woke 3000",
            "w1 released 4000",
            "w2 woke 7000",
            "w2 released 8000",
            "w3 woke 8000",
            "w3 released 9000",
        ]
    );
}

#[test]
fn wait_for_rechecks_the_predicate_after_each_wake_up() {
    let (value, at) = Sim::new(1)
        .run(async {
            let cond = Condition::new(0u32).named("counter");
            let waiter = {
                let cond = cond.clone();
                task::spawn(async move {
                    let g = cond.lock().await;
                    let g = cond.wait_for(g, |n| *n >= 3).await;
                    (*g, now_ms())
                })
            };
            for _ in 0..5 {
                time::sleep(secs(1)).await;
                let mut g = cond.lock().await;
                *g += 1;
                cond.notify_all(&g);
            }
            waiter.await.unwrap()
        })
        .unwrap();
    assert_eq!((value, at), (3, 3000));
}

#[test]
fn wait_for_with_a_true_predicate_returns_at_once() {
    Sim::new(1)
        .run(async {
            let cond = Condition::new(vec![1]);
            let g = cond.lock().await;
            let g = cond.wait_for(g, |v| !v.is_empty()).await;
            assert_eq!(*g, vec![1]);
            assert_eq!(now_ms(), 0);
        })
        .unwrap();
}

#[test]
fn notify_with_nobody_waiting_is_lost_and_counts_zero() {
    Sim::new(1)
        .run(async {
            let cond = Condition::new(());
            let g = cond.lock().await;
            assert_eq!(cond.notify(&g, 3), 0);
            drop(g);
            let waiter = {
                let cond = cond.clone();
                task::spawn(async move {
                    let g = cond.lock().await;
                    drop(cond.wait(g).await);
                })
            };
            time::sleep(secs(1)).await;
            assert!(!waiter.is_finished());
            let g = cond.lock().await;
            assert_eq!(cond.notify(&g, 3), 1);
            drop(g);
            waiter.await.unwrap();
        })
        .unwrap();
}

#[test]
fn a_notified_waiter_that_is_cancelled_passes_the_notification_on() {
    let woke = Sim::new(1)
        .run(async {
            let cond = Condition::new(());
            let log: Log = Rc::default();
            let ws: Vec<_> = ["a", "b", "c"]
                .into_iter()
                .map(|name| {
                    let (cond, log) = (cond.clone(), log.clone());
                    task::spawn(async move {
                        let g = cond.lock().await;
                        let _g = cond.wait(g).await;
                        log.borrow_mut().push(format!("{name} {}", now_ms()));
                    })
                })
                .collect();
            time::sleep(secs(1)).await;
            let g = cond.lock().await;
            cond.notify(&g, 1); // a
            ws[0].abort(); // a never runs again: its notification goes to b
            drop(g);
            time::sleep(secs(1)).await;
            assert!(ws[1].is_finished());
            assert!(!ws[2].is_finished());
            let g = cond.lock().await;
            cond.notify_all(&g);
            drop(g);
            for w in ws {
                if let Err(e) = w.await {
                    assert!(e.is_cancelled(), "{e}");
                }
            }
            log.take()
        })
        .unwrap();
    assert_eq!(woke, vec!["b 1000", "c 2000"]);
}

#[test]
fn notify_passes_over_a_waiter_cancelled_before_it_as_in_asyncio() {
    // CPython (virtual clock):
    //   three tasks do `async with cond: await cond.wait(); log(f'{n} woke')`
    //   await sleep(0); ts[0].cancel()
    //   async with cond: log('notify'); cond.notify(2)
    //   await sleep(0); log('main 1'); await sleep(0); log('main 2')
    // prints ['notify', 'b woke', 'c woke', 'main 1', 'main 2']: notify(2)
    // counts only the waiters that are not cancelled.
    let lines = Sim::new(1)
        .run(async {
            let cond = Condition::new(());
            let log: Log = Rc::default();
            let ws: Vec<_> = ["a", "b", "c"]
                .into_iter()
                .map(|name| {
                    let (cond, log) = (cond.clone(), log.clone());
                    task::spawn(async move {
                        let g = cond.lock().await;
                        let _g = cond.wait(g).await;
                        log.borrow_mut().push(format!("{name} woke"));
                    })
                })
                .collect();
            task::yield_now().await;
            ws[0].abort();
            let g = cond.lock().await;
            log.borrow_mut().push("notify".into());
            assert_eq!(cond.notify(&g, 2), 2);
            drop(g);
            task::yield_now().await;
            log.borrow_mut().push("main 1".into());
            task::yield_now().await;
            log.borrow_mut().push("main 2".into());
            for w in ws {
                if let Err(e) = w.await {
                    assert!(e.is_cancelled(), "{e}");
                }
            }
            log.take()
        })
        .unwrap();
    assert_eq!(
        lines,
        vec!["notify", "b woke", "c woke", "main 1", "main 2"]
    );
}

#[test]
fn a_cancelled_wait_notifies_a_waiter_that_arrived_before_its_cancellation_ran() {
    // CPython 3.13 (virtual clock), waiter(n) = `async with cond: await
    // cond.wait()` then log(f'{n} woke'):
    //   a = task(waiter('a')); await sleep(0); b = task(waiter('b'))
    //   a.cancel(); then three times `await sleep(0); log(f'main {i}')`
    // prints ['main 0', 'b woke', 'main 1', 'main 2']: b starts waiting
    // before a's cancellation runs, and a's cancelled wait notifies one
    // waiter (gh-112202), so b wakes.
    let lines = Sim::new(1)
        .run(async {
            let cond = Condition::new(());
            let log: Log = Rc::default();
            let waiter = |name: &'static str| {
                let (cond, log) = (cond.clone(), log.clone());
                task::spawn(async move {
                    let g = cond.lock().await;
                    drop(cond.wait(g).await);
                    log.borrow_mut().push(format!("{name} woke"));
                })
            };
            let a = waiter("a");
            task::yield_now().await;
            let b = waiter("b");
            a.abort();
            for i in 0..3 {
                task::yield_now().await;
                log.borrow_mut().push(format!("main {i}"));
            }
            assert!(a.await.unwrap_err().is_cancelled());
            b.await.unwrap();
            log.take()
        })
        .unwrap();
    assert_eq!(lines, vec!["main 0", "b woke", "main 1", "main 2"]);
}

#[test]
fn a_waiter_cancelled_while_retaking_the_lock_passes_the_notification_on() {
    Sim::new(1)
        .run(async {
            let cond = Condition::new(0u32);
            let waiter = |cond: &Condition<u32>| {
                let cond = cond.clone();
                task::spawn(async move {
                    let g = cond.lock().await;
                    let mut g = cond.wait(g).await;
                    *g += 1;
                })
            };
            let a = waiter(&cond);
            let b = waiter(&cond);
            task::yield_now().await;
            let g = cond.lock().await;
            cond.notify(&g, 1); // a
            // a wakes and queues for the lock we hold...
            task::yield_now().await;
            task::yield_now().await;
            assert!(!a.is_finished());
            a.abort(); // ... and is cancelled there
            assert!(a.await.unwrap_err().is_cancelled());
            drop(g);
            // b got a's notification and the lock.
            b.await.unwrap();
            assert_eq!(*cond.lock().await, 1);
        })
        .unwrap();
}

#[test]
fn a_wait_cancelled_by_a_timeout_leaves_the_lock_free() {
    Sim::new(1)
        .run(async {
            let cond = Condition::new(5);
            let g = cond.lock().await;
            // The wait released the lock; the timeout drops it without
            // re-taking the lock.
            assert!(time::timeout(secs(1), cond.wait(g)).await.is_err());
            assert!(!cond.mutex().is_locked());
            assert_eq!(*cond.lock().await, 5);
        })
        .unwrap();
}

#[test]
fn a_named_condition_names_its_own_mutex_for_deadlock_reports() {
    let err = Sim::new(1)
        .run(async {
            let cond = Condition::new(0u32).named("items");
            assert_eq!(cond.mutex().name().as_deref(), Some("items"));
            // A mutex that already has a name keeps it.
            let m = Mutex::new(()).named("state");
            let shared = Condition::with_mutex(m.clone()).named("ready");
            assert_eq!(m.name().as_deref(), Some("state"));
            assert_eq!(shared.name().as_deref(), Some("ready"));
            let _held = cond.lock().await;
            let t = task::spawn_named("t", {
                let cond = cond.clone();
                async move {
                    drop(cond.lock().await);
                }
            });
            t.await.unwrap();
        })
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("\"t\" waits on Mutex::lock on \"items\""),
        "{err}"
    );
}

#[test]
fn a_condition_can_share_a_mutex_or_a_lock() {
    Sim::new(1)
        .run(async {
            let m = Mutex::new(Vec::<u32>::new());
            let not_empty = Condition::with_mutex(m.clone());
            let other = Condition::with_mutex(m.clone());
            let consumer = {
                let not_empty = not_empty.clone();
                task::spawn(async move {
                    let g = not_empty.lock().await;
                    let mut g = not_empty.wait_for(g, |v| !v.is_empty()).await;
                    g.pop()
                })
            };
            time::sleep(secs(1)).await;
            let mut g = m.lock().await;
            g.push(9);
            assert_eq!(other.notify_all(&g), 0);
            assert_eq!(not_empty.notify(&g, 1), 1);
            drop(g);
            assert_eq!(consumer.await.unwrap(), Some(9));

            let lock = Lock::new();
            let cond = Condition::with_mutex(lock.as_mutex().clone());
            let g = lock.lock().await;
            assert_eq!(cond.notify_all(&g), 0);
        })
        .unwrap();
}

#[test]
fn notifying_with_the_guard_of_another_mutex_panics() {
    let err = Sim::new(1)
        .run(async {
            let cond = Condition::new(());
            let stranger = Mutex::new(());
            let g = stranger.lock().await;
            cond.notify(&g, 1);
        })
        .unwrap_err();
    match err {
        SimError::TaskPanicked { message, .. } => {
            assert!(message.contains("guard of another mutex"), "{message}")
        }
        other => panic!("expected a panic, got {other}"),
    }
}

#[test]
fn a_deadlock_report_names_the_condition() {
    let err = Sim::new(1)
        .run(async {
            let cond = Condition::new(()).named("not_empty");
            let g = cond.lock().await;
            drop(cond.wait(g).await);
        })
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("\"main\" waits on Condition::wait on \"not_empty\""),
        "{err}"
    );
}

#[test]
fn conditions_are_send_and_sync() {
    fn check<T: Send + Sync + Clone>() {}
    check::<Condition<Vec<u8>>>();
}

// The same program on CPython 3.13 (`await asyncio.wait_for(cond.wait(), 3)`
// under `async with cond`, on a virtual clock) logs:
// 2 holder locked, 5 holder unlocked, 5 timeout locked=True, 5 other woken,
// 6 zero timeout, acquirer done=False.
#[test]
fn wait_timeout_gives_the_guard_back_after_re_taking_the_lock_as_asyncio_does() {
    let log = Sim::new(1)
        .run(async {
            let log = Rc::new(RefCell::new(Vec::<String>::new()));
            let note = |log: &Rc<RefCell<Vec<String>>>, s: String| {
                log.borrow_mut()
                    .push(format!("{} {s}", time::now().since_start().as_secs()))
            };
            let cond = Condition::new(());
            let (c, l) = (cond.clone(), log.clone());
            task::spawn(async move {
                let g = c.lock().await;
                let g = c.wait(g).await;
                note(&l, "other woken".into());
                drop(g);
            });
            task::yield_now().await;
            let (c, l) = (cond.clone(), log.clone());
            task::spawn(async move {
                time::sleep(Duration::from_secs(2)).await;
                let g = c.lock().await;
                note(&l, "holder locked".into());
                time::sleep(Duration::from_secs(3)).await;
                drop(g);
                note(&l, "holder unlocked".into());
            });
            let g = cond.lock().await;
            let (g, result) = cond.wait_timeout(g, Duration::from_secs(3)).await;
            assert!(result.timed_out());
            note(&log, format!("timeout locked={}", cond.mutex().is_locked()));
            drop(g);
            time::sleep(Duration::from_secs(1)).await;
            // A zero deadline never starts the wait: the lock stays held.
            let g = cond.lock().await;
            let c = cond.clone();
            let acquirer = task::spawn(async move { drop(c.lock().await) });
            let deadline = time::now();
            let (g, result) = cond.wait_until(g, deadline).await;
            assert!(result.timed_out());
            note(
                &log,
                format!("zero timeout, acquirer done={}", acquirer.is_finished()),
            );
            drop(g);
            acquirer.await.unwrap();
            log.take()
        })
        .unwrap();
    assert_eq!(
        log,
        [
            "2 holder locked",
            "5 holder unlocked",
            "5 timeout locked=true",
            "5 other woken",
            "6 zero timeout, acquirer done=false",
        ]
    );
}

#[test]
fn wait_timeout_notified_in_time_returns_the_guard_without_timing_out() {
    Sim::new(1)
        .run(async {
            let cond = Condition::new(0);
            let c = cond.clone();
            task::spawn(async move {
                time::sleep(Duration::from_secs(1)).await;
                let mut g = c.lock().await;
                *g = 7;
                c.notify(&g, 1);
            });
            let g = cond.lock().await;
            let (g, result) = cond.wait_timeout(g, Duration::from_secs(3)).await;
            assert!(!result.timed_out());
            assert_eq!(*g, 7);
            assert_eq!(time::now().since_start(), Duration::from_secs(1));
            assert_eq!(cond.waiters(), 0);
        })
        .unwrap();
}
