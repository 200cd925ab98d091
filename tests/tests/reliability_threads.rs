//! Handles used where they do not belong: a waker woken from another OS
//! thread fails the run naming the task; a timer or a task handle used in a
//! simulation other than its own panics saying so, and leaves the other
//! simulation alone.

use std::future::poll_fn;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use simloop::{Sim, SimError, Strategy, task, time};

/// A future that, at its first poll, has another thread wake it (and waits
/// for that thread, so the wake-up lands before the poll returns).
async fn woken_from_another_thread() {
    let mut first = true;
    poll_fn(|cx| {
        if std::mem::take(&mut first) {
            let waker = cx.waker().clone();
            std::thread::Builder::new()
                .name("helper".into())
                .spawn(move || waker.wake())
                .unwrap()
                .join()
                .unwrap();
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
}

#[test]
fn a_wake_from_another_thread_fails_the_run_naming_the_task() {
    let err = Sim::builder()
        .seed(8)
        .strategy(Strategy::Random)
        .build()
        .run(async {
            // A ticker keeps the run going (before, each run then ended at
            // a different time).
            task::spawn(async {
                loop {
                    time::sleep(Duration::from_millis(1)).await;
                }
            });
            task::spawn_named("listener", woken_from_another_thread())
                .await
                .unwrap();
        })
        .unwrap_err();
    let SimError::ForeignWake { task, thread, .. } = &err else {
        panic!("{err}");
    };
    assert_eq!(task.name(), Some("listener"));
    assert_eq!(thread, "helper");
    assert_eq!(err.kind(), "foreign wake");
    let text = err.to_string();
    assert!(
        text.starts_with(
            "task 2 \"listener\" was woken from another thread (helper): a simulation runs on one \
             thread, and a wake-up from outside it would make the run depend on the OS's thread \
             timing; wake tasks only from inside the simulation (its tasks, timers and \
             primitives); seed 8, strategy random"
        ),
        "{text}"
    );
}

#[test]
fn a_wake_from_another_thread_in_an_idle_run_is_not_a_deadlock() {
    // Before, nothing else being ready, this was reported as a deadlock on
    // "something that did not say".
    let err = Sim::new(0).run(woken_from_another_thread()).unwrap_err();
    assert_eq!(err.kind(), "foreign wake", "{err}");
    assert!(
        err.to_string()
            .starts_with("task 0 \"main\" was woken from another thread (helper)")
    );
}

#[test]
fn a_join_handle_awaited_in_a_nested_simulation_panics_saying_so() {
    let inner = Sim::new(0)
        .run(async {
            let h = task::spawn(async { 5 });
            Sim::new(1).run(async move { h.await.unwrap() })
        })
        .unwrap();
    let err = inner.unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(
            "task 0 \"main\" panicked: the JoinHandle of task 1 was awaited inside another \
             simulation than the one that spawned it (a nested Sim::run?)"
        ),
        "{text}"
    );
}

#[test]
fn a_join_handle_aborted_from_a_nested_simulation_panics_and_leaves_the_task_alone() {
    let (nested, value) = Sim::new(0)
        .run(async {
            let h = task::spawn(async { 5 });
            let nested = Sim::new(1)
                .run(async { h.abort() })
                .map_err(|e| e.to_string());
            (nested, h.await)
        })
        .unwrap();
    let nested = nested.unwrap_err();
    assert!(
        nested.contains("the JoinHandle of task 1 was aborted inside another simulation"),
        "{nested}"
    );
    assert_eq!(value.unwrap(), 5);
}

#[test]
#[allow(clippy::async_yields_async)] // the armed Sleep is the point
fn a_sleep_armed_in_one_simulation_and_dropped_in_another_panics_and_cancels_nothing() {
    // Arm a sleep in a first simulation and take it out.
    let armed: Pin<Box<time::Sleep>> = Sim::new(0)
        .run(async {
            let mut sleep = Box::pin(time::sleep(Duration::from_secs(1)));
            poll_fn(|cx| {
                assert!(sleep.as_mut().poll(cx).is_pending());
                Poll::Ready(())
            })
            .await;
            sleep
        })
        .unwrap();
    // Before, dropping it in a second simulation cancelled that
    // simulation's first timer (the same slot), a spurious deadlock.
    let err = Sim::new(1)
        .run(async move {
            let sleeper = task::spawn(time::sleep(Duration::from_secs(5)));
            task::yield_now().await;
            drop(armed);
            sleeper.await.unwrap();
        })
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("task 0 \"main\" panicked: a simloop timer (a time::Sleep, a timeout's deadline) armed in simulation #"),
        "{text}"
    );
    assert!(
        text.contains("a Sleep belongs to the simulation that first polled it"),
        "{text}"
    );
}

#[test]
#[allow(clippy::async_yields_async)] // the armed Sleep is the point
fn the_other_simulations_timer_still_fires() {
    let armed: Pin<Box<time::Sleep>> = Sim::new(0)
        .run(async {
            let mut sleep = Box::pin(time::sleep(Duration::from_secs(1)));
            poll_fn(|cx| {
                let _ = sleep.as_mut().poll(cx);
                Poll::Ready(())
            })
            .await;
            sleep
        })
        .unwrap();
    let elapsed = Sim::new(1)
        .run(async move {
            let sleeper = task::spawn(time::sleep(Duration::from_secs(5)));
            task::yield_now().await;
            // The panic is caught in a task of its own; the sleeper is
            // untouched.
            let dropper = task::spawn(async move { drop(armed) });
            assert!(dropper.await.unwrap_err().is_panic());
            sleeper.await.unwrap();
            time::now().since_start()
        })
        .unwrap();
    assert_eq!(elapsed, Duration::from_secs(5));
}
