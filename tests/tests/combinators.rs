//! `simloop::combinators`: gather and friends, as_completed, wait,
//! select/race, shield and TaskGroup, compared with CPython's asyncio on the
//! same programs (CPython 3.11 on a virtual clock gives the expected lines
//! quoted in each test).

use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use futures::{FutureExt, StreamExt};
use proptest::prelude::*;
use simloop::combinators::{
    Either, MemberOutcome, ReturnWhen, TaskError, TaskGroup, as_completed, gather, join_all, race,
    select, shield, try_gather, try_join_all, try_wait, wait,
};
use simloop::sync::{Event, Queue};
use simloop::{Sim, SimError, task, time};
use simloop_tests::log::{Log, now_ms};
use simloop_tests::occupancy::Occupancy;
use simloop_tests::sims::sims;

fn note(log: &Log, line: impl Into<String>) {
    log.borrow_mut().push(line.into());
}

type BoxFut<T> = Pin<Box<dyn std::future::Future<Output = T>>>;

/// asyncio's `work(name, d, fail)`: logs, sleeps `d` seconds, then returns
/// its name or fails with it.
fn work(
    log: &Log,
    name: &'static str,
    secs: u64,
    fail: bool,
) -> BoxFut<Result<&'static str, String>> {
    let log = log.clone();
    Box::pin(async move {
        note(&log, format!("{name} start {}", now_ms()));
        time::sleep(Duration::from_secs(secs)).await;
        if fail {
            note(&log, format!("{name} fails {}", now_ms()));
            return Err(name.to_string());
        }
        note(&log, format!("{name} end {}", now_ms()));
        Ok(name)
    })
}

/// A task that logs and yields six times, to show where an awaiting task
/// resumes among the ready ones.
fn ticker(log: &Log) -> task::JoinHandle<()> {
    let log = log.clone();
    task::spawn(async move {
        for i in 0..6 {
            note(&log, format!("c{i}"));
            task::yield_now().await;
        }
    })
}

#[test]
fn awaiting_tasks_resume_at_the_same_point_as_in_asyncio() {
    // CPython 3.11:
    // ['c0', 'a', 'c1', 'c2', 'main gather', 'c3', 'c4', 'c5']
    // ['c0', 'a', 'c1', 'c2', 'main wait', 'c3', 'c4', 'c5']
    // ['c0', 'b', 'c1', 'b2', 'c2', 'c3', 'got 2', 'c4', 'c5']
    // ['c0', 'b', 'c1', 'b2', 'c2', 'c3', 'tg done', 'c4', 'c5']
    // ['c0', 'b', 'c1', 'b2', 'c2', 'c3', 'main wait2', 'c4', 'c5']
    let runs = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let mut runs = Vec::new();
            let a = |log: &Log| {
                let log = log.clone();
                async move {
                    note(&log, "a");
                    1
                }
            };
            let b = |log: &Log| {
                let log = log.clone();
                async move {
                    note(&log, "b");
                    task::yield_now().await;
                    note(&log, "b2");
                    Ok::<u32, ()>(2)
                }
            };

            let c = ticker(&log);
            gather([a(&log)]).await.unwrap();
            note(&log, "main gather");
            c.await.unwrap();
            runs.push(log.take());

            let c = ticker(&log);
            let ta = task::spawn(a(&log));
            task::yield_now().await;
            let w = wait([ta], ReturnWhen::AllCompleted, None).await;
            assert_eq!(w.done.len(), 1);
            note(&log, "main wait");
            c.await.unwrap();
            runs.push(log.take());

            let c = ticker(&log);
            let mut results = as_completed([b(&log)]);
            while let Some(r) = results.next().await {
                note(&log, format!("got {}", r.unwrap().unwrap()));
            }
            c.await.unwrap();
            runs.push(log.take());

            let c = ticker(&log);
            let group: TaskGroup<u32, ()> = TaskGroup::new();
            group.spawn(b(&log));
            group.await.unwrap();
            note(&log, "tg done");
            c.await.unwrap();
            runs.push(log.take());

            let c = ticker(&log);
            let tb = task::spawn(b(&log));
            wait([tb], ReturnWhen::AllCompleted, None).await;
            note(&log, "main wait2");
            c.await.unwrap();
            runs.push(log.take());
            runs
        })
        .unwrap();
    let expected = [
        "c0 a c1 c2 main-gather c3 c4 c5",
        "c0 a c1 c2 main-wait c3 c4 c5",
        "c0 b c1 b2 c2 c3 got-2 c4 c5",
        "c0 b c1 b2 c2 c3 tg-done c4 c5",
        "c0 b c1 b2 c2 c3 main-wait2 c4 c5",
    ];
    for (run, expected) in runs.iter().zip(expected) {
        let got: Vec<String> = run.iter().map(|l| l.replace(' ', "-")).collect();
        assert_eq!(got.join(" "), expected);
    }
}

/// A task that sleeps 1 s, then logs `"{prefix}{i}"` and yields, `n` times.
fn ticker_at_1s(log: &Log, prefix: &'static str, n: usize) -> task::JoinHandle<()> {
    let log = log.clone();
    task::spawn(async move {
        time::sleep(Duration::from_secs(1)).await;
        for i in 0..n {
            note(&log, format!("{prefix}{i}"));
            task::yield_now().await;
        }
    })
}

