//! [`Queue`], [`LifoQueue`] and [`PriorityQueue`]: asyncio's queues, with
//! `task_done`/`join` and Python 3.13's `shutdown`.
//!
//! The three are aliases of one [`GenericQueue`] type; only the [`Storage`]
//! discipline differs.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use parking_lot::Mutex;

use super::waiters::{WaiterId, Waiters, WakeList, park};

mod error;
mod storage;

pub use error::{PutError, ShutDown, TaskDoneError, TryGetError, TryPutError};
#[doc(hidden)]
pub use storage::Ops;
pub use storage::{Fifo, Lifo, Priority, Storage};

/// A first-in, first-out queue for tasks: asyncio's `Queue`.
///
/// A cheap handle: clones share the same queue. It is `Send + Sync` when
/// `T` is `Send`, and works with any executor's wakers (inside `select`,
/// `FuturesUnordered`, ...), not only simloop's tasks.
///
/// - [`Queue::new`](GenericQueue::new) is unbounded; [`Queue::with_capacity(maxsize)`](GenericQueue::with_capacity)
///   holds at most `maxsize` items (0 means unbounded, as in asyncio).
/// - [`put`](GenericQueue::put) waits while the queue is full, [`get`](GenericQueue::get)
///   while it is empty; [`try_put`](GenericQueue::try_put) and
///   [`try_get`](GenericQueue::try_get) never wait (`put_nowait`, `get_nowait`).
/// - [`task_done`](GenericQueue::task_done) and [`join`](GenericQueue::join) count items
///   put but not yet processed.
/// - [`shutdown`](GenericQueue::shutdown) is Python 3.13's `Queue.shutdown`.
///
/// [`LifoQueue`] and [`PriorityQueue`] have the same interface.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, sync::Queue, task, time};
///
/// let log = Sim::new(1).run(async {
///     let q = Queue::with_capacity(1).named("jobs");
///     let consumer = task::spawn({
///         let q = q.clone();
///         async move {
///             let mut log = Vec::new();
///             while let Ok(job) = q.get().await {
///                 time::sleep(Duration::from_secs(1)).await; // work on it
///                 log.push((job, time::now().since_start().as_secs()));
///                 q.task_done().unwrap();
///             }
///             log
///         }
///     });
///     for job in ["a", "b", "c"] {
///         q.put(job).await.unwrap(); // waits while the queue is full
///     }
///     q.join().await; // until every job is marked done
///     q.shutdown(false); // the consumer's next get fails
///     consumer.await.unwrap()
/// }).unwrap();
/// assert_eq!(log, vec![("a", 1), ("b", 2), ("c", 3)]);
/// ```
///
/// # Fairness
///
/// Exactly asyncio's algorithm: blocked getters (and putters) are woken one
/// at a time, first come first served, each time an item (a free slot)
/// appears; a woken waiter takes the item when it next runs. As in asyncio, a
/// task that calls `get` while items are available takes one at once without
/// queueing behind waiters that were woken but have not run yet; such a
/// waiter that then finds the queue empty waits again, at the back.
///
/// # Cancel safety
///
/// Dropping a [`Get`] or [`Put`] future loses nothing: an item is only
/// removed (or added) in the poll that returns it. A dropped waiter that had
/// already been woken passes its wake-up to the next waiter (asyncio's
/// `_wakeup_next` on cancellation). A dropped [`Put`] drops the item it
/// carried.
///
/// # Differences from asyncio
///
/// - `put_nowait`/`get_nowait` are `try_put`/`try_get`, and return the item
///   (or an error holding it) instead of raising.
/// - `qsize`, `empty`, `full` are [`len`](GenericQueue::len),
///   [`is_empty`](GenericQueue::is_empty), [`is_full`](GenericQueue::is_full).
/// - `task_done` returns [`TaskDoneError`] instead of raising `ValueError`.
/// - Timeouts: wrap the future in [`time::timeout`](crate::time::timeout).
pub type Queue<T> = GenericQueue<T, Fifo<T>>;

/// The queue type behind [`Queue`], [`LifoQueue`] and [`PriorityQueue`]; `S`
/// is its [`Storage`] discipline. Use the aliases: their constructors are
/// `Queue::new()`, `LifoQueue::with_capacity(n)`, and so on.
pub struct GenericQueue<T, S> {
    inner: Arc<Inner<T, S>>,
}

