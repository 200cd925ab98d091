//! `simloop::sync::{Mutex, Lock}`: asyncio's `Lock` semantics, fairness,
//! cancellation and mutual exclusion under every strategy.

use std::rc::Rc;
use std::time::Duration;

use futures::FutureExt;
use proptest::prelude::*;
use simloop::sync::{Lock, Mutex, TryLockError};
use simloop::{Sim, SimError, task, time};
use simloop_tests::cancel::abort_then_join;
use simloop_tests::log::{Log, now_ms};
use simloop_tests::occupancy::Occupancy;
use simloop_tests::sims::sims;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn worker(lock: &Lock, log: &Log, name: &'static str, hold: u64) -> task::JoinHandle<()> {
    let (lock, log) = (lock.clone(), log.clone());
    task::spawn(async move {
        let _g = lock.lock().await;
        log.borrow_mut().push(format!("{name} in {}", now_ms()));
        time::sleep(secs(hold)).await;
        log.borrow_mut().push(format!("{name} out {}", now_ms()));
    })
}

#[test]
fn waiters_get_the_lock_first_come_first_served_as_in_asyncio() {
    // The same program on CPython 3.11 (virtual clock) prints exactly these
    // lines: a woken waiter keeps its turn, and a task asking for the lock
    // right after a release queues behind everyone already waiting.
    let lines = Sim::new(1)
        .run(async {
            let lock = Lock::new();
            let log: Log = Rc::default();
            let guard = lock.lock().await;
            let ws: Vec<_> = (0..3)
                .map(|i| worker(&lock, &log, ["w0", "w1", "w2"][i], 1))
                .collect();
            task::yield_now().await;
            drop(guard); // wakes w0
            log.borrow_mut()
                .push(format!("main try {}", lock.is_locked()));
            assert_eq!(lock.try_lock().unwrap_err(), TryLockError);
            let late = worker(&lock, &log, "late", 1);
            {
                let _g = lock.lock().await;
                log.borrow_mut().push(format!("main in {}", now_ms()));
            }
            for w in ws {
                w.await.unwrap();
            }
            late.await.unwrap();
            log.take()
        })
        .unwrap();
    assert_eq!(
        lines,
        vec![
            "main try false",
            "w0 in 0",
            "w0 out 1000",
            "w1 in 1000",
            "w1 out 2000",
            "w2 in 2000",
            "w2 out 3000",
            "main in 3000",
            "late in 3000",
            "late out 4000",
        ]
    );
}

#[test]
fn a_woken_waiter_that_is_cancelled_passes_the_lock_on() {
    // CPython 3.11: ['b in 0', 'b out 1000'] and a.cancelled().
    let (lines, a_cancelled) = Sim::new(1)
        .run(async {
            let lock = Lock::new();
            let log: Log = Rc::default();
            let guard = lock.lock().await;
            let a = worker(&lock, &log, "a", 1);
            let b = worker(&lock, &log, "b", 1);
            task::yield_now().await;
            drop(guard); // wakes a ...
            a.abort(); // ... which is cancelled before it runs
            b.await.unwrap();
            let a_cancelled = a.await.unwrap_err().is_cancelled();
            assert!(!lock.is_locked());
            assert!(lock.try_lock().is_ok());
            (log.take(), a_cancelled)
        })
        .unwrap();
    assert_eq!(lines, vec!["b in 0", "b out 1000"]);
    assert!(a_cancelled);
}

#[test]
fn waiters_cancelled_before_a_release_as_in_asyncio() {
    // CPython (virtual clock), w(n) = `async with lock: log(f'{n} in')`:
    //   await lock.acquire(); a, b = task(w('a')), task(w('b'))
    //   await sleep(0); a.cancel(); lock.release()
    //   log('main 1'); await sleep(0); log('main 2'); await sleep(0)
    //   log('main 3'); await sleep(0)
    //   await lock.acquire(); c, d = task(w('c')), task(w('d'))
    //   await sleep(0); c.cancel(); d.cancel(); lock.release()
    //   await lock.acquire(); log(f'main in, locked {lock.locked()}')
    // prints ['main 1', 'main 2', 'b in', 'main 3', 'main in, locked True']:
    // release leaves a cancelled first waiter to wake the next one as it
    // leaves, and a lock whose waiters are all cancelled is taken at once.
    let lines = Sim::new(1)
        .run(async {
            let lock = Lock::new();
            let log: Log = Rc::default();
            let note = |line: String| log.borrow_mut().push(line);
            let w = |name: &'static str| {
                let (lock, log) = (lock.clone(), log.clone());
                task::spawn(async move {
                    let _g = lock.lock().await;
                    log.borrow_mut().push(format!("{name} in"));
                })
            };
            let guard = lock.lock().await;
            let (a, b) = (w("a"), w("b"));
            task::yield_now().await;
            a.abort();
            drop(guard);
            note("main 1".into());
            task::yield_now().await;
            note("main 2".into());
            task::yield_now().await;
            note("main 3".into());
            task::yield_now().await;
            assert!(a.await.unwrap_err().is_cancelled());
            b.await.unwrap();

            let guard = lock.lock().await;
            let (c, d) = (w("c"), w("d"));
            task::yield_now().await;
            c.abort();
            d.abort();
            drop(guard);
            let guard = lock.lock().now_or_never().expect("taken at once");
            note(format!("main in, locked {}", lock.is_locked()));
            drop(guard);
            assert!(c.await.unwrap_err().is_cancelled());
            assert!(d.await.unwrap_err().is_cancelled());
            log.take()
        })
        .unwrap();
    assert_eq!(
        lines,
        vec!["main 1", "main 2", "b in", "main 3", "main in, locked true"]
    );
}