#[test]
fn results_that_arrive_before_the_awaiter_looks_come_after_their_done_callbacks() {
    // A child finishes at 1 s just before the awaiting task wakes from its
    // own 1 s sleep; asyncio delivers the result through the child's done
    // callback, which runs after the tasks already ready. CPython (virtual
    // clock), child(n) = `await sleep(1); log(f'{n} done'); return n`,
    // other() = `await sleep(1)` then logs o0..o3 yielding in between:
    //   it = as_completed([child('x')]); o = task(other())
    //   await sleep(0); await sleep(0); await sleep(1); log('main awake')
    //   for f in it: log(f'main got {await f}')
    // gives ['x done', 'o0', 'main awake', 'o1', 'main got x', 'o2', 'o3']
    // (CPython 3.13, whose as_completed registers its callbacks when
    // called); with `g = gather(child('y'))` ... `await g`:
    // ['y done', 'o0', 'main awake', 'o1', "main got ['y']", 'o2', 'o3'];
    // with `o = task(other()); async with TaskGroup() as tg:
    // tg.create_task(child('z')); <the sleeps>; log('main awake')` then
    // log('tg done'):
    // ['o0', 'z done', 'main awake', 'o1', 'o2', 'tg done', 'o3'].
    let runs = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let mut runs = Vec::new();
            let child = |log: &Log, name: &'static str| {
                let log = log.clone();
                async move {
                    time::sleep(Duration::from_secs(1)).await;
                    note(&log, format!("{name} done"));
                    name
                }
            };
            let settle = || async {
                task::yield_now().await;
                task::yield_now().await;
                time::sleep(Duration::from_secs(1)).await;
            };

            let mut it = as_completed([child(&log, "x")]);
            let o = ticker_at_1s(&log, "o", 4);
            settle().await;
            note(&log, "main awake");
            while let Some(r) = it.next().await {
                note(&log, format!("main got {}", r.unwrap()));
            }
            o.await.unwrap();
            runs.push(log.take());

            let g = gather([child(&log, "y")]);
            let o = ticker_at_1s(&log, "o", 4);
            settle().await;
            note(&log, "main awake");
            let got = g.await.unwrap();
            note(&log, format!("main got {got:?}"));
            o.await.unwrap();
            runs.push(log.take());

            let o = ticker_at_1s(&log, "o", 4);
            let group: TaskGroup<&str> = TaskGroup::new();
            let z = child(&log, "z");
            group.spawn(async move { Ok(z.await) });
            settle().await;
            note(&log, "main awake");
            group.await.unwrap();
            note(&log, "tg done");
            o.await.unwrap();
            runs.push(log.take());
            runs
        })
        .unwrap();
    assert_eq!(
        runs,
        vec![
            vec!["x done", "o0", "main awake", "o1", "main got x", "o2", "o3"],
            vec![
                "y done",
                "o0",
                "main awake",
                "o1",
                "main got [\"y\"]",
                "o2",
                "o3"
            ],
            vec!["o0", "z done", "main awake", "o1", "o2", "tg done", "o3"],
        ]
    );
}

#[test]
fn a_child_ending_wakes_the_awaiter_only_when_asyncio_would() {
    // gather and a TaskGroup resume their awaiter when the last child's
    // done callback runs, not at every child's. CPython (virtual clock),
    // noop(n) = `return n`, yielder(n) = `await sleep(0); return n`:
    //   t1: `for f in as_completed([task(noop('x0')), task(noop('x1')),
    //        task(yielder('x2'))]): log(f'got {await f}')`
    //   t2: `async with TaskGroup() as tg: tg.create_task(yielder('y0'));
    //        tg.create_task(noop('y1'))` then log('tg done')
    //   t3: `log(f"gather {await gather(yielder('z0'), noop('z1'))}")`
    //   started in that order:
    // ['got x0', 'got x1', 'got x2', 'tg done', "gather ['z0', 'z1']"].
    let lines = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let noop = |n: &'static str| -> BoxFut<&'static str> { Box::pin(async move { n }) };
            let yielder = |n: &'static str| -> BoxFut<&'static str> {
                Box::pin(async move {
                    task::yield_now().await;
                    n
                })
            };
            let t1 = task::spawn({
                let log = log.clone();
                async move {
                    let mut s = as_completed([noop("x0"), noop("x1"), yielder("x2")]);
                    while let Some(r) = s.next().await {
                        note(&log, format!("got {}", r.unwrap()));
                    }
                }
            });
            let t2 = task::spawn({
                let log = log.clone();
                async move {
                    let group: TaskGroup<&str> = TaskGroup::new();
                    for f in [yielder("y0"), noop("y1")] {
                        group.spawn(async move { Ok(f.await) });
                    }
                    group.await.unwrap();
                    note(&log, "tg done");
                }
            });
            let t3 = task::spawn({
                let log = log.clone();
                async move {
                    let r = gather([yielder("z0"), noop("z1")]).await.unwrap();
                    note(&log, format!("gather {r:?}"));
                }
            });
            for t in [t1, t2, t3] {
                t.await.unwrap();
            }
            log.take()
        })
        .unwrap();
    assert_eq!(
        lines,
        vec![
            "got x0",
            "got x1",
            "got x2",
            "tg done",
            "gather [\"z0\", \"z1\"]"
        ]
    );
}

#[test]
fn a_task_group_resumes_after_its_cancelled_members_done_callbacks() {
    // CPython (virtual clock): tick1() sleeps 1 s then logs c0..c7 yielding
    // in between; bad() sleeps 1 s, logs and raises; slow() sleeps 10 s.
    //   c = task(tick1())
    //   async with TaskGroup() as tg: tg.create_task(bad()); tg.create_task(slow())
    //   (except* ValueError: log('tg error'))
    // gives ['c0', 'bad', 'c1', 'c2', 'c3', 'c4', 'tg error', 'c5', 'c6',
    // 'c7']: bad's done callback cancels slow and the awaiting task; the
    // latter finds slow still in the group and waits again; slow's own done
    // callback, a step after its cancellation, releases it.
    let lines = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let c = ticker_at_1s(&log, "c", 8);
            let group: TaskGroup<(), ()> = TaskGroup::new();
            group.spawn({
                let log = log.clone();
                async move {
                    time::sleep(Duration::from_secs(1)).await;
                    note(&log, "bad");
                    Err(())
                }
            });
            group.spawn(async {
                time::sleep(Duration::from_secs(10)).await;
                Ok(())
            });
            assert!(group.await.is_err());
            note(&log, "tg error");
            c.await.unwrap();
            log.take()
        })
        .unwrap();
    assert_eq!(
        lines,
        vec![
            "c0", "bad", "c1", "c2", "c3", "c4", "tg error", "c5", "c6", "c7"
        ]
    );
}

