//! [`RwLock`]: a fair reader-writer lock (`tokio::sync::RwLock`).
//!
//! As tokio's, it is a fair semaphore of `max_readers` permits: a reader
//! takes one, a writer takes them all, in arrival order, so a waiting
//! writer holds back the readers that come after it. The guards share
//! their body with the mutex's (see `guard`).

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use super::batch;
use super::guard::{
    Cell, HeldMut, HeldRef, Locks, exclusive_guard_impls, guard_auto_traits, shared_guard_impls,
};
use super::mutex::{TryLockError, assert_may_block};

const MAX_READS: u32 = u32::MAX >> 3;

/// An async reader-writer lock.
///
/// ```
/// # extern crate simloop_tokio as tokio;
/// use tokio::sync::RwLock;
/// # simloop::Sim::new(1).run(async {
/// let lock = RwLock::new(5);
/// {
///     let a = lock.read().await;
///     let b = lock.read().await;
///     assert_eq!(*a + *b, 10);
/// }
/// *lock.write().await += 1;
/// assert_eq!(*lock.read().await, 6);
/// # }).unwrap();
/// ```
pub struct RwLock<T: ?Sized> {
    sem: batch::Semaphore,
    max_readers: u32,
    data: Cell<T>,
}

// SAFETY: readers on several threads share `&T` (so `T: Sync`), and a
// writer may hand the data to another thread (so `T: Send`), as for
// `std::sync::RwLock` and tokio's.
#[allow(unsafe_code)]
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}

impl<T: ?Sized> Locks for RwLock<T> {
    fn semaphore(&self) -> &batch::Semaphore {
        &self.sem
    }
}

/// A reader's guard body: one permit of `owner`'s lock.
#[allow(unsafe_code)]
fn read_held<R, T>(owner: R) -> HeldRef<R, T>
where
    R: Deref<Target = RwLock<T>>,
    T: ?Sized,
{
    // SAFETY: callers hold one permit, which shuts writers out.
    unsafe { HeldRef::new(owner, |l| &l.data) }
}

/// A writer's guard body: every permit of `owner`'s lock.
#[allow(unsafe_code)]
fn write_held<R, T>(owner: R) -> HeldMut<R, T>
where
    R: Deref<Target = RwLock<T>>,
    T: ?Sized,
{
    let permits = owner.max_readers;
    // SAFETY: callers hold all `max_readers` permits.
    unsafe { HeldMut::new(owner, permits, |l| &l.data) }
}

impl<T: ?Sized> RwLock<T> {
    /// A new, unlocked lock.
    pub fn new(value: T) -> RwLock<T>
    where
        T: Sized,
    {
        RwLock::const_with_max_readers(value, MAX_READS)
    }

    /// A lock that lets at most `max_reads` readers in at once.
    ///
    /// # Panics
    ///
    /// If `max_reads` is 0 or more than `u32::MAX >> 3`.
    pub fn with_max_readers(value: T, max_reads: u32) -> RwLock<T>
    where
        T: Sized,
    {
        RwLock::const_with_max_readers(value, max_reads)
    }

    /// A new, unlocked lock, in a `const` context (a `static`).
    ///
    /// ```
    /// # extern crate simloop_tokio as tokio;
    /// use tokio::sync::RwLock;
    /// static CONFIG: RwLock<u32> = RwLock::const_new(3);
    /// # simloop::Sim::new(1).run(async {
    /// *CONFIG.write().await += 1;
    /// assert_eq!(*CONFIG.read().await, 4);
    /// # }).unwrap();
    /// ```
    pub const fn const_new(value: T) -> RwLock<T>
    where
        T: Sized,
    {
        RwLock::const_with_max_readers(value, MAX_READS)
    }

    /// [`with_max_readers`](RwLock::with_max_readers) in a `const` context.
    ///
    /// # Panics
    ///
    /// As [`with_max_readers`](RwLock::with_max_readers).
    pub const fn const_with_max_readers(value: T, max_reads: u32) -> RwLock<T>
    where
        T: Sized,
    {
        assert!(max_reads != 0, "a RwLock may not be created with 0 readers");
        assert!(
            max_reads <= MAX_READS,
            "a RwLock may not be created with more than u32::MAX >> 3 readers"
        );
        RwLock {
            sem: batch::Semaphore::new(max_reads as usize),
            max_readers: max_reads,
            data: Cell::new(value),
        }
    }