#[test]
fn a_waiter_cancelled_by_a_timeout_leaves_the_lock_usable() {
    Sim::new(1)
        .run(async {
            let lock = Lock::new().named("db");
            let holder = {
                let lock = lock.clone();
                task::spawn(async move {
                    let _g = lock.lock().await;
                    time::sleep(secs(5)).await;
                })
            };
            task::yield_now().await;
            assert!(time::timeout(secs(1), lock.lock()).await.is_err());
            assert_eq!(now_ms(), 1000);
            // Waits again, now behind nobody: gets it when the holder leaves.
            let _g = lock.lock().await;
            assert_eq!(now_ms(), 5000);
            holder.await.unwrap();
        })
        .unwrap();
}

#[test]
fn mutex_protects_its_value_and_guards_move_between_tasks() {
    let total = Sim::new(2)
        .run(async {
            let counter = Mutex::new(0u32);
            let guard = counter.lock().await;
            // The guard owns a handle: it can be released by another task.
            let releaser = task::spawn(async move {
                let mut g = guard;
                time::sleep(secs(1)).await;
                *g += 100;
            });
            let tasks: Vec<_> = (0..10)
                .map(|_| {
                    let counter = counter.clone();
                    task::spawn(async move {
                        let mut g = counter.lock().await;
                        let read = *g;
                        task::yield_now().await; // would lose updates without the lock
                        *g = read + 1;
                    })
                })
                .collect();
            releaser.await.unwrap();
            for t in tasks {
                t.await.unwrap();
            }
            *counter.lock().await
        })
        .unwrap();
    assert_eq!(total, 110);
}

#[test]
fn lock_is_ready_at_once_when_free_and_unawaited() {
    Sim::new(1)
        .run(async {
            let m = Mutex::new(String::from("x"));
            let mut g = m.lock().now_or_never().expect("free lock: no yield");
            g.push('y');
            assert!(m.is_locked());
            assert!(m.owns(&g));
            assert!(!Mutex::new(String::new()).owns(&g));
            assert!(m.lock().now_or_never().is_none());
            drop(g);
            assert_eq!(*m.try_lock().unwrap(), "xy");
        })
        .unwrap();
}

#[test]
fn polling_a_completed_lock_future_is_refused_rather_than_locking_twice() {
    let err = Sim::new(1)
        .run(async {
            let m = Mutex::new(0);
            let mut acquiring = m.lock();
            drop((&mut acquiring).now_or_never().unwrap());
            let _ = (&mut acquiring).now_or_never();
        })
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("MutexLock polled after it completed"),
        "{err}"
    );
}

#[test]
fn a_deadlock_report_names_the_mutex() {
    let err = Sim::new(4)
        .run(async {
            let m = Mutex::new(()).named("accounts");
            let _g = m.lock().await;
            task::spawn_named("transfer", {
                let m = m.clone();
                async move {
                    let _g = m.lock().await;
                }
            })
            .await
            .unwrap();
        })
        .unwrap_err();
    assert!(matches!(err, SimError::Deadlock { .. }));
    assert!(
        err.to_string()
            .contains("\"transfer\" waits on Mutex::lock on \"accounts\""),
        "{err}"
    );
}

#[test]
fn locks_are_send_and_sync() {
    fn check<T: Send + Sync + Clone>() {}
    check::<Lock>();
    check::<Mutex<Vec<String>>>();
    fn send<T: Send>() {}
    send::<simloop::sync::MutexGuard<Vec<String>>>();
}

/// Tasks take the lock, sometimes under a timeout, while others are
/// cancelled at arbitrary instants. Returns (the largest number of holders
/// seen at once, entries into the critical section, whether the lock is free
/// at the end).
fn contend(sim: Sim, cancels: Vec<(usize, u64)>) -> (usize, usize, bool) {
    sim.run(async move {
        let lock = Mutex::new(0usize);
        let section = Occupancy::new();
        let tasks: Vec<_> = (0..6)
            .map(|i| {
                let (lock, section) = (lock.clone(), section.clone());
                task::spawn(async move {
                    for _ in 0..4 {
                        let patience = Duration::from_millis(simloop::rand::range(1..40u64));
                        let guard = if i % 2 == 0 {
                            lock.lock().await
                        } else {
                            match time::timeout(patience, lock.lock()).await {
                                Ok(g) => g,
                                Err(_) => continue,
                            }
                        };
                        // Counted out on drop, even if the task is
                        // cancelled inside the critical section.
                        let token = section.enter();
                        time::sleep(Duration::from_millis(simloop::rand::range(0..10u64))).await;
                        drop(token);
                        drop(guard);
                        task::yield_now().await;
                    }
                })
            })
            .collect();
        abort_then_join(tasks, cancels).await;
        let free = lock.try_lock().is_ok();
        (section.most(), section.entries(), free)
    })
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// At most one task holds the lock at any time, whatever the
    /// interleaving, timeouts and cancellations; the lock ends free.
    #[test]
    fn a_lock_is_held_by_one_task_at_a_time(
        sim in sims(),
        cancels in proptest::collection::vec((0usize..6, 0u64..30), 0..4),
    ) {
        let (max_inside, entries, free) = contend(sim, cancels);
        prop_assert!(max_inside <= 1);
        prop_assert!(entries > 0);
        prop_assert!(free);
    }
}
