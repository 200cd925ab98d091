//! [`Outcome`]: what a scenario's future may return, and how a returned error
//! becomes a failed run.

use std::fmt;
use std::future::Future;

/// The output of a scenario: `()`, or a `Result` whose `Err` fails the run
/// (like a `#[test]` function returning `Result`).
///
/// The harness turns a returned error into a panic of the root task, so it is
/// reported (and shrunk, and replayed) like any other failure:
/// [`SimError::TaskPanicked`](crate::SimError::TaskPanicked) with the message
/// `returned Err(...)`.
pub trait Outcome {
    /// `Err` with a description if the scenario failed.
    fn into_result(self) -> Result<(), String>;
}

impl Outcome for () {
    fn into_result(self) -> Result<(), String> {
        Ok(())
    }
}

impl<E: fmt::Debug> Outcome for Result<(), E> {
    fn into_result(self) -> Result<(), String> {
        self.map_err(|e| format!("returned Err({e:?})"))
    }
}

/// Awaits the scenario made by `make(seed)` and fails the root task if it
/// returned an error. The scenario is made inside the simulation, so making
/// it may already use the simulation (spawn, read the clock) and a panic
/// while making it is a failed run, not a crashed sweep.
pub(crate) async fn checked<M, F>(make: &M, seed: u64)
where
    M: Fn(u64) -> F,
    F: Future,
    F::Output: Outcome,
{
    if let Err(message) = make(seed).await.into_result() {
        // `resume_unwind` skips the panic hook: no backtrace noise, and the
        // message is exactly the error.
        std::panic::resume_unwind(Box::new(message));
    }
}
