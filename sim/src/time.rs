//! Virtual time: [`now`], [`sleep`], [`sleep_until`], [`timeout`], [`busy`],
//! and timer callbacks ([`call_later`], [`call_at`]).
//!
//! The clock is a count of nanoseconds since the simulation started. It only
//! moves in two ways: when no task is ready it jumps to the earliest pending
//! timer, and [`busy`] pushes it forward while blocking every other task. It
//! never reads the wall clock, so an hour-long sleep takes no real time.
//!
//! ```
//! use std::time::Duration;
//! use simloop::{Sim, time};
//!
//! let elapsed = Sim::new(1).run(async {
//!     let start = time::now();
//!     time::sleep(Duration::from_secs(3600)).await;
//!     time::now() - start
//! }).unwrap();
//! assert_eq!(elapsed, Duration::from_secs(3600));
//! ```
//!
//! # Panics
//!
//! Every function here panics when called outside a simulation (outside
//! [`Sim::run`](crate::Sim::run) and the tasks it spawns), with a message that
//! names the function.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::runtime::{self, CancelScope, TimerKey};
use crate::task::{CallbackHandle, Handle};

pub use crate::base::Instant;
pub(crate) use crate::base::duration_to_nanos;

impl Instant {
    /// Virtual time elapsed since `self`.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    pub fn elapsed(self) -> Duration {
        now().saturating_duration_since(self)
    }
}

/// The current virtual time.
///
/// # Panics
///
/// Outside a simulation.
pub fn now() -> Instant {
    runtime::with("simloop::time::now", |rt| rt.now())
}

/// The current virtual time, or `None` outside a simulation (for code, such
/// as log formatters, that runs both inside and outside one).
pub fn try_now() -> Option<Instant> {
    runtime::try_with(|rt| rt.now())
}

/// Waits until `duration` of virtual time has passed.
///
/// The deadline is fixed when `sleep` is called, not when it is first polled.
/// A sleep whose deadline has already passed (including
/// `sleep(Duration::ZERO)`) still yields to the scheduler once, like
/// `asyncio.sleep(0)`.
///
/// # Cancel safety
///
/// Dropping the returned future cancels the timer; nothing else is lost.
///
/// # Panics
///
/// Outside a simulation.
pub fn sleep(duration: Duration) -> Sleep {
    let deadline = runtime::with("simloop::time::sleep", |rt| rt.now()) + duration;
    Sleep::new(deadline)
}

/// Waits until the virtual clock reads `deadline` (yielding once if it already
/// has passed).
///
/// # Panics
///
/// Outside a simulation (when first polled).
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(deadline)
}

/// The future returned by [`sleep`] and [`sleep_until`].
#[derive(Debug)]
#[must_use = "a Sleep does nothing unless awaited"]
pub struct Sleep {
    deadline: Instant,
    timer: Option<TimerKey>,
    yielded: bool,
}

impl Sleep {
    fn new(deadline: Instant) -> Sleep {
        Sleep {
            deadline,
            timer: None,
            yielded: false,
        }
    }

    /// A sleep that completes at its first poll if `deadline` has passed,
    /// without yielding (for [`facade::sleep_until`](crate::facade::sleep_until)).
    pub(crate) fn without_yield(deadline: Instant) -> Sleep {
        Sleep {
            deadline,
            timer: None,
            yielded: true,
        }
    }

    /// The instant this sleep ends.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Whether the deadline has passed.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    pub fn is_elapsed(&self) -> bool {
        now() >= self.deadline
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        runtime::with("simloop::time::sleep", |rt| {
            if rt.now() >= this.deadline {
                if this.timer.is_none() && !this.yielded {
                    // Already due when first polled: still a scheduling point.
                    this.yielded = true;
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                if let Some(key) = this.timer.take() {
                    rt.cancel_timer(key);
                }
                return Poll::Ready(());
            }
            match this.timer {
                Some(key) => rt.update_timer(key, cx.waker()),
                None => this.timer = Some(rt.register_timer(this.deadline, cx.waker())),
            }
            Poll::Pending
        })
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(key) = self.timer.take() {
            runtime::try_with(|rt| rt.cancel_timer(key));
        }
    }
}

