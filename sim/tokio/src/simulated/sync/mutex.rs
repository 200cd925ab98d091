//! [`Mutex`]: an async mutex, fair (first come, first served) as tokio's.
//!
//! The lock is a one-permit fair semaphore; the data sits in a
//! `parking_lot` mutex that the permit holder locks uncontended, so the
//! guards are `Send` as tokio's are.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::batch;

/// The error of `try_lock`: the lock is held (or others wait for it).
#[derive(Debug, PartialEq, Eq)]
pub struct TryLockError(pub(crate) ());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation would block")
    }
}

impl std::error::Error for TryLockError {}

/// An async mutex (`tokio::sync::Mutex`): `lock().await` queues in arrival
/// order; the guard may be held across `.await`.
///
/// ```
/// # extern crate simloop_tokio as tokio;
/// use std::sync::Arc;
/// use tokio::sync::Mutex;
/// # simloop::Sim::new(1).run(async {
/// let counter = Arc::new(Mutex::new(0));
/// let tasks: Vec<_> = (0..3).map(|_| {
///     let c = Arc::clone(&counter);
///     tokio::spawn(async move { *c.lock().await += 1 })
/// }).collect();
/// for t in tasks { t.await.unwrap(); }
/// assert_eq!(*counter.lock().await, 3);
/// # }).unwrap();
/// ```
pub struct Mutex<T> {
    sem: batch::Semaphore,
    data: Arc<parking_lot::Mutex<T>>,
}

impl<T> Mutex<T> {
    /// A new, unlocked mutex.
    pub fn new(t: T) -> Mutex<T> {
        Mutex {
            sem: batch::Semaphore::new(1),
            data: Arc::new(parking_lot::Mutex::new(t)),
        }
    }

    fn guard(&self) -> MutexGuard<'_, T> {
        MutexGuard {
            sem: Some(&self.sem),
            lock: self,
            guard: Some(
                self.data
                    .try_lock()
                    .expect("the permit holder locks the data uncontended"),
            ),
        }
    }

    /// Waits for the lock.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `lock()` gives up its place in the queue (and
    /// the lock, if it had been handed over), to the next in line.
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        self.sem
            .acquire(1, "Mutex::lock")
            .await
            .expect("a mutex is never closed");
        self.guard()
    }

    /// The lock if it is free and nobody waits.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] otherwise.
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        self.sem.try_acquire(1).map_err(|_| TryLockError(()))?;
        Ok(self.guard())
    }

    /// Locks from synchronous code outside a simulation.
    ///
    /// # Panics
    ///
    /// Inside a simulation (it would block the only thread), or if the
    /// lock is held.
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        assert!(
            !simloop::facade::in_simulation(),
            "Cannot block the current thread from within a runtime. This happens because a \
             function attempted to block the current thread while the thread is being used to \
             drive asynchronous tasks."
        );
        self.try_lock()
            .expect("blocking_lock outside a simulation: the lock is held")
    }

    /// Waits for the lock, with a guard that owns an `Arc` of the mutex.
    ///
    /// # Cancel safety
    ///
    /// As [`lock`](Mutex::lock).
    pub async fn lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        self.sem
            .acquire(1, "Mutex::lock")
            .await
            .expect("a mutex is never closed");
        self.owned_guard()
    }

    fn owned_guard(self: Arc<Self>) -> OwnedMutexGuard<T> {
        let guard = self
            .data
            .try_lock_arc()
            .expect("the permit holder locks the data uncontended");
        OwnedMutexGuard {
            lock: self,
            guard: Some(guard),
        }
    }

    /// An owned guard if the lock is free and nobody waits.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] otherwise.
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        self.sem.try_acquire(1).map_err(|_| TryLockError(()))?;
        Ok(self.owned_guard())
    }

    /// The data, through a unique borrow of the mutex.
    pub fn get_mut(&mut self) -> &mut T {
        Arc::get_mut(&mut self.data)
            .expect("no guard outlives a unique borrow")
            .get_mut()
    }

    /// The data.
    pub fn into_inner(self) -> T {
        match Arc::try_unwrap(self.data) {
            Ok(m) => m.into_inner(),
            Err(_) => unreachable!("no guard outlives the mutex"),
        }
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(t: T) -> Mutex<T> {
        Mutex::new(t)
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T: fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(inner) => d.field("data", &&*inner),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// The guard of [`Mutex::lock`]: unlocks on drop, handing the lock to the
/// next waiter.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T> {
    sem: Option<&'a batch::Semaphore>,
    lock: &'a Mutex<T>,
    guard: Option<parking_lot::MutexGuard<'a, T>>,
}

impl<'a, T> MutexGuard<'a, T> {
    /// A guard on a part of the data.
    pub fn map<U, F>(mut this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let guard = this.guard.take().expect("guard present");
        MappedMutexGuard {
            sem: this.sem.take(),
            guard: Some(parking_lot::MutexGuard::map(guard, f)),
        }
    }

    /// A guard on a part of the data, or the guard back.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    pub fn try_map<U, F>(mut this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let guard = this.guard.take().expect("guard present");
        match parking_lot::MutexGuard::try_map(guard, f) {
            Ok(mapped) => Ok(MappedMutexGuard {
                sem: this.sem.take(),
                guard: Some(mapped),
            }),
            Err(guard) => {
                this.guard = Some(guard);
                Err(this)
            }
        }
    }

    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        this.lock
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.guard.as_ref().expect("guard present")
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.guard.as_mut().expect("guard present")
    }
}

impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.guard = None;
        if let Some(sem) = self.sem.take() {
            sem.release(1);
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// A guard on a part of a mutex's data ([`MutexGuard::map`]).
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MappedMutexGuard<'a, T> {
    sem: Option<&'a batch::Semaphore>,
    guard: Option<parking_lot::MappedMutexGuard<'a, T>>,
}

impl<'a, T> MappedMutexGuard<'a, T> {
    /// A guard on a part of this part.
    pub fn map<U, F>(mut this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let guard = this.guard.take().expect("guard present");
        MappedMutexGuard {
            sem: this.sem.take(),
            guard: Some(parking_lot::MappedMutexGuard::map(guard, f)),
        }
    }
}

impl<T> Deref for MappedMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.guard.as_ref().expect("guard present")
    }
}

impl<T> DerefMut for MappedMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.guard.as_mut().expect("guard present")
    }
}

impl<T> Drop for MappedMutexGuard<'_, T> {
    fn drop(&mut self) {
        self.guard = None;
        if let Some(sem) = self.sem.take() {
            sem.release(1);
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for MappedMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// The guard of [`Mutex::lock_owned`]: holds an `Arc` of the mutex, so it
/// can be moved into a task.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct OwnedMutexGuard<T> {
    lock: Arc<Mutex<T>>,
    guard: Option<parking_lot::ArcMutexGuard<parking_lot::RawMutex, T>>,
}

impl<T> OwnedMutexGuard<T> {
    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }
}

impl<T> Deref for OwnedMutexGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.guard.as_ref().expect("guard present")
    }
}

impl<T> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.guard.as_mut().expect("guard present")
    }
}

impl<T> Drop for OwnedMutexGuard<T> {
    fn drop(&mut self) {
        self.guard = None;
        self.lock.sem.release(1);
    }
}

impl<T: fmt::Debug> fmt::Debug for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
