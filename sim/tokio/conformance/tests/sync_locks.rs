//! `Mutex`, `RwLock`, `Semaphore` under the facade: fairness, cancel
//! safety, owned guards, mapping (the behaviours of tokio's
//! `sync_mutex.rs`, `sync_mutex_owned.rs`, `sync_rwlock.rs`,
//! `sync_semaphore.rs` and `sync_semaphore_owned.rs`).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, MutexGuard, OwnedMutexGuard, RwLock, RwLockWriteGuard, Semaphore};
use tokio::sync::{TryAcquireError, mpsc};
use tokio::time::{sleep, timeout};

fn assert_send_sync<T: Send + Sync>() {}
fn assert_send<T: Send>() {}

#[test]
fn lock_types_are_send_and_sync_as_in_tokio() {
    assert_send_sync::<Mutex<u8>>();
    assert_send_sync::<MutexGuard<'static, u8>>();
    assert_send::<OwnedMutexGuard<u8>>();
    assert_send_sync::<RwLock<u8>>();
    assert_send_sync::<RwLockWriteGuard<'static, u8>>();
    assert_send_sync::<Semaphore>();
    assert_send_sync::<tokio::sync::OwnedSemaphorePermit>();
}

#[tokio::test]
async fn the_mutex_is_fair_first_come_first_served() {
    let m = Arc::new(Mutex::new(Vec::new()));
    let guard = m.lock().await;
    let mut tasks = Vec::new();
    for i in 0..5 {
        let m = Arc::clone(&m);
        tasks.push(tokio::spawn(async move { m.lock().await.push(i) }));
        // Each task queues before the next is spawned.
        sleep(Duration::from_millis(1)).await;
    }
    drop(guard);
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(*m.lock().await, [0, 1, 2, 3, 4]);
}

#[tokio::test]
async fn try_lock_fails_while_held_and_a_guard_can_cross_awaits() {
    let m = Mutex::new(1);
    {
        let mut g = m.lock().await;
        assert!(m.try_lock().is_err());
        sleep(Duration::from_secs(1)).await;
        *g += 1;
    }
    assert_eq!(*m.try_lock().unwrap(), 2);
    assert_eq!(format!("{m:?}"), "Mutex { data: 2 }");
}

#[tokio::test]
async fn a_cancelled_lock_passes_the_lock_on() {
    let m = Arc::new(Mutex::new(0));
    let g = m.lock().await;
    let waiting = {
        let m = Arc::clone(&m);
        timeout(Duration::from_secs(1), async move { *m.lock().await += 1 })
    };
    assert!(waiting.await.is_err());
    drop(g);
    *m.lock().await += 10;
    assert_eq!(*m.lock().await, 10);
}

#[tokio::test]
async fn owned_and_mapped_guards() {
    let m = Arc::new(Mutex::new((1, 2)));
    let owned = Arc::clone(&m).lock_owned().await;
    assert!(Arc::ptr_eq(OwnedMutexGuard::mutex(&owned), &m));
    let t = tokio::spawn(async move {
        let mut owned = owned;
        owned.0 = 5;
    });
    t.await.unwrap();
    let mut second = MutexGuard::map(m.lock().await, |pair| &mut pair.1);
    *second = 7;
    drop(second);
    assert_eq!(*m.lock().await, (5, 7));
    let m = Arc::try_unwrap(m).unwrap();
    assert_eq!(m.into_inner(), (5, 7));
}

#[tokio::test]
async fn rwlock_readers_share_and_a_waiting_writer_holds_back_later_readers() {
    let lock = Arc::new(RwLock::new(0));
    let r1 = lock.read().await;
    let r2 = lock.read().await;
    assert!(lock.try_write().is_err());
    let writer = {
        let lock = Arc::clone(&lock);
        tokio::spawn(async move { *lock.write().await += 1 })
    };
    sleep(Duration::from_millis(1)).await;
    // A writer waits: a new reader queues behind it (fairness).
    assert!(lock.try_read().is_err());
    drop((r1, r2));
    writer.await.unwrap();
    assert_eq!(*lock.read().await, 1);
}