/// Runs `callback` once `delay` of virtual time has passed: asyncio's
/// `loop.call_later(delay, callback)`.
///
/// The callback runs the moment its timer fires, in the place among the
/// timers due at that instant that the strategy gives it (arming order under
/// [`Strategy::Fifo`](crate::Strategy::Fifo)); what it wakes or queues joins
/// the ready items there, as in asyncio. A zero delay (or a past deadline)
/// queues it when the next loop iteration starts, behind what the current
/// iteration queued, where asyncio's loop moves a due timer to its ready
/// queue (unlike [`task::call_soon`](crate::task::call_soon), which queues
/// at once). See `call_soon` for what a callback may do.
///
/// ```
/// use std::{cell::Cell, rc::Rc, time::Duration};
/// use simloop::{Sim, time};
///
/// Sim::new(1).run(async {
///     let fired = Rc::new(Cell::new(None));
///     let f = fired.clone();
///     let handle = time::call_later(Duration::from_secs(2), move || f.set(Some(time::now())));
///     assert_eq!(handle.when(), Some(time::Instant::ZERO + Duration::from_secs(2)));
///     time::call_later(Duration::from_secs(1), || unreachable!()).cancel();
///     time::sleep(Duration::from_secs(5)).await;
///     assert_eq!(fired.get().unwrap().since_start(), Duration::from_secs(2));
/// }).unwrap();
/// ```
///
/// # Panics
///
/// Outside a simulation. A panic inside the callback fails the run.
pub fn call_later(delay: Duration, callback: impl FnOnce() + 'static) -> CallbackHandle {
    let deadline = runtime::with("simloop::time::call_later", |rt| rt.now()) + delay;
    call_at(deadline, callback)
}

/// Runs `callback` when the clock reaches `deadline`: asyncio's
/// `loop.call_at(when, callback)`; see [`call_later`].
///
/// # Panics
///
/// Outside a simulation.
pub fn call_at(deadline: Instant, callback: impl FnOnce() + 'static) -> CallbackHandle {
    runtime::with("simloop::time::call_at", |rt| {
        let key = rt.call_at(deadline, Box::new(callback));
        CallbackHandle::new(key, rt.weak(), Some(deadline))
    })
}

/// The error of a [`timeout`] whose deadline passed before the future
/// completed (asyncio's `TimeoutError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("deadline has elapsed (timed out at {deadline})")]
pub struct Elapsed {
    deadline: Instant,
}

impl Elapsed {
    /// The instant at which the timeout fired.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }
}

/// Runs `future` for at most `duration` of virtual time (asyncio's
/// `async with asyncio.timeout(duration)` around it).
///
/// When the deadline passes first, the inner future is dropped right there
/// (cancelling it) and the result is `Err(Elapsed)`.
///
/// Ties go to the deadline, as in asyncio: once the deadline has passed, the
/// inner future is not polled again, even if it became ready at the same
/// instant. A zero (or past) deadline still polls the inner future, as
/// `async with asyncio.timeout(0)` runs its body up to its first
/// suspension: a future that completes at once (such as the handle of a
/// finished task) gives its value; one that waits is cancelled by a
/// callback queued before that first poll (asyncio's `_on_timeout`, queued
/// with `call_soon` when the block is entered), so the task resumes with
/// `Err` where asyncio's would. [`wait_for`] differs here, as in asyncio.
/// (Tokio polls the inner future first on every poll.)
///
/// # Cancel safety
///
/// Dropping the `Timeout` drops the inner future; it is as cancel safe as the
/// inner future.
///
/// # Panics
///
/// Outside a simulation.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, time};
///
/// Sim::new(7).run(async {
///     let slow = time::sleep(Duration::from_secs(400));
///     let err = time::timeout(Duration::from_secs(1), slow).await.unwrap_err();
///     assert_eq!(err.deadline().since_start(), Duration::from_secs(1));
///     assert_eq!(time::now().since_start(), Duration::from_secs(1));
/// }).unwrap();
/// ```
pub fn timeout<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    Timeout::new(future, sleep(duration), Mode::Timeout)
}

