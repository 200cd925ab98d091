//! [`shield`]: keep a computation running when its awaiter is cancelled.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::hop::Hop;
use crate::task::{self, JoinError, JoinHandle, TaskId};

/// Runs `future` as its own task and returns a [`Shield`] that awaits its
/// output; cancelling the awaiter (dropping the `.await`) leaves the task
/// running, as asyncio's `shield`.
///
/// In simloop every [`JoinHandle`] already behaves this way (dropping it
/// detaches the task); `shield` names the intent, and its result arrives
/// where asyncio's does: one scheduling point after a plain `await` of the
/// task would, since asyncio's shield passes the result through a done
/// callback.
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
///
///     assert_eq!(shield(async { 7 }).await.unwrap(), 7);
/// }).unwrap();
/// ```
///
/// # Cancel safety
///
/// Dropping the [`Shield`] detaches the task: it keeps running and its
/// output is discarded.
///
/// # Differences from asyncio
///
/// The output is a `Result<T, JoinError>`, the error telling a panic (or a
/// cancellation) of the task. A detached task that panics fails the run
/// unless the simulation is built with `fail_on_unobserved_panic(false)`
/// (asyncio only logs it).
///
/// # Panics
///
/// Outside a simulation.
pub fn shield<F>(future: F) -> Shield<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    Shield {
        handle: task::spawn(future),
        hop: Hop::new(),
    }
}

/// The future returned by [`shield`]: the shielded task's output.
#[must_use = "the task runs anyway; await the Shield to get its output"]
pub struct Shield<T> {
    handle: JoinHandle<T>,
    hop: Hop<Result<T, JoinError>>,
}

impl<T> Shield<T> {
    /// The shielded task's id.
    pub fn id(&self) -> TaskId {
        self.handle.id()
    }

    /// Whether the shielded task has finished.
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }
}

// The output is never pinned.
impl<T> Unpin for Shield<T> {}

impl<T> Future for Shield<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let Some(output) = this.hop.take() {
            return Poll::Ready(output);
        }
        match Pin::new(&mut this.handle).poll(cx) {
            // The handle woke us where asyncio's done callback runs; the
            // awaiter resumes a step later.
            Poll::Ready(output) => this.hop.deliver(output, cx),
            Poll::Pending => {
                this.hop.suspend();
                Poll::Pending
            }
        }
    }
}

impl<T> fmt::Debug for Shield<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shield")
            .field("id", &self.handle.id())
            .field("finished", &self.handle.is_finished())
            .finish()
    }
}
