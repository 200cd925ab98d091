//! [`Semaphore`] and [`BoundedSemaphore`]: asyncio's semaphores, with
//! permits as guards.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::waiters::{WaiterId, Waiters, WakeList, park};

/// A counter of permits for tasks: asyncio's `Semaphore`.
///
/// [`acquire`](Semaphore::acquire) waits for a free permit and returns it as
/// a [`SemaphorePermit`]; dropping the permit gives it back. A cheap handle:
/// clones share the same permits. `Send + Sync`; works with any executor's
/// wakers.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, sync::Semaphore, task, time};
///
/// // Six requests, at most two at a time, one second each: three seconds.
/// let elapsed = Sim::new(1).run(async {
///     let limit = Semaphore::new(2).named("http");
///     let requests: Vec<_> = (0..6).map(|_| {
///         let limit = limit.clone();
///         task::spawn(async move {
///             let _permit = limit.acquire().await;
///             time::sleep(Duration::from_secs(1)).await;
///         })
///     }).collect();
///     for r in requests { r.await.unwrap(); }
///     time::now().since_start()
/// }).unwrap();
/// assert_eq!(elapsed, Duration::from_secs(3));
/// ```
///
/// # Fairness
///
/// First come, first served, as asyncio's `Semaphore` (3.12): `acquire`
/// only takes a free permit at once if nobody (but tasks being cancelled)
/// waits; a released permit is handed to the first waiter not being
/// cancelled at release time, so no later arrival can take it first.
///
/// # Cancel safety
///
/// Dropping an [`Acquire`] future before it completes loses nothing: if a
/// permit had already been handed to it, the permit goes to the next waiter
/// (or back to the count). Dropping a permit releases it.
///
/// # Differences from asyncio
///
/// - `release` happens when the [`SemaphorePermit`] drops;
///   [`release`](Semaphore::release) and [`add_permits`](Semaphore::add_permits)
///   add permits without a guard, like asyncio's bare `release()`.
/// - [`try_acquire`](Semaphore::try_acquire) has no asyncio counterpart (it
///   is `if not sem.locked(): await sem.acquire()`).
/// - `locked()` is [`is_locked`](Semaphore::is_locked); `_value` is
///   [`available_permits`](Semaphore::available_permits).
#[derive(Clone)]
pub struct Semaphore {
    core: Core,
}

/// A [`Semaphore`] that refuses to be released above its initial count:
/// asyncio's `BoundedSemaphore`.
///
/// ```
/// use simloop::{Sim, sync::BoundedSemaphore};
/// Sim::new(1).run(async {
///     let sem = BoundedSemaphore::new(1);
///     let permit = sem.acquire().await;
///     assert_eq!(sem.available_permits(), 0);
///     drop(permit);
///     // A release without a matching acquire is an error.
///     assert!(sem.release().is_err());
///     assert_eq!(sem.available_permits(), 1);
/// }).unwrap();
/// ```
///
/// Fairness and cancel safety are those of [`Semaphore`].
///
/// # Differences from asyncio
///
/// Those of [`Semaphore`]; an over-release returns [`OverRelease`] instead
/// of raising `ValueError`, and there is no `add_permits`.
///
/// # Panics
///
/// Dropping a [`SemaphorePermit`] panics if it would raise the count above
/// the bound. That only happens after an unmatched
/// [`release`](BoundedSemaphore::release) while permits were out, where
/// asyncio raises `ValueError` from the second release.
#[derive(Clone)]
pub struct BoundedSemaphore {
    core: Core,
}

/// [`try_acquire`](Semaphore::try_acquire) found no free permit (or other
/// tasks waiting for one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no semaphore permit available")]
pub struct TryAcquireError;

/// [`BoundedSemaphore::release`] would raise the count above its bound
/// (asyncio raises `ValueError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("BoundedSemaphore released too many times (bound {bound})")]
pub struct OverRelease {
    /// The semaphore's initial count.
    pub bound: usize,
}

#[derive(Clone)]
struct Core {
    inner: Arc<Inner>,
}

struct Inner {
    state: parking_lot::Mutex<State>,
    op: &'static str,
}

struct State {
    /// Free permits, not counting those handed to woken waiters.
    value: usize,
    bound: Option<usize>,
    waiters: Waiters,
    name: Option<Arc<str>>,
}

impl State {
    /// asyncio's `locked()`: no permit, or someone is first in line.
    fn is_locked(&self) -> bool {
        self.value == 0 || !self.waiters.all_cancelled()
    }

    /// asyncio's `_wake_up_next`: hands a permit to the first waiter not yet
    /// woken.
    fn wake_next(&mut self, wakes: &mut WakeList) -> bool {
        if self.value > 0 && self.waiters.notify_next(wakes) {
            self.value -= 1;
            true
        } else {
            false
        }
    }

