//! [`RwLock`]: a fair reader-writer lock (`tokio::sync::RwLock`).
//!
//! As tokio's, it is a fair semaphore of `max_readers` permits: a reader
//! takes one, a writer takes them all, in arrival order, so a waiting
//! writer holds back the readers that come after it.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::batch;
use super::mutex::TryLockError;

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
pub struct RwLock<T> {
    sem: batch::Semaphore,
    max_readers: u32,
    data: Arc<parking_lot::RwLock<T>>,
}

impl<T> RwLock<T> {
    /// A new, unlocked lock.
    pub fn new(value: T) -> RwLock<T> {
        RwLock::with_max_readers(value, MAX_READS)
    }

    /// A lock that lets at most `max_reads` readers in at once.
    ///
    /// # Panics
    ///
    /// If `max_reads` is more than `u32::MAX >> 3`.
    pub fn with_max_readers(value: T, max_reads: u32) -> RwLock<T> {
        assert!(
            max_reads <= MAX_READS,
            "a RwLock may not be created with more than {MAX_READS} readers"
        );
        RwLock {
            sem: batch::Semaphore::new(max_reads as usize),
            max_readers: max_reads,
            data: Arc::new(parking_lot::RwLock::new(value)),
        }
    }

    fn read_guard(&self) -> RwLockReadGuard<'_, T> {
        let guard = self
            .data
            .try_read()
            .expect("a reader's permit excludes writers");
        RwLockReadGuard {
            sem: Some(&self.sem),
            guard: Some(parking_lot::RwLockReadGuard::map(guard, |t| t)),
        }
    }

    fn write_guard(&self) -> RwLockWriteGuard<'_, T> {
        RwLockWriteGuard {
            sem: Some(&self.sem),
            permits: self.max_readers,
            guard: Some(
                self.data
                    .try_write()
                    .expect("a writer's permits exclude everyone"),
            ),
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
        self.read_guard()
    }

    /// Read access if no writer holds or waits for the lock.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] otherwise.
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        self.sem.try_acquire(1).map_err(|_| TryLockError(()))?;
        Ok(self.read_guard())
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
        self.write_guard()
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
        Ok(self.write_guard())
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
        let guard = self
            .data
            .try_read_arc()
            .expect("a reader's permit excludes writers");
        OwnedRwLockReadGuard {
            lock: self,
            guard: Some(guard),
        }
    }

    /// Owned read access if no writer holds or waits for the lock.
    ///
    /// # Errors
    ///
    /// [`TryLockError`] otherwise.
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        self.sem.try_acquire(1).map_err(|_| TryLockError(()))?;
        let guard = self
            .data
            .try_read_arc()
            .expect("a reader's permit excludes writers");
        Ok(OwnedRwLockReadGuard {
            lock: self,
            guard: Some(guard),
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
        let guard = self
            .data
            .try_write_arc()
            .expect("a writer's permits exclude everyone");
        OwnedRwLockWriteGuard {
            lock: self,
            guard: Some(guard),
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
        let guard = self
            .data
            .try_write_arc()
            .expect("a writer's permits exclude everyone");
        Ok(OwnedRwLockWriteGuard {
            lock: self,
            guard: Some(guard),
        })
    }

    /// The data, through a unique borrow.
    pub fn get_mut(&mut self) -> &mut T {
        Arc::get_mut(&mut self.data)
            .expect("no guard outlives a unique borrow")
            .get_mut()
    }

    /// The data.
    pub fn into_inner(self) -> T {
        match Arc::try_unwrap(self.data) {
            Ok(l) => l.into_inner(),
            Err(_) => unreachable!("no guard outlives the lock"),
        }
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

impl<T: fmt::Debug> fmt::Debug for RwLock<T> {
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
pub struct RwLockReadGuard<'a, T> {
    sem: Option<&'a batch::Semaphore>,
    guard: Option<parking_lot::MappedRwLockReadGuard<'a, T>>,
}

impl<'a, T> RwLockReadGuard<'a, T> {
    /// A read guard on a part of the data.
    pub fn map<U, F>(mut this: Self, f: F) -> RwLockReadGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        let guard = this.guard.take().expect("guard present");
        RwLockReadGuard {
            sem: this.sem.take(),
            guard: Some(parking_lot::MappedRwLockReadGuard::map(guard, f)),
        }
    }
}

impl<T> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.guard.as_ref().expect("guard present")
    }
}

