//! The lock API beyond the basics: `const_new` statics, unsized data,
//! owned and mapped guards, `downgrade_map` (tokio's `sync_mutex.rs`,
//! `sync_mutex_owned.rs`, `sync_rwlock.rs` and the guards' doc examples).
//!
//! The file is plain tokio code: it compiles and passes against real tokio
//! 1.54 as well, which checks that the signatures are tokio's.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{
    MappedMutexGuard, Mutex, MutexGuard, Notify, OnceCell, OwnedMappedMutexGuard, OwnedMutexGuard,
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard, Semaphore, SetOnce,
};
use tokio::time::{Instant, sleep};

static COUNTER: Mutex<u64> = Mutex::const_new(0);
static TABLE: RwLock<Vec<u32>> = RwLock::const_new(Vec::new());
static NARROW: RwLock<u8> = RwLock::const_with_max_readers(0, 2);
static GATE: Semaphore = Semaphore::const_new(1);
static BELL: Notify = Notify::const_new();
static CONFIG: OnceCell<u32> = OnceCell::const_new();
static PRESET: OnceCell<u32> = OnceCell::const_new_with(7);
static READY: SetOnce<u32> = SetOnce::const_new();
static DONE: SetOnce<u32> = SetOnce::const_new_with(3);

fn assert_send<T: Send + ?Sized>() {}
fn assert_sync<T: Sync + ?Sized>() {}

#[test]
fn guards_are_send_and_sync_under_tokios_bounds() {
    assert_send::<MutexGuard<'static, u8>>();
    assert_sync::<MutexGuard<'static, u8>>();
    assert_send::<MappedMutexGuard<'static, u8>>();
    assert_sync::<MappedMutexGuard<'static, u8>>();
    assert_send::<OwnedMutexGuard<u8>>();
    assert_sync::<OwnedMutexGuard<u8>>();
    assert_send::<OwnedMappedMutexGuard<Vec<u8>, u8>>();
    assert_sync::<OwnedMappedMutexGuard<Vec<u8>, u8>>();
    assert_send::<RwLockReadGuard<'static, u8>>();
    assert_sync::<RwLockReadGuard<'static, u8>>();
    assert_send::<RwLockMappedWriteGuard<'static, u8>>();
    assert_send::<OwnedRwLockReadGuard<Vec<u8>, u8>>();
    assert_send::<OwnedRwLockWriteGuard<u8>>();
    assert_send::<OwnedRwLockMappedWriteGuard<Vec<u8>, u8>>();
    // A `Mutex` only needs its data to be `Send` to be shared, as tokio's.
    assert_sync::<Mutex<std::cell::Cell<u8>>>();
    assert_send::<MutexGuard<'static, std::cell::Cell<u8>>>();
    assert_send::<Mutex<dyn Debug + Send>>();
}

/// Statics outlive a simulation, and the seeds of a `#[tokio::test]`
/// sweep run on parallel threads: a static lock shared by them would make
/// the seeds interfere. So this test runs its simulations one after the
/// other, on one thread, through `Runtime::block_on` (each call a fresh
/// simulation, seeded by `SIMLOOP_SEED`).
#[test]
fn statics_built_with_const_new_work_in_every_run() {
    for _ in 0..3 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(use_the_statics());
    }
}

async fn use_the_statics() {
    let before = *COUNTER.lock().await;
    let tasks: Vec<_> = (0..4)
        .map(|_| tokio::spawn(async { *COUNTER.lock().await += 1 }))
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(*COUNTER.lock().await, before + 4);

    TABLE.write().await.push(1);
    assert!(!TABLE.read().await.is_empty());

    let a = NARROW.read().await;
    let b = NARROW.read().await;
    assert!(NARROW.try_read().is_err(), "at most two readers");
    drop((a, b));

    let permit = GATE.acquire().await.unwrap();
    assert!(GATE.try_acquire().is_err());
    drop(permit);

    // Whether the waiter waits already or not, one `notify_one` reaches it
    // (woken, or through the stored permit).
    let waiter = tokio::spawn(async { BELL.notified().await });
    BELL.notify_one();
    waiter.await.unwrap();
    BELL.notify_one();
    BELL.notified().await;

    assert_eq!(*CONFIG.get_or_init(|| async { 5 }).await, 5);
    assert_eq!(PRESET.get(), Some(&7));
    assert!(PRESET.set(8).is_err());
    let _ = READY.set(1);
    assert_eq!(*READY.wait().await, 1);
    assert_eq!(DONE.get(), Some(&3));
}

