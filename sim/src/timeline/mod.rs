//! Pictures of a run: a [`Timeline`] of what every task did over virtual
//! time, drawn as an SVG image or exported as a Chrome trace for Perfetto.
//!
//! A timeline is computed once from a [`Trace`] (a simulation built with
//! [`trace(true)`](crate::SimBuilder::trace)); both pictures draw the same
//! model. Each task gets a lane of [`Span`]s:
//!
//! - **ready**: woken (or just spawned) and waiting to be polled. The
//!   executor takes in wake-ups between polls, so a task woken by another
//!   task is ready from the end of the waking poll (after its `busy` time);
//! - **running**: being polled. Polls take no virtual time, so most running
//!   spans have zero width; time spent in [`time::busy`](crate::time::busy)
//!   during a poll gives them a real width;
//! - **waiting**: between a poll that returned `Pending` and the next wake.
//!
//! and [`Marker`]s for its spawn, timer firings, the `tracing` events it
//! logged, and its end (finish, abort or panic). Every poll is kept; ready
//! and waiting spans of zero length are left out.
//!
//! A waiting span says what the task waited on ([`Span::wait`]), when the
//! primitive it waited in said so through [`task::wait_on`](crate::task::wait_on)
//! (every one of simloop's does) or when a timer ended the wait: a
//! [`WaitKind`] (timer, queue, lock, join, socket or other), drawn in its
//! own colour, and a label such as `Queue::get on "jobs"`.
//!
//! A run that used the [network](crate::net) is drawn as a sequence
//! diagram: each simulated host is a group of lanes ([`Timeline::hosts`],
//! [`HostLanes`]) under a header row, its lifeline, where crashes,
//! restarts, partitions and heals are marked ([`HostMark`]) and the time it
//! was down is shaded; every message ([`Timeline::messages`], [`Message`])
//! is an arrow from the sender's lifeline at the send to the receiver's at
//! the delivery, or a dashed one ending in a cross where it was dropped.
//!
//! `tracing` events become markers on the lane of the task that logged them
//! when the run is made under [`with_event_marks`] (or with an
//! [`EventMarks`] layer in the subscriber). A failing
//! `#[simloop::test]` draws its pictures (`SIMLOOP_TIMELINE`) that way.
//!
//! ```
//! use std::time::Duration;
//! use simloop::{Sim, task, time, timeline::{SpanKind, Timeline}};
//!
//! let report = Sim::builder().trace(true).build().run_report(async {
//!     let worker = task::spawn_named("worker", time::sleep(Duration::from_secs(1)));
//!     worker.await.unwrap();
//! }).unwrap();
//! let timeline = Timeline::from_report(&report).unwrap();
//!
//! let worker = &timeline.lanes()[1];
//! assert_eq!(worker.label(), "worker");
//! let waiting: Vec<_> = worker.spans().iter().filter(|s| s.kind == SpanKind::Waiting).collect();
//! assert_eq!(waiting.len(), 1);
//! assert_eq!(waiting[0].duration(), Duration::from_secs(1));
//!
//! let svg = timeline.to_svg();          // or .write_svg("run.svg")
//! let json = timeline.to_chrome_json(); // or .write_chrome_trace("run.json")
//! assert!(svg.starts_with("<svg") && json.contains("\"traceEvents\""));
//! ```

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::sim::Report;
use crate::task::{TaskId, TaskInfo};
use crate::time::Instant;
use crate::trace::Trace;

mod axis;
mod build;
mod chrome;
#[cfg(feature = "tracing")]
mod events;
mod hosts;
mod svg;
mod wait;

#[cfg(feature = "tracing")]
pub use events::{EventMarks, with_event_marks};
pub use hosts::{Fate, HostLanes, HostMark, HostMarkKind, Message};
pub use wait::{Wait, WaitKind};

/// What every task of a run did over virtual time; see the [module
/// docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    title: String,
    end: Instant,
    polls: u64,
    lanes: Vec<Lane>,
    hosts: Vec<HostLanes>,
    messages: Vec<Message>,
}