#[test]
fn a_failure_cancels_the_siblings_from_its_done_callback_as_in_asyncio() {
    // CPython (virtual clock): bad() sleeps 1 s then raises; good(n, s)
    // sleeps s seconds then logs its end, or logs its cancellation.
    //   async with TaskGroup() as tg:
    //       tg.create_task(bad()); tg.create_task(good('g1', 1))
    //       tg.create_task(good('g2', 2))
    // gives ['bad fails 1000', 'g1 ends 1000', 'g2 cancelled 1000',
    // 'tg error 1000']: g1, ready at the same instant, runs before the
    // group learns of the failure (in bad's done callback).
    for panics in [false, true] {
        let sim = Sim::builder().fail_on_unobserved_panic(false).build();
        let lines = sim
            .run(async move {
                let log: Log = Rc::default();
                let group: TaskGroup<&str, &str> = TaskGroup::new();
                let bad = {
                    let log = log.clone();
                    async move {
                        time::sleep(Duration::from_secs(1)).await;
                        note(&log, format!("bad fails {}", now_ms()));
                        assert!(!panics, "bad");
                        Err("bad")
                    }
                };
                group.spawn(bad);
                for (name, secs) in [("g1", 1), ("g2", 2)] {
                    let log = log.clone();
                    group.spawn(async move {
                        struct OnCancel(Log, &'static str);
                        impl Drop for OnCancel {
                            fn drop(&mut self) {
                                note(&self.0, format!("{} cancelled {}", self.1, now_ms()));
                            }
                        }
                        let on_cancel = OnCancel(log.clone(), name);
                        time::sleep(Duration::from_secs(secs)).await;
                        std::mem::forget(on_cancel);
                        note(&log, format!("{name} ends {}", now_ms()));
                        Ok(name)
                    });
                }
                let err = group.await.unwrap_err();
                assert_eq!(err.is_panic(), panics);
                note(&log, format!("tg error {}", now_ms()));
                log.take()
            })
            .unwrap();
        assert_eq!(
            lines,
            vec![
                "bad fails 1000",
                "g1 ends 1000",
                "g2 cancelled 1000",
                "tg error 1000"
            ],
            "panics: {panics}"
        );
    }
}

#[test]
fn wait_counts_a_task_as_done_once_its_done_callback_has_run() {
    // CPython (virtual clock), noop() returns, yielder() yields once:
    //   t0() = `c = task(noop()); await wait([c], return_when=FIRST_COMPLETED);
    //           log('t0 wait')`
    //   a = task(t0()); m = [task(yielder()), task(noop())]
    //   await wait(m, return_when=FIRST_EXCEPTION); log('main wait')
    // gives ['t0 wait', 'main wait']: main's wait is complete only when
    // yielder's done callback has run, after the callback that releases t0.
    let lines = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let a = task::spawn({
                let log = log.clone();
                async move {
                    let c = task::spawn(async {});
                    wait([c], ReturnWhen::FirstCompleted, None).await;
                    note(&log, "t0 wait");
                }
            });
            let m = vec![
                task::spawn(async { task::yield_now().await }),
                task::spawn(async {}),
            ];
            let w = wait(m, ReturnWhen::FirstException, None).await;
            assert_eq!(w.done.len(), 2);
            note(&log, "main wait");
            a.await.unwrap();
            log.take()
        })
        .unwrap();
    assert_eq!(lines, vec!["t0 wait", "main wait"]);
}

#[test]
fn wait_returns_at_its_timeout_where_asyncio_resumes() {
    // CPython (virtual clock): a task sleeps 1 s then logs c0..c5, yielding
    // in between; main calls `await asyncio.wait([slow], timeout=1)` and
    // logs. If main's timer was armed first: ['main wait timeout 1000',
    // 'c0', 'c1', ...]; after `await sleep(0)` (the ticker's timer first):
    // ['c0', 'main wait timeout 2000', 'c1', ...]. The timeout wakes the
    // waiter like a sleep does. A zero timeout, `c = ticker()` then
    // `await asyncio.wait([slow], timeout=0)`, gives ['c0', 'c1',
    // 'main wait timeout 2000', 'c2', ...] (the timer fires at the next
    // iteration, then the waiter resumes).
    let runs = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let mut runs = Vec::new();
            let slow = task::spawn(time::sleep(Duration::from_secs(10)));
            let c = ticker_at_1s(&log, "c", 6);
            let w = wait(
                [slow],
                ReturnWhen::AllCompleted,
                Some(Duration::from_secs(1)),
            )
            .await;
            note(&log, format!("main wait timeout {}", now_ms()));
            c.await.unwrap();
            runs.push(log.take());

            let c = ticker_at_1s(&log, "c", 6);
            task::yield_now().await;
            let w = wait(
                w.pending,
                ReturnWhen::AllCompleted,
                Some(Duration::from_secs(1)),
            )
            .await;
            note(&log, format!("main wait timeout {}", now_ms()));
            c.await.unwrap();
            runs.push(log.take());

            let c = ticker(&log);
            let w = wait(w.pending, ReturnWhen::AllCompleted, Some(Duration::ZERO)).await;
            note(&log, format!("main wait timeout {}", now_ms()));
            c.await.unwrap();
            runs.push(log.take());
            assert_eq!(w.pending.len(), 1);
            runs
        })
        .unwrap();
    assert_eq!(
        runs,
        vec![
            vec!["main wait timeout 1000", "c0", "c1", "c2", "c3", "c4", "c5"],
            vec!["c0", "main wait timeout 2000", "c1", "c2", "c3", "c4", "c5"],
            vec!["c0", "c1", "main wait timeout 2000", "c2", "c3", "c4", "c5"],
        ]
    );
}

#[test]
fn shield_resumes_where_asyncio_resumes() {
    // CPython (virtual clock): ['c0', 'a', 'c1', 'c2', 'main shield', 'c3',
    // 'c4', 'c5'] for `c = ticker(); await asyncio.shield(a())` (the shield's
    // outer future is set by a done callback on the inner task), where
    // `await task(a())` resumes one step earlier, after c1.
    let lines = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let c = ticker(&log);
            let a = {
                let log = log.clone();
                async move {
                    note(&log, "a");
                    1
                }
            };
            assert_eq!(shield(a).await.unwrap(), 1);
            note(&log, "main shield");
            c.await.unwrap();
            log.take()
        })
        .unwrap();
    assert_eq!(
        lines,
        vec!["c0", "a", "c1", "c2", "main shield", "c3", "c4", "c5"]
    );
}

