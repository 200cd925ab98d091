//! [`Condition`]: asyncio's `Condition`, tied to a [`Mutex`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use super::mutex::{Mutex, MutexGuard, MutexLock};
use super::waiters::{WaiterId, Waiters, WakeList, park};
use crate::time::{self, Instant};

/// A condition variable for tasks, tied to a [`Mutex`]: asyncio's
/// `Condition`.
///
/// A task locks the condition's mutex ([`lock`](Condition::lock)), checks
/// the protected state and, if it must wait, hands its guard to
/// [`wait`](Condition::wait), which releases the lock, sleeps until
/// notified, re-takes the lock and gives the guard back.
/// [`notify`](Condition::notify) and [`notify_all`](Condition::notify_all)
/// take a guard too, which proves the caller holds the lock (asyncio checks
/// this at run time).
///
/// A cheap handle: clones share the same mutex and waiters.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, sync::Condition, task, time};
///
/// let got = Sim::new(1).run(async {
///     let items = Condition::new(Vec::new()).named("items");
///     let consumer = task::spawn({
///         let items = items.clone();
///         async move {
///             let guard = items.lock().await;
///             let mut guard = items.wait_for(guard, |v| !v.is_empty()).await;
///             (guard.pop(), time::now().since_start())
///         }
///     });
///     time::sleep(Duration::from_secs(2)).await;
///     let mut guard = items.lock().await;
///     guard.push("job");
///     items.notify(&guard, 1);
///     drop(guard); // the consumer re-takes the lock once we release it
///     consumer.await.unwrap()
/// }).unwrap();
/// assert_eq!(got, (Some("job"), Duration::from_secs(2)));
/// ```
///
/// # Fairness
///
/// `notify(n)` wakes the `n` longest-waiting tasks, `notify_all` every one;
/// each then queues for the lock behind the tasks already waiting for it,
/// first come first served, as in asyncio.
///
/// # Cancel safety
///
/// Dropping a [`ConditionWait`] future after it has released the lock does
/// not re-take it (Rust cannot wait in a destructor; asyncio re-acquires the
/// lock before propagating `CancelledError`). As in CPython 3.13, a dropped
/// wait passes one notification on to the next waiter, so a wake-up meant
/// for it is never lost; the next waiter may then wake without a matching
/// change of state, which is why waits belong in a loop
/// ([`wait_for`](Condition::wait_for)).
///
/// # Differences from asyncio
///
/// - The lock is a [`Mutex<T>`] holding the protected state, and `wait`
///   takes and returns its guard. Several conditions can share one mutex
///   ([`with_mutex`](Condition::with_mutex)), like `Condition(lock)`.
/// - `wait_for`'s predicate receives the protected state and returns a
///   `bool`; the guard is returned instead of the predicate's value.
/// - `notify` returns how many tasks it woke.
///
/// # Panics
///
/// [`wait`](Condition::wait), [`notify`](Condition::notify) and
/// [`notify_all`](Condition::notify_all) panic if given a guard of another
/// mutex (asyncio raises `RuntimeError` when the lock is not held).
pub struct Condition<T> {
    mutex: Mutex<T>,
    inner: Arc<parking_lot::Mutex<State>>,
}

struct State {
    waiters: Waiters,
    name: Option<Arc<str>>,
}

impl<T> Condition<T> {
    /// A condition with a new mutex protecting `value`.
    pub fn new(value: T) -> Condition<T> {
        Condition::with_mutex(Mutex::new(value))
    }

    /// A condition tied to an existing mutex (asyncio's `Condition(lock)`).
    pub fn with_mutex(mutex: Mutex<T>) -> Condition<T> {
        Condition {
            mutex,
            inner: Arc::new(parking_lot::Mutex::new(State {
                waiters: Waiters::default(),
                name: None,
            })),
        }
    }

