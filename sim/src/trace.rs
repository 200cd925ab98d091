//! The record of a run: events stamped with virtual time, and the fingerprint
//! that proves two runs made the same decisions.
//!
//! Every scheduling decision feeds a running 64-bit [`Fingerprint`]. With
//! tracing on ([`SimBuilder::trace`](crate::SimBuilder::trace)) the decisions are
//! also kept as a list of [`Event`]s, which the harness turns into timelines and
//! uses to point at the first divergence when a run is not deterministic.

use std::fmt;
use std::time::Duration;

use crate::base::Instant;
use crate::base::{TaskId, TaskInfo, WaitReason};

mod net_event;
pub use net_event::{NetEvent, Protocol};

/// One scheduling decision, stamped with the virtual time and step (poll count)
/// at which it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Number of polls made before this event.
    pub step: u64,
    /// Virtual time of the event.
    pub time: Instant,
    /// The task the event is about.
    pub task: TaskId,
    /// What happened.
    pub kind: EventKind,
}

/// What an [`Event`] records.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventKind {
    /// The task was created by `parent` (`None` for the root task).
    Spawn {
        /// The task that spawned it.
        parent: Option<TaskId>,
    },
    /// The task was woken and joined the ready set.
    Wake,
    /// The scheduler picked the task and polled it.
    Poll,
    /// A timer due at `deadline` fired (the task is the one that armed it).
    TimerFired {
        /// The instant the timer was due.
        deadline: Instant,
    },
    /// The task blocked the loop for `duration` of virtual time.
    Busy {
        /// How long the loop was blocked.
        duration: Duration,
    },
    /// The task's future completed.
    Finish,
    /// The task's future was dropped before completing (aborted, or cleaned
    /// up when the root finished).
    Abort,
    /// The task panicked.
    Panic {
        /// The panic message.
        message: String,
    },
    /// A callback ran (`call_soon`, `call_later`, a done callback); the task
    /// is the one that scheduled it.
    Callback,
    /// The simulated network did something (see [`crate::net`]); the task
    /// is the one that caused it.
    Net(NetEvent),
}

impl EventKind {
    #[inline(always)]
    fn code(&self) -> u64 {
        match self {
            EventKind::Spawn { .. } => 1,
            EventKind::Wake => 2,
            EventKind::Poll => 3,
            EventKind::TimerFired { .. } => 4,
            EventKind::Busy { .. } => 5,
            EventKind::Finish => 6,
            EventKind::Abort => 7,
            EventKind::Panic { .. } => 8,
            EventKind::Callback => 9,
            EventKind::Net(e) => e.code(),
        }
    }

    #[inline(always)]
    fn payload(&self) -> u64 {
        match self {
            EventKind::Spawn { parent } => parent.map_or(u64::MAX, TaskId::as_u64),
            EventKind::TimerFired { deadline } => deadline.as_nanos(),
            EventKind::Busy { duration } => crate::base::duration_to_nanos(*duration),
            EventKind::Panic { message } => message.len() as u64,
            EventKind::Net(e) => e.payload(),
            _ => 0,
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{} step {}] task {} {}",
            self.time, self.step, self.task, self.kind
        )
    }
}

/// What happened, e.g. `woken` or `timer due at t=1s fired`.
impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventKind::Spawn { parent: Some(p) } => write!(f, "spawned by task {p}"),
            EventKind::Spawn { parent: None } => write!(f, "spawned (root)"),
            EventKind::Wake => write!(f, "woken"),
            EventKind::Poll => write!(f, "polled"),
            EventKind::TimerFired { deadline } => write!(f, "timer due at {deadline} fired"),
            EventKind::Busy { duration } => write!(f, "busy for {duration:?}"),
            EventKind::Finish => write!(f, "finished"),
            EventKind::Abort => write!(f, "aborted"),
            EventKind::Panic { message } => write!(f, "panicked: {message}"),
            EventKind::Callback => write!(f, "ran a callback"),
            EventKind::Net(e) => write!(f, "{e}"),
        }
    }
}

/// A stable 64-bit hash of every scheduling decision of a run.
///
/// It does not depend on the process, the machine, pointer values or the
/// standard library's hasher, so the same seed and program give the same
/// fingerprint everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub u64);

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl From<Fingerprint> for u64 {
    fn from(f: Fingerprint) -> u64 {
        f.0
    }
}

const FP_MUL: u64 = 0x9E37_79B9_7F4A_7C15;

impl Fingerprint {
    /// The hash as a number.
    pub const fn as_u64(self) -> u64 {
        self.0
    }

    const START: Fingerprint = Fingerprint(0xcbf2_9ce4_8422_2325);

    #[inline]
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(23) ^ word).wrapping_mul(FP_MUL);
    }
}

