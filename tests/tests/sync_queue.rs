//! `simloop::sync::Queue` (and its LIFO and priority variants): asyncio's
//! semantics, virtual times, fairness, cancellation and shutdown.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use futures::FutureExt;
use proptest::prelude::*;
use simloop::sync::queue::{PutError, ShutDown, TaskDoneError, TryGetError, TryPutError};
use simloop::sync::{LifoQueue, PriorityQueue, Queue};
use simloop::{Sim, SimError, task, time};
use simloop_tests::log::{Log, now_ms};
use simloop_tests::sims::sims;

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn log(log: &Log, line: impl Into<String>) {
    log.borrow_mut().push(line.into());
}

#[test]
fn try_put_and_try_get_report_full_empty_and_give_items_back() {
    Sim::new(1)
        .run(async {
            let q = Queue::with_capacity(2);
            assert_eq!(q.maxsize(), Some(2));
            assert_eq!(q.try_get(), Err(TryGetError::Empty));
            q.try_put("a").unwrap();
            q.try_put("b").unwrap();
            assert!(q.is_full());
            let err = q.try_put("c").unwrap_err();
            assert!(err.is_full());
            assert_eq!(err.into_inner(), "c");
            assert_eq!(q.len(), 2);
            assert_eq!(q.try_get(), Ok("a"));
            assert_eq!(q.get().await, Ok("b"));
            assert!(q.is_empty());
            assert_eq!(Queue::<u8>::new().maxsize(), None);
            assert_eq!(Queue::<u8>::with_capacity(0).maxsize(), None);
        })
        .unwrap();
}

#[test]
fn get_and_put_complete_without_yielding_when_possible() {
    Sim::new(1)
        .run(async {
            let q = Queue::with_capacity(1);
            // Ready on the first poll: no scheduling point, like asyncio.
            assert_eq!(q.put(1).now_or_never(), Some(Ok(())));
            assert_eq!(q.get().now_or_never(), Some(Ok(1)));
            assert!(q.get().now_or_never().is_none());
        })
        .unwrap();
}

#[test]
fn producer_consumer_exact_virtual_times() {
    // A bounded queue of 2, a producer putting 5 items without pause and a
    // consumer taking 1 s per item. CPython 3.11 on a virtual clock gives the
    // same lines and joins at 5000 ms.
    let out = Sim::new(3)
        .run(async {
            let q = Queue::with_capacity(2);
            let events: Log = Rc::default();
            let producer = task::spawn({
                let (q, events) = (q.clone(), events.clone());
                async move {
                    for i in 0..5 {
                        q.put(i).await.unwrap();
                        log(&events, format!("put {i} at {}", now_ms()));
                    }
                }
            });
            let consumer = task::spawn({
                let (q, events) = (q.clone(), events.clone());
                async move {
                    for _ in 0..5 {
                        let i = q.get().await.unwrap();
                        time::sleep(secs(1)).await;
                        log(&events, format!("done {i} at {}", now_ms()));
                        q.task_done().unwrap();
                    }
                }
            });
            producer.await.unwrap();
            q.join().await;
            let joined = now_ms();
            consumer.await.unwrap();
            (events.take(), joined)
        })
        .unwrap();
    assert_eq!(
        out.0,
        vec![
            "put 0 at 0",
            "put 1 at 0",
            "put 2 at 0",
            "done 0 at 1000",
            "put 3 at 1000",
            "done 1 at 2000",
            "put 4 at 2000",
            "done 2 at 3000",
            "done 3 at 4000",
            "done 4 at 5000",
        ]
    );
    assert_eq!(out.1, 5000);
}

#[test]
fn blocked_getters_are_served_in_arrival_order() {
    let got = Sim::new(1)
        .run(async {
            let q = Queue::new();
            let order: Log = Rc::default();
            let getters: Vec<_> = (0..4)
                .map(|g| {
                    let (q, order) = (q.clone(), order.clone());
                    task::spawn(async move {
                        time::sleep(Duration::from_millis(g * 10)).await; // arrive in order g
                        let item: u32 = q.get().await.unwrap();
                        log(&order, format!("g{g}:{item}"));
                    })
                })
                .collect();
            time::sleep(secs(1)).await;
            for item in 0..4 {
                q.put(item).await.unwrap();
                time::sleep(secs(1)).await;
            }
            for g in getters {
                g.await.unwrap();
            }
            order.take()
        })
        .unwrap();
    assert_eq!(got, vec!["g0:0", "g1:1", "g2:2", "g3:3"]);
}