#[test]
fn gather_returns_results_in_argument_order() {
    let (out, at) = Sim::new(2)
        .run(async {
            let out = gather([3u64, 1, 2].map(|s| async move {
                time::sleep(Duration::from_secs(s)).await;
                (s, now_ms())
            }))
            .await
            .unwrap();
            (out, now_ms())
        })
        .unwrap();
    assert_eq!(out, vec![(3, 3000), (1, 1000), (2, 2000)]);
    assert_eq!(at, 3000);
}

#[test]
fn gather_of_nothing_is_ready_at_once() {
    Sim::new(1)
        .run(async {
            let empty: Vec<std::future::Ready<u8>> = Vec::new();
            assert_eq!(gather(empty).now_or_never(), Some(Ok(vec![])));
        })
        .unwrap();
}

#[test]
fn try_gather_propagates_the_first_failure_and_lets_the_others_run() {
    // CPython 3.11: ['a start 0', 'b start 0', 'c start 0', 'b fails 1000',
    // 'main caught b 1000', 'c end 2000', 'a end 3000']
    let lines = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let err = try_gather([
                work(&log, "a", 3, false),
                work(&log, "b", 1, true),
                work(&log, "c", 2, false),
            ])
            .await
            .unwrap_err();
            note(
                &log,
                format!("main caught {} {}", err.failure().unwrap(), now_ms()),
            );
            time::sleep(Duration::from_secs(5)).await;
            log.take()
        })
        .unwrap();
    assert_eq!(
        lines,
        vec![
            "a start 0",
            "b start 0",
            "c start 0",
            "b fails 1000",
            "main caught b 1000",
            "c end 2000",
            "a end 3000"
        ]
    );
}

#[test]
fn gather_reports_a_panic_and_join_all_collects_every_outcome() {
    // CPython 3.11 (return_exceptions=True): ['a start 0', 'b start 0',
    // 'c start 0', 'b fails 1000', 'c end 2000', 'a end 3000',
    // "main ['a', 'b', 'c'] 3000"]
    let sim = Sim::builder().fail_on_unobserved_panic(false).build();
    let lines = sim
        .run(async {
            let log: Log = Rc::default();
            let outcomes = join_all([
                work(&log, "a", 3, false),
                work(&log, "b", 1, true),
                work(&log, "c", 2, false),
            ])
            .await;
            let names: Vec<String> = outcomes
                .into_iter()
                .map(|o| match o.unwrap() {
                    Ok(name) => name.to_string(),
                    Err(name) => name,
                })
                .collect();
            note(&log, format!("main {names:?} {}", now_ms()));

            let err = gather([0u64, 1].map(|i| async move {
                time::sleep(Duration::from_secs(i)).await;
                assert!(i == 0, "task {i} failed");
                i
            }))
            .await
            .unwrap_err();
            assert!(err.is_panic());
            assert!(err.panic_message().unwrap().contains("task 1 failed"));
            log.take()
        })
        .unwrap();
    assert_eq!(
        lines,
        vec![
            "a start 0",
            "b start 0",
            "c start 0",
            "b fails 1000",
            "c end 2000",
            "a end 3000",
            "main [\"a\", \"b\", \"c\"] 3000"
        ]
    );
}

/// Logs `"{what} cancelled {ms}"` if dropped before it is disarmed: a
/// task's `except CancelledError` clause.
struct OnCancel(Log, String);

impl OnCancel {
    fn disarm(self) {
        std::mem::forget(self);
    }
}

impl Drop for OnCancel {
    fn drop(&mut self) {
        note(&self.0, format!("{} cancelled {}", self.1, now_ms()));
    }
}

#[test]
fn cancelling_the_task_awaiting_gather_cancels_the_children_first_as_in_asyncio() {
    // asyncio's Task.cancel cancels the gather the task awaits, and so its
    // children, at once; the task itself gets CancelledError once they are
    // done. CPython (virtual clock):
    //   child(i) = log(f'child {i} start'); await sleep(10) (logging
    //              f'child {i} cancelled' on CancelledError)
    //   parent() = await gather(child(1), child(2)) (logging 'parent
    //              cancelled' on CancelledError)
    //   t = task(parent()); await sleep(1); t.cancel(); await t
    // gives ['child 1 start', 'child 2 start', 'child 1 cancelled 1000',
    // 'child 2 cancelled 1000', 'parent cancelled 1000', 'main saw cancel
    // 1000'] (times added). A timeout around a gather cancels its children
    // the same way: `async with timeout(1.5): await gather(quick(1),
    // quick(2), quick(3))`, quick(i) sleeping i seconds, started at 1 s,
    // gives ['quick 1 done', 'quick 2 cancelled 2500', 'quick 3 cancelled
    // 2500', 'timed out 2500'].
    let lines = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let child = |i: u32| {
                let log = log.clone();
                async move {
                    note(&log, format!("child {i} start"));
                    let guard = OnCancel(log.clone(), format!("child {i}"));
                    time::sleep(Duration::from_secs(10)).await;
                    guard.disarm();
                }
            };
            let parent = task::spawn({
                let (log, children) = (log.clone(), [child(1), child(2)]);
                async move {
                    let guard = OnCancel(log, "parent".into());
                    gather(children).await.unwrap();
                    guard.disarm();
                }
            });
            time::sleep(Duration::from_secs(1)).await;
            parent.abort();
            assert!(parent.await.unwrap_err().is_cancelled());
            note(&log, format!("main saw cancel {}", now_ms()));

            let quick = |i: u64| {
                let log = log.clone();
                async move {
                    let guard = OnCancel(log.clone(), format!("quick {i}"));
                    time::sleep(Duration::from_secs(i)).await;
                    guard.disarm();
                    note(&log, format!("quick {i} done"));
                }
            };
            let all = gather([quick(1), quick(2), quick(3)]);
            assert!(
                time::timeout(Duration::from_millis(1500), all)
                    .await
                    .is_err()
            );
            note(&log, format!("timed out {}", now_ms()));
            log.take()
        })
        .unwrap();
    assert_eq!(
        lines,
        vec![
            "child 1 start",
            "child 2 start",
            "child 1 cancelled 1000",
            "child 2 cancelled 1000",
            "parent cancelled 1000",
            "main saw cancel 1000",
            "quick 1 done",
            "quick 2 cancelled 2500",
            "quick 3 cancelled 2500",
            "timed out 2500"
        ]
    );
}

