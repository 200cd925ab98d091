//! FIFO: asyncio's order. The first task woken runs first; timers due at the
//! same instant fire in the order they were armed.

use super::{Divergence, Ready, Scheduler};

pub(crate) struct Fifo;

impl Scheduler for Fifo {
    fn pick_task(&mut self, _ready: &Ready<'_>, _stay: Option<usize>) -> Result<usize, Divergence> {
        Ok(0)
    }

    fn pick_timer(&mut self, _due: usize) -> Result<usize, Divergence> {
        Ok(0)
    }
}
