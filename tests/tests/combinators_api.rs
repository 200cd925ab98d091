//! The combinators' small API: counts, `Debug`, `cancel`'s answer,
//! `is_finished`, and what dropping an `as_completed` leaves running.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use futures::Stream;
use simloop::combinators::{
    MemberOutcome, TaskGroup, as_completed, gather, join_all, race, select, shield, try_gather,
};
use simloop::{Sim, task, time};

async fn after(ms: u64) -> u64 {
    time::sleep(Duration::from_millis(ms)).await;
    ms
}

#[test]
fn as_completed_counts_down_and_says_so() {
    Sim::new(1)
        .run(async {
            let mut done = as_completed([after(3), after(1), after(2)]);
            assert_eq!((done.len(), done.is_empty()), (3, false));
            assert_eq!(done.size_hint(), (3, Some(3)));
            assert_eq!(format!("{done:?}"), "AsCompleted { remaining: 3 }");
            assert_eq!(done.next().await.unwrap().unwrap(), 1);
            assert_eq!(done.size_hint(), (2, Some(2)));
            assert_eq!(format!("{done:?}"), "AsCompleted { remaining: 2 }");
            done.next().await.unwrap().unwrap();
            done.next().await.unwrap().unwrap();
            assert_eq!((done.len(), done.is_empty()), (0, true));
            assert_eq!(done.size_hint(), (0, Some(0)));
            assert!(done.next().await.is_none());
        })
        .unwrap();
}

#[test]
fn dropping_as_completed_leaves_its_tasks_running() {
    // asyncio's as_completed does not cancel what it was given.
    let finished = Sim::new(1)
        .run(async {
            let finished = Rc::new(Cell::new(0));
            let futures: Vec<_> = (1..=3)
                .map(|ms| {
                    let finished = finished.clone();
                    async move {
                        time::sleep(Duration::from_millis(ms)).await;
                        finished.set(finished.get() + 1);
                    }
                })
                .collect();
            let mut done = as_completed(futures);
            done.next().await.unwrap().unwrap();
            drop(done);
            time::sleep(Duration::from_millis(10)).await;
            finished.get()
        })
        .unwrap();
    assert_eq!(finished, 3);
}

#[test]
fn gathers_describe_their_tasks_and_cancel_only_while_running() {
    Sim::new(1)
        .run(async {
            let g = gather([after(1), after(2)]);
            assert_eq!(format!("{g:?}"), "Gather { tasks: 2, remaining: 2 }");
            g.await.unwrap();

            let t = try_gather([1, 2].map(|i| async move { Ok::<_, ()>(i) }));
            assert!(
                format!("{t:?}").starts_with("TryGather { tasks: 2"),
                "{t:?}"
            );
            task::yield_now().await; // the tasks finish
            task::yield_now().await; // their done callbacks run
            assert!(!t.cancel());
            assert_eq!(t.await.unwrap(), vec![1, 2]);
            let t = try_gather([async {
                time::sleep(Duration::from_secs(1)).await;
                Ok::<u32, ()>(1)
            }]);
            assert!(t.cancel());
            assert!(t.await.is_err());

            let j = join_all([after(1)]);
            assert!(format!("{j:?}").starts_with("JoinAll { tasks: 1"), "{j:?}");
            assert!(j.cancel());
            assert!(j.await[0].as_ref().unwrap_err().is_cancelled());
            let j = join_all([async { 5 }]);
            task::yield_now().await;
            task::yield_now().await;
            assert!(!j.cancel());
            assert_eq!(j.await[0].as_ref().copied().unwrap(), 5);
        })
        .unwrap();
}

#[test]
fn select_race_and_shield_describe_their_state() {
    Sim::new(1)
        .run(async {
            let s = select(after(1), after(2));
            assert_eq!(format!("{s:?}"), "Select { finished: false }");
            drop(s);
            let r = race([after(1), after(2), after(3)]);
            assert_eq!(format!("{r:?}"), "Race { futures: 3 }");
            drop(r);

            let s = shield(after(5));
            assert!(!s.is_finished());
            assert!(format!("{s:?}").ends_with("finished: false }"), "{s:?}");
            time::sleep(Duration::from_millis(5)).await;
            task::yield_now().await;
            assert!(s.is_finished());
            assert!(format!("{s:?}").ends_with("finished: true }"), "{s:?}");
            assert_eq!(s.await.unwrap(), 5);
        })
        .unwrap();
}