impl<T> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.guard = None;
        if let Some(sem) = self.sem.take() {
            sem.release(1);
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Exclusive write access ([`RwLock::write`]).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T> {
    sem: Option<&'a batch::Semaphore>,
    permits: u32,
    guard: Option<parking_lot::RwLockWriteGuard<'a, T>>,
}

impl<'a, T> RwLockWriteGuard<'a, T> {
    /// A write guard on a part of the data.
    pub fn map<U, F>(mut this: Self, f: F) -> RwLockMappedWriteGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let guard = this.guard.take().expect("guard present");
        RwLockMappedWriteGuard {
            sem: this.sem.take(),
            permits: this.permits,
            guard: Some(parking_lot::RwLockWriteGuard::map(guard, f)),
        }
    }

    /// Turns write access into read access, without letting a writer in
    /// between; waiting readers may then enter.
    pub fn downgrade(mut self) -> RwLockReadGuard<'a, T> {
        let guard = self.guard.take().expect("guard present");
        let sem = self.sem.take().expect("semaphore present");
        let read = parking_lot::RwLockWriteGuard::downgrade(guard);
        sem.release(self.permits as usize - 1);
        RwLockReadGuard {
            sem: Some(sem),
            guard: Some(parking_lot::RwLockReadGuard::map(read, |t| t)),
        }
    }
}

impl<T> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.guard.as_ref().expect("guard present")
    }
}

impl<T> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.guard.as_mut().expect("guard present")
    }
}

impl<T> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.guard = None;
        if let Some(sem) = self.sem.take() {
            sem.release(self.permits as usize);
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Write access to a part of the data ([`RwLockWriteGuard::map`]).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockMappedWriteGuard<'a, T> {
    sem: Option<&'a batch::Semaphore>,
    permits: u32,
    guard: Option<parking_lot::MappedRwLockWriteGuard<'a, T>>,
}

impl<T> Deref for RwLockMappedWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.guard.as_ref().expect("guard present")
    }
}

impl<T> DerefMut for RwLockMappedWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.guard.as_mut().expect("guard present")
    }
}

impl<T> Drop for RwLockMappedWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.guard = None;
        if let Some(sem) = self.sem.take() {
            sem.release(self.permits as usize);
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for RwLockMappedWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Owned read access ([`RwLock::read_owned`]).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockReadGuard<T> {
    lock: Arc<RwLock<T>>,
    guard: Option<parking_lot::ArcRwLockReadGuard<parking_lot::RawRwLock, T>>,
}

impl<T> OwnedRwLockReadGuard<T> {
    /// The lock this guard reads.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T> Deref for OwnedRwLockReadGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.guard.as_ref().expect("guard present")
    }
}

impl<T> Drop for OwnedRwLockReadGuard<T> {
    fn drop(&mut self) {
        self.guard = None;
        self.lock.sem.release(1);
    }
}

impl<T: fmt::Debug> fmt::Debug for OwnedRwLockReadGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Owned write access ([`RwLock::write_owned`]).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockWriteGuard<T> {
    lock: Arc<RwLock<T>>,
    guard: Option<parking_lot::ArcRwLockWriteGuard<parking_lot::RawRwLock, T>>,
}

impl<T> OwnedRwLockWriteGuard<T> {
    /// The lock this guard writes.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }

    /// Turns write access into read access; see
    /// [`RwLockWriteGuard::downgrade`].
    pub fn downgrade(mut self) -> OwnedRwLockReadGuard<T> {
        let guard = self.guard.take().expect("guard present");
        let read = parking_lot::ArcRwLockWriteGuard::downgrade(guard);
        let lock = Arc::clone(&self.lock);
        // All permits but the reader's go back; this guard, now empty,
        // gives back nothing when it drops.
        self.lock.sem.release(self.lock.max_readers as usize - 1);
        OwnedRwLockReadGuard {
            lock,
            guard: Some(read),
        }
    }
}

impl<T> Deref for OwnedRwLockWriteGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.guard.as_ref().expect("guard present")
    }
}

impl<T> DerefMut for OwnedRwLockWriteGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.guard.as_mut().expect("guard present")
    }
}

impl<T> Drop for OwnedRwLockWriteGuard<T> {
    fn drop(&mut self) {
        if self.guard.take().is_some() {
            self.lock.sem.release(self.lock.max_readers as usize);
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for OwnedRwLockWriteGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
