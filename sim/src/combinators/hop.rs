//! [`Hop`]: deliver a combinator's result where asyncio's awaiter resumes.
//!
//! When a task awaiting `gather`, `wait`, `as_completed` or a `TaskGroup`
//! is woken by a child task ending, asyncio resumes it two loop iterations
//! after the ending: the child's done callback runs first, then the
//! awaiter's wake-up. A child of a [`TaskSet`](super::set::TaskSet) that
//! returns or panics reports its ending where the done callback runs, so its
//! awaiter, woken there, resumes at once. A child that is cancelled reports
//! as its future is dropped, a step early: the awaiter yields once more
//! before returning, so that it resumes in the same place among the other
//! ready tasks as under CPython. A result that is already there when the
//! combinator is first polled (or polled again without having waited) is
//! returned at once, as asyncio does.

use std::task::{Context, Poll};

pub(crate) struct Hop<T> {
    stash: Option<T>,
    suspended: bool,
    /// Whether the last ending taken was reported where asyncio's done
    /// callback runs.
    from_callback: bool,
}

impl<T> Hop<T> {
    pub(crate) fn new() -> Hop<T> {
        Hop {
            stash: None,
            suspended: false,
            from_callback: false,
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

    /// Notes how the ending just taken was reported (see
    /// [`Ended::from_callback`](super::set::Ended)).
    pub(crate) fn saw(&mut self, from_callback: bool) {
        self.from_callback = from_callback;
    }

    /// Returns `output` now if the combinator has not waited since its last
    /// output, or was woken where a done callback runs; otherwise holds it
    /// back for one scheduling point.
    pub(crate) fn deliver(&mut self, output: T, cx: &mut Context<'_>) -> Poll<T> {
        let late = self.suspended && !self.from_callback;
        self.suspended = false;
        if !late {
            return Poll::Ready(output);
        }
        self.stash = Some(output);
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Whether an output is held back and satisfies `f`.
    pub(crate) fn holds(&self, f: impl FnOnce(&T) -> bool) -> bool {
        self.stash.as_ref().is_some_and(f)
    }
}
