//! Programs with a real concurrency bug that FIFO order hides.

use crate::Scenario;

/// The bug scenarios.
pub fn all() -> Vec<Scenario> {
    vec![]
}
