//! Cancellation propagates as in asyncio: cancelling the awaiter of a task
//! cancels the task; `shield` and a never-polled handle opt out; an abort
//! during a task's last step ends it cancelled; cancelling a settled gather
//! does nothing. The asyncio behaviour quoted was checked on CPython 3.13.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use simloop::combinators::{gather, shield};
use simloop::{Sim, task, time};

type Log = Rc<RefCell<Vec<&'static str>>>;

/// A task that sleeps `secs` and notes whether it finished or was dropped.
fn slow(log: &Log, secs: u64) -> task::JoinHandle<()> {
    struct Noted(Log, bool);
    impl Drop for Noted {
        fn drop(&mut self) {
            self.0.borrow_mut().push(if self.1 {
                "slow done"
            } else {
                "slow cancelled"
            });
        }
    }
    let log = log.clone();
    task::spawn(async move {
        let mut noted = Noted(log, false);
        time::sleep(Duration::from_secs(secs)).await;
        noted.1 = true;
    })
}

// s = create_task(slow()); a = create_task(awaiter())  # await s
// await sleep(0); a.cancel()  -> slow cancelled, s.cancelled() is True
#[test]
fn aborting_the_task_that_awaits_a_handle_aborts_the_awaited_task() {
    let log = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let s = slow(&log, 5);
            let a = task::spawn(async move { s.await.unwrap() });
            task::yield_now().await;
            task::yield_now().await;
            a.abort();
            assert!(a.await.unwrap_err().is_cancelled());
            time::sleep(Duration::from_secs(10)).await;
            log.take()
        })
        .unwrap();
    assert_eq!(log, ["slow cancelled"]);
}

// s2 = create_task(slow()); await wait_for(s2, 1)
// -> TimeoutError, and s2.cancelled() is True
#[test]
fn a_timeout_around_an_awaited_handle_cancels_the_task_at_the_deadline() {
    let (log, at) = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let s = slow(&log, 5);
            assert!(time::wait_for(Duration::from_secs(1), s).await.is_err());
            // Cancelled at the timeout, not at 5 s.
            time::sleep(Duration::from_millis(1)).await;
            let at = time::now().since_start();
            (log.take(), at)
        })
        .unwrap();
    assert_eq!(log, ["slow cancelled"]);
    assert_eq!(at, Duration::from_millis(1001));
}

#[test]
fn a_handle_dropped_unpolled_detaches_and_shield_opts_out() {
    let log = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            drop(slow(&log, 1));
            let shielded = {
                let log = log.clone();
                shield(async move { slow(&log, 2).await.unwrap() })
            };
            assert!(
                time::timeout(Duration::from_millis(500), shielded)
                    .await
                    .is_err()
            );
            let free = slow(&log, 3).detach_on_drop();
            assert!(
                time::timeout(Duration::from_millis(500), free)
                    .await
                    .is_err()
            );
            time::sleep(Duration::from_secs(5)).await;
            log.take()
        })
        .unwrap();
    assert_eq!(log, ["slow done", "slow done", "slow done"]);
}

#[test]
fn a_select_loser_that_awaited_a_task_cancels_it() {
    let log = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let s = slow(&log, 5);
            let out = simloop::combinators::select(s, time::sleep(Duration::from_secs(1))).await;
            assert!(matches!(out, simloop::combinators::Either::Right(())));
            time::sleep(Duration::from_secs(10)).await;
            log.take()
        })
        .unwrap();
    assert_eq!(log, ["slow cancelled"]);
}

// async def selfcancel(): current_task().cancel(); return 1
// await t -> CancelledError, t.cancelled() is True
#[test]
fn an_abort_during_the_last_step_ends_the_task_cancelled() {
    Sim::new(1)
        .run(async {
            let me = Rc::new(RefCell::new(None::<task::JoinHandle<u32>>));
            let cell = me.clone();
            let t = task::spawn(async move {
                if let Some(h) = cell.borrow().as_ref() {
                    h.abort();
                }
                1
            });
            let id = t.id();
            // The task aborts itself, through its own handle, in its step.
            *me.borrow_mut() = Some(t);
            task::yield_now().await;
            let outcome = me.borrow_mut().take().unwrap();
            assert_eq!(outcome.id(), id);
            assert_eq!(outcome.outcome(), Some(task::Outcome::Cancelled));
            assert!(outcome.await.unwrap_err().is_cancelled());
        })
        .unwrap();
}

