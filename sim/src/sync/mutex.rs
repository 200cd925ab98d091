//! [`Mutex`] and [`Lock`]: asyncio's `Lock`, holding a value or not.

use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::waiters::{WaiterId, Waiters, WakeList, park};

/// A mutual-exclusion lock for tasks that protects a value: asyncio's
/// `Lock`, with the data inside as Rust prefers.
///
/// [`lock`](Mutex::lock) waits until the lock is free and returns a
/// [`MutexGuard`] giving access to the value; dropping the guard releases
/// the lock. A cheap handle: clones share the same lock. `Send + Sync` when
/// `T` is `Send`; works with any executor's wakers.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, sync::Mutex, task, time};
///
/// let total = Sim::new(1).run(async {
///     let balance = Mutex::new(0).named("balance");
///     let tasks: Vec<_> = (0..3).map(|_| {
///         let balance = balance.clone();
///         task::spawn(async move {
///             let mut b = balance.lock().await;
///             let read = *b;
///             time::sleep(Duration::from_secs(1)).await; // held across a sleep
///             *b = read + 10;
///         })
///     }).collect();
///     for t in tasks { t.await.unwrap(); }
///     (*balance.lock().await, time::now().since_start())
/// }).unwrap();
/// assert_eq!(total, (30, Duration::from_secs(3)));
/// ```
///
/// # Fairness
///
/// First come, first served, as asyncio's `Lock` (3.11+): `lock` only takes
/// the free lock at once if nobody waits (or only cancelled tasks do);
/// releasing wakes the first waiter, which then holds the lock when it runs
/// even if another task asks for it meanwhile. If the first waiter's task is
/// being cancelled, releasing wakes nobody and the cancelled waiter wakes
/// the next one as it leaves, as in asyncio.
///
/// # Cancel safety
///
/// Dropping a [`MutexLock`] future before it completes loses nothing; if it
/// had already been woken for a free lock, the lock passes to the next
/// waiter. Dropping the guard (also by cancelling the task holding it)
/// releases the lock.
///
/// # Differences from asyncio
///
/// - The protected value lives in the mutex ([`Lock`] is the valueless
///   form); `acquire`/`release` are [`lock`](Mutex::lock) and dropping the
///   guard, so releasing an unlocked lock (a `RuntimeError`) cannot happen.
/// - [`try_lock`](Mutex::try_lock) has no asyncio counterpart; it follows the
///   same rule as `acquire`'s fast path.
/// - The lock is not poisoned by a panic, as in asyncio.
pub struct Mutex<T> {
    inner: Arc<Inner<T>>,
}

struct Inner<T> {
    state: parking_lot::Mutex<State<T>>,
    /// Name of the wait in deadlock reports (`Mutex::lock`, `Lock::lock`).
    op: &'static str,
}

struct State<T> {
    /// Moved into the guard while the lock is held.
    value: Option<T>,
    locked: bool,
    waiters: Waiters,
    name: Option<Arc<str>>,
}

/// [`try_lock`](Mutex::try_lock) found the lock held or other tasks waiting
/// for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("lock is held or awaited by another task")]
pub struct TryLockError;

impl<T> Mutex<T> {
    /// An unlocked mutex protecting `value`.
    pub fn new(value: T) -> Mutex<T> {
        Mutex::with_op(value, "Mutex::lock")
    }

    fn with_op(value: T, op: &'static str) -> Mutex<T> {
        Mutex {
            inner: Arc::new(Inner {
                state: parking_lot::Mutex::new(State {
                    value: Some(value),
                    locked: false,
                    waiters: Waiters::default(),
                    name: None,
                }),
                op,
            }),
        }
    }

    /// Names the mutex: deadlock reports then say e.g. `Mutex::lock on "db"`.
    pub fn named(self, name: impl Into<Arc<str>>) -> Mutex<T> {
        self.inner.state.lock().name = Some(name.into());
        self
    }

    /// The mutex's name, if it was given one.
    pub fn name(&self) -> Option<Arc<str>> {
        self.inner.state.lock().name.clone()
    }

    pub(crate) fn name_if_unnamed(&self, name: &Arc<str>) {
        self.inner
            .state
            .lock()
            .name
            .get_or_insert_with(|| Arc::clone(name));
    }