    /// Waits for shared read access.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `read()` gives up its place in the queue.
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        self.sem
            .acquire(1, "RwLock::read")
            .await
            .expect("a RwLock is never closed");
        RwLockReadGuard {
            held: read_held(self).map(|l| &l.sem, |t| t),
        }
    }

    /// Read access if no writer holds or waits for the lock.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] otherwise.
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        self.sem.try_acquire(1).map_err(|_| TryLockError(()))?;
        Ok(RwLockReadGuard {
            held: read_held(self).map(|l| &l.sem, |t| t),
        })
    }

    /// Reads from synchronous code outside a simulation.
    ///
    /// # Panics
    ///
    /// Inside a simulation (it would block the only thread), or if a
    /// writer holds or waits for the lock.
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        assert_may_block();
        self.try_read()
            .expect("blocking_read outside a simulation: a writer holds the lock")
    }

    /// Waits for exclusive write access.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `write()` gives up its place in the queue
    /// (and the permits it had gathered, to the next in line).
    pub async fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.sem
            .acquire(self.max_readers as usize, "RwLock::write")
            .await
            .expect("a RwLock is never closed");
        RwLockWriteGuard {
            held: write_held(self),
        }
    }

    /// Write access if nobody holds or waits for the lock.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] otherwise.
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        self.sem
            .try_acquire(self.max_readers as usize)
            .map_err(|_| TryLockError(()))?;
        Ok(RwLockWriteGuard {
            held: write_held(self),
        })
    }

    /// Writes from synchronous code outside a simulation.
    ///
    /// # Panics
    ///
    /// Inside a simulation (it would block the only thread), or if the
    /// lock is held.
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        assert_may_block();
        self.try_write()
            .expect("blocking_write outside a simulation: the lock is held")
    }

    /// Waits for read access with a guard owning an `Arc` of the lock.
    ///
    /// # Cancel safety
    ///
    /// As [`read`](RwLock::read).
    pub async fn read_owned(self: Arc<Self>) -> OwnedRwLockReadGuard<T> {
        self.sem
            .acquire(1, "RwLock::read")
            .await
            .expect("a RwLock is never closed");
        OwnedRwLockReadGuard {
            held: read_held(self),
        }
    }

    /// Owned read access if no writer holds or waits for the lock.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] otherwise.
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        self.sem.try_acquire(1).map_err(|_| TryLockError(()))?;
        Ok(OwnedRwLockReadGuard {
            held: read_held(self),
        })
    }

    /// Waits for write access with a guard owning an `Arc` of the lock.
    ///
    /// # Cancel safety
    ///
    /// As [`write`](RwLock::write).
    pub async fn write_owned(self: Arc<Self>) -> OwnedRwLockWriteGuard<T> {
        self.sem
            .acquire(self.max_readers as usize, "RwLock::write")
            .await
            .expect("a RwLock is never closed");
        OwnedRwLockWriteGuard {
            held: write_held(self),
        }
    }

    /// Owned write access if nobody holds or waits for the lock.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] otherwise.
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        self.sem
            .try_acquire(self.max_readers as usize)
            .map_err(|_| TryLockError(()))?;
        Ok(OwnedRwLockWriteGuard {
            held: write_held(self),
        })
    }

    /// The data, through a unique borrow.
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

impl<T> From<T> for RwLock<T> {
    fn from(t: T) -> RwLock<T> {
        RwLock::new(t)
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(inner) => d.field("data", &&*inner),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// Shared read access ([`RwLock::read`]).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    held: HeldRef<&'a batch::Semaphore, T>,
}

shared_guard_impls!(RwLockReadGuard<'_, T>, [T: ?Sized], T);
guard_auto_traits!(RwLockReadGuard<'_, T>, [T: ?Sized],
    send: [T: Sync], sync: [T: Send + Sync]);

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// A read guard on a part of the data.
    pub fn map<F, U>(this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        U: ?Sized,
        F: FnOnce(&T) -> &U,
    {
        RwLockReadGuard {
            held: this.held.map(|s| s, f),
        }
    }

    /// A read guard on a part of the data, or the guard back.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    pub fn try_map<F, U>(this: Self, f: F) -> Result<RwLockReadGuard<'a, U>, Self>
    where
        U: ?Sized,
        F: FnOnce(&T) -> Option<&U>,
    {
        match this.held.try_map(|s| s, f) {
            Ok(held) => Ok(RwLockReadGuard { held }),
            Err(held) => Err(RwLockReadGuard { held }),
        }
    }
}

/// Exclusive write access ([`RwLock::write`]).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    held: HeldMut<&'a RwLock<T>, T>,
}

exclusive_guard_impls!(RwLockWriteGuard<'_, T>, [T: ?Sized], T);
guard_auto_traits!(RwLockWriteGuard<'_, T>, [T: ?Sized],
    send: [T: Send + Sync], sync: [T: Send + Sync]);

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// A write guard on a part of the data.
    pub fn map<F, U>(this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        U: ?Sized,
        F: FnOnce(&mut T) -> &mut U,
    {
        RwLockMappedWriteGuard {
            held: this.held.map(|l| &l.sem, f),
        }
    }

    /// A write guard on a part of the data, or the guard back.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    pub fn try_map<F, U>(this: Self, f: F) -> Result<RwLockMappedWriteGuard<'a, U>, Self>
    where
        U: ?Sized,
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        match this.held.try_map(|l| &l.sem, f) {
            Ok(held) => Ok(RwLockMappedWriteGuard { held }),
            Err(held) => Err(RwLockWriteGuard { held }),
        }
    }

    /// The guard as a mapped guard on the whole data.
    pub fn into_mapped(this: Self) -> RwLockMappedWriteGuard<'a, T> {
        RwLockWriteGuard::map(this, |t| t)
    }

