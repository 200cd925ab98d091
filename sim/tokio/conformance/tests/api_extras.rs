//! Smaller pieces of tokio's API: `task::coop`, `try_reserve_many`,
//! `blocking_recv_many`, `same_channel_as_sender`, the semaphore's
//! `blocking_acquire*`, `time::error::Error`'s kinds, the runtime
//! builder's thread settings and `JoinSet::spawn_blocking_on`. Plain tokio
//! code: it passes against real tokio 1.54 too.

use std::sync::Arc;
use std::task::Poll;

use tokio::sync::{Semaphore, mpsc};
use tokio::task::{JoinSet, coop};
use tokio::time::error::Error as TimerError;

#[tokio::test]
async fn coop_never_starves_a_task_here_and_wraps_futures_transparently() {
    assert_eq!(coop::cooperative(async { 3 }).await, 3);
    assert_eq!(coop::unconstrained(async { 4 }).await, 4);
    coop::consume_budget().await;
    // A fresh task has budget; `poll_proceed` lets a leaf future go on.
    assert!(coop::has_budget_remaining());
    let ready = std::future::poll_fn(|cx| match coop::poll_proceed(cx) {
        Poll::Ready(restore) => {
            restore.made_progress();
            Poll::Ready(true)
        }
        Poll::Pending => Poll::Pending,
    })
    .await;
    assert!(ready);
}

#[tokio::test]
async fn try_reserve_many_takes_all_or_nothing() {
    let (tx, mut rx) = mpsc::channel::<u32>(3);
    assert!(matches!(
        tx.try_reserve_many(4),
        Err(mpsc::error::TrySendError::Full(()))
    ));
    let permits = tx.try_reserve_many(2).unwrap();
    assert_eq!(tx.capacity(), 1);
    assert!(tx.try_reserve_many(2).is_err(), "only one slot left");
    for (i, p) in permits.enumerate() {
        p.send(i as u32);
    }
    assert_eq!(rx.recv().await, Some(0));
    assert_eq!(rx.recv().await, Some(1));
    drop(rx);
    assert!(matches!(
        tx.try_reserve_many(1),
        Err(mpsc::error::TrySendError::Closed(()))
    ));

    let (tx2, _rx2) = mpsc::channel::<u32>(1);
    let permit = tx.clone().reserve_owned().await;
    // The receiver is gone: reserving fails, so check on a live channel.
    assert!(permit.is_err());
    let permit = tx2.clone().reserve_owned().await.unwrap();
    assert!(permit.same_channel_as_sender(&tx2));
    assert!(!permit.same_channel_as_sender(&tx));
}

#[test]
fn blocking_receives_and_acquires_work_outside_a_runtime() {
    let (tx, mut rx) = mpsc::channel(4);
    for i in 0..3 {
        tx.try_send(i).unwrap();
    }
    let mut buf = Vec::new();
    assert_eq!(rx.blocking_recv_many(&mut buf, 2), 2);
    assert_eq!(buf, [0, 1]);
    assert_eq!(rx.blocking_recv_many(&mut buf, 5), 1);
    assert_eq!(buf, [0, 1, 2]);

    let (utx, mut urx) = mpsc::unbounded_channel();
    utx.send(9).unwrap();
    drop(utx);
    let mut buf = Vec::new();
    assert_eq!(urx.blocking_recv_many(&mut buf, 8), 1);
    assert_eq!(urx.blocking_recv_many(&mut buf, 8), 0, "closed and empty");

    let sem = Arc::new(Semaphore::new(3));
    let one = sem.blocking_acquire().unwrap();
    let two = sem.blocking_acquire_many(2).unwrap();
    assert_eq!(sem.available_permits(), 0);
    drop((one, two));
    let owned = Arc::clone(&sem).blocking_acquire_owned().unwrap();
    let many = Arc::clone(&sem).blocking_acquire_many_owned(2).unwrap();
    assert_eq!(owned.num_permits() + many.num_permits(), 3);
    drop((owned, many));
    sem.close();
    assert!(sem.blocking_acquire().is_err());
}

#[test]
fn timer_errors_have_tokios_kinds() {
    let kinds = [
        TimerError::shutdown(),
        TimerError::at_capacity(),
        TimerError::invalid(),
    ];
    let flags: Vec<_> = kinds
        .iter()
        .map(|e| (e.is_shutdown(), e.is_at_capacity(), e.is_invalid()))
        .collect();
    assert_eq!(
        flags,
        [
            (true, false, false),
            (false, true, false),
            (false, false, true)
        ]
    );
    assert!(kinds[1].to_string().contains("capacity"));
}

#[test]
fn the_builder_accepts_tokios_thread_settings() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .name("ledger")
        .on_thread_park(|| {})
        .on_thread_unpark(|| {})
        .enable_all()
        .build()
        .unwrap();
    let out = rt.block_on(async {
        let mut set = JoinSet::new();
        set.spawn_blocking_on(|| 6 * 7, &tokio::runtime::Handle::current());
        set.join_next().await.unwrap().unwrap()
    });
    assert_eq!(out, 42);
}