    /// Names the condition: deadlock reports then say e.g.
    /// `Condition::wait on "items"`. A mutex that has no name yet (the
    /// condition's own, from [`new`](Condition::new)) gets the same name, so
    /// that waits for the lock say `Mutex::lock on "items"`.
    pub fn named(self, name: impl Into<Arc<str>>) -> Condition<T> {
        let name = name.into();
        self.mutex.name_if_unnamed(&name);
        self.inner.lock().name = Some(name);
        self
    }

    /// The condition's name, if it was given one.
    pub fn name(&self) -> Option<Arc<str>> {
        self.inner.lock().name.clone()
    }

    /// The mutex the condition is tied to.
    pub fn mutex(&self) -> &Mutex<T> {
        &self.mutex
    }

    /// Takes the condition's lock (`async with cond`); see [`Mutex::lock`].
    pub fn lock(&self) -> MutexLock<'_, T> {
        self.mutex.lock()
    }

    /// Releases the lock held by `guard`, waits until notified, re-takes the
    /// lock and returns the new guard.
    ///
    /// The lock is released when the returned future is first polled.
    ///
    /// # Under a timeout: use [`wait_timeout`](Condition::wait_timeout)
    ///
    /// `time::timeout(d, cond.wait(guard))` compiles, but when the deadline
    /// passes first it drops the wait, and the guard it was given with it:
    /// the caller gets `Err(Elapsed)` and no lock, where asyncio's
    /// `wait_for(cond.wait(), d)` re-acquires the lock before raising
    /// `TimeoutError`. [`wait_timeout`](Condition::wait_timeout) and
    /// [`wait_until`](Condition::wait_until) always give the guard back.
    ///
    /// # Panics
    ///
    /// If `guard` belongs to another mutex.
    pub fn wait(&self, guard: MutexGuard<T>) -> ConditionWait<'_, T> {
        self.check(&guard, "wait");
        ConditionWait {
            condition: self,
            stage: Stage::Start(guard),
        }
    }

    /// Waits until `predicate` holds for the protected state: checks it
    /// first, then [`wait`](Condition::wait)s and re-checks after every
    /// wake-up. Returns the guard, with the predicate true.
    ///
    /// # Panics
    ///
    /// If `guard` belongs to another mutex.
    pub async fn wait_for<P>(&self, mut guard: MutexGuard<T>, mut predicate: P) -> MutexGuard<T>
    where
        P: FnMut(&mut T) -> bool,
    {
        self.check(&guard, "wait_for");
        while !predicate(&mut guard) {
            guard = self.wait(guard).await;
        }
        guard
    }

    /// [`wait`](Condition::wait) for at most `duration`: asyncio's
    /// `await asyncio.wait_for(cond.wait(), duration)`, which cannot lose the
    /// lock. Returns the guard in every case, with whether the wait timed
    /// out.
    ///
    /// On timeout the task leaves the condition's waiters, re-takes the lock
    /// behind the tasks already waiting for it (as asyncio's `wait` does in
    /// its `finally`, where it re-acquires the lock before the
    /// `TimeoutError` propagates), then notifies one other waiter, as
    /// CPython 3.13 does so that a notification that raced with the timeout
    /// is not lost. A zero (or past) deadline, as in `wait_for`, never starts
    /// the wait: the lock is never released, and the guard comes back after
    /// the same ready items as asyncio's `TimeoutError`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use simloop::{Sim, sync::Condition, task, time};
    ///
    /// Sim::new(1).run(async {
    ///     let cond = Condition::new(0);
    ///     let c = cond.clone();
    ///     // Holds the lock from 2 s to 5 s.
    ///     task::spawn(async move {
    ///         time::sleep(Duration::from_secs(2)).await;
    ///         let _g = c.lock().await;
    ///         time::sleep(Duration::from_secs(3)).await;
    ///     });
    ///     let guard = cond.lock().await;
    ///     let (mut guard, result) = cond.wait_timeout(guard, Duration::from_secs(3)).await;
    ///     // Timed out at 3 s, then waited for the lock until 5 s.
    ///     assert!(result.timed_out());
    ///     assert_eq!(time::now().since_start(), Duration::from_secs(5));
    ///     *guard += 1;
    /// }).unwrap();
    /// ```
    ///
    /// # Cancel safety
    ///
    /// As [`wait`](Condition::wait)'s: dropping the future while it waits
    /// passes one notification on and does not re-take the lock.
    ///
    /// # Panics
    ///
    /// If `guard` belongs to another mutex; outside a simulation.
    pub async fn wait_timeout(
        &self,
        guard: MutexGuard<T>,
        duration: Duration,
    ) -> (MutexGuard<T>, WaitTimeoutResult) {
        self.check(&guard, "wait_timeout");
        let mut wait = self.wait(guard);
        match time::wait_for(duration, &mut wait).await {
            Ok(guard) => (guard, WaitTimeoutResult(false)),
            Err(_) => (wait.after_timeout().await, WaitTimeoutResult(true)),
        }
    }

    /// [`wait_timeout`](Condition::wait_timeout) with an absolute deadline.
    ///
    /// # Cancel safety
    ///
    /// As [`wait_timeout`](Condition::wait_timeout).
    ///
    /// # Panics
    ///
    /// If `guard` belongs to another mutex; outside a simulation.
    pub async fn wait_until(
        &self,
        guard: MutexGuard<T>,
        deadline: Instant,
    ) -> (MutexGuard<T>, WaitTimeoutResult) {
        let duration = deadline.saturating_duration_since(time::now());
        self.wait_timeout(guard, duration).await
    }

    /// Number of tasks waiting to be notified (asyncio's `len(cond._waiters)`):
    /// those in [`wait`](Condition::wait) that released the lock, until they
    /// run again after their notification (a notified task that then waits
    /// to re-take the lock counts among the lock's
    /// [`waiters`](Mutex::waiters) instead).
    ///
    /// ```
    /// use simloop::{Sim, sync::Condition, task};
    ///
    /// Sim::new(1).run(async {
    ///     let cond = Condition::new(false);
    ///     let c2 = cond.clone();
    ///     let waiter = task::spawn(async move {
    ///         let g = c2.lock().await;
    ///         drop(c2.wait_for(g, |ready| *ready).await);
    ///     });
    ///     task::yield_now().await;
    ///     assert_eq!(cond.waiters(), 1);
    ///     let mut g = cond.lock().await;
    ///     *g = true;
    ///     assert_eq!(cond.notify_all(&g), 1);
    ///     drop(g);
    ///     waiter.await.unwrap();
    ///     assert_eq!(cond.waiters(), 0);
    /// }).unwrap();
    /// ```
    pub fn waiters(&self) -> usize {
        self.inner.lock().waiters.len()
    }

    /// Wakes up to `n` waiting tasks, longest-waiting first. Returns how many
    /// it woke.
    ///
    /// # Panics
    ///
    /// If `guard` belongs to another mutex.
    pub fn notify(&self, guard: &MutexGuard<T>, n: usize) -> usize {
        self.check(guard, "notify");
        self.notify_unchecked(n)
    }

    /// Wakes every waiting task. Returns how many it woke.
    ///
    /// # Panics
    ///
    /// If `guard` belongs to another mutex.
    pub fn notify_all(&self, guard: &MutexGuard<T>) -> usize {
        self.check(guard, "notify_all");
        self.notify_unchecked(usize::MAX)
    }

    fn notify_unchecked(&self, n: usize) -> usize {
        let mut wakes = WakeList::new();
        let count = self.inner.lock().waiters.notify(n, &mut wakes);
        wakes.wake_all();
        count
    }

    fn check(&self, guard: &MutexGuard<T>, api: &str) {
        assert!(
            self.mutex.owns(guard),
            "Condition::{api} was given the guard of another mutex than the condition's"
        );
    }
}