#[test]
fn blocked_putters_are_served_in_arrival_order() {
    let got = Sim::new(1)
        .run(async {
            let q = Queue::with_capacity(1);
            q.put(100).await.unwrap();
            let putters: Vec<_> = (0..3)
                .map(|p| {
                    let q = q.clone();
                    task::spawn(async move {
                        time::sleep(Duration::from_millis(p * 10)).await;
                        q.put(p).await.unwrap();
                    })
                })
                .collect();
            time::sleep(secs(1)).await;
            let mut got = Vec::new();
            for _ in 0..4 {
                got.push(q.get().await.unwrap());
                time::sleep(secs(1)).await;
            }
            for p in putters {
                p.await.unwrap();
            }
            got
        })
        .unwrap();
    assert_eq!(got, vec![100, 0, 1, 2]);
}

#[test]
fn a_caller_with_items_available_takes_one_before_a_woken_waiter_as_in_asyncio() {
    // CPython 3.11 prints
    // ['g1 waits', 'g2 waits', 'main took 1', 'g1 got 2', 'main after yield', 'g2 got 3']
    // for: g1, g2 wait; main puts 1 and takes it back at once, puts 2,
    // yields, puts 3.
    let lines = Sim::new(1)
        .run(async {
            let q = Queue::new();
            let lines: Log = Rc::default();
            let getter = |name: &'static str| {
                let (q, lines) = (q.clone(), lines.clone());
                task::spawn(async move {
                    log(&lines, format!("{name} waits"));
                    let x: u32 = q.get().await.unwrap();
                    log(&lines, format!("{name} got {x}"));
                })
            };
            let g1 = getter("g1");
            let g2 = getter("g2");
            task::yield_now().await;
            q.try_put(1).unwrap();
            log(&lines, format!("main took {}", q.try_get().unwrap()));
            q.try_put(2).unwrap();
            task::yield_now().await;
            log(&lines, "main after yield");
            q.try_put(3).unwrap();
            g1.await.unwrap();
            g2.await.unwrap();
            lines.take()
        })
        .unwrap();
    assert_eq!(
        lines,
        vec![
            "g1 waits",
            "g2 waits",
            "main took 1",
            "g1 got 2",
            "main after yield",
            "g2 got 3"
        ]
    );
}

#[test]
fn a_woken_getter_that_is_cancelled_passes_the_item_to_the_next() {
    let (got, left) = Sim::new(1)
        .run(async {
            let q = Queue::new();
            let a = task::spawn({
                let q = q.clone();
                async move { q.get().await }
            });
            let b = task::spawn({
                let q = q.clone();
                async move { q.get().await }
            });
            task::yield_now().await;
            q.try_put("x").unwrap(); // wakes a
            a.abort(); // ... which is dropped before it runs
            let got = b.await.unwrap().unwrap();
            assert!(a.await.unwrap_err().is_cancelled());
            (got, q.len())
        })
        .unwrap();
    assert_eq!((got, left), ("x", 0));
}

#[test]
fn a_woken_putter_that_is_cancelled_passes_the_slot_to_the_next() {
    let got = Sim::new(1)
        .run(async {
            let q = Queue::with_capacity(1);
            q.try_put(0).unwrap();
            let a = task::spawn({
                let q = q.clone();
                async move { q.put(1).await }
            });
            let b = task::spawn({
                let q = q.clone();
                async move { q.put(2).await }
            });
            task::yield_now().await;
            assert_eq!(q.try_get(), Ok(0)); // wakes a
            a.abort();
            b.await.unwrap().unwrap();
            assert!(a.await.unwrap_err().is_cancelled());
            let mut got = Vec::new();
            while let Ok(x) = q.try_get() {
                got.push(x);
            }
            got
        })
        .unwrap();
    assert_eq!(got, vec![2]);
}

