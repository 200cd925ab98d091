//! Cancellation that takes effect at once, as in asyncio.
//!
//! asyncio's `Task.cancel` and an expiring `timeout` cancel the future the
//! task awaits there and then, while simloop drops a task's future only when
//! the task next comes up. In between, two things let the rest of the world
//! behave as in asyncio: a [`CancelScope`] per timeout, which its timer marks
//! expired, so that synchronisation primitives pass over the waits made
//! inside it; and [`CancelHook`]s, which combinators such as `gather`
//! register to cancel their children the moment the awaiting task is
//! cancelled.
//!
//! A cancelled asyncio task (or expired timeout) then waits for what it
//! cancelled: its `CancelledError` arrives only once the awaited task, or
//! the gather's children, have ended. A fired hook therefore stays
//! *draining* until it says it is [`settled`](CancelHook::settled): the
//! expired timeout returns, and the aborted task's future is dropped, only
//! then. Meanwhile the task is not queued, as asyncio does not schedule a
//! task whose awaited task or gather it cancelled: the end of what was
//! cancelled wakes it. A task group's owner is the exception
//! ([`CancelHook::wakes_at_once`]): it waits on a plain future, which
//! asyncio cancels, so it runs at its own turn and waits again if members
//! are left.

use std::fmt;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Wake, Waker};

use super::Runtime;
use crate::base::TaskId;

/// What a [`Timeout`](crate::time::Timeout) cancels when its deadline passes, as seen from the
/// waits inside it.
///
/// asyncio's `timeout` cancels the task the moment its timer fires, which
/// cancels the future the task awaits there and then; simloop drops the
/// inner future only when the task next runs. The scope is marked expired
/// by the timer itself (it is the waker the timer wakes), so that in between
/// the synchronisation primitives can treat the waits registered inside the
/// timeout as cancelled, as asyncio does.
pub(crate) struct CancelScope {
    expired: AtomicBool,
    /// The enclosing timeout, whose expiry cancels this one's waits too.
    parent: Option<Arc<CancelScope>>,
    /// The task's waker, woken after marking the scope.
    target: parking_lot::Mutex<Option<Waker>>,
}

impl CancelScope {
    /// Whether this timeout, or one around it, has expired.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.expired.load(Ordering::SeqCst)
            || self.parent.as_ref().is_some_and(|p| p.is_cancelled())
    }

    /// Whether this scope is `other` or lies inside it.
    fn within(&self, other: &CancelScope) -> bool {
        std::ptr::eq(self, other) || self.parent.as_ref().is_some_and(|p| p.within(other))
    }

    /// Whether this timeout's own timer fired.
    pub(crate) fn fired(&self) -> bool {
        self.expired.load(Ordering::SeqCst)
    }

    pub(crate) fn point_to(&self, waker: &Waker) {
        let mut target = self.target.lock();
        match &*target {
            Some(w) if w.will_wake(waker) => {}
            _ => *target = Some(waker.clone()),
        }
    }
}

impl fmt::Debug for CancelScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelScope")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl Wake for CancelScope {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.expired.store(true, Ordering::SeqCst);
        // What asyncio cancels at once with the task (a gather's children).
        let at_once = super::try_with(|rt| rt.fire_expired_scopes()).unwrap_or(true);
        let target = self.target.lock().clone();
        if let Some(waker) = target {
            // As asyncio's timeout cancels the awaited future and leaves the
            // task to its wake-up: when the expiry cancelled something still
            // running (a task awaited inside), that end wakes the task.
            if at_once || super::try_with(|rt| rt.scope_drained(self, &waker)) != Some(false) {
                waker.wake();
            }
        }
    }
}

/// Something a task awaits that asyncio cancels the moment the task is
/// cancelled (the future in its `_fut_waiter`), rather than when the task
/// next runs: `gather` cancels its children there and then.
pub(crate) trait CancelHook {
    /// The awaiting task was cancelled, or the timeout around the wait
    /// expired.
    fn cancel(&self);

    /// After [`cancel`](CancelHook::cancel): whether what it cancelled has
    /// ended, so that the awaiter may go on. If not, `waker` is woken when
    /// it has (where asyncio wakes the awaiter).
    fn settled(&self, _waker: &Waker) -> bool {
        true
    }

    /// Whether asyncio schedules the awaiter at the cancellation, as for a
    /// task waiting on a plain future (a `TaskGroup`'s `__aexit__`, which
    /// then cancels the members and waits again), rather than when what
    /// was cancelled has ended (an awaited task, a gather).
    fn wakes_at_once(&self) -> bool {
        false
    }
}

/// A fired hook, until what it cancelled has ended: the aborted `task`
/// waits for it before its future is dropped, the expired `scope` before
/// its timeout returns.
pub(super) struct Draining {
    task: Option<TaskId>,
    scope: Option<Arc<CancelScope>>,
    hook: Weak<dyn CancelHook>,
}

/// A registered [`CancelHook`]: fired when `task` is aborted or `scope`
/// (or a timeout around it) expires.
pub(super) struct HookEntry {
    task: Option<TaskId>,
    scope: Option<Arc<CancelScope>>,
    hook: Weak<dyn CancelHook>,
}

/// Names a registered [`CancelHook`], to remove it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HookKey(u64);