/// Something a traced run noted that is not a scheduling decision: what a
/// task waits on, a `tracing` event it logged. Notes are kept for the
/// pictures of a run and never enter its [`Fingerprint`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// How many [`Event`]s the trace held when the note was made: the note
    /// comes after `events[after - 1]` and before `events[after]`.
    pub after: usize,
    /// Number of polls made before the note.
    pub step: u64,
    /// Virtual time of the note.
    pub time: Instant,
    /// The task being polled (the root task between polls).
    pub task: TaskId,
    /// What was noted.
    pub kind: NoteKind,
}

/// What a [`Note`] says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoteKind {
    /// The task is about to wait on this (see [`task::wait_on`](crate::task::wait_on)).
    WaitsOn(WaitReason),
    /// The task logged a `tracing` event (recorded by
    /// [`timeline::EventMarks`](crate::timeline)).
    Log {
        /// The event's level: `ERROR`, `WARN`, `INFO`, `DEBUG` or `TRACE`.
        level: &'static str,
        /// Its message and fields, as `message key=value ...`.
        message: String,
    },
    /// The task runs on the simulated host `host` (see [`crate::net`]):
    /// noted when the task is created, for every task placed on a host
    /// other than the implicit one (`main`). The note's `task` is the new
    /// task.
    OnHost {
        /// The host's name.
        host: std::sync::Arc<str>,
    },
}

/// The events of one run and the tasks they name.
#[derive(Debug, Clone, Default)]
pub struct Trace {
    /// Every event in the order it happened.
    pub events: Vec<Event>,
    /// Every task the run created, indexed by [`TaskId::as_u64`].
    pub tasks: Vec<TaskInfo>,
    /// What the run noted besides its decisions, in order.
    pub notes: Vec<Note>,
}

impl Trace {
    /// The task with this id, if the run created it.
    pub fn task(&self, id: TaskId) -> Option<&TaskInfo> {
        self.tasks.get(id.as_u64() as usize)
    }
}

/// Collects the fingerprint always and the events only when tracing is on.
pub(crate) struct Recorder {
    fingerprint: Fingerprint,
    trace: Option<Trace>,
}

impl Recorder {
    pub(crate) fn new(keep_events: bool) -> Self {
        Recorder {
            fingerprint: Fingerprint::START,
            trace: keep_events.then(Trace::default),
        }
    }

    /// Feeds one event into the fingerprint (two multiply-rotate rounds: the
    /// event's kind and task, then its time and payload) and keeps it if
    /// tracing is on. Inlined, so that at each call site the kind is a
    /// constant and only the arithmetic is left.
    #[inline(always)]
    pub(crate) fn record(&mut self, step: u64, time: Instant, task: TaskId, kind: EventKind) {
        self.fingerprint.mix(kind.code() | (task.as_u64() << 8));
        self.fingerprint
            .mix(time.as_nanos() ^ kind.payload().rotate_left(31));
        if self.trace.is_some() {
            self.keep(Event {
                step,
                time,
                task,
                kind,
            });
        }
    }

    /// What [`record`](Self::record) does for an event whose kind has
    /// this `code` and `payload`, with the event itself made only if it is
    /// kept: for events that are costly to make (the network's name hosts).
    #[inline]
    pub(crate) fn record_lazy(
        &mut self,
        step: u64,
        time: Instant,
        task: TaskId,
        (code, payload): (u64, u64),
        kind: impl FnOnce() -> EventKind,
    ) {
        if self.trace.is_some() {
            let kind = kind();
            debug_assert_eq!((kind.code(), kind.payload()), (code, payload));
            self.record(step, time, task, kind);
            return;
        }
        self.fingerprint.mix(code | (task.as_u64() << 8));
        self.fingerprint
            .mix(time.as_nanos() ^ payload.rotate_left(31));
    }

    /// Keeps a note in the trace, if there is one; the fingerprint does not
    /// change.
    pub(crate) fn note(&mut self, step: u64, time: Instant, task: TaskId, kind: NoteKind) {
        if let Some(trace) = &mut self.trace {
            trace.notes.push(Note {
                after: trace.events.len(),
                step,
                time,
                task,
                kind,
            });
        }
    }

    #[cold]
    #[inline(never)]
    fn keep(&mut self, event: Event) {
        if let Some(trace) = &mut self.trace {
            trace.events.push(event);
        }
    }

    pub(crate) fn is_tracing(&self) -> bool {
        self.trace.is_some()
    }

    pub(crate) fn task_created(&mut self, info: &TaskInfo) {
        if let Some(trace) = &mut self.trace {
            trace.tasks.push(info.clone());
        }
    }

    pub(crate) fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    pub(crate) fn take_trace(&mut self) -> Option<Trace> {
        self.trace.take()
    }
}
