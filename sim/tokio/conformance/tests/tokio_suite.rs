//! Counterparts of tokio's integration tests that the behaviour-grouped
//! files (`sync_*.rs`, `time.rs`, `task.rs`, `macros.rs`) did not cover:
//! each test names the tokio file and tests it stands for. Written here,
//! not copied. Plain tokio code: it passes against real tokio 1.54 too.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{
    Barrier, Mutex, Notify, OnceCell, RwLock, Semaphore, broadcast, mpsc, oneshot, watch,
};
use tokio::task::JoinSet;
use tokio::time::{Instant, advance, sleep, sleep_until, timeout, timeout_at};

fn assert_send_sync<T: Send + Sync>() {}

/// sync_barrier.rs: `barrier_future_is_send`, `zero_does_not_block`.
#[tokio::test]
async fn a_barrier_of_zero_or_one_never_blocks_and_its_wait_is_send() {
    fn is_send<T: Send>(_: &T) {}
    let b = Barrier::new(0);
    let wait = b.wait();
    is_send(&wait);
    assert!(wait.await.is_leader());
    assert!(Barrier::new(1).wait().await.is_leader());
    assert!(Barrier::new(1).wait().await.is_leader());
}

/// sync_broadcast_weak.rs: `weak_sender`, `downgrade_upgrade_sender_failure`,
/// `downgrade_drop_upgrade`, the count tests.
#[tokio::test]
async fn broadcast_weak_senders_do_not_keep_the_channel_open() {
    let (tx, mut rx) = broadcast::channel::<u32>(4);
    let weak = tx.downgrade();
    let weak2 = weak.clone();
    assert_eq!((tx.strong_count(), tx.weak_count()), (1, 2));
    assert_eq!(rx.sender_weak_count(), 2);
    let tx2 = weak.upgrade().expect("a strong sender lives");
    assert_eq!(weak2.strong_count(), 2);
    tx2.send(1).unwrap();
    drop(tx2);
    drop(weak2);
    assert_eq!(weak.weak_count(), 1);
    drop(tx);
    assert!(weak.upgrade().is_none());
    assert_eq!(rx.recv().await.unwrap(), 1);
    assert_eq!(rx.recv().await, Err(broadcast::error::RecvError::Closed));
}

/// sync_broadcast.rs: `resubscribe_points_to_tail`, `resubscribe_lagged`,
/// `resubscribe_to_closed_channel`, `receiver_len_with_lagged`,
/// `sender_len`, `lag_is_per_receiver`, `single_capacity_recvs`.
#[tokio::test]
async fn broadcast_resubscribe_len_and_per_receiver_lag() {
    let (tx, mut rx) = broadcast::channel::<u32>(2);
    tx.send(1).unwrap();
    let mut fresh = rx.resubscribe();
    assert_eq!(fresh.try_recv(), Err(broadcast::error::TryRecvError::Empty));
    for v in 2..=4 {
        tx.send(v).unwrap();
    }
    // `rx` missed 1 and 2 (capacity 2); `fresh` only missed 2.
    assert_eq!(rx.len(), 4);
    assert_eq!(rx.recv().await, Err(broadcast::error::RecvError::Lagged(2)));
    assert_eq!(rx.len(), 2);
    assert_eq!(
        fresh.recv().await,
        Err(broadcast::error::RecvError::Lagged(1))
    );
    assert_eq!(tx.len(), 2);
    assert_eq!(
        (rx.recv().await.unwrap(), fresh.recv().await.unwrap()),
        (3, 3)
    );
    drop(tx);
    let mut closed = rx.resubscribe();
    assert_eq!(
        closed.recv().await,
        Err(broadcast::error::RecvError::Closed)
    );
    assert_eq!(rx.recv().await.unwrap(), 4);

    let (tx, mut one) = broadcast::channel::<u32>(1);
    tx.send(7).unwrap();
    assert_eq!(one.recv().await.unwrap(), 7);
}

/// sync_broadcast.rs: `zero_capacity`.
#[test]
#[should_panic(expected = "broadcast channel capacity cannot be zero")]
fn a_broadcast_channel_of_capacity_zero_panics() {
    let _ = broadcast::channel::<u8>(0);
}

