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
//! - **Failures are values**: deadlocks (with what each task waits on),
//!   panics, time and step limits, leaked tasks and non-determinism are all
//!   [`SimError`]s.
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
//! A deadlock is a result, not a hang:
//!
//! ```
//! use simloop::{Sim, SimError, task};
//!
//! let err = Sim::new(9).run(async {
//!     let (_tx, rx) = futures::channel::oneshot::channel::<()>();
//!     task::spawn_named("waiter", async move { rx.await.ok(); }).await.unwrap();
//! }).unwrap_err();
//! assert!(matches!(err, SimError::Deadlock { .. }));
//! assert!(err.to_string().contains("\"waiter\""));
//! assert!(err.to_string().contains("SIMLOOP_SEED=9"));
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod combinators;
mod config;
mod error;
mod panic;
pub mod rand;
mod runtime;
pub mod schedule;
mod sim;
mod strategy;
pub mod sync;
pub mod task;
pub mod time;
pub mod trace;

pub use combinators::TaskGroup;
pub use error::{BlockedTask, FailureContext, SimError};
pub use schedule::{Choice, ChoiceKind, Schedule};
pub use sim::{Report, Sim, SimBuilder};
pub use strategy::{ParseStrategyError, Strategy};
pub use task::{JoinError, JoinHandle};
pub use trace::Fingerprint;