impl CancelScope {
    /// A scope inside `parent` (the enclosing timeout, if any).
    pub(crate) fn new(parent: Option<Arc<CancelScope>>) -> CancelScope {
        CancelScope {
            expired: AtomicBool::new(false),
            parent,
            target: parking_lot::Mutex::new(None),
        }
    }
}

impl Runtime {
    /// Registers `hook`, to fire when the current task is aborted or the
    /// innermost timeout around the current poll expires.
    pub(crate) fn on_cancel(&self, hook: Weak<dyn CancelHook>) -> HookKey {
        let key = self.next_hook.get();
        self.next_hook.set(key + 1);
        self.cancel_hooks.borrow_mut().insert(
            key,
            HookEntry {
                task: self.current_task_id(),
                scope: self.current_scope(),
                hook,
            },
        );
        HookKey(key)
    }

    /// Unregisters a hook (a no-op if it already fired).
    pub(crate) fn remove_hook(&self, key: HookKey) {
        self.cancel_hooks.borrow_mut().remove(&key.0);
    }

    /// Fires (and unregisters) the hooks of what `task` awaits: it is being
    /// aborted. Returns whether one [wakes it at once](CancelHook::wakes_at_once).
    pub(super) fn fire_task_hooks(&self, task: TaskId) -> bool {
        self.fire_hooks(
            |entry| entry.task == Some(task),
            |entry| Draining {
                task: Some(task),
                scope: None,
                hook: entry.hook.clone(),
            },
        )
    }

    /// Fires (and unregisters) the hooks of waits inside an expired timeout.
    /// Returns whether one [wakes its task at once](CancelHook::wakes_at_once).
    pub(crate) fn fire_expired_scopes(&self) -> bool {
        self.fire_hooks(
            |entry| entry.scope.as_ref().is_some_and(|s| s.is_cancelled()),
            |entry| Draining {
                task: None,
                scope: entry.scope.clone(),
                hook: entry.hook.clone(),
            },
        )
    }

    /// Whether every hook fired by the expiry of `scope` (or of a timeout
    /// inside it) is settled; registers `waker` with those that are not.
    /// Once they all are, forgets them.
    pub(crate) fn scope_drained(&self, scope: &CancelScope, waker: &Waker) -> bool {
        self.drained(|d| d.scope.as_ref().is_some_and(|s| s.within(scope)), waker)
    }

    /// Whether every hook fired by the abort of `task` is settled; see
    /// [`scope_drained`](Self::scope_drained).
    pub(super) fn task_drained(&self, task: TaskId, waker: &Waker) -> bool {
        self.drained(|d| d.task == Some(task), waker)
    }

    /// [`task_drained`](Self::task_drained) right after the abort of `task`
    /// fired its hooks: whether it may be dropped at its next turn rather
    /// than when what it awaits ends (which then wakes it).
    pub(super) fn task_drained_now(&self, task: super::TaskRef) -> bool {
        if self.draining.borrow().is_empty() {
            return true;
        }
        // A waker of its own: the slot's is lent out while the task runs
        // (it may abort itself).
        let waker = super::waker::task_waker(task, &self.wakes);
        self.task_drained(task.id, &waker)
    }

    fn drained(&self, matches: impl Fn(&Draining) -> bool, waker: &Waker) -> bool {
        let hooks: Vec<Rc<dyn CancelHook>> = {
            let mut draining = self.draining.borrow_mut();
            if draining.is_empty() {
                return true;
            }
            draining.retain(|d| d.hook.strong_count() > 0);
            draining
                .iter()
                .filter(|d| matches(d))
                .filter_map(|d| d.hook.upgrade())
                .collect()
        };
        // Outside the borrow; each registers the waker where it must.
        let mut settled = true;
        for hook in hooks {
            settled &= hook.settled(waker);
        }
        if settled {
            self.draining.borrow_mut().retain(|d| !matches(d));
        }
        settled
    }

    fn fire_hooks(
        &self,
        matches: impl Fn(&HookEntry) -> bool,
        draining: impl Fn(&HookEntry) -> Draining,
    ) -> bool {
        let fired: Vec<Weak<dyn CancelHook>> = {
            let mut hooks = self.cancel_hooks.borrow_mut();
            if hooks.is_empty() {
                return false;
            }
            let mut fired = Vec::new();
            let mut drains = self.draining.borrow_mut();
            hooks.retain(|_, entry| {
                if matches(entry) {
                    fired.push(entry.hook.clone());
                    drains.push(draining(entry));
                    false
                } else {
                    true
                }
            });
            fired
        };
        // Outside the borrow: a hook aborts tasks, which may fire others.
        let mut at_once = false;
        for hook in fired {
            if let Some(hook) = hook.upgrade() {
                hook.cancel();
                at_once |= hook.wakes_at_once();
            }
        }
        at_once
    }

    /// Makes `scope` the innermost timeout being polled; returns the one it
    /// replaces, to be put back with [`Runtime::exit_scope`].
    pub(crate) fn enter_scope(&self, scope: Arc<CancelScope>) -> Option<Arc<CancelScope>> {
        super::context::set_in_scope(true);
        self.cancel_scope.replace(Some(scope))
    }

    pub(crate) fn exit_scope(&self, previous: Option<Arc<CancelScope>>) {
        super::context::set_in_scope(previous.is_some());
        *self.cancel_scope.borrow_mut() = previous;
    }

    /// The innermost timeout being polled, if any.
    pub(crate) fn current_scope(&self) -> Option<Arc<CancelScope>> {
        self.cancel_scope.borrow().clone()
    }
}
