//! What a link does to the messages it carries: latency, loss, duplication
//! and bandwidth, for one direction between two hosts or as the default.

use std::ops::Range;
use std::time::Duration;

use rand_chacha::ChaCha8Rng;
use rand_core::Rng;

use crate::time::duration_to_nanos;

/// How long a message takes to cross a link, drawn per message from the
/// network's seeded stream.
///
/// A [`Duration`] converts into a fixed latency and a `Range<Duration>` into
/// a uniform one:
///
/// ```
/// use std::time::Duration;
/// use simloop::net::Latency;
///
/// let fixed: Latency = Duration::from_millis(5).into();
/// let uniform: Latency = (Duration::from_millis(1)..Duration::from_millis(20)).into();
/// assert_eq!(fixed, Latency::Fixed(Duration::from_millis(5)));
/// assert!(matches!(uniform, Latency::Uniform { .. }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Latency {
    /// Always the same.
    Fixed(Duration),
    /// Uniform over `min..max` (`min` when the range is empty).
    Uniform {
        /// The shortest latency.
        min: Duration,
        /// The bound the latency stays below.
        max: Duration,
    },
    /// `min` plus an exponentially distributed delay of mean `mean`: mostly
    /// fast, with a long tail.
    Exponential {
        /// The shortest latency.
        min: Duration,
        /// The mean of the delay added to `min`.
        mean: Duration,
    },
}

impl From<Duration> for Latency {
    fn from(d: Duration) -> Latency {
        Latency::Fixed(d)
    }
}

impl From<Range<Duration>> for Latency {
    fn from(r: Range<Duration>) -> Latency {
        Latency::Uniform {
            min: r.start,
            max: r.end,
        }
    }
}

impl Latency {
    /// Whether every draw is zero.
    pub(crate) fn is_zero(&self) -> bool {
        matches!(self, Latency::Fixed(d) if d.is_zero())
    }

    /// One draw, in nanoseconds.
    pub(crate) fn draw(&self, rng: &mut ChaCha8Rng) -> u64 {
        match *self {
            Latency::Fixed(d) => duration_to_nanos(d),
            Latency::Uniform { min, max } => {
                let (lo, hi) = (duration_to_nanos(min), duration_to_nanos(max));
                if hi <= lo {
                    lo
                } else {
                    lo + crate::rand::below(rng, hi - lo)
                }
            }
            Latency::Exponential { min, mean } => {
                let u = unit(rng);
                let extra = -(1.0 - u).ln() * duration_to_nanos(mean) as f64;
                duration_to_nanos(min).saturating_add(extra.min(1e18) as u64)
            }
        }
    }
}

/// A uniform draw from `[0, 1)`.
pub(crate) fn unit(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// Whether an event of probability `p` happens (drawing nothing when `p` is
/// 0, so a fault-free network leaves the stream untouched).
pub(crate) fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    p > 0.0 && unit(rng) < p
}

/// The behaviour of one direction of a link.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LinkConfig {
    pub(crate) latency: Latency,
    /// Probability that a message is lost (a datagram is dropped; a TCP
    /// segment is retransmitted later).
    pub(crate) loss: f64,
    /// Probability that a datagram arrives twice.
    pub(crate) duplicate: f64,
    /// Bytes per second, if limited.
    pub(crate) bandwidth: Option<u64>,
}

impl LinkConfig {
    /// The default between two different hosts: 1 ms, no faults.
    pub(crate) const DEFAULT: LinkConfig = LinkConfig {
        latency: Latency::Fixed(Duration::from_millis(1)),
        loss: 0.0,
        duplicate: 0.0,
        bandwidth: None,
    };

    /// A host talking to itself: instantaneous and perfect.
    pub(crate) const LOOPBACK: LinkConfig = LinkConfig {
        latency: Latency::Fixed(Duration::ZERO),
        loss: 0.0,
        duplicate: 0.0,
        bandwidth: None,
    };

    /// How long `bytes` occupy the link, in nanoseconds.
    pub(crate) fn transmission(&self, bytes: usize) -> u64 {
        match self.bandwidth {
            Some(bw) if bw > 0 => ((bytes as u128 * 1_000_000_000) / bw as u128) as u64,
            _ => 0,
        }
    }
}
