//! Pending timers: a binary heap ordered by (deadline, registration order)
//! over a slab of entries, so arming, re-arming and cancelling are O(log n) or
//! O(1) and allocate nothing once the slab has grown.
//!
//! Cancelled entries stay in the heap until they reach its top, where their
//! stale sequence number marks them to be skipped.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::task::Waker;

use crate::task::TaskId;
use crate::time::Instant;

/// Names an armed timer; held by the `Sleep` that armed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimerKey {
    slot: u32,
    seq: u64,
}

struct Entry {
    /// Sequence number of the timer occupying the slot; 0 when free.
    seq: u64,
    /// The task that armed it (for the trace).
    owner: TaskId,
    waker: Option<Waker>,
}

#[derive(Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<(u64, u64, u32)>>,
    entries: Vec<Entry>,
    free: Vec<u32>,
    next_seq: u64,
}

impl Timers {
    pub(crate) fn insert(&mut self, deadline: Instant, owner: TaskId, waker: &Waker) -> TimerKey {
        self.next_seq += 1;
        let seq = self.next_seq;
        let entry = Entry {
            seq,
            owner,
            waker: Some(waker.clone()),
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.entries[slot as usize] = entry;
                slot
            }
            None => {
                self.entries.push(entry);
                u32::try_from(self.entries.len() - 1).expect("more than 4 billion live timers")
            }
        };
        self.heap.push(Reverse((deadline.as_nanos(), seq, slot)));
        TimerKey { slot, seq }
    }

    /// Replaces the waker of a still-armed timer (a task may poll the same
    /// sleep from different contexts).
    pub(crate) fn update(&mut self, key: TimerKey, waker: &Waker) {
        if let Some(entry) = self.entries.get_mut(key.slot as usize)
            && entry.seq == key.seq
        {
            match &entry.waker {
                Some(w) if w.will_wake(waker) => {}
                _ => entry.waker = Some(waker.clone()),
            }
        }
    }

    /// Disarms a timer; a no-op if it already fired.
    pub(crate) fn cancel(&mut self, key: TimerKey) {
        if let Some(entry) = self.entries.get_mut(key.slot as usize)
            && entry.seq == key.seq
        {
            self.release(key.slot);
        }
    }

    fn release(&mut self, slot: u32) {
        let entry = &mut self.entries[slot as usize];
        entry.seq = 0;
        entry.waker = None;
        self.free.push(slot);
    }

    /// The earliest deadline of an armed timer.
    pub(crate) fn next_deadline(&mut self) -> Option<Instant> {
        self.skip_stale();
        self.heap
            .peek()
            .map(|Reverse((d, _, _))| Instant::from_nanos(*d))
    }

    fn skip_stale(&mut self) {
        while let Some(Reverse((_, seq, slot))) = self.heap.peek() {
            if self.entries[*slot as usize].seq == *seq {
                return;
            }
            self.heap.pop();
        }
    }

    /// Removes every armed timer due at the earliest deadline, if that
    /// deadline is at or before `now`, appending their owners and wakers to
    /// `out` in registration order. Returns the deadline of the group.
    pub(crate) fn pop_due_group(
        &mut self,
        now: Instant,
        out: &mut Vec<(TaskId, Waker)>,
    ) -> Option<Instant> {
        let deadline = self.next_deadline().filter(|d| *d <= now)?;
        while let Some(&Reverse((d, seq, slot))) = self.heap.peek() {
            if d != deadline.as_nanos() {
                break;
            }
            self.heap.pop();
            let entry = &mut self.entries[slot as usize];
            if entry.seq != seq {
                continue;
            }
            if let Some(waker) = entry.waker.take() {
                out.push((entry.owner, waker));
            }
            self.release(slot);
        }
        Some(deadline)
    }

    /// Drops every timer (and so every waker it holds).
    pub(crate) fn clear(&mut self) {
        self.heap.clear();
        self.entries.clear();
        self.free.clear();
    }
}