#[tokio::test(start_paused = true)]
async fn a_mutex_may_hold_unsized_data() {
    let bytes: Arc<Mutex<[u8]>> = Arc::new(Mutex::new([1, 2, 3]));
    let writer = {
        let bytes = Arc::clone(&bytes);
        tokio::spawn(async move {
            let mut g = bytes.lock().await;
            sleep(Duration::from_millis(5)).await;
            g[1] = 20;
        })
    };
    tokio::task::yield_now().await;
    let started = Instant::now();
    bytes.lock().await[2] = 30;
    writer.await.unwrap();
    assert_eq!(&*bytes.lock().await, &[1, 20, 30]);
    // Whichever order the seed picked, the owned guard works on `[u8]`.
    let owned: OwnedMutexGuard<[u8]> = Arc::clone(&bytes).lock_owned().await;
    assert_eq!(owned.len(), 3);
    drop(owned);
    assert!(started.elapsed() <= Duration::from_millis(5));

    let shown: Box<Mutex<dyn Debug + Send>> = Box::new(Mutex::new(42u8));
    assert_eq!(format!("{:?}", &*shown.lock().await), "42");

    let table: Arc<RwLock<[u32]>> = Arc::new(RwLock::new([0; 4]));
    table.write().await[3] = 9;
    let r1 = table.read().await;
    let r2 = Arc::clone(&table).read_owned().await;
    assert_eq!(r1[3] + r2[3], 18);
}

#[tokio::test]
async fn owned_mapped_mutex_guards_hold_the_lock_until_dropped() {
    let m = Arc::new(Mutex::new((1u32, String::from("x"))));
    let guard = Arc::clone(&m).lock_owned().await;
    let mut name: OwnedMappedMutexGuard<(u32, String), String> =
        OwnedMutexGuard::map(guard, |pair| &mut pair.1);
    name.push('y');
    // The mapped guard still holds the lock: a waiter queues behind it.
    let waiter = {
        let m = Arc::clone(&m);
        tokio::spawn(async move { m.lock().await.0 })
    };
    sleep(Duration::from_secs(1)).await;
    assert!(!waiter.is_finished());
    assert!(m.try_lock().is_err());
    // Moved into a task, mapped again, then dropped: the waiter gets it.
    let len = tokio::spawn(async move {
        let len = OwnedMappedMutexGuard::map(name, |s| s).len();
        sleep(Duration::from_secs(1)).await;
        len
    });
    assert_eq!(len.await.unwrap(), 2);
    assert_eq!(waiter.await.unwrap(), 1);

    let guard = Arc::clone(&m).lock_owned().await;
    let back = OwnedMutexGuard::try_map(guard, |_| None::<&mut u8>).unwrap_err();
    let first = OwnedMutexGuard::try_map(back, |pair| Some(&mut pair.0)).unwrap();
    let again = OwnedMappedMutexGuard::try_map(first, |_| None::<&mut u8>).unwrap_err();
    assert_eq!(*again, 1);
    drop(again);
    assert_eq!(m.lock().await.1, "xy");
}

#[tokio::test]
async fn borrowed_mapped_guards_map_and_try_map() {
    let m = Mutex::new([1u8, 2, 3]);
    let g = m.lock().await;
    let g = MutexGuard::try_map(g, |a| a.get_mut(9)).unwrap_err();
    assert!(std::ptr::eq(MutexGuard::mutex(&g), &m));
    let mut last = MutexGuard::map(g, |a| &mut a[2]);
    *last = 30;
    let last = MappedMutexGuard::try_map(last, |_| None::<&mut u8>).unwrap_err();
    let mut last = MappedMutexGuard::map(last, |b| b);
    *last += 1;
    assert!(m.try_lock().is_err());
    drop(last);
    assert_eq!(*m.lock().await, [1, 2, 31]);
    assert_eq!(format!("{}", m.lock().await[0]), "1");
}

