//! [`shield`]: keep a computation running when its awaiter is cancelled.

use std::future::Future;

use crate::task::{self, JoinHandle};

/// Runs `future` as its own task and returns its handle: awaiting the
/// handle gives the output, and cancelling the awaiter (dropping the
/// `.await`) leaves the task running, as asyncio's `shield`.
///
/// In simloop every [`JoinHandle`] already behaves this way (dropping it
/// detaches the task); `shield` names the intent. To shield a task you
/// already have, await its handle.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, combinators::shield, sync::Event, time};
///
/// Sim::new(1).run(async {
///     let saved = Event::new();
///     let save = shield({
///         let saved = saved.clone();
///         async move {
///             time::sleep(Duration::from_secs(5)).await;
///             saved.set();
///             "saved"
///         }
///     });
///     // The waiter gives up after 1 s; the shielded task carries on.
///     assert!(time::timeout(Duration::from_secs(1), save).await.is_err());
///     saved.wait().await;
///     assert_eq!(time::now().since_start(), Duration::from_secs(5));
/// }).unwrap();
/// ```
///
/// # Differences from asyncio
///
/// The result is awaited through a [`JoinHandle`] (`Result<T, JoinError>`).
/// A detached task that panics fails the run unless the simulation is built
/// with `fail_on_unobserved_panic(false)` (asyncio only logs it).
///
/// # Panics
///
/// Outside a simulation.
pub fn shield<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    task::spawn(future)
}