// g = gather(f(), f()); await sleep(0); await sleep(0)
// g.cancel() -> False; await g -> [42, 42]
#[test]
fn cancelling_a_settled_gather_returns_false_and_keeps_the_result() {
    Sim::new(1)
        .run(async {
            let g = gather((0..2).map(|_| async { 42 }));
            task::yield_now().await;
            task::yield_now().await;
            assert!(!g.cancel());
            assert_eq!(g.await, Ok(vec![42, 42]));

            let log: Log = Rc::default();
            let l = log.clone();
            let g = gather([async move { slow(&l, 5).await.unwrap() }]);
            task::yield_now().await; // the child starts and spawns `slow`
            task::yield_now().await; // which starts its sleep
            assert!(g.cancel());
            assert!(g.await.unwrap_err().is_cancelled());
            time::sleep(Duration::from_secs(10)).await;
            assert_eq!(log.take(), ["slow cancelled"]);
        })
        .unwrap();
}

/// Two tasks that log their name at each of three steps.
fn workers(log: &Log) {
    stepping_workers(log, [&["a", "a'", "a''"], &["b", "b'", "b''"]]);
}

/// One task per list, logging its names one step (a yield) apart.
fn stepping_workers<const N: usize>(log: &Log, steps: [&'static [&'static str]; N]) {
    for names in steps {
        let log = log.clone();
        task::spawn(async move {
            for (i, &name) in names.iter().enumerate() {
                if i > 0 {
                    task::yield_now().await;
                }
                log.borrow_mut().push(name);
            }
        });
    }
}

// a, b = create_task(worker("a")), create_task(worker("b"))
// await wait_for(body(), 0)  -> TimeoutError; body never starts
// log: a b a' b' a'' b'' "wait_for timeout" (CPython 3.13)
#[test]
fn a_zero_wait_for_never_starts_its_coroutine_and_resumes_where_asyncio_does() {
    let log = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            workers(&log);
            let l = log.clone();
            let out = time::wait_for(Duration::ZERO, async move {
                l.borrow_mut().push("body");
                1
            })
            .await;
            assert!(out.is_err());
            log.borrow_mut().push("wait_for timeout");
            time::sleep(Duration::from_secs(1)).await;
            log.take()
        })
        .unwrap();
    assert_eq!(
        log,
        ["a", "b", "a'", "b'", "a''", "b''", "wait_for timeout"]
    );
}

// The same with workers of four steps: the caller resumes after exactly
// three loop iterations (the cancelled task's step, its done callback, the
// waiter's callback), before the fourth step of either worker.
// log: a b a' b' a'' b'' "wait_for timeout" a''' b''' (CPython 3.13)
#[test]
fn a_zero_wait_for_resumes_after_exactly_three_ready_items() {
    let log = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            stepping_workers(
                &log,
                [&["a", "a'", "a''", "a'''"], &["b", "b'", "b''", "b'''"]],
            );
            assert!(time::wait_for(Duration::ZERO, async { 1 }).await.is_err());
            log.borrow_mut().push("wait_for timeout");
            time::sleep(Duration::from_secs(1)).await;
            log.take()
        })
        .unwrap();
    assert_eq!(
        log,
        [
            "a",
            "b",
            "a'",
            "b'",
            "a''",
            "b''",
            "wait_for timeout",
            "a'''",
            "b'''"
        ]
    );
}

// async with timeout(0): await sleep(1)  -> TimeoutError
// log: a b a' b' "timeout expired" a'' b'' (CPython 3.13)
#[test]
fn a_zero_timeout_cancels_the_wait_from_a_callback_queued_before_the_body() {
    let log = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            workers(&log);
            let t = time::timeout(Duration::ZERO, time::sleep(Duration::from_secs(1))).await;
            assert!(t.is_err());
            log.borrow_mut().push("timeout expired");
            time::sleep(Duration::from_secs(1)).await;
            log.take()
        })
        .unwrap();
    assert_eq!(log, ["a", "b", "a'", "b'", "timeout expired", "a''", "b''"]);
}

