//! `simloop::sync::Event`: asyncio's semantics and cancellation.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use futures::FutureExt;
use simloop::sync::Event;
use simloop::{Sim, task, time};
use simloop_tests::log::now_ms;

#[test]
fn set_wakes_every_waiter_even_if_cleared_before_they_run() {
    // CPython 3.11 (virtual clock):
    // ['main set+clear', 'w0 2000 False', 'w1 2000 False', 'w2 2000 False',
    //  'late done False', 'late 3000 True']
    let lines = Sim::new(1)
        .run(async {
            let ev = Event::new();
            let log: Rc<RefCell<Vec<String>>> = Rc::default();
            let waiter = |name: &'static str| {
                let (ev, log) = (ev.clone(), log.clone());
                task::spawn(async move {
                    ev.wait().await;
                    log.borrow_mut()
                        .push(format!("{name} {} {}", now_ms(), ev.is_set()));
                })
            };
            let ws: Vec<_> = ["w0", "w1", "w2"].into_iter().map(waiter).collect();
            time::sleep(Duration::from_secs(2)).await;
            ev.set();
            ev.clear();
            log.borrow_mut().push("main set+clear".into());
            for w in ws {
                w.await.unwrap();
            }
            let late = waiter("late");
            time::sleep(Duration::from_secs(1)).await;
            log.borrow_mut()
                .push(format!("late done {}", late.is_finished()));
            ev.set();
            late.await.unwrap();
            log.take()
        })
        .unwrap();
    assert_eq!(
        lines,
        vec![
            "main set+clear",
            "w0 2000 false",
            "w1 2000 false",
            "w2 2000 false",
            "late done false",
            "late 3000 true",
        ]
    );
}

#[test]
fn wait_on_a_set_event_returns_without_yielding() {
    Sim::new(1)
        .run(async {
            let ev = Event::new();
            assert!(!ev.is_set());
            assert!(ev.wait().now_or_never().is_none());
            ev.set();
            ev.set(); // idempotent
            assert!(ev.is_set());
            assert_eq!(ev.wait().now_or_never(), Some(()));
            ev.clear();
            assert!(ev.wait().now_or_never().is_none());
        })
        .unwrap();
}

#[test]
fn a_cancelled_waiter_does_not_disturb_the_others() {
    let woke = Sim::new(1)
        .run(async {
            let ev = Event::new();
            let ws: Vec<_> = (0..3)
                .map(|_| {
                    let ev = ev.clone();
                    task::spawn(async move {
                        ev.wait().await;
                        now_ms()
                    })
                })
                .collect();
            time::sleep(Duration::from_secs(1)).await;
            ws[1].abort();
            assert!(
                time::timeout(Duration::from_secs(1), ev.wait())
                    .await
                    .is_err()
            );
            ev.set();
            let mut woke = Vec::new();
            for w in ws {
                woke.push(w.await.map_err(|e| e.is_cancelled()));
            }
            woke
        })
        .unwrap();
    assert_eq!(woke, vec![Ok(2000), Err(true), Ok(2000)]);
}

#[test]
fn a_deadlock_report_names_the_event() {
    let err = Sim::new(1)
        .run(async {
            let ev = Event::new().named("ready");
            ev.wait().await;
        })
        .unwrap_err();
    assert!(
        err.to_string().contains("Event::wait on \"ready\""),
        "{err}"
    );
}

#[test]
fn works_outside_a_simulation() {
    let ev = Event::new();
    let mut pool = futures::executor::LocalPool::new();
    use futures::task::LocalSpawnExt;
    let waiter = pool
        .spawner()
        .spawn_local_with_handle({
            let ev = ev.clone();
            async move {
                ev.wait().await;
                7
            }
        })
        .unwrap();
    pool.run_until_stalled();
    ev.set();
    assert_eq!(pool.run_until(waiter), 7);
    fn check<T: Send + Sync + Clone>() {}
    check::<Event>();
}
