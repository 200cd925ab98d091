//! Logging in virtual time: a [`tracing-subscriber`] setup that stamps every
//! event with the simulation's clock and the name of the task that logged it.
//!
//! Inside a simulation the wall clock means nothing: a run that sleeps for an
//! hour takes microseconds. [`SimTime`] replaces the timestamp with the
//! virtual time and the current task, so a log line reads
//! `t=1.5s [worker]  INFO my_crate: retrying`. Outside a simulation it writes
//! `t=-` instead (it never reads the wall clock).
//!
//! - [`init`] installs a global subscriber (once; later calls do nothing),
//!   filtered by `RUST_LOG` and writing to the test harness's captured
//!   standard error. Call it at the start of every test that wants logs.
//! - [`layer`] is the same formatting layer, to compose with a subscriber of
//!   your own; [`SimTime`] is the timestamp alone, for any `fmt` subscriber.
//!
//! The executor itself logs its decisions under the target
//! `simloop::executor`: spawns and ends of tasks at `debug` level, wakes,
//! polls, timer firings and `busy` blocks at `trace` level
//! (`RUST_LOG=simloop::executor=trace`). Whether to log them is decided
//! when a run starts; when the subscriber of that moment wants none, they
//! cost nothing.
//!
//! ```
//! use std::time::Duration;
//! use simloop::{Sim, task, time};
//!
//! simloop::tracing::init();
//! Sim::new(1).run(async {
//!     task::spawn_named("worker", async {
//!         time::sleep(Duration::from_millis(1500)).await;
//!         // Logged as `t=1.5s [worker]  INFO ...: woke up`.
//!         tracing::info!("woke up");
//!     }).await.unwrap();
//! }).unwrap();
//! ```
//!
//! [`tracing-subscriber`]: tracing_subscriber

use std::fmt;

use tracing_subscriber::fmt::format::{DefaultFields, Format, Full, Writer};
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::fmt::writer::TestWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, filter::LevelFilter};

/// A [`FormatTime`] that writes the virtual time and the current task,
/// e.g. `t=1.5s [worker]`, or `t=-` outside a simulation.
///
/// The time is [`Instant`](crate::time::Instant)'s `Display` form; the task
/// is its name, or `task-N` for an unnamed task (see
/// [`TaskInfo::label`](crate::task::TaskInfo::label)). Code running in the
/// simulation but outside any task's poll (a timer firing, the end-of-run
/// clean-up) is attributed to the root task, `main`.
///
/// Use it with any `fmt` subscriber or layer:
///
/// ```
/// use simloop::{Sim, tracing::SimTime};
///
/// let subscriber = tracing_subscriber::fmt()
///     .with_timer(SimTime::new())
///     .with_test_writer()
///     .finish();
/// tracing::subscriber::with_default(subscriber, || {
///     Sim::new(1).run(async { tracing::info!("inside") }).unwrap();
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimTime {
    task: bool,
}

impl SimTime {
    /// Virtual time and task name.
    ///
    /// ```
    /// let timer = simloop::tracing::SimTime::new();
    /// assert_eq!(timer, simloop::tracing::SimTime::default());
    /// ```
    pub const fn new() -> SimTime {
        SimTime { task: true }
    }

    /// Virtual time only (`t=1.5s`), for formats that show the task some
    /// other way.
    ///
    /// ```
    /// let timer = simloop::tracing::SimTime::new().without_task();
    /// # let _ = timer;
    /// ```
    pub const fn without_task(self) -> SimTime {
        SimTime { task: false }
    }
}

impl Default for SimTime {
    fn default() -> SimTime {
        SimTime::new()
    }
}

impl FormatTime for SimTime {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        let Some(now) = crate::time::try_now() else {
            return w.write_str("t=-");
        };
        write!(w, "{now}")?;
        if self.task
            && let Some(task) = crate::task::try_current()
        {
            match task.name() {
                Some(name) => write!(w, " [{name}]")?,
                None => write!(w, " [task-{}]", task.id())?,
            }
        }
        Ok(())
    }
}

/// The formatting layer [`init`] installs: `tracing-subscriber`'s full
/// format with [`SimTime`] as the timestamp, no colours, writing through
/// [`TestWriter`] to standard error (captured per test by the test harness).
///
/// Change the writer with `.with_writer(...)` and add it to a subscriber of
/// your own:
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt;
///
/// let subscriber = tracing_subscriber::registry()
///     .with(simloop::tracing::env_filter())
///     .with(simloop::tracing::layer().with_writer(std::io::sink));
/// tracing::subscriber::with_default(subscriber, || {
///     simloop::Sim::new(1).run(async { tracing::warn!("logged to the sink") }).unwrap();
/// });
/// ```
pub fn layer<S>() -> SimLayer<S>
where
    S: ::tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    tracing_subscriber::fmt::layer()
        .with_timer(SimTime::new())
        .with_ansi(false)
        .with_writer(captured_stderr as fn() -> TestWriter)
}

/// Standard error through `eprint!`, which the test harness captures.
///
/// (A `TestWriter` given directly as the writer would write to standard
/// output: its `MakeWriter` impl drops the `with_stderr` setting.)
fn captured_stderr() -> TestWriter {
    TestWriter::with_stderr()
}

/// The type of [`layer`]: a `fmt` layer stamped with [`SimTime`], writing
/// to `W`.
///
/// ```
/// use simloop::tracing::SimLayer;
/// use tracing_subscriber::Registry;
///
/// let layer: SimLayer<Registry> = simloop::tracing::layer();
/// # let _ = layer;
/// ```
pub type SimLayer<S, W = fn() -> TestWriter> =
    tracing_subscriber::fmt::Layer<S, DefaultFields, Format<Full, SimTime>, W>;

/// The filter [`init`] uses: the directives in `RUST_LOG` (e.g.
/// `RUST_LOG=my_crate=debug,warn`), or `info` when it is unset. Invalid
/// directives are skipped.
///
/// ```
/// let filter = simloop::tracing::env_filter();
/// # let _ = filter;
/// ```
pub fn env_filter() -> EnvFilter {
    EnvFilter::builder()
        .with_default_directive(LevelFilter::INFO.into())
        .from_env_lossy()
}

/// Installs [`layer`] filtered by [`env_filter`] as the global subscriber.
///
/// Safe to call from every test: only the first call in a process installs
/// anything, and it does nothing if another global subscriber is already
/// set.
///
/// ```
/// simloop::tracing::init();
/// simloop::tracing::init(); // no effect, no panic
/// ```
pub fn init() {
    // `try_init` fails when a global subscriber exists, which is exactly the
    // case where there is nothing to do.
    let _ = tracing_subscriber::registry()
        .with(env_filter())
        .with(layer())
        .try_init();
}
