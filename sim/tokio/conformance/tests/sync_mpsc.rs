//! `tokio::sync::mpsc` under the facade (the behaviours of tokio's
//! `sync_mpsc.rs` and `sync_mpsc_weak.rs`).

use std::time::Duration;

use tokio::sync::mpsc::{self, error::TryRecvError, error::TrySendError};
use tokio::time::{Instant, sleep};

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn channel_types_are_send_and_sync() {
    assert_send_sync::<mpsc::Sender<u8>>();
    assert_send_sync::<mpsc::Receiver<u8>>();
    assert_send_sync::<mpsc::UnboundedSender<u8>>();
    assert_send_sync::<mpsc::WeakSender<u8>>();
    assert_send_sync::<mpsc::error::SendError<u8>>();
    assert_send_sync::<mpsc::error::TrySendError<u8>>();
    assert_send_sync::<mpsc::OwnedPermit<u8>>();
}

#[tokio::test]
async fn messages_arrive_in_order_and_recv_ends_when_senders_are_gone() {
    let (tx, mut rx) = mpsc::channel(4);
    tokio::spawn(async move {
        for i in 0..10 {
            tx.send(i).await.unwrap();
        }
    });
    let mut got = Vec::new();
    while let Some(v) = rx.recv().await {
        got.push(v);
    }
    assert_eq!(got, (0..10).collect::<Vec<_>>());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[tokio::test]
async fn a_full_channel_makes_senders_wait_in_order() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.send(0).await.unwrap();
    assert!(matches!(tx.try_send(9), Err(TrySendError::Full(9))));
    assert_eq!(tx.capacity(), 0);
    assert_eq!(tx.max_capacity(), 1);
    // Two blocked senders, the first queued first.
    let (a, b) = (tx.clone(), tx.clone());
    let first = tokio::spawn(async move { a.send(1).await.unwrap() });
    sleep(Duration::from_millis(1)).await;
    let second = tokio::spawn(async move { b.send(2).await.unwrap() });
    sleep(Duration::from_millis(1)).await;
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(rx.recv().await.unwrap());
    }
    assert_eq!(got, [0, 1, 2]);
    first.await.unwrap();
    second.await.unwrap();
}

#[tokio::test]
async fn a_dropped_receiver_fails_sends_with_the_value() {
    let (tx, rx) = mpsc::channel::<String>(2);
    drop(rx);
    assert!(tx.is_closed());
    let err = tx.send("lost".into()).await.unwrap_err();
    assert_eq!(err.0, "lost");
    assert_eq!(err.to_string(), "channel closed");
    assert!(matches!(
        tx.try_send("x".into()),
        Err(TrySendError::Closed(_))
    ));
    tx.closed().await;
}

#[tokio::test]
async fn close_lets_the_receiver_drain_what_is_queued() {
    let (tx, mut rx) = mpsc::channel(3);
    tx.send(1).await.unwrap();
    tx.send(2).await.unwrap();
    rx.close();
    assert!(tx.send(3).await.is_err());
    assert_eq!(rx.recv().await, Some(1));
    assert_eq!(rx.recv().await, Some(2));
    assert_eq!(rx.recv().await, None);
}

#[tokio::test]
async fn blocked_senders_fail_when_the_receiver_closes() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.send(0).await.unwrap();
    let blocked = tokio::spawn(async move { tx.send(1).await.map_err(|e| e.0) });
    sleep(Duration::from_secs(1)).await;
    rx.close();
    assert_eq!(blocked.await.unwrap(), Err(1));
}

#[tokio::test]
async fn reserve_and_permits() {
    let (tx, mut rx) = mpsc::channel(2);
    let p = tx.reserve().await.unwrap();
    assert_eq!(tx.capacity(), 1);
    drop(p);
    assert_eq!(tx.capacity(), 2);
    tx.reserve().await.unwrap().send(5);
    let owned = tx.clone().reserve_owned().await.unwrap();
    let back = owned.send(6);
    assert!(back.same_channel(&tx));
    assert!(matches!(tx.try_reserve(), Err(TrySendError::Full(()))));
    assert_eq!(rx.recv().await, Some(5));
    assert_eq!(rx.recv().await, Some(6));
    let permits = tx.reserve_many(2).await.unwrap();
    assert_eq!(permits.len(), 2);
    for (i, p) in permits.enumerate() {
        p.send(10 + i);
    }
    let mut buf = Vec::new();
    assert_eq!(rx.recv_many(&mut buf, 10).await, 2);
    assert_eq!(buf, [10, 11]);
    assert!(tx.reserve_many(3).await.is_err(), "more than the capacity");
}

#[tokio::test]
async fn a_dropped_send_gives_its_place_to_the_next_sender() {
    let (tx, mut rx) = mpsc::channel(1);
    tx.send(0).await.unwrap();
    let t1 = tx.clone();
    let cancelled = tokio::spawn(async move { t1.send(1).await });
    sleep(Duration::from_millis(1)).await;
    let t2 = tx.clone();
    let waiting = tokio::spawn(async move { t2.send(2).await });
    sleep(Duration::from_millis(1)).await;
    cancelled.abort();
    assert!(cancelled.await.unwrap_err().is_cancelled());
    assert_eq!(rx.recv().await, Some(0));
    assert_eq!(rx.recv().await, Some(2));
    waiting.await.unwrap().unwrap();
}

#[tokio::test]
async fn send_timeout_times_out_on_a_full_channel() {
    let (tx, _rx) = mpsc::channel(1);
    tx.send(1).await.unwrap();
    let start = Instant::now();
    let err = tx
        .send_timeout(2, Duration::from_secs(3))
        .await
        .unwrap_err();
    assert!(matches!(err, mpsc::error::SendTimeoutError::Timeout(2)));
    assert_eq!(start.elapsed(), Duration::from_secs(3));
}

#[tokio::test]
async fn weak_senders_do_not_keep_the_channel_open() {
    let (tx, mut rx) = mpsc::channel::<u8>(1);
    let weak = tx.downgrade();
    assert_eq!((tx.strong_count(), tx.weak_count()), (1, 1));
    let strong = weak.upgrade().unwrap();
    strong.send(1).await.unwrap();
    drop(strong);
    drop(tx);
    assert!(weak.upgrade().is_none());
    assert_eq!(rx.recv().await, Some(1));
    assert_eq!(rx.recv().await, None);
}

#[tokio::test]
async fn unbounded_channels_never_wait() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    for i in 0..1000 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.len(), 1000);
    let mut buf = Vec::new();
    assert_eq!(rx.recv_many(&mut buf, 600).await, 600);
    assert_eq!(rx.recv_many(&mut buf, 600).await, 400);
    assert_eq!(buf.len(), 1000);
    drop(rx);
    assert_eq!(tx.send(1).unwrap_err().0, 1);
}

#[test]
#[should_panic(expected = "mpsc bounded channel requires buffer > 0")]
fn a_zero_buffer_panics() {
    let _ = mpsc::channel::<()>(0);
}

#[test]
fn a_deadlock_report_names_the_receive() {
    let err = simloop::Sim::new(3)
        .run(async {
            let (_tx, mut rx) = mpsc::channel::<u8>(1);
            tokio::task::Builder::new()
                .name("worker")
                .spawn(async move { rx.recv().await })
                .unwrap()
                .await
                .unwrap()
        })
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(r#""worker" waits on mpsc::Receiver::recv"#),
        "{text}"
    );
}
