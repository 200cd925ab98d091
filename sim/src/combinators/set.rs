//! [`TaskSet`]: the spawned tasks behind `gather`, `as_completed` and
//! `TaskGroup`, with their endings recorded in the order they are reported.
//!
//! Each future runs as its own task (so the scheduler interleaves them),
//! wrapped in [`Tracked`], which writes the task's ending (its output, a
//! panic, or a cancellation) into the set's shared state and wakes the set's
//! owner. A fail-fast set also aborts every other task when one fails, like
//! asyncio's `TaskGroup._on_task_done`.
//!
//! asyncio learns that a task ended in the task's *done callback*, which
//! runs one loop iteration later, after the tasks that were already ready:
//! only then does `gather`, `as_completed` or a `TaskGroup` see the result,
//! wake its awaiter, or cancel the siblings of a failed task. A task that
//! returns (or panics) therefore reports its ending one scheduling point
//! late: it wakes itself and reports on its next poll, where the callback
//! would run. A task that is cancelled reports when its future is dropped,
//! a step early: its ending stays out of the owner's sight until the step
//! where its callback would run (after the tasks that were ready then; an
//! owner that looks earlier waits again), and the owner makes up the
//! wake-up step ([`Hop`](super::hop::Hop)).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use crate::runtime;
use crate::task::{self, JoinError, JoinHandle, TaskId, WaitReason};

/// The number of the step being taken (0 outside a simulation).
fn current_step() -> u64 {
    runtime::try_with(|rt| rt.step_and_backlog().0).unwrap_or(0)
}

/// How a task of the set ended.
enum Ending<T> {
    Output(T),
    /// The task panicked; the panic is read from its handle.
    Panicked,
    /// The task was dropped before finishing (aborted, or the simulation
    /// ended); the error is read from its handle.
    Cancelled,
}

/// An ending as reported to the set.
struct Report<T> {
    index: usize,
    ending: Ending<T>,
    /// Reported where asyncio's done callback runs (see the module docs).
    from_callback: bool,
    /// The step from which the owner may see it: where the done callback of
    /// a task reported on its cancellation would run.
    visible_at: u64,
}

/// A task's ending, as [`TaskSet::poll_next`] gives it.
pub(crate) struct Ended<T> {
    /// The task's spawn index.
    pub(crate) index: usize,
    pub(crate) result: Result<T, JoinError>,
    /// Whether it was reported where asyncio's done callback runs (after a
    /// return or a panic) rather than at the ending itself (a cancellation).
    pub(crate) from_callback: bool,
}

/// Which reported endings wake the set's owner: those after which asyncio
/// would wake the combinator's awaiter, so that it resumes at the same turn.
pub(crate) enum WakeOn<T> {
    /// Every one (`as_completed` queues each result for its awaiter).
    Each,
    /// The last one (a `TaskGroup`, `gather(return_exceptions=True)`).
    Last,
    /// The last one, or a failure: a panic, a cancellation, or an output
    /// for which the function holds (`gather`).
    LastOrFailure(fn(&T) -> bool),
}

struct Shared<T> {
    /// One per spawned task, by spawn index; `None` once its ending has been
    /// taken or the set was detached.
    handles: Vec<Option<JoinHandle<()>>>,
    /// Endings not yet taken, in the order they were reported.
    ended: VecDeque<Report<T>>,
    /// Endings taken by `poll_next`.
    taken: usize,
    waker: Option<Waker>,
    wake_on: WakeOn<T>,
    /// For a fail-fast set: which outputs count as failures (panics always
    /// do).
    fail_fast: Option<fn(&T) -> bool>,
    /// Every task was told to stop; tasks spawned from now on are aborted.
    cancelling: bool,
    /// No task may be added any more.
    closed: bool,
    /// The last wait reason given, for that many remaining tasks.
    reason: Option<(usize, WaitReason)>,
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
    /// A set whose tasks run independently; `wake_on` says which endings
    /// wake its owner.
    pub(crate) fn new(wake_on: WakeOn<T>) -> TaskSet<T> {
        TaskSet::with(wake_on, None)
    }

    /// A set that aborts every other task as soon as one panics or returns
    /// an output for which `is_failure` holds. Its owner is woken by the
    /// last ending, and by the failure (asyncio's `TaskGroup` cancels the
    /// task awaiting it, which wakes it).
    pub(crate) fn fail_fast(is_failure: fn(&T) -> bool) -> TaskSet<T> {
        TaskSet::with(WakeOn::LastOrFailure(is_failure), Some(is_failure))
    }

