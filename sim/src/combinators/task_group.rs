//! [`TaskGroup`]: structured concurrency, asyncio's `TaskGroup`; and
//! [`try_join_all`], a task group made of a list of futures.

use std::convert::Infallible;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::error::TaskError;
use super::set::{MemberRef, TaskSet, WeakTaskSet};
use super::slots::Slots;
use crate::task::{self, TaskId, WaitReason};

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
/// - The `async with` body is [`run`](TaskGroup::run)'s future: a failure
///   cancels it (drops it) at its current wait, as asyncio cancels the task
///   running the block. Code that owns a group and joins it later is not
///   interrupted (it sees the failure when it joins).
/// - [`spawn`](TaskGroup::spawn) returns a [`Member`]: awaiting it gives
///   how the task ended, not its output, which goes to the join.
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

    /// Spawns `future` as a task of the group and returns its [`Member`]
    /// handle (asyncio's `create_task`). It first runs at the next
    /// scheduling point.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    pub fn spawn<F>(&self, future: F) -> Member<T, E>
    where
        F: Future<Output = Result<T, E>> + 'static,
    {
        Member(self.set.spawn(None, future))
    }

    /// Spawns `future` as a task called `name`.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    pub fn spawn_named<F>(&self, name: impl Into<Arc<str>>, future: F) -> Member<T, E>
    where
        F: Future<Output = Result<T, E>> + 'static,
    {
        Member(self.set.spawn(Some(name.into()), future))
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

    /// Cancels every task and waits until they are all gone (cancelling
    /// the `async with TaskGroup()` block from outside). Tasks spawned
    /// meanwhile are cancelled before they run.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future aborts what is left, as dropping the group does.
    pub fn cancel_and_join(self) -> impl Future<Output = ()> {
        self.set.abort_all();
        let join = self.join_as("TaskGroup::cancel_and_join");
        async move {
            let _ = join.await;
        }
    }

    /// Runs `body` next to the group's tasks and then joins them: asyncio's
    /// `async with TaskGroup() as tg: body`. The first task to fail cancels
    /// `body` at its current wait (it is dropped), as asyncio cancels the
    /// task running the `async with` block, then every other task; the
    /// result is that failure once they are all gone. If `body` finishes,
    /// its output comes with the tasks' outputs.
    ///
    /// ```
    /// use std::time::Duration;
    /// use simloop::{Sim, combinators::{TaskError, TaskGroup}, time};
    ///
    /// Sim::new(1).run(async {
    ///     let group: TaskGroup<u32, &str> = TaskGroup::new();
    ///     group.spawn(async {
    ///         time::sleep(Duration::from_secs(1)).await;
    ///         Err("crashed")
    ///     });
    ///     let out = group.run(async {
    ///         time::sleep(Duration::from_secs(60)).await; // cancelled at 1 s
    ///         "body done"
    ///     }).await;
    ///     assert_eq!(out, Err(TaskError::Failed("crashed")));
    ///     assert_eq!(time::now().since_start(), Duration::from_secs(1));
    /// }).unwrap();
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops `body` and aborts every task of the group.
    pub fn run<F: Future>(self, body: F) -> TaskGroupRun<T, E, F> {
        TaskGroupRun {
            body: Some(body),
            output: None,
            join: self.join_as("TaskGroup::run"),
        }
    }

    fn join_as(self, operation: &'static str) -> TaskGroupJoin<T, E> {
        TaskGroupJoin {
            group: self,
            results: Slots::new(),
            error: None,
            operation,
            hook: None,
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
    pub fn spawn<F>(&self, future: F) -> Result<Member<T, E>, TaskGroupClosed>
    where
        F: Future<Output = Result<T, E>> + 'static,
    {
        self.set
            .spawn(None, future)
            .map(Member)
            .ok_or(TaskGroupClosed)
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
    ) -> Result<Member<T, E>, TaskGroupClosed>
    where
        F: Future<Output = Result<T, E>> + 'static,
    {
        self.set
            .spawn(Some(name.into()), future)
            .map(Member)
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
    /// Cancels the tasks, and holds the owner until they have ended, when
    /// the owner's wait is cancelled (asyncio's `__aexit__`).
    hook: Option<crate::runtime::HookKey>,
}

impl<T: 'static, E: 'static> Drop for TaskGroupJoin<T, E> {
    fn drop(&mut self) {
        if let Some(key) = self.hook.take() {
            crate::runtime::try_with(|rt| rt.remove_hook(key));
        }
    }
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
                    if let Some(key) = this.hook.take() {
                        crate::runtime::try_with(|rt| rt.remove_hook(key));
                    }
                    let output = match this.error.take() {
                        Some(error) => Err(error),
                        None => Ok(this.results.take_all()),
                    };
                    return Poll::Ready(output);
                }
                Poll::Pending => {
                    set.wait_on(this.operation);
                    if this.hook.is_none() {
                        this.hook = set.cancel_with_owner();
                    }
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

impl<T: 'static, E: 'static> TaskGroupJoin<T, E> {
    /// Takes the endings reported so far without waiting; whether one
    /// failed.
    fn collect(&mut self, cx: &mut Context<'_>) -> bool {
        let set = &self.group.set;
        while let Poll::Ready(Some(ended)) = set.poll_next(cx) {
            match TaskError::from_ending(ended.result) {
                Ok(value) => self.results.put(ended.index, value),
                Err(failure) => {
                    if self.error.is_none() {
                        self.error = Some(failure);
                        set.abort_all();
                    }
                }
            }
        }
        self.error.is_some()
    }
}

pin_project_lite::pin_project! {
    /// The future returned by [`TaskGroup::run`]: the body's output and the
    /// tasks' outputs, or the first failure.
    #[must_use = "dropping the future cancels the body and every task of the group"]
    pub struct TaskGroupRun<T: 'static, E: 'static, F: Future> {
        #[pin]
        body: Option<F>,
        output: Option<F::Output>,
        join: TaskGroupJoin<T, E>,
    }
}

impl<T: 'static, E: 'static, F: Future> Future for TaskGroupRun<T, E, F> {
    type Output = Result<(F::Output, Vec<T>), TaskError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if this.body.is_some() {
            // A failure's done callback woke us: the body is cancelled at
            // its wait, without running again.
            if this.join.collect(cx) {
                this.body.set(None);
            } else if let Some(body) = this.body.as_mut().as_pin_mut() {
                match body.poll(cx) {
                    Poll::Ready(output) => {
                        *this.output = Some(output);
                        this.body.set(None);
                    }
                    Poll::Pending => return Poll::Pending,
                }
            }
        }
        match Pin::new(&mut *this.join).poll(cx) {
            Poll::Ready(Ok(values)) => Poll::Ready(Ok((
                this.output
                    .take()
                    .expect("the body finished when no task failed"),
                values,
            ))),
            Poll::Ready(Err(error)) => Poll::Ready(Err(error)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: 'static, E: 'static, F: Future> fmt::Debug for TaskGroupRun<T, E, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroupRun")
            .field("body_running", &self.body.is_some())
            .field("group", &self.join.group)
            .finish()
    }
}

/// A task of a [`TaskGroup`]: its id, whether it finished, abort, and
/// awaiting how it ended (asyncio's `Task` returned by `tg.create_task`).
///
/// The task's output goes to the group's join; awaiting the member gives
/// how it ended, once its done callback ran (after the group's own).
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, combinators::{MemberOutcome, TaskGroup}, time};
///
/// Sim::new(1).run(async {
///     let group: TaskGroup<u32> = TaskGroup::new();
///     let quick = group.spawn(async { Ok(1) });
///     let slow = group.spawn(async {
///         time::sleep(Duration::from_secs(9)).await;
///         Ok(2)
///     });
///     assert_eq!(quick.await, MemberOutcome::Returned);
///     assert!(!slow.is_finished());
///     slow.abort();
///     assert_eq!(slow.await, MemberOutcome::Cancelled);
///     // The group counts a member cancelled on its own as a failure.
///     assert!(group.await.is_err());
/// }).unwrap();
/// ```
///
/// # Cancel safety
///
/// Dropping the member (or a future awaiting it) does nothing to the task.
pub struct Member<T: 'static, E: 'static = Infallible>(MemberRef<Result<T, E>>);

/// How a [`Member`] of a [`TaskGroup`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberOutcome {
    /// It returned `Ok`.
    Returned,
    /// It returned `Err`.
    Failed,
    /// It panicked.
    Panicked,
    /// It was cancelled (by the group, by [`Member::abort`], or because the
    /// group is gone).
    Cancelled,
}

impl<T: 'static, E: 'static> Member<T, E> {
    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.0.id
    }

    /// Whether the task has ended.
    pub fn is_finished(&self) -> bool {
        self.0.is_finished()
    }

    /// How the task ended, once its done callback ran.
    pub fn outcome(&self) -> Option<MemberOutcome> {
        self.0.outcome()
    }

    /// Cancels the task (asyncio's `task.cancel()`); the group then counts
    /// it as failed. A no-op once it ended.
    pub fn abort(&self) {
        self.0.abort();
    }
}

impl<T: 'static, E: 'static> Future for Member<T, E> {
    type Output = MemberOutcome;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MemberOutcome> {
        let poll = self.0.poll_end(cx);
        if poll.is_pending() {
            task::wait_on(WaitReason::new("Member::await").on_task(self.0.id));
        }
        poll
    }
}

impl<T: 'static, E: 'static> fmt::Debug for Member<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Member")
            .field("id", &self.id())
            .field("outcome", &self.outcome())
            .finish()
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
