//! Programs with a real concurrency bug that FIFO order hides, so that the
//! other strategies have something to find. Each one's properties hold under
//! FIFO for every seed and fail under some seeds of Random and PCT.

use crate::Scenario;

pub mod cache_stampede;
pub mod lost_update;

/// The bug scenarios.
pub fn all() -> Vec<Scenario> {
    vec![lost_update::SCENARIO, cache_stampede::SCENARIO]
}
