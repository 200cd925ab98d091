//! The errors of [`Queue`](super::Queue) operations (asyncio's `QueueEmpty`,
//! `QueueFull`, `QueueShutDown` and the `ValueError` of `task_done`).
//!
//! Errors of operations that take an item give it back.

use std::fmt;

/// `get` on a queue that is shut down and empty (asyncio's `QueueShutDown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("queue is shut down")]
pub struct ShutDown;

/// Why [`try_get`](super::Queue::try_get) gave no item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TryGetError {
    /// The queue is empty (asyncio's `QueueEmpty`).
    #[error("queue is empty")]
    Empty,
    /// The queue is empty and shut down (asyncio's `QueueShutDown`).
    #[error("queue is shut down")]
    ShutDown,
}

/// `put` on a queue that is shut down (asyncio's `QueueShutDown`); holds the
/// item that was not put.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("queue is shut down")]
pub struct PutError<T>(pub T);

impl<T> PutError<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PutError(..)")
    }
}

/// Why [`try_put`](super::Queue::try_put) did not put the item; holds it.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
pub enum TryPutError<T> {
    /// The queue is full (asyncio's `QueueFull`).
    #[error("queue is full")]
    Full(T),
    /// The queue is shut down (asyncio's `QueueShutDown`).
    #[error("queue is shut down")]
    ShutDown(T),
}

impl<T> TryPutError<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        match self {
            TryPutError::Full(item) | TryPutError::ShutDown(item) => item,
        }
    }

    /// Whether the queue was full.
    pub fn is_full(&self) -> bool {
        matches!(self, TryPutError::Full(_))
    }

    /// Whether the queue was shut down.
    pub fn is_shut_down(&self) -> bool {
        matches!(self, TryPutError::ShutDown(_))
    }
}

impl<T> fmt::Debug for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryPutError::Full(_) => f.write_str("Full(..)"),
            TryPutError::ShutDown(_) => f.write_str("ShutDown(..)"),
        }
    }
}

/// [`task_done`](super::Queue::task_done) was called more times than items
/// were put (asyncio raises `ValueError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("task_done() called too many times")]
pub struct TaskDoneError;