#[tokio::test]
async fn owned_rwlock_guards_map_downgrade_and_let_readers_in() {
    let lock = Arc::new(RwLock::new(vec![1u32, 2, 3]));
    let w = Arc::clone(&lock).write_owned().await;
    let mut second: OwnedRwLockMappedWriteGuard<Vec<u32>, u32> =
        OwnedRwLockWriteGuard::map(w, |v| &mut v[1]);
    *second = 20;
    assert!(
        lock.try_read().is_err(),
        "a mapped write guard keeps writing"
    );
    let mut second = OwnedRwLockMappedWriteGuard::map(second, |x| x);
    *second += 1;
    let second = OwnedRwLockMappedWriteGuard::try_map(second, |_| None::<&mut u8>).unwrap_err();
    assert!(Arc::ptr_eq(
        OwnedRwLockMappedWriteGuard::rwlock(&second),
        &lock
    ));
    drop(second);

    let w = Arc::clone(&lock).write_owned().await;
    let w = OwnedRwLockWriteGuard::try_downgrade_map(w, |_| None::<&u8>).unwrap_err();
    assert!(lock.try_read().is_err(), "a failed downgrade keeps writing");
    let first: OwnedRwLockReadGuard<Vec<u32>, u32> =
        OwnedRwLockWriteGuard::downgrade_map(w, |v| &v[0]);
    // Readers come in beside the downgraded guard; writers do not.
    assert_eq!(lock.try_read().unwrap().len(), 3);
    assert!(lock.try_write().is_err());
    let whole = OwnedRwLockReadGuard::rwlock(&first).clone();
    let first = OwnedRwLockReadGuard::map(first, |x| x);
    let first = OwnedRwLockReadGuard::try_map(first, |_| None::<&u8>).unwrap_err();
    assert_eq!(*first, 1);
    assert_eq!(whole.try_read().unwrap()[1], 21);
    drop(first);
    assert!(lock.try_write().is_ok());

    let w = Arc::clone(&lock).write_owned().await;
    let mut all = OwnedRwLockWriteGuard::into_mapped(w);
    all.push(4);
    drop(all);
    assert_eq!(lock.read().await.len(), 4);
}

#[tokio::test]
async fn borrowed_write_guards_downgrade_onto_a_part() {
    let lock = RwLock::new((String::from("a"), 1u8));
    let w = lock.write().await;
    let w = RwLockWriteGuard::try_downgrade_map(w, |_| None::<&u8>).unwrap_err();
    let n: RwLockReadGuard<'_, u8> = RwLockWriteGuard::downgrade_map(w, |p| &p.1);
    assert_eq!(lock.try_read().unwrap().0, "a");
    assert!(lock.try_write().is_err());
    let n = RwLockReadGuard::try_map(n, |_| None::<&u8>).unwrap_err();
    assert_eq!(*n, 1);
    drop(n);

    let w = lock.write().await;
    let mut s: RwLockMappedWriteGuard<'_, String> =
        RwLockWriteGuard::into_mapped(w).pipe(|g| RwLockMappedWriteGuard::map(g, |p| &mut p.0));
    s.push('b');
    let s = RwLockMappedWriteGuard::try_map(s, |_| None::<&mut u8>).unwrap_err();
    assert_eq!(format!("{s}"), "ab");
    drop(s);
    let w = RwLockWriteGuard::try_map(lock.write().await, |p| Some(&mut p.1)).unwrap();
    assert_eq!(format!("{w:?}"), "1");
}

/// `value.pipe(f)` is `f(value)`, to chain guard conversions.
trait Pipe: Sized {
    fn pipe<R>(self, f: impl FnOnce(Self) -> R) -> R {
        f(self)
    }
}

impl<T> Pipe for T {}

#[test]
fn blocking_locks_work_outside_a_simulation() {
    let m = Arc::new(Mutex::new(1));
    *m.blocking_lock() += 1;
    let owned = Arc::clone(&m).blocking_lock_owned();
    assert_eq!(*owned, 2);
    drop(owned);
    let lock = RwLock::new(5);
    *lock.blocking_write() += 1;
    assert_eq!(*lock.blocking_read(), 6);
}

#[tokio::test]
#[should_panic(expected = "Cannot block the current thread")]
async fn blocking_read_panics_inside_a_simulation() {
    let lock = RwLock::new(5);
    let _ = lock.blocking_read();
}
