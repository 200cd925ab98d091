//! [`TaskSet`]: the spawned tasks behind `gather`, `as_completed` and
//! `TaskGroup`, with their endings recorded in exact completion order.
//!
//! Each future runs as its own task (so the scheduler interleaves them),
//! wrapped in [`Tracked`], which writes the task's ending (its output, a
//! panic, or a cancellation) into the set's shared state at the moment it
//! happens and wakes the set's owner. A fail-fast set also aborts every other
//! task the moment one fails, like asyncio's `TaskGroup._on_task_done`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crate::task::{self, JoinError, JoinHandle, TaskId, WaitReason};

/// How a task of the set ended.
enum Ending<T> {
    Output(T),
    /// The task panicked; the panic is read from its handle.
    Panicked,
    /// The task was dropped before finishing (aborted, or the simulation
    /// ended); the error is read from its handle.
    Cancelled,
}

struct Shared<T> {
    /// One per spawned task, by spawn index; `None` once its ending has been
    /// taken or the set was detached.
    handles: Vec<Option<JoinHandle<()>>>,
    /// Endings not yet taken, in the order they happened.
    ended: VecDeque<(usize, Ending<T>)>,
    /// Endings taken by `poll_next`.
    taken: usize,
    waker: Option<Waker>,
    /// For a fail-fast set: which outputs count as failures (panics always
    /// do).
    fail_fast: Option<fn(&T) -> bool>,
    /// Every task was told to stop; tasks spawned from now on are aborted.
    cancelling: bool,
    /// No task may be added any more.
    closed: bool,
}

/// Spawned tasks whose endings are collected in completion order.
pub(crate) struct TaskSet<T> {
    shared: Rc<RefCell<Shared<T>>>,
}

/// A handle that can add tasks to a [`TaskSet`] while it is open.
pub(crate) struct WeakTaskSet<T> {
    shared: std::rc::Weak<RefCell<Shared<T>>>,
}

impl<T: 'static> TaskSet<T> {
    /// A set whose tasks run independently.
    pub(crate) fn new() -> TaskSet<T> {
        TaskSet::with(None)
    }

    /// A set that aborts every other task as soon as one panics or returns
    /// an output for which `is_failure` holds.
    pub(crate) fn fail_fast(is_failure: fn(&T) -> bool) -> TaskSet<T> {
        TaskSet::with(Some(is_failure))
    }

    fn with(fail_fast: Option<fn(&T) -> bool>) -> TaskSet<T> {
        TaskSet {
            shared: Rc::new(RefCell::new(Shared {
                handles: Vec::new(),
                ended: VecDeque::new(),
                taken: 0,
                waker: None,
                fail_fast,
                cancelling: false,
                closed: false,
            })),
        }
    }

    /// Spawns `future` as a task of the set. If the set is cancelling, the
    /// task is aborted before it first runs.
    pub(crate) fn spawn<F>(&self, name: Option<Arc<str>>, future: F) -> TaskId
    where
        F: Future<Output = T> + 'static,
    {
        spawn_into(&self.shared, name, future)
    }

    /// Number of tasks spawned into the set.
    pub(crate) fn len(&self) -> usize {
        self.shared.borrow().handles.len()
    }

    /// Number of tasks whose ending has not been taken yet.
    pub(crate) fn remaining(&self) -> usize {
        let sh = self.shared.borrow();
        sh.handles.len() - sh.taken
    }

    /// Whether a failure (or [`abort_all`](TaskSet::abort_all)) told every
    /// task to stop.
    pub(crate) fn is_cancelling(&self) -> bool {
        self.shared.borrow().cancelling
    }

    /// Tells the simulation that the current task is about to wait on the
    /// set's remaining tasks in `operation`: deadlock reports then say e.g.
    /// `gather on "2 task(s)"`.
    pub(crate) fn wait_on(&self, operation: &'static str) {
        task::wait_on(WaitReason::new(operation).on(format!("{} task(s)", self.remaining())));
    }

    /// The next ending, in completion order, with the task's spawn index;
    /// `None` once every task's ending has been taken.
    pub(crate) fn poll_next(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<(usize, Result<T, JoinError>)>> {
        let mut sh = self.shared.borrow_mut();
        let Some((index, ending)) = sh.ended.pop_front() else {
            if sh.taken == sh.handles.len() {
                return Poll::Ready(None);
            }
            match &sh.waker {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => sh.waker = Some(cx.waker().clone()),
            }
            return Poll::Pending;
        };
        let handle = sh.handles[index].take();
        let output = match ending {
            Ending::Output(value) => Ok(value),
            abnormal => {
                let mut handle = handle
                    .expect("a task set keeps the handle of every task until its ending is taken");
                // The handle was resolved when the task's future was dropped,
                // right after the ending was recorded.
                match Pin::new(&mut handle).poll(cx) {
                    Poll::Ready(Err(error)) => Err(error),
                    Poll::Ready(Ok(())) => {
                        unreachable!("a tracked task that returned recorded its output")
                    }
                    Poll::Pending => {
                        sh.handles[index] = Some(handle);
                        sh.ended.push_front((index, abnormal));
                        return Poll::Pending;
                    }
                }
            }
        };
        sh.taken += 1;
        Poll::Ready(Some((index, output)))
    }

    /// Aborts every task still running, and every task spawned later.
    pub(crate) fn abort_all(&self) {
        let mut sh = self.shared.borrow_mut();
        sh.cancelling = true;
        for handle in sh.handles.iter().flatten() {
            handle.abort();
        }
    }

    /// Lets the tasks still running go on without the set: their handles
    /// are dropped (a later panic in one of them is then unobserved).
    pub(crate) fn detach(&self) {
        let handles: Vec<_> = {
            let mut sh = self.shared.borrow_mut();
            sh.closed = true;
            // Nobody listens any more: later endings must not wake the
            // former owner.
            sh.waker = None;
            sh.handles.iter_mut().filter_map(Option::take).collect()
        };
        drop(handles);
    }

    /// Refuses further tasks from [`WeakTaskSet::spawn`].
    pub(crate) fn close(&self) {
        self.shared.borrow_mut().closed = true;
    }

    /// A handle that can add tasks while the set is open.
    pub(crate) fn weak(&self) -> WeakTaskSet<T> {
        WeakTaskSet {
            shared: Rc::downgrade(&self.shared),
        }
    }
}