/// sync_errors.rs: `mpsc_error_bound`, `oneshot_error_bound`,
/// `watch_error_bound`.
#[test]
fn error_types_are_send_and_sync() {
    assert_send_sync::<mpsc::error::SendError<u8>>();
    assert_send_sync::<mpsc::error::TrySendError<u8>>();
    assert_send_sync::<mpsc::error::TryRecvError>();
    assert_send_sync::<oneshot::error::RecvError>();
    assert_send_sync::<oneshot::error::TryRecvError>();
    assert_send_sync::<watch::error::SendError<u8>>();
    assert_send_sync::<watch::error::RecvError>();
    assert_send_sync::<broadcast::error::RecvError>();
}

/// sync_mpsc.rs: the `test_rx_is_*`, `test_rx_len_*` and
/// `test_rx_unbounded_*` families, `try_recv_after_receiver_close`,
/// `recv_many_with_non_empty_buffer_*`, `drop_permit_releases_permit`.
#[tokio::test]
async fn mpsc_receiver_len_empty_and_closed_as_in_tokio() {
    let (tx, mut rx) = mpsc::channel::<u32>(3);
    assert!(rx.is_empty() && !rx.is_closed());
    assert_eq!(rx.len(), 0);
    let permit = tx.reserve().await.unwrap();
    assert_eq!(tx.capacity(), 2);
    drop(permit);
    assert_eq!(tx.capacity(), 3, "a dropped permit gives its slot back");
    for v in 0..3 {
        tx.send(v).await.unwrap();
    }
    assert_eq!(rx.len(), 3);
    drop(tx);
    assert!(rx.is_closed(), "closed once the senders are gone");
    assert!(!rx.is_empty(), "but the messages are still there");
    let mut buf = vec![99];
    assert_eq!(rx.recv_many(&mut buf, 2).await, 2);
    assert_eq!(buf, [99, 0, 1]);
    rx.close();
    assert_eq!(rx.len(), 1);
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Err(mpsc::error::TryRecvError::Disconnected));
    assert_eq!(rx.recv_many(&mut buf, 4).await, 0);

    let (utx, mut urx) = mpsc::unbounded_channel::<u32>();
    utx.send(1).unwrap();
    urx.close();
    assert!(utx.send(2).is_err());
    assert!(urx.is_closed() && urx.len() == 1);
    assert_eq!(urx.recv().await, Some(1));
    assert_eq!(urx.recv().await, None);
}

/// sync_notify.rs and sync_notify_owned.rs: `notify_one_after_dropped_all`,
/// `test_notify_one_not_enabled`, `test_notify_one_after_enable`,
/// `test_enable_consumes_permit`, `notified_multi_notify_last_drop`,
/// `notify_multi_notified_last`.
#[tokio::test]
async fn notify_enable_permits_and_notify_last() {
    let notify = Arc::new(Notify::new());
    {
        // Futures created and dropped unpolled do not eat a notification.
        let _a = notify.notified();
        let _b = Arc::clone(&notify).notified_owned();
    }
    notify.notify_one();
    notify.notified().await; // the stored permit

    // An enabled future is first in line for `notify_one`.
    let mut first = std::pin::pin!(notify.notified());
    assert!(!first.as_mut().enable());
    notify.notify_one();
    first.await;

    // `enable` consumes a stored permit at once.
    notify.notify_one();
    let mut taken = std::pin::pin!(notify.notified());
    assert!(taken.as_mut().enable());

    // `notify_last` wakes the newest waiter.
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for i in 0..3 {
        let (n, order) = (Arc::clone(&notify), Arc::clone(&order));
        let mut fut = Box::pin(n.notified_owned());
        fut.as_mut().enable();
        tasks.push(tokio::spawn(async move {
            fut.await;
            order.lock().unwrap().push(i);
        }));
    }
    notify.notify_last();
    tasks.pop().unwrap().await.unwrap();
    assert_eq!(*order.lock().unwrap(), [2]);
    notify.notify_waiters();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(order.lock().unwrap().len(), 3);
}

