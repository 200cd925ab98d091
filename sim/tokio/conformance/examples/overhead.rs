//! The facade's overhead over simloop's native API on BENCHMARKS.md's
//! workloads W1–W4.
//!
//! The native versions are the benchmark crate's (`simloop-bench`,
//! `on_simloop.rs`). The facade versions are that crate's tokio versions,
//! `on_tokio.rs`, compiled here a second time with `tokio` naming the
//! facade: the same tokio code the benchmark runs on real tokio, unchanged
//! (including its `Builder::new_current_thread().enable_time()
//! .start_paused(true)` runtime). Both draw their parameters as
//! BENCHMARKS.md says and every run's outcome (virtual elapsed time,
//! counts, sums) is checked against the workload's model.
//!
//! ```text
//! SIMLOOP_SEED=1 SIMLOOP_STRATEGY=random cargo run --release -p simloop-tokio-conformance --example overhead [DIVISOR] [RUNS]
//! SIMLOOP_SEED=1 SIMLOOP_STRATEGY=random cargo run --release -p simloop-tokio-conformance --example overhead DIVISOR 1 w2 facade
//! ```
//!
//! DIVISOR (default 10) divides BENCHMARKS.md's sizes; RUNS (default 5) is
//! how many timed runs each median is taken over, the native and facade
//! runs interleaved. A workload and a side
//! (`native` or `facade`) run just that one, once: for
//! `valgrind --tool=callgrind`. `SIMLOOP_SEED=1` and
//! `SIMLOOP_STRATEGY=random` give the facade's runtime the seed and the
//! strategy the native runs use (a tokio `Runtime` is otherwise a
//! simulation with simloop's default strategy, `fifo`, which picks the
//! next task more cheaply than `random`).

use std::time::{Duration, Instant};

use simloop_bench::{Input, Outcome, Runtime, Workload, params};

/// The benchmark crate's tokio workloads, with `tokio` the facade.
#[allow(dead_code, clippy::all)]
#[path = "../../../bench/src/on_tokio.rs"]
mod on_facade;

/// What `on_tokio.rs` calls in its crate root.
fn note_future_size<F>(_future: &F) {}

const WORKLOADS: [(&str, Workload, usize); 4] = [
    ("w1", Workload::SpawnSleep, 100_000),
    ("w2", Workload::PingPong, 1_000_000),
    ("w3", Workload::ProducerConsumer, 500_000),
    ("w4", Workload::Semaphore, 100_000),
];

fn run(side: &str, input: &Input) -> Outcome {
    match side {
        "native" => simloop_bench::run(&Runtime::simloop(), input),
        "facade" => on_facade::run(input),
        other => panic!("the side is `native` or `facade`, not `{other}`"),
    }
}

/// One timed run of `side`, whose outcome must be the model's.
fn time(side: &str, input: &Input, expect: Outcome) -> Duration {
    let start = Instant::now();
    let out = run(side, input);
    let took = start.elapsed();
    assert_eq!(out, expect, "{side}: the outcome is not the model's");
    took
}

/// The median of sorted `times`, and their spread (slowest minus fastest).
fn median(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[times.len() - 1] - times[0])
}

/// The native and facade medians and spreads of `runs` timings each,
/// interleaved (native, facade, native, ...) so that a change of the
/// machine's load hits both sides alike.
fn measure(input: &Input, expect: Outcome, runs: usize) -> [(Duration, Duration); 2] {
    let (mut native, mut facade) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        native.push(time("native", input, expect));
        facade.push(time("facade", input, expect));
    }
    [median(native), median(facade)]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let divisor: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(10);
    let runs: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5).max(1);
    if std::env::var("SIMLOOP_SEED").as_deref() != Ok("1") {
        eprintln!("note: set SIMLOOP_SEED=1 so that the facade's runs use the native runs' seed");
    }
    if std::env::var("SIMLOOP_STRATEGY").as_deref() != Ok("random") {
        eprintln!(
            "note: set SIMLOOP_STRATEGY=random so that the facade's runs use the native runs' \
             strategy"
        );
    }
    let only = args
        .get(2)
        .map(|w| (w.as_str(), args.get(3).map_or("facade", String::as_str)));
    println!(
        "workload              n   native (median ± spread)   facade (median ± spread)  facade/native"
    );
    for (id, workload, size) in WORKLOADS {
        let n = (size / divisor).max(params::PRODUCERS);
        let n = n - n % params::PRODUCERS;
        if let Some((w, side)) = only {
            if w == id {
                let (input, expect) = simloop_bench::prepare(workload, n);
                let out = run(side, &input);
                assert_eq!(out, expect, "{side}: the outcome is not the model's");
                println!("{id} {side}: {out:?} (as the model says)");
            }
            continue;
        }
        let (input, expect) = simloop_bench::prepare(workload, n);
        let [(native, ns), (facade, fs)] = measure(&input, expect, runs);
        println!(
            "{:<18} {n:>7} {:>12.1?} ± {:<10.1?} {:>12.1?} ± {:<10.1?} {:>8.3}",
            format!("{} {}", id.to_uppercase(), workload.name()),
            native,
            ns,
            facade,
            fs,
            facade.as_secs_f64() / native.as_secs_f64()
        );
    }
}
