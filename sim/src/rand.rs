//! Seeded random numbers for the code under test.
//!
//! Code that runs inside a simulation must draw its randomness here, never
//! from the operating system, so that a seed replays the whole run. The
//! numbers come from a ChaCha stream derived from the simulation's seed,
//! separate from the stream the scheduler uses: a change of strategy does not
//! change the numbers drawn, and drawing numbers does not change which task
//! the scheduler picks (unless the program's behaviour changes).
//!
//! ```
//! use simloop::{Sim, rand};
//!
//! let draw = || Sim::new(42).run(async { (rand::range(0..=10u32), rand::range(0..=10u32)) }).unwrap();
//! assert_eq!(draw(), draw());
//! ```
//!
//! [`rng()`] returns a handle, [`SimRng`], implementing `rand_core`'s
//! [`TryRng`] (and so [`Rng`]). Both traits are re-exported here, so drawing
//! from the handle needs no other dependency:
//!
//! ```
//! use simloop::{Sim, rand::{self, Rng}};
//!
//! let (a, b) = Sim::new(7).run(async { (rand::rng().next_u64(), rand::rng().next_u32()) }).unwrap();
//! let again = Sim::new(7).run(async { (rand::rng().next_u64(), rand::rng().next_u32()) }).unwrap();
//! assert_eq!((a, b), again);
//! ```
//!
//! # With the `rand` crate
//!
//! simloop implements the traits of `rand_core` 0.10, so the handle plugs
//! into the distributions and extension methods of **`rand` 0.10** (which
//! is built on `rand_core` 0.10): `rand::rng()`'s counterpart is
//! `simloop::rand::rng()`, and `rand::RngExt`'s methods (`random`,
//! `random_range`, `random_bool`, ...) work on it. Add `rand` with
//! `default-features = false`: its default features pull in the operating
//! system's random source, which code under simulation must not use.
//!
//! ```toml
//! [dev-dependencies]
//! rand = { version = "0.10", default-features = false }
//! ```
//!
//! **`rand` 0.9 and older cannot work**: they are built on `rand_core` 0.9
//! (or older), whose `RngCore` is a different trait from 0.10's `Rng`, and
//! Cargo links the two versions side by side, so `rand` 0.9's `Rng` methods
//! do not exist on [`SimRng`]. Upgrade to `rand` 0.10, or use this module's
//! own functions ([`range`], [`f64()`], [`bool()`], [`shuffle`], [`choose`]),
//! which cover most needs.
//!
//! # Panics
//!
//! Every function here panics when called outside a simulation.

use std::convert::Infallible;
use std::marker::PhantomData;
use std::ops::{Range, RangeInclusive};

use rand_chacha::ChaCha8Rng;
/// `rand_core` 0.10's infallible generator trait, which [`SimRng`] implements
/// (through [`TryRng`]): `next_u32`, `next_u64`, `fill_bytes`.
pub use rand_core::Rng;
/// `rand_core` 0.10's generator trait, which [`SimRng`] implements with
/// `Error = Infallible`.
pub use rand_core::TryRng;

use crate::runtime;

pub(crate) use crate::base::streams::{below, stream};

fn with_rng<R>(api: &str, f: impl FnOnce(&mut ChaCha8Rng) -> R) -> R {
    runtime::with(api, |rt| f(&mut rt.user_rng()))
}

/// A handle to the simulation's random stream for the code under test.
///
/// It is a handle, not a copy: every draw through any handle advances the
/// same stream. It implements [`TryRng`] with `Error = Infallible`, and so
/// `rand_core::Rng`.
///
/// # Panics
///
/// Drawing from it outside a simulation panics.
#[derive(Debug, Clone, Copy, Default)]
pub struct SimRng {
    _not_send: PhantomData<*const ()>,
}

impl TryRng for SimRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(with_rng("simloop::rand::SimRng", |r| r.next_u32()))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(with_rng("simloop::rand::SimRng", |r| r.next_u64()))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        with_rng("simloop::rand::SimRng", |r| r.fill_bytes(dst));
        Ok(())
    }
}

/// A handle to the simulation's random stream.
///
/// # Panics
///
/// When drawn from outside a simulation.
pub fn rng() -> SimRng {
    SimRng::default()
}

/// A uniformly random `u64`.
///
/// # Panics
///
/// Outside a simulation.
pub fn u64() -> u64 {
    with_rng("simloop::rand::u64", |r| r.next_u64())
}

/// A uniformly random `f64` in `[0, 1)`.
///
/// # Panics
///
/// Outside a simulation.
pub fn f64() -> f64 {
    (u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// `true` with probability `p` (clamped to `[0, 1]`).
///
/// # Panics
///
/// Outside a simulation.
pub fn bool(p: f64) -> bool {
    f64() < p
}

/// A uniformly random value from an integer range such as `0..10` or
/// `1..=6` (like Python's `random.randint(1, 6)`).
///
/// # Panics
///
/// Outside a simulation, or if the range is empty.
pub fn range<R: SampleRange>(range: R) -> R::Output {
    with_rng("simloop::rand::range", |r| range.sample(r))
}

/// Shuffles `items` uniformly (Fisher–Yates).
///
/// # Panics
///
/// Outside a simulation.
pub fn shuffle<T>(items: &mut [T]) {
    with_rng("simloop::rand::shuffle", |r| {
        for i in (1..items.len()).rev() {
            let j = below(r, i as u64 + 1) as usize;
            items.swap(i, j);
        }
    });
}

/// A uniformly chosen element of `items`, or `None` if it is empty.
///
/// # Panics
///
/// Outside a simulation.
pub fn choose<T>(items: &[T]) -> Option<&T> {
    if items.is_empty() {
        return None;
    }
    let i = with_rng("simloop::rand::choose", |r| below(r, items.len() as u64));
    items.get(i as usize)
}

/// Integer ranges that [`range`] can draw from.
pub trait SampleRange {
    /// The integer type drawn.
    type Output;
    /// Draws one value uniformly.
    ///
    /// # Panics
    ///
    /// If the range is empty.
    fn sample(self, rng: &mut impl Rng) -> Self::Output;
}

macro_rules! sample_range {
    ($($t:ty => $u:ty),* $(,)?) => {$(
        impl SampleRange for Range<$t> {
            type Output = $t;
            fn sample(self, rng: &mut impl Rng) -> $t {
                assert!(self.start < self.end, "simloop::rand::range: empty range {:?}", self);
                let span = (self.end as $u).wrapping_sub(self.start as $u) as u64;
                (self.start as $u).wrapping_add(below(rng, span) as $u) as $t
            }
        }
        impl SampleRange for RangeInclusive<$t> {
            type Output = $t;
            fn sample(self, rng: &mut impl Rng) -> $t {
                let (start, end) = self.into_inner();
                assert!(start <= end, "simloop::rand::range: empty range {start}..={end}");
                let span = (end as $u).wrapping_sub(start as $u) as u64;
                let offset = match span.checked_add(1) {
                    Some(n) => below(rng, n),
                    None => rng.next_u64(),
                };
                (start as $u).wrapping_add(offset as $u) as $t
            }
        }
    )*};
}

sample_range!(u8 => u8, u16 => u16, u32 => u32, u64 => u64, usize => usize,
              i8 => u8, i16 => u16, i32 => u32, i64 => u64, isize => usize);
