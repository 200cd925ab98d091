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
//! Choosing the highest-priority task scans the ready set, so a step costs
//! O(ready tasks).
//!
//! [`Strategy::PctWithin`]: super::Strategy::PctWithin
//! [`Strategy::Pct`]: super::Strategy::Pct

use rand_chacha::ChaCha8Rng;
use rand_core::Rng;

use super::{Divergence, Ready, Scheduler};
use crate::rand::below;
use crate::task::TaskId;

pub(crate) struct Pct {
    rng: ChaCha8Rng,
    /// Priority of each task, indexed by task id.
    priorities: Vec<u64>,
    /// Decision counts at which a change point falls, with the priority the
    /// chosen task then drops to, in decision order.
    change_points: Vec<(u64, u64)>,
    decisions: u64,
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

    fn pick_task(&mut self, ready: &Ready<'_>, _stay: Option<usize>) -> Result<usize, Divergence> {
        self.decisions += 1;
        let mut best = highest(&self.priorities, ready);
        // Several change points may fall on one choice: each lowers the task
        // that would run, and the next highest comes up.
        while let Some(&(at, low)) = self.change_points.first()
            && at <= self.decisions
        {
            self.change_points.remove(0);
            if at == self.decisions {
                self.priorities[ready.id(best).as_u64() as usize] = low;
                best = highest(&self.priorities, ready);
            }
        }
        Ok(best)
    }

    fn pick_timer(&mut self, _due: usize) -> Result<usize, Divergence> {
        // Priorities decide who runs; tied timers keep their arming order.
        Ok(0)
    }
}