/// Like [`timeout`] with an absolute deadline.
///
/// # Panics
///
/// Outside a simulation (when first polled).
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout::new(future, sleep_until(deadline), Mode::Timeout)
}

/// `asyncio.wait_for(coroutine, duration)`: [`timeout`], except that a
/// zero (or past) deadline never polls the inner future at all.
///
/// A future that has not started never starts, as `wait_for` wraps a
/// coroutine in a task and cancels it before its first step. The caller
/// still waits for that cancellation as asyncio's does: it resumes with
/// `Err` three ready items later (the task's cancelled step, the callback
/// that releases the waiter, then its own wake-up), so the tasks ready
/// meanwhile run first.
///
/// ```
/// use std::{cell::Cell, rc::Rc, time::Duration};
/// use simloop::{Sim, task, time};
///
/// Sim::new(1).run(async {
///     let ran = Rc::new(Cell::new(false));
///     let r = ran.clone();
///     let out = time::wait_for(Duration::ZERO, async move { r.set(true); 42 }).await;
///     assert!(out.is_err() && !ran.get());
///     // `timeout` polls once: what completes at once gives its value.
///     assert_eq!(time::timeout(Duration::ZERO, async { 42 }).await, Ok(42));
/// }).unwrap();
/// ```
///
/// # A task or a promise: [`wait_for_handle`]
///
/// asyncio's `wait_for(task, 0)` returns the result of a task (or future)
/// that is already done. A [`JoinHandle`](crate::task::JoinHandle) is a
/// future like any other to this function, which cannot tell it from a
/// coroutine, so `wait_for(Duration::ZERO, handle)` fails even when the task
/// has finished, and drops the handle unpolled (detaching the task). Use
/// [`wait_for_handle`] for handles.
///
/// # Cancel safety
///
/// As [`timeout`].
///
/// # Panics
///
/// Outside a simulation.
pub fn wait_for<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    Timeout::new(future, sleep(duration), Mode::WaitFor)
}

/// `asyncio.wait_for(task, duration)` on a task or a promise: what a
/// [`Handle`] gives back once done is returned even when the deadline is
/// zero or has passed, as asyncio's `wait_for` returns `fut.result()` of a
/// done future without waiting.
///
/// A zero (or past) deadline on an unfinished one cancels it, as asyncio's
/// `wait_for` cancels the task, and waits for it to end: a
/// [`JoinHandle`](crate::task::JoinHandle)'s task is aborted (before its
/// first step, if it has not run yet), a
/// [`PromiseFuture`](crate::sync::PromiseFuture)'s promise cancelled, and
/// the caller resumes with `Err` from the done callback, as asyncio's does.
/// With a deadline
/// still ahead it is [`timeout`]: the task is aborted when the deadline
/// passes first.
///
/// ```
/// use std::{cell::Cell, rc::Rc, time::Duration};
/// use simloop::{Sim, task, time};
///
/// Sim::new(1).run(async {
///     let done = task::spawn(async { 7 });
///     task::yield_now().await; // it runs and finishes
///     // A finished task's result, even with a zero deadline.
///     assert_eq!(time::wait_for_handle(Duration::ZERO, done).await.unwrap().unwrap(), 7);
///
///     let finished = Rc::new(Cell::new(false));
///     let f = finished.clone();
///     let slow = task::spawn(async move {
///         time::sleep(Duration::from_secs(5)).await;
///         f.set(true);
///     });
///     assert!(time::wait_for_handle(Duration::ZERO, slow).await.is_err());
///     time::sleep(Duration::from_secs(10)).await;
///     // The unfinished task was cancelled, not left running.
///     assert!(!finished.get());
/// }).unwrap();
/// ```
///
/// # Cancel safety
///
/// As [`timeout`].
///
/// # Panics
///
/// Outside a simulation.
pub fn wait_for_handle<F: Handle>(duration: Duration, handle: F) -> Timeout<F> {
    Timeout::new(
        handle,
        sleep(duration),
        Mode::Handle {
            is_done: F::is_done,
            cancel: F::cancel_work,
            wake_when_done: F::wake_when_done,
        },
    )
}

