//! The thread-local pointer to the simulation running on this thread, and a
//! few facts about it that the hot paths of the synchronisation primitives
//! read at every wait without borrowing it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::Runtime;
use crate::base::TaskId;

thread_local! {
    static CURRENT: RefCell<Option<Rc<Runtime>>> = const { RefCell::new(None) };
    /// What the running simulation is polling (see [`Polling`]).
    static POLLING: Cell<Polling> = const { Cell::new(Polling::NOTHING) };
    /// Aborts requested and not yet carried out, in every simulation of this
    /// thread: while it is 0, no wait can belong to a task being aborted.
    static PENDING_ABORTS: Cell<usize> = const { Cell::new(0) };
}

/// A copy of what the running simulation polls, kept beside [`CURRENT`] so
/// that a wait learns its task without a borrow or a reference count: the
/// runtime updates it whenever its current task or innermost timeout
/// changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Polling {
    /// The running simulation's number (0: none; see
    /// [`Runtime::number`](super::Runtime::number)).
    sim: u64,
    /// The task being polled.
    task: Option<TaskId>,
    /// Whether a timeout's inner future is being polled (its scope is then
    /// read from the runtime itself).
    scoped: bool,
}

impl Polling {
    const NOTHING: Polling = Polling {
        sim: 0,
        task: None,
        scoped: false,
    };
}

/// Calls `f` with the running simulation.
///
/// # Panics
///
/// Outside a simulation, naming `api` (the public function the user called).
#[track_caller]
pub(crate) fn with<R>(api: &str, f: impl FnOnce(&Runtime) -> R) -> R {
    CURRENT.with(|current| match current.borrow().as_deref() {
        Some(rt) => f(rt),
        None => panic!(
            "{api} was called outside a simulation: simloop's clock, tasks and random \
             numbers only exist inside one. Run the code with \
             `simloop::Sim::new(seed).run(async {{ ... }})` or in a `#[simloop::test]`."
        ),
    })
}

/// Calls `f` with the running simulation, if there is one.
pub(crate) fn try_with<R>(f: impl FnOnce(&Runtime) -> R) -> Option<R> {
    CURRENT
        .try_with(|current| current.borrow().as_deref().map(f))
        .ok()
        .flatten()
}

/// The task being polled, if any, without borrowing the simulation.
#[inline]
pub(crate) fn polled_task() -> Option<TaskId> {
    POLLING.try_with(|p| p.get().task).ok().flatten()
}

/// The running simulation's number (0: none) and the task it polls, if
/// any, without borrowing the simulation.
#[inline]
pub(crate) fn polled() -> (u64, Option<TaskId>) {
    POLLING
        .try_with(|p| {
            let p = p.get();
            (p.sim, p.task)
        })
        .unwrap_or((0, None))
}

/// Whether a timeout's inner future is being polled.
#[inline]
pub(crate) fn in_scope() -> bool {
    POLLING.try_with(|p| p.get().scoped).unwrap_or(false)
}

/// Whether an abort of `task` is pending in the running simulation (see
/// [`Runtime::abort_pending`]); free while no abort is pending at all.
#[inline]
pub(crate) fn abort_pending(task: TaskId) -> bool {
    PENDING_ABORTS.try_with(Cell::get).unwrap_or(0) > 0
        && try_with(|rt| rt.abort_pending(task)).unwrap_or(false)
}

/// The running simulation now polls `task` (`None`: between polls).
pub(super) fn set_polled_task(task: Option<TaskId>) {
    let _ = POLLING.try_with(|p| p.set(Polling { task, ..p.get() }));
}

/// The running simulation now has (or no longer has) a timeout scope.
pub(super) fn set_in_scope(scoped: bool) {
    let _ = POLLING.try_with(|p| p.set(Polling { scoped, ..p.get() }));
}

/// `n` aborts were requested (positive) or carried out or forgotten
/// (negative).
pub(super) fn count_aborts(n: isize) {
    let _ = PENDING_ABORTS.try_with(|c| c.set(c.get().saturating_add_signed(n)));
}

/// Makes `rt` the current simulation until the guard drops, restoring the
/// previous one (simulations may nest).
pub(crate) fn enter(rt: Rc<Runtime>) -> EnterGuard {
    let entered = Polling {
        sim: rt.number(),
        ..Polling::NOTHING
    };
    let previous = CURRENT.with(|current| current.replace(Some(rt)));
    let polling = POLLING.with(|p| p.replace(entered));
    EnterGuard { previous, polling }
}

pub(crate) struct EnterGuard {
    previous: Option<Rc<Runtime>>,
    polling: Polling,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // Drop the runtime outside the borrow: its tasks may run drop code
        // that asks for the current simulation.
        let ours = CURRENT.with(|current| current.replace(previous));
        drop(ours);
        let _ = POLLING.try_with(|p| p.set(self.polling));
    }
}
