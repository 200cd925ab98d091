//! The thread-local pointer to the simulation running on this thread.

use std::cell::RefCell;
use std::rc::Rc;

use super::Runtime;

thread_local! {
    static CURRENT: RefCell<Option<Rc<Runtime>>> = const { RefCell::new(None) };
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

/// Makes `rt` the current simulation until the guard drops, restoring the
/// previous one (simulations may nest).
pub(crate) fn enter(rt: Rc<Runtime>) -> EnterGuard {
    let previous = CURRENT.with(|current| current.replace(Some(rt)));
    EnterGuard { previous }
}

pub(crate) struct EnterGuard {
    previous: Option<Rc<Runtime>>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // Drop the runtime outside the borrow: its tasks may run drop code
        // that asks for the current simulation.
        let ours = CURRENT.with(|current| current.replace(previous));
        drop(ours);
    }
}
