//! proptest strategies that vary a simulation's seed and interleaving
//! strategy, for properties that must hold however tasks are scheduled.

use proptest::prelude::*;
use simloop::proptest::seeds;
use simloop::{Sim, Strategy as Interleaving};

/// Models the ways simloop can order tasks: FIFO (asyncio's order), uniformly
/// random, or PCT with a bug depth from 1 to 3.
pub fn strategies() -> impl Strategy<Value = Interleaving> {
    prop_oneof![
        Just(Interleaving::Fifo),
        Just(Interleaving::Random),
        (1u32..4).prop_map(|depth| Interleaving::Pct { depth }),
    ]
}

/// Simulations with any seed and one of the [`strategies`], otherwise with
/// default settings: a run of a scenario under an arbitrary interleaving.
/// Shrinks toward seed 0 and FIFO order.
pub fn sims() -> impl Strategy<Value = Sim> {
    (seeds(), strategies())
        .prop_map(|(seed, strategy)| Sim::builder().seed(seed).strategy(strategy).build())
}