    /// The end of asyncio's `acquire`: new waiters may have arrived while
    /// permits were free; wake as many as allowed.
    fn wake_while_free(&mut self, wakes: &mut WakeList) {
        while self.wake_next(wakes) {}
    }

    fn release(&mut self, n: usize, wakes: &mut WakeList) -> Result<(), OverRelease> {
        if let Some(bound) = self.bound
            && self.value.saturating_add(n) > bound
        {
            return Err(OverRelease { bound });
        }
        for _ in 0..n {
            self.value += 1;
            self.wake_next(wakes);
        }
        Ok(())
    }
}

impl Core {
    fn new(permits: usize, bound: Option<usize>, op: &'static str) -> Core {
        Core {
            inner: Arc::new(Inner {
                state: parking_lot::Mutex::new(State {
                    value: permits,
                    bound,
                    waiters: Waiters::default(),
                    name: None,
                }),
                op,
            }),
        }
    }

    fn set_name(&self, name: Arc<str>) {
        self.inner.state.lock().name = Some(name);
    }

    fn name(&self) -> Option<Arc<str>> {
        self.inner.state.lock().name.clone()
    }

    fn acquire(&self) -> Acquire<'_> {
        Acquire {
            core: self,
            waiter: None,
            finished: false,
        }
    }

    fn try_acquire(&self) -> Result<SemaphorePermit, TryAcquireError> {
        let mut st = self.inner.state.lock();
        if st.is_locked() {
            return Err(TryAcquireError);
        }
        st.value -= 1;
        Ok(self.permit())
    }

    fn permit(&self) -> SemaphorePermit {
        SemaphorePermit {
            core: Some(self.clone()),
        }
    }

    fn available(&self) -> usize {
        self.inner.state.lock().value
    }

    fn is_locked(&self) -> bool {
        self.inner.state.lock().is_locked()
    }

    fn waiters(&self) -> usize {
        self.inner.state.lock().waiters.len()
    }

    fn release(&self, n: usize) -> Result<(), OverRelease> {
        let mut wakes = WakeList::new();
        let result = self.inner.state.lock().release(n, &mut wakes);
        wakes.wake_all();
        result
    }

    fn debug(&self, kind: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.inner.state.lock();
        f.debug_struct(kind)
            .field("name", &st.name)
            .field("available", &st.value)
            .field("waiters", &st.waiters.len())
            .finish()
    }
}

impl Semaphore {
    /// A semaphore with `permits` free permits.
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            core: Core::new(permits, None, "Semaphore::acquire"),
        }
    }

    /// Names the semaphore: deadlock reports then say e.g.
    /// `Semaphore::acquire on "http"`.
    pub fn named(self, name: impl Into<Arc<str>>) -> Semaphore {
        self.core.set_name(name.into());
        self
    }

    /// The semaphore's name, if it was given one.
    pub fn name(&self) -> Option<Arc<str>> {
        self.core.name()
    }

    /// Waits for a free permit and takes it (asyncio's `acquire`). Returns at
    /// once, without yielding, if a permit is free and nobody waits.
    pub fn acquire(&self) -> Acquire<'_> {
        self.core.acquire()
    }

    /// Takes a permit if one is free and nobody waits for one.
    pub fn try_acquire(&self) -> Result<SemaphorePermit, TryAcquireError> {
        self.core.try_acquire()
    }

    /// Number of free permits (not counting permits already handed to woken
    /// waiters).
    pub fn available_permits(&self) -> usize {
        self.core.available()
    }

    /// Whether `acquire` would wait (asyncio's `locked`): no free permit, or
    /// other tasks are first in line.
    pub fn is_locked(&self) -> bool {
        self.core.is_locked()
    }

    /// Number of tasks waiting for a permit (asyncio's `len(sem._waiters)`):
    /// those blocked in [`acquire`](Semaphore::acquire), including a woken
    /// one that has not run yet to take its permit and one whose task is
    /// being cancelled but has not been dropped yet.
    ///
    /// ```
    /// use simloop::{Sim, sync::Semaphore, task};
    ///
    /// Sim::new(1).run(async {
    ///     let sem = Semaphore::new(1);
    ///     let permit = sem.acquire().await;
    ///     let waiters: Vec<_> = (0..2)
    ///         .map(|_| {
    ///             let sem = sem.clone();
    ///             task::spawn(async move { drop(sem.acquire().await) })
    ///         })
    ///         .collect();
    ///     task::yield_now().await;
    ///     assert_eq!(sem.waiters(), 2);
    ///     drop(permit);
    ///     for w in waiters { w.await.unwrap(); }
    ///     assert_eq!(sem.waiters(), 0);
    /// }).unwrap();
    /// ```
    pub fn waiters(&self) -> usize {
        self.core.waiters()
    }

    /// Adds `n` permits, waking up to `n` waiters (as `n` asyncio
    /// `release()` calls).
    pub fn add_permits(&self, n: usize) {
        // Unbounded: never fails.
        let _ = self.core.release(n);
    }

    /// Adds one permit without a guard (asyncio's `release`).
    pub fn release(&self) {
        self.add_permits(1);
    }
}

