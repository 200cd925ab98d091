//! Wakers: each task has one, which records its wake-up in a shared queue.
//!
//! The queue is drained by the executor after every poll and every timer
//! firing, so the order of wake-ups is exactly the order of `wake` calls. A
//! waker may outlive its simulation (then its wake-ups are simply never read).

use std::sync::Arc;
use std::task::{Wake, Waker};

use parking_lot::Mutex;

use super::ready::Item;
use super::tasks::TaskRef;

/// Wake-ups (and callbacks queued) not yet seen by the executor, in call
/// order.
#[derive(Default)]
pub(crate) struct WakeQueue {
    pending: Mutex<Vec<Item>>,
}

impl WakeQueue {
    /// Records a wake-up of `task`.
    pub(crate) fn push(&self, task: TaskRef) {
        self.pending.lock().push(Item::Task(task));
    }

    /// Records a callback queued to run.
    pub(crate) fn push_item(&self, item: Item) {
        self.pending.lock().push(item);
    }

    /// Moves the pending wake-ups into `out` (which is cleared first),
    /// keeping both buffers' capacity.
    pub(crate) fn drain_into(&self, out: &mut Vec<Item>) {
        out.clear();
        std::mem::swap(&mut *self.pending.lock(), out);
    }
}

struct TaskWaker {
    task: TaskRef,
    queue: Arc<WakeQueue>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.queue.push(self.task);
    }
}

/// The waker of `task`; allocated once per task and cloned by reference count.
pub(crate) fn task_waker(task: TaskRef, queue: &Arc<WakeQueue>) -> Waker {
    Waker::from(Arc::new(TaskWaker {
        task,
        queue: Arc::clone(queue),
    }))
}