// t = create_task(body()); await sleep(0)
// await wait_for(t, 0) -> 1, without suspending (CPython 3.13)
#[test]
fn a_zero_or_past_deadline_gives_a_finished_task_its_result() {
    Sim::new(1)
        .run(async {
            let t = task::spawn(async { 1 });
            task::yield_now().await;
            assert!(t.is_finished());
            let before = time::now();
            assert_eq!(
                time::wait_for_handle(Duration::ZERO, t).await.unwrap(),
                Ok(1)
            );
            // A past deadline too, and a promise already settled.
            let t = task::spawn(async { 2 });
            task::yield_now().await;
            let (promise, future) = simloop::sync::promise::<u32, ()>();
            promise.set_result(3).unwrap();
            time::sleep(Duration::from_millis(5)).await;
            let late = time::timeout_at(before, t).await;
            assert_eq!(late.unwrap(), Ok(2));
            assert_eq!(
                time::wait_for_handle(Duration::ZERO, future).await.unwrap(),
                Ok(3)
            );
            // The same finished task through plain `wait_for`, which cannot
            // tell a handle from a coroutine: it never polls it.
            let t = task::spawn(async { 4 });
            task::yield_now().await;
            assert!(time::wait_for(Duration::ZERO, t).await.is_err());
        })
        .unwrap();
}

// a, b = ...; t = create_task(body()); await wait_for(t, 0)
// -> TimeoutError, t.cancelled() and body never started
// log: a b a' b' a'' b'' "wait_for timeout" (CPython 3.13)
#[test]
fn a_zero_wait_for_handle_cancels_an_unfinished_task_and_waits_for_it() {
    let log = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            workers(&log);
            let l = log.clone();
            let t = task::spawn(async move {
                l.borrow_mut().push("body");
                1
            });
            assert!(time::wait_for_handle(Duration::ZERO, t).await.is_err());
            log.borrow_mut().push("wait_for timeout");
            let s = slow(&log, 5);
            task::yield_now().await;
            assert!(time::wait_for_handle(Duration::ZERO, s).await.is_err());
            time::sleep(Duration::from_secs(10)).await;
            log.take()
        })
        .unwrap();
    assert_eq!(
        log,
        [
            "a",
            "b",
            "a'",
            "b'",
            "a''",
            "b''",
            "wait_for timeout",
            "slow cancelled"
        ]
    );
}

/// Pushes `name` to the log when dropped.
struct OnDrop(Log, &'static str);

impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.borrow_mut().push(self.1);
    }
}

/// A task that sleeps 0.5 s, then logs four steps.
fn other(log: &Log) {
    let log = log.clone();
    task::spawn(async move {
        time::sleep(Duration::from_millis(500)).await;
        for step in ["other 0", "other 1", "other 2", "other 3"] {
            log.borrow_mut().push(step);
            task::yield_now().await;
        }
    });
}

// An expired timeout resumes its task only once what it cancelled has
// ended, as asyncio's does (tests/differential checks this at random; here
// is the CPython 3.13 log of this program, with `finally` for `OnDrop`):
// child cancelled, other 0, other 1, b1 cancelled, other 2, timeout,
// other 3, other 0, member cancelled, other 1, other 2, group timeout.
#[test]
fn an_expired_timeout_waits_for_the_tasks_it_cancelled_to_end() {
    let log = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let ev = simloop::sync::Event::new();
            let (l, e) = (log.clone(), ev.clone());
            let b1 = task::spawn(async move {
                let _noted = OnDrop(l.clone(), "b1 cancelled");
                let child = async move {
                    let _noted = OnDrop(l, "child cancelled");
                    e.wait().await;
                };
                let _ = gather([child]).await;
            });
            time::sleep(Duration::from_secs(1)).await;
            other(&log);
            let out = time::wait_for_handle(Duration::from_millis(500), b1).await;
            assert!(out.is_err());
            log.borrow_mut().push("timeout");

            other(&log);
            let (l, e) = (log.clone(), ev.clone());
            let group = simloop::TaskGroup::<(), ()>::new();
            group.spawn(async move {
                let _noted = OnDrop(l, "member cancelled");
                e.wait().await;
                Ok(())
            });
            let out = time::timeout(Duration::from_millis(500), group.join()).await;
            assert!(out.is_err());
            log.borrow_mut().push("group timeout");
            log.take()
        })
        .unwrap();
    assert_eq!(
        log,
        [
            "child cancelled",
            "other 0",
            "other 1",
            "b1 cancelled",
            "other 2",
            "timeout",
            "other 3",
            "other 0",
            "member cancelled",
            "other 1",
            "other 2",
            "group timeout",
        ]
    );
}