#[test]
fn waiters_cancelled_before_an_item_or_a_slot_appears_are_passed_over_as_in_asyncio() {
    // CPython (virtual clock):
    //   q = Queue(); a, b = task(g('a')), task(g('b')); await sleep(0)
    //   a.cancel(); q.put_nowait(1); await sleep(0); log('main 1')
    //   await sleep(0); log('main 2')
    // prints ['b got 1', 'main 1', 'main 2']: put_nowait skips the
    // cancelled getter and wakes b at once. Likewise for putters:
    //   q = Queue(1); q.put_nowait(0); a, b = task(p('a', 1)), task(p('b', 2))
    //   await sleep(0); a.cancel(); log(f'got {q.get_nowait()}')
    //   await sleep(0); log('main 1'); await sleep(0)
    //   log(f'main 2 {q.get_nowait()}')
    // prints ['got 0', 'b put 2', 'main 1', 'main 2 2'].
    let lines = Sim::new(1)
        .run(async {
            let lines: Log = Rc::default();
            let q = Queue::new();
            let getter = |name: &'static str| {
                let (q, lines) = (q.clone(), lines.clone());
                task::spawn(async move {
                    let x = q.get().await.unwrap();
                    log(&lines, format!("{name} got {x}"));
                })
            };
            let (a, b) = (getter("a"), getter("b"));
            task::yield_now().await;
            a.abort();
            q.try_put(1).unwrap();
            task::yield_now().await;
            log(&lines, "main 1");
            task::yield_now().await;
            log(&lines, "main 2");
            assert!(a.await.unwrap_err().is_cancelled());
            b.await.unwrap();

            let q = Queue::with_capacity(1);
            q.try_put(0).unwrap();
            let putter = |name: &'static str, x: u32| {
                let (q, lines) = (q.clone(), lines.clone());
                task::spawn(async move {
                    q.put(x).await.unwrap();
                    log(&lines, format!("{name} put {x}"));
                })
            };
            let (a, b) = (putter("a", 1), putter("b", 2));
            task::yield_now().await;
            a.abort();
            log(&lines, format!("got {}", q.try_get().unwrap()));
            task::yield_now().await;
            log(&lines, "main 1");
            task::yield_now().await;
            log(&lines, format!("main 2 {}", q.try_get().unwrap()));
            assert!(a.await.unwrap_err().is_cancelled());
            b.await.unwrap();
            lines.take()
        })
        .unwrap();
    assert_eq!(
        lines,
        vec![
            "b got 1", "main 1", "main 2", "got 0", "b put 2", "main 1", "main 2 2"
        ]
    );
}

#[test]
fn a_getter_whose_timeout_fired_is_passed_over_as_in_asyncio() {
    // CPython (virtual clock), 3.12's wait_for being `async with timeout`:
    //   producer() = `await sleep(1); q.put_nowait('x'); log('put');
    //                 await sleep(0); log('p1')`
    //   c(n, t) = `async with timeout(t): x = await q.get()` then logs
    //             f'{n} got {x}', or f'{n} timeout'
    //   task(producer()); task(c('a', 1)); task(c('b', 10)); await sleep(2)
    // prints ['put', 'a timeout', 'b got x', 'p1'].
    let lines = Sim::new(1)
        .run(async {
            let lines: Log = Rc::default();
            let q = Queue::new();
            let _producer = {
                let (q, lines) = (q.clone(), lines.clone());
                task::spawn(async move {
                    time::sleep(secs(1)).await;
                    q.try_put("x").unwrap();
                    log(&lines, "put");
                    task::yield_now().await;
                    log(&lines, "p1");
                })
            };
            let consumer = |name: &'static str, t: u64| {
                let (q, lines) = (q.clone(), lines.clone());
                task::spawn(async move {
                    match time::wait_for(secs(t), q.get()).await {
                        Ok(x) => log(&lines, format!("{name} got {}", x.unwrap())),
                        Err(_) => log(&lines, format!("{name} timeout")),
                    }
                })
            };
            let (_a, _b) = (consumer("a", 1), consumer("b", 10));
            time::sleep(secs(2)).await;
            lines.take()
        })
        .unwrap();
    assert_eq!(lines, vec!["put", "a timeout", "b got x", "p1"]);
}

