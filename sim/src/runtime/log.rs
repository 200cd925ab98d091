//! The executor's own log: its decisions as `tracing` events under the
//! target `simloop::executor` (spawns and task ends at `debug`, wakes, polls,
//! timers and `busy` at `trace`). Whether a run logs is decided once, when it
//! starts, so a run nobody listens to pays nothing.

use crate::base::TaskId;
use crate::trace::EventKind;

/// Whether the current subscriber wants the executor's events.
pub(crate) fn executor_enabled() -> bool {
    ::tracing::enabled!(target: "simloop::executor", ::tracing::Level::DEBUG)
}

/// Logs one decision of the executor (see the [module docs](self)). Kept
/// out of line: the executor's loop only pays for the call when logging.
#[cold]
#[inline(never)]
pub(crate) fn emit(step: u64, task: TaskId, kind: &EventKind) {
    match kind {
        EventKind::Spawn { .. }
        | EventKind::Finish
        | EventKind::Abort
        | EventKind::Panic { .. }
        | EventKind::Net(_) => {
            ::tracing::debug!(target: "simloop::executor", step, "task {task} {kind}");
        }
        EventKind::Wake
        | EventKind::Poll
        | EventKind::TimerFired { .. }
        | EventKind::Busy { .. }
        | EventKind::Callback => {
            ::tracing::trace!(target: "simloop::executor", step, "task {task} {kind}");
        }
    }
}
