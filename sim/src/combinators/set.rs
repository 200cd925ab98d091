//! [`TaskSet`]: the spawned tasks behind `gather`, `as_completed` and
//! `TaskGroup`, with their endings recorded in the order they are reported.
//!
//! Each future runs as its own task (so the scheduler interleaves them).
//! Each task's done callback, queued when it ends and run one scheduling
//! point later as in asyncio, moves its ending (its output, a panic, or a
//! cancellation) into the set and wakes the set's owner where asyncio would
//! wake the combinator's awaiter. A fail-fast set also aborts every other
//! task there, like asyncio's `TaskGroup._on_task_done`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use super::task_group::MemberOutcome;
use crate::runtime;
use crate::task::{self, JoinError, JoinHandle, TaskId, WaitReason};

/// A task's ending, as [`TaskSet::poll_next`] gives it.
pub(crate) struct Ended<T> {
    /// The task's spawn index.
    pub(crate) index: usize,
    pub(crate) result: Result<T, JoinError>,
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
    /// reported or the set was detached.
    handles: Vec<Option<JoinHandle<T>>>,
    /// Endings not yet taken, in the order they were reported.
    ended: VecDeque<Ended<T>>,
    /// How each task ended, by spawn index, once its done callback ran.
    outcomes: Vec<Option<MemberOutcome>>,
    /// Who awaits each task's ending through a [`MemberRef`].
    member_wakers: Vec<Option<Waker>>,
    /// Endings taken by `poll_next`.
    taken: usize,
    waker: Option<Waker>,
    wake_on: WakeOn<T>,
    /// For a fail-fast set: which outputs count as failures (panics always
    /// do).
    fail_fast: Option<fn(&T) -> bool>,
    /// Every task was told to stop; tasks spawned from now on are aborted.
    cancelling: bool,
    /// An ending woke the owner for good (the last one, or a failure, for
    /// [`WakeOn::LastOrFailure`]): asyncio's gathering future is done.
    settled: bool,
    /// No task may be added any more.
    closed: bool,
    /// The last wait reason given, for that many remaining tasks.
    reason: Option<(usize, WaitReason)>,
    /// A cancelled owner waits for every task to end (a `TaskGroup`),
    /// rather than for the set to settle (a `gather`).
    drain_all: bool,
    /// The set itself, for a callback to reach it.
    me: Weak<RefCell<Shared<T>>>,
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
            shared: Rc::new_cyclic(|me| {
                RefCell::new(Shared {
                    handles: Vec::new(),
                    ended: VecDeque::new(),
                    outcomes: Vec::new(),
                    member_wakers: Vec::new(),
                    taken: 0,
                    waker: None,
                    wake_on,
                    fail_fast,
                    cancelling: false,
                    settled: false,
                    closed: false,
                    reason: None,
                    drain_all: false,
                    me: me.clone(),
                })
            }),
        }
    }

    /// Spawns `future` as a task of the set. If the set is cancelling, the
    /// task is aborted before it first runs.
    pub(crate) fn spawn<F>(&self, name: Option<Arc<str>>, future: F) -> MemberRef<T>
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
        if let Some(ended) = sh.ended.pop_front() {
            sh.taken += 1;
            return Poll::Ready(Some(ended));
        }
        if sh.taken == sh.handles.len() {
            return Poll::Ready(None);
        }
        match &sh.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => sh.waker = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// Aborts every task still running, and every task spawned later.
    pub(crate) fn abort_all(&self) {
        self.shared.abort_all();
    }

    /// asyncio's `_GatheringFuture.cancel`: unless the outcome is settled,
    /// aborts the tasks still running; returns whether there was one.
    pub(crate) fn cancel(&self) -> bool {
        let sh = self.shared.borrow();
        if sh.settled {
            return false;
        }
        let mut any = false;
        for handle in sh.handles.iter().flatten() {
            if !handle.is_finished() {
                handle.abort();
                any = true;
            }
        }
        any
    }

    /// Makes the set abort its tasks the moment the current task is
    /// aborted or the timeout around the current poll expires (asyncio's
    /// gather cancels its children when the task awaiting it is cancelled).
    /// Unregister with [`runtime::Runtime::remove_hook`] once it no longer
    /// applies.
    pub(crate) fn cancel_with_awaiter(&self) -> Option<runtime::HookKey> {
        self.hook()
    }

    /// Like [`cancel_with_awaiter`](TaskSet::cancel_with_awaiter), as a
    /// `TaskGroup` owner: the tasks are aborted one ready item after the
    /// cancellation, and the owner goes on once every one has ended.
    pub(crate) fn cancel_with_owner(&self) -> Option<runtime::HookKey> {
        self.shared.borrow_mut().drain_all = true;
        self.hook()
    }

    fn hook(&self) -> Option<runtime::HookKey> {
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
    pub(crate) fn spawn<F>(&self, name: Option<Arc<str>>, future: F) -> Option<MemberRef<T>>
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
) -> MemberRef<T>
where
    F: Future<Output = T> + 'static,
{
    let builder = match name {
        Some(name) => task::Builder::new().name(name),
        None => task::Builder::new(),
    };
    let handle = builder.spawn(future);
    let id = handle.id();
    let mut sh = shared.borrow_mut();
    let index = sh.handles.len();
    let weak = Rc::downgrade(shared);
    handle.add_done_callback(move |_| on_done(&weak, index));
    if sh.cancelling {
        handle.abort();
    }
    sh.handles.push(Some(handle));
    sh.outcomes.push(None);
    sh.member_wakers.push(None);
    MemberRef {
        id,
        index,
        shared: Rc::downgrade(shared),
    }
}

