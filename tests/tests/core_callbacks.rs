//! Callbacks as ready items: `call_soon`, `call_later`, `call_at`, done
//! callbacks on tasks and promises. The orders under FIFO are CPython
//! 3.13's, checked on a virtual-clock asyncio loop (the Python program is
//! quoted above each test).

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use simloop::sync::{Event, promise};
use simloop::{Sim, SimError, Strategy, combinators::gather, task, time};

type Log = Rc<RefCell<Vec<String>>>;

fn note(log: &Log, line: impl Into<String>) {
    log.borrow_mut().push(line.into());
}

fn lines(log: Log) -> Vec<String> {
    Rc::try_unwrap(log).unwrap().into_inner()
}

// loop.call_soon(lambda: log.append("soon1"))
// asyncio.create_task(w(1))
// h = loop.call_soon(lambda: log.append("never"))
// loop.call_soon(lambda: log.append("soon2"))
// h.cancel()
// asyncio.create_task(waiter())          # await ev.wait(); log "waiter"
// await asyncio.sleep(0)
// fut = loop.create_future(); fut.add_done_callback(log "fut-done")
// loop.call_soon(lambda: (log "set", fut.set_result(3), ev.set()))
// log(f"got {await fut}"); await asyncio.sleep(0); log "end"
// -> soon1 w1 soon2 set fut-done got 3 waiter end
#[test]
fn call_soon_queues_with_task_steps_in_call_order_and_cancel_removes_it() {
    let log = Sim::new(0)
        .run(async {
            let log: Log = Rc::default();
            let l = log.clone();
            task::call_soon(move || note(&l, "soon1"));
            let l = log.clone();
            task::spawn(async move { note(&l, "w1") });
            let l = log.clone();
            let never = task::call_soon(move || note(&l, "never"));
            let l = log.clone();
            task::call_soon(move || note(&l, "soon2"));
            assert!(never.is_pending());
            assert!(never.cancel());
            assert!(!never.cancel(), "a second cancel finds nothing to cancel");
            let ev = Event::new();
            let (l, e) = (log.clone(), ev.clone());
            task::spawn(async move {
                e.wait().await;
                note(&l, "waiter");
            });
            task::yield_now().await;
            let (tx, rx) = promise::<u32, ()>();
            let shared = Arc::new(Mutex::new(Vec::new()));
            let s = shared.clone();
            tx.add_done_callback(move || s.lock().unwrap().push("fut-done"));
            let l = log.clone();
            task::call_soon(move || {
                note(&l, "set");
                tx.set_result(3).unwrap();
                ev.set();
            });
            let got = rx.await.unwrap();
            log.borrow_mut()
                .extend(shared.lock().unwrap().drain(..).map(String::from));
            note(&log, format!("got {got}"));
            task::yield_now().await;
            note(&log, "end");
            lines(log)
        })
        .unwrap();
    assert_eq!(
        log,
        [
            "soon1", "w1", "soon2", "set", "fut-done", "got 3", "waiter", "end"
        ]
    );
}

// t1 = create_task(sleeper(1, 1))     # sleep(1); log task1; sleep(0); log task1b
// loop.call_later(1, lambda: (log "cb", loop.call_soon(log "cb-soon")))
// t2 = create_task(sleeper(2, 1))
// t1.add_done_callback(log "done1")
// await asyncio.sleep(0); await asyncio.gather(t1, t2); log end
// -> cb cb-soon task1 task2 task1b task2b done1 end 1.0
#[test]
fn a_timer_callback_runs_where_its_timer_fires_among_the_sleepers() {
    let log = Sim::new(0)
        .run(async {
            let log: Log = Rc::default();
            let sleeper = |n: u32, log: Log| async move {
                time::sleep(Duration::from_secs(1)).await;
                note(&log, format!("task{n}"));
                task::yield_now().await;
                note(&log, format!("task{n}b"));
            };
            let t1 = task::spawn(sleeper(1, log.clone()));
            let l = log.clone();
            let handle = time::call_later(Duration::from_secs(1), move || {
                note(&l, "cb");
                let l = l.clone();
                task::call_soon(move || note(&l, "cb-soon"));
            });
            assert_eq!(
                handle.when(),
                Some(time::Instant::ZERO + Duration::from_secs(1))
            );
            let t2 = task::spawn(sleeper(2, log.clone()));
            let l = log.clone();
            t1.add_done_callback(move |outcome| note(&l, format!("done1 {outcome:?}")));
            task::yield_now().await;
            gather([t1, t2]).await.unwrap();
            note(&log, format!("end {:?}", time::now().since_start()));
            lines(log)
        })
        .unwrap();
    assert_eq!(
        log,
        [
            "cb",
            "cb-soon",
            "task1",
            "task2",
            "task1b",
            "task2b",
            "done1 Returned",
            "end 1s"
        ]
    );
}

