//! [`sleep`], [`sleep_until`] and the [`Sleep`] future.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::Instant;

/// Waits until `duration` has elapsed on the virtual clock.
///
/// The deadline is fixed when `sleep` is called. A sleep whose deadline has
/// passed completes at its first poll, as in tokio.
///
/// # Cancel safety
///
/// Dropping the future cancels the timer; nothing else is lost.
///
/// # Panics
///
/// Outside a simulation.
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    let deadline = Instant::now()
        .checked_add(duration)
        .unwrap_or_else(Instant::far_future);
    Sleep::new(deadline)
}

/// Waits until the virtual clock reads `deadline`.
///
/// # Cancel safety
///
/// Dropping the future cancels the timer; nothing else is lost.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(deadline)
}

/// The future returned by [`sleep`] and [`sleep_until`].
#[derive(Debug)]
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Sleep {
    /// simloop's timer, armed at the first poll, which completes at once
    /// (without yielding) if the deadline has passed by then.
    timer: simloop::time::Sleep,
}

impl Sleep {
    fn new(deadline: Instant) -> Sleep {
        Sleep {
            timer: simloop::facade::sleep_until(deadline.into_simloop()),
        }
    }

    /// The instant at which the sleep ends.
    pub fn deadline(&self) -> Instant {
        Instant::from_simloop(self.timer.deadline())
    }

    /// Whether the deadline has passed.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    pub fn is_elapsed(&self) -> bool {
        Instant::now() >= self.deadline()
    }

    /// Moves the deadline to `deadline`; the sleep may be polled again after
    /// it completed.
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        self.get_mut().timer = simloop::facade::sleep_until(deadline.into_simloop());
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.get_mut().timer).poll(cx)
    }
}
