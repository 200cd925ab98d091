//! The ready set: the items waiting to run, in the order they were queued:
//! task steps and callbacks, as asyncio's `_ready` deque holds both.
//!
//! It also keeps the *catch-up gates*. When `busy` stalls the loop past the
//! deadlines of several timers, they all fire together once it yields, in
//! deadline order. Each deadline's wake-ups get a gate, and a task behind a
//! gate cannot be chosen while a task behind an earlier gate is still ready.
//! So a strategy may reorder tasks woken at the same virtual instant, but a
//! task whose timer was due at 2 s never overtakes one whose timer was due
//! at 1 s just because the loop noticed both late. FIFO order is unaffected
//! (it already takes them in wake order), and so matches asyncio exactly.

use std::collections::VecDeque;

use super::callbacks::CallbackRef;
use super::tasks::TaskRef;
use crate::base::TaskId;

/// Something the loop runs in one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Item {
    /// A step of a task: poll its future (or drop it, if aborted).
    Task(TaskRef),
    /// Run a callback.
    Callback(CallbackRef),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    item: Item,
    /// The task, or the task that scheduled the callback: strategies rank
    /// an item as this task.
    id: TaskId,
    /// 0 for an ordinary wake-up.
    gate: u64,
}

#[derive(Default)]
pub(crate) struct ReadySet {
    queue: VecDeque<Entry>,
    /// Gates that still have tasks in the queue, lowest first, with how many.
    gates: VecDeque<(u64, usize)>,
    /// Scratch: queue positions a strategy may choose while a gate is shut.
    eligible: Vec<usize>,
}

/// The ready items a strategy may choose among, in wake order.
pub(crate) struct Candidates<'a> {
    queue: &'a VecDeque<Entry>,
    /// Queue positions of the candidates; `None` when every ready task is one.
    positions: Option<&'a [usize]>,
}

impl Candidates<'_> {
    pub(crate) fn len(&self) -> usize {
        self.positions.map_or(self.queue.len(), <[usize]>::len)
    }

    /// The task of candidate `index` (for a callback, the task that
    /// scheduled it).
    pub(crate) fn id(&self, index: usize) -> TaskId {
        let position = self.positions.map_or(index, |p| p[index]);
        self.queue[position].id
    }

    /// The item at candidate `index`.
    pub(crate) fn item(&self, index: usize) -> Item {
        let position = self.positions.map_or(index, |p| p[index]);
        self.queue[position].item
    }

    /// The queue position of candidate `index`.
    pub(crate) fn position(&self, index: usize) -> usize {
        self.positions.map_or(index, |p| p[index])
    }

    /// The candidate index of the task at queue `position`, if it is a
    /// candidate.
    pub(crate) fn index_of_position(&self, position: usize) -> Option<usize> {
        match self.positions {
            None => (position < self.queue.len()).then_some(position),
            Some(p) => p.binary_search(&position).ok(),
        }
    }
}

impl ReadySet {
    /// Adds a ready item. Gates must be pushed in non-decreasing order.
    pub(crate) fn push(&mut self, item: Item, id: TaskId, gate: u64) {
        if gate != 0 {
            match self.gates.back_mut() {
                Some((g, count)) if *g == gate => *count += 1,
                _ => self.gates.push_back((gate, 1)),
            }
        }
        self.queue.push_back(Entry { item, id, gate });
    }

    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }

    /// The tasks a strategy may choose among.
    pub(crate) fn candidates(&mut self) -> Candidates<'_> {
        let open = match self.gates.front() {
            Some(&(gate, _)) if self.gates.len() > 1 => gate,
            _ => {
                return Candidates {
                    queue: &self.queue,
                    positions: None,
                };
            }
        };
        self.eligible.clear();
        self.eligible.extend(
            (0..self.queue.len())
                .filter(|&i| matches!(self.queue[i].gate, 0) || self.queue[i].gate == open),
        );
        Candidates {
            queue: &self.queue,
            positions: Some(&self.eligible),
        }
    }

    /// Removes the candidate at `index` (of the last [`candidates`]) and
    /// returns it. The FIFO candidate, index 0, keeps the rest in order.
    ///
    /// [`candidates`]: ReadySet::candidates
    pub(crate) fn take(&mut self, index: usize) -> Item {
        let position = if self.gates.len() > 1 {
            self.eligible[index]
        } else {
            index
        };
        let entry = self
            .queue
            .swap_remove_front(position)
            .expect("candidate index within the ready set");
        self.release_gate(entry.gate);
        entry.item
    }

    /// Removes `item` if it is queued (a cancelled callback); returns the
    /// position it had.
    pub(crate) fn remove(&mut self, item: Item) -> Option<usize> {
        let position = self.queue.iter().position(|e| e.item == item)?;
        let entry = self
            .queue
            .remove(position)
            .expect("position within the queue");
        self.release_gate(entry.gate);
        Some(position)
    }

    fn release_gate(&mut self, gate: u64) {
        if gate == 0 {
            return;
        }
        if let Some(slot) = self.gates.iter_mut().find(|(g, _)| *g == gate) {
            slot.1 -= 1;
        }
        while matches!(self.gates.front(), Some((_, 0))) {
            self.gates.pop_front();
        }
    }

    pub(crate) fn clear(&mut self) {
        self.queue.clear();
        self.gates.clear();
        self.eligible.clear();
    }

    /// Room for how many items the set has.
    pub(crate) fn capacity(&self) -> usize {
        self.queue.capacity().max(self.eligible.capacity())
    }
}