    /// Waits until the lock is free, takes it and returns the guard (asyncio's
    /// `acquire`). Returns at once, without yielding, if the lock is free and
    /// nobody (but tasks being cancelled) waits for it.
    pub fn lock(&self) -> MutexLock<'_, T> {
        MutexLock {
            mutex: self,
            waiter: None,
            finished: false,
        }
    }

    /// Takes the lock if it is free and nobody waits for it.
    pub fn try_lock(&self) -> Result<MutexGuard<T>, TryLockError> {
        let mut st = self.inner.state.lock();
        if st.locked || !st.waiters.all_cancelled() {
            return Err(TryLockError);
        }
        Ok(self.take(&mut st))
    }

    /// Whether a task holds the lock (asyncio's `locked`).
    pub fn is_locked(&self) -> bool {
        self.inner.state.lock().locked
    }

    /// Number of tasks waiting for the lock (asyncio's `len(lock._waiters)`):
    /// those blocked in [`lock`](Mutex::lock), including a woken one that has
    /// not run yet to take the lock and one whose task is being cancelled
    /// but has not been dropped yet. The holder does not count.
    ///
    /// ```
    /// use simloop::{Sim, sync::Mutex, task};
    ///
    /// Sim::new(1).run(async {
    ///     let m = Mutex::new(0);
    ///     let guard = m.lock().await;
    ///     let m2 = m.clone();
    ///     let waiter = task::spawn(async move { *m2.lock().await += 1 });
    ///     task::yield_now().await;
    ///     assert_eq!(m.waiters(), 1);
    ///     drop(guard);
    ///     assert_eq!(m.waiters(), 1); // woken, not yet running
    ///     waiter.await.unwrap();
    ///     assert_eq!(m.waiters(), 0);
    /// }).unwrap();
    /// ```
    pub fn waiters(&self) -> usize {
        self.inner.state.lock().waiters.len()
    }

    /// Whether `guard` is a guard of this mutex (or of a clone of it).
    pub fn owns(&self, guard: &MutexGuard<T>) -> bool {
        Arc::ptr_eq(&self.inner, &guard.mutex.inner)
    }

    fn take(&self, st: &mut State<T>) -> MutexGuard<T> {
        st.locked = true;
        let value = st.value.take();
        debug_assert!(value.is_some(), "a free mutex holds its value");
        MutexGuard {
            mutex: self.clone(),
            value,
        }
    }
}

impl<T> Clone for Mutex<T> {
    fn clone(&self) -> Self {
        Mutex {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

impl<T> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.inner.state.lock();
        f.debug_struct("Mutex")
            .field("name", &st.name)
            .field("locked", &st.locked)
            .field("waiters", &st.waiters.len())
            .finish()
    }
}

/// The future returned by [`Mutex::lock`] and [`Lock::lock`].
#[must_use = "futures do nothing unless awaited"]
pub struct MutexLock<'a, T> {
    mutex: &'a Mutex<T>,
    waiter: Option<WaiterId>,
    finished: bool,
}

impl<T> Future for MutexLock<'_, T> {
    type Output = MutexGuard<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<T>> {
        let this = &mut *self;
        assert!(
            !this.finished,
            "simloop::sync::MutexLock polled after it completed"
        );
        let mutex = this.mutex;
        let mut st = mutex.inner.state.lock();
        let notified = this
            .waiter
            .as_mut()
            .map(|id| st.waiters.take_notified(id, cx.waker()));
        match notified {
            Some(true) => {
                // Released to us: nobody else could take it meanwhile.
                this.waiter = None;
                debug_assert!(!st.locked, "a woken waiter finds the lock free");
                this.finished = true;
                Poll::Ready(mutex.take(&mut st))
            }
            Some(false) => {
                park(mutex.inner.op, st.name.as_ref());
                Poll::Pending
            }
            // asyncio takes a free lock at once if every waiter is cancelled.
            None if !st.locked && st.waiters.all_cancelled() => {
                this.finished = true;
                Poll::Ready(mutex.take(&mut st))
            }
            None => {
                this.waiter = Some(st.waiters.push(cx.waker()));
                park(mutex.inner.op, st.name.as_ref());
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for MutexLock<'_, T> {
    fn drop(&mut self) {
        let Some(id) = self.waiter.take() else { return };
        let mut wakes = WakeList::new();
        let mut st = self.mutex.inner.state.lock();
        st.waiters.remove(id);
        // If the lock is free, make sure the waiter now at the head runs.
        if !st.locked {
            st.waiters.notify_head(&mut wakes);
        }
        drop(st);
        wakes.wake_all();
    }
}

impl<T> fmt::Debug for MutexLock<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MutexLock")
            .field("waiting", &self.waiter.is_some())
            .finish()
    }
}