    /// Turns write access into read access, without letting a writer in
    /// between; waiting readers may then enter.
    pub fn downgrade(self) -> RwLockReadGuard<'a, T> {
        RwLockWriteGuard::downgrade_map(self, |t| t)
    }

    /// [`downgrade`](RwLockWriteGuard::downgrade) onto a part of the data.
    pub fn downgrade_map<F, U>(this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        U: ?Sized,
        F: FnOnce(&T) -> &U,
    {
        RwLockReadGuard {
            held: this.held.downgrade_map(|l| &l.sem, f),
        }
    }

    /// [`downgrade_map`](RwLockWriteGuard::downgrade_map), or the guard
    /// back (still writing).
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    pub fn try_downgrade_map<F, U>(this: Self, f: F) -> Result<RwLockReadGuard<'a, U>, Self>
    where
        U: ?Sized,
        F: FnOnce(&T) -> Option<&U>,
    {
        match this.held.try_downgrade_map(|l| &l.sem, f) {
            Ok(held) => Ok(RwLockReadGuard { held }),
            Err(held) => Err(RwLockWriteGuard { held }),
        }
    }
}

/// Write access to a part of the data ([`RwLockWriteGuard::map`]).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized> {
    held: HeldMut<&'a batch::Semaphore, T>,
}

exclusive_guard_impls!(RwLockMappedWriteGuard<'_, T>, [T: ?Sized], T);
guard_auto_traits!(RwLockMappedWriteGuard<'_, T>, [T: ?Sized],
    send: [T: Send + Sync], sync: [T: Send + Sync]);

impl<'a, T: ?Sized> RwLockMappedWriteGuard<'a, T> {
    /// A write guard on a part of this part.
    pub fn map<F, U>(this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        U: ?Sized,
        F: FnOnce(&mut T) -> &mut U,
    {
        RwLockMappedWriteGuard {
            held: this.held.map(|s| s, f),
        }
    }

    /// A write guard on a part of this part, or the guard back.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    pub fn try_map<F, U>(this: Self, f: F) -> Result<RwLockMappedWriteGuard<'a, U>, Self>
    where
        U: ?Sized,
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        match this.held.try_map(|s| s, f) {
            Ok(held) => Ok(RwLockMappedWriteGuard { held }),
            Err(held) => Err(RwLockMappedWriteGuard { held }),
        }
    }
}

/// Owned read access ([`RwLock::read_owned`]), to the data or a part `U`
/// of it.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockReadGuard<T: ?Sized, U: ?Sized = T> {
    held: HeldRef<Arc<RwLock<T>>, U>,
}

shared_guard_impls!(OwnedRwLockReadGuard<T, U>, [T: ?Sized, U: ?Sized], U);
guard_auto_traits!(OwnedRwLockReadGuard<T, U>, [T: ?Sized, U: ?Sized],
    send: [T: Send + Sync, U: Sync], sync: [T: Send + Sync, U: Send + Sync]);

impl<T: ?Sized, U: ?Sized> OwnedRwLockReadGuard<T, U> {
    /// An owned read guard on a part of the data.
    pub fn map<F, V>(this: Self, f: F) -> OwnedRwLockReadGuard<T, V>
    where
        V: ?Sized,
        F: FnOnce(&U) -> &V,
    {
        OwnedRwLockReadGuard {
            held: this.held.map(|l| l, f),
        }
    }

    /// An owned read guard on a part of the data, or the guard back.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    pub fn try_map<F, V>(this: Self, f: F) -> Result<OwnedRwLockReadGuard<T, V>, Self>
    where
        V: ?Sized,
        F: FnOnce(&U) -> Option<&V>,
    {
        match this.held.try_map(|l| l, f) {
            Ok(held) => Ok(OwnedRwLockReadGuard { held }),
            Err(held) => Err(OwnedRwLockReadGuard { held }),
        }
    }

