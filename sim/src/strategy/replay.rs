//! Replay: repeats a recorded [`Schedule`], then continues in FIFO order
//! (or, for exploration by preemptions, keeps the previous step's task
//! running whenever it can).

use super::{Divergence, Ready, Scheduler};
use crate::schedule::{ChoiceKind, Schedule};

pub(crate) struct Replay {
    schedule: Schedule,
    position: usize,
    then_stay: bool,
}

impl Replay {
    pub(crate) fn new(schedule: Schedule, then_stay: bool) -> Replay {
        Replay {
            schedule,
            position: 0,
            then_stay,
        }
    }

    fn next(
        &mut self,
        kind: ChoiceKind,
        options: usize,
        stay: Option<usize>,
    ) -> Result<usize, Divergence> {
        let position = self.position;
        let Some(&recorded) = self.schedule.choices().get(position) else {
            return Ok(if self.then_stay { stay.unwrap_or(0) } else { 0 });
        };
        self.position += 1;
        let kind_fits = recorded.kind == ChoiceKind::Any || recorded.kind == kind;
        let options_fit = recorded.of == 0 || recorded.of as usize == options;
        if !kind_fits || !options_fit || (recorded.of != 0 && recorded.index >= recorded.of) {
            return Err(Divergence {
                position,
                recorded,
                kind,
                options,
            });
        }
        Ok(recorded.index as usize % options)
    }
}

impl Scheduler for Replay {
    fn pick_task(&mut self, ready: &Ready<'_>, stay: Option<usize>) -> Result<usize, Divergence> {
        self.next(ChoiceKind::Task, ready.len(), stay)
    }

    fn pick_timer(&mut self, due: usize) -> Result<usize, Divergence> {
        self.next(ChoiceKind::Timer, due, None)
    }
}
