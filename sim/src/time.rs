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

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::runtime::{self, CancelScope, TimerKey};
use crate::task::CallbackHandle;

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
/// the ready items there, as in asyncio. A zero delay queues it at once, as
/// [`task::call_soon`](crate::task::call_soon) does (asyncio runs it at its
/// next loop iteration, behind the callbacks that iteration queued). See
/// `call_soon` for what a callback may do.
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
/// `wait_for`).
///
/// When the deadline passes first, the inner future is dropped right there
/// (cancelling it) and the result is `Err(Elapsed)`.
///
/// Ties go to the deadline, as in asyncio: once the deadline has passed, the
/// inner future is not polled again, even if it became ready at the same
/// instant. A zero (or past) deadline still polls the inner future once, as
/// `async with asyncio.timeout(0)` runs its body up to its first
/// suspension: a future that completes at once (such as the handle of a
/// finished task) gives its value; one that waits fails at once.
/// [`wait_for`] differs here, as in asyncio. (Tokio polls the inner future
/// first on every poll.)
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
    Timeout {
        future: Some(future),
        sleep: sleep(duration),
        started: false,
        scope: None,
    }
}

/// Like [`timeout`] with an absolute deadline.
///
/// # Panics
///
/// Outside a simulation (when first polled).
pub fn timeout_at<F: Future>(deadline: Instant, future: F) -> Timeout<F> {
    Timeout {
        future: Some(future),
        sleep: sleep_until(deadline),
        started: false,
        scope: None,
    }
}

/// [`timeout`] under asyncio's name, with `asyncio.wait_for`'s one
/// difference: a zero (or past) deadline fails at once without polling the
/// inner future at all. A future that has not started never starts, as
/// `wait_for` cancels a coroutine before its first step.
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
/// asyncio's `wait_for` returns the result of a future that is already
/// done; here `timeout(Duration::ZERO, handle)` (or
/// [`JoinHandle::try_join`](crate::task::JoinHandle::try_join)) gives a
/// finished task's result.
///
/// # Cancel safety
///
/// As [`timeout`].
///
/// # Panics
///
/// Outside a simulation.
pub fn wait_for<F: Future>(duration: Duration, future: F) -> Timeout<F> {
    Timeout {
        started: true,
        ..timeout(duration, future)
    }
}

pin_project_lite::pin_project! {
    /// The future returned by [`timeout`].
    #[derive(Debug)]
    #[must_use = "a Timeout does nothing unless awaited"]
    pub struct Timeout<F> {
        #[pin]
        future: Option<F>,
        #[pin]
        sleep: Sleep,
        // Whether the inner future was polled (or, for `wait_for`, must not
        // be polled past the deadline even once).
        started: bool,
        // Created at the first poll.
        scope: Option<Arc<CancelScope>>,
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

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let deadline = this.sleep.deadline;
        let expired = runtime::with("simloop::time::timeout", |rt| rt.now() >= deadline);
        let scope = this.scope.get_or_insert_with(|| {
            Arc::new(CancelScope::new(
                runtime::try_with(|rt| rt.current_scope()).flatten(),
            ))
        });
        scope.point_to(cx.waker());
        let first_poll = !std::mem::replace(this.started, true);
        if !expired || first_poll {
            let Some(future) = this.future.as_mut().as_pin_mut() else {
                panic!("simloop::time::Timeout polled after it completed");
            };
            let guard = ScopeGuard(runtime::try_with(|rt| rt.enter_scope(Arc::clone(scope))));
            let poll = future.poll(cx);
            drop(guard);
            if let Poll::Ready(v) = poll {
                this.future.set(None);
                return Poll::Ready(Ok(v));
            }
        }
        if expired {
            // Cancel the inner future at the deadline, as asyncio does.
            this.future.set(None);
            return Poll::Ready(Err(Elapsed { deadline }));
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
