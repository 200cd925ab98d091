//! [`interval`], [`interval_at`], [`Interval`] and [`MissedTickBehavior`].

use std::future::poll_fn;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::{Instant, Sleep, sleep_until};

/// An interval whose first tick completes at once and the next ones every
/// `period` after it.
///
/// # Panics
///
/// If `period` is zero, or outside a simulation.
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero.");
    interval_at(Instant::now(), period)
}

/// An interval whose first tick completes at `start` and the next ones every
/// `period` after it.
///
/// # Panics
///
/// If `period` is zero.
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero.");
    Interval {
        delay: Box::pin(sleep_until(start)),
        period,
        missed_tick_behavior: MissedTickBehavior::default(),
    }
}

/// What an [`Interval`] does when a tick is late by more than the tolerance
/// (tokio's 5 ms): the task was busy, or nobody ticked it for a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Fires the missed ticks as fast as possible, then returns to the
    /// original schedule (the default).
    #[default]
    Burst,
    /// Schedules the next tick `period` after the late one.
    Delay,
    /// Skips the missed ticks and fires at the next multiple of `period`
    /// from the original start.
    Skip,
}

impl MissedTickBehavior {
    fn next_timeout(self, timeout: Instant, now: Instant, period: Duration) -> Instant {
        match self {
            MissedTickBehavior::Burst => timeout + period,
            MissedTickBehavior::Delay => now + period,
            MissedTickBehavior::Skip => {
                let late = (now - timeout).as_nanos() % period.as_nanos();
                now + (period - Duration::from_nanos(late as u64))
            }
        }
    }
}

/// Ticks at a fixed period on the virtual clock (`tokio::time::Interval`).
#[derive(Debug)]
pub struct Interval {
    delay: Pin<Box<Sleep>>,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

/// How late a tick may be before it counts as missed (tokio's value).
const TOLERANCE: Duration = Duration::from_millis(5);

impl Interval {
    /// Waits for the next tick and returns the instant it was scheduled for.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `tick()` consumes no tick.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick; see [`tick`](Interval::tick).
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if self.delay.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        let timeout = self.delay.deadline();
        let now = Instant::now();
        let next = if now > timeout + TOLERANCE {
            self.missed_tick_behavior
                .next_timeout(timeout, now, self.period)
        } else {
            timeout
                .checked_add(self.period)
                .unwrap_or_else(Instant::far_future)
        };
        self.delay.as_mut().reset(next);
        Poll::Ready(timeout)
    }

    /// Makes the next tick `period` from now.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    pub fn reset(&mut self) {
        let next = Instant::now() + self.period;
        self.delay.as_mut().reset(next);
    }

    /// Makes the next tick complete at once.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    pub fn reset_immediately(&mut self) {
        let now = Instant::now();
        self.delay.as_mut().reset(now);
    }

    /// Makes the next tick `after` from now.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    pub fn reset_after(&mut self, after: Duration) {
        let next = Instant::now() + after;
        self.delay.as_mut().reset(next);
    }

    /// Makes the next tick complete at `deadline`.
    pub fn reset_at(&mut self, deadline: Instant) {
        self.delay.as_mut().reset(deadline);
    }

    /// The behaviour for missed ticks.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Sets the behaviour for missed ticks.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }
}
