//! Random: every ready task is equally likely to run next, and tied timers
//! fire in a uniformly random order.

use rand_chacha::ChaCha8Rng;

use super::{Divergence, Ready, Scheduler};
use crate::base::streams::below;

pub(crate) struct Random {
    rng: ChaCha8Rng,
}

impl Random {
    pub(crate) fn new(rng: ChaCha8Rng) -> Random {
        Random { rng }
    }
}

impl Scheduler for Random {
    fn pick_task(&mut self, ready: &Ready<'_>) -> Result<usize, Divergence> {
        Ok(below(&mut self.rng, ready.len() as u64) as usize)
    }

    fn pick_timer(&mut self, due: usize) -> Result<usize, Divergence> {
        Ok(below(&mut self.rng, due as u64) as usize)
    }
}