#[test]
fn a_task_group_counts_its_tasks() {
    Sim::new(1)
        .run(async {
            let group: TaskGroup<u64, ()> = TaskGroup::new();
            assert!(group.is_empty());
            assert_eq!(
                format!("{group:?}"),
                "TaskGroup { tasks: 0, running: 0, cancelling: false }"
            );
            assert_eq!(format!("{:?}", group.handle()), "TaskGroupHandle");
            group.spawn(async { Ok(1) });
            group.spawn(async {
                time::sleep(Duration::from_millis(1)).await;
                Ok(2)
            });
            assert!(!group.is_empty());
            assert_eq!(group.len(), 2);
            assert_eq!(
                format!("{group:?}"),
                "TaskGroup { tasks: 2, running: 2, cancelling: false }"
            );
            let mut results = group.join().await.unwrap();
            results.sort();
            assert_eq!(results, [1, 2]);
        })
        .unwrap();
}

#[test]
fn a_member_can_be_aborted_and_describes_how_it_ended() {
    Sim::new(1)
        .run(async {
            let group: TaskGroup<u64, ()> = TaskGroup::new();
            let slow = group.spawn(async {
                time::sleep(Duration::from_secs(60)).await;
                Ok(1)
            });
            let quick = group.spawn(async { Ok(2) });
            let id = slow.id();
            assert_eq!(
                format!("{slow:?}"),
                format!("Member {{ id: {id:?}, outcome: None }}")
            );
            slow.abort();
            time::sleep(Duration::from_millis(1)).await;
            assert!(slow.is_finished());
            assert_eq!(slow.outcome(), Some(MemberOutcome::Cancelled));
            assert_eq!(quick.outcome(), Some(MemberOutcome::Returned));
            assert!(
                format!("{slow:?}").ends_with("outcome: Some(Cancelled) }"),
                "{slow:?}"
            );
            let join = group.join();
            assert!(
                format!("{join:?}").starts_with("TaskGroupJoin { group: "),
                "{join:?}"
            );
            let _ = join.await;
            // The whole run took a millisecond, not the aborted minute.
            assert_eq!(time::now().since_start(), Duration::from_millis(1));
        })
        .unwrap();
}

#[test]
fn a_task_error_gives_up_its_failure() {
    Sim::new(1)
        .run(async {
            let err = try_gather([async { Err::<u32, _>("bad") }])
                .await
                .unwrap_err();
            assert_eq!(err.failure(), Some(&"bad"));
            assert_eq!(err.into_failure(), Some("bad"));
            let t = try_gather([async {
                time::sleep(Duration::from_secs(1)).await;
                Ok::<u32, &str>(1)
            }]);
            assert!(t.cancel());
            let err = t.await.unwrap_err();
            assert_eq!(err.failure(), None);
            assert_eq!(err.into_failure(), None);
        })
        .unwrap();
}

