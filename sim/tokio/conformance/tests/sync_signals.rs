//! `oneshot`, `Notify`, `watch`, `broadcast`, `Barrier`, `OnceCell` and
//! `SetOnce` under the facade (the behaviours of tokio's `sync_oneshot.rs`,
//! `sync_notify.rs`, `sync_watch.rs`, `sync_broadcast.rs`,
//! `sync_barrier.rs`, `sync_once_cell.rs` and `sync_set_once.rs`).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::oneshot::{self, error::TryRecvError};
use tokio::sync::{Barrier, Notify, OnceCell, SetOnce, watch};
use tokio::time::{Instant, sleep, timeout};

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn types_are_send_and_sync_as_in_tokio() {
    assert_send_sync::<oneshot::Sender<u8>>();
    assert_send_sync::<oneshot::Receiver<u8>>();
    assert_send_sync::<Notify>();
    assert_send_sync::<watch::Sender<u8>>();
    assert_send_sync::<watch::Receiver<u8>>();
    assert_send_sync::<broadcast::Sender<u8>>();
    assert_send_sync::<broadcast::Receiver<u8>>();
    assert_send_sync::<Barrier>();
    assert_send_sync::<OnceCell<u8>>();
    assert_send_sync::<SetOnce<u8>>();
}

#[tokio::test]
async fn oneshot_delivers_once_and_reports_a_dropped_sender() {
    let (tx, mut rx) = oneshot::channel();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    tokio::spawn(async move {
        sleep(Duration::from_secs(1)).await;
        tx.send(3).unwrap();
    });
    assert_eq!((&mut rx).await, Ok(3));
    let (tx, rx) = oneshot::channel::<u8>();
    drop(tx);
    assert!(rx.await.is_err());
    let (tx, rx) = oneshot::channel();
    drop(rx);
    assert!(tx.is_closed());
    assert_eq!(tx.send(4), Err(4));
    let (mut tx, mut rx) = oneshot::channel::<u8>();
    rx.close();
    tx.closed().await;
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[tokio::test]
async fn notify_one_stores_a_permit_and_notify_waiters_does_not() {
    let n = Notify::new();
    n.notify_one();
    n.notified().await; // the stored permit
    n.notify_waiters();
    assert!(
        timeout(Duration::from_secs(1), n.notified()).await.is_err(),
        "notify_waiters stores nothing"
    );
}

#[tokio::test]
async fn notify_waiters_wakes_futures_created_before_the_call() {
    let n = Notify::new();
    let a = n.notified();
    let b = n.notified();
    n.notify_waiters();
    a.await;
    b.await;
}

#[tokio::test]
async fn notify_one_wakes_the_oldest_waiter_and_a_dropped_one_passes_it_on() {
    let n = Arc::new(Notify::new());
    let order = Arc::new(parking_lot_free::Log::default());
    let mut tasks = Vec::new();
    for i in 0..3 {
        let (n, order) = (Arc::clone(&n), Arc::clone(&order));
        tasks.push(tokio::spawn(async move {
            n.notified().await;
            order.push(i);
        }));
        sleep(Duration::from_millis(1)).await;
    }
    // Waiter 0 is aborted while it holds a wake-up: it passes to waiter 1.
    n.notify_one();
    tasks[0].abort();
    sleep(Duration::from_millis(1)).await;
    n.notify_one();
    sleep(Duration::from_millis(1)).await;
    assert_eq!(order.take(), [1, 2]);
    let mut fut = std::pin::pin!(n.notified());
    assert!(!fut.as_mut().enable());
    n.notify_one();
    fut.await;
}

/// A tiny log shared between tasks (no `Mutex` needed in one thread, but
/// the tasks are `Send`).
mod parking_lot_free {
    #[derive(Default)]
    pub struct Log(std::sync::Mutex<Vec<u32>>);
    impl Log {
        pub fn push(&self, v: u32) {
            self.0.lock().unwrap().push(v);
        }
        pub fn take(&self) -> Vec<u32> {
            std::mem::take(&mut self.0.lock().unwrap())
        }
    }
}

#[tokio::test]
async fn watch_receivers_see_the_latest_value_and_changes() {
    let (tx, mut rx) = watch::channel("a");
    assert!(!rx.has_changed().unwrap());
    tx.send("b").unwrap();
    tx.send("c").unwrap();
    assert!(rx.has_changed().unwrap());
    rx.changed().await.unwrap();
    assert_eq!(*rx.borrow_and_update(), "c");
    assert!(!rx.has_changed().unwrap());
    let mut rx2 = tx.subscribe();
    let waiter = tokio::spawn(async move {
        rx2.changed().await.unwrap();
        *rx2.borrow()
    });
    sleep(Duration::from_secs(1)).await;
    tx.send_modify(|v| *v = "d");
    assert_eq!(waiter.await.unwrap(), "d");
    assert!(!tx.send_if_modified(|_| false));
    drop(tx);
    assert!(rx.changed().await.is_ok(), "an unseen value comes first");
    assert!(rx.changed().await.is_err());
}

#[tokio::test]
async fn watch_wait_for_and_closed() {
    let (tx, mut rx) = watch::channel(0u32);
    let setter = tokio::spawn(async move {
        for i in 1..=5 {
            sleep(Duration::from_secs(1)).await;
            if tx.send(i).is_err() {
                // The receiver is gone (after it saw 3).
                assert!(i > 3);
                break;
            }
        }
        tx.closed().await;
    });
    let start = Instant::now();
    assert_eq!(*rx.wait_for(|v| *v >= 3).await.unwrap(), 3);
    assert_eq!(start.elapsed(), Duration::from_secs(3));
    drop(rx);
    setter.await.unwrap();
    let tx = watch::Sender::new(1);
    assert!(tx.send(2).is_err(), "no receiver");
    assert_eq!(tx.send_replace(3), 1);
    assert_eq!(*tx.subscribe().borrow(), 3);
}

#[tokio::test]
async fn broadcast_every_receiver_sees_every_value() {
    let (tx, mut a) = broadcast::channel(8);
    let mut b = tx.subscribe();
    assert_eq!(tx.send(1).unwrap(), 2);
    tx.send(2).unwrap();
    assert_eq!((a.recv().await, a.recv().await), (Ok(1), Ok(2)));
    assert_eq!((b.recv().await, b.recv().await), (Ok(1), Ok(2)));
    drop(tx);
    assert_eq!(a.recv().await, Err(RecvError::Closed));
}

#[tokio::test]
async fn a_slow_broadcast_receiver_lags() {
    // Capacity 3 rounds up to 4, as in tokio.
    let (tx, mut rx) = broadcast::channel(3);
    for i in 0..6 {
        tx.send(i).unwrap();
    }
    assert_eq!(rx.recv().await, Err(RecvError::Lagged(2)));
    assert_eq!(rx.recv().await, Ok(2));
    assert_eq!(rx.len(), 3);
    let mut late = rx.resubscribe();
    tx.send(9).unwrap();
    assert_eq!(late.recv().await, Ok(9));
    drop(rx);
    drop(late);
    assert!(tx.send(10).is_err());
}

#[tokio::test]
async fn a_barrier_releases_all_at_once_with_one_leader() {
    let barrier = Arc::new(Barrier::new(3));
    let mut tasks = Vec::new();
    for i in 0..3u64 {
        let b = Arc::clone(&barrier);
        tasks.push(tokio::spawn(async move {
            sleep(Duration::from_secs(i)).await;
            let leader = b.wait().await.is_leader();
            (leader, Instant::now())
        }));
    }
    let mut leaders = 0;
    let mut times = Vec::new();
    for t in tasks {
        let (leader, at) = t.await.unwrap();
        leaders += u32::from(leader);
        times.push(at);
    }
    assert_eq!(leaders, 1);
    assert!(times.windows(2).all(|w| w[0] == w[1]), "{times:?}");
}

#[tokio::test]
async fn once_cell_runs_one_initializer_and_retries_after_a_failure() {
    let cell = Arc::new(OnceCell::new());
    let failed: Result<&u32, &str> = cell.get_or_try_init(|| async { Err("down") }).await;
    assert_eq!(failed, Err("down"));
    assert!(!cell.initialized());
    let mut tasks = Vec::new();
    for i in 0..3u32 {
        let c = Arc::clone(&cell);
        tasks.push(tokio::spawn(async move {
            *c.get_or_init(|| async move {
                sleep(Duration::from_secs(1)).await;
                i
            })
            .await
        }));
    }
    let mut values = Vec::new();
    for t in tasks {
        values.push(t.await.unwrap());
    }
    assert!(values.windows(2).all(|w| w[0] == w[1]), "{values:?}");
    assert!(cell.set(7).unwrap_err().is_already_init_err());
}

#[tokio::test]
async fn set_once_wakes_waiters() {
    let s = Arc::new(SetOnce::new());
    let waiter = {
        let s = Arc::clone(&s);
        tokio::spawn(async move { *s.wait().await })
    };
    sleep(Duration::from_secs(1)).await;
    assert!(!s.initialized());
    s.set(4).unwrap();
    assert_eq!(waiter.await.unwrap(), 4);
    assert_eq!(s.set(5).unwrap_err().0, 5);
    assert_eq!(s.get(), Some(&4));
}
