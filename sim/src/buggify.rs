//! FoundationDB-style fault sites: [`buggify!`](crate::buggify!) marks a
//! place in the code under test where something unusual may happen (a
//! delay, an error, a smaller buffer, a skipped step), and simulations turn
//! those places on and off by seed.
//!
//! In each run, every call site is *enabled* or not, decided by the seed
//! and the site alone (one site in four by default); an enabled site then
//! *fires* on each evaluation with a probability (one in four by default,
//! or the one given to the macro). Outside a simulation `buggify!()` is
//! `false`, so the sites can stay in production code.
//!
//! ```
//! use std::time::Duration;
//! use simloop::{Sim, buggify, time};
//!
//! async fn flush() -> Result<(), &'static str> {
//!     if simloop::buggify!() {
//!         time::sleep(Duration::from_secs(1)).await; // a slow disk
//!     }
//!     if simloop::buggify!(0.01) {
//!         return Err("injected I/O error");
//!     }
//!     Ok(())
//! }
//!
//! // Some seeds enable the sites, and the runs differ by seed...
//! let slow = (0..200).filter(|&seed| {
//!     Sim::new(seed).run(async { flush().await.ok(); time::now().since_start() > Duration::ZERO }).unwrap()
//! }).count();
//! assert!(slow > 0 && slow < 200);
//! // ...but not within a seed.
//! let run = || Sim::new(3).run(async { (0..20).map(|_| simloop::buggify!()).collect::<Vec<_>>() }).unwrap();
//! assert_eq!(run(), run());
//! // Outside a simulation nothing fires.
//! assert!(!simloop::buggify!(1.0));
//! ```
//!
//! The decisions draw from a stream of their own, so adding a site changes
//! neither the user's random numbers nor the network's.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use rand_chacha::ChaCha8Rng;
use rand_core::Rng;

use crate::runtime;

/// Stream of the seed's generator used for firing decisions.
const BUGGIFY_STREAM: u64 = 3;

/// The chance that a site is enabled in a run, unless changed with
/// [`set_site_probability`].
pub const SITE_PROBABILITY: f64 = 0.25;

/// The chance that an enabled site fires, for `buggify!()` without an
/// argument.
pub const FIRE_PROBABILITY: f64 = 0.25;

/// Returns whether the fault at this call site should happen now (see the
/// [module docs](mod@crate::buggify)). `buggify!()` fires an enabled site one
/// time in four; `buggify!(p)` with probability `p`.
#[macro_export]
macro_rules! buggify {
    () => {
        $crate::buggify::__fire(
            file!(),
            line!(),
            column!(),
            $crate::buggify::FIRE_PROBABILITY,
        )
    };
    ($probability:expr) => {
        $crate::buggify::__fire(file!(), line!(), column!(), $probability)
    };
}

/// What one call site did in the current run.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    /// The source file.
    pub file: &'static str,
    /// The line.
    pub line: u32,
    /// The column.
    pub column: u32,
    /// Whether the seed enabled it.
    pub enabled: bool,
    /// How many times it was evaluated.
    pub evaluated: u64,
    /// How many times it fired.
    pub fired: u64,
}

struct State {
    seed: u64,
    on: bool,
    site_probability: f64,
    rng: ChaCha8Rng,
    sites: BTreeMap<(&'static str, u32, u32), Site>,
}

fn state<R>(f: impl FnOnce(&mut State) -> R) -> Option<R> {
    runtime::try_with(|rt| {
        let seed = rt.ctx().seed;
        let state: Rc<RefCell<State>> = rt.extension(|| {
            RefCell::new(State {
                seed,
                on: true,
                site_probability: SITE_PROBABILITY,
                rng: crate::rand::stream(seed, BUGGIFY_STREAM),
                sites: BTreeMap::new(),
            })
        });
        let mut state = state.borrow_mut();
        f(&mut state)
    })
}

/// A stable hash of a site and a seed (FNV-1a, then a finaliser), mapped
/// to `[0, 1)`.
fn site_unit(seed: u64, file: &str, line: u32, column: u32) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in file
        .bytes()
        .chain(line.to_le_bytes())
        .chain(column.to_le_bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    (h >> 11) as f64 / (1u64 << 53) as f64
}

fn unit(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

#[doc(hidden)]
pub fn __fire(file: &'static str, line: u32, column: u32, probability: f64) -> bool {
    state(|s| {
        let (seed, on, site_p) = (s.seed, s.on, s.site_probability);
        let site = s.sites.entry((file, line, column)).or_insert_with(|| Site {
            file,
            line,
            column,
            enabled: site_unit(seed, file, line, column) < site_p,
            evaluated: 0,
            fired: 0,
        });
        site.evaluated += 1;
        if !on || !site.enabled {
            return false;
        }
        let fire = probability > 0.0 && unit(&mut s.rng) < probability;
        if let Some(site) = s.sites.get_mut(&(file, line, column))
            && fire
        {
            site.fired += 1;
        }
        fire
    })
    .unwrap_or(false)
}

/// Turns every site of the current run on (the default) or off.
///
/// # Panics
///
/// Outside a simulation.
pub fn enable(on: bool) {
    runtime::with("simloop::buggify::enable", |_| ());
    state(|s| s.on = on);
}

/// Whether sites may fire in the current run (`false` outside a
/// simulation).
pub fn is_enabled() -> bool {
    state(|s| s.on).unwrap_or(false)
}

/// Sets the chance that a site is enabled in this run, for sites not
/// evaluated yet (call it first thing in the run).
///
/// # Panics
///
/// Outside a simulation.
pub fn set_site_probability(probability: f64) {
    runtime::with("simloop::buggify::set_site_probability", |_| ());
    state(|s| s.site_probability = probability.clamp(0.0, 1.0));
}

/// The sites evaluated so far in the current run, by file and line (empty
/// outside a simulation).
pub fn sites() -> Vec<Site> {
    state(|s| s.sites.values().cloned().collect()).unwrap_or_default()
}
