//! Tasks: spawn order, names, ids, join handles, abort and panics.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use simloop::{Sim, SimError, Strategy, task, time};
use simloop_tests::programs::yielders;

#[test]
fn fifo_runs_tasks_in_spawn_then_wake_order() {
    let log = Sim::new(0)
        .run(async {
            let log = Rc::new(RefCell::new(Vec::new()));
            let mut handles = Vec::new();
            for i in 0..4 {
                let log = Rc::clone(&log);
                handles.push(task::spawn(async move {
                    log.borrow_mut().push(format!("start {i}"));
                    // Task i sleeps (4 - i) ms: they wake in reverse order.
                    time::sleep(Duration::from_millis(4 - i)).await;
                    log.borrow_mut().push(format!("wake {i}"));
                    task::yield_now().await;
                    log.borrow_mut().push(format!("end {i}"));
                }));
            }
            for h in handles {
                h.await.unwrap();
            }
            Rc::try_unwrap(log).unwrap().into_inner()
        })
        .unwrap();
    let expected: Vec<String> = [
        "start 0", "start 1", "start 2", "start 3", "wake 3", "end 3", "wake 2", "end 2", "wake 1",
        "end 1", "wake 0", "end 0",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(log, expected);
}

#[test]
fn fifo_interleaves_yielding_tasks_round_robin() {
    let log = Sim::new(0).run(yielders("abc", 3)).unwrap();
    assert_eq!(log, "abcabcabc");
}

#[test]
fn tasks_have_names_and_ids_counting_from_the_same_start_every_run() {
    let sim = Sim::new(3);
    let run = || {
        sim.run(async {
            let me = task::current();
            let a = task::spawn(async { task::current() });
            let b = task::Builder::new()
                .name("consumer-1")
                .spawn(async { task::current() });
            let c = task::spawn_named("consumer-2", async { task::id() });
            (me, a.await.unwrap(), b.await.unwrap(), c.await.unwrap())
        })
        .unwrap()
    };
    let (me, a, b, c) = run();
    assert_eq!(me.id(), task::TaskId::ROOT);
    assert_eq!(me.name(), Some("main"));
    assert_eq!(a.id().as_u64(), 1);
    assert_eq!(a.name(), None);
    assert_eq!(a.label(), "task-1");
    assert_eq!(b.id().as_u64(), 2);
    assert_eq!(b.name(), Some("consumer-1"));
    assert_eq!(c.as_u64(), 3);
    assert_eq!(
        run(),
        (me, a, b, c),
        "a second run starts from the same ids"
    );
}

#[test]
fn spawned_futures_need_not_be_send_and_the_root_need_not_be_static() {
    let local = String::from("borrowed by the root");
    let n = Sim::new(0)
        .run(async {
            let rc = Rc::new(5);
            let h = task::spawn(async move { *rc + 1 });
            h.await.unwrap() + local.len()
        })
        .unwrap();
    assert_eq!(n, 6 + "borrowed by the root".len());
}

#[test]
fn a_dropped_handle_detaches_the_task() {
    let done = Rc::new(RefCell::new(false));
    let d = Rc::clone(&done);
    Sim::new(0)
        .run(async move {
            drop(task::spawn(async move {
                time::sleep(Duration::from_secs(1)).await;
                *d.borrow_mut() = true;
            }));
            time::sleep(Duration::from_secs(2)).await;
        })
        .unwrap();
    assert!(*done.borrow());
}

#[test]
fn abort_cancels_at_the_next_scheduling_point() {
    let progress = Rc::new(RefCell::new(0));
    let p = Rc::clone(&progress);
    let (err, finished, at) = Sim::new(0)
        .run(async move {
            let h = task::spawn(async move {
                loop {
                    *p.borrow_mut() += 1;
                    time::sleep(Duration::from_secs(1)).await;
                }
            });
            time::sleep(Duration::from_millis(2500)).await;
            h.abort();
            assert!(!h.is_finished(), "the abort takes effect at its turn");
            let mut h = h;
            let err = (&mut h).await.unwrap_err();
            (err, h.is_finished(), time::now().since_start())
        })
        .unwrap();
    assert!(err.is_cancelled());
    assert!(!err.is_panic());
    assert!(finished);
    assert_eq!(at, Duration::from_millis(2500));
    assert_eq!(*progress.borrow(), 3, "ran at 0 s, 1 s and 2 s only");
}

#[test]
fn wake_ups_and_spawns_of_one_step_run_in_the_order_they_happened() {
    // asyncio schedules both a woken task and a new task with call_soon, in
    // call order. CPython (virtual clock):
    //   ta = task(a()) where a() = `await ev.wait(); log('a')`
    //   await sleep(0); ev.set(); tb = task(b()) where b() = `log('b')`
    //   await sleep(0); log('main')
    // prints ['a', 'b', 'main'].
    let lines = Sim::new(0)
        .run(async {
            let log = Rc::new(RefCell::new(Vec::<&str>::new()));
            let ev = simloop::sync::Event::new();
            let a = task::spawn({
                let (ev, log) = (ev.clone(), Rc::clone(&log));
                async move {
                    ev.wait().await;
                    log.borrow_mut().push("a");
                }
            });
            task::yield_now().await;
            ev.set();
            let b = task::spawn({
                let log = Rc::clone(&log);
                async move { log.borrow_mut().push("b") }
            });
            task::yield_now().await;
            log.borrow_mut().push("main");
            a.await.unwrap();
            b.await.unwrap();
            log.take()
        })
        .unwrap();
    assert_eq!(lines, vec!["a", "b", "main"]);
}

#[test]
fn an_aborted_task_is_dropped_where_asyncio_runs_its_cancellation() {
    // asyncio's Task.cancel schedules the task to receive CancelledError
    // behind the tasks already ready; its clean-up (a `finally`, here a
    // destructor) runs there. CPython (virtual clock):
    //   holder() = `try: async with lock: log('holder in'); await sleep(10)
    //               finally: log('holder out')`
    //   other() = `async with lock: log('other in')`; ticker logs c0..c3
    //   h = task(holder()); await sleep(0); o = task(other())
    //   c = task(ticker()); await sleep(0); h.cancel()
    //   await sleep(0); log('main x'); await c
    // prints ['holder in', 'c0', 'c1', 'holder out', 'main x', 'c2',
    // 'other in', 'c3'].
    let lines = Sim::new(0)
        .run(async {
            let log = Rc::new(RefCell::new(Vec::<String>::new()));
            let lock = simloop::sync::Lock::new();
            struct Out(Rc<RefCell<Vec<String>>>);
            impl Drop for Out {
                fn drop(&mut self) {
                    self.0.borrow_mut().push("holder out".into());
                }
            }
            let h = task::spawn({
                let (lock, log) = (lock.clone(), Rc::clone(&log));
                async move {
                    let _out = Out(Rc::clone(&log));
                    let _g = lock.lock().await;
                    log.borrow_mut().push("holder in".into());
                    time::sleep(Duration::from_secs(10)).await;
                }
            });
            task::yield_now().await;
            let o = task::spawn({
                let (lock, log) = (lock.clone(), Rc::clone(&log));
                async move {
                    let _g = lock.lock().await;
                    log.borrow_mut().push("other in".into());
                }
            });
            let c = task::spawn({
                let log = Rc::clone(&log);
                async move {
                    for i in 0..4 {
                        log.borrow_mut().push(format!("c{i}"));
                        task::yield_now().await;
                    }
                }
            });
            task::yield_now().await;
            h.abort();
            task::yield_now().await;
            log.borrow_mut().push("main x".into());
            c.await.unwrap();
            o.await.unwrap();
            assert!(h.await.unwrap_err().is_cancelled());
            log.take()
        })
        .unwrap();
    assert_eq!(
        lines,
        vec![
            "holder in",
            "c0",
            "c1",
            "holder out",
            "main x",
            "c2",
            "other in",
            "c3"
        ]
    );
}

#[test]
fn abort_of_a_ready_task_stops_it_before_it_runs() {
    let ran = Rc::new(RefCell::new(false));
    let r = Rc::clone(&ran);
    let report = Sim::new(0)
        .run_report(async move {
            let h = task::spawn(async move { *r.borrow_mut() = true });
            h.abort();
            let e = h.await.unwrap_err();
            assert!(e.is_cancelled());
        })
        .unwrap();
    assert!(!*ran.borrow());
    assert!(report.leaked.is_empty());
}

#[test]
fn is_finished_tracks_completion() {
    Sim::new(0)
        .run(async {
            let h = task::spawn(time::sleep(Duration::from_secs(1)));
            assert!(!h.is_finished());
            time::sleep(Duration::from_secs(2)).await;
            assert!(h.is_finished());
            h.await.unwrap();
        })
        .unwrap();
}

#[test]
fn a_panic_in_an_awaited_task_is_a_join_error_with_the_message() {
    let err = Sim::new(0)
        .run(async {
            let h = task::spawn_named("boom", async {
                time::sleep(Duration::from_secs(1)).await;
                panic!("kaput {}", 7);
            });
            h.await.unwrap_err()
        })
        .unwrap();
    assert!(err.is_panic());
    assert!(!err.is_cancelled());
    assert!(err.panic_message().unwrap().starts_with("kaput 7"));
    assert_eq!(err.task().name(), Some("boom"));
}

#[test]
fn a_panic_in_a_detached_task_fails_the_run() {
    let err = Sim::new(11)
        .run(async {
            drop(task::spawn_named("loose", async {
                panic!("nobody listens")
            }));
            time::sleep(Duration::from_secs(1)).await;
        })
        .unwrap_err();
    match &err {
        SimError::TaskPanicked { task, message, ctx } => {
            assert_eq!(task.name(), Some("loose"));
            assert!(message.contains("nobody listens"));
            assert_eq!(ctx.seed, 11);
        }
        other => panic!("unexpected {other}"),
    }
    assert!(err.to_string().contains("SIMLOOP_SEED=11"));
}

#[test]
fn a_panic_whose_handle_is_dropped_unread_fails_the_run() {
    let err = Sim::new(0)
        .run(async {
            let h = task::spawn(async { panic!("unread") });
            time::sleep(Duration::from_secs(1)).await;
            drop(h);
            time::sleep(Duration::from_secs(1)).await;
        })
        .unwrap_err();
    assert!(matches!(err, SimError::TaskPanicked { .. }), "{err}");
}

#[test]
fn unobserved_panics_can_be_tolerated() {
    let sim = Sim::builder().fail_on_unobserved_panic(false).build();
    sim.run(async {
        drop(task::spawn(async { panic!("ignored") }));
        time::sleep(Duration::from_secs(1)).await;
    })
    .unwrap();
}

#[test]
fn a_panic_in_the_root_task_is_reported() {
    let err = Sim::new(5)
        .run(async {
            time::sleep(Duration::from_secs(2)).await;
            panic!("root failed");
        })
        .unwrap_err();
    match err {
        SimError::TaskPanicked { task, message, ctx } => {
            assert_eq!(task.name(), Some("main"));
            assert!(message.contains("root failed"));
            assert_eq!(ctx.time.since_start(), Duration::from_secs(2));
        }
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn tasks_pending_when_the_root_finishes_are_reported_as_leaks() {
    let report = Sim::new(0)
        .run_report(async {
            task::spawn_named("forever", time::sleep(Duration::from_secs(10)));
            task::spawn(std::future::pending::<()>());
        })
        .unwrap();
    let names: Vec<_> = report.leaked.iter().map(|t| t.label()).collect();
    assert_eq!(names, ["forever", "task-2"]);
    assert_eq!(report.elapsed, Duration::ZERO);

    let err = Sim::builder()
        .leaks_are_errors(true)
        .build()
        .run(async {
            task::spawn_named("forever", time::sleep(Duration::from_secs(10)));
        })
        .unwrap_err();
    assert!(matches!(err, SimError::LeakedTasks { .. }));
    assert!(err.to_string().contains("\"forever\""), "{err}");
}

#[test]
fn leaked_tasks_are_dropped_inside_the_simulation() {
    // The leaked task's destructor reads the virtual clock.
    let at = Rc::new(RefCell::new(None));
    let a = Rc::clone(&at);
    struct OnDrop(Rc<RefCell<Option<time::Instant>>>);
    impl Drop for OnDrop {
        fn drop(&mut self) {
            *self.0.borrow_mut() = time::try_now();
        }
    }
    Sim::new(0)
        .run(async move {
            task::spawn(async move {
                let _guard = OnDrop(a);
                std::future::pending::<()>().await;
            });
            time::sleep(Duration::from_secs(3)).await;
        })
        .unwrap();
    assert_eq!(at.borrow().unwrap().since_start(), Duration::from_secs(3));
}

#[test]
fn the_same_sim_runs_many_times_from_a_fresh_world() {
    let sim = Sim::builder().seed(9).strategy(Strategy::Random).build();
    let make = || async {
        let hs: Vec<_> = (0..5)
            .map(|i| task::spawn(async move { time::sleep(Duration::from_secs(i)).await }))
            .collect();
        for h in hs {
            h.await.unwrap();
        }
        time::now()
    };
    let a = sim.run_report(make()).unwrap();
    let b = sim.run_report(make()).unwrap();
    assert_eq!(a.value, b.value);
    assert_eq!(a.fingerprint, b.fingerprint);
    assert_eq!(a.steps, b.steps);
}

#[test]
fn simulations_nest() {
    let inner = Sim::new(1)
        .run(async {
            time::sleep(Duration::from_secs(5)).await;
            let nested = Sim::new(2)
                .run(async {
                    time::sleep(Duration::from_secs(1)).await;
                    time::now()
                })
                .unwrap();
            (nested, time::now())
        })
        .unwrap();
    assert_eq!(inner.0.since_start(), Duration::from_secs(1));
    assert_eq!(inner.1.since_start(), Duration::from_secs(5));
}

#[test]
fn hundred_thousand_tasks_sleeping_random_durations_end_at_the_largest() {
    let (elapsed, largest, count) = Sim::new(1)
        .run(async {
            let counter = Rc::new(RefCell::new(0u32));
            let mut largest = Duration::ZERO;
            let mut handles = Vec::with_capacity(100_000);
            for _ in 0..100_000 {
                let d = Duration::from_millis(simloop::rand::range(0..10_000u64));
                largest = largest.max(d);
                let counter = Rc::clone(&counter);
                handles.push(task::spawn(async move {
                    time::sleep(d).await;
                    *counter.borrow_mut() += 1;
                }));
            }
            for h in handles {
                h.await.unwrap();
            }
            let count = *counter.borrow();
            (time::now().since_start(), largest, count)
        })
        .unwrap();
    assert_eq!(count, 100_000);
    assert_eq!(elapsed, largest);
}
