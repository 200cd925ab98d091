//! PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi and
//! Nagarakatte, ASPLOS 2010).
//!
//! Each task gets a random priority when it is spawned; the ready task with
//! the highest priority always runs. At `depth - 1` change points, drawn
//! uniformly and independently from the run's first `k` scheduling choices,
//! the task chosen there drops to a priority below every initial one (the
//! i-th change point to `depth - i`), which lets another task overtake it
//! exactly there. With `n` tasks, a bug that needs `depth` ordering
//! constraints shows up with probability at least `1 / (n * k^(depth-1))`.
//!
//! The guarantee needs `k` to be the run's length: change points after the
//! run's end are wasted, and each halving of `k` beyond the real length
//! halves the chance of hitting a depth-2 bug. [`Strategy::PctWithin`]
//! carries `k`; a [`Sweep`](crate::harness::Sweep) measures it. A lone run
//! under [`Strategy::Pct`] does not know its length and draws `k`
//! log-uniformly from 2 to 65 536 ([`guess_steps`]).
//!
//! `k` counts choices among at least two ready tasks, the steps at which a
//! change point can make a difference (a step with one ready task runs it
//! whatever the priorities).
//!
//! Choosing the highest-priority item costs O(log n): PCT keeps the ready
//! items ordered by priority, following the executor's ready queue as items
//! join and leave it ([`Scheduler::queued`] and friends). Every pick checks
//! that the item it found is the one at that place of the queue, and falls
//! back to scanning the ready items if not (or while catch-up gates narrow
//! the candidates), so the bookkeeping can only cost time, never change a
//! choice.
//!
//! [`Strategy::PctWithin`]: super::Strategy::PctWithin
//! [`Strategy::Pct`]: super::Strategy::Pct

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand_chacha::ChaCha8Rng;
use rand_core::Rng;

use super::{Divergence, Ready, Scheduler};
use crate::base::TaskId;
use crate::base::streams::below;

pub(crate) struct Pct {
    rng: ChaCha8Rng,
    /// Priority of each task, indexed by task id.
    priorities: Vec<u64>,
    /// Decision counts at which a change point falls, with the priority the
    /// chosen task then drops to, in decision order.
    change_points: Vec<(u64, u64)>,
    decisions: u64,
    queue: Mirror,
}

/// The executor's ready queue as PCT sees it: each item's task, and a
/// max-heap of the items by priority. An item is named by its *slot*: its
/// queue position plus the number of items taken from the queue so far,
/// which stays put while the items ahead of it leave.
///
/// The heap is lazy: an item that leaves, moves or changes priority leaves
/// a stale entry behind, recognised (and dropped) when it comes to the top
/// because the queue no longer holds that task at that slot with that
/// priority.
#[derive(Default)]
struct Mirror {
    ids: VecDeque<TaskId>,
    taken: u64,
    /// (priority, lower id first, earlier slot first).
    heap: BinaryHeap<Key>,
}

type Key = (u64, Reverse<TaskId>, Reverse<u64>);

impl Mirror {
    fn key(priorities: &[u64], id: TaskId, slot: u64) -> Key {
        (priorities[id.as_u64() as usize], Reverse(id), Reverse(slot))
    }

    fn push(&mut self, priorities: &[u64], id: TaskId) {
        let slot = self.taken + self.ids.len() as u64;
        self.ids.push_back(id);
        self.heap.push(Mirror::key(priorities, id, slot));
    }

    /// The item at `position` leaves; the front item takes its place (the
    /// ready queue's `swap_remove_front`).
    fn take(&mut self, priorities: &[u64], position: usize) {
        if position >= self.ids.len() {
            return self.clear();
        }
        if position != 0 {
            let slot = self.taken + position as u64;
            self.heap.push(Mirror::key(priorities, self.ids[0], slot));
        }
        self.ids.swap_remove_front(position);
        self.taken += 1;
        if self.heap.len() > 4 * self.ids.len() + 64 {
            self.rebuild(priorities);
        }
    }

    /// The item at `position` leaves; the items behind it move up.
    fn remove(&mut self, priorities: &[u64], position: usize) {
        if position < self.ids.len() {
            self.ids.remove(position);
        }
        self.rebuild(priorities);
    }

    fn rebuild(&mut self, priorities: &[u64]) {
        let ids = std::mem::take(&mut self.ids);
        self.clear();
        for id in ids {
            self.push(priorities, id);
        }
    }

    fn clear(&mut self) {
        *self = Mirror::default();
    }

    /// The queue position of the highest-priority item (dropping stale
    /// entries on the way).
    fn highest(&mut self, priorities: &[u64]) -> Option<usize> {
        while let Some(&(priority, Reverse(id), Reverse(slot))) = self.heap.peek() {
            let position = slot.wrapping_sub(self.taken) as usize;
            let live = slot >= self.taken
                && self.ids.get(position) == Some(&id)
                && priorities[id.as_u64() as usize] == priority;
            if live {
                return Some(position);
            }
            self.heap.pop();
        }
        None
    }

