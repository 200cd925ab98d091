//! [`gather`] and its variants: run futures as concurrent tasks and collect
//! their results in argument order.
//!
//! | function | a task fails (returns `Err` / panics) | output |
//! |---|---|---|
//! | [`gather`] | its panic is returned at once; the others keep running | `Result<Vec<T>, JoinError>` |
//! | [`try_gather`] | its error is returned at once; the others keep running | `Result<Vec<T>, TaskError<E>>` |
//! | [`join_all`] | recorded in place (`return_exceptions=True`) | `Vec<Result<T, JoinError>>` |
//! | [`try_join_all`](super::try_join_all) | the others are cancelled; the error is returned once they are gone | `Result<Vec<T>, TaskError<E>>` |

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::error::TaskError;
use super::set::{TaskSet, WakeOn};
use super::slots::Slots;
use crate::runtime;
use crate::task::JoinError;

/// What [`Gather`], [`TryGather`] and [`JoinAll`] share: their tasks and
/// the outcomes kept in argument order. Dropped before it has its output,
/// it aborts every task still running.
///
/// `T` is the tasks' output, `R` an outcome kept.
struct Collect<T: 'static, R> {
    /// The combinator's name in wait reasons.
    operation: &'static str,
    set: TaskSet<T>,
    kept: Slots<R>,
    finished: bool,
    /// Aborts the tasks when the awaiting task is cancelled.
    hook: Option<runtime::HookKey>,
}

// Outcomes are never pinned.
impl<T: 'static, R> Unpin for Collect<T, R> {}

impl<T: 'static, R> Collect<T, R> {
    /// Spawns every future as a task; they first run at the next scheduling
    /// point, in argument order.
    fn spawn<I>(operation: &'static str, wake_on: WakeOn<T>, futures: I) -> Self
    where
        I: IntoIterator,
        I::Item: Future<Output = T> + 'static,
    {
        let set = TaskSet::new(wake_on);
        for future in futures {
            set.spawn(None, future);
        }
        Collect {
            operation,
            set,
            kept: Slots::new(),
            finished: false,
            hook: None,
        }
    }

    /// Takes the tasks' endings in completion order. `sort` turns each into
    /// an outcome to keep, or into the output at once (`Err`), which leaves
    /// the other tasks running, detached. Once every task has ended,
    /// `complete` makes the output from the outcomes in argument order.
    fn poll_collect<O>(
        &mut self,
        cx: &mut Context<'_>,
        mut sort: impl FnMut(Result<T, JoinError>) -> Result<R, O>,
        complete: impl FnOnce(Vec<R>) -> O,
    ) -> Poll<O> {
        loop {
            let output = match self.set.poll_next(cx) {
                Poll::Ready(Some(ended)) => match sort(ended.result) {
                    Ok(outcome) => {
                        self.kept.put(ended.index, outcome);
                        continue;
                    }
                    Err(output) => {
                        self.set.detach();
                        output
                    }
                },
                Poll::Ready(None) => complete(self.kept.take_all()),
                Poll::Pending => {
                    self.set.wait_on(self.operation);
                    if self.hook.is_none() {
                        // asyncio cancels the children the moment the task
                        // awaiting the gather is cancelled.
                        self.hook = self.set.cancel_with_awaiter();
                    }
                    return Poll::Pending;
                }
            };
            self.finished = true;
            self.unhook();
            return Poll::Ready(output);
        }
    }

    fn cancel(&self) -> bool {
        !self.finished && self.set.cancel()
    }

    fn debug(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("tasks", &self.set.len())
            .field("remaining", &self.set.remaining())
            .finish()
    }
}

impl<T: 'static, R> Collect<T, R> {
    fn unhook(&mut self) {
        if let Some(key) = self.hook.take() {
            runtime::try_with(|rt| rt.remove_hook(key));
        }
    }
}

impl<T: 'static, R> Drop for Collect<T, R> {
    fn drop(&mut self) {
        self.unhook();
        if !self.finished {
            self.set.abort_all();
        }
    }
}