/// A last-in, first-out queue: asyncio's `LifoQueue`. Same interface as
/// [`Queue`].
///
/// ```
/// use simloop::{Sim, sync::LifoQueue};
/// Sim::new(1).run(async {
///     let q = LifoQueue::new();
///     for x in 1..=3 { q.put(x).await.unwrap(); }
///     assert_eq!(q.get().await, Ok(3));
///     assert_eq!(q.try_get(), Ok(2));
/// }).unwrap();
/// ```
pub type LifoQueue<T> = GenericQueue<T, Lifo<T>>;

/// A queue that hands out its smallest item first: asyncio's
/// `PriorityQueue`. Same interface as [`Queue`].
///
/// Items are kept in a binary heap managed exactly like Python's `heapq`, so
/// even items that compare equal come out in CPython's order. Use tuples
/// such as `(priority, sequence, item)` for a stable order.
///
/// ```
/// use simloop::{Sim, sync::PriorityQueue};
/// Sim::new(1).run(async {
///     let q = PriorityQueue::new();
///     for job in [(2, "write"), (0, "urgent"), (1, "read")] { q.put(job).await.unwrap(); }
///     assert_eq!(q.get().await, Ok((0, "urgent")));
///     assert_eq!(q.get().await, Ok((1, "read")));
/// }).unwrap();
/// ```
pub type PriorityQueue<T> = GenericQueue<T, Priority<T>>;

struct Inner<T, S> {
    state: Mutex<State<T, S>>,
    ops: Ops,
    _items: PhantomData<fn() -> T>,
}

struct State<T, S> {
    items: S,
    /// 0 means unbounded.
    maxsize: usize,
    getters: Waiters,
    putters: Waiters,
    joiners: Waiters,
    unfinished: usize,
    shutdown: bool,
    name: Option<Arc<str>>,
    _items: PhantomData<fn() -> T>,
}

impl<T, S: Storage<T>> State<T, S> {
    fn is_full(&self) -> bool {
        self.maxsize > 0 && self.items.len() >= self.maxsize
    }

    /// asyncio's `put_nowait`.
    fn put_now(&mut self, item: T, wakes: &mut WakeList) -> Result<(), TryPutError<T>> {
        if self.shutdown {
            return Err(TryPutError::ShutDown(item));
        }
        if self.is_full() {
            return Err(TryPutError::Full(item));
        }
        self.items.push(item);
        self.unfinished += 1;
        self.getters.notify_next(wakes);
        Ok(())
    }

    /// asyncio's `get_nowait`.
    fn get_now(&mut self, wakes: &mut WakeList) -> Result<T, TryGetError> {
        match self.items.pop() {
            Some(item) => {
                self.putters.notify_next(wakes);
                Ok(item)
            }
            None if self.shutdown => Err(TryGetError::ShutDown),
            None => Err(TryGetError::Empty),
        }
    }
}

macro_rules! constructors {
    ($storage:ident, $what:literal $(, $bound:path)?) => {
        impl<T $(: $bound)?> GenericQueue<T, $storage<T>> {
            #[doc = concat!("An unbounded ", $what, ".")]
            pub fn new() -> Self {
                Self::with_capacity(0)
            }

            #[doc = concat!("A ", $what, " holding at most `maxsize` items; `0` means unbounded (asyncio's `maxsize=0`).")]
            pub fn with_capacity(maxsize: usize) -> Self {
                GenericQueue::with_ops(maxsize, <$storage<T> as Storage<T>>::OPS)
            }
        }

        impl<T $(: $bound)?> Default for GenericQueue<T, $storage<T>> {
            fn default() -> Self {
                Self::new()
            }
        }
    };
}

constructors!(Fifo, "FIFO queue");
constructors!(Lifo, "LIFO queue");
constructors!(Priority, "priority queue", Ord);