    /// Gives every item of `id` the priority `to` (at a change point: only
    /// `depth - 1` times a run, so finding its items may scan the queue).
    fn reprioritize(&mut self, priorities: &mut [u64], id: TaskId, to: u64) {
        priorities[id.as_u64() as usize] = to;
        for position in 0..self.ids.len() {
            if self.ids[position] == id {
                let slot = self.taken + position as u64;
                self.heap.push(Mirror::key(priorities, id, slot));
            }
        }
    }
}

/// A run length for a run that does not know its own: log-uniform from 2 to
/// 65 536 choices, so that short and long runs both get change points within
/// their length with fair probability.
pub(crate) fn guess_steps(rng: &mut ChaCha8Rng) -> u64 {
    1u64 << (1 + below(rng, 16))
}

impl Pct {
    /// PCT of `depth` for runs of `steps` choices.
    pub(crate) fn new(depth: u32, steps: u64, mut rng: ChaCha8Rng) -> Pct {
        let depth = u64::from(depth.max(1));
        let steps = steps.max(1);
        let mut change_points: Vec<(u64, u64)> = (1..depth)
            .map(|i| (1 + below(&mut rng, steps), depth - i))
            .collect();
        change_points.sort_unstable();
        Pct {
            rng,
            priorities: Vec::new(),
            change_points,
            decisions: 0,
            queue: Mirror::default(),
        }
    }
}