#[test]
fn dropping_a_gather_cancels_its_tasks() {
    Sim::new(1)
        .run(async {
            let finished = Rc::new(Cell::new(0));
            let g = gather((0..3).map(|_| {
                let finished = finished.clone();
                async move {
                    time::sleep(Duration::from_secs(5)).await;
                    finished.set(finished.get() + 1);
                }
            }));
            assert!(time::timeout(Duration::from_secs(1), g).await.is_err());
            time::sleep(Duration::from_secs(10)).await;
            assert_eq!(finished.get(), 0);
        })
        .unwrap();
}

#[test]
fn as_completed_yields_in_completion_order_with_ties_in_finishing_order() {
    // CPython 3.11: [('y', 1000), ('z', 1000), ('x', 2000)]
    let got = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let mut done = as_completed([
                work(&log, "x", 2, false),
                work(&log, "y", 1, false),
                work(&log, "z", 1, false),
            ]);
            assert_eq!(done.len(), 3);
            let mut got = Vec::new();
            while let Some(r) = done.next().await {
                got.push((r.unwrap().unwrap(), now_ms()));
            }
            assert!(done.is_empty());
            got
        })
        .unwrap();
    assert_eq!(got, vec![("y", 1000), ("z", 1000), ("x", 2000)]);
}

#[test]
fn as_completed_is_a_stream_and_dropping_it_leaves_tasks_running() {
    Sim::new(1)
        .run(async {
            let finished = Rc::new(Cell::new(0));
            let stream = as_completed([1u64, 2, 3].map(|s| {
                let finished = finished.clone();
                async move {
                    time::sleep(Duration::from_secs(s)).await;
                    finished.set(finished.get() + 1);
                    s
                }
            }));
            let first: Vec<_> = stream.take(1).map(Result::unwrap).collect().await;
            assert_eq!(first, vec![1]);
            time::sleep(Duration::from_secs(5)).await;
            assert_eq!(finished.get(), 3);
        })
        .unwrap();
}

#[test]
fn wait_first_exception_and_timeout_as_in_asyncio() {
    // CPython 3.11: FIRST_EXCEPTION returns at the failure with p and q done
    // and r pending; a 2 s timeout returns with s done and t pending.
    Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let ts: Vec<_> = [("p", 1, false), ("q", 2, true), ("r", 3, false)]
                .into_iter()
                .map(|(n, s, f)| task::spawn(work(&log, n, s, f)))
                .collect();
            let ids: Vec<_> = ts.iter().map(|t| t.id()).collect();
            let w = try_wait(ts, ReturnWhen::FirstException, None).await;
            assert_eq!(now_ms(), 2000);
            let done: Vec<_> = w.done.iter().map(|(id, _)| *id).collect();
            assert_eq!(done, ids[..2]);
            assert_eq!(w.done[1].1, Ok(Err("q".to_string())));
            assert_eq!(w.pending.len(), 1);
            assert_eq!(w.pending[0].id(), ids[2]);
            let rest = wait(w.pending, ReturnWhen::AllCompleted, None).await;
            assert_eq!(rest.done[0].1, Ok(Ok("r")));
            assert_eq!(now_ms(), 3000);

            let ts: Vec<_> = [("s", 1), ("t", 5)]
                .into_iter()
                .map(|(n, s)| task::spawn(work(&log, n, s, false)))
                .collect();
            let w = wait(ts, ReturnWhen::AllCompleted, Some(Duration::from_secs(2))).await;
            assert_eq!((w.done.len(), w.pending.len()), (1, 1));
            assert_eq!(now_ms(), 5000);
            // The pending task kept running.
            let rest = wait(w.pending, ReturnWhen::FirstCompleted, None).await;
            assert_eq!(rest.done[0].1, Ok(Ok("t")));
            assert_eq!(now_ms(), 8000);
        })
        .unwrap();
}

#[test]
fn wait_first_exception_ignores_cancelled_tasks_and_plain_wait_counts_panics() {
    let sim = Sim::builder().fail_on_unobserved_panic(false).build();
    sim.run(async {
        let cancelled = task::spawn(time::sleep(Duration::from_secs(10)));
        let slow = task::spawn(time::sleep(Duration::from_secs(3)));
        cancelled.abort();
        let w = wait([cancelled, slow], ReturnWhen::FirstException, None).await;
        // A cancellation is not an exception: it waited for everything.
        assert_eq!(now_ms(), 3000);
        assert!(w.done[0].1.as_ref().unwrap_err().is_cancelled());

        let boom = task::spawn(async {
            time::sleep(Duration::from_secs(1)).await;
            panic!("boom")
        });
        let slow = task::spawn(time::sleep(Duration::from_secs(5)));
        let w = wait([boom, slow], ReturnWhen::FirstException, None).await;
        assert_eq!(now_ms(), 4000);
        assert!(w.done[0].1.as_ref().unwrap_err().is_panic());
        assert_eq!(w.pending.len(), 1);

        let empty: Vec<task::JoinHandle<()>> = Vec::new();
        let w = wait(empty, ReturnWhen::FirstCompleted, None)
            .now_or_never()
            .unwrap();
        assert!(w.done.is_empty() && w.pending.is_empty());
    })
    .unwrap();
}