#[test]
fn a_getter_cancelled_by_a_timeout_loses_nothing() {
    Sim::new(1)
        .run(async {
            let q = Queue::new();
            let r = time::timeout(secs(1), q.get()).await;
            assert!(r.is_err());
            assert_eq!(time::now().since_start(), secs(1));
            q.try_put(5).unwrap();
            assert_eq!(q.try_get(), Ok(5));
        })
        .unwrap();
}

#[test]
fn cancelled_joins_and_unwoken_putters_lose_nothing() {
    Sim::new(1)
        .run(async {
            let q = Queue::with_capacity(1);
            q.put(1).await.unwrap();
            // A put and a join, both given up after 1 s.
            assert!(time::timeout(secs(1), q.put(2)).await.is_err());
            assert!(time::timeout(secs(1), q.join()).await.is_err());
            assert_eq!(q.len(), 1);
            assert_eq!(q.unfinished_tasks(), 1);
            // The next put waits behind nobody.
            let putter = task::spawn({
                let q = q.clone();
                async move {
                    q.put(3).await.unwrap();
                    now_ms()
                }
            });
            time::sleep(secs(1)).await;
            assert_eq!(q.get().await, Ok(1));
            q.task_done().unwrap();
            assert_eq!(putter.await.unwrap(), 3000);
            assert_eq!(q.get().await, Ok(3));
            q.task_done().unwrap();
            q.join().await;
        })
        .unwrap();
}

#[test]
fn many_gets_in_one_task_with_futures_unordered() {
    // Each get has its own waker (FuturesUnordered's), not the task's.
    let got = Sim::new(1)
        .run(async {
            let q = Queue::new();
            let producer = task::spawn({
                let q = q.clone();
                async move {
                    for i in 0..3 {
                        time::sleep(secs(1)).await;
                        q.put(i).await.unwrap();
                    }
                }
            });
            let mut gets: futures::stream::FuturesUnordered<_> = (0..3).map(|_| q.get()).collect();
            let mut got = Vec::new();
            while let Some(item) = futures::StreamExt::next(&mut gets).await {
                got.push((item.unwrap(), now_ms()));
            }
            producer.await.unwrap();
            got
        })
        .unwrap();
    assert_eq!(got, vec![(0, 1000), (1, 2000), (2, 3000)]);
}

#[test]
fn join_returns_at_the_last_task_done() {
    let (joined_at, done_at) = Sim::new(1)
        .run(async {
            let q = Queue::new();
            for i in 0..3u64 {
                q.put(i).await.unwrap();
            }
            assert_eq!(q.unfinished_tasks(), 3);
            let worker = task::spawn({
                let q = q.clone();
                async move {
                    let mut done_at = 0;
                    for _ in 0..3 {
                        let i = q.get().await.unwrap();
                        time::sleep(secs(i + 1)).await;
                        q.task_done().unwrap();
                        done_at = now_ms();
                    }
                    done_at
                }
            });
            q.join().await;
            let joined_at = now_ms();
            (joined_at, worker.await.unwrap())
        })
        .unwrap();
    assert_eq!((joined_at, done_at), (6000, 6000));
}

#[test]
fn join_on_a_queue_with_nothing_unfinished_returns_at_once() {
    Sim::new(1)
        .run(async {
            let q: Queue<u8> = Queue::new();
            assert_eq!(q.join().now_or_never(), Some(()));
            q.put(1).await.unwrap();
            assert!(q.join().now_or_never().is_none());
            q.get().await.unwrap();
            // Taken but not marked done: still unfinished.
            assert!(q.join().now_or_never().is_none());
            q.task_done().unwrap();
            assert_eq!(q.join().now_or_never(), Some(()));
        })
        .unwrap();
}

