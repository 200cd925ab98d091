//! [`Semaphore`]: a fair counting semaphore (`tokio::sync::Semaphore`).

use std::fmt;
use std::sync::Arc;

use super::batch;

/// Error types of the semaphore.
pub(crate) mod error {
    use std::fmt;

    /// The semaphore was closed.
    #[derive(Debug, PartialEq, Eq)]
    pub struct AcquireError(pub(crate) ());

    impl fmt::Display for AcquireError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("semaphore closed")
        }
    }

    impl std::error::Error for AcquireError {}

    /// Why `try_acquire` failed.
    #[derive(Debug, PartialEq, Eq)]
    pub enum TryAcquireError {
        /// The semaphore was closed.
        Closed,
        /// Not enough permits are available (or others wait before you).
        NoPermits,
    }

    impl fmt::Display for TryAcquireError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryAcquireError::Closed => f.write_str("semaphore closed"),
                TryAcquireError::NoPermits => f.write_str("no permits available"),
            }
        }
    }

    impl std::error::Error for TryAcquireError {}
}

pub use error::{AcquireError, TryAcquireError};

fn try_error(e: batch::TryAcquire) -> TryAcquireError {
    match e {
        batch::TryAcquire::Closed => TryAcquireError::Closed,
        batch::TryAcquire::NoPermits => TryAcquireError::NoPermits,
    }
}

/// A counting semaphore: tasks acquire permits in the order they ask, and
/// give them back when the permit guard drops.
///
/// ```
/// # extern crate simloop_tokio as tokio;
/// use std::sync::Arc;
/// use tokio::sync::Semaphore;
/// # simloop::Sim::new(1).run(async {
/// let sem = Arc::new(Semaphore::new(2));
/// let a = sem.acquire().await.unwrap();
/// let _b = sem.clone().acquire_owned().await.unwrap();
/// assert_eq!(sem.available_permits(), 0);
/// drop(a);
/// assert_eq!(sem.available_permits(), 1);
/// # }).unwrap();
/// ```
pub struct Semaphore {
    inner: batch::Semaphore,
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("permits", &self.available_permits())
            .finish()
    }
}

impl Default for Semaphore {
    fn default() -> Semaphore {
        Semaphore::new(0)
    }
}

fn count(n: u32) -> usize {
    n as usize
}

impl Semaphore {
    /// The most permits a semaphore can hold.
    pub const MAX_PERMITS: usize = batch::MAX_PERMITS;

    /// A semaphore with `permits` permits.
    ///
    /// # Panics
    ///
    /// If `permits` exceeds [`MAX_PERMITS`](Semaphore::MAX_PERMITS).
    pub fn new(permits: usize) -> Semaphore {
        Semaphore::const_new(permits)
    }

    /// A semaphore with `permits` permits, in a `const` context (a
    /// `static`).
    ///
    /// # Panics
    ///
    /// As [`new`](Semaphore::new).
    pub const fn const_new(permits: usize) -> Semaphore {
        Semaphore {
            inner: batch::Semaphore::new(permits),
        }
    }

    /// The permits available now.
    pub fn available_permits(&self) -> usize {
        self.inner.available_permits()
    }