    fn with(wake_on: WakeOn<T>, fail_fast: Option<fn(&T) -> bool>) -> TaskSet<T> {
        TaskSet {
            shared: Rc::new(RefCell::new(Shared {
                handles: Vec::new(),
                ended: VecDeque::new(),
                taken: 0,
                waker: None,
                wake_on,
                fail_fast,
                cancelling: false,
                closed: false,
                reason: None,
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
        let mut sh = self.shared.borrow_mut();
        let remaining = sh.handles.len() - sh.taken;
        // The text is only formatted when the count changes.
        let reason = match &sh.reason {
            Some((n, reason)) if *n == remaining && reason.operation() == operation => {
                reason.clone()
            }
            _ => {
                let reason = WaitReason::new(operation).on(format!("{remaining} task(s)"));
                sh.reason = Some((remaining, reason.clone()));
                reason
            }
        };
        drop(sh);
        task::wait_on(reason);
    }

    /// The next ending, in the order they were reported; `None` once every
    /// task's ending has been taken.
    pub(crate) fn poll_next(&self, cx: &mut Context<'_>) -> Poll<Option<Ended<T>>> {
        let mut sh = self.shared.borrow_mut();
        if let Some(report) = sh.ended.front()
            && report.visible_at > current_step()
        {
            // Its done callback has not run yet: look again later.
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let Some(Report {
            index,
            ending,
            from_callback,
            visible_at,
        }) = sh.ended.pop_front()
        else {
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
                        sh.ended.push_front(Report {
                            index,
                            ending: abnormal,
                            from_callback,
                            visible_at,
                        });
                        return Poll::Pending;
                    }
                }
            }
        };
        sh.taken += 1;
        Poll::Ready(Some(Ended {
            index,
            result: output,
            from_callback,
        }))
    }

    /// Aborts every task still running, and every task spawned later.
    pub(crate) fn abort_all(&self) {
        self.shared.abort_all();
    }

    /// Makes the set abort its tasks the moment the current task is
    /// aborted or the timeout around the current poll expires (asyncio's
    /// gather cancels its children when the task awaiting it is cancelled).
    /// Unregister with [`runtime::Runtime::remove_hook`] once it no longer
    /// applies.
    pub(crate) fn cancel_with_awaiter(&self) -> Option<runtime::HookKey> {
        let hook: Rc<dyn runtime::CancelHook> = self.shared.clone();
        let weak = Rc::downgrade(&hook);
        runtime::try_with(|rt| rt.on_cancel(weak))
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
        held: None,
        reported: false,
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

impl<T> runtime::CancelHook for RefCell<Shared<T>> {
    fn cancel(&self) {
        self.abort_all();
    }
}

trait AbortAll {
    fn abort_all(&self);
}

impl<T> AbortAll for RefCell<Shared<T>> {
    /// Aborts every task still running, and every task spawned later.
    fn abort_all(&self) {
        let mut sh = self.borrow_mut();
        sh.cancelling = true;
        for handle in sh.handles.iter().flatten() {
            handle.abort();
        }
    }
}

/// Records how task `index` ended and wakes the set's owner if it should
/// be ([`WakeOn`]); in a fail-fast set, a failure aborts every other task.
fn record<T>(shared: &RefCell<Shared<T>>, index: usize, ending: Ending<T>, from_callback: bool) {
    let mut sh = shared.borrow_mut();
    let failed = match (&ending, sh.fail_fast) {
        (Ending::Output(value), Some(is_failure)) => is_failure(value),
        (Ending::Panicked, Some(_)) => true,
        _ => false,
    };
    let wakes_on_failure = match (&sh.wake_on, &ending) {
        (WakeOn::LastOrFailure(is_failure), Ending::Output(value)) => is_failure(value),
        (WakeOn::LastOrFailure(_), _) => true,
        _ => false,
    };
    // Reported as the task ended: its done callback would run after the
    // tasks ready now.
    let visible_at = if from_callback {
        0
    } else {
        runtime::try_with(|rt| {
            let (step, backlog) = rt.step_and_backlog();
            step + backlog as u64 + 1
        })
        .unwrap_or(0)
    };
    sh.ended.push_back(Report {
        index,
        ending,
        from_callback,
        visible_at,
    });
    let last = sh.taken + sh.ended.len() == sh.handles.len();
    let wake = matches!(sh.wake_on, WakeOn::Each) || last || wakes_on_failure;
    if failed && !sh.cancelling {
        sh.cancelling = true;
        for (i, handle) in sh.handles.iter().enumerate() {
            if let (true, Some(handle)) = (i != index, handle) {
                handle.abort();
            }
        }
    }
    let waker = if wake { sh.waker.take() } else { None };
    drop(sh);
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// An ending held back for one scheduling point, to be reported where
/// asyncio's done callback runs.
enum Held<T> {
    Output(T),
    /// The panic's message, to be raised again once reported.
    Panic(String),
}

pin_project_lite::pin_project! {
    /// A task's future, reporting its ending to the set.
    struct Tracked<F: Future> {
        #[pin]
        inner: F,
        index: usize,
        shared: Rc<RefCell<Shared<F::Output>>>,
        // The inner future's ending, until it is reported.
        held: Option<Held<F::Output>>,
        // Whether the ending was reported.
        reported: bool,
    }

    impl<F: Future> PinnedDrop for Tracked<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if *this.reported {
                return;
            }
            // Dropped before it could report: cancelled, unless it had
            // already returned (a panic not raised yet is lost, like the
            // exception of a task whose result nobody looks at). A task
            // holding its ending was dropped at its turn to report it (it
            // had woken itself), where the done callback runs.
            let (ending, from_callback) = match this.held.take() {
                Some(Held::Output(value)) => (Ending::Output(value), true),
                Some(Held::Panic(_)) => (Ending::Cancelled, true),
                None => (Ending::Cancelled, false),
            };
            record(this.shared, *this.index, ending, from_callback);
        }
    }
}

impl<F: Future> Future for Tracked<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        // The step after the ending: report it, as the done callback would.
        if let Some(held) = this.held.take() {
            *this.reported = true;
            match held {
                Held::Output(value) => {
                    record(this.shared, *this.index, Ending::Output(value), true);
                    return Poll::Ready(());
                }
                Held::Panic(message) => {
                    record(this.shared, *this.index, Ending::Panicked, true);
                    // The task fails now, with the same message.
                    std::panic::resume_unwind(Box::new(message));
                }
            }
        }
        let inner = this.inner;
        let held = match crate::panic::catch(|| inner.poll(cx)) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(value)) => Held::Output(value),
            Err(message) => Held::Panic(message),
        };
        *this.held = Some(held);
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