impl<T, S: Storage<T>> GenericQueue<T, S> {
    pub(crate) fn with_ops(maxsize: usize, ops: Ops) -> Self {
        GenericQueue {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    items: S::empty(),
                    maxsize,
                    getters: Waiters::default(),
                    putters: Waiters::default(),
                    joiners: Waiters::default(),
                    unfinished: 0,
                    shutdown: false,
                    name: None,
                    _items: PhantomData,
                }),
                ops,
                _items: PhantomData,
            }),
        }
    }

    /// Runs `f` on the queue's state under its lock, then wakes the tasks
    /// `f` notified, once the lock is released.
    fn update<R>(&self, f: impl FnOnce(&mut State<T, S>, &mut WakeList) -> R) -> R {
        let mut wakes = WakeList::new();
        let result = f(&mut self.inner.state.lock(), &mut wakes);
        wakes.wake_all();
        result
    }

    /// Names the queue: deadlock reports then say what a task waits on, e.g.
    /// `Queue::get on "jobs"`.
    pub fn named(self, name: impl Into<Arc<str>>) -> Self {
        self.inner.state.lock().name = Some(name.into());
        self
    }

    /// The queue's name, if it was given one.
    pub fn name(&self) -> Option<Arc<str>> {
        self.inner.state.lock().name.clone()
    }

    /// Puts `item` in the queue, waiting while it is full (asyncio's `put`).
    ///
    /// Fails with [`PutError`] (holding the item) if the queue is or becomes
    /// shut down. Returns at once, without yielding, when there is room.
    pub fn put(&self, item: T) -> Put<'_, T, S> {
        Put {
            queue: self,
            item: Some(item),
            waiter: None,
        }
    }

    /// Removes and returns the next item, waiting while the queue is empty
    /// (asyncio's `get`).
    ///
    /// Fails with [`ShutDown`] once the queue is shut down and empty (after
    /// `shutdown(false)` the remaining items are still handed out). Returns at
    /// once, without yielding, when an item is available.
    pub fn get(&self) -> Get<'_, T, S> {
        Get {
            queue: self,
            waiter: None,
            finished: false,
        }
    }

    /// Puts `item` without waiting (asyncio's `put_nowait`), or gives it back
    /// in the error if the queue is full or shut down.
    pub fn try_put(&self, item: T) -> Result<(), TryPutError<T>> {
        self.update(|st, wakes| st.put_now(item, wakes))
    }

    /// Removes and returns the next item without waiting (asyncio's
    /// `get_nowait`).
    pub fn try_get(&self) -> Result<T, TryGetError> {
        self.update(State::get_now)
    }

    /// Number of items in the queue (asyncio's `qsize`).
    pub fn len(&self) -> usize {
        self.inner.state.lock().items.len()
    }

    /// Whether the queue holds no item (asyncio's `empty`).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the queue holds `maxsize` items (asyncio's `full`); never true
    /// for an unbounded queue.
    pub fn is_full(&self) -> bool {
        self.inner.state.lock().is_full()
    }

    /// The maximum number of items, or `None` if unbounded.
    pub fn maxsize(&self) -> Option<usize> {
        let maxsize = self.inner.state.lock().maxsize;
        (maxsize > 0).then_some(maxsize)
    }

    /// Marks one item taken from the queue as processed (asyncio's
    /// `task_done`). When every item put has been marked, [`join`](GenericQueue::join)
    /// returns.
    ///
    /// Fails with [`TaskDoneError`] if called more times than items were put.
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        self.update(|st, wakes| {
            if st.unfinished == 0 {
                return Err(TaskDoneError);
            }
            st.unfinished -= 1;
            if st.unfinished == 0 {
                st.joiners.notify_all(wakes);
            }
            Ok(())
        })
    }

    /// Number of items put and not yet marked with
    /// [`task_done`](GenericQueue::task_done).
    pub fn unfinished_tasks(&self) -> usize {
        self.inner.state.lock().unfinished
    }

    /// Number of tasks blocked in [`get`](GenericQueue::get) that no item
    /// has woken yet (asyncio's `len(q._getters)`: a woken getter leaves the
    /// list at once, a cancelled one when its task is dropped or a `put`
    /// passes it over).
    ///
    /// ```
    /// use simloop::{Sim, sync::Queue, task};
    ///
    /// Sim::new(1).run(async {
    ///     let q = Queue::<u32>::new();
    ///     let q2 = q.clone();
    ///     let getter = task::spawn(async move { q2.get().await.unwrap() });
    ///     task::yield_now().await;
    ///     assert_eq!(q.getters(), 1);
    ///     q.try_put(7).unwrap();
    ///     assert_eq!(q.getters(), 0); // woken: no longer waiting
    ///     assert_eq!(getter.await.unwrap(), 7);
    /// }).unwrap();
    /// ```
    pub fn getters(&self) -> usize {
        self.inner.state.lock().getters.unwoken()
    }

    /// Number of tasks blocked in [`put`](GenericQueue::put) on a full
    /// queue that no free slot has woken yet (asyncio's `len(q._putters)`).
    ///
    /// ```
    /// use simloop::{Sim, sync::Queue, task};
    ///
    /// Sim::new(1).run(async {
    ///     let q = Queue::with_capacity(1);
    ///     q.try_put(1).unwrap();
    ///     let q2 = q.clone();
    ///     let putter = task::spawn(async move { q2.put(2).await.unwrap() });
    ///     task::yield_now().await;
    ///     assert_eq!(q.putters(), 1);
    ///     assert_eq!(q.try_get().unwrap(), 1);
    ///     assert_eq!(q.putters(), 0);
    ///     putter.await.unwrap();
    ///     assert_eq!(q.len(), 1);
    /// }).unwrap();
    /// ```
    pub fn putters(&self) -> usize {
        self.inner.state.lock().putters.unwoken()
    }

    /// Number of tasks blocked in [`join`](GenericQueue::join) (asyncio's
    /// `len(q._finished._waiters)`), including ones the last
    /// [`task_done`](GenericQueue::task_done) woke that have not run yet.
    pub fn joiners(&self) -> usize {
        self.inner.state.lock().joiners.len()
    }

    /// Waits until every item put has been marked with
    /// [`task_done`](GenericQueue::task_done) (asyncio's `join`). Returns at once if
    /// there is none.
    pub fn join(&self) -> Join<'_, T, S> {
        Join {
            queue: self,
            waiter: None,
        }
    }

    /// Shuts the queue down (Python 3.13's `Queue.shutdown`).
    ///
    /// From then on `put` and `try_put` fail, and `get` fails once the queue
    /// is empty; every blocked `put` and `get` wakes up to re-check. With
    /// `immediate`, the queued items are dropped at once and counted as done
    /// (which may release [`join`](GenericQueue::join)), so `get` fails at once too.
    pub fn shutdown(&self, immediate: bool) {
        let dropped = self.update(|st, wakes| {
            let mut dropped = Vec::new();
            st.shutdown = true;
            if immediate {
                while let Some(item) = st.items.pop() {
                    dropped.push(item);
                    st.unfinished = st.unfinished.saturating_sub(1);
                }
                if st.unfinished == 0 {
                    st.joiners.notify_all(wakes);
                }
            }
            st.getters.notify_all(wakes);
            st.putters.notify_all(wakes);
            dropped
        });
        // Item destructors run outside the queue's lock.
        drop(dropped);
    }

    /// Whether [`shutdown`](GenericQueue::shutdown) has been called.
    pub fn is_shut_down(&self) -> bool {
        self.inner.state.lock().shutdown
    }
}

