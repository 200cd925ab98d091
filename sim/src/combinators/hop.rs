//! [`Hop`]: deliver a combinator's result one scheduling point late, as
//! asyncio does.
//!
//! When a task awaiting `gather`, `wait`, `as_completed` or a `TaskGroup`
//! is woken by a child task finishing, asyncio resumes it two loop
//! iterations later: the child's done callback runs first, then the
//! awaiter's wake-up. simloop wakes the awaiter directly, which stands for
//! the first of those; yielding once more before returning stands for the
//! second, so the awaiter resumes in the same place among the other ready
//! tasks as under CPython. A result that is already there when the
//! combinator is first polled (or polled again without having waited) is
//! returned at once, as asyncio does.

use std::task::{Context, Poll};

pub(crate) struct Hop<T> {
    stash: Option<T>,
    suspended: bool,
}

impl<T> Hop<T> {
    pub(crate) fn new() -> Hop<T> {
        Hop {
            stash: None,
            suspended: false,
        }
    }

    /// The output held back by [`deliver`](Hop::deliver) on the previous
    /// poll, if any.
    pub(crate) fn take(&mut self) -> Option<T> {
        self.stash.take()
    }

    /// Notes that the combinator is about to return `Poll::Pending` and wait.
    pub(crate) fn suspend(&mut self) {
        self.suspended = true;
    }

    /// Returns `output` now if the combinator has not waited since its last
    /// output, or holds it back for one scheduling point if it has.
    pub(crate) fn deliver(&mut self, output: T, cx: &mut Context<'_>) -> Poll<T> {
        if !self.suspended {
            return Poll::Ready(output);
        }
        self.suspended = false;
        self.stash = Some(output);
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl<T> Hop<T> {
    /// Whether an output is held back and satisfies `f`.
    pub(crate) fn holds(&self, f: impl FnOnce(&T) -> bool) -> bool {
        self.stash.as_ref().is_some_and(f)
    }
}
