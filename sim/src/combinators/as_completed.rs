//! [`as_completed`]: results in the order the tasks finish.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;

use super::set::{TaskSet, WakeOn};
use crate::task::JoinError;

/// Runs every future as its own task and yields their outputs in the order
/// the tasks finish: asyncio's `as_completed`.
///
/// The result is a [`Stream`]; [`AsCompleted::next`] saves importing
/// `StreamExt`. Tasks finishing at the same virtual instant come out in the
/// order their endings reach the stream, one scheduling point after each
/// (where asyncio's done callbacks run), which the scheduling strategy
/// decides; with [`Strategy::Fifo`](crate::Strategy::Fifo) that is the
/// order they finished, and timers due together fire in the order they were
/// armed, as in asyncio.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, combinators::as_completed, time};
///
/// let order = Sim::new(1).run(async {
///     let mut done = as_completed([3u64, 1, 2].map(|s| async move {
///         time::sleep(Duration::from_secs(s)).await;
///         (s, time::now().since_start().as_secs())
///     }));
///     let mut order = Vec::new();
///     while let Some(result) = done.next().await {
///         order.push(result.unwrap());
///     }
///     order
/// }).unwrap();
/// assert_eq!(order, vec![(1, 1), (2, 2), (3, 3)]);
/// ```
///
/// A task that panics yields its [`JoinError`] in its turn. To give up
/// waiting after a while, wrap `next()` in [`time::timeout`](crate::time::timeout).
///
/// # Cancel safety
///
/// Dropping the stream (for instance after a timeout) leaves the tasks that
/// have not finished running, detached, as asyncio does. Dropping a `next()`
/// future loses no result.
///
/// # Differences from asyncio
///
/// Items are the tasks' results rather than awaitables to await; there is
/// no `timeout` argument (see above).
///
/// # Panics
///
/// Outside a simulation.
pub fn as_completed<I>(futures: I) -> AsCompleted<<I::Item as Future>::Output>
where
    I: IntoIterator,
    I::Item: Future + 'static,
{
    let set = TaskSet::new(WakeOn::Each);
    for future in futures {
        set.spawn(None, future);
    }
    AsCompleted { set }
}

/// The stream returned by [`as_completed`].
#[must_use = "streams do nothing unless polled"]
pub struct AsCompleted<T: 'static> {
    set: TaskSet<T>,
}

impl<T: 'static> AsCompleted<T> {
    /// The next result to come, or `None` when every task's result has been
    /// yielded. (The same as `StreamExt::next`, without the import.)
    // An async `next`, as streams have; `Iterator` does not apply.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> impl Future<Output = Option<Result<T, JoinError>>> + '_ {
        futures::future::poll_fn(move |cx| self.poll_item(cx))
    }

    /// Number of results not yet yielded.
    pub fn len(&self) -> usize {
        self.set.remaining()
    }

    /// Whether every result has been yielded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        match self.set.poll_next(cx) {
            Poll::Ready(item) => Poll::Ready(item.map(|ended| ended.result)),
            Poll::Pending => {
                self.set.wait_on("as_completed");
                Poll::Pending
            }
        }
    }
}

// Results are never pinned.
impl<T: 'static> Unpin for AsCompleted<T> {}

impl<T: 'static> Stream for AsCompleted<T> {
    type Item = Result<T, JoinError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_item(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.len();
        (n, Some(n))
    }
}

impl<T: 'static> Drop for AsCompleted<T> {
    fn drop(&mut self) {
        self.set.detach();
    }
}

impl<T: 'static> fmt::Debug for AsCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted")
            .field("remaining", &self.len())
            .finish()
    }
}
