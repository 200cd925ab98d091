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
use super::hop::Hop;
use super::set::TaskSet;
use crate::task::{self, JoinError, WaitReason};

fn spawn_all<T: 'static, I>(futures: I) -> TaskSet<T>
where
    I: IntoIterator,
    I::Item: Future<Output = T> + 'static,
{
    let set = TaskSet::new();
    for future in futures {
        set.spawn(None, future);
    }
    set
}

fn park<T: 'static>(operation: &'static str, set: &TaskSet<T>) {
    task::wait_on(WaitReason::new(operation).on(format!("{} task(s)", set.remaining())));
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
    let set = spawn_all(futures);
    Gather {
        results: (0..set.len()).map(|_| None).collect(),
        set,
        finished: false,
        hop: Hop::new(),
    }
}

/// The future returned by [`gather`].
#[must_use = "the tasks run anyway; await the Gather to get their results"]
pub struct Gather<T: 'static> {
    set: TaskSet<T>,
    results: Vec<Option<T>>,
    finished: bool,
    hop: Hop<Result<Vec<T>, JoinError>>,
}

// Results are never pinned.
impl<T: 'static> Unpin for Gather<T> {}

impl<T: 'static> Future for Gather<T> {
    type Output = Result<Vec<T>, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let Some(output) = this.hop.take() {
            return Poll::Ready(output);
        }
        loop {
            match this.set.poll_next(cx) {
                Poll::Ready(Some((i, Ok(value)))) => this.results[i] = Some(value),
                Poll::Ready(Some((_, Err(error)))) => {
                    this.finished = true;
                    this.set.detach();
                    return this.hop.deliver(Err(error), cx);
                }
                Poll::Ready(None) => {
                    this.finished = true;
                    return this.hop.deliver(Ok(take_all(&mut this.results)), cx);
                }
                Poll::Pending => {
                    this.hop.suspend();
                    park("gather", &this.set);
                    return Poll::Pending;
                }
            }
        }
    }
}

impl<T: 'static> Drop for Gather<T> {
    fn drop(&mut self) {
        if !self.finished {
            self.set.abort_all();
        }
    }
}

impl<T: 'static> fmt::Debug for Gather<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gather")
            .field("tasks", &self.set.len())
            .field("remaining", &self.set.remaining())
            .finish()
    }
}

fn take_all<T>(results: &mut Vec<Option<T>>) -> Vec<T> {
    std::mem::take(results)
        .into_iter()
        .map(|r| r.expect("every task's result was collected"))
        .collect()
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
    let set = spawn_all(futures);
    TryGather {
        results: (0..set.len()).map(|_| None).collect(),
        set,
        finished: false,
        hop: Hop::new(),
    }
}

/// The future returned by [`try_gather`].
#[must_use = "the tasks run anyway; await the TryGather to get their results"]
pub struct TryGather<T: 'static, E: 'static> {
    set: TaskSet<Result<T, E>>,
    results: Vec<Option<T>>,
    finished: bool,
    hop: Hop<Result<Vec<T>, TaskError<E>>>,
}

impl<T: 'static, E: 'static> Unpin for TryGather<T, E> {}

impl<T: 'static, E: 'static> Future for TryGather<T, E> {
    type Output = Result<Vec<T>, TaskError<E>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let Some(output) = this.hop.take() {
            return Poll::Ready(output);
        }
        loop {
            let error = match this.set.poll_next(cx) {
                Poll::Ready(Some((i, Ok(Ok(value))))) => {
                    this.results[i] = Some(value);
                    continue;
                }
                Poll::Ready(Some((_, Ok(Err(e))))) => TaskError::Failed(e),
                Poll::Ready(Some((_, Err(e)))) => TaskError::Join(e),
                Poll::Ready(None) => {
                    this.finished = true;
                    return this.hop.deliver(Ok(take_all(&mut this.results)), cx);
                }
                Poll::Pending => {
                    this.hop.suspend();
                    park("try_gather", &this.set);
                    return Poll::Pending;
                }
            };
            this.finished = true;
            this.set.detach();
            return this.hop.deliver(Err(error), cx);
        }
    }
}

impl<T: 'static, E: 'static> Drop for TryGather<T, E> {
    fn drop(&mut self) {
        if !self.finished {
            self.set.abort_all();
        }
    }
}

impl<T: 'static, E: 'static> fmt::Debug for TryGather<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryGather")
            .field("tasks", &self.set.len())
            .field("remaining", &self.set.remaining())
            .finish()
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
    let set = spawn_all(futures);
    JoinAll {
        results: (0..set.len()).map(|_| None).collect(),
        set,
        finished: false,
        hop: Hop::new(),
    }
}

/// The future returned by [`join_all`].
#[must_use = "the tasks run anyway; await the JoinAll to get their results"]
pub struct JoinAll<T: 'static> {
    set: TaskSet<T>,
    results: Vec<Option<Result<T, JoinError>>>,
    finished: bool,
    hop: Hop<Vec<Result<T, JoinError>>>,
}

impl<T: 'static> Unpin for JoinAll<T> {}

impl<T: 'static> Future for JoinAll<T> {
    type Output = Vec<Result<T, JoinError>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let Some(output) = this.hop.take() {
            return Poll::Ready(output);
        }
        loop {
            match this.set.poll_next(cx) {
                Poll::Ready(Some((i, outcome))) => this.results[i] = Some(outcome),
                Poll::Ready(None) => {
                    this.finished = true;
                    return this.hop.deliver(take_all(&mut this.results), cx);
                }
                Poll::Pending => {
                    this.hop.suspend();
                    park("join_all", &this.set);
                    return Poll::Pending;
                }
            }
        }
    }
}

impl<T: 'static> Drop for JoinAll<T> {
    fn drop(&mut self) {
        if !self.finished {
            self.set.abort_all();
        }
    }
}

impl<T: 'static> fmt::Debug for JoinAll<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinAll")
            .field("tasks", &self.set.len())
            .field("remaining", &self.set.remaining())
            .finish()
    }
}