/// One task of a [`TaskSet`], as its owner's code sees it.
pub(crate) struct MemberRef<T> {
    pub(crate) id: TaskId,
    index: usize,
    shared: Weak<RefCell<Shared<T>>>,
}

impl<T> MemberRef<T> {
    /// How the task ended, once its done callback ran (or the set is gone).
    pub(crate) fn outcome(&self) -> Option<MemberOutcome> {
        match self.shared.upgrade() {
            Some(shared) => shared.borrow().outcomes[self.index],
            None => Some(MemberOutcome::Cancelled),
        }
    }

    /// Whether the task has ended (its done callback may be still to run).
    pub(crate) fn is_finished(&self) -> bool {
        let Some(shared) = self.shared.upgrade() else {
            return true;
        };
        let sh = shared.borrow();
        sh.handles[self.index]
            .as_ref()
            .is_none_or(JoinHandle::is_finished)
    }

    /// Aborts the task (a no-op once it ended).
    pub(crate) fn abort(&self) {
        if let Some(shared) = self.shared.upgrade()
            && let Some(handle) = &shared.borrow().handles[self.index]
        {
            handle.abort();
        }
    }

    /// Waits for the task's done callback.
    pub(crate) fn poll_end(&self, cx: &mut Context<'_>) -> Poll<MemberOutcome> {
        let Some(shared) = self.shared.upgrade() else {
            return Poll::Ready(MemberOutcome::Cancelled);
        };
        let mut sh = shared.borrow_mut();
        if let Some(outcome) = sh.outcomes[self.index] {
            return Poll::Ready(outcome);
        }
        sh.member_wakers[self.index] = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl<T: 'static> runtime::CancelHook for RefCell<Shared<T>> {
    fn cancel(&self) {
        if self.borrow().drain_all {
            // asyncio's `TaskGroup` aborts its tasks when its owner, woken
            // by the cancellation, runs `__aexit__`: one ready item later.
            let weak = self.borrow().me.clone();
            task::call_soon(move || {
                if let Some(shared) = weak.upgrade() {
                    shared.abort_all();
                }
            });
        } else {
            self.abort_all();
        }
    }

    /// A task group's owner waits on a plain future in `__aexit__`: asyncio
    /// schedules it at the cancellation, and its step cancels the tasks.
    fn wakes_at_once(&self) -> bool {
        self.borrow().drain_all
    }

    /// The owner goes on where asyncio's awaiter would: once the gathering
    /// future is done, or, for a task group, once every task has ended.
    fn settled(&self, waker: &Waker) -> bool {
        let mut sh = self.borrow_mut();
        let settled = if sh.drain_all {
            sh.taken + sh.ended.len() == sh.handles.len()
        } else {
            sh.settled
        };
        if !settled {
            sh.waker = Some(waker.clone());
        }
        settled
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

/// The done callback of task `index`: records how it ended and wakes the
/// set's owner if it should be ([`WakeOn`]); in a fail-fast set, a failure
/// aborts every other task.
fn on_done<T>(shared: &Weak<RefCell<Shared<T>>>, index: usize) {
    let Some(shared) = shared.upgrade() else {
        return;
    };
    let mut sh = shared.borrow_mut();
    // Detached: nobody looks at the ending any more.
    let Some(mut handle) = sh.handles[index].take() else {
        return;
    };
    let result = handle
        .try_join()
        .expect("a task's done callback runs once it has finished");
    let failed = match (&result, sh.fail_fast) {
        (Ok(value), Some(is_failure)) => is_failure(value),
        (Err(e), Some(_)) => e.is_panic(),
        _ => false,
    };
    sh.outcomes[index] = Some(match &result {
        Ok(_) if failed => MemberOutcome::Failed,
        Ok(_) => MemberOutcome::Returned,
        Err(e) if e.is_panic() => MemberOutcome::Panicked,
        Err(_) => MemberOutcome::Cancelled,
    });
    let member = sh.member_wakers[index].take();
    let wakes_on_failure = match (&sh.wake_on, &result) {
        // A cancelling task group wakes its owner only with its last
        // ending, as asyncio's `__aexit__` waits for the last task.
        _ if sh.fail_fast.is_some() && sh.cancelling => false,
        (WakeOn::LastOrFailure(is_failure), Ok(value)) => is_failure(value),
        (WakeOn::LastOrFailure(_), Err(_)) => true,
        _ => false,
    };
    sh.ended.push_back(Ended { index, result });
    let last = sh.taken + sh.ended.len() == sh.handles.len();
    sh.settled |= last || wakes_on_failure;
    let wake = matches!(sh.wake_on, WakeOn::Each) || last || wakes_on_failure;
    if failed && !sh.cancelling {
        sh.cancelling = true;
        for handle in sh.handles.iter().flatten() {
            handle.abort();
        }
    }
    let waker = if wake { sh.waker.take() } else { None };
    drop(sh);
    // The owner's wake-up first: asyncio's group callback was added when
    // the task was created, an awaiter's after.
    if let Some(waker) = waker {
        waker.wake();
    }
    if let Some(waker) = member {
        waker.wake();
    }
}
