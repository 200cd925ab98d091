//! Synchronisation primitives for simulated tasks, with asyncio's semantics.
pub mod queue;
mod waiters;

pub use queue::{GenericQueue, LifoQueue, PriorityQueue, Queue};