impl<T, S> Clone for GenericQueue<T, S> {
    fn clone(&self) -> Self {
        GenericQueue {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T, S: Storage<T>> fmt::Debug for GenericQueue<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.inner.state.lock();
        f.debug_struct("Queue")
            .field("name", &st.name)
            .field("len", &st.items.len())
            .field("maxsize", &st.maxsize)
            .field("unfinished", &st.unfinished)
            .field("shutdown", &st.shutdown)
            .finish()
    }
}

/// The future returned by [`Queue::get`](GenericQueue::get).
#[must_use = "futures do nothing unless awaited"]
pub struct Get<'a, T, S: Storage<T>> {
    queue: &'a GenericQueue<T, S>,
    waiter: Option<WaiterId>,
    finished: bool,
}

impl<T, S: Storage<T>> Future for Get<'_, T, S> {
    type Output = Result<T, ShutDown>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        assert!(
            !this.finished,
            "simloop::sync::Get polled after it completed"
        );
        let inner = &this.queue.inner;
        let mut st = inner.state.lock();
        if let Some(id) = this.waiter.as_mut() {
            if !st.getters.take_notified(id, cx.waker()) {
                park(inner.ops.get, st.name.as_ref());
                return Poll::Pending;
            }
            this.waiter = None;
        }
        let mut wakes = WakeList::new();
        let result = match st.get_now(&mut wakes) {
            Ok(item) => Ok(item),
            Err(TryGetError::ShutDown) => Err(ShutDown),
            Err(TryGetError::Empty) => {
                this.waiter = Some(st.getters.push(cx.waker()));
                park(inner.ops.get, st.name.as_ref());
                return Poll::Pending;
            }
        };
        drop(st);
        wakes.wake_all();
        this.finished = true;
        Poll::Ready(result)
    }
}

