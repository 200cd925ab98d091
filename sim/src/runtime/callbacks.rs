//! Callbacks: plain functions queued to run as one ready item, like the
//! handles in asyncio's `_ready` deque (`call_soon`, a timer's handle, a
//! future's done callbacks).
//!
//! A callback lives in a slab until it runs or is cancelled; the ready set
//! and the wake queue hold its [`CallbackRef`]. A callback due at a timer
//! runs the moment the timer fires, where asyncio's timer handle runs: the
//! tasks that timers wake are also woken right there (asyncio's extra hop
//! through the sleep's future is folded into the wake-up), so both keep
//! asyncio's relative order.

use std::sync::Arc;
use std::task::{Wake, Waker};

use super::timers::TimerKey;
use crate::base::TaskId;

/// A queued callback.
pub(crate) type Callback = Box<dyn FnOnce()>;

/// Names a callback in the table; stale once it ran or was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CallbackRef {
    slot: u32,
    seq: u64,
}

struct Entry {
    /// 0 when the slot is free.
    seq: u64,
    /// The task that scheduled it (strategies rank it as that task).
    owner: TaskId,
    callback: Option<Callback>,
    /// The timer that will queue it, for `call_at`.
    timer: Option<TimerKey>,
}

#[derive(Default)]
pub(crate) struct CallbackTable {
    entries: Vec<Entry>,
    free: Vec<u32>,
    next_seq: u64,
}

impl CallbackTable {
    pub(crate) fn insert(&mut self, owner: TaskId, callback: Callback) -> CallbackRef {
        self.next_seq += 1;
        let seq = self.next_seq;
        let entry = Entry {
            seq,
            owner,
            callback: Some(callback),
            timer: None,
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.entries[slot as usize] = entry;
                slot
            }
            None => {
                self.entries.push(entry);
                u32::try_from(self.entries.len() - 1).expect("more than 4 billion callbacks")
            }
        };
        CallbackRef { slot, seq }
    }

    fn entry(&mut self, key: CallbackRef) -> Option<&mut Entry> {
        self.entries
            .get_mut(key.slot as usize)
            .filter(|e| e.seq == key.seq)
    }

    pub(crate) fn set_timer(&mut self, key: CallbackRef, timer: TimerKey) {
        if let Some(entry) = self.entry(key) {
            entry.timer = Some(timer);
        }
    }

    /// Whether the callback is still waiting to run.
    pub(crate) fn is_live(&self, key: CallbackRef) -> bool {
        self.entries
            .get(key.slot as usize)
            .is_some_and(|e| e.seq == key.seq)
    }

    /// The task that scheduled a live callback.
    pub(crate) fn owner(&self, key: CallbackRef) -> TaskId {
        self.entries
            .get(key.slot as usize)
            .filter(|e| e.seq == key.seq)
            .map_or(TaskId::ROOT, |e| e.owner)
    }

    /// Takes the callback out to run it (or to drop it, cancelled), freeing
    /// its slot; with its owner and the timer that was to queue it.
    pub(crate) fn remove(
        &mut self,
        key: CallbackRef,
    ) -> Option<(TaskId, Callback, Option<TimerKey>)> {
        let entry = self.entry(key)?;
        entry.seq = 0;
        let taken = (entry.owner, entry.callback.take()?, entry.timer.take());
        self.free.push(key.slot);
        Some(taken)
    }

    /// Drops every callback (and what it holds).
    pub(crate) fn clear(&mut self) -> Vec<Callback> {
        self.free.clear();
        self.entries
            .drain(..)
            .filter_map(|mut e| e.callback.take())
            .collect()
    }
}

/// The waker a `call_at` timer fires: it runs the callback there and then.
pub(crate) struct TimerCallback(pub(crate) CallbackRef);

impl Wake for TimerCallback {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let key = self.0;
        super::try_with(|rt| rt.run_callback(key));
    }
}

/// The waker of a timer that runs callback `key`.
pub(crate) fn timer_waker(key: CallbackRef) -> Waker {
    Waker::from(Arc::new(TimerCallback(key)))
}