    /// Adds `n` permits, serving waiters in order.
    ///
    /// # Panics
    ///
    /// If the permits would exceed [`MAX_PERMITS`](Semaphore::MAX_PERMITS),
    /// as tokio's.
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        assert!(
            self.inner.available_permits().saturating_add(n) <= Semaphore::MAX_PERMITS,
            "number of added permits ({n}) would overflow MAX_PERMITS ({})",
            Semaphore::MAX_PERMITS
        );
        self.inner.release(n);
    }

    /// Removes up to `n` available permits; returns how many it removed.
    pub fn forget_permits(&self, n: usize) -> usize {
        self.inner.forget_permits(n)
    }

    /// Waits for a permit.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is closed.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future gives up its place in the queue; permits it had
    /// been assigned go to the next waiter.
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.acquire_many(1).await
    }

    /// [`acquire`](Semaphore::acquire) from synchronous code outside a
    /// simulation.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is closed.
    ///
    /// # Panics
    ///
    /// Inside a simulation (it would block the only thread), or if no
    /// permit is free (no other thread could ever release one).
    #[track_caller]
    pub fn blocking_acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.blocking_acquire_many(1)
    }

    /// [`acquire_many`](Semaphore::acquire_many) from synchronous code
    /// outside a simulation.
    ///
    /// # Errors
    ///
    /// As [`blocking_acquire`](Semaphore::blocking_acquire).
    ///
    /// # Panics
    ///
    /// As [`blocking_acquire`](Semaphore::blocking_acquire).
    #[track_caller]
    pub fn blocking_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        super::mutex::assert_may_block();
        match self.try_acquire_many(n) {
            Ok(p) => Ok(p),
            Err(TryAcquireError::Closed) => Err(AcquireError(())),
            Err(TryAcquireError::NoPermits) => {
                panic!("blocking_acquire outside a simulation: no permit is free")
            }
        }
    }

    /// [`acquire_owned`](Semaphore::acquire_owned) from synchronous code
    /// outside a simulation.
    ///
    /// # Errors
    ///
    /// As [`blocking_acquire`](Semaphore::blocking_acquire).
    ///
    /// # Panics
    ///
    /// As [`blocking_acquire`](Semaphore::blocking_acquire).
    #[track_caller]
    pub fn blocking_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.blocking_acquire_many_owned(1)
    }

    /// [`acquire_many_owned`](Semaphore::acquire_many_owned) from
    /// synchronous code outside a simulation.
    ///
    /// # Errors
    ///
    /// As [`blocking_acquire`](Semaphore::blocking_acquire).
    ///
    /// # Panics
    ///
    /// As [`blocking_acquire`](Semaphore::blocking_acquire).
    #[track_caller]
    pub fn blocking_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        super::mutex::assert_may_block();
        match self.try_acquire_many_owned(n) {
            Ok(p) => Ok(p),
            Err(TryAcquireError::Closed) => Err(AcquireError(())),
            Err(TryAcquireError::NoPermits) => {
                panic!("blocking_acquire outside a simulation: no permit is free")
            }
        }
    }

    /// Waits for `n` permits at once.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is closed.
    ///
    /// # Cancel safety
    ///
    /// As [`acquire`](Semaphore::acquire).
    pub async fn acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.inner
            .acquire(count(n), "Semaphore::acquire")
            .await
            .map_err(|_| AcquireError(()))?;
        Ok(SemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// A permit if one is available and nobody waits.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError`] if the semaphore is closed or has no permit.
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// `n` permits if they are available and nobody waits.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError`] if the semaphore is closed or lacks permits.
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.inner.try_acquire(count(n)).map_err(try_error)?;
        Ok(SemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// Waits for a permit owned by the guard.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is closed.
    ///
    /// # Cancel safety
    ///
    /// As [`acquire`](Semaphore::acquire).
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.acquire_many_owned(1).await
    }

    /// Waits for `n` permits owned by the guard.
    ///
    /// # Errors
    ///
    /// [`AcquireError`] if the semaphore is closed.
    ///
    /// # Cancel safety
    ///
    /// As [`acquire`](Semaphore::acquire).
    pub async fn acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.inner
            .acquire(count(n), "Semaphore::acquire")
            .await
            .map_err(|_| AcquireError(()))?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// An owned permit if one is available and nobody waits.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError`] if the semaphore is closed or has no permit.
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// `n` owned permits if they are available and nobody waits.
    ///
    /// # Errors
    ///
    /// [`TryAcquireError`] if the semaphore is closed or lacks permits.
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.inner.try_acquire(count(n)).map_err(try_error)?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// Closes the semaphore: waiters and later acquires fail.
    pub fn close(&self) {
        self.inner.close();
    }

    /// Whether the semaphore is closed.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }
}

/// Permits borrowed from a [`Semaphore`], given back on drop.
#[must_use]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    permits: u32,
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}

impl<'a> SemaphorePermit<'a> {
    /// Keeps the permits out of the semaphore for good.
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this guard holds.
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }

    /// Takes `other`'s permits into this guard.
    ///
    /// # Panics
    ///
    /// If the permits are from different semaphores.
    pub fn merge(&mut self, mut other: SemaphorePermit<'a>) {
        assert!(
            std::ptr::eq(self.sem, other.sem),
            "merging permits from different semaphores"
        );
        self.permits += std::mem::take(&mut other.permits);
    }

    /// Splits `n` permits off into a new guard, or `None` if this one holds
    /// fewer.
    pub fn split(&mut self, n: usize) -> Option<SemaphorePermit<'a>> {
        let n = u32::try_from(n).ok()?;
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        Some(SemaphorePermit {
            sem: self.sem,
            permits: n,
        })
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        // Permits taken from the semaphore: giving them back cannot
        // overflow it.
        self.sem.inner.release(self.permits as usize);
    }
}

/// Permits owned by the guard, given back to the [`Semaphore`] on drop.
#[must_use]
pub struct OwnedSemaphorePermit {
    sem: Arc<Semaphore>,
    permits: u32,
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("permits", &self.permits)
            .finish()
    }
}

impl OwnedSemaphorePermit {
    /// Keeps the permits out of the semaphore for good.
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// How many permits this guard holds.
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }

    /// The semaphore the permits belong to.
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }

    /// Takes `other`'s permits into this guard.
    ///
    /// # Panics
    ///
    /// If the permits are from different semaphores.
    pub fn merge(&mut self, mut other: OwnedSemaphorePermit) {
        assert!(
            Arc::ptr_eq(&self.sem, &other.sem),
            "merging permits from different semaphores"
        );
        self.permits += std::mem::take(&mut other.permits);
    }

    /// Splits `n` permits off into a new guard, or `None` if this one holds
    /// fewer.
    pub fn split(&mut self, n: usize) -> Option<OwnedSemaphorePermit> {
        let n = u32::try_from(n).ok()?;
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        Some(OwnedSemaphorePermit {
            sem: Arc::clone(&self.sem),
            permits: n,
        })
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        // Permits taken from the semaphore: giving them back cannot
        // overflow it.
        self.sem.inner.release(self.permits as usize);
    }
}