#[test]
fn task_done_too_many_times_is_an_error() {
    Sim::new(1)
        .run(async {
            let q = Queue::new();
            assert_eq!(q.task_done(), Err(TaskDoneError));
            q.put(()).await.unwrap();
            assert_eq!(q.task_done(), Ok(()));
            assert_eq!(q.task_done(), Err(TaskDoneError));
        })
        .unwrap();
}

#[test]
fn shutdown_lets_getters_drain_then_fails_them_and_fails_putters() {
    Sim::new(1)
        .run(async {
            let q = Queue::with_capacity(2);
            q.put(1).await.unwrap();
            q.put(2).await.unwrap();
            let blocked_putter = task::spawn({
                let q = q.clone();
                async move { q.put(3).await }
            });
            task::yield_now().await;
            q.shutdown(false);
            assert!(q.is_shut_down());
            assert_eq!(blocked_putter.await.unwrap(), Err(PutError(3)));
            assert_eq!(q.try_put(4).unwrap_err(), TryPutError::ShutDown(4));
            assert_eq!(q.put(5).await, Err(PutError(5)));
            assert_eq!(q.get().await, Ok(1));
            assert_eq!(q.try_get(), Ok(2));
            assert_eq!(q.get().await, Err(ShutDown));
            assert_eq!(q.try_get(), Err(TryGetError::ShutDown));
        })
        .unwrap();
}

#[test]
fn shutdown_wakes_blocked_getters() {
    let at = Sim::new(1)
        .run(async {
            let q: Queue<u8> = Queue::new();
            let getters: Vec<_> = (0..3)
                .map(|_| {
                    let q = q.clone();
                    task::spawn(async move { (q.get().await, now_ms()) })
                })
                .collect();
            time::sleep(secs(2)).await;
            q.shutdown(false);
            let mut at = Vec::new();
            for g in getters {
                let (r, t) = g.await.unwrap();
                assert_eq!(r, Err(ShutDown));
                at.push(t);
            }
            at
        })
        .unwrap();
    assert_eq!(at, vec![2000, 2000, 2000]);
}

#[test]
fn immediate_shutdown_drops_items_and_releases_join() {
    Sim::new(1)
        .run(async {
            let q = Queue::new();
            for i in 0..3 {
                q.put(i).await.unwrap();
            }
            q.get().await.unwrap(); // taken, not done: still counts for join
            let joiner = task::spawn({
                let q = q.clone();
                async move {
                    q.join().await;
                    now_ms()
                }
            });
            time::sleep(secs(1)).await;
            q.shutdown(true);
            assert_eq!(q.len(), 0);
            assert_eq!(q.unfinished_tasks(), 1);
            assert_eq!(q.get().await, Err(ShutDown));
            assert!(!joiner.is_finished());
            time::sleep(secs(1)).await;
            q.task_done().unwrap();
            assert_eq!(joiner.await.unwrap(), 2000);
        })
        .unwrap();
}

#[test]
fn lifo_and_priority_queues_share_the_interface() {
    Sim::new(1)
        .run(async {
            let lifo = LifoQueue::with_capacity(3);
            let prio = PriorityQueue::with_capacity(3);
            for x in [2, 3, 1] {
                lifo.put(x).await.unwrap();
                prio.put(x).await.unwrap();
            }
            assert!(lifo.try_put(9).unwrap_err().is_full());
            assert!(prio.try_put(9).unwrap_err().is_full());
            let mut l = Vec::new();
            let mut p = Vec::new();
            for _ in 0..3 {
                l.push(lifo.get().await.unwrap());
                p.push(prio.get().await.unwrap());
                lifo.task_done().unwrap();
                prio.task_done().unwrap();
            }
            assert_eq!(l, vec![1, 3, 2]);
            assert_eq!(p, vec![1, 2, 3]);
            lifo.join().await;
            prio.join().await;
        })
        .unwrap();
}