// A cancellation that goes through an awaited task reaches the awaiter only
// once that task has ended, where asyncio wakes it (from the task's done
// callback), not at the moment of the cancellation. CPython 3.13 on a
// virtual clock (tests/differential/virtual_loop.py):
//
//     async def sleeper():
//         await asyncio.sleep(10); log.append("sleeper done")
//     async def waiter():
//         try: await ev.wait()
//         finally: log.append("waiter cancelled")
//     async def body():
//         asyncio.create_task(sleeper())
//         await asyncio.create_task(waiter())
//     try: await asyncio.wait_for(body(), 10)
//     except TimeoutError: log.append("timeout")
//
// -> waiter cancelled, sleeper done, timeout: both timers fire at 10 s,
// the timeout's first; it cancels `waiter`, whose end wakes main only after
// `sleeper`'s step.
#[test]
fn a_timeout_through_an_awaited_task_resumes_after_that_task_ends() {
    let log = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let ev = simloop::sync::Event::new();
            let (l, e) = (log.clone(), ev.clone());
            let body = async move {
                let sl = l.clone();
                task::spawn(async move {
                    time::sleep(Duration::from_secs(10)).await;
                    sl.borrow_mut().push("sleeper done");
                });
                let waiter = task::spawn(async move {
                    let _noted = OnDrop(l, "waiter cancelled");
                    e.wait().await;
                });
                let _ = waiter.await;
            };
            assert!(time::wait_for(Duration::from_secs(10), body).await.is_err());
            log.borrow_mut().push("timeout");
            time::sleep(Duration::from_secs(1)).await;
            log.take()
        })
        .unwrap();
    assert_eq!(log, ["waiter cancelled", "sleeper done", "timeout"]);
}

// The same through `cancel()`: the aborted task is dropped once the task it
// awaits has ended, not at its own turn. CPython 3.13:
//
//     async def w():
//         try: await ev.wait()
//         finally: log.append("w cancelled")
//     async def a():
//         try: await asyncio.create_task(w())
//         finally: log.append("a cancelled")
//     t = asyncio.create_task(a())
//     await asyncio.sleep(0); await asyncio.sleep(0)  # a and w start
//     <start workers a and b>; t.cancel()
//     try: await t
//     except asyncio.CancelledError: log.append("a awaited")
//
// -> a, b, w cancelled, a', b', a cancelled, a'', b'', a awaited
#[test]
fn aborting_a_task_that_awaits_a_task_drops_it_after_that_task_ends() {
    let log = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let ev = simloop::sync::Event::new();
            let (l, e) = (log.clone(), ev.clone());
            let a = task::spawn(async move {
                let _noted = OnDrop(l.clone(), "a cancelled");
                let w = task::spawn(async move {
                    let _noted = OnDrop(l, "w cancelled");
                    e.wait().await;
                });
                let _ = w.await;
            });
            task::yield_now().await;
            task::yield_now().await;
            workers(&log);
            a.abort();
            assert!(a.await.unwrap_err().is_cancelled());
            log.borrow_mut().push("a awaited");
            time::sleep(Duration::from_secs(1)).await;
            log.take()
        })
        .unwrap();
    assert_eq!(
        log,
        [
            "a",
            "b",
            "w cancelled",
            "a'",
            "b'",
            "a cancelled",
            "a''",
            "b''",
            "a awaited"
        ]
    );
}

// A task that aborts itself while it awaits a gather (in asyncio:
// `current_task().cancel()` next to `await gather(child)`) is dropped once
// the gather's child has ended, and not left waiting for ever.
#[test]
fn a_task_aborting_itself_while_awaiting_a_gather_ends_cancelled() {
    let log = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let ev = simloop::sync::Event::new();
            let me = Rc::new(RefCell::new(None::<task::JoinHandle<()>>));
            let (l, e, cell) = (log.clone(), ev.clone(), me.clone());
            let t = task::spawn(async move {
                let _noted = OnDrop(l.clone(), "task cancelled");
                let child = async move {
                    let _noted = OnDrop(l, "child cancelled");
                    e.wait().await;
                };
                let abort_me = async move {
                    task::yield_now().await;
                    if let Some(h) = cell.borrow().as_ref() {
                        h.abort();
                    }
                    std::future::pending::<()>().await;
                };
                let _ = futures::future::join(gather([child]), abort_me).await;
            });
            *me.borrow_mut() = Some(t);
            time::sleep(Duration::from_secs(1)).await;
            let t = me.borrow_mut().take().unwrap();
            assert!(t.await.unwrap_err().is_cancelled());
            log.take()
        })
        .unwrap();
    assert_eq!(log, ["child cancelled", "task cancelled"]);
}