#[test]
fn dropping_a_wait_detaches_its_tasks() {
    Sim::new(1)
        .run(async {
            let finished = Rc::new(Cell::new(false));
            let t = task::spawn({
                let finished = finished.clone();
                async move {
                    time::sleep(Duration::from_secs(3)).await;
                    finished.set(true);
                }
            });
            let w = wait([t], ReturnWhen::AllCompleted, None);
            assert!(time::timeout(Duration::from_secs(1), w).await.is_err());
            time::sleep(Duration::from_secs(5)).await;
            assert!(finished.get());
        })
        .unwrap();
}

/// Polls of the root task strictly between `from` and `to` seconds.
fn root_polls_between(report: &simloop::Report<()>, from: u64, to: u64) -> usize {
    let (from, to) = (Duration::from_secs(from), Duration::from_secs(to));
    report
        .trace
        .as_ref()
        .expect("tracing is on")
        .events
        .iter()
        .filter(|e| e.task == task::TaskId::ROOT && e.kind == simloop::trace::EventKind::Poll)
        .filter(|e| e.time.since_start() > from && e.time.since_start() < to)
        .count()
}

#[test]
fn finished_combinators_do_not_wake_their_caller_later() {
    // wait returns at its 1 s timeout with a task still pending; that task
    // finishing at 5 s must not disturb the caller, asleep until 11 s.
    let report = Sim::builder()
        .trace(true)
        .build()
        .run_report(async {
            let t = task::spawn(time::sleep(Duration::from_secs(5)));
            let w = wait([t], ReturnWhen::AllCompleted, Some(Duration::from_secs(1))).await;
            assert_eq!(w.pending.len(), 1);
            time::sleep(Duration::from_secs(10)).await;
            assert!(w.pending[0].is_finished());
        })
        .unwrap();
    assert_eq!(root_polls_between(&report, 1, 11), 0);

    // Likewise a try_gather that failed at 1 s while another task runs to 5 s.
    let report = Sim::builder()
        .trace(true)
        .build()
        .run_report(async {
            let fail = async {
                time::sleep(Duration::from_secs(1)).await;
                Err::<(), ()>(())
            };
            let slow = async {
                time::sleep(Duration::from_secs(5)).await;
                Ok(())
            };
            let futs: Vec<BoxFut<Result<(), ()>>> = vec![Box::pin(fail), Box::pin(slow)];
            assert!(try_gather(futs).await.is_err());
            time::sleep(Duration::from_secs(10)).await;
        })
        .unwrap();
    assert_eq!(root_polls_between(&report, 1, 11), 0);

    // And an as_completed stream given up while waiting, then dropped.
    let report = Sim::builder()
        .trace(true)
        .build()
        .run_report(async {
            let mut stream = as_completed([time::sleep(Duration::from_secs(5))]);
            assert!(
                time::timeout(Duration::from_secs(1), stream.next())
                    .await
                    .is_err()
            );
            drop(stream);
            time::sleep(Duration::from_secs(10)).await;
        })
        .unwrap();
    assert_eq!(root_polls_between(&report, 1, 11), 0);
}

#[test]
fn select_and_race_drop_the_losers_at_once() {
    Sim::new(1)
        .run(async {
            struct Dropped(Rc<Cell<Option<u64>>>);
            impl Drop for Dropped {
                fn drop(&mut self) {
                    self.0.set(Some(now_ms()));
                }
            }
            let dropped_at = Rc::new(Cell::new(None));
            let loser = {
                let guard = Dropped(dropped_at.clone());
                async move {
                    let _guard = guard;
                    time::sleep(Duration::from_secs(10)).await;
                }
            };
            match select(loser, time::sleep(Duration::from_secs(2))).await {
                Either::Right(()) => {}
                Either::Left(()) => panic!("the 10 s sleep cannot win"),
            }
            assert_eq!(dropped_at.get(), Some(2000));

            // A queue get that loses loses no item.
            let q = Queue::new();
            let r = select(q.get(), async { 7 }).await;
            assert!(matches!(r, Either::Right(7)));
            q.put(1).await.unwrap();
            assert_eq!(q.try_get(), Ok(1));

            let (i, v) = race([5u64, 3, 4].map(|s| async move {
                time::sleep(Duration::from_secs(s)).await;
                s
            }))
            .await;
            assert_eq!((i, v), (1, 3));
            assert_eq!(now_ms(), 5000);
            // Both ready at once: the first in the list wins.
            assert_eq!(race(['a', 'b'].map(|c| async move { c })).await, (0, 'a'));
        })
        .unwrap();
}

#[test]
#[should_panic(expected = "race needs at least one future")]
fn race_of_nothing_is_refused() {
    let empty: Vec<std::future::Ready<()>> = Vec::new();
    drop(race(empty));
}

#[test]
fn shield_keeps_the_task_running_when_its_waiter_is_cancelled() {
    Sim::new(1)
        .run(async {
            let done = Event::new();
            let waiter = task::spawn({
                let done = done.clone();
                async move {
                    shield(async move {
                        time::sleep(Duration::from_secs(3)).await;
                        done.set();
                        "saved"
                    })
                    .await
                }
            });
            time::sleep(Duration::from_secs(1)).await;
            waiter.abort();
            assert!(waiter.await.unwrap_err().is_cancelled());
            done.wait().await;
            assert_eq!(now_ms(), 3000);

            let handle = shield(async { 5 });
            assert_eq!(handle.await.unwrap(), 5);
        })
        .unwrap();
}

#[test]
fn task_group_failure_cancels_the_siblings_as_in_asyncio() {
    // CPython 3.11: ['g1 start 0', 'g2 start 0', 'g3 start 0',
    // 'g2 fails 1000', "tg error ['g2'] 1000"]
    let lines = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let group = TaskGroup::new();
            group.spawn(work(&log, "g1", 5, false));
            group.spawn(work(&log, "g2", 1, true));
            group.spawn(work(&log, "g3", 2, false));
            let err = group.await.unwrap_err();
            note(
                &log,
                format!("tg error {} {}", err.failure().unwrap(), now_ms()),
            );
            time::sleep(Duration::from_secs(10)).await; // nothing else happens
            log.take()
        })
        .unwrap();
    assert_eq!(
        lines,
        vec![
            "g1 start 0",
            "g2 start 0",
            "g3 start 0",
            "g2 fails 1000",
            "tg error g2 1000"
        ]
    );
}