#[test]
fn a_deadlock_report_names_the_queue() {
    let err = Sim::new(5)
        .run(async {
            let q: Queue<u8> = Queue::new().named("jobs");
            task::spawn_named("consumer", {
                let q = q.clone();
                async move { q.get().await }
            })
            .await
        })
        .unwrap_err();
    assert!(matches!(err, SimError::Deadlock { .. }));
    let text = err.to_string();
    assert!(
        text.contains("\"consumer\" waits on Queue::get on \"jobs\""),
        "{text}"
    );

    let err = Sim::new(5)
        .run(async {
            let q = PriorityQueue::with_capacity(1).named("prio");
            q.put(1).await.unwrap();
            q.put(2).await.unwrap();
        })
        .unwrap_err();
    assert!(
        err.to_string().contains("PriorityQueue::put on \"prio\""),
        "{err}"
    );

    let err = Sim::new(5)
        .run(async {
            let q = LifoQueue::new().named("stack");
            q.put(1).await.unwrap();
            q.join().await;
        })
        .unwrap_err();
    assert!(
        err.to_string().contains("LifoQueue::join on \"stack\""),
        "{err}"
    );
}

#[test]
fn works_with_another_executor_and_inside_select() {
    // Outside any simulation, on the futures crate's executor.
    let q = Queue::with_capacity(1);
    let mut pool = futures::executor::LocalPool::new();
    use futures::task::LocalSpawnExt;
    let consumer = pool
        .spawner()
        .spawn_local_with_handle({
            let q = q.clone();
            async move {
                let mut sum = 0;
                while let Ok(x) = q.get().await {
                    sum += x;
                }
                sum
            }
        })
        .unwrap();
    pool.run_until(async {
        for x in 1..=10 {
            q.put(x).await.unwrap();
        }
        q.shutdown(false);
    });
    assert_eq!(pool.run_until(consumer), 55);

    // Inside a simulation, raced against a timer with futures::select.
    Sim::new(1)
        .run(async {
            let q = Queue::new();
            let producer = task::spawn({
                let q = q.clone();
                async move {
                    time::sleep(secs(3)).await;
                    q.put(7).await.unwrap();
                }
            });
            let got = futures::select! {
                x = q.get().fuse() => Some(x.unwrap()),
                _ = time::sleep(secs(1)).fuse() => None,
            };
            assert_eq!(got, None);
            let got = futures::select! {
                x = q.get().fuse() => Some(x.unwrap()),
                _ = time::sleep(secs(5)).fuse() => None,
            };
            assert_eq!(got, Some(7));
            assert_eq!(now_ms(), 3000);
            producer.await.unwrap();
        })
        .unwrap();
}

#[test]
fn queues_are_send_and_sync() {
    fn check<T: Send + Sync + Clone>() {}
    check::<Queue<String>>();
    check::<LifoQueue<String>>();
    check::<PriorityQueue<u32>>();
}

/// One run of a producers/consumers pipeline where two of the three
/// consumers are cancelled at arbitrary instants while they wait in `get`
/// (possibly after being woken for an item they have not taken yet).
/// Returns (items put, items handled, items left in the queue, whether join
/// returned before the last task_done).
fn pipeline(sim: Sim, maxsize: usize, cancel: Vec<u64>) -> (Vec<u32>, Vec<u32>, usize, bool) {
    sim.run(async move {
        let q = Queue::with_capacity(maxsize);
        let handled: Rc<RefCell<Vec<u32>>> = Rc::default();
        let producers: Vec<_> = (0..3u32)
            .map(|p| {
                let q = q.clone();
                task::spawn(async move {
                    let mut put = Vec::new();
                    for i in 0..5 {
                        let item = p * 100 + i;
                        time::sleep(Duration::from_millis(simloop::rand::range(0..20u64))).await;
                        q.put(item).await.unwrap();
                        put.push(item);
                    }
                    put
                })
            })
            .collect();
        let consumers: Vec<_> = (0..3)
            .map(|_| {
                let holding = Rc::new(std::cell::Cell::new(false));
                let (q, handled, h) = (q.clone(), handled.clone(), holding.clone());
                let handle = task::spawn(async move {
                    loop {
                        let item = q.get().await.unwrap();
                        h.set(true);
                        time::sleep(Duration::from_millis(simloop::rand::range(0..30u64))).await;
                        handled.borrow_mut().push(item);
                        h.set(false);
                        q.task_done().unwrap();
                    }
                });
                (handle, holding)
            })
            .collect();
        // Consumer 0 is never cancelled, so the pipeline always drains.
        for ((c, holding), at) in consumers[1..].iter().zip(cancel) {
            time::sleep(Duration::from_millis(at)).await;
            // Cancelling a consumer while it handles an item would lose that
            // item by design; cancel it only while it waits in get.
            if !holding.get() {
                c.abort();
            }
        }
        let mut put = Vec::new();
        for p in producers {
            put.extend(p.await.unwrap());
        }
        q.join().await;
        let early = handled.borrow().len() != put.len();
        for (c, _) in &consumers {
            c.abort();
        }
        for (c, _) in consumers {
            // Consumers loop forever: they can only end cancelled.
            let Err(e) = c.await;
            assert!(e.is_cancelled(), "{e}");
        }
        let mut handled = handled.take();
        handled.sort_unstable();
        put.sort_unstable();
        (put, handled, q.len(), early)
    })
    .unwrap()
}