impl<T: 'static> WeakTaskSet<T> {
    /// Spawns into the set, or returns `None` if it is closed or gone.
    pub(crate) fn spawn<F>(&self, name: Option<Arc<str>>, future: F) -> Option<TaskId>
    where
        F: Future<Output = T> + 'static,
    {
        let shared = self.shared.upgrade()?;
        if shared.borrow().closed {
            return None;
        }
        Some(spawn_into(&shared, name, future))
    }
}

impl<T> Clone for WeakTaskSet<T> {
    fn clone(&self) -> Self {
        WeakTaskSet {
            shared: self.shared.clone(),
        }
    }
}

fn spawn_into<T: 'static, F>(
    shared: &Rc<RefCell<Shared<T>>>,
    name: Option<Arc<str>>,
    future: F,
) -> TaskId
where
    F: Future<Output = T> + 'static,
{
    let index = {
        let mut sh = shared.borrow_mut();
        sh.handles.push(None);
        sh.handles.len() - 1
    };
    let tracked = Tracked {
        inner: future,
        index,
        shared: Rc::clone(shared),
        ended: false,
    };
    let builder = match name {
        Some(name) => task::Builder::new().name(name),
        None => task::Builder::new(),
    };
    let handle = builder.spawn(tracked);
    let id = handle.id();
    let mut sh = shared.borrow_mut();
    if sh.cancelling {
        handle.abort();
    }
    sh.handles[index] = Some(handle);
    id
}

/// Records how task `index` ended and wakes the set's owner; in a fail-fast
/// set, a failure aborts every other task.
fn record<T>(shared: &RefCell<Shared<T>>, index: usize, ending: Ending<T>) {
    let mut sh = shared.borrow_mut();
    let failed = match (&ending, sh.fail_fast) {
        (Ending::Output(value), Some(is_failure)) => is_failure(value),
        (Ending::Panicked, Some(_)) => true,
        _ => false,
    };
    sh.ended.push_back((index, ending));
    if failed && !sh.cancelling {
        sh.cancelling = true;
        for (i, handle) in sh.handles.iter().enumerate() {
            if let (true, Some(handle)) = (i != index, handle) {
                handle.abort();
            }
        }
    }
    let waker = sh.waker.take();
    drop(sh);
    if let Some(waker) = waker {
        waker.wake();
    }
}

pin_project_lite::pin_project! {
    /// A task's future, reporting its ending to the set.
    struct Tracked<F: Future> {
        #[pin]
        inner: F,
        index: usize,
        shared: Rc<RefCell<Shared<F::Output>>>,
        // Whether the ending was recorded (or is being recorded by a panic).
        ended: bool,
    }

    impl<F: Future> PinnedDrop for Tracked<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if !*this.ended {
                record(this.shared, *this.index, Ending::Cancelled);
            }
        }
    }
}

/// Records a panic if the inner future unwinds through `Tracked::poll`.
struct PanicGuard<'a, T> {
    shared: &'a RefCell<Shared<T>>,
    index: usize,
    armed: bool,
}

impl<T> Drop for PanicGuard<'_, T> {
    fn drop(&mut self) {
        if self.armed {
            record(self.shared, self.index, Ending::Panicked);
        }
    }
}

impl<F: Future> Future for Tracked<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        // Stays set if the inner future panics: the guard records it.
        *this.ended = true;
        let mut guard = PanicGuard {
            shared: this.shared,
            index: *this.index,
            armed: true,
        };
        let poll = this.inner.poll(cx);
        guard.armed = false;
        match poll {
            Poll::Ready(value) => {
                record(this.shared, *this.index, Ending::Output(value));
                Poll::Ready(())
            }
            Poll::Pending => {
                *this.ended = false;
                Poll::Pending
            }
        }
    }
}
