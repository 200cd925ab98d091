//! The benchmark workloads of `BENCHMARKS.md` (W1–W6), each written for
//! simloop, for tokio's current-thread runtime with a paused clock, and for
//! the [`floor`] executor, and the models their results are checked against.
//!
//! `cargo run --release -p simloop-bench` prints the comparison table (see
//! `docs/performance.md`); `cargo bench -p simloop-bench` gives divan's
//! statistics per workload and runtime.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub mod floor;
pub mod net;
pub mod on_floor;
pub mod on_simloop;
pub mod on_tokio;
pub mod params;

pub use simloop::Strategy;

/// What a run reports, to be compared with the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Virtual time from the start of the main future to its end (for W5,
    /// the longest of the runs).
    pub elapsed: Duration,
    /// What was counted (tasks done, items consumed, round trips checked,
    /// runs that took exactly a second).
    pub count: u64,
    /// A checksum (W2: round trips answered by pong; W3: sum of the items).
    pub sum: u64,
}

/// The workloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// W1 `spawn_sleep`: `n` tasks each sleep a random time.
    SpawnSleep,
    /// W2 `ping_pong`: `n` round trips over two channels of capacity 1.
    PingPong,
    /// W3 `producer_consumer`: `n` items, 5 producers, 10 consumers.
    ProducerConsumer,
    /// W4 `semaphore`: `n` requests through a semaphore of 100 permits.
    Semaphore,
    /// W5 `seed_sweep`: `n` fresh runtimes of three sleeping tasks.
    SeedSweep,
}

impl Workload {
    /// The short name of `BENCHMARKS.md`.
    pub fn name(self) -> &'static str {
        match self {
            Workload::SpawnSleep => "spawn_sleep",
            Workload::PingPong => "ping_pong",
            Workload::ProducerConsumer => "producer_consumer",
            Workload::Semaphore => "semaphore",
            Workload::SeedSweep => "seed_sweep",
        }
    }
}

/// A workload's parameters, drawn before any runtime starts.
#[derive(Clone)]
pub enum Input {
    /// W1/W6: the sleep of each task, in ms.
    SpawnSleep(Arc<[u64]>),
    /// W2: the number of round trips.
    PingPong(u64),
    /// W3: items per producer, producer sleeps and consumer sleeps, in ms.
    ProducerConsumer {
        /// Items per producer.
        per_producer: usize,
        /// Producer sleeps, producer-major.
        d: Arc<[u64]>,
        /// Consumer sleeps, by global take order.
        e: Arc<[u64]>,
    },
    /// W4: the latency of each acquisition, in ms.
    Semaphore(Arc<[u64]>),
    /// W5: the number of runtimes.
    SeedSweep(u64),
}

/// A workload of size `n`: its input and the outcome every correct executor
/// must report.
pub fn prepare(workload: Workload, n: usize) -> (Input, Outcome) {
    let ms = Duration::from_millis;
    match workload {
        Workload::SpawnSleep => {
            let d = params::spawn_sleep(n);
            let expect = Outcome {
                elapsed: ms(params::spawn_sleep_model(&d)),
                count: n as u64,
                sum: 0,
            };
            (Input::SpawnSleep(d.into()), expect)
        }
        Workload::PingPong => (
            Input::PingPong(n as u64),
            Outcome {
                elapsed: Duration::ZERO,
                count: n as u64,
                sum: n as u64,
            },
        ),
        Workload::ProducerConsumer => {
            let p = params::producer_consumer(n);
            let n = n as u64;
            let expect = Outcome {
                elapsed: ms(params::producer_consumer_model(&p)),
                count: n,
                sum: n * (n - 1) / 2,
            };
            let input = Input::ProducerConsumer {
                per_producer: p.per_producer,
                d: p.d.into(),
                e: p.e.into(),
            };
            (input, expect)
        }
        Workload::Semaphore => {
            let lat = params::semaphore(n);
            let expect = Outcome {
                elapsed: ms(params::semaphore_model(&lat)),
                count: n as u64,
                sum: 0,
            };
            (Input::Semaphore(lat.into()), expect)
        }
        Workload::SeedSweep => (
            Input::SeedSweep(n as u64),
            Outcome {
                elapsed: ms(1000),
                count: n as u64,
                sum: 0,
            },
        ),
    }
}

/// An executor to run the workloads on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runtime {
    /// simloop with this strategy, and tracing on or off.
    Simloop {
        /// The scheduling strategy.
        strategy: Strategy,
        /// Whether every event is kept (`SimBuilder::trace`).
        trace: bool,
    },
    /// tokio's current-thread runtime with a paused clock.
    Tokio,
    /// The minimal [`floor`] executor.
    Floor,
}

impl Runtime {
    /// simloop under the default test configuration: Random, tracing off.
    pub fn simloop() -> Runtime {
        Runtime::Simloop {
            strategy: Strategy::Random,
            trace: false,
        }
    }

    /// simloop with `strategy`, tracing off.
    pub fn simloop_with(strategy: Strategy) -> Runtime {
        Runtime::Simloop {
            strategy,
            trace: false,
        }
    }

    /// A short label for tables.
    pub fn label(&self) -> String {
        match self {
            Runtime::Simloop { strategy, trace } => {
                let s = match strategy {
                    Strategy::Replay(_) => "replay".to_owned(),
                    s => s.to_string(),
                };
                if *trace {
                    format!("simloop {s}+trace")
                } else {
                    format!("simloop {s}")
                }
            }
            Runtime::Tokio => "tokio".to_owned(),
            Runtime::Floor => "floor".to_owned(),
        }
    }
}

/// Runs `input` once on `runtime`; this is the timed part (it builds the
/// runtime, runs the main future and tears the runtime down).
pub fn run(runtime: &Runtime, input: &Input) -> Outcome {
    match runtime {
        Runtime::Simloop { strategy, trace } => on_simloop::run(strategy, *trace, input, &mut None),
        Runtime::Tokio => on_tokio::run(input),
        Runtime::Floor => on_floor::run(input),
    }
}

/// Runs `input` on simloop with `strategy` and returns the schedule it made,
/// for replaying (W1–W4; W5 has a schedule per seed and gives none).
pub fn record_schedule(strategy: &Strategy, input: &Input) -> Option<simloop::Schedule> {
    let mut schedule = None;
    on_simloop::run(strategy, false, input, &mut schedule);
    schedule
}

/// Size in bytes of the future of one W1 task, as the last W1 run on each
/// runtime spawned it (the user's future, without the runtime's wrapping).
pub static W1_FUTURE_SIZE: AtomicUsize = AtomicUsize::new(0);

pub(crate) fn note_future_size<F>(future: &F) {
    W1_FUTURE_SIZE.store(std::mem::size_of_val(future), Ordering::Relaxed);
}