/// Logs `m2 cancelled` when dropped, and spawns `x`, which spawns `z`.
struct SpawnOnDrop(Log);

impl Drop for SpawnOnDrop {
    fn drop(&mut self) {
        self.0.borrow_mut().push("m2 cancelled");
        let log = self.0.clone();
        task::spawn(async move {
            log.borrow_mut().push("x");
            let log = log.clone();
            task::spawn(async move { log.borrow_mut().push("z") });
        });
    }
}

// A task group whose owner was cancelled wakes it with its last member's
// done callback only, as asyncio's `__aexit__` waits for the last task (a
// cancelled member's done callback does not wake it). CPython 3.13, the
// group's tasks cancelled in creation order as simloop does (CPython keeps
// them in a set):
//
//     async def m1():
//         try: await asyncio.sleep(5)
//         finally: log.append("m1 cancelled")
//     async def m2():
//         try: await ev.wait()
//         finally: log.append("m2 cancelled"); asyncio.create_task(x())
//     async def x(): log.append("x"); asyncio.create_task(z())
//     async def owner():
//         async with asyncio.TaskGroup() as tg:
//             tg.create_task(m1()); tg.create_task(m2())
//     try: await asyncio.wait_for(owner(), 1)
//     except TimeoutError: log.append("timeout")
//
// -> m1 cancelled, m2 cancelled, x, z, timeout
#[test]
fn a_cancelled_task_group_owner_resumes_after_the_last_members_callback() {
    let log = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let ev = simloop::sync::Event::new();
            let (l, e) = (log.clone(), ev.clone());
            let owner = async move {
                let group = simloop::TaskGroup::<(), ()>::new();
                let l1 = l.clone();
                group.spawn(async move {
                    let _noted = OnDrop(l1, "m1 cancelled");
                    time::sleep(Duration::from_secs(5)).await;
                    Ok(())
                });
                group.spawn(async move {
                    let _noted = SpawnOnDrop(l);
                    e.wait().await;
                    Ok(())
                });
                let _ = group.join().await;
            };
            assert!(time::wait_for(Duration::from_secs(1), owner).await.is_err());
            log.borrow_mut().push("timeout");
            time::sleep(Duration::from_secs(1)).await;
            log.take()
        })
        .unwrap();
    assert_eq!(log, ["m1 cancelled", "m2 cancelled", "x", "z", "timeout"]);
}

// A task group owner waits on a plain future in `__aexit__`, so asyncio
// schedules it the moment it is cancelled, and its step ends it at once
// when every member has ended by then (here the member's done callback runs
// in between). CPython 3.13:
//
//     async def member(): log.append("member")
//     async def owner():
//         try:
//             async with asyncio.TaskGroup() as tg: tg.create_task(member())
//         finally: log.append("owner cancelled")
//     o = asyncio.create_task(owner())
//     await asyncio.sleep(0); await asyncio.sleep(0)  # the member returned
//     o.cancel(); <start workers a and b>
//     try: await o
//     except asyncio.CancelledError: log.append("owner awaited")
//
// -> member, owner cancelled, a, b, owner awaited, a', b', a'', b''
#[test]
fn a_cancelled_task_group_owner_runs_at_its_own_turn() {
    let log = Sim::new(1)
        .run(async {
            let log: Log = Rc::default();
            let l = log.clone();
            let owner = task::spawn(async move {
                let _noted = OnDrop(l.clone(), "owner cancelled");
                let group = simloop::TaskGroup::<(), ()>::new();
                group.spawn(async move {
                    l.borrow_mut().push("member");
                    Ok(())
                });
                let _ = group.join().await;
            });
            task::yield_now().await;
            task::yield_now().await;
            owner.abort();
            workers(&log);
            assert!(owner.await.unwrap_err().is_cancelled());
            log.borrow_mut().push("owner awaited");
            time::sleep(Duration::from_secs(1)).await;
            log.take()
        })
        .unwrap();
    assert_eq!(
        log,
        [
            "member",
            "owner cancelled",
            "a",
            "b",
            "owner awaited",
            "a'",
            "b'",
            "a''",
            "b''"
        ]
    );
}