/// One task's row of a [`Timeline`].
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, task, time, task::TaskId, timeline::{MarkerKind, SpanKind, Timeline}};
///
/// let report = Sim::builder().trace(true).build().run_report(async {
///     task::spawn(async { time::busy(Duration::from_millis(5)) }).await.unwrap();
/// }).unwrap();
/// let timeline = Timeline::from_report(&report).unwrap();
/// let lane = &timeline.lanes()[1];
/// assert_eq!(lane.label(), "task-1");
/// assert_eq!(lane.task().id().as_u64(), 1);
/// assert_eq!(lane.parent(), Some(TaskId::ROOT));
/// // One poll, 5 ms long (busy), then the task finished.
/// assert_eq!(lane.spans().len(), 1);
/// assert_eq!(lane.spans()[0].kind, SpanKind::Running);
/// assert_eq!(lane.spans()[0].duration(), Duration::from_millis(5));
/// assert_eq!(lane.markers().last().unwrap().kind, MarkerKind::Finish);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lane {
    task: TaskInfo,
    parent: Option<TaskId>,
    host: Option<std::sync::Arc<str>>,
    spans: Vec<Span>,
    markers: Vec<Marker>,
}

/// An interval of a task's life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// What the task was doing.
    pub kind: SpanKind,
    /// When it started.
    pub start: Instant,
    /// When it ended (equal to `start` for a poll that took no time).
    pub end: Instant,
    /// The step (poll count) at which it started; for a running span, the
    /// poll's step number.
    pub step: u64,
    /// For a waiting span, what the task waited on, if that is known.
    pub wait: Option<Wait>,
}

impl Span {
    /// `end - start`.
    ///
    /// ```
    /// use simloop::time::Instant;
    /// use simloop::timeline::{Span, SpanKind};
    /// let span = Span { kind: SpanKind::Ready, start: Instant::from_nanos(5), end: Instant::from_nanos(12), step: 0, wait: None };
    /// assert_eq!(span.duration().as_nanos(), 7);
    /// ```
    pub fn duration(&self) -> Duration {
        self.end - self.start
    }
}

/// What a task was doing during a [`Span`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SpanKind {
    /// Woken or spawned, waiting for the scheduler to poll it.
    Ready,
    /// Being polled (with a width only when it was [`busy`](crate::time::busy)).
    Running,
    /// Blocked: its last poll returned `Pending` and nothing has woken it yet.
    Waiting,
}

impl SpanKind {
    /// The lowercase name used in both pictures (`ready`, `running`,
    /// `waiting`).
    ///
    /// ```
    /// assert_eq!(simloop::timeline::SpanKind::Running.name(), "running");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            SpanKind::Ready => "ready",
            SpanKind::Running => "running",
            SpanKind::Waiting => "waiting",
        }
    }
}

impl fmt::Display for SpanKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A moment in a task's life.
///
/// ```
/// use simloop::{Sim, task, timeline::{MarkerKind, Timeline}};
/// let report = Sim::builder().trace(true).build().run_report(async {
///     let h = task::spawn(async { panic!("oops") });
///     assert!(h.await.is_err());
/// }).unwrap();
/// let timeline = Timeline::from_report(&report).unwrap();
/// let end = timeline.lanes()[1].markers().last().unwrap();
/// assert!(matches!(&end.kind, MarkerKind::Panic { message } if message.contains("oops")));
/// assert_eq!(end.kind.name(), "panic");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Marker {
    /// What happened.
    pub kind: MarkerKind,
    /// When.
    pub time: Instant,
}

/// What a [`Marker`] marks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MarkerKind {
    /// The task was created.
    Spawn,
    /// A timer the task armed fired (at or, after a `busy` block, later than
    /// its deadline).
    TimerFired {
        /// When the timer was due.
        deadline: Instant,
    },
    /// The task's future completed.
    Finish,
    /// The task was aborted.
    Abort,
    /// The task panicked.
    Panic {
        /// The panic message.
        message: String,
    },
    /// The task logged a `tracing` event (see [`with_event_marks`]).
    Log {
        /// The event's level: `ERROR`, `WARN`, `INFO`, `DEBUG` or `TRACE`.
        level: &'static str,
        /// Its message and fields.
        message: String,
    },
}