/// sync_once_cell.rs: `set_while_initializing`, `get_or_try_init`,
/// `drop_cell`, `drop_into_inner`, `from`.
#[tokio::test(start_paused = true)]
async fn once_cell_set_while_initializing_and_drops() {
    // Per run, not a static: the sweep runs seeds on several threads.
    let drops = Arc::new(AtomicUsize::new(0));
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let cell = Arc::new(OnceCell::new());
    let init = {
        let cell = Arc::clone(&cell);
        tokio::spawn(async move {
            *cell
                .get_or_init(|| async {
                    sleep(Duration::from_millis(10)).await;
                    5
                })
                .await
        })
    };
    sleep(Duration::from_millis(5)).await;
    assert!(matches!(
        cell.set(6),
        Err(tokio::sync::SetError::InitializingError(6))
    ));
    assert_eq!(init.await.unwrap(), 5);
    assert!(matches!(
        cell.set(7),
        Err(tokio::sync::SetError::AlreadyInitializedError(7))
    ));
    let failed: OnceCell<u8> = OnceCell::new();
    assert_eq!(
        failed
            .get_or_try_init(|| async { Err::<u8, _>("no") })
            .await,
        Err("no")
    );
    assert_eq!(
        *failed
            .get_or_try_init(|| async { Ok::<_, ()>(3) })
            .await
            .unwrap(),
        3
    );

    drop(OnceCell::new_with(Some(Counted(Arc::clone(&drops)))));
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "dropping the cell drops the value"
    );
    let c = OnceCell::from(Counted(Arc::clone(&drops)));
    let inner = c.into_inner();
    assert_eq!(drops.load(Ordering::SeqCst), 1, "into_inner moves it out");
    drop(inner);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
}

/// sync_oneshot.rs: `close_rx`, `explicit_close_try_recv`,
/// `try_recv_after_completion`, `receiver_is_terminated_*`,
/// `receiver_is_empty_*`, `close_after_recv`.
#[tokio::test]
async fn oneshot_close_try_recv_terminated_and_empty() {
    let (tx, mut rx) = oneshot::channel::<u32>();
    assert!(rx.is_empty() && !rx.is_terminated());
    rx.close();
    assert!(tx.is_closed());
    assert_eq!(tx.send(1), Err(1));
    assert_eq!(rx.try_recv(), Err(oneshot::error::TryRecvError::Closed));

    let (tx, mut rx) = oneshot::channel::<u32>();
    tx.send(2).unwrap();
    assert!(!rx.is_empty());
    assert_eq!(rx.try_recv(), Ok(2));
    assert!(rx.is_terminated());
    assert_eq!(rx.try_recv(), Err(oneshot::error::TryRecvError::Closed));

    let (tx, mut rx) = oneshot::channel::<u32>();
    tx.send(3).unwrap();
    assert_eq!((&mut rx).await, Ok(3));
    assert!(rx.is_terminated());
    rx.close();

    let (tx, rx) = oneshot::channel::<u32>();
    drop(tx);
    assert!(rx.is_empty());
    assert!(rx.await.is_err());
}

/// sync_rwlock.rs: `zero_max_readers`, `zero_max_readers_const`.
#[test]
#[should_panic(expected = "0 readers")]
fn a_rwlock_of_zero_readers_panics() {
    let _ = RwLock::with_max_readers((), 0);
}

/// sync_rwlock.rs: `zero_max_readers_const`.
#[test]
#[should_panic(expected = "0 readers")]
fn a_const_rwlock_of_zero_readers_panics() {
    let _ = RwLock::const_with_max_readers((), 0);
}

/// sync_rwlock.rs: `write_order`, `exhaust_reading`,
/// `write_read_shared_drop_pending`.
#[tokio::test(start_paused = true)]
async fn rwlock_writes_in_arrival_order_and_max_readers_is_a_bound() {
    let lock = Arc::new(RwLock::with_max_readers(Vec::new(), 3));
    let readers: Vec<_> = (0..3).map(|_| lock.try_read().unwrap()).collect();
    assert!(lock.try_read().is_err(), "three readers exhaust it");
    let mut writers = Vec::new();
    for i in 0..3 {
        let lock = Arc::clone(&lock);
        writers.push(tokio::spawn(async move { lock.write().await.push(i) }));
        sleep(Duration::from_millis(1)).await;
    }
    drop(readers);
    for w in writers {
        w.await.unwrap();
    }
    assert_eq!(*lock.read().await, [0, 1, 2]);
}

/// sync_semaphore.rs: `add_permits_closed`, `forget_closed`,
/// `add_max_amount_permits`, `add_more_than_max_amount_permits1`.
#[tokio::test]
async fn semaphore_permits_after_close_and_the_max() {
    let sem = Semaphore::new(1);
    sem.close();
    sem.add_permits(2);
    assert_eq!(
        sem.available_permits(),
        3,
        "permits still count when closed"
    );
    assert_eq!(sem.forget_permits(2), 2);
    assert!(sem.acquire().await.is_err());

    let full = Semaphore::new(0);
    full.add_permits(Semaphore::MAX_PERMITS);
    assert_eq!(full.available_permits(), Semaphore::MAX_PERMITS);
}

