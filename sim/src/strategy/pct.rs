//! PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi and
//! Nagarakatte, ASPLOS 2010).
//!
//! Each task gets a random priority when it is spawned; the ready task with
//! the highest priority always runs. At `depth - 1` change points, chosen at
//! random among the run's scheduling decisions, the task about to run drops
//! to a priority below every initial one (the i-th change point to
//! `depth - i`), which lets another task overtake it exactly there.
//!
//! The paper draws change points uniformly from `1..=k` for a run of `k`
//! steps, which a single run cannot know in advance. Here `k` is itself drawn
//! log-uniformly from 2 to 65 536, so short and long scenarios both get change
//! points inside their length with good probability.
//!
//! Choosing the highest-priority task scans the ready set, so a step costs
//! O(ready tasks): PCT is meant for small, bug-hunting scenarios.

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
    /// running task then drops to.
    change_points: Vec<(u64, u64)>,
    decisions: u64,
}

impl Pct {
    pub(crate) fn new(depth: u32, mut rng: ChaCha8Rng) -> Pct {
        let depth = u64::from(depth.max(1));
        let horizon = 1u64 << (1 + below(&mut rng, 16));
        let change_points = (1..depth)
            .map(|i| (1 + below(&mut rng, horizon), depth - i))
            .collect();
        Pct {
            rng,
            priorities: Vec::new(),
            change_points,
            decisions: 0,
        }
    }
}

/// Index of the ready task with the highest priority (lowest id on ties).
fn highest(priorities: &[u64], ready: &Ready<'_>) -> usize {
    (0..ready.len())
        .max_by_key(|&i| {
            let id = ready.id(i);
            (priorities[id.as_u64() as usize], std::cmp::Reverse(id))
        })
        .unwrap_or(0)
}

impl Scheduler for Pct {
    fn task_spawned(&mut self, task: TaskId) {
        let index = task.as_u64() as usize;
        if self.priorities.len() <= index {
            self.priorities.resize(index + 1, 0);
        }
        // Initial priorities sit above every change-point priority; the task
        // id breaks the (astronomically unlikely) ties.
        self.priorities[index] = (self.rng.next_u64() >> 1) | (1 << 62);
    }

    fn pick_task(&mut self, ready: &Ready<'_>) -> Result<usize, Divergence> {
        self.decisions += 1;
        let mut best = highest(&self.priorities, ready);
        let mut changed = false;
        for &(at, low) in &self.change_points {
            if at == self.decisions {
                self.priorities[ready.id(best).as_u64() as usize] = low;
                changed = true;
            }
        }
        if changed {
            best = highest(&self.priorities, ready);
        }
        Ok(best)
    }

    fn pick_timer(&mut self, _due: usize) -> Result<usize, Divergence> {
        // Priorities decide who runs; tied timers keep their arming order.
        Ok(0)
    }
}