/// Access to the value of a locked [`Mutex`]; dropping it releases the lock
/// and wakes the first waiter.
///
/// The guard owns a handle to its mutex, so it may be moved into another
/// task.
#[must_use = "dropping the guard releases the lock at once"]
pub struct MutexGuard<T> {
    mutex: Mutex<T>,
    /// Always `Some` until the guard is dropped.
    value: Option<T>,
}

impl<T> MutexGuard<T> {
    /// The mutex this guard locks.
    pub fn mutex(&self) -> &Mutex<T> {
        &self.mutex
    }
}

impl<T> Deref for MutexGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.value.as_ref().expect("a live guard holds the value")
    }
}

impl<T> DerefMut for MutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.value.as_mut().expect("a live guard holds the value")
    }
}

impl<T> Drop for MutexGuard<T> {
    fn drop(&mut self) {
        let mut wakes = WakeList::new();
        let mut st = self.mutex.inner.state.lock();
        st.value = self.value.take();
        st.locked = false;
        st.waiters.notify_head(&mut wakes);
        drop(st);
        wakes.wake_all();
    }
}

impl<T: fmt::Debug> fmt::Debug for MutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("MutexGuard").field(&**self).finish()
    }
}

/// asyncio's `Lock`: a [`Mutex`] that protects no value.
///
/// ```
/// use simloop::{Sim, sync::Lock};
/// Sim::new(1).run(async {
///     let lock = Lock::new();
///     let guard = lock.lock().await;
///     assert!(lock.is_locked());
///     assert!(lock.try_lock().is_err());
///     drop(guard); // release
///     assert!(!lock.is_locked());
/// }).unwrap();
/// ```
///
/// Fairness, cancel safety and the differences from asyncio are those of
/// [`Mutex`]; deadlock reports say `Lock::lock`.
#[derive(Clone)]
pub struct Lock(Mutex<()>);

/// The guard of a [`Lock`]; dropping it releases the lock.
pub type LockGuard = MutexGuard<()>;

impl Lock {
    /// An unlocked lock.
    pub fn new() -> Lock {
        Lock(Mutex::with_op((), "Lock::lock"))
    }

    /// Names the lock for deadlock reports.
    pub fn named(self, name: impl Into<Arc<str>>) -> Lock {
        Lock(self.0.named(name))
    }

    /// The lock's name, if it was given one.
    pub fn name(&self) -> Option<Arc<str>> {
        self.0.name()
    }

    /// Waits for the lock and takes it (asyncio's `acquire`); see
    /// [`Mutex::lock`].
    pub fn lock(&self) -> MutexLock<'_, ()> {
        self.0.lock()
    }

    /// Takes the lock if it is free and nobody waits for it.
    pub fn try_lock(&self) -> Result<LockGuard, TryLockError> {
        self.0.try_lock()
    }

    /// Whether a task holds the lock (asyncio's `locked`).
    pub fn is_locked(&self) -> bool {
        self.0.is_locked()
    }

    /// Number of tasks waiting for the lock (asyncio's `len(lock._waiters)`);
    /// see [`Mutex::waiters`].
    pub fn waiters(&self) -> usize {
        self.0.waiters()
    }

    /// The lock as a [`Mutex<()>`], e.g. to build a
    /// [`Condition`](super::Condition) on it.
    pub fn as_mutex(&self) -> &Mutex<()> {
        &self.0
    }
}

impl Default for Lock {
    fn default() -> Self {
        Lock::new()
    }
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Lock").field(&self.0).finish()
    }
}