/// sync_semaphore.rs: `add_more_than_max_amount_permits1`.
#[test]
#[should_panic]
fn adding_past_max_permits_panics() {
    let sem = Semaphore::new(1);
    sem.add_permits(Semaphore::MAX_PERMITS);
}

/// sync_semaphore.rs: `blocking_acquire_in_async_context`.
#[tokio::test]
#[should_panic(expected = "Cannot block the current thread")]
async fn blocking_acquire_panics_inside_a_runtime() {
    let sem = Semaphore::new(1);
    let _ = sem.blocking_acquire();
}

/// sync_watch.rs: `rx_mark_changed`, `rx_mark_unchanged`,
/// `changed_succeeds_on_closed_channel_with_unseen_value`,
/// `changed_errors_on_closed_channel_with_seen_value`,
/// `has_changed_errors_on_closed_channel_*`, `reopened_after_subscribe`,
/// `wait_for_errors_on_closed_channel_true_predicate`.
#[tokio::test]
async fn watch_marks_and_a_closed_channel() {
    let (tx, mut rx) = watch::channel(0u32);
    assert!(!rx.has_changed().unwrap());
    rx.mark_changed();
    assert!(rx.has_changed().unwrap());
    rx.mark_unchanged();
    assert!(!rx.has_changed().unwrap());
    tx.send_modify(|v| *v += 1);
    drop(tx);
    // Closed, with a value not seen yet: `changed` still succeeds once.
    assert!(rx.has_changed().is_err());
    assert!(rx.changed().await.is_ok());
    assert_eq!(*rx.borrow_and_update(), 1);
    assert!(rx.changed().await.is_err());
    assert!(rx.wait_for(|v| *v == 1).await.is_ok());
    assert!(rx.wait_for(|v| *v == 2).await.is_err());

    let (tx, rx) = watch::channel(0u32);
    drop(rx);
    assert!(tx.is_closed());
    let rx2 = tx.subscribe();
    assert!(!tx.is_closed(), "a new receiver reopens it");
    drop(rx2);
}

