//! Synchronisation primitives for tasks, with asyncio's semantics: queues,
//! locks, semaphores, events, conditions, barriers, one-shot promises and
//! channels.
//!
//! | asyncio | simloop |
//! |---|---|
//! | `Queue`, `LifoQueue`, `PriorityQueue` | [`Queue`], [`LifoQueue`], [`PriorityQueue`] |
//! | `Lock` | [`Lock`], or [`Mutex<T>`] to protect a value |
//! | `Semaphore`, `BoundedSemaphore` | [`Semaphore`], [`BoundedSemaphore`] |
//! | `Event` | [`Event`] |
//! | `Condition` | [`Condition`] |
//! | `Barrier` | [`Barrier`] |
//! | `loop.create_future()` | [`promise`] |
//! | (a queue closed with `shutdown`) | [`channel`], [`unbounded_channel`] |
//!
//! Every primitive is a cheap handle (clones share the same object), `Send +
//! Sync` when its contents are, and works with any executor's wakers: inside
//! `futures::select!`, a `FuturesUnordered`, or outside a simulation.
//!
//! **Fairness.** Blocked tasks are served in the order they started waiting,
//! with exactly asyncio's algorithm for each primitive (each type's docs say
//! how).
//!
//! **Cancellation.** Dropping a waiting future (which is how a task is
//! cancelled in Rust, e.g. by [`JoinHandle::abort`](crate::JoinHandle::abort)
//! or a [`timeout`](crate::time::timeout)) never loses an item, a permit, the
//! lock or a wake-up: whatever had been handed to it passes to the next
//! waiter. Each type documents its `# Cancel safety`. Between
//! [`abort`](crate::JoinHandle::abort) and the task's turn to run, where
//! its future is dropped, the primitives already treat its waits as cancelled,
//! as asyncio's `Task.cancel` cancels the awaited future at once: a release,
//! a `put` or a `notify` passes over that task, and "is anybody waiting"
//! checks ignore it. Likewise for the waits inside a
//! [`timeout`](crate::time::timeout) whose timer has fired, until the task
//! runs and drops them.
//!
//! **Deadlock reports.** Every blocking wait tells the simulation what it
//! waits on, and primitives can be named, so a deadlock reads like
//! `"consumer" waits on Queue::get on "jobs"`.
//!
//! No real lock is held across an `.await`: a `parking_lot` mutex only guards
//! each primitive's bookkeeping for the length of a method call.
//!
//! ```
//! use simloop::{Sim, SimError, sync::Lock, task};
//!
//! // Two tasks taking two locks in opposite orders.
//! let err = Sim::new(3).run(async {
//!     let (a, b) = (Lock::new().named("a"), Lock::new().named("b"));
//!     let t = task::spawn_named("t", {
//!         let (a, b) = (a.clone(), b.clone());
//!         async move {
//!             let _a = a.lock().await;
//!             task::yield_now().await;
//!             let _b = b.lock().await;
//!         }
//!     });
//!     let _b = b.lock().await;
//!     task::yield_now().await;
//!     let _a = a.lock().await;
//!     t.await.unwrap();
//! }).unwrap_err();
//! assert!(matches!(err, SimError::Deadlock { .. }));
//! assert!(err.to_string().contains("\"t\" waits on Lock::lock on \"b\""));
//! ```

mod barrier;
mod channel;
mod condition;
mod event;
mod mutex;
mod promise;
pub mod queue;
mod semaphore;
mod waiters;

pub use barrier::{Barrier, BarrierWait, BrokenBarrier};
pub use channel::{
    Receiver, RecvFuture, SendError, SendFuture, Sender, TryRecvError, TrySendError, channel,
    unbounded_channel,
};
pub use condition::{Condition, ConditionWait, WaitTimeoutResult};
pub use event::{Event, Wait};
pub use mutex::{Lock, LockGuard, Mutex, MutexGuard, MutexLock, TryLockError};
pub use promise::{InvalidState, Promise, PromiseError, PromiseFuture, promise};
pub use queue::{GenericQueue, LifoQueue, PriorityQueue, Queue};
pub use semaphore::{
    Acquire, BoundedSemaphore, OverRelease, Semaphore, SemaphorePermit, TryAcquireError,
};