impl<T> Clone for Condition<T> {
    fn clone(&self) -> Self {
        Condition {
            mutex: self.mutex.clone(),
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T: Default> Default for Condition<T> {
    fn default() -> Self {
        Condition::new(T::default())
    }
}

impl<T> fmt::Debug for Condition<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.inner.lock();
        f.debug_struct("Condition")
            .field("name", &st.name)
            .field("waiters", &st.waiters.len())
            .field("mutex", &self.mutex)
            .finish()
    }
}

enum Stage<'a, T> {
    /// Not polled yet: still holds the lock.
    Start(MutexGuard<T>),
    /// Released the lock; waits for a notification.
    Waiting(WaiterId),
    /// Notified; re-takes the lock.
    Relocking(MutexLock<'a, T>),
    Done,
}

/// The future returned by [`Condition::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct ConditionWait<'a, T> {
    condition: &'a Condition<T>,
    stage: Stage<'a, T>,
}

// Nothing inside is pinned structurally.
impl<T> Unpin for ConditionWait<'_, T> {}

impl<T> Future for ConditionWait<'_, T> {
    type Output = MutexGuard<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<T>> {
        let this = &mut *self;
        let condition = this.condition;
        loop {
            match &mut this.stage {
                Stage::Start(_) => {
                    let mut st = condition.inner.lock();
                    let id = st.waiters.push(cx.waker());
                    park("Condition::wait", st.name.as_ref());
                    drop(st);
                    // Releases the lock, waking the first task waiting for it.
                    this.stage = Stage::Waiting(id);
                    return Poll::Pending;
                }
                Stage::Waiting(id) => {
                    let mut st = condition.inner.lock();
                    if !st.waiters.take_notified(id, cx.waker()) {
                        park("Condition::wait", st.name.as_ref());
                        return Poll::Pending;
                    }
                    drop(st);
                    this.stage = Stage::Relocking(condition.mutex.lock());
                }
                Stage::Relocking(lock) => {
                    let guard = std::task::ready!(Pin::new(lock).poll(cx));
                    this.stage = Stage::Done;
                    return Poll::Ready(guard);
                }
                Stage::Done => panic!("simloop::sync::ConditionWait polled after it completed"),
            }
        }
    }
}

