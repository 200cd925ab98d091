//! [`Mutex`]: an async mutex, fair (first come, first served) as tokio's.
//!
//! The lock is a one-permit fair semaphore; the data sits beside it in a
//! cell that only the permit holder's guard reaches (see `guard`), so the
//! data may be unsized and the mutex built in a `const`.

use std::fmt;
use std::sync::Arc;

use super::batch;
use super::guard::{Cell, HeldMut, Locks, exclusive_guard_impls, guard_auto_traits};

/// The error of `try_lock`: the lock is held (or others wait for it).
#[derive(Debug, PartialEq, Eq)]
pub struct TryLockError(pub(crate) ());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation would block")
    }
}

impl std::error::Error for TryLockError {}

/// The panic of the `blocking_*` methods inside a simulation.
pub(super) fn assert_may_block() {
    assert!(
        !simloop::facade::in_simulation(),
        "Cannot block the current thread from within a runtime. This happens because a \
         function attempted to block the current thread while the thread is being used to \
         drive asynchronous tasks."
    );
}

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
///
/// The data may be unsized, and a mutex may be a `static`:
///
/// ```
/// # extern crate simloop_tokio as tokio;
/// use std::sync::Arc;
/// use tokio::sync::Mutex;
/// static HITS: Mutex<u32> = Mutex::const_new(0);
/// # simloop::Sim::new(1).run(async {
/// let bytes: Arc<Mutex<[u8]>> = Arc::new(Mutex::new([1, 2, 3]));
/// bytes.lock().await[0] = 7;
/// *HITS.lock().await += 1;
/// assert_eq!(&*bytes.lock().await, &[7, 2, 3]);
/// # }).unwrap();
/// ```
pub struct Mutex<T: ?Sized> {
    sem: batch::Semaphore,
    data: Cell<T>,
}

// SAFETY: the data is only reached by the one guard holding the permit,
// so sharing the mutex shares no `&T` between threads: `T: Send` is enough,
// as for `std::sync::Mutex` and tokio's.
#[allow(unsafe_code)]
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

impl<T: ?Sized> Locks for Mutex<T> {
    fn semaphore(&self) -> &batch::Semaphore {
        &self.sem
    }
}

impl<T: ?Sized> Mutex<T> {
    /// A new, unlocked mutex.
    pub fn new(t: T) -> Mutex<T>
    where
        T: Sized,
    {
        Mutex::const_new(t)
    }

    /// A new, unlocked mutex, in a `const` context (a `static`).
    pub const fn const_new(t: T) -> Mutex<T>
    where
        T: Sized,
    {
        Mutex {
            sem: batch::Semaphore::new(1),
            data: Cell::new(t),
        }
    }

    #[allow(unsafe_code)]
    fn guard(&self) -> MutexGuard<'_, T> {
        // SAFETY: the caller holds the one permit.
        let held = unsafe { HeldMut::new(self, 1, |m| &m.data) };
        MutexGuard { held }
    }

    #[allow(unsafe_code)]
    fn owned_guard(self: Arc<Self>) -> OwnedMutexGuard<T> {
        // SAFETY: the caller holds the one permit.
        let held = unsafe { HeldMut::new(self, 1, |m| &m.data) };
        OwnedMutexGuard { held }
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
    /// lock is held (no other thread could ever release it).
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        assert_may_block();
        self.try_lock()
            .expect("blocking_lock outside a simulation: the lock is held")
    }

    /// [`blocking_lock`](Mutex::blocking_lock) with an owned guard.
    ///
    /// # Panics
    ///
    /// As [`blocking_lock`](Mutex::blocking_lock).
    #[track_caller]
    pub fn blocking_lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        assert_may_block();
        self.try_lock_owned()
            .expect("blocking_lock_owned outside a simulation: the lock is held")
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
        self.data.get_mut()
    }

    /// The data.
    pub fn into_inner(self) -> T
    where
        T: Sized,
    {
        self.data.into_inner()
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

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
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
pub struct MutexGuard<'a, T: ?Sized> {
    held: HeldMut<&'a Mutex<T>, T>,
}