impl<T, S: Storage<T>> Drop for Get<'_, T, S> {
    fn drop(&mut self) {
        let Some(id) = self.waiter.take() else { return };
        // Woken for an item we will not take: wake the next getter instead.
        self.queue.update(|st, wakes| {
            let item_left = !st.items.is_empty();
            st.getters.withdraw(id, item_left, wakes);
        });
    }
}

impl<T, S: Storage<T>> fmt::Debug for Get<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Get")
            .field("waiting", &self.waiter.is_some())
            .finish()
    }
}

/// The future returned by [`Queue::put`](GenericQueue::put).
#[must_use = "futures do nothing unless awaited"]
pub struct Put<'a, T, S: Storage<T>> {
    queue: &'a GenericQueue<T, S>,
    item: Option<T>,
    waiter: Option<WaiterId>,
}

// The item is never pinned.
impl<T, S: Storage<T>> Unpin for Put<'_, T, S> {}

impl<T, S: Storage<T>> Future for Put<'_, T, S> {
    type Output = Result<(), PutError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let inner = &this.queue.inner;
        let mut st = inner.state.lock();
        if let Some(id) = this.waiter.as_mut() {
            if !st.putters.take_notified(id, cx.waker()) {
                park(inner.ops.put, st.name.as_ref());
                return Poll::Pending;
            }
            this.waiter = None;
        }
        let item = this
            .item
            .take()
            .expect("simloop::sync::Put polled after it completed");
        let mut wakes = WakeList::new();
        let result = match st.put_now(item, &mut wakes) {
            Ok(()) => Ok(()),
            Err(TryPutError::ShutDown(item)) => Err(PutError(item)),
            Err(TryPutError::Full(item)) => {
                this.item = Some(item);
                this.waiter = Some(st.putters.push(cx.waker()));
                park(inner.ops.put, st.name.as_ref());
                return Poll::Pending;
            }
        };
        drop(st);
        wakes.wake_all();
        Poll::Ready(result)
    }
}

impl<T, S: Storage<T>> Drop for Put<'_, T, S> {
    fn drop(&mut self) {
        let Some(id) = self.waiter.take() else { return };
        // Woken for a free slot we will not fill: wake the next putter.
        self.queue.update(|st, wakes| {
            let slot_left = !st.is_full();
            st.putters.withdraw(id, slot_left, wakes);
        });
    }
}

impl<T, S: Storage<T>> fmt::Debug for Put<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Put")
            .field("waiting", &self.waiter.is_some())
            .finish()
    }
}

/// The future returned by [`Queue::join`](GenericQueue::join).
#[must_use = "futures do nothing unless awaited"]
pub struct Join<'a, T, S: Storage<T>> {
    queue: &'a GenericQueue<T, S>,
    waiter: Option<WaiterId>,
}

impl<T, S: Storage<T>> Future for Join<'_, T, S> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let inner = &this.queue.inner;
        let mut st = inner.state.lock();
        let notified = this
            .waiter
            .as_mut()
            .map(|id| st.joiners.take_notified(id, cx.waker()));
        match notified {
            // Like asyncio's `_finished` event: once woken, done, even if
            // new items were put since.
            Some(true) => {
                this.waiter = None;
                Poll::Ready(())
            }
            Some(false) => {
                park(inner.ops.join, st.name.as_ref());
                Poll::Pending
            }
            None if st.unfinished == 0 => Poll::Ready(()),
            None => {
                this.waiter = Some(st.joiners.push(cx.waker()));
                park(inner.ops.join, st.name.as_ref());
                Poll::Pending
            }
        }
    }
}

impl<T, S: Storage<T>> Drop for Join<'_, T, S> {
    fn drop(&mut self) {
        if let Some(id) = self.waiter.take() {
            self.queue.inner.state.lock().joiners.remove(id);
        }
    }
}

impl<T, S: Storage<T>> fmt::Debug for Join<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Join")
            .field("waiting", &self.waiter.is_some())
            .finish()
    }
}