#[test]
fn a_deadlock_report_counts_the_tasks_still_awaited() {
    // Three tasks, one of which ends: the report names the two left.
    let err = Sim::new(1)
        .run(async {
            let never = simloop::sync::Event::new();
            let futures: Vec<_> = (0..3u64)
                .map(|i| {
                    let never = never.clone();
                    async move {
                        time::sleep(Duration::from_millis(i + 1)).await;
                        if i > 0 {
                            never.wait().await;
                        }
                        i
                    }
                })
                .collect();
            let mut done = as_completed(futures);
            assert_eq!(done.next().await.unwrap().unwrap(), 0);
            done.next().await
        })
        .unwrap_err();
    assert!(matches!(err, simloop::SimError::Deadlock { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("\"main\" waits on as_completed on \"2 task(s)\""),
        "{text}"
    );
}

#[test]
fn a_combinator_polled_by_one_task_then_awaited_by_another_wakes_the_second() {
    // Each stores the waker of its last poll: moving it to another task
    // must move the wake-up too.
    let ends = Sim::new(1)
        .run(async {
            let mut done = as_completed([after(5)]);
            assert!(futures::poll!(std::pin::pin!(done.next())).is_pending());
            let a = task::spawn(async move { done.next().await.unwrap().unwrap() });

            let mut s = shield(after(6));
            assert!(futures::poll!(&mut s).is_pending());
            let b = task::spawn(async move { s.await.unwrap() });

            let mut w = simloop::combinators::wait(
                vec![task::spawn(after(7))],
                simloop::combinators::ReturnWhen::AllCompleted,
                None,
            );
            assert!(futures::poll!(&mut w).is_pending());
            let c = task::spawn(async move { w.await.done.len() as u64 });

            (a.await.unwrap(), b.await.unwrap(), c.await.unwrap())
        })
        .unwrap();
    assert_eq!(ends, (5, 6, 1));
}

#[test]
fn a_panicking_member_fails_its_group_at_once() {
    Sim::new(1)
        .run(async {
            let group: TaskGroup<u64, ()> = TaskGroup::new();
            let boom = group.spawn(async {
                time::sleep(Duration::from_millis(1)).await;
                panic!("member panicked");
            });
            let slow = group.spawn(async {
                time::sleep(Duration::from_secs(60)).await;
                Ok(1)
            });
            let failing = group.spawn(async {
                time::sleep(Duration::from_millis(2)).await;
                Err(())
            });
            // The panic at 1 ms cancels the others at once, before the
            // owner joins (outcomes are read while the group is alive).
            time::sleep(Duration::from_micros(1_500)).await;
            assert_eq!(boom.outcome(), Some(MemberOutcome::Panicked));
            assert_eq!(slow.outcome(), Some(MemberOutcome::Cancelled));
            assert_eq!(failing.outcome(), Some(MemberOutcome::Cancelled));
            assert!(group.join().await.is_err());
            assert_eq!(time::now().since_start(), Duration::from_micros(1_500));

            // A member that returns `Err` is a failure, not a return.
            let group: TaskGroup<u64, ()> = TaskGroup::new();
            let failing = group.spawn(async { Err(()) });
            task::yield_now().await; // it fails
            task::yield_now().await; // its done callback runs
            assert_eq!(failing.outcome(), Some(MemberOutcome::Failed));
            let err = group.join().await.unwrap_err();
            assert_eq!(err.failure(), Some(&()));

            // try_gather stops at a panic too, without waiting for the rest.
            let start = time::now();
            let err = try_gather([0u64, 1].map(|i| async move {
                time::sleep(Duration::from_millis(1 + 59_000 * i)).await;
                if i == 0 {
                    panic!("gathered task panicked");
                }
                Ok::<u64, ()>(i)
            }))
            .await
            .unwrap_err();
            assert!(err.failure().is_none());
            assert_eq!(time::now() - start, Duration::from_millis(1));
        })
        .unwrap();
}

/// A future that counts, in `ended`, whether it finished or was dropped
/// unfinished (`cancelled`).
fn tracked(ms: u64, ended: Rc<Cell<(u32, u32)>>) -> impl Future<Output = u64> {
    struct OnDrop(Rc<Cell<(u32, u32)>>, bool);
    impl Drop for OnDrop {
        fn drop(&mut self) {
            let (done, cancelled) = self.0.get();
            self.0.set(if self.1 {
                (done + 1, cancelled)
            } else {
                (done, cancelled + 1)
            });
        }
    }
    async move {
        let mut guard = OnDrop(ended, false);
        time::sleep(Duration::from_millis(ms)).await;
        guard.1 = true;
        ms
    }
}

#[test]
fn dropping_a_combinator_cancels_or_detaches_as_documented() {
    let ends = Sim::new(1)
        .run(async {
            let check = |make: &dyn Fn(Rc<Cell<(u32, u32)>>)| {
                let ended = Rc::new(Cell::new((0, 0)));
                make(ended.clone());
                ended
            };
            // Dropped unfinished, after the tasks started: gather and
            // join_all abort their tasks, a TaskGroup's join too; wait
            // and as_completed leave them running.
            let gathered = check(&|e| {
                let g = gather([tracked(5, e.clone()), tracked(5, e)]);
                task::spawn(async move {
                    let _ = futures::poll!(std::pin::pin!(g));
                });
            });
            let joined = check(&|e| {
                let j = join_all([tracked(5, e)]);
                task::spawn(async move {
                    let _ = futures::poll!(std::pin::pin!(j));
                });
            });
            let grouped = check(&|e| {
                let group: TaskGroup<u64, ()> = TaskGroup::new();
                group.spawn(async move { Ok(tracked(5, e).await) });
                let join = group.join();
                task::spawn(async move {
                    let _ = futures::poll!(std::pin::pin!(join));
                });
            });
            let waited = check(&|e| {
                let w = simloop::combinators::wait(
                    vec![task::spawn(tracked(5, e))],
                    simloop::combinators::ReturnWhen::AllCompleted,
                    None,
                );
                task::spawn(async move {
                    let _ = futures::poll!(std::pin::pin!(w));
                });
            });
            time::sleep(Duration::from_millis(10)).await;
            [gathered.get(), joined.get(), grouped.get(), waited.get()]
        })
        .unwrap();
    assert_eq!(ends, [(0, 2), (0, 1), (0, 1), (1, 0)]);
}
