//! The vocabulary every layer shares: task ids and names, wait reasons,
//! instants of virtual time and the seed's random streams. Plain types and
//! functions: nothing here needs a running simulation, and nothing here
//! uses the runtime or the public API built on it.
//!
//! The layers, each using only those below it: this base (with the
//! recorder's [`trace`](crate::trace) vocabulary and [`schedule`](crate::schedule)),
//! then the runtime (with the strategies behind its scheduler interface),
//! then the public core API (`task`, `time`, `rand`, `Sim`), then the
//! concurrency tools and the testing tools. `tests/tests/core_layers.rs`
//! checks the direction.

mod ids;
mod instant;
pub(crate) mod streams;
mod wait;

pub use ids::{TaskId, TaskInfo};
pub use instant::Instant;
pub(crate) use instant::duration_to_nanos;
pub use wait::WaitReason;