/// time_sleep.rs: `reset_past_sleep_before_fire`, `reset_sleep_to_past`,
/// `reset_after_firing`, `is_elapsed`, `greater_than_max`,
/// `short_sleeps`; time_timeout.rs: `deadline_now_elapses`,
/// `very_large_timeout`, `timeout_is_not_exhausted_by_future`.
#[tokio::test(start_paused = true)]
async fn sleep_resets_elapsed_and_huge_deadlines() {
    let start = Instant::now();
    let mut s = std::pin::pin!(sleep(Duration::from_millis(50)));
    s.as_mut().reset(start + Duration::from_millis(10));
    (&mut s).await;
    assert_eq!(start.elapsed(), Duration::from_millis(10));
    assert!(s.is_elapsed());
    s.as_mut().reset(start);
    (&mut s).await; // a past deadline completes at once
    assert_eq!(start.elapsed(), Duration::from_millis(10));
    s.as_mut().reset(Instant::now() + Duration::from_millis(5));
    assert!(!s.is_elapsed());
    (&mut s).await;
    assert_eq!(start.elapsed(), Duration::from_millis(15));

    for _ in 0..100 {
        sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(start.elapsed(), Duration::from_millis(115));

    // Far deadlines are accepted and never fire during the test.
    let far = timeout(Duration::from_secs(u64::MAX / 4), async { 1 }).await;
    assert_eq!(far, Ok(1));
    let never = timeout(Duration::from_millis(1), sleep(Duration::MAX)).await;
    assert!(never.is_err());
    assert!(
        timeout_at(Instant::now(), std::future::pending::<()>())
            .await
            .is_err()
    );
    assert!(
        timeout(Duration::ZERO, async {}).await.is_ok(),
        "a ready future wins at the deadline"
    );
}

/// time_pause.rs: `test_time_advance_sub_ms`,
/// `test_time_advance_3ms_and_change`, `exact_1ms_advance`,
/// `advance_once_with_timer`, `advance_multi_with_timer`,
/// `sleep_same_task`.
#[tokio::test(start_paused = true)]
async fn advance_moves_by_sub_millisecond_steps_and_fires_passed_timers() {
    let t0 = Instant::now();
    let timer = tokio::spawn(sleep_until(t0 + Duration::from_millis(1)));
    tokio::task::yield_now().await;
    advance(Duration::from_millis(1)).await;
    timer.await.unwrap();
    assert_eq!(t0.elapsed(), Duration::from_millis(1));

    let mut s = std::pin::pin!(sleep(Duration::from_millis(3)));
    for _ in 0..2 {
        advance(Duration::from_millis(1)).await;
        assert!(!s.is_elapsed());
    }
    advance(Duration::from_millis(1)).await;
    (&mut s).await;
    assert_eq!(t0.elapsed(), Duration::from_millis(4));

    // The clock itself moves by any amount (tokio's timers fire on whole
    // milliseconds, simloop's at the exact nanosecond: only the clock is
    // checked here).
    let start = Instant::now();
    advance(Duration::from_micros(100)).await;
    assert_eq!(start.elapsed(), Duration::from_micros(100));
    advance(Duration::from_micros(3_250)).await;
    assert_eq!(start.elapsed(), Duration::from_micros(3_350));
}

/// task_abort.rs: `test_join_error_display`, `test_join_error_debug`,
/// `test_abort_task_that_panics_on_drop_returned`.
#[tokio::test]
async fn join_errors_show_cancellation_and_panics() {
    let h = tokio::spawn(std::future::pending::<()>());
    h.abort();
    let err = h.await.unwrap_err();
    assert!(err.is_cancelled());
    assert!(err.to_string().contains("cancelled"), "{err}");
    assert!(format!("{err:?}").contains("Cancelled"), "{err:?}");

    let h = tokio::spawn(async { panic!("boom") });
    let err = h.await.unwrap_err();
    assert!(err.is_panic());
    assert!(err.to_string().contains("panicked"), "{err}");
    assert!(format!("{err:?}").contains("Panic"), "{err:?}");
    assert_eq!(*err.into_panic().downcast::<&str>().unwrap(), "boom");

    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("drop");
        }
    }
    let (started, is_started) = oneshot::channel();
    let h = tokio::spawn(async move {
        let _p = PanicOnDrop;
        started.send(()).unwrap();
        std::future::pending::<()>().await;
    });
    // Abort once the task holds the value (an unpolled task has none).
    is_started.await.unwrap();
    h.abort();
    let err = h.await.unwrap_err();
    assert!(
        err.is_panic(),
        "the destructor's panic is the task's outcome"
    );
}