#[tokio::test]
async fn rwlock_downgrade_and_owned_guards() {
    let lock = Arc::new(RwLock::new(String::from("a")));
    let mut w = lock.write().await;
    w.push('b');
    let r = w.downgrade();
    assert_eq!(*r, "ab");
    assert!(lock.try_read().is_ok(), "other readers may enter");
    assert!(lock.try_write().is_err());
    drop(r);
    let mut ow = Arc::clone(&lock).write_owned().await;
    ow.push('c');
    let or = ow.downgrade();
    assert_eq!(*or, "abc");
    drop(or);
    let limited = RwLock::with_max_readers(0, 2);
    let _a = limited.read().await;
    let _b = limited.read().await;
    assert!(limited.try_read().is_err());
}

#[tokio::test]
async fn semaphore_acquire_many_is_fair_and_forget_removes_permits() {
    let sem = Arc::new(Semaphore::new(3));
    let big = sem.acquire_many(3).await.unwrap();
    assert_eq!(big.num_permits(), 3);
    // A waiter for 2 queues first; a later waiter for 1 must not overtake.
    let (tx, mut rx) = mpsc::unbounded_channel();
    for (name, n) in [("two", 2u32), ("one", 1)] {
        let sem = Arc::clone(&sem);
        let tx = tx.clone();
        tokio::spawn(async move {
            let _p = sem.acquire_many(n).await.unwrap();
            tx.send(name).unwrap();
            sleep(Duration::from_secs(1)).await;
        });
        sleep(Duration::from_millis(1)).await;
    }
    let mut big = big;
    // One permit back: it goes to "two" (which needs one more), not to
    // "one", which queued later.
    drop(big.split(1).unwrap());
    sleep(Duration::from_millis(1)).await;
    assert_eq!(sem.available_permits(), 0);
    assert!(rx.try_recv().is_err());
    drop(big.split(1).unwrap());
    assert_eq!(rx.recv().await, Some("two"));
    drop(big);
    assert_eq!(rx.recv().await, Some("one"));
    sleep(Duration::from_secs(2)).await;
    let p = sem.acquire().await.unwrap();
    p.forget();
    assert_eq!(sem.available_permits(), 2);
    assert_eq!(sem.forget_permits(5), 2);
    sem.add_permits(1);
    assert_eq!(sem.available_permits(), 1);
}

#[tokio::test]
async fn closing_a_semaphore_fails_waiters_and_later_acquires() {
    let sem = Arc::new(Semaphore::new(0));
    let waiter = {
        let sem = Arc::clone(&sem);
        tokio::spawn(async move { sem.acquire().await.map(|_| ()) })
    };
    sleep(Duration::from_millis(1)).await;
    sem.close();
    assert!(sem.is_closed());
    assert!(waiter.await.unwrap().is_err());
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
    assert!(Arc::clone(&sem).acquire_owned().await.is_err());
}

#[tokio::test]
async fn a_served_waiter_cancelled_before_it_runs_passes_its_permits_on() {
    let sem = Arc::new(Semaphore::new(0));
    let first = {
        let sem = Arc::clone(&sem);
        tokio::spawn(async move {
            let _p = sem.acquire_many(2).await.unwrap();
        })
    };
    sleep(Duration::from_millis(1)).await;
    let second = {
        let sem = Arc::clone(&sem);
        tokio::spawn(async move { sem.acquire_many(2).await.unwrap().forget() })
    };
    sleep(Duration::from_millis(1)).await;
    sem.add_permits(2);
    // `first` holds both permits now but has not run since: cancelling it
    // hands them to `second`.
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());
    second.await.unwrap();
    assert_eq!(sem.available_permits(), 0);
}

#[tokio::test]
async fn permits_split_and_merge() {
    let sem = Arc::new(Semaphore::new(4));
    let mut p = Arc::clone(&sem).acquire_many_owned(4).await.unwrap();
    let q = p.split(1).unwrap();
    assert_eq!((p.num_permits(), q.num_permits()), (3, 1));
    assert!(p.split(5).is_none());
    p.merge(q);
    assert_eq!(p.num_permits(), 4);
    drop(p);
    assert_eq!(sem.available_permits(), 4);
    assert_eq!(
        sem.try_acquire_many(5).unwrap_err(),
        TryAcquireError::NoPermits
    );
}

#[test]
fn a_lock_deadlock_is_reported_with_its_wait_reason() {
    let err = simloop::Sim::new(1)
        .run(async {
            let m = Arc::new(Mutex::new(()));
            let _held = m.lock().await;
            let m2 = Arc::clone(&m);
            tokio::spawn(async move { drop(m2.lock().await) })
                .await
                .unwrap();
        })
        .unwrap_err();
    assert!(err.to_string().contains("waits on Mutex::lock"), "{err}");
}
