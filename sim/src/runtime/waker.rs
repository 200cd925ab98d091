//! Wakers: each task has one, which records its wake-up in a shared queue.
//!
//! The queue is drained by the executor after every poll and every timer
//! firing, so the order of wake-ups is exactly the order of `wake` calls. A
//! waker may outlive its simulation (then its wake-ups are simply never read).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Wake, Waker};

use parking_lot::Mutex;

use super::ready::Item;
use super::tasks::TaskRef;

/// Wake-ups (and callbacks queued) not yet seen by the executor, in call
/// order.
pub(crate) struct WakeQueue {
    pending: Mutex<Vec<Item>>,
    /// The simulation's thread (see [`thread_mark`]).
    thread: usize,
    /// The first wake-up that came from another thread, with that thread's
    /// name: it fails the run instead of joining it.
    foreign: Mutex<Option<(TaskRef, String)>>,
    /// Whether `foreign` may hold a wake-up (read at every drain, instead
    /// of locking it).
    any_foreign: AtomicBool,
}

impl Default for WakeQueue {
    /// The queue of a simulation running on this thread.
    fn default() -> WakeQueue {
        WakeQueue {
            pending: Mutex::default(),
            thread: thread_mark(),
            foreign: Mutex::default(),
            any_foreign: AtomicBool::new(false),
        }
    }
}

/// A number that tells this thread from every other one alive: the address
/// of a thread-local (cheaper than `thread::current().id()`).
fn thread_mark() -> usize {
    thread_local! {
        static MARK: u8 = const { 0 };
    }
    MARK.with(|m| std::ptr::from_ref(m) as usize)
}

impl WakeQueue {
    /// Records a wake-up of `task`, unless it comes from another thread: a
    /// wake-up whose moment the OS decides would make the run depend on
    /// thread timing, so it is kept aside to fail the run instead.
    pub(crate) fn push(&self, task: TaskRef) {
        if thread_mark() != self.thread {
            let mut foreign = self.foreign.lock();
            if foreign.is_none() {
                let thread = std::thread::current();
                let name = thread
                    .name()
                    .map_or_else(|| format!("{:?}", thread.id()), str::to_owned);
                *foreign = Some((task, name));
                self.any_foreign.store(true, Ordering::Release);
            }
            return;
        }
        self.pending.lock().push(Item::Task(task));
    }

    /// The first wake-up that came from another thread, if any.
    pub(crate) fn take_foreign(&self) -> Option<(TaskRef, String)> {
        if !self.any_foreign.load(Ordering::Acquire) {
            return None;
        }
        self.foreign.lock().take()
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