    /// The lock this guard reads.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        this.held.owner()
    }
}

/// Owned write access ([`RwLock::write_owned`]).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    held: HeldMut<Arc<RwLock<T>>, T>,
}

exclusive_guard_impls!(OwnedRwLockWriteGuard<T>, [T: ?Sized], T);
guard_auto_traits!(OwnedRwLockWriteGuard<T>, [T: ?Sized],
    send: [T: Send + Sync], sync: [T: Send + Sync]);

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    /// An owned write guard on a part of the data.
    pub fn map<F, U>(this: Self, f: F) -> OwnedRwLockMappedWriteGuard<T, U>
    where
        U: ?Sized,
        F: FnOnce(&mut T) -> &mut U,
    {
        OwnedRwLockMappedWriteGuard {
            held: this.held.map(|l| l, f),
        }
    }

    /// An owned write guard on a part of the data, or the guard back.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    pub fn try_map<F, U>(this: Self, f: F) -> Result<OwnedRwLockMappedWriteGuard<T, U>, Self>
    where
        U: ?Sized,
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        match this.held.try_map(|l| l, f) {
            Ok(held) => Ok(OwnedRwLockMappedWriteGuard { held }),
            Err(held) => Err(OwnedRwLockWriteGuard { held }),
        }
    }

    /// The guard as a mapped guard on the whole data.
    pub fn into_mapped(this: Self) -> OwnedRwLockMappedWriteGuard<T> {
        OwnedRwLockWriteGuard::map(this, |t| t)
    }

    /// Turns write access into read access; see
    /// [`RwLockWriteGuard::downgrade`].
    pub fn downgrade(self) -> OwnedRwLockReadGuard<T> {
        OwnedRwLockWriteGuard::downgrade_map(self, |t| t)
    }

    /// [`downgrade`](OwnedRwLockWriteGuard::downgrade) onto a part of the
    /// data.
    pub fn downgrade_map<F, U>(this: Self, f: F) -> OwnedRwLockReadGuard<T, U>
    where
        U: ?Sized,
        F: FnOnce(&T) -> &U,
    {
        OwnedRwLockReadGuard {
            held: this.held.downgrade_map(|l| l, f),
        }
    }

    /// [`downgrade_map`](OwnedRwLockWriteGuard::downgrade_map), or the
    /// guard back (still writing).
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    pub fn try_downgrade_map<F, U>(this: Self, f: F) -> Result<OwnedRwLockReadGuard<T, U>, Self>
    where
        U: ?Sized,
        F: FnOnce(&T) -> Option<&U>,
    {
        match this.held.try_downgrade_map(|l| l, f) {
            Ok(held) => Ok(OwnedRwLockReadGuard { held }),
            Err(held) => Err(OwnedRwLockWriteGuard { held }),
        }
    }

    /// The lock this guard writes.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        this.held.owner()
    }
}

/// Owned write access to a part `U` of the data
/// ([`OwnedRwLockWriteGuard::map`]).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockMappedWriteGuard<T: ?Sized, U: ?Sized = T> {
    held: HeldMut<Arc<RwLock<T>>, U>,
}

exclusive_guard_impls!(OwnedRwLockMappedWriteGuard<T, U>, [T: ?Sized, U: ?Sized], U);
guard_auto_traits!(OwnedRwLockMappedWriteGuard<T, U>, [T: ?Sized, U: ?Sized],
    send: [T: Send + Sync, U: Send + Sync], sync: [T: Send + Sync, U: Send + Sync]);

impl<T: ?Sized, U: ?Sized> OwnedRwLockMappedWriteGuard<T, U> {
    /// An owned write guard on a part of this part.
    pub fn map<F, V>(this: Self, f: F) -> OwnedRwLockMappedWriteGuard<T, V>
    where
        V: ?Sized,
        F: FnOnce(&mut U) -> &mut V,
    {
        OwnedRwLockMappedWriteGuard {
            held: this.held.map(|l| l, f),
        }
    }

    /// An owned write guard on a part of this part, or the guard back.
    ///
    /// # Errors
    ///
    /// The original guard, if `f` returns `None`.
    pub fn try_map<F, V>(this: Self, f: F) -> Result<OwnedRwLockMappedWriteGuard<T, V>, Self>
    where
        V: ?Sized,
        F: FnOnce(&mut U) -> Option<&mut V>,
    {
        match this.held.try_map(|l| l, f) {
            Ok(held) => Ok(OwnedRwLockMappedWriteGuard { held }),
            Err(held) => Err(OwnedRwLockMappedWriteGuard { held }),
        }
    }

    /// The lock this guard writes.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        this.held.owner()
    }
}
