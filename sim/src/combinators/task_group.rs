//! [`TaskGroup`]: structured concurrency, asyncio's `TaskGroup`; and
//! [`try_join_all`], a task group made of a list of futures.

use std::convert::Infallible;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::error::TaskError;
use super::set::{TaskSet, WeakTaskSet};
use super::slots::Slots;
use crate::task::TaskId;

/// A set of tasks that live and die together: asyncio's `TaskGroup`, or a
/// join set.
///
/// [`spawn`](TaskGroup::spawn) starts a task in the group. Awaiting the
/// group (or [`join`](TaskGroup::join)) waits for every task and returns
/// their outputs in spawn order. The first task to fail (return `Err`,
/// panic, or be cancelled) makes the group cancel all the others, at the
/// next scheduling point as asyncio's done callback does (tasks ready at
/// that instant still run their step first);
/// the join then waits until they are gone and returns that failure.
/// Dropping the group, or its join future, cancels every task still running
/// in it: no task outlives its group.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, combinators::{TaskError, TaskGroup}, time};
///
/// let (err, elapsed) = Sim::new(1).run(async {
///     let group: TaskGroup<u32, String> = TaskGroup::new();
///     group.spawn(async {
///         time::sleep(Duration::from_secs(10)).await; // cancelled at 2 s
///         Ok(1)
///     });
///     group.spawn(async {
///         time::sleep(Duration::from_secs(2)).await;
///         Err("disk full".to_string())
///     });
///     let err = group.await.unwrap_err();
///     (err, time::now().since_start())
/// }).unwrap();
/// assert_eq!(err, TaskError::Failed("disk full".to_string()));
/// assert_eq!(elapsed, Duration::from_secs(2));
/// ```
///
/// Tasks can add siblings through a [`TaskGroupHandle`], even while the
/// group is being joined (asyncio's `tg.create_task` from inside a task).
///
/// # Cancel safety
///
/// Dropping the group or the [`TaskGroupJoin`] aborts every task still
/// running in it; each is dropped at its turn to run, running its
/// destructors.
///
/// # Differences from asyncio
///
/// - The group returns the first failure, not an `ExceptionGroup` of all of
///   them (another task may fail in the step between the first failure
///   and the cancellation; its failure is dropped).
/// - A failure cannot cancel the code that owns the group (asyncio cancels
///   the `async with` body): the owner sees the error when it joins. The
///   siblings are cancelled all the same.
/// - A task cancelled on its own (not by the group) counts as a failure,
///   since only the group can cancel its tasks.
/// - Spawning into a group that is cancelling after a failure cancels the
///   new task before it first runs (asyncio raises `RuntimeError`).
/// - Tasks return `Result<T, E>`; use `E = Infallible` (the default) for
///   tasks that cannot fail.
pub struct TaskGroup<T: 'static, E: 'static = Infallible> {
    set: TaskSet<Result<T, E>>,
}

/// Adds tasks to a [`TaskGroup`] from inside its tasks. Cheap to clone; does
/// not keep the group alive.
pub struct TaskGroupHandle<T: 'static, E: 'static = Infallible> {
    set: WeakTaskSet<Result<T, E>>,
}

/// [`TaskGroupHandle::spawn`] found the group finished (joined or dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the task group is finished")]
pub struct TaskGroupClosed;

impl<T: 'static, E: 'static> TaskGroup<T, E> {
    /// An empty group.
    pub fn new() -> TaskGroup<T, E> {
        TaskGroup {
            set: TaskSet::fail_fast(Result::is_err),
        }
    }

    /// Spawns `future` as a task of the group and returns its id (asyncio's
    /// `create_task`). It first runs at the next scheduling point.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    pub fn spawn<F>(&self, future: F) -> TaskId
    where
        F: Future<Output = Result<T, E>> + 'static,
    {
        self.set.spawn(None, future)
    }

    /// Spawns `future` as a task called `name`.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    pub fn spawn_named<F>(&self, name: impl Into<Arc<str>>, future: F) -> TaskId
    where
        F: Future<Output = Result<T, E>> + 'static,
    {
        self.set.spawn(Some(name.into()), future)
    }

    /// A handle that lets tasks add siblings to the group.
    pub fn handle(&self) -> TaskGroupHandle<T, E> {
        TaskGroupHandle {
            set: self.set.weak(),
        }
    }

    /// Number of tasks spawned into the group so far.
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Whether no task was spawned into the group.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a task failed and the group is cancelling the others.
    pub fn is_cancelling(&self) -> bool {
        self.set.is_cancelling()
    }

    /// Waits for every task; see [`TaskGroup`].
    pub fn join(self) -> TaskGroupJoin<T, E> {
        self.join_as("TaskGroup::join")
    }

    fn join_as(self, operation: &'static str) -> TaskGroupJoin<T, E> {
        TaskGroupJoin {
            group: self,
            results: Slots::new(),
            error: None,
            operation,
        }
    }
}

