//! Containers carried over from one simulation to the next on a thread.
//!
//! A seed sweep runs thousands of small simulations in a row, and each
//! would allocate its task table, ready set, timer heap and buffers as
//! they first grow, only to free them when it ends. Instead, a run that
//! ends hands its emptied containers to the next run on the same thread.
//! Only capacity is carried over, never contents: each container is
//! emptied and reset to its initial state before it is kept, so a run
//! behaves exactly as with fresh ones. Containers that grew large (a big
//! run) are freed instead, so that a sweep does not hold on to memory.

use std::cell::RefCell;

use super::ready::{Item, ReadySet};
use super::tasks::TaskTable;
use super::tied::Tied;
use super::timers::Timers;

/// The most items a kept container may have room for.
const KEEP_AT_MOST: usize = 4096;

/// The reusable containers of one runtime.
#[derive(Default)]
pub(super) struct Spare {
    pub(super) tasks: TaskTable,
    pub(super) ready: ReadySet,
    pub(super) timers: Timers,
    pub(super) wake_buf: Vec<Item>,
    pub(super) timer_buf: Tied,
}

thread_local! {
    static KEPT: RefCell<Option<Spare>> = const { RefCell::new(None) };
}

/// The containers the previous run on this thread left, or new ones.
pub(super) fn take() -> Spare {
    KEPT.try_with(|kept| kept.borrow_mut().take())
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Keeps the containers of a run that ended, for the next one. They must
/// hold nothing a destructor could run for (the run's cleanup emptied
/// them); anything left is dropped here, and then they are not kept.
pub(super) fn keep(mut spare: Spare) {
    let empty = spare.tasks.is_empty() && spare.timers.live() == 0;
    spare.tasks.reset();
    spare.ready.clear();
    spare.timers.reset();
    spare.wake_buf.clear();
    spare.timer_buf.clear();
    let small = spare.tasks.capacity() <= KEEP_AT_MOST
        && spare.ready.capacity() <= KEEP_AT_MOST
        && spare.timers.capacity() <= KEEP_AT_MOST
        && spare.wake_buf.capacity() <= KEEP_AT_MOST
        && spare.timer_buf.capacity() <= KEEP_AT_MOST;
    if empty && small {
        let _ = KEPT.try_with(|kept| *kept.borrow_mut() = Some(spare));
    }
}