/// Runs every future as its own task and returns their outputs in argument
/// order, whatever order they finish in: asyncio's `gather(*aws)`.
///
/// The tasks are spawned when `gather` is called (like asyncio wrapping each
/// coroutine in a task at once) and first run at the next scheduling point,
/// in argument order; the strategy then interleaves them like any tasks.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, combinators::gather, time};
///
/// let (out, elapsed) = Sim::new(1).run(async {
///     let out = gather([3u64, 1, 2].map(|s| async move {
///         time::sleep(Duration::from_secs(s)).await;
///         s * 10
///     })).await.unwrap();
///     (out, time::now().since_start())
/// }).unwrap();
/// assert_eq!(out, vec![30, 10, 20]); // argument order
/// assert_eq!(elapsed, Duration::from_secs(3)); // concurrently
/// ```
///
/// # Failure
///
/// If a task panics (or is cancelled), its [`JoinError`] is returned as soon
/// as it happens and the other tasks keep running, detached (asyncio's
/// default `return_exceptions=False`, which does not cancel the others). For
/// futures returning `Result`, see [`try_gather`]; to collect every outcome,
/// [`join_all`]; to cancel the rest on the first failure,
/// [`try_join_all`](super::try_join_all).
///
/// # Cancel safety
///
/// Dropping the [`Gather`] before it completes cancels (aborts) every task
/// still running, as cancelling an asyncio `gather` cancels its children.
/// As in asyncio, aborting the task that awaits it (or a
/// [`timeout`](crate::time::timeout) around it expiring) aborts the
/// children at once, so that they are dropped before that task is.
///
/// # Differences from asyncio
///
/// - The futures must be `'static` (they become tasks); borrowing futures
///   can be joined inside one task with `futures::future::join_all`, out of
///   the scheduler's sight.
/// - A task's exception is its panic, returned as a [`JoinError`]; errors
///   returned as values are [`try_gather`]'s business.
/// - A detached task that later panics fails the run unless the simulation
///   is built with `fail_on_unobserved_panic(false)` (asyncio only logs
///   "exception was never retrieved").
///
/// # Panics
///
/// Outside a simulation.
pub fn gather<I>(futures: I) -> Gather<<I::Item as Future>::Output>
where
    I: IntoIterator,
    I::Item: Future + 'static,
{
    Gather {
        // A panic or a cancellation is the output at once.
        inner: Collect::spawn("gather", WakeOn::LastOrFailure(|_| false), futures),
    }
}

/// The future returned by [`gather`].
#[must_use = "the tasks run anyway; await the Gather to get their results"]
pub struct Gather<T: 'static> {
    inner: Collect<T, T>,
}

impl<T: 'static> Gather<T> {
    /// Cancels the tasks still running (asyncio's `gather(...).cancel()`):
    /// awaiting then gives the first cancellation's [`JoinError`]. Returns
    /// `false`, doing nothing, once the outcome is settled (every task's
    /// done callback ran, or a failure's did): awaiting then still gives
    /// the outcome. Also `false` if every task had finished.
    ///
    /// ```
    /// use simloop::{Sim, combinators::gather, task};
    ///
    /// Sim::new(1).run(async {
    ///     let g = gather([1, 2].map(|i| async move { i }));
    ///     task::yield_now().await; // the tasks finish
    ///     task::yield_now().await; // their done callbacks run
    ///     assert!(!g.cancel());
    ///     assert_eq!(g.await, Ok(vec![1, 2]));
    ///
    ///     let g = gather([task::yield_now()]);
    ///     assert!(g.cancel());
    ///     assert!(g.await.unwrap_err().is_cancelled());
    /// }).unwrap();
    /// ```
    pub fn cancel(&self) -> bool {
        self.inner.cancel()
    }
}

impl<T: 'static> Future for Gather<T> {
    type Output = Result<Vec<T>, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // A panic or cancellation is the output at once.
        self.inner
            .poll_collect(cx, |ending| ending.map_err(Err), Ok)
    }
}

impl<T: 'static> fmt::Debug for Gather<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.debug("Gather", f)
    }
}

