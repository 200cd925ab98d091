//! # simloop: deterministic simulation testing for async Rust
//!
//! simloop runs async code on a single-threaded executor whose clock is
//! virtual and whose choices are seeded. A scenario that sleeps for hours
//! finishes in microseconds, and a seed fixes exactly which ready task runs
//! next, in what order simultaneous timers fire and which random numbers the
//! code draws: the same seed replays the same run, bit for bit.
//!
//! ## The model
//!
//! A simulation is a seed, a configuration and a root future. [`Sim::run`]
//! drives it to completion and returns its value, or a [`SimError`] that
//! names the seed and says how to reproduce the failure.
//!
//! - **Tasks** ([`task`]) are futures the simulation polls on its own, like
//!   asyncio tasks. They need not be `Send`.
//! - **Time** ([`time`]) is a count of nanoseconds since the start. When no
//!   task is ready, the clock jumps to the earliest timer. [`time::busy`]
//!   models blocking work: the clock moves on while nothing else runs.
//! - **Scheduling** ([`Strategy`]) picks the next task among the ready ones:
//!   [`Strategy::Fifo`] is asyncio's order, [`Strategy::Random`] and
//!   [`Strategy::Pct`] explore other interleavings, [`Strategy::Replay`]
//!   repeats a recorded [`Schedule`].
//! - **Randomness** for the code under test comes from [`rand`], derived from
//!   the seed.
//! - **Concurrency tools** with asyncio's semantics, all in virtual time and
//!   visible to the scheduler: [`combinators`] (`gather`, `as_completed`,
//!   `wait`, `select`, `shield`, [`TaskGroup`]) and [`sync`] (queues, locks,
//!   semaphores, events, conditions, barriers, promises, channels). The guide's
//!   `docs/asyncio.md` maps every asyncio name to its simloop counterpart.
//! - **Failures are values**: deadlocks (with what each task waits on),
//!   panics, time and step limits, leaked tasks and non-determinism are all
//!   [`SimError`]s.
//! - **Testing in CI**: [`#[simloop::test]`](macro@test) and [`harness`]
//!   sweep a scenario across many seeds on every core, shrink a failing
//!   interleaving to its fewest deviations from FIFO order and print the one
//!   command that replays it; [`proptest`] varies parameters and schedules
//!   together; [`tracing`] stamps logs with virtual time; [`timeline`] draws a
//!   run as SVG or as a Chrome trace for Perfetto.
//!
//! ```
//! use std::time::Duration;
//! use simloop::{Sim, Strategy, task, time};
//!
//! // Three tasks sleep one second each, concurrently: one second in all,
//! // under every seed and strategy.
//! for seed in 0..20 {
//!     let sim = Sim::builder().seed(seed).strategy(Strategy::Random).build();
//!     let elapsed = sim.run(async {
//!         let tasks: Vec<_> = (0..3)
//!             .map(|_| task::spawn(time::sleep(Duration::from_secs(1))))
//!             .collect();
//!         for t in tasks { t.await.unwrap(); }
//!         time::now().since_start()
//!     }).unwrap();
//!     assert_eq!(elapsed, Duration::from_secs(1));
//! }
//! ```
//!
//! A deadlock is a result, not a hang, and it says who waits on what:
//!
//! ```
//! use simloop::{Sim, SimError, sync::Queue, task};
//!
//! let err = Sim::new(9).run(async {
//!     let jobs = Queue::<u32>::new().named("jobs");
//!     task::spawn_named("consumer", async move { jobs.get().await }).await.unwrap()
//! }).unwrap_err();
//! assert!(matches!(err, SimError::Deadlock { .. }));
//! assert!(err.to_string().contains(r#"task 1 "consumer" waits on Queue::get on "jobs""#));
//! assert!(err.to_string().contains("SIMLOOP_SEED=9"));
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod combinators;
mod config;
mod error;
pub mod harness;
mod panic;
#[cfg(feature = "proptest")]
pub mod proptest;
pub mod rand;
mod runtime;
pub mod schedule;
mod sim;
mod strategy;
pub mod sync;
pub mod task;
pub mod time;
pub mod timeline;
pub mod trace;
#[cfg(feature = "tracing")]
pub mod tracing;

pub use combinators::TaskGroup;
pub use error::{BlockedTask, FailureContext, SimError, TaskPanic};
pub use schedule::{Choice, ChoiceKind, Decision, Schedule};
pub use sim::{FailedRun, Report, Sim, SimBuilder};
pub use strategy::{ParseStrategyError, Strategy};
pub use task::{JoinError, JoinHandle};
pub use trace::Fingerprint;

/// Turns an `async fn` into a test that sweeps it across many seeds, in the
/// style of `#[tokio::test]`.
///
/// Each seed runs the function's body as the root task of a fresh
/// simulation, on one of several threads. Before the sweep, the seeds
/// recorded in the test's regressions file run; a failing seed is shrunk to
/// its simplest failing schedule, appended to that file, and reported in a
/// panic with the error, the seed, the strategy, the shrunk schedule and the
/// command that replays it, such as
/// `SIMLOOP_SEED=8841 SIMLOOP_SCHEDULE=0:1 cargo test -p myapp --test queue -- drains --exact`.
/// The many runs log nothing through `tracing`; the failure is run once
/// more for its log, printed before the report.
///
/// Options (all optional; the `SIMLOOP_*` variables override them, see
/// [`harness`]):
///
/// - `seeds = N`: how many seeds to sweep (default 100);
/// - `strategy = "pct:3"`: the scheduling strategy (default `random`);
/// - `time_limit = "1h"`: the virtual time limit of a run (default a year);
/// - `max_steps = N`: the step limit of a run;
/// - `check_determinism`: run every seed twice, fail on any difference;
/// - `leaks_are_errors`: tasks still pending at the end fail the run;
/// - `regressions = false`: neither read nor write the regressions file
///   (the default for a `#[should_panic]` test, whose failure is expected).
///
/// The function takes no arguments and returns `()` or a `Result<(), E>`
/// with `E: Debug` (an `Err` fails the run). It may be combined with
/// `#[should_panic]` and `#[ignore]`.
///
/// ```
/// use std::time::Duration;
/// use simloop::{task, time};
///
/// #[simloop::test(seeds = 50, strategy = "pct:3", time_limit = "1h")]
/// async fn workers_finish_together() {
///     let workers: Vec<_> = (0..3)
///         .map(|_| task::spawn(time::sleep(Duration::from_secs(60))))
///         .collect();
///     for w in workers {
///         w.await.unwrap();
///     }
///     assert_eq!(time::now().since_start(), Duration::from_secs(60));
/// }
/// ```
pub use simloop_macros::test;