impl MarkerKind {
    /// The lowercase name used in both pictures (`spawn`, `timer fired`,
    /// `finish`, `abort`, `panic`, `log`).
    ///
    /// ```
    /// assert_eq!(simloop::timeline::MarkerKind::Finish.name(), "finish");
    /// ```
    pub const fn name(&self) -> &'static str {
        match self {
            MarkerKind::Spawn => "spawn",
            MarkerKind::TimerFired { .. } => "timer fired",
            MarkerKind::Finish => "finish",
            MarkerKind::Abort => "abort",
            MarkerKind::Panic { .. } => "panic",
            MarkerKind::Log { .. } => "log",
        }
    }
}

/// Why a timeline could not be made or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TimelineError {
    /// The report has no trace to draw.
    #[error(
        "the run kept no trace to draw: build the simulation with \
         `Sim::builder().trace(true)` to get one in `Report::trace`"
    )]
    NoTrace,
    /// Writing a picture to a file failed.
    #[error("cannot write the {what} to {}: {source}", path.display())]
    Write {
        /// What was being written (`timeline SVG`, `Chrome trace`).
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

impl Timeline {
    /// The timeline of a traced run.
    ///
    /// ```
    /// use simloop::{Sim, timeline::Timeline};
    /// let report = Sim::builder().trace(true).build().run_report(async {}).unwrap();
    /// let timeline = Timeline::from_trace(report.trace.as_ref().unwrap());
    /// assert_eq!(timeline.lanes().len(), 1); // the root task, `main`
    /// ```
    pub fn from_trace(trace: &Trace) -> Timeline {
        build::build(trace)
    }

    /// The timeline of a run's [`Report::trace`], titled with its seed and
    /// strategy, or [`TimelineError::NoTrace`] if the simulation was not
    /// built with `trace(true)`.
    ///
    /// ```
    /// use simloop::{Sim, timeline::{Timeline, TimelineError}};
    /// let untraced = Sim::new(3).run_report(async {}).unwrap();
    /// assert!(matches!(Timeline::from_report(&untraced), Err(TimelineError::NoTrace)));
    ///
    /// let traced = Sim::builder().seed(3).trace(true).build().run_report(async {}).unwrap();
    /// assert!(Timeline::from_report(&traced).unwrap().title().contains("seed 3"));
    /// ```
    pub fn from_report<T>(report: &Report<T>) -> Result<Timeline, TimelineError> {
        let trace = report.trace.as_ref().ok_or(TimelineError::NoTrace)?;
        let timeline = Timeline::from_trace(trace);
        let title = format!(
            "simloop run: seed {}, strategy {}",
            report.seed, report.strategy
        );
        Ok(timeline.with_title(title))
    }

    /// The same timeline with another title.
    ///
    /// ```
    /// # use simloop::{Sim, timeline::Timeline};
    /// # let report = Sim::builder().trace(true).build().run_report(async {}).unwrap();
    /// let timeline = Timeline::from_report(&report).unwrap().with_title("checkout flow");
    /// assert_eq!(timeline.title(), "checkout flow");
    /// ```
    pub fn with_title(mut self, title: impl Into<String>) -> Timeline {
        self.title = title.into();
        self
    }

    /// The title drawn above the picture.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The virtual time of the last thing that happened.
    ///
    /// ```
    /// use std::time::Duration;
    /// use simloop::{Sim, time, timeline::Timeline};
    /// let report = Sim::builder().trace(true).build()
    ///     .run_report(async { time::sleep(Duration::from_secs(3)).await }).unwrap();
    /// let timeline = Timeline::from_report(&report).unwrap();
    /// assert_eq!(timeline.end().since_start(), Duration::from_secs(3));
    /// assert_eq!(timeline.polls(), 2); // before and after the sleep
    /// ```
    pub fn end(&self) -> Instant {
        self.end
    }

    /// The number of polls in the run.
    pub fn polls(&self) -> u64 {
        self.polls
    }

    /// One lane per task, in id order (the root task first).
    pub fn lanes(&self) -> &[Lane] {
        &self.lanes
    }

    /// The lane of task `id`, if the run created it.
    ///
    /// ```
    /// # use simloop::{Sim, task::TaskId, timeline::Timeline};
    /// # let report = Sim::builder().trace(true).build().run_report(async {}).unwrap();
    /// let timeline = Timeline::from_report(&report).unwrap();
    /// assert_eq!(timeline.lane(TaskId::ROOT).unwrap().label(), "main");
    /// ```
    pub fn lane(&self, id: TaskId) -> Option<&Lane> {
        self.lanes.iter().find(|l| l.task.id() == id)
    }

    /// The simulated hosts, each with the tasks that ran on it, in the
    /// order they appeared (the implicit host `main` first); empty if the
    /// run did not use [`net`](crate::net). Both pictures draw each host
    /// as a group of lanes.
    pub fn hosts(&self) -> &[HostLanes] {
        &self.hosts
    }

    /// Every message sent between hosts, one entry per delivery or drop
    /// (in the order they happened), then those still in flight at the
    /// end. Both pictures draw them as arrows between the hosts' groups.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// The timeline as a standalone SVG image: a lane per task, the virtual
    /// time axis, a legend and the title.
    pub fn to_svg(&self) -> String {
        svg::render(self)
    }

    /// The timeline as Chrome trace event JSON (the `traceEvents` format that
    /// [Perfetto](https://ui.perfetto.dev) and `chrome://tracing` open): one
    /// thread per task, timestamps in microseconds of virtual time. With
    /// hosts, one process per host and a flow arrow per delivered message.
    pub fn to_chrome_json(&self) -> String {
        chrome::render(self)
    }

    /// Writes [`to_svg`](Timeline::to_svg) to `path`.
    ///
    /// ```
    /// # use simloop::{Sim, timeline::{Timeline, TimelineError}};
    /// # let report = Sim::builder().trace(true).build().run_report(async {}).unwrap();
    /// let timeline = Timeline::from_report(&report).unwrap();
    /// let err = timeline.write_svg("/nonexistent-dir/run.svg").unwrap_err();
    /// assert!(err.to_string().contains("/nonexistent-dir/run.svg"));
    /// ```
    pub fn write_svg(&self, path: impl AsRef<Path>) -> Result<(), TimelineError> {
        write(path.as_ref(), "timeline SVG", &self.to_svg())
    }

    /// Writes [`to_chrome_json`](Timeline::to_chrome_json) to `path` (open
    /// it at <https://ui.perfetto.dev>).
    pub fn write_chrome_trace(&self, path: impl AsRef<Path>) -> Result<(), TimelineError> {
        write(path.as_ref(), "Chrome trace", &self.to_chrome_json())
    }
}

fn write(path: &Path, what: &'static str, contents: &str) -> Result<(), TimelineError> {
    std::fs::write(path, contents).map_err(|source| TimelineError::Write {
        what,
        path: path.to_owned(),
        source,
    })
}

impl Lane {
    /// The task.
    pub fn task(&self) -> &TaskInfo {
        &self.task
    }

    /// The task's name, or `task-N` for an unnamed task.
    pub fn label(&self) -> String {
        self.task.label()
    }

    /// The task that spawned it (`None` for the root task).
    pub fn parent(&self) -> Option<TaskId> {
        self.parent
    }

    /// The simulated host the task ran on, if the run used the network
    /// (`main` for the implicit host); see [`Timeline::hosts`].
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    /// Its spans, in time order.
    pub fn spans(&self) -> &[Span] {
        &self.spans
    }

    /// Its markers, in time order.
    pub fn markers(&self) -> &[Marker] {
        &self.markers
    }
}