#[test]
fn try_join_all_is_fail_fast() {
    Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let err = try_join_all([
                work(&log, "a", 5, false),
                work(&log, "b", 1, true),
                work(&log, "c", 2, false),
            ])
            .await
            .unwrap_err();
            assert_eq!(err, TaskError::Failed("b".to_string()));
            assert_eq!(now_ms(), 1000);
            time::sleep(Duration::from_secs(10)).await;
            assert!(!log.borrow().iter().any(|l| l.contains("end")));

            let ok = try_join_all([work(&log, "x", 2, false), work(&log, "y", 1, false)]).await;
            assert_eq!(ok, Ok(vec!["x", "y"]));
        })
        .unwrap();
}

#[test]
fn a_panicking_member_fails_the_group() {
    let sim = Sim::builder().fail_on_unobserved_panic(false).build();
    sim.run(async {
        let group: TaskGroup<(), ()> = TaskGroup::new();
        group.spawn(async {
            time::sleep(Duration::from_secs(1)).await;
            panic!("member crashed");
        });
        group.spawn(async {
            time::sleep(Duration::from_secs(9)).await;
            Ok(())
        });
        let err = group.join().await.unwrap_err();
        assert!(err.is_panic());
        assert_eq!(now_ms(), 1000);
    })
    .unwrap();
}

#[test]
fn task_group_results_come_in_spawn_order_and_members_can_add_siblings() {
    let out = Sim::new(1)
        .run(async {
            let group: TaskGroup<u64> = TaskGroup::new();
            let handle = group.handle();
            for s in [3u64, 1] {
                group.spawn_named(format!("sleeper-{s}"), async move {
                    time::sleep(Duration::from_secs(s)).await;
                    Ok(s)
                });
            }
            // A member that spawns a sibling while the group is being joined.
            group.spawn(async move {
                time::sleep(Duration::from_secs(2)).await;
                handle
                    .spawn(async {
                        time::sleep(Duration::from_secs(2)).await;
                        Ok(40)
                    })
                    .unwrap();
                Ok(2)
            });
            assert_eq!(group.len(), 3);
            let late_handle = group.handle();
            let out = group.await.unwrap();
            assert_eq!(now_ms(), 4000);
            // The group is finished: no more members.
            assert!(late_handle.spawn(async { Ok(0) }).is_err());
            out
        })
        .unwrap();
    assert_eq!(out, vec![3, 1, 2, 40]);
}

#[test]
fn dropping_a_task_group_cancels_its_tasks() {
    Sim::new(1)
        .run(async {
            let finished = Rc::new(Cell::new(false));
            let group: TaskGroup<()> = TaskGroup::new();
            group.spawn({
                let finished = finished.clone();
                async move {
                    time::sleep(Duration::from_secs(1)).await;
                    finished.set(true);
                    Ok(())
                }
            });
            let handle = group.handle();
            drop(group);
            assert!(handle.spawn(async { Ok(()) }).is_err());
            time::sleep(Duration::from_secs(5)).await;
            assert!(!finished.get());

            // Likewise dropping the join future, e.g. on a timeout.
            let group: TaskGroup<()> = TaskGroup::new();
            group.spawn({
                let finished = finished.clone();
                async move {
                    time::sleep(Duration::from_secs(3)).await;
                    finished.set(true);
                    Ok(())
                }
            });
            assert!(
                time::timeout(Duration::from_secs(1), group.join())
                    .await
                    .is_err()
            );
            time::sleep(Duration::from_secs(5)).await;
            assert!(!finished.get());
        })
        .unwrap();
}

#[test]
fn spawning_into_a_cancelling_group_cancels_the_new_task_before_it_runs() {
    Sim::new(1)
        .run(async {
            let ran = Rc::new(Cell::new(false));
            let group: TaskGroup<(), &str> = TaskGroup::new();
            group.spawn(async { Err("first") });
            // The task fails at the first step; the group learns of it at
            // the next, where asyncio runs the task's done callback.
            task::yield_now().await;
            assert!(!group.is_cancelling());
            task::yield_now().await;
            assert!(group.is_cancelling());
            group.spawn({
                let ran = ran.clone();
                async move {
                    ran.set(true);
                    Ok(())
                }
            });
            assert_eq!(group.await, Err(TaskError::Failed("first")));
            assert!(!ran.get());
        })
        .unwrap();
}

// CPython 3.13:
//   await asyncio.wait_for(f(), 0)          -> TimeoutError, f never runs
//   async with asyncio.timeout(0): await f() -> 42 (f runs to its first await)
//   await asyncio.wait_for(done_task, 0)     -> its result
#[test]
fn a_zero_deadline_never_starts_a_future_under_wait_for_and_polls_it_once_under_timeout() {
    Sim::new(1)
        .run(async {
            let ran = Rc::new(Cell::new(0));
            let r = ran.clone();
            let out = time::wait_for(Duration::ZERO, async move {
                r.set(r.get() + 1);
                42
            })
            .await;
            assert!(out.is_err());
            assert_eq!(ran.get(), 0, "wait_for(0) must not start the future");
            let r = ran.clone();
            let out = time::timeout(Duration::ZERO, async move {
                r.set(r.get() + 1);
                42
            })
            .await;
            assert_eq!(out, Ok(42));
            assert_eq!(ran.get(), 1);
            let t = task::spawn(async { "done" });
            task::yield_now().await;
            assert!(t.is_finished());
            let r = time::timeout(Duration::ZERO, t).await;
            assert_eq!(r.map(Result::unwrap), Ok("done"));
            // A future that is not finished times out at once.
            let slow = time::sleep(Duration::from_secs(1));
            assert!(time::timeout(Duration::ZERO, slow).await.is_err());
            let past = time::now();
            time::sleep(Duration::from_millis(1)).await;
            assert!(time::timeout_at(past, async { 1 }).await.is_ok());
            assert!(time::wait_for(Duration::ZERO, async { 1 }).await.is_err());
            assert_eq!(now_ms(), 1);
        })
        .unwrap();
}