exclusive_guard_impls!(MutexGuard<'_, T>, [T: ?Sized], T);
guard_auto_traits!(MutexGuard<'_, T>, [T: ?Sized],
    send: [T: Send], sync: [T: Send + Sync]);

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// A guard on a part of the data.
    pub fn map<U, F>(this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        U: ?Sized,
        F: FnOnce(&mut T) -> &mut U,
    {
        MappedMutexGuard {
            held: this.held.map(|m| &m.sem, f),
        }
    }

    /// A guard on a part of the data, or the guard back.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    pub fn try_map<U, F>(this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        U: ?Sized,
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        match this.held.try_map(|m| &m.sem, f) {
            Ok(held) => Ok(MappedMutexGuard { held }),
            Err(held) => Err(MutexGuard { held }),
        }
    }

    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        this.held.owner()
    }
}

/// A guard on a part of a mutex's data ([`MutexGuard::map`]).
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    held: HeldMut<&'a batch::Semaphore, T>,
}

exclusive_guard_impls!(MappedMutexGuard<'_, T>, [T: ?Sized], T);
guard_auto_traits!(MappedMutexGuard<'_, T>, [T: ?Sized],
    send: [T: Send], sync: [T: Sync]);

impl<'a, T: ?Sized> MappedMutexGuard<'a, T> {
    /// A guard on a part of this part.
    pub fn map<U, F>(this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        U: ?Sized,
        F: FnOnce(&mut T) -> &mut U,
    {
        MappedMutexGuard {
            held: this.held.map(|s| s, f),
        }
    }

    /// A guard on a part of this part, or the guard back.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    pub fn try_map<U, F>(this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        U: ?Sized,
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        match this.held.try_map(|s| s, f) {
            Ok(held) => Ok(MappedMutexGuard { held }),
            Err(held) => Err(MappedMutexGuard { held }),
        }
    }
}

/// The guard of [`Mutex::lock_owned`]: holds an `Arc` of the mutex, so it
/// can be moved into a task.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct OwnedMutexGuard<T: ?Sized> {
    held: HeldMut<Arc<Mutex<T>>, T>,
}

exclusive_guard_impls!(OwnedMutexGuard<T>, [T: ?Sized], T);
guard_auto_traits!(OwnedMutexGuard<T>, [T: ?Sized],
    send: [T: Send], sync: [T: Send + Sync]);

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// An owned guard on a part of the data.
    pub fn map<U, F>(this: Self, f: F) -> OwnedMappedMutexGuard<T, U>
    where
        U: ?Sized,
        F: FnOnce(&mut T) -> &mut U,
    {
        OwnedMappedMutexGuard {
            held: this.held.map(|m| m, f),
        }
    }

    /// An owned guard on a part of the data, or the guard back.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    pub fn try_map<U, F>(this: Self, f: F) -> Result<OwnedMappedMutexGuard<T, U>, Self>
    where
        U: ?Sized,
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        match this.held.try_map(|m| m, f) {
            Ok(held) => Ok(OwnedMappedMutexGuard { held }),
            Err(held) => Err(OwnedMutexGuard { held }),
        }
    }

    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        this.held.owner()
    }
}

/// An owned guard on a part of a mutex's data ([`OwnedMutexGuard::map`]).
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct OwnedMappedMutexGuard<T: ?Sized, U: ?Sized = T> {
    held: HeldMut<Arc<Mutex<T>>, U>,
}

exclusive_guard_impls!(OwnedMappedMutexGuard<T, U>, [T: ?Sized, U: ?Sized], U);
guard_auto_traits!(OwnedMappedMutexGuard<T, U>, [T: ?Sized, U: ?Sized],
    send: [T: Send, U: Send], sync: [T: Send + Sync, U: Send + Sync]);

impl<T: ?Sized, U: ?Sized> OwnedMappedMutexGuard<T, U> {
    /// An owned guard on a part of this part.
    pub fn map<S, F>(this: Self, f: F) -> OwnedMappedMutexGuard<T, S>
    where
        S: ?Sized,
        F: FnOnce(&mut U) -> &mut S,
    {
        OwnedMappedMutexGuard {
            held: this.held.map(|m| m, f),
        }
    }

    /// An owned guard on a part of this part, or the guard back.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    pub fn try_map<S, F>(this: Self, f: F) -> Result<OwnedMappedMutexGuard<T, S>, Self>
    where
        S: ?Sized,
        F: FnOnce(&mut U) -> Option<&mut S>,
    {
        match this.held.try_map(|m| m, f) {
            Ok(held) => Ok(OwnedMappedMutexGuard { held }),
            Err(held) => Err(OwnedMappedMutexGuard { held }),
        }
    }
}