pin_project_lite::pin_project! {
    /// The future returned by [`timeout`], [`wait_for`] and
    /// [`wait_for_handle`]: asyncio's `Timeout` object.
    #[derive(Debug)]
    #[must_use = "a Timeout does nothing unless awaited"]
    pub struct Timeout<F> {
        #[pin]
        future: Option<F>,
        #[pin]
        sleep: Sleep,
        // What a deadline already passed at the first poll does.
        mode: Mode<F>,
        polled: bool,
        expired: bool,
        // How a deadline already passed at the first poll expires.
        zero: Option<Zero>,
        // Created at the first poll.
        scope: Option<Arc<CancelScope>>,
    }
}

/// How a [`Timeout`] whose deadline had already passed at its first poll
/// expires: through ready items, as in asyncio, rather than at once.
/// Dropping it cancels the callback still queued.
#[derive(Debug)]
enum Zero {
    /// `timeout`: the callback that cancels the inner future's wait
    /// (asyncio's `_on_timeout`, queued before the body runs).
    Soon(CallbackHandle),
    /// `wait_for`: the ready items asyncio runs before the caller resumes.
    Release(Rc<Release>),
    /// `wait_for_handle`: the unfinished work was cancelled; its end wakes
    /// the task.
    Cancelling,
}

impl Drop for Zero {
    fn drop(&mut self) {
        match self {
            Zero::Soon(handle) => {
                handle.cancel();
            }
            Zero::Release(release) => {
                if let Some(handle) = release.pending.borrow_mut().take() {
                    handle.cancel();
                }
            }
            Zero::Cancelling => {}
        }
    }
}

/// The hops of `wait_for(coroutine, 0)`: asyncio's new task takes its
/// cancelled step, its done callback releases the waiter, and the waiter's
/// own callback wakes the caller.
#[derive(Debug, Default)]
struct Release {
    done: Cell<bool>,
    pending: RefCell<Option<CallbackHandle>>,
    waker: RefCell<Option<Waker>>,
}

impl Release {
    fn start(waker: &Waker) -> Rc<Release> {
        let release = Rc::new(Release::default());
        *release.waker.borrow_mut() = Some(waker.clone());
        Release::hop(&release, 2);
        release
    }

    /// Queues the next of the `left` callbacks; the last one wakes the
    /// caller, which is the third ready item.
    fn hop(release: &Rc<Release>, left: u32) {
        let weak = Rc::downgrade(release);
        let handle = crate::task::call_soon(move || {
            let Some(release) = weak.upgrade() else {
                return;
            };
            if left > 1 {
                Release::hop(&release, left - 1);
            } else {
                release.pending.borrow_mut().take();
                release.done.set(true);
                if let Some(waker) = release.waker.borrow_mut().take() {
                    waker.wake();
                }
            }
        });
        *release.pending.borrow_mut() = Some(handle);
    }
}

/// Puts the previous scope back when the inner future's poll ends, even
/// by a panic.
struct ScopeGuard(Option<Option<Arc<CancelScope>>>);

impl Drop for ScopeGuard {
    fn drop(&mut self) {
        if let Some(previous) = self.0.take() {
            runtime::try_with(|rt| rt.exit_scope(previous));
        }
    }
}

/// Which function made a [`Timeout`]: what a deadline already passed at
/// its first poll does.
enum Mode<F> {
    /// `timeout`: polls the inner future, which a callback then cancels.
    Timeout,
    /// `wait_for`: never polls it.
    WaitFor,
    /// `wait_for_handle`: gives a done handle's result, else cancels the
    /// work and waits for it to end.
    Handle {
        is_done: fn(&F) -> bool,
        cancel: fn(&F),
        wake_when_done: fn(&F, Waker),
    },
}