#[cfg(test)]
thread_local! {
    /// Picks that fell back to a scan.
    static SCANS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Index of the ready item with the highest priority (lowest id, then
/// earliest on ties), by scanning them.
fn scan(priorities: &[u64], ready: &Ready<'_>) -> usize {
    (0..ready.len())
        .max_by_key(|&i| {
            let id = ready.id(i);
            (priorities[id.as_u64() as usize], Reverse(id), Reverse(i))
        })
        .unwrap_or(0)
}

impl Pct {
    /// Makes room for `id`'s priority (0 until it is spawned).
    fn ensure(&mut self, id: TaskId) {
        let index = id.as_u64() as usize;
        if self.priorities.len() <= index {
            self.priorities.resize(index + 1, 0);
        }
    }

    /// Index of the ready item with the highest priority: from the mirror
    /// when it agrees with the ready queue, else by a scan.
    fn highest(&mut self, ready: &Ready<'_>) -> usize {
        if ready.len() == self.queue.ids.len()
            && let Some(position) = self.queue.highest(&self.priorities)
            && ready.index_of_position(position) == Some(position)
            && ready.id(position) == self.queue.ids[position]
        {
            return position;
        }
        #[cfg(test)]
        SCANS.with(|n| n.set(n.get() + 1));
        scan(&self.priorities, ready)
    }
}

impl Scheduler for Pct {
    fn task_spawned(&mut self, task: TaskId) {
        let index = task.as_u64() as usize;
        self.ensure(task);
        // Initial priorities sit above every change-point priority; the task
        // id breaks the (astronomically unlikely) ties.
        self.priorities[index] = (self.rng.next_u64() >> 1) | (1 << 62);
    }

    fn pick_task(&mut self, ready: &Ready<'_>, _stay: Option<usize>) -> Result<usize, Divergence> {
        self.decisions += 1;
        let mut best = self.highest(ready);
        // Several change points may fall on one choice: each lowers the task
        // that would run, and the next highest comes up.
        while let Some(&(at, low)) = self.change_points.first()
            && at <= self.decisions
        {
            self.change_points.remove(0);
            if at == self.decisions {
                let id = ready.id(best);
                self.queue.reprioritize(&mut self.priorities, id, low);
                best = self.highest(ready);
            }
        }
        Ok(best)
    }

    fn follows_queue(&self) -> bool {
        true
    }

    fn queued(&mut self, id: TaskId) {
        self.ensure(id);
        self.queue.push(&self.priorities, id);
    }

    fn taken(&mut self, position: usize) {
        self.queue.take(&self.priorities, position);
    }

    fn removed(&mut self, position: usize) {
        self.queue.remove(&self.priorities, position);
    }

    fn pick_timer(&mut self, _due: usize) -> Result<usize, Divergence> {
        // Priorities decide who runs; tied timers keep their arming order.
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::{Sim, Strategy, task, time};

    /// Many tasks ready at once, callbacks, cancelled callbacks: every pick
    /// comes from the mirror, none from a scan.
    #[test]
    fn picks_follow_the_queue_without_scanning() {
        let before = SCANS.with(std::cell::Cell::get);
        let sim = Sim::builder()
            .seed(7)
            .strategy(Strategy::PctWithin {
                depth: 3,
                steps: 500,
            })
            .build();
        let report = sim
            .run_report(async {
                let tasks: Vec<_> = (0..300)
                    .map(|i| {
                        task::spawn(async move {
                            time::sleep(Duration::from_millis(i % 3)).await;
                            // Callbacks in the queue, the second one
                            // cancelled by the first while it waits there.
                            let second = std::rc::Rc::new(std::cell::RefCell::new(None));
                            let handle = second.clone();
                            task::call_soon(move || {
                                if let Some(h) = handle.borrow_mut().take() {
                                    let h: task::CallbackHandle = h;
                                    assert!(h.cancel());
                                }
                            });
                            *second.borrow_mut() = Some(task::call_soon(|| {}));
                            task::yield_now().await;
                            i
                        })
                    })
                    .collect();
                let mut sum = 0;
                for t in tasks {
                    sum += t.await.unwrap();
                }
                sum
            })
            .unwrap();
        assert_eq!(report.value, (0..300).sum::<u64>());
        assert!(report.schedule.len() > 300);
        assert_eq!(SCANS.with(std::cell::Cell::get) - before, 0);
    }

    /// A guessed run length is a power of two from 2 to 65 536, each of the
    /// sixteen equally likely.
    #[test]
    fn guessed_run_lengths_are_log_uniform_from_2_to_65536() {
        let mut rng = crate::rand::stream(9, 0);
        let mut counts = [0u32; 17];
        for _ in 0..16_000 {
            let steps = guess_steps(&mut rng);
            assert!(steps.is_power_of_two(), "{steps}");
            let log = steps.trailing_zeros() as usize;
            assert!((1..=16).contains(&log), "{steps}");
            counts[log] += 1;
        }
        for (log, &n) in counts.iter().enumerate().skip(1) {
            assert!(
                (800..1200).contains(&n),
                "2^{log} drawn {n} times in 16 000"
            );
        }
    }

    /// Stale heap entries are pruned: however many items move into holes,
    /// the heap stays within a constant factor of the queue, and (pruning
    /// being a rebuild of the whole heap) not much below it either.
    #[test]
    fn the_mirror_heap_stays_bounded_by_the_queue() {
        let priorities: Vec<u64> = (0..64).collect();
        let mut mirror = Mirror::default();
        for i in 0..64 {
            mirror.push(&priorities, TaskId::from_u64(i));
        }
        let mut largest = 0;
        for round in 0..10_000u64 {
            // Take from the middle: the front item moves into the hole and
            // leaves a stale entry behind; push a replacement.
            mirror.take(&priorities, 1 + (round % 40) as usize);
            mirror.push(&priorities, TaskId::from_u64(round % 64));
            assert!(
                mirror.heap.len() <= 4 * mirror.ids.len() + 65,
                "round {round}: {} heap entries for {} items",
                mirror.heap.len(),
                mirror.ids.len()
            );
            largest = largest.max(mirror.heap.len());
        }
        assert_eq!(mirror.ids.len(), 64);
        assert!(
            largest >= 4 * 64 + 60,
            "rebuilt too eagerly: at most {largest} entries"
        );
    }

    /// The mirror's highest item is the one a scan finds, through pushes,
    /// takes (the front item moving into the hole), removals and priority
    /// changes.
    #[test]
    fn the_mirror_agrees_with_a_scan_of_the_queue() {
        let mut rng = crate::rand::stream(3, 0);
        let mut priorities: Vec<u64> = (0..20).map(|_| below(&mut rng, 5)).collect();
        let mut mirror = Mirror::default();
        let mut queue: VecDeque<TaskId> = VecDeque::new();
        for _ in 0..2000 {
            match below(&mut rng, 5) {
                0 | 1 => {
                    let id = TaskId::from_u64(below(&mut rng, 20));
                    mirror.push(&priorities, id);
                    queue.push_back(id);
                }
                2 if !queue.is_empty() => {
                    let position = below(&mut rng, queue.len() as u64) as usize;
                    mirror.take(&priorities, position);
                    queue.swap_remove_front(position);
                }
                3 if !queue.is_empty() && below(&mut rng, 8) == 0 => {
                    let position = below(&mut rng, queue.len() as u64) as usize;
                    mirror.remove(&priorities, position);
                    queue.remove(position);
                }
                4 => {
                    let id = TaskId::from_u64(below(&mut rng, 20));
                    let to = below(&mut rng, 5);
                    mirror.reprioritize(&mut priorities, id, to);
                }
                _ => {}
            }
            assert_eq!(mirror.ids, queue);
            let expected = (0..queue.len()).max_by_key(|&i| {
                let id = queue[i];
                (priorities[id.as_u64() as usize], Reverse(id), Reverse(i))
            });
            assert_eq!(mirror.highest(&priorities), expected);
        }
    }
}
