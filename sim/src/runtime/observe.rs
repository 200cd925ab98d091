//! What the harness learns from a run besides its schedule: which task could
//! have kept running at each choice (to count *preemptions*), the choices in
//! task terms when tracing, and every task panic in order.
//!
//! A preemption is a choice that switches away from the task of the previous
//! step although it is ready again (it yielded, or woke itself): the notion
//! of Musuvathi and Qadeer's iterative context bounding. The executor tells
//! the observer where that task re-entered the ready queue, so finding it
//! among the candidates costs nothing per step.

use crate::base::TaskId;
use crate::error::TaskPanic;
use crate::schedule::Decision;

/// `stays` entry for a choice at which no task could continue.
pub(crate) const NO_STAY: u32 = u32::MAX;

#[derive(Default)]
pub(crate) struct Observer {
    /// The task polled by the previous step.
    pub(crate) last: Option<TaskId>,
    /// Where `last` re-entered the ready queue during its step, if it did.
    pub(crate) stay_position: Option<usize>,
    pub(crate) preemptions: u64,
    /// For each choice of the schedule, the option that would have kept the
    /// previous task running ([`NO_STAY`] if none).
    pub(crate) stays: Vec<u32>,
    /// The task choices in task terms (only when tracing).
    pub(crate) decisions: Vec<Decision>,
    pub(crate) panics: Vec<TaskPanic>,
    /// Whether the strategy follows the ready queue's changes.
    pub(crate) follow_queue: bool,
}

/// What a run's observer saw, handed to the run's report.
#[derive(Debug, Clone, Default)]
pub(crate) struct Observed {
    pub(crate) preemptions: u64,
    pub(crate) stays: Vec<u32>,
    pub(crate) decisions: Vec<Decision>,
    pub(crate) panics: Vec<TaskPanic>,
}

impl Observer {
    pub(crate) fn following(follow_queue: bool) -> Observer {
        Observer {
            follow_queue,
            ..Observer::default()
        }
    }

    /// A choice was made: counts it as a preemption if it switched away from
    /// a task that could continue.
    pub(crate) fn chose(&mut self, stay: Option<usize>, index: usize) {
        self.stays
            .push(stay.map_or(NO_STAY, |s| u32::try_from(s).unwrap_or(NO_STAY)));
        if stay.is_some_and(|s| s != index) {
            self.preemptions += 1;
        }
    }

    pub(crate) fn take(&mut self) -> Observed {
        Observed {
            preemptions: self.preemptions,
            stays: std::mem::take(&mut self.stays),
            decisions: std::mem::take(&mut self.decisions),
            panics: std::mem::take(&mut self.panics),
        }
    }
}
