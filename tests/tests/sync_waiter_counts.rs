//! The waiter counts of the sync primitives (`waiters()`, a queue's
//! `getters()`, `putters()` and `joiners()`), which follow the lengths of
//! asyncio's waiter deques: a woken waiter counts until it runs (a queue's
//! getters and putters excepted: asyncio pops them when it wakes them), and
//! a cancelled one until its task drops it.

use std::time::Duration;

use simloop::sync::{BoundedSemaphore, Condition, Event, Lock, Queue, Semaphore};
use simloop::{Sim, task, time};

#[test]
fn lock_counts_waiters_until_they_run_or_are_dropped() {
    Sim::new(1)
        .run(async {
            let lock = Lock::new();
            assert_eq!(lock.waiters(), 0);
            let guard = lock.lock().await;
            let tasks: Vec<_> = (0..3)
                .map(|_| {
                    let lock = lock.clone();
                    task::spawn(async move { drop(lock.lock().await) })
                })
                .collect();
            task::yield_now().await;
            assert_eq!(lock.waiters(), 3);
            // A cancelled waiter stays until its task runs and drops it.
            tasks[1].abort();
            assert_eq!(lock.waiters(), 3);
            task::yield_now().await;
            assert_eq!(lock.waiters(), 2);
            // Releasing wakes the first; it counts until it runs.
            drop(guard);
            assert_eq!(lock.waiters(), 2);
            let mut tasks = tasks.into_iter();
            tasks.next().unwrap().await.unwrap();
            assert!(tasks.next().unwrap().await.unwrap_err().is_cancelled());
            tasks.next().unwrap().await.unwrap();
            assert_eq!(lock.waiters(), 0);
            assert!(!lock.is_locked());
        })
        .unwrap();
}

#[test]
fn semaphore_waiter_that_times_out_leaves_the_count() {
    Sim::new(1)
        .run(async {
            let sem = Semaphore::new(0);
            let s2 = sem.clone();
            let impatient = task::spawn(async move {
                time::wait_for(Duration::from_secs(1), s2.acquire())
                    .await
                    .is_err()
            });
            let s3 = sem.clone();
            let patient = task::spawn(async move { s3.acquire().await.forget() });
            task::yield_now().await;
            assert_eq!(sem.waiters(), 2);
            assert!(impatient.await.unwrap());
            assert_eq!(time::now().since_start(), Duration::from_secs(1));
            assert_eq!(sem.waiters(), 1);
            sem.release();
            assert_eq!(sem.waiters(), 1);
            patient.await.unwrap();
            assert_eq!(sem.waiters(), 0);

            let bounded = BoundedSemaphore::new(1);
            let permit = bounded.acquire().await;
            let b2 = bounded.clone();
            let t = task::spawn(async move { drop(b2.acquire().await) });
            task::yield_now().await;
            assert_eq!(bounded.waiters(), 1);
            drop(permit);
            t.await.unwrap();
            assert_eq!(bounded.waiters(), 0);
        })
        .unwrap();
}

#[test]
fn event_counts_every_waiter_until_it_runs() {
    Sim::new(1)
        .run(async {
            let ev = Event::new();
            let tasks: Vec<_> = (0..4)
                .map(|_| {
                    let ev = ev.clone();
                    task::spawn(async move { ev.wait().await })
                })
                .collect();
            task::yield_now().await;
            assert_eq!(ev.waiters(), 4);
            ev.set();
            ev.clear();
            // Woken by the set, even though the flag is down again.
            assert_eq!(ev.waiters(), 4);
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(ev.waiters(), 0);
            // Set: waiting returns at once and never counts.
            ev.set();
            ev.wait().await;
            assert_eq!(ev.waiters(), 0);
        })
        .unwrap();
}

#[test]
fn condition_counts_waiters_until_notified_ones_run() {
    Sim::new(1)
        .run(async {
            let cond = Condition::new(0u32);
            let tasks: Vec<_> = (0..3)
                .map(|_| {
                    let cond = cond.clone();
                    task::spawn(async move {
                        let g = cond.lock().await;
                        let mut g = cond.wait(g).await;
                        *g += 1;
                    })
                })
                .collect();
            task::yield_now().await;
            assert_eq!(cond.waiters(), 3);
            let g = cond.lock().await;
            assert_eq!(cond.notify(&g, 2), 2);
            assert_eq!(cond.waiters(), 3);
            drop(g);
            // The two notified tasks run: they leave the condition's list
            // and take the lock in turn.
            task::yield_now().await;
            assert_eq!(cond.waiters(), 1);
            let g = cond.lock().await;
            assert_eq!(*g, 2);
            assert_eq!(cond.notify_all(&g), 1);
            drop(g);
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(cond.waiters(), 0);
            assert_eq!(cond.mutex().waiters(), 0);
        })
        .unwrap();
}

#[test]
fn queue_counts_getters_putters_and_joiners() {
    Sim::new(1)
        .run(async {
            let q = Queue::with_capacity(1);
            let getters: Vec<_> = (0..2)
                .map(|_| {
                    let q = q.clone();
                    task::spawn(async move {
                        let item = q.get().await.unwrap();
                        q.task_done().unwrap();
                        item
                    })
                })
                .collect();
            task::yield_now().await;
            assert_eq!((q.getters(), q.putters()), (2, 0));
            q.try_put(1).unwrap();
            // asyncio pops a getter from its deque when it wakes it.
            assert_eq!(q.getters(), 1);
            let q2 = q.clone();
            let putters: Vec<_> = (2..4)
                .map(|i| {
                    let q = q2.clone();
                    task::spawn(async move { q.put(i).await.unwrap() })
                })
                .collect();
            task::yield_now().await;
            // The woken getter took 1; putter 2 filled the queue, which
            // woke the other getter, and putter 3 waits for room.
            assert_eq!((q.getters(), q.putters()), (0, 1));
            let got: Vec<u32> = futures::future::join_all(getters)
                .await
                .into_iter()
                .map(Result::unwrap)
                .collect();
            assert_eq!(got, [1, 2]);
            assert_eq!(q.putters(), 0);
            for p in putters {
                p.await.unwrap();
            }
            assert_eq!(q.unfinished_tasks(), 1);
            let q3 = q.clone();
            let joiner = task::spawn(async move { q3.join().await });
            task::yield_now().await;
            assert_eq!(q.joiners(), 1);
            assert_eq!(q.try_get().unwrap(), 3);
            q.task_done().unwrap();
            assert_eq!(q.joiners(), 1); // woken, not yet running
            joiner.await.unwrap();
            assert_eq!(q.joiners(), 0);
        })
        .unwrap();
}
