//! Pending timers: a [radix heap](super::radix) of deadlines over a slab of
//! entries. Arming and cancelling are O(1), finding the next deadline is
//! amortised O(log range), and nothing is allocated once the slab and buckets
//! have grown. Timers due at the same instant come out in arming order.
//!
//! Cancelled entries stay in the heap until their deadline comes up, where
//! their stale sequence number marks them to be skipped.

use std::task::Waker;

use super::radix::{Item, RadixHeap};
use crate::base::Instant;
use crate::base::TaskId;

/// Names an armed timer; held by the `Sleep` that armed it. It names the
/// simulation too: slots and sequence numbers are only unique within one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimerKey {
    slot: u32,
    seq: u64,
    sim: u64,
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
    heap: RadixHeap,
    entries: Vec<Entry>,
    group: Vec<Item>,
    free: Vec<u32>,
    next_seq: u64,
    live: usize,
    /// The simulation these timers belong to.
    sim: u64,
}

impl Timers {
    /// A key armed in another simulation must not touch this one's timers
    /// (its slot and sequence number may name an unrelated timer here).
    #[track_caller]
    fn check(&self, key: TimerKey) {
        assert!(
            key.sim == self.sim,
            "a simloop timer (a time::Sleep, a timeout's deadline) armed in simulation #{} was \
             polled or dropped inside simulation #{}: a Sleep belongs to the simulation that \
             first polled it; create a new one in the simulation that awaits it",
            key.sim,
            self.sim
        );
    }

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
        self.heap.push((deadline.as_nanos(), seq, slot));
        self.live += 1;
        TimerKey {
            slot,
            seq,
            sim: self.sim,
        }
    }

    /// Replaces the waker of a still-armed timer (a task may poll the same
    /// sleep from different contexts).
    pub(crate) fn update(&mut self, key: TimerKey, waker: &Waker) {
        self.check(key);
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
        self.check(key);
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
        self.live -= 1;
    }

    /// Number of armed timers.
    pub(crate) fn live(&self) -> usize {
        self.live
    }

    /// Removes the armed timers due at the earliest deadline, if that
    /// deadline is at or before `limit`, appending their owners and wakers to
    /// `out` in arming order. Returns the deadline of the group.
    pub(crate) fn pop_due_group(
        &mut self,
        limit: Instant,
        out: &mut Vec<(TaskId, Option<Waker>)>,
    ) -> Option<Instant> {
        loop {
            self.group.clear();
            let deadline = self.heap.pop_min_group(limit.as_nanos(), &mut self.group)?;
            self.group.sort_unstable_by_key(|&(_, seq, _)| seq);
            let before = out.len();
            for i in 0..self.group.len() {
                let (_, seq, slot) = self.group[i];
                let entry = &mut self.entries[slot as usize];
                if entry.seq != seq {
                    continue; // cancelled
                }
                if let Some(waker) = entry.waker.take() {
                    out.push((entry.owner, Some(waker)));
                }
                self.release(slot);
            }
            if out.len() > before {
                return Some(Instant::from_nanos(deadline));
            }
        }
    }

    /// Empties the timers, keeping their room, for simulation number `sim`
    /// (a `Timers::default()` has room for nothing).
    pub(crate) fn reuse_for(mut self, sim: u64) -> Timers {
        self.reset();
        self.sim = sim;
        self
    }

    /// Empties the timers, keeping their room: as new ones.
    pub(crate) fn reset(&mut self) {
        self.clear();
        self.next_seq = 0;
    }

    /// Room for how many timers there is.
    pub(crate) fn capacity(&self) -> usize {
        self.entries.capacity().max(self.heap.capacity())
    }

    /// Drops every timer (and so every waker it holds).
    pub(crate) fn clear(&mut self) {
        self.heap.clear();
        self.group.clear();
        self.entries.clear();
        self.free.clear();
        self.live = 0;
    }
}
