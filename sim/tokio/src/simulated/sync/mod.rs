//! Synchronization primitives: `tokio::sync` over simloop's wakers.
//!
//! Each primitive keeps tokio's fairness (first come, first served for
//! locks, semaphores and bounded channels), its cancel safety and its error
//! types, and tells the simulation what a blocked task waits on, so a
//! deadlock report reads `"worker" waits on mpsc::Receiver::recv`. The
//! locks inside are `parking_lot` locks held only for the duration of a
//! call, never across an `.await`.

mod batch;
mod errors;
mod guard;
pub mod mpsc;
mod mutex;
pub mod oneshot;
mod rwlock;
mod semaphore;

pub use mutex::{
    MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard, TryLockError,
};
pub use rwlock::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};
pub use semaphore::{
    AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError,
};
mod barrier;
pub mod broadcast;
mod notify;
mod once_cell;
pub mod watch;

pub use barrier::{Barrier, BarrierWaitResult};
pub use notify::{Notified, Notify, OwnedNotified};
pub use once_cell::{OnceCell, SetError, SetOnce, SetOnceError};

/// Named future types of this module.
pub mod futures {
    pub use super::notify::{Notified, OwnedNotified};
}