#[test]
fn a_deadlock_report_names_the_combinator() {
    let err = Sim::new(1)
        .run(async {
            let q: Queue<u8> = Queue::new().named("never");
            let q2 = q.clone();
            gather([async move { q2.get().await }]).await.unwrap()
        })
        .unwrap_err();
    assert!(matches!(err, SimError::Deadlock { .. }));
    let text = err.to_string();
    assert!(
        text.contains("\"main\" waits on gather on \"1 task(s)\""),
        "{text}"
    );
    assert!(text.contains("waits on Queue::get on \"never\""), "{text}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// as_completed yields each result no earlier than the previous one
    /// finished, and gather keeps argument order, whatever the interleaving.
    #[test]
    fn as_completed_yields_in_non_decreasing_completion_time(
        sim in sims(),
        delays in proptest::collection::vec(0u64..5, 1..8),
    ) {
        let n = delays.len();
        let (times, gathered) = sim.run(async move {
            let work = |delays: Vec<u64>| delays.into_iter().enumerate().map(|(i, d)| async move {
                for _ in 0..d {
                    time::sleep(Duration::from_millis(simloop::rand::range(0..3u64))).await;
                    task::yield_now().await;
                }
                (i, now_ms())
            });
            let mut stream = as_completed(work(delays.clone()));
            let mut times = Vec::new();
            while let Some(r) = stream.next().await {
                let (_, finished_at) = r.unwrap();
                // Yielded no earlier than it finished.
                assert!(finished_at <= now_ms());
                times.push(finished_at);
            }
            let gathered = gather(work(delays)).await.unwrap();
            (times, gathered)
        }).unwrap();
        prop_assert_eq!(times.len(), n);
        prop_assert!(times.windows(2).all(|w| w[0] <= w[1]));
        let order: Vec<usize> = gathered.iter().map(|r| r.0).collect();
        prop_assert_eq!(order, (0..n).collect::<Vec<_>>());
    }

    /// Whatever fails and when, no task of a group is alive once the group
    /// has returned, and the group reports a failure iff one happened.
    #[test]
    fn a_task_group_leaves_no_task_running_after_it_returns(
        sim in sims(),
        plan in proptest::collection::vec((0u64..20, any::<bool>()), 1..6),
    ) {
        let (alive_after, err, any_failure) = sim.run(async move {
            let alive = Occupancy::new();
            let group: TaskGroup<u64, u64> = TaskGroup::new();
            let any_failure = plan.iter().any(|p| p.1);
            for (i, &(ms, fails)) in plan.iter().enumerate() {
                // Made before spawning, so that a task cancelled before it
                // first runs drops it too.
                let token = alive.enter();
                group.spawn(async move {
                    let _token = token;
                    time::sleep(Duration::from_millis(ms)).await;
                    task::yield_now().await;
                    if fails { Err(i as u64) } else { Ok(i as u64) }
                });
            }
            let result = group.await;
            (alive.inside(), result.err(), any_failure)
        }).unwrap();
        prop_assert_eq!(alive_after, 0);
        prop_assert_eq!(err.is_some(), any_failure);
    }
}

// async with asyncio.TaskGroup() as tg:
//     tg.create_task(crash_at(1)); tg.create_task(sleep(5))
//     await asyncio.sleep(60)        # cancelled at 1 s
// -> ExceptionGroup at 1 s; the body's sleep never ends
#[test]
fn a_failing_member_cancels_the_body_run_with_the_group() {
    let (out, at, body_ended) = Sim::new(1)
        .run(async {
            let group: TaskGroup<u32, &str> = TaskGroup::new();
            group.spawn(async {
                time::sleep(Duration::from_secs(1)).await;
                Err("crashed")
            });
            let other = group.spawn(async {
                time::sleep(Duration::from_secs(5)).await;
                Ok(5)
            });
            let ended = Rc::new(Cell::new(false));
            let e = ended.clone();
            let out = group
                .run(async move {
                    time::sleep(Duration::from_secs(60)).await;
                    e.set(true);
                })
                .await;
            assert_eq!(other.outcome(), Some(MemberOutcome::Cancelled));
            (out.map(|(_, v)| v), now_ms(), ended.get())
        })
        .unwrap();
    assert_eq!(out, Err(TaskError::Failed("crashed")));
    assert_eq!(at, 1000);
    assert!(!body_ended);
}

#[test]
fn a_group_run_gives_the_body_output_and_the_members_outputs() {
    let out = Sim::new(1)
        .run(async {
            let group: TaskGroup<u64> = TaskGroup::new();
            let handle = group.handle();
            group.spawn(async {
                time::sleep(Duration::from_secs(2)).await;
                Ok(2)
            });
            group
                .run(async move {
                    let m = handle.spawn(async { Ok(1) }).unwrap();
                    assert_eq!(m.await, MemberOutcome::Returned);
                    "body"
                })
                .await
        })
        .unwrap();
    assert_eq!(out, Ok(("body", vec![2, 1])));
}

#[test]
fn members_can_be_awaited_inspected_and_aborted_and_cancel_and_join_waits_for_all() {
    Sim::new(1)
        .run(async {
            let group: TaskGroup<u64, String> = TaskGroup::new();
            let a = group.spawn(async {
                time::sleep(Duration::from_secs(1)).await;
                Ok(1)
            });
            let b = group.spawn_named("b", async {
                time::sleep(Duration::from_secs(100)).await;
                Ok(2)
            });
            assert!(!a.is_finished() && a.outcome().is_none());
            assert_eq!(a.await, MemberOutcome::Returned);
            assert_eq!(now_ms(), 1000);
            assert!(!b.is_finished());
            group.cancel_and_join().await;
            assert_eq!(b.outcome(), Some(MemberOutcome::Cancelled));
            assert!(b.is_finished());
            assert_eq!(now_ms(), 1000);
            b.abort(); // a no-op once it ended
        })
        .unwrap();
}