impl<T: 'static, E: 'static> Default for TaskGroup<T, E> {
    fn default() -> Self {
        TaskGroup::new()
    }
}

impl<T: 'static, E: 'static> Drop for TaskGroup<T, E> {
    fn drop(&mut self) {
        // Nothing may outlive the group (a no-op once it has been joined).
        self.set.close();
        self.set.abort_all();
    }
}

impl<T: 'static, E: 'static> IntoFuture for TaskGroup<T, E> {
    type Output = Result<Vec<T>, TaskError<E>>;
    type IntoFuture = TaskGroupJoin<T, E>;

    fn into_future(self) -> TaskGroupJoin<T, E> {
        self.join()
    }
}

impl<T: 'static, E: 'static> fmt::Debug for TaskGroup<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("tasks", &self.set.len())
            .field("running", &self.set.remaining())
            .field("cancelling", &self.set.is_cancelling())
            .finish()
    }
}

impl<T: 'static, E: 'static> TaskGroupHandle<T, E> {
    /// Spawns `future` into the group, or fails if the group is finished.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    pub fn spawn<F>(&self, future: F) -> Result<TaskId, TaskGroupClosed>
    where
        F: Future<Output = Result<T, E>> + 'static,
    {
        self.set.spawn(None, future).ok_or(TaskGroupClosed)
    }

    /// Spawns `future` into the group as a task called `name`.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    pub fn spawn_named<F>(
        &self,
        name: impl Into<Arc<str>>,
        future: F,
    ) -> Result<TaskId, TaskGroupClosed>
    where
        F: Future<Output = Result<T, E>> + 'static,
    {
        self.set
            .spawn(Some(name.into()), future)
            .ok_or(TaskGroupClosed)
    }
}

impl<T: 'static, E: 'static> Clone for TaskGroupHandle<T, E> {
    fn clone(&self) -> Self {
        TaskGroupHandle {
            set: self.set.clone(),
        }
    }
}

impl<T: 'static, E: 'static> fmt::Debug for TaskGroupHandle<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TaskGroupHandle")
    }
}

/// The future that joins a [`TaskGroup`] (from [`TaskGroup::join`], awaiting
/// the group, or [`try_join_all`]).
#[must_use = "dropping the join cancels every task of the group"]
pub struct TaskGroupJoin<T: 'static, E: 'static> {
    group: TaskGroup<T, E>,
    results: Slots<T>,
    error: Option<TaskError<E>>,
    operation: &'static str,
}

// Results are never pinned.
impl<T: 'static, E: 'static> Unpin for TaskGroupJoin<T, E> {}

impl<T: 'static, E: 'static> Future for TaskGroupJoin<T, E> {
    type Output = Result<Vec<T>, TaskError<E>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let set = &this.group.set;
        loop {
            let failure = match set.poll_next(cx) {
                Poll::Ready(Some(ended)) => match TaskError::from_ending(ended.result) {
                    Ok(value) => {
                        this.results.put(ended.index, value);
                        continue;
                    }
                    Err(failure) => failure,
                },
                Poll::Ready(None) => {
                    set.close();
                    let output = match this.error.take() {
                        Some(error) => Err(error),
                        None => Ok(this.results.take_all()),
                    };
                    return Poll::Ready(output);
                }
                Poll::Pending => {
                    set.wait_on(this.operation);
                    return Poll::Pending;
                }
            };
            // The first failure wins; the siblings it cancelled end as
            // cancelled.
            if this.error.is_none() {
                this.error = Some(failure);
                set.abort_all();
            }
        }
    }
}

impl<T: 'static, E: 'static> fmt::Debug for TaskGroupJoin<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroupJoin")
            .field("group", &self.group)
            .finish()
    }
}

/// Runs every future as a task of a [`TaskGroup`] and returns their outputs
/// in argument order; the first failure cancels all the others (fail-fast)
/// and is returned once they are gone.
///
/// asyncio's `gather` does not cancel the others on failure (see
/// [`try_gather`](super::try_gather) for that behaviour); this is asyncio's
/// `TaskGroup` applied to a list.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, combinators::try_join_all, time};
///
/// let out = Sim::new(1).run(async {
///     try_join_all((1..=3u64).map(|s| async move {
///         time::sleep(Duration::from_secs(s)).await;
///         Ok::<_, String>(s)
///     })).await
/// }).unwrap();
/// assert_eq!(out, Ok(vec![1, 2, 3]));
/// ```
///
/// Cancel safety as [`TaskGroup`]: dropping the future cancels every task.
///
/// # Panics
///
/// Outside a simulation.
pub fn try_join_all<I, T, E>(futures: I) -> TaskGroupJoin<T, E>
where
    I: IntoIterator,
    I::Item: Future<Output = Result<T, E>> + 'static,
    T: 'static,
    E: 'static,
{
    let group = TaskGroup::new();
    for future in futures {
        group.spawn(future);
    }
    group.join_as("try_join_all")
}
