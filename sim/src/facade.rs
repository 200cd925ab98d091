//! Hooks for facades that give another runtime's API over simloop (the
//! `simloop-tokio` crate). Not meant for code under test.
//!
//! - [`choice_below`] draws from a random stream of its own, derived from the
//!   simulation's seed, for choices that the facade makes on the user's
//!   behalf (the branch order of `tokio::select!`): the same seed replays
//!   them, and they leave both the scheduler's stream and the user's
//!   [`rand`](crate::rand) stream untouched, so adding a `select!` does not
//!   change the numbers the code under test draws.
//! - [`run_id`] tells runs apart, for state a facade keeps per simulation.
//! - [`in_simulation`] tells whether the calling thread is inside a run.

use std::cell::RefCell;
use std::rc::Weak;

use rand_chacha::ChaCha8Rng;

use crate::runtime::{self, Runtime};

/// Stream of the seed's ChaCha generator used by facades.
const FACADE_STREAM: u64 = 2;

thread_local! {
    /// The facade stream of the simulation that last drew from it. The weak
    /// pointer identifies that simulation: while it is held, no other
    /// runtime can live at the same address.
    static STREAM: RefCell<Option<(Weak<Runtime>, ChaCha8Rng)>> = const { RefCell::new(None) };
}

/// A uniform draw from `0..n` (0 when `n` is 0) from the running
/// simulation's facade stream.
///
/// # Panics
///
/// Outside a simulation.
pub fn choice_below(n: u64) -> u64 {
    let (me, seed) = runtime::with("simloop::facade::choice_below", |rt| {
        (rt.weak(), rt.ctx().seed)
    });
    STREAM.with(|cell| {
        let mut cell = cell.borrow_mut();
        let fresh = !matches!(&*cell, Some((owner, _)) if owner.ptr_eq(&me));
        if fresh {
            *cell = Some((me, crate::rand::stream(seed, FACADE_STREAM)));
        }
        let (_, rng) = cell.as_mut().expect("set above");
        crate::rand::below(rng, n)
    })
}

thread_local! {
    /// The simulation that last asked for its run id, and that id.
    static RUN: RefCell<(Option<Weak<Runtime>>, u64)> = const { RefCell::new((None, 0)) };
}

/// A number that tells simulations run on this thread apart: it is the same
/// for every call within one run and differs between runs. Facades key
/// their per-simulation state (such as simulated signals) with it.
///
/// # Panics
///
/// Outside a simulation.
pub fn run_id() -> u64 {
    let me = runtime::with("simloop::facade::run_id", Runtime::weak);
    RUN.with(|cell| {
        let mut cell = cell.borrow_mut();
        let same = cell.0.as_ref().is_some_and(|owner| owner.ptr_eq(&me));
        if !same {
            cell.0 = Some(me);
            cell.1 += 1;
        }
        cell.1
    })
}

/// Whether the calling thread is running a simulation.
pub fn in_simulation() -> bool {
    runtime::try_with(|_| ()).is_some()
}
