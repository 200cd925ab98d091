//! [`Instant`]: a point on the simulation's virtual clock.

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::sync::OnceLock;
use std::time::Duration;

/// A measurement of the virtual clock (`tokio::time::Instant`): nanoseconds
/// since the simulation started.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(simloop::time::Instant);

/// The `std::time::Instant` that stands for virtual time zero, for
/// [`Instant::into_std`] and [`Instant::from_std`] only.
fn std_origin() -> std::time::Instant {
    static ORIGIN: OnceLock<std::time::Instant> = OnceLock::new();
    *ORIGIN.get_or_init(std::time::Instant::now)
}

impl Instant {
    /// The current virtual time.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    #[track_caller]
    pub fn now() -> Instant {
        match simloop::time::try_now() {
            Some(now) => Instant(now),
            None => panic!(
                "tokio::time::Instant::now() was called outside a simulation: in simloop-tokio's \
                 `sim` mode the clock exists only inside `#[tokio::test]`, `#[tokio::main]` or \
                 `Runtime::block_on`"
            ),
        }
    }

    /// The simloop instant.
    pub fn into_simloop(self) -> simloop::time::Instant {
        self.0
    }

    /// An instant from a simloop instant.
    pub fn from_simloop(instant: simloop::time::Instant) -> Instant {
        Instant(instant)
    }

    pub(crate) fn far_future() -> Instant {
        Instant(simloop::time::Instant::from_nanos(u64::MAX / 2))
    }

    /// The virtual instant that `std` stands for: a `std::time::Instant`
    /// made by [`into_std`](Instant::into_std) converts back exactly; the
    /// origin (virtual time zero) is an arbitrary `std` instant of this
    /// process, so only differences are meaningful.
    pub fn from_std(std: std::time::Instant) -> Instant {
        let d = std.saturating_duration_since(std_origin());
        Instant(simloop::time::Instant::ZERO + d)
    }

    /// A `std::time::Instant` for this virtual instant; see
    /// [`from_std`](Instant::from_std).
    pub fn into_std(self) -> std::time::Instant {
        std_origin() + self.0.since_start()
    }

    /// The time from `earlier` to `self`, zero if `earlier` is later.
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.0.saturating_duration_since(earlier.0)
    }

    /// The time from `earlier` to `self`, or `None` if `earlier` is later.
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        (self.0 >= earlier.0).then(|| self.0.saturating_duration_since(earlier.0))
    }

    /// The time from `earlier` to `self`, zero if `earlier` is later.
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.0.saturating_duration_since(earlier.0)
    }

    /// The virtual time elapsed since this instant.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    #[track_caller]
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(*self)
    }

    /// `self + duration`, or `None` on overflow.
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        let d = u64::try_from(duration.as_nanos()).ok()?;
        self.0
            .as_nanos()
            .checked_add(d)
            .map(|n| Instant(simloop::time::Instant::from_nanos(n)))
    }

    /// `self - duration`, or `None` before the simulation's start.
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        let d = u64::try_from(duration.as_nanos()).ok()?;
        self.0
            .as_nanos()
            .checked_sub(d)
            .map(|n| Instant(simloop::time::Instant::from_nanos(n)))
    }
}

impl From<std::time::Instant> for Instant {
    fn from(time: std::time::Instant) -> Instant {
        Instant::from_std(time)
    }
}

impl From<Instant> for std::time::Instant {
    fn from(time: Instant) -> std::time::Instant {
        time.into_std()
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, other: Duration) -> Instant {
        self.checked_add(other)
            .expect("overflow when adding duration to instant")
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

impl Sub for Instant {
    type Output = Duration;
    fn sub(self, rhs: Instant) -> Duration {
        self.saturating_duration_since(rhs)
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    fn sub(self, rhs: Duration) -> Instant {
        self.checked_sub(rhs)
            .expect("overflow when subtracting duration from instant")
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, rhs: Duration) {
        *self = *self - rhs;
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Instant({:?})", self.0.since_start())
    }
}