/// task_join_set.rs: `extend`, `alternating`, `abort_tasks`,
/// `test_with_sleep`.
#[tokio::test(start_paused = true)]
async fn join_set_collects_extends_and_aborts() {
    let mut set: JoinSet<u32> = (0..3u32).map(|i| async move { i }).collect();
    set.extend((3..5u32).map(|i| async move { i }));
    assert_eq!(set.len(), 5);
    let mut outs = Vec::new();
    while let Some(r) = set.join_next().await {
        outs.push(r.unwrap());
    }
    outs.sort();
    assert_eq!(outs, [0, 1, 2, 3, 4]);

    let mut set = JoinSet::new();
    let mut handles = Vec::new();
    for i in 0..6u64 {
        handles.push(set.spawn(async move {
            sleep(Duration::from_millis(i)).await;
            i
        }));
    }
    for h in handles.iter().step_by(2) {
        h.abort();
    }
    let (mut done, mut cancelled) = (Vec::new(), 0);
    while let Some(r) = set.join_next().await {
        match r {
            Ok(i) => done.push(i),
            Err(e) if e.is_cancelled() => cancelled += 1,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(done, [1, 3, 5], "the survivors finish in sleep order");
    assert_eq!(cancelled, 3);
}

/// macros_join.rs: `a_different_future_is_polled_first_every_time_poll_fn_is_polled`,
/// `futures_are_polled_in_order_in_biased_mode`, `empty_join`;
/// macros_try_join.rs: `empty_try_join`, `err_abort_early`.
#[tokio::test]
async fn join_rotates_its_first_poll_and_biased_keeps_order() {
    let polls = Arc::new(std::sync::Mutex::new(Vec::new()));
    let branch = |i: usize| {
        let polls = Arc::clone(&polls);
        let mut left = 2;
        std::future::poll_fn(move |cx| {
            polls.lock().unwrap().push(i);
            if left == 0 {
                return std::task::Poll::Ready(());
            }
            left -= 1;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        })
    };
    tokio::join!(biased; branch(0), branch(1), branch(2));
    assert_eq!(*polls.lock().unwrap(), [0, 1, 2, 0, 1, 2, 0, 1, 2]);
    polls.lock().unwrap().clear();
    tokio::join!(branch(0), branch(1), branch(2));
    let seen = polls.lock().unwrap().clone();
    assert_eq!(seen.len(), 9);
    // Each round polls every branch once, and the first one changes.
    let firsts: Vec<_> = seen.chunks(3).map(|round| round[0]).collect();
    assert!(firsts.windows(2).all(|w| w[0] != w[1]), "{seen:?}");
    for round in seen.chunks(3) {
        let mut r = round.to_vec();
        r.sort();
        assert_eq!(r, [0, 1, 2]);
    }

    let () = tokio::join!();
    let ok: Result<(), ()> = tokio::try_join!();
    assert_eq!(ok, Ok(()));
    let never_polled = Arc::new(AtomicUsize::new(0));
    let n = Arc::clone(&never_polled);
    let r: Result<((), ()), &str> = tokio::try_join!(async { Err("early") }, async move {
        std::future::pending::<()>().await;
        n.fetch_add(1, Ordering::SeqCst);
        Ok(())
    });
    assert_eq!(r, Err("early"));
    assert_eq!(never_polled.load(Ordering::SeqCst), 0);
}

/// macros_select.rs: `no_branch_else_only`, `no_branch_else_only_biased`,
/// `nested`, `many_branches` (64 branches), `mut_ref_patterns`,
/// `biased_one_not_ready`, `move_uncompleted_futures`.
#[tokio::test]
async fn select_edge_cases() {
    let v = tokio::select! { else => 1 };
    assert_eq!(v, 1);
    let v = tokio::select! { biased; else => 2 };
    assert_eq!(v, 2);

    let nested = tokio::select! {
        v = async { tokio::select! { x = async { 3 } => x + 1 } } => v * 2,
    };
    assert_eq!(nested, 8);

    let mut pair = (1, 2);
    tokio::select! {
        (a, _) = async { &mut pair } => { *a += 10; }
    }
    assert_eq!(pair.0, 11);

    let m = Mutex::new(0);
    let r = tokio::select! {
        biased;
        _ = std::future::pending::<()>() => 0,
        g = m.lock() => *g + 1,
        _ = async {} => 2,
    };
    assert_eq!(r, 1);

    let mut a = Box::pin(async { 5 });
    let mut b = Box::pin(std::future::pending::<u32>());
    let first = tokio::select! { x = &mut a => x, y = &mut b => y };
    assert_eq!(first, 5);
    // `b` was not completed and may be polled again.
    assert!(timeout_zero(&mut b).await);

    let v = many_branches().await;
    assert_eq!(v, 63);
}

async fn timeout_zero<F: std::future::Future + Unpin>(f: &mut F) -> bool {
    tokio::select! { biased; _ = f => false, _ = async {} => true }
}

async fn many_branches() -> u32 {
    let p = std::future::pending::<u32>;
    tokio::select! {
        biased;
        x = p() => x, x = p() => x, x = p() => x, x = p() => x, x = p() => x, x = p() => x,
        x = p() => x, x = p() => x, x = p() => x, x = p() => x, x = p() => x, x = p() => x,
        x = p() => x, x = p() => x, x = p() => x, x = p() => x, x = p() => x, x = p() => x,
        x = p() => x, x = p() => x, x = p() => x, x = p() => x, x = p() => x, x = p() => x,
        x = p() => x, x = p() => x, x = p() => x, x = p() => x, x = p() => x, x = p() => x,
        x = p() => x, x = p() => x, x = p() => x, x = p() => x, x = p() => x, x = p() => x,
        x = p() => x, x = p() => x, x = p() => x, x = p() => x, x = p() => x, x = p() => x,
        x = p() => x, x = p() => x, x = p() => x, x = p() => x, x = p() => x, x = p() => x,
        x = p() => x, x = p() => x, x = p() => x, x = p() => x, x = p() => x, x = p() => x,
        x = p() => x, x = p() => x, x = p() => x, x = p() => x, x = p() => x, x = p() => x,
        x = p() => x, x = p() => x, x = p() => x,
        x = async { 63 } => x,
    }
}