impl<F> fmt::Debug for Mode<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Timeout => "Timeout",
            Mode::WaitFor => "WaitFor",
            Mode::Handle { .. } => "Handle",
        })
    }
}

impl<F> Timeout<F> {
    fn new(future: F, sleep: Sleep, mode: Mode<F>) -> Timeout<F> {
        Timeout {
            future: Some(future),
            sleep,
            mode,
            polled: false,
            expired: false,
            zero: None,
            scope: None,
        }
    }

    /// The deadline (asyncio's `Timeout.when()`).
    pub fn when(&self) -> Instant {
        self.sleep.deadline
    }

    /// Whether the deadline passed and the timeout fired (asyncio's
    /// `Timeout.expired()`).
    pub fn expired(&self) -> bool {
        self.expired || self.scope.as_ref().is_some_and(|s| s.fired())
    }

    /// Moves the deadline (asyncio's `Timeout.reschedule(when)`); a
    /// deadline already passed expires the timeout at its next poll.
    /// Returns `false`, changing nothing, once it has expired or completed
    /// (asyncio raises `RuntimeError`), and while a [`wait_for`] with a
    /// deadline already passed at its first poll cancels its future.
    ///
    /// ```
    /// use std::{pin::pin, time::Duration};
    /// use simloop::{Sim, combinators::{select, Either}, time};
    ///
    /// Sim::new(1).run(async {
    ///     let mut t = pin!(time::timeout(Duration::from_secs(1), time::sleep(Duration::from_secs(10))));
    ///     assert_eq!(t.when().since_start(), Duration::from_secs(1));
    ///     // Not yet expired at 0.5 s: give it until 3 s.
    ///     if let Either::Right(()) = select(t.as_mut(), time::sleep(Duration::from_millis(500))).await {
    ///         assert!(t.as_mut().reschedule(time::Instant::ZERO + Duration::from_secs(3)));
    ///     }
    ///     assert!(t.as_mut().await.is_err());
    ///     assert!(t.expired());
    ///     assert_eq!(time::now().since_start(), Duration::from_secs(3));
    /// }).unwrap();
    /// ```
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    pub fn reschedule(self: Pin<&mut Self>, deadline: Instant) -> bool {
        if self.expired()
            || (self.future.is_none() && self.polled)
            || matches!(self.zero, Some(Zero::Release(_) | Zero::Cancelling))
        {
            return false;
        }
        let mut this = self.project();
        // A zero deadline's callback gives way to the new deadline.
        *this.zero = None;
        // Dropping the old sleep disarms its timer.
        this.sleep.set(sleep_until(deadline));
        if let Some(scope) = this.scope.as_ref() {
            // Armed at once: the task may be parked in the inner future.
            let scope_waker = Waker::from(Arc::clone(scope));
            let _ = this.sleep.poll(&mut Context::from_waker(&scope_waker));
        }
        true
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let deadline = this.sleep.deadline;
        let past = runtime::with("simloop::time::timeout", |rt| rt.now() >= deadline);
        let scope = this.scope.get_or_insert_with(|| {
            Arc::new(CancelScope::new(
                runtime::try_with(|rt| rt.current_scope()).flatten(),
            ))
        });
        scope.point_to(cx.waker());
        // A done handle, polled once past its deadline for its result.
        let mut probe = false;
        let first = !std::mem::replace(this.polled, true);
        if first && past {
            *this.zero = match this.mode {
                Mode::Timeout => {
                    let scope_waker = Waker::from(Arc::clone(scope));
                    Some(Zero::Soon(crate::task::call_soon(move || {
                        scope_waker.wake()
                    })))
                }
                Mode::WaitFor => Some(Zero::Release(Release::start(cx.waker()))),
                Mode::Handle {
                    is_done,
                    cancel,
                    wake_when_done,
                } => {
                    let handle = this.future.as_ref().as_pin_ref();
                    let handle = handle.expect("not polled yet").get_ref();
                    if is_done(handle) {
                        // Polled below: it gives its result at once.
                        probe = true;
                        None
                    } else {
                        cancel(handle);
                        wake_when_done(handle, cx.waker().clone());
                        Some(Zero::Cancelling)
                    }
                }
            };
        }
        let expired = match &*this.zero {
            Some(Zero::Release(release)) => {
                if !release.done.get() {
                    *release.waker.borrow_mut() = Some(cx.waker().clone());
                    return Poll::Pending;
                }
                true
            }
            Some(Zero::Cancelling) => {
                let Mode::Handle { is_done, .. } = this.mode else {
                    unreachable!("only a handle is cancelled")
                };
                let handle = this.future.as_ref().as_pin_ref();
                if !is_done(handle.expect("still held").get_ref()) {
                    return Poll::Pending;
                }
                true
            }
            // The callback fires the scope. Under FIFO order it always runs
            // before the task's next poll, as in asyncio; a strategy that
            // polls the task first finds the deadline passed all the same,
            // so a zero timeout never completes after its first poll.
            Some(Zero::Soon(_)) => scope.fired() || !first,
            None => past && !probe,
        };
        if !expired {
            let Some(future) = this.future.as_mut().as_pin_mut() else {
                panic!("simloop::time::Timeout polled after it completed");
            };
            let guard = ScopeGuard(runtime::try_with(|rt| rt.enter_scope(Arc::clone(scope))));
            let poll = future.poll(cx);
            drop(guard);
            if let Poll::Ready(v) = poll {
                this.future.set(None);
                *this.zero = None;
                return Poll::Ready(Ok(v));
            }
        }
        if expired {
            // What the expiry cancelled (a task awaited inside, a gather's
            // children) ends first: asyncio's timeout raises only once the
            // awaited future is done.
            if !runtime::with("simloop::time::timeout", |rt| {
                rt.scope_drained(scope, cx.waker())
            }) {
                return Poll::Pending;
            }
            // Cancel the inner future at the deadline, as asyncio does.
            this.future.set(None);
            *this.zero = None;
            *this.expired = true;
            return Poll::Ready(Err(Elapsed { deadline }));
        }
        if this.zero.is_some() {
            return Poll::Pending;
        }
        // The timer wakes the scope, which marks it expired, then the task.
        let scope_waker = Waker::from(Arc::clone(scope));
        match this.sleep.poll(&mut Context::from_waker(&scope_waker)) {
            Poll::Ready(()) => unreachable!("the deadline has not passed"),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Blocks the whole simulation for `duration` of CPU work, like a blocking
/// call (`time.sleep`) inside an asyncio coroutine.
///
/// The clock moves forward by `duration` immediately and no other task runs
/// meanwhile; timers that came due during the block fire late, as soon as the
/// calling task next yields. The returned value is ready at once: it may be
/// awaited (`busy(d).await`) or ignored (`busy(d);`) with the same effect.
///
/// A `busy` that would take the clock past the time limit stops the run
/// there with [`SimError::TimeLimit`](crate::SimError::TimeLimit), at the
/// limit, even in a task that never awaits; one that reaches the clock's
/// maximum (in a run without a limit) fails it with
/// [`SimError::ClockOverflow`](crate::SimError::ClockOverflow).
///
/// # Panics
///
/// Outside a simulation.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, task, time};
///
/// Sim::new(1).run(async {
///     let t = task::spawn(async { time::sleep(Duration::from_secs(1)).await; time::now() });
///     time::sleep(Duration::from_millis(100)).await; // let the task start its sleep
///     time::busy(Duration::from_secs(3));
///     // The timer was due at 1 s but the loop was blocked until 3.1 s.
///     assert_eq!(t.await.unwrap().since_start(), Duration::from_millis(3100));
/// }).unwrap();
/// ```
pub fn busy(duration: Duration) -> Busy {
    runtime::with("simloop::time::busy", |rt| rt.busy(duration));
    Busy(())
}

/// The (already complete) future returned by [`busy`].
#[derive(Debug)]
pub struct Busy(());

impl Future for Busy {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }
}