/// [`gather`] for futures returning `Result`: the first failure in
/// completion order (an `Err`, a panic or a cancellation) is returned at
/// once and the other tasks keep running, detached: asyncio's `gather` when
/// a task raises.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, combinators::{try_gather, TaskError}, time};
///
/// let err = Sim::new(1).run(async {
///     let slow = async { time::sleep(Duration::from_secs(5)).await; Ok::<u32, String>(1) };
///     let bad = async { time::sleep(Duration::from_secs(1)).await; Err("no".to_string()) };
///     let ok = async { Ok(3) };
///     let boxed: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = Result<u32, String>>>>> =
///         vec![Box::pin(slow), Box::pin(bad), Box::pin(ok)];
///     let err = try_gather(boxed).await.unwrap_err();
///     (err, time::now().since_start())
/// }).unwrap();
/// assert_eq!(err, (TaskError::Failed("no".to_string()), Duration::from_secs(1)));
/// ```
///
/// Cancel safety as [`gather`].
///
/// # Panics
///
/// Outside a simulation.
pub fn try_gather<I, T, E>(futures: I) -> TryGather<T, E>
where
    I: IntoIterator,
    I::Item: Future<Output = Result<T, E>> + 'static,
    T: 'static,
    E: 'static,
{
    TryGather {
        inner: Collect::spawn("try_gather", WakeOn::LastOrFailure(Result::is_err), futures),
    }
}

/// The future returned by [`try_gather`].
#[must_use = "the tasks run anyway; await the TryGather to get their results"]
pub struct TryGather<T: 'static, E: 'static> {
    inner: Collect<Result<T, E>, T>,
}

impl<T: 'static, E: 'static> TryGather<T, E> {
    /// Cancels the tasks still running; see [`Gather::cancel`].
    pub fn cancel(&self) -> bool {
        self.inner.cancel()
    }
}

impl<T: 'static, E: 'static> Future for TryGather<T, E> {
    type Output = Result<Vec<T>, TaskError<E>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // An `Err`, a panic or a cancellation is the output at once.
        self.inner
            .poll_collect(cx, |ending| TaskError::from_ending(ending).map_err(Err), Ok)
    }
}

impl<T: 'static, E: 'static> fmt::Debug for TryGather<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.debug("TryGather", f)
    }
}

/// Runs every future as its own task and returns every outcome, failures
/// included, in argument order: asyncio's `gather(*aws,
/// return_exceptions=True)`.
///
/// ```
/// use simloop::{Sim, combinators::join_all, task};
///
/// let sim = Sim::builder().fail_on_unobserved_panic(false).build();
/// let out = sim.run(async {
///     join_all((0..3).map(|i| async move {
///         if i == 1 { panic!("task {i} failed") }
///         i
///     })).await
/// }).unwrap();
/// assert_eq!(out[0], Ok(0));
/// assert!(out[1].as_ref().unwrap_err().is_panic());
/// assert_eq!(out[2], Ok(2));
/// ```
///
/// Futures returning `Result` get `Ok(Err(e))` for their errors. Cancel
/// safety as [`gather`].
///
/// # Panics
///
/// Outside a simulation.
pub fn join_all<I>(futures: I) -> JoinAll<<I::Item as Future>::Output>
where
    I: IntoIterator,
    I::Item: Future + 'static,
{
    JoinAll {
        inner: Collect::spawn("join_all", WakeOn::Last, futures),
    }
}

/// The future returned by [`join_all`].
#[must_use = "the tasks run anyway; await the JoinAll to get their results"]
pub struct JoinAll<T: 'static> {
    inner: Collect<T, Result<T, JoinError>>,
}

impl<T: 'static> JoinAll<T> {
    /// Cancels the tasks still running; see [`Gather::cancel`].
    pub fn cancel(&self) -> bool {
        self.inner.cancel()
    }
}

impl<T: 'static> Future for JoinAll<T> {
    type Output = Vec<Result<T, JoinError>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Every ending is kept.
        self.inner.poll_collect(cx, Ok, std::convert::identity)
    }
}

impl<T: 'static> fmt::Debug for JoinAll<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.debug("JoinAll", f)
    }
}
