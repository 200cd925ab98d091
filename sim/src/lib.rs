//! # simloop: deterministic simulation testing for async Rust
//!
//! simloop runs async code on a single-threaded executor whose clock is
//! virtual and whose choices are seeded. A scenario that sleeps for hours
//! finishes in microseconds, and a seed fixes exactly which ready task runs
//! next, in what order simultaneous timers fire and which random numbers the
//! code draws: the same seed replays the same run, bit for bit.
//!
//! [The user guide](guide) explains it all at length; this page starts a new
//! user off and sums up the model.
//!
//! ## Using simloop in your crate
//!
//! Add simloop as a test dependency, and have Cargo optimise it in tests:
//! a sweep spends its time inside simloop, and a workspace's profile
//! settings apply only from its own root `Cargo.toml`, so simloop's own
//! are not inherited (the [README's measurement][profile] shows the
//! difference):
//!
//! ```toml
//! [dev-dependencies]
//! simloop = "0.1"
//!
//! [profile.test.package.simloop]
//! opt-level = 3
//! ```
//!
//! [profile]: guide::testing#the-profile-override
//!
//! Nothing else is needed: [`rand`] re-exports the `rand_core` traits its
//! generator implements (and says which `rand` versions work with it), and
//! [`SchedStrategy`] names the scheduling strategy without clashing with
//! proptest's `Strategy` trait. A renamed dependency (`sl = { package =
//! "simloop", .. }`) is passed to the macro: `#[sl::test(crate = sl)]`.
//!
//! A first test, in `tests/first_test.rs`: [`#[simloop::test]`](macro@test)
//! runs the `async fn` under 200 seeds, each one interleaving of its tasks
//! in virtual time.
//!
//! ```
//! use simloop::{rand, task, time};
//! use std::time::Duration;
//!
//! #[simloop::test(seeds = 200)]
//! async fn three_calls_finish_within_their_longest_delay() {
//!     let calls: Vec<_> = (0..3)
//!         .map(|i| {
//!             task::spawn_named(format!("call-{i}"), async {
//!                 let delay = Duration::from_millis(rand::range(1..=500u64));
//!                 time::sleep(delay).await;
//!                 delay
//!             })
//!         })
//!         .collect();
//!     let mut longest = Duration::ZERO;
//!     for call in calls {
//!         longest = longest.max(call.await.unwrap());
//!     }
//!     assert_eq!(time::now().since_start(), longest); // virtual time: exact
//! }
//! ```
//!
//! **The replay loop.** A failing seed makes the test panic with a report:
//! the seed, every task that panicked, the shrunk schedule in task terms,
//! and, last, the command that replays exactly that run
//! (`SIMLOOP_SEED=3 SIMLOOP_SCHEDULE=2:1 cargo test -p myapp --test orders
//! -- stock_is_never_overdrawn --exact`, or a `cargo nextest run` one under
//! nextest). Paste it, fix, paste it again. The seed is also kept in
//! `simloop-regressions/` and replayed first on every later run, and
//! `SIMLOOP_TIMELINE=DIR` leaves the failing run's [`timeline`] pictures in
//! `DIR`. The same loop, driven from code:
//!
//! ```
//! use simloop::harness::{EnvConfig, TestFailure, TestSpec, try_run_test};
//! use simloop::task;
//! use std::{cell::Cell, rc::Rc};
//!
//! // Two tasks read a counter, yield, and write it back plus one.
//! async fn increments() {
//!     let counter = Rc::new(Cell::new(0));
//!     let tasks: Vec<_> = (0..2).map(|_| {
//!         let counter = counter.clone();
//!         task::spawn(async move {
//!             let read = counter.get();
//!             task::yield_now().await;
//!             counter.set(read + 1);
//!         })
//!     }).collect();
//!     for t in tasks { t.await.unwrap(); }
//!     assert_eq!(counter.get(), 2, "lost update");
//! }
//!
//! let spec = TestSpec::new("myapp", "orders", "increments").regressions(false);
//! let Err(TestFailure::Failed(failure)) = try_run_test(&spec, &EnvConfig::default(), |_| increments())
//! else { panic!("the update is lost under every seed") };
//! let report = failure.to_string();
//! assert!(report.contains("lost update"));
//! assert!(report.ends_with(&format!("{}", failure.command)));
//! assert!(failure.command.to_string().starts_with(&format!("SIMLOOP_SEED={} ", failure.seed)));
//! ```
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
//!   semaphores, events, conditions, barriers, promises, channels). The
//!   guide's [from asyncio to simloop](guide::asyncio) maps every asyncio
//!   name to its simloop counterpart.
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

mod base;
pub mod buggify;
pub mod combinators;
mod config;
mod error;
#[doc(hidden)]
pub mod facade;
#[doc = include_str!(concat!(env!("OUT_DIR"), "/guide-README.md"))]
// The guide shows tests as a user writes them, `#[test]` included.
#[allow(clippy::test_attr_in_doctest)]
pub mod guide;
pub mod harness;
pub mod history;
pub mod net;
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
pub use error::{BlockedTask, FailureContext, SimError};
pub use schedule::{Choice, ChoiceKind, Schedule};
pub use sim::{FailedRun, Report, Sim, SimBuilder};
/// [`Strategy`] under a name that does not clash with proptest's `Strategy`
/// trait: `use simloop::SchedStrategy;` next to `use proptest::prelude::*;`.
///
/// ```
/// use proptest::prelude::*;
/// use simloop::{SchedStrategy, Sim};
///
/// // proptest's trait and simloop's enum, side by side.
/// let seeds = (0u64..10).prop_map(|s| s * 2);
/// let sim = Sim::builder().strategy(SchedStrategy::Pct { depth: 2 }).build();
/// assert_eq!(sim.strategy(), &simloop::Strategy::Pct { depth: 2 });
/// # let _ = seeds;
/// ```
pub use strategy::Strategy as SchedStrategy;
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
/// `SIMLOOP_SEED=8841 SIMLOOP_SCHEDULE=0:1 cargo test -p myapp --test queue -- drains --exact`
/// (under cargo-nextest, which sets `NEXTEST=1`, a `cargo nextest run`
/// command selecting the test with `-E 'test(=drains)'`).
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
///   (the default for a `#[should_panic]` test, whose failure is expected);
/// - `timeline = "DIR"`: a failing test writes its failing run's
///   [`timeline`] (SVG and Chrome trace) under `DIR`, relative to the
///   package's directory, and the report prints the paths
///   (`SIMLOOP_TIMELINE` overrides);
/// - `crate = sl`: the path the expansion names simloop by, for a
///   dependency renamed in `Cargo.toml` (`sl = { package = "simloop", .. }`;
///   `crate = "sl"` works too). Without it the expansion uses `::simloop`.
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