/// Getters wait; items are put one at a time and, right after some puts,
/// one waiting getter is cancelled (possibly the one the put just woke).
/// Returns, per round, (live getters waiting before the put, whether one
/// was cancelled, items left in the queue once the instant settled), and
/// the totals put, received and left.
fn wake_ups(
    sim: Sim,
    cancels: Vec<Option<u8>>,
) -> (Vec<(usize, bool, usize)>, usize, usize, usize) {
    sim.run(async move {
        let q = Queue::new();
        let getters: Vec<_> = (0..6)
            .map(|_| {
                let q = q.clone();
                task::spawn(async move { q.get().await.unwrap() })
            })
            .collect();
        let mut cancelled = vec![false; getters.len()];
        time::sleep(Duration::from_millis(1)).await;
        let mut rounds = Vec::new();
        let mut put = 0;
        for (round, cancel) in cancels.into_iter().enumerate() {
            let waiting: Vec<usize> = (0..getters.len())
                .filter(|&i| !cancelled[i] && !getters[i].is_finished())
                .collect();
            q.try_put(round).unwrap();
            put += 1;
            let victim = cancel.filter(|_| !waiting.is_empty()).map(|pick| {
                // The first waiter is the one the put woke.
                waiting[usize::from(pick) % waiting.len()]
            });
            if let Some(v) = victim {
                getters[v].abort();
                cancelled[v] = true;
            }
            time::sleep(Duration::from_millis(1)).await;
            rounds.push((waiting.len(), victim.is_some(), q.len()));
        }
        let mut received = 0;
        for g in getters {
            // The getters still waiting (and the cancelled ones) end
            // cancelled; the others received an item.
            g.abort();
            match g.await {
                Ok(_) => received += 1,
                Err(e) => assert!(e.is_cancelled(), "{e}"),
            }
        }
        (rounds, put, received, q.len())
    })
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Every item put is handled exactly once, none is left behind, and join
    /// returns only once every item is marked done.
    #[test]
    fn queue_conserves_items_and_join_waits_for_the_last_task_done(
        sim in sims(),
        maxsize in 0usize..4,
        cancel in proptest::collection::vec(0u64..60, 2),
    ) {
        let (put, handled, left, early) = pipeline(sim, maxsize, cancel);
        prop_assert_eq!(put.len(), 15);
        prop_assert_eq!(&handled, &put);
        prop_assert_eq!(left, 0);
        prop_assert!(!early);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// No wake-up is lost: while a live getter waits, an item put is taken
    /// within the same instant, even when a waiting getter (possibly the one
    /// just woken for it) is cancelled right after the put; and no item is
    /// lost or duplicated.
    #[test]
    fn a_cancelled_getter_never_strands_an_item(
        sim in sims(),
        cancels in proptest::collection::vec(proptest::option::of(0u8..6), 1..8),
    ) {
        let (rounds, put, received, left) = wake_ups(sim, cancels);
        let mut stranded = 0;
        for (waiting, cancelled_one, len) in rounds {
            let live = waiting - usize::from(cancelled_one);
            if live > stranded {
                prop_assert_eq!(len, 0);
            }
            stranded = len;
        }
        prop_assert_eq!(received + left, put);
    }
}
