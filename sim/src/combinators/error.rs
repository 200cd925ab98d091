//! [`TaskError`]: why a task of a fail-fast combinator gave no value.

use crate::task::JoinError;

/// A task that returns `Result<T, E>` failed: it returned `Err(E)`, or it
/// panicked or was cancelled. Returned by [`try_gather`](super::try_gather),
/// [`try_join_all`](super::try_join_all) and [`TaskGroup`](super::TaskGroup)
/// (asyncio would raise the task's exception).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskError<E> {
    /// The task returned `Err`.
    #[error("task failed: {0}")]
    Failed(E),
    /// The task panicked or was cancelled.
    #[error(transparent)]
    Join(JoinError),
}

impl<E> TaskError<E> {
    /// The task's error, if it returned one.
    pub fn failure(&self) -> Option<&E> {
        match self {
            TaskError::Failed(e) => Some(e),
            TaskError::Join(_) => None,
        }
    }

    /// The task's error, if it returned one.
    pub fn into_failure(self) -> Option<E> {
        match self {
            TaskError::Failed(e) => Some(e),
            TaskError::Join(_) => None,
        }
    }

    /// The panic or cancellation, if the task ended that way.
    pub fn join_error(&self) -> Option<&JoinError> {
        match self {
            TaskError::Join(e) => Some(e),
            TaskError::Failed(_) => None,
        }
    }

    /// Whether the task panicked.
    pub fn is_panic(&self) -> bool {
        self.join_error().is_some_and(JoinError::is_panic)
    }
}

impl<E> TaskError<E> {
    /// A task's ending as its value, or as the failure it counts as.
    pub(crate) fn from_ending<T>(
        ending: Result<Result<T, E>, JoinError>,
    ) -> Result<T, TaskError<E>> {
        ending.map_err(TaskError::Join)?.map_err(TaskError::Failed)
    }
}

impl<E> From<JoinError> for TaskError<E> {
    fn from(e: JoinError) -> Self {
        TaskError::Join(e)
    }
}