impl<'a, T> ConditionWait<'a, T> {
    /// After a timeout cut the wait short: leaves the waiters, re-takes the
    /// lock (behind the tasks waiting for it) and notifies one other
    /// waiter, as CPython 3.13's `Condition.wait` does on its way out. A
    /// wait that never started still holds its guard.
    async fn after_timeout(&mut self) -> MutexGuard<T> {
        let condition = self.condition;
        let relock = match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Start(guard) => return guard,
            Stage::Waiting(id) => {
                condition.inner.lock().waiters.remove(id);
                condition.mutex.lock()
            }
            // Gives up its place in the lock's queue (or the lock handed to
            // it) and joins the queue again at its end, as asyncio's
            // cancelled `acquire` does.
            Stage::Relocking(lock) => {
                drop(lock);
                condition.mutex.lock()
            }
            Stage::Done => panic!("simloop::sync::ConditionWait timed out after it completed"),
        };
        let guard = relock.await;
        condition.notify_unchecked(1);
        guard
    }
}

/// Whether a [`Condition::wait_timeout`] timed out (the guard comes back
/// either way), like `std::sync::WaitTimeoutResult`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// Whether the deadline passed before a notification.
    pub fn timed_out(&self) -> bool {
        self.0
    }
}

impl<T> Drop for ConditionWait<'_, T> {
    fn drop(&mut self) {
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Waiting(id) => {
                self.condition.inner.lock().waiters.remove(id);
                self.condition.notify_unchecked(1);
            }
            Stage::Relocking(lock) => {
                // Gives up the lock's place (or the lock) first.
                drop(lock);
                self.condition.notify_unchecked(1);
            }
            Stage::Start(_) | Stage::Done => {}
        }
    }
}

impl<T> fmt::Debug for ConditionWait<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = match self.stage {
            Stage::Start(_) => "start",
            Stage::Waiting(_) => "waiting",
            Stage::Relocking(_) => "relocking",
            Stage::Done => "done",
        };
        f.debug_struct("ConditionWait")
            .field("stage", &stage)
            .finish()
    }
}