#[test]
fn a_cancelled_timer_callback_never_runs_and_call_at_in_the_past_runs_at_the_next_iteration() {
    let out = Sim::new(0)
        .run(async {
            let log: Log = Rc::default();
            let l = log.clone();
            let h = time::call_later(Duration::from_secs(1), move || note(&l, "cancelled"));
            let l = log.clone();
            time::call_later(Duration::from_secs(2), move || {
                note(&l, format!("at {:?}", time::now().since_start()))
            });
            time::sleep(Duration::from_millis(500)).await;
            assert!(h.cancel());
            time::sleep(Duration::from_secs(2)).await;
            // As asyncio's loop, which moves a due timer to its ready queue
            // when the next iteration starts (CPython 3.13 logs: soon,
            // after one yield, past, after two).
            let l = log.clone();
            let past = time::call_at(time::Instant::ZERO, move || note(&l, "past"));
            let l = log.clone();
            task::call_soon(move || note(&l, "soon"));
            assert!(past.is_pending());
            task::yield_now().await;
            note(&log, "after one yield");
            assert!(past.is_pending());
            task::yield_now().await;
            note(&log, "after two");
            assert!(!past.is_pending());
            lines(log)
        })
        .unwrap();
    assert_eq!(
        out,
        ["at 2s", "soon", "after one yield", "past", "after two"]
    );
}

#[test]
fn done_callbacks_learn_how_the_task_ended_and_run_even_when_added_late() {
    let sim = Sim::builder().fail_on_unobserved_panic(false).build();
    let out = sim
        .run(async {
            let log: Log = Rc::default();
            let ok = task::spawn(async { 1 });
            let bad = task::spawn(async { panic!("boom") });
            let slow = task::spawn(time::sleep(Duration::from_secs(9)));
            for (name, h) in [("ok", &ok), ("bad", &bad)] {
                let l = log.clone();
                h.add_done_callback(move |o| note(&l, format!("{name} {o:?}")));
            }
            let l = log.clone();
            slow.add_done_callback(move |o| note(&l, format!("slow {o:?}")));
            slow.abort();
            time::sleep(Duration::from_secs(1)).await;
            // Finished already: the callback is queued at once.
            let l = log.clone();
            ok.add_done_callback(move |o| note(&l, format!("late {o:?}")));
            assert_eq!(ok.outcome(), Some(task::Outcome::Returned));
            task::yield_now().await;
            let mut ok = ok;
            assert_eq!(ok.try_join(), Some(Ok(1)));
            assert_eq!(ok.try_join(), None, "the result was taken");
            assert!(ok.is_finished());
            lines(log)
        })
        .unwrap();
    assert_eq!(
        out,
        [
            "ok Returned",
            "bad Panicked",
            "slow Cancelled",
            "late Returned"
        ]
    );
}

#[test]
fn a_panicking_callback_fails_the_run_naming_the_task_that_queued_it() {
    let err = Sim::new(4)
        .run(async {
            task::call_soon(|| panic!("callback bug"));
            time::sleep(Duration::from_secs(1)).await;
        })
        .unwrap_err();
    assert!(matches!(err, SimError::TaskPanicked { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("callback bug"), "{text}");
    assert!(text.contains("in a callback"), "{text}");
}

#[test]
fn every_strategy_explores_a_callback_like_any_ready_item() {
    for strategy in [Strategy::Random, Strategy::Pct { depth: 3 }] {
        let mut orders = BTreeSet::new();
        for seed in 0..200 {
            let sim = Sim::builder().seed(seed).strategy(strategy.clone()).build();
            let order = sim
                .run(async {
                    let log: Log = Rc::default();
                    let l = log.clone();
                    let t = task::spawn(async move { note(&l, "task") });
                    let l = log.clone();
                    task::call_soon(move || note(&l, "callback"));
                    t.await.unwrap();
                    time::sleep(Duration::from_secs(1)).await;
                    lines(log).join(" ")
                })
                .unwrap();
            orders.insert(order);
        }
        assert_eq!(
            orders.into_iter().collect::<Vec<_>>(),
            ["callback task", "task callback"],
            "{strategy}"
        );
    }
}
