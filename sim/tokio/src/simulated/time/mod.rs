//! Utilities for tracking time: `tokio::time` on simloop's virtual clock.
//!
//! Time is exact to the nanosecond and starts at zero in every simulation.
//! It behaves as tokio's time does with a paused clock (`start_paused =
//! true`), always: when no task is ready, the clock jumps to the next timer.
//! [`pause`] and [`resume`] therefore change nothing, and [`advance`] moves
//! the clock forward at once.
//!
//! ```
//! # extern crate simloop_tokio as tokio;
//! use std::time::Duration;
//! # simloop::Sim::new(1).run(async {
//! let start = tokio::time::Instant::now();
//! tokio::time::sleep(Duration::from_secs(3600)).await;
//! assert_eq!(start.elapsed(), Duration::from_secs(3600));
//! # }).unwrap();
//! ```

mod instant;
mod interval;
mod sleep;
mod timeout;

pub use std::time::Duration;

pub use instant::Instant;
pub use interval::{Interval, MissedTickBehavior, interval, interval_at};
pub use sleep::{Sleep, sleep, sleep_until};
pub use timeout::{Timeout, timeout, timeout_at};

/// Time error types.
pub mod error {
    use std::fmt;
    use std::io;

    /// The error of a [`Timeout`](super::Timeout) whose deadline passed.
    #[derive(Debug, PartialEq, Eq)]
    pub struct Elapsed(());

    impl Elapsed {
        pub(crate) fn new() -> Elapsed {
            Elapsed(())
        }
    }

    impl fmt::Display for Elapsed {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            "deadline has elapsed".fmt(f)
        }
    }

    impl std::error::Error for Elapsed {}

    impl From<Elapsed> for io::Error {
        fn from(_err: Elapsed) -> io::Error {
            io::ErrorKind::TimedOut.into()
        }
    }

    /// A timer error. simloop's timers never fail; the type is tokio's.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Error(Kind);

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Kind {
        Shutdown,
        AtCapacity,
        Invalid,
    }

    impl Error {
        /// An error for a timer used after its runtime shut down.
        pub fn shutdown() -> Error {
            Error(Kind::Shutdown)
        }

        /// Whether the runtime shut down.
        pub fn is_shutdown(&self) -> bool {
            matches!(self.0, Kind::Shutdown)
        }

        /// An error for a timer wheel at capacity (simloop's never is).
        pub fn at_capacity() -> Error {
            Error(Kind::AtCapacity)
        }

        /// Whether the timer wheel was at capacity.
        pub fn is_at_capacity(&self) -> bool {
            matches!(self.0, Kind::AtCapacity)
        }

        /// An error for a timer set too far in the future (simloop's
        /// never is).
        pub fn invalid() -> Error {
            Error(Kind::Invalid)
        }

        /// Whether the timer was set too far in the future.
        pub fn is_invalid(&self) -> bool {
            matches!(self.0, Kind::Invalid)
        }
    }

    impl fmt::Display for Error {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self.0 {
                Kind::Shutdown => {
                    "the timer is shutdown, must be called from the context of Tokio runtime"
                }
                Kind::AtCapacity => "timer is at capacity and cannot create a new entry",
                Kind::Invalid => "timer duration exceeds maximum duration",
            }
            .fmt(f)
        }
    }

    impl std::error::Error for Error {}
}

/// Pauses time. The simulated clock is always "paused" in tokio's sense (it
/// moves only when every task waits, straight to the next timer), so this
/// does nothing.
pub fn pause() {}

/// Resumes time. simloop's clock never follows the wall clock, so this does
/// nothing: time stays virtual (and auto-advancing).
pub fn resume() {}

/// Moves the clock forward by `duration` at once, as tokio's `advance` on a
/// paused clock: every sleep whose deadline the jump passes completes "at
/// the same time" (in an order the strategy picks), then this task yields.
///
/// No other task runs during the jump (simloop's `busy`); the tasks it
/// woke run when this one yields.
///
/// # Cancel safety
///
/// The jump happens at the first poll; dropping the future afterwards only
/// skips the final yield.
pub async fn advance(duration: Duration) {
    simloop::time::busy(duration);
    simloop::task::yield_now().await;
}