impl BoundedSemaphore {
    /// A bounded semaphore with `permits` free permits, which is also its
    /// bound.
    pub fn new(permits: usize) -> BoundedSemaphore {
        BoundedSemaphore {
            core: Core::new(permits, Some(permits), "BoundedSemaphore::acquire"),
        }
    }

    /// Names the semaphore for deadlock reports.
    pub fn named(self, name: impl Into<Arc<str>>) -> BoundedSemaphore {
        self.core.set_name(name.into());
        self
    }

    /// The semaphore's name, if it was given one.
    pub fn name(&self) -> Option<Arc<str>> {
        self.core.name()
    }

    /// The bound (initial number of permits).
    pub fn bound(&self) -> usize {
        self.core.inner.state.lock().bound.unwrap_or(0)
    }

    /// Waits for a free permit and takes it; see [`Semaphore::acquire`].
    pub fn acquire(&self) -> Acquire<'_> {
        self.core.acquire()
    }

    /// Takes a permit if one is free and nobody waits for one.
    pub fn try_acquire(&self) -> Result<SemaphorePermit, TryAcquireError> {
        self.core.try_acquire()
    }

    /// Number of free permits.
    pub fn available_permits(&self) -> usize {
        self.core.available()
    }

    /// Whether `acquire` would wait (asyncio's `locked`).
    pub fn is_locked(&self) -> bool {
        self.core.is_locked()
    }

    /// Number of tasks waiting for a permit (asyncio's `len(sem._waiters)`);
    /// see [`Semaphore::waiters`].
    pub fn waiters(&self) -> usize {
        self.core.waiters()
    }

    /// Adds one permit without a guard (asyncio's `release`), or fails with
    /// [`OverRelease`] if the count is already at its bound.
    pub fn release(&self) -> Result<(), OverRelease> {
        self.core.release(1)
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.core.debug("Semaphore", f)
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.core.debug("BoundedSemaphore", f)
    }
}

/// The future returned by [`Semaphore::acquire`] and
/// [`BoundedSemaphore::acquire`].
#[must_use = "futures do nothing unless awaited"]
pub struct Acquire<'a> {
    core: &'a Core,
    waiter: Option<WaiterId>,
    finished: bool,
}

impl Future for Acquire<'_> {
    type Output = SemaphorePermit;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SemaphorePermit> {
        let this = &mut *self;
        assert!(
            !this.finished,
            "simloop::sync::Acquire polled after it completed"
        );
        let core = this.core;
        let mut st = core.inner.state.lock();
        let notified = this
            .waiter
            .as_mut()
            .map(|id| st.waiters.take_notified(id, cx.waker()));
        match notified {
            Some(true) => {
                // The permit was counted out for us when we were woken.
                this.waiter = None;
                let mut wakes = WakeList::new();
                st.wake_while_free(&mut wakes);
                drop(st);
                wakes.wake_all();
                this.finished = true;
                Poll::Ready(core.permit())
            }
            Some(false) => {
                park(core.inner.op, st.name.as_ref());
                Poll::Pending
            }
            None if !st.is_locked() => {
                st.value -= 1;
                this.finished = true;
                Poll::Ready(core.permit())
            }
            None => {
                this.waiter = Some(st.waiters.push(cx.waker()));
                park(core.inner.op, st.name.as_ref());
                Poll::Pending
            }
        }
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        let Some(id) = self.waiter.take() else { return };
        let mut wakes = WakeList::new();
        let mut st = self.core.inner.state.lock();
        if st.waiters.remove(id) == Some(true) {
            // Handed a permit we will not use: give it back.
            st.value += 1;
        }
        st.wake_while_free(&mut wakes);
        drop(st);
        wakes.wake_all();
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("waiting", &self.waiter.is_some())
            .finish()
    }
}

/// A permit of a [`Semaphore`] or [`BoundedSemaphore`]; dropping it gives
/// the permit back and wakes the first waiter.
///
/// The permit owns a handle to its semaphore, so it may be moved into
/// another task.
#[must_use = "dropping the permit releases it at once"]
pub struct SemaphorePermit {
    /// `None` once forgotten.
    core: Option<Core>,
}

impl SemaphorePermit {
    /// Keeps the permit out of the semaphore for good: dropping it no longer
    /// releases it (as an `acquire` never followed by `release`).
    pub fn forget(mut self) {
        self.core = None;
    }
}

impl Drop for SemaphorePermit {
    fn drop(&mut self) {
        let Some(core) = self.core.take() else { return };
        if let Err(err) = core.release(1)
            && !std::thread::panicking()
        {
            panic!("{err}: a permit was returned after an unmatched release()");
        }
    }
}

impl fmt::Debug for SemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("forgotten", &self.core.is_none())
            .finish()
    }
}
