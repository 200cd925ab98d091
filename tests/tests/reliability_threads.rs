//! Handles used where they do not belong: a waker woken from another OS
//! thread fails the run naming the task; a timer, a task handle, a sync
//! primitive's waiter or a socket used in a simulation other than its own
//! panics saying so, and leaves the other simulation alone.

use std::cell::Cell;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;
use std::time::Duration;

use futures::{AsyncReadExt, AsyncWriteExt};
use simloop::sync::{Event, Queue, Semaphore};
use simloop::{Sim, SimError, Strategy, net, task, time};

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

#[test]
fn a_join_handle_dropped_in_a_nested_simulation_panics_and_leaves_the_task_alone() {
    let (nested, finished) = Sim::new(0)
        .run(async {
            let finished = Rc::new(Cell::new(false));
            let mut h = task::spawn({
                let finished = Rc::clone(&finished);
                async move {
                    time::sleep(Duration::from_secs(1)).await;
                    finished.set(true);
                }
            });
            // Polled once: the task is tied to this one, and dropping the
            // handle in its own simulation would abort it.
            poll_fn(|cx| {
                assert!(Pin::new(&mut h).poll(cx).is_pending());
                Poll::Ready(())
            })
            .await;
            let nested = Sim::new(1)
                .run(async move { drop(h) })
                .map_err(|e| e.to_string());
            time::sleep(Duration::from_secs(2)).await;
            (nested, finished.get())
        })
        .unwrap();
    let nested = nested.unwrap_err();
    assert!(
        nested.starts_with(
            "task 0 \"main\" panicked: the JoinHandle of task 1 was dropped inside another \
             simulation than the one that spawned it (a nested Sim::run?)"
        ),
        "{nested}"
    );
    assert!(nested.contains("seed 1"), "{nested}");
    assert!(finished, "the task of the outer simulation was aborted");
}

/// Polls `future` once, expecting it to wait.
async fn poll_once<F: Future + Unpin>(future: &mut F) {
    poll_fn(|cx| {
        assert!(Pin::new(&mut *future).poll(cx).is_pending());
        Poll::Ready(())
    })
    .await;
}

#[test]
fn a_semaphore_waiter_polled_in_a_nested_simulation_panics_and_stays_the_outer_ones() {
    let (nested, got) = Sim::new(0)
        .run(async {
            let sem = Semaphore::new(0);
            let mut acquire = Box::pin(sem.acquire());
            poll_once(&mut acquire).await;
            let nested = Sim::new(1)
                .run(poll_fn(|cx| {
                    let _ = acquire.as_mut().poll(cx);
                    Poll::Ready(())
                }))
                .map_err(|e| e.to_string());
            // The waiter still wakes this simulation's task: before, the
            // nested poll had taken it over and this was a deadlock.
            sem.release();
            let permit = acquire.await;
            drop(permit);
            (nested, sem.available_permits())
        })
        .unwrap();
    let nested = nested.unwrap_err();
    assert!(
        nested.starts_with(
            "task 0 \"main\" panicked: a simloop sync waiter (a Lock, Semaphore, Queue, Event, \
             Condition or Barrier future) of task 0 registered in simulation #"
        ),
        "{nested}"
    );
    assert!(
        nested.contains(" was polled inside simulation #"),
        "{nested}"
    );
    assert!(
        nested.contains("create the primitive inside the simulation that uses it"),
        "{nested}"
    );
    assert_eq!(got, 1);
}

#[test]
fn a_queue_getter_dropped_in_a_nested_simulation_panics_saying_so() {
    let (nested, item) = Sim::new(0)
        .run(async {
            let queue = Queue::<u32>::new();
            let mut get = Box::pin(queue.get());
            poll_once(&mut get).await;
            let nested = Sim::new(1)
                .run(async move { drop(get) })
                .map_err(|e| e.to_string());
            queue.put(7).await.unwrap();
            (nested, queue.len())
        })
        .unwrap();
    let nested = nested.unwrap_err();
    assert!(
        nested.contains("of task 0 registered in simulation #")
            && nested.contains(" was dropped inside simulation #"),
        "{nested}"
    );
    assert_eq!(item, 1);
}

#[test]
#[allow(clippy::async_yields_async)] // the waiting future is the point
fn an_event_waiter_taken_out_of_its_simulation_panics_when_dropped_in_another() {
    let event = Event::new();
    // A waiter registered in a first simulation, taken out of it.
    let wait = Sim::new(0)
        .run(async {
            let mut wait = Box::pin(event.wait());
            poll_once(&mut wait).await;
            wait
        })
        .unwrap();
    let err = Sim::new(1).run(async move { drop(wait) }).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(
            "task 0 \"main\" panicked: a simloop sync waiter (a Lock, Semaphore, Queue, Event, \
             Condition or Barrier future) of task 0 registered in simulation #"
        ),
        "{text}"
    );
    assert!(text.contains(" was dropped inside simulation #"), "{text}");
    assert!(text.contains("seed 1"), "{text}");
    // Outside any simulation a waiter may be dropped.
    let mut again = Sim::new(2)
        .run(async {
            let mut wait = Box::pin(event.wait());
            poll_once(&mut wait).await;
            wait
        })
        .unwrap();
    let waker = futures::task::noop_waker();
    let _ = again
        .as_mut()
        .poll(&mut std::task::Context::from_waker(&waker));
    drop(again);
}

#[test]
fn a_listener_used_in_a_nested_simulation_panics_and_keeps_listening() {
    let (nested, echoed) = Sim::new(0)
        .run(async {
            let listener = net::TcpListener::bind("127.0.0.1:80").await.unwrap();
            let nested = Sim::new(1)
                .run(async { listener.local_addr().map(|_| ()) })
                .map_err(|e| e.to_string());
            // The listener still belongs to this simulation's network.
            let client = task::spawn(async {
                let mut s = net::TcpStream::connect("127.0.0.1:80").await.unwrap();
                s.write_all(b"hi").await.unwrap();
            });
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0; 2];
            s.read_exact(&mut buf).await.unwrap();
            client.await.unwrap();
            (nested, buf)
        })
        .unwrap();
    let nested = nested.unwrap_err();
    assert!(
        nested.starts_with(
            "task 0 \"main\" panicked: a simloop network handle (a net::TcpStream, TcpListener, \
             UdpSocket, Host or link) of simulation #"
        ),
        "{nested}"
    );
    assert!(nested.contains(" was used inside simulation #"), "{nested}");
    assert_eq!(&echoed, b"hi");
}

#[test]
fn a_socket_dropped_in_a_nested_simulation_panics_and_stays_bound() {
    let (nested, rebind) = Sim::new(0)
        .run(async {
            let socket = net::UdpSocket::bind("127.0.0.1:53").await.unwrap();
            let nested = Sim::new(1)
                .run(async move { drop(socket) })
                .map_err(|e| e.to_string());
            let rebind = net::UdpSocket::bind("127.0.0.1:53").await.map(|_| ());
            (nested, rebind)
        })
        .unwrap();
    let nested = nested.unwrap_err();
    assert!(
        nested.contains("a simloop network handle")
            && nested.contains(" was dropped inside simulation #"),
        "{nested}"
    );
    // The nested simulation did not close the outer one's socket.
    assert_eq!(rebind.unwrap_err().kind(), std::io::ErrorKind::AddrInUse);
}
