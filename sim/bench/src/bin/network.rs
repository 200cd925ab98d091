//! Prints the network workloads' table: W7 `echo_stream` and W8
//! `many_clients` on simloop's simulated network (Fifo and Random), the
//! same exchanges over simloop channels (the cost of a message without the
//! network), and tokio over real loopback TCP; every result is checked
//! against its model.
//!
//! ```text
//! cargo run --release -p simloop-bench --bin network             # W7 1M messages, W8 1000 × 100
//! cargo run --release -p simloop-bench --bin network -- --quick  # sizes / 10
//! ```
//!
//! Other flags: `--reps N` (runs per cell, default 3, the median is
//! printed), `--no-tokio`.
//!
//! For instruction counts, `--one WORKLOAD STRATEGY N [R]` runs one cell
//! once and checks it: `W7 fifo 100000` (the echo, `N` round trips),
//! `chan fifo 100000` (the same over channels with the sleep; `chan0`
//! without it), `W8 fifo 1000 5`
//! (`N` clients × `R` requests), `chan8 fifo 1000 5` (W8's exchanges over
//! channels), with `fifo` or `random`:
//!
//! ```text
//! valgrind --tool=callgrind --callgrind-out-file=w8.out \
//!     target/release/network --one W8 fifo 1000 5
//! ```

use std::time::{Duration, Instant};

use simloop_bench::Strategy;
use simloop_bench::net::{
    NetOutcome, channel_echo, channel_fanin, echo_model, echo_stream, fanin_latencies, fanin_model,
    many_clients, on_tokio,
};

struct Cell {
    workload: &'static str,
    runtime: &'static str,
    /// One-way messages the run carries.
    messages: u64,
    median: Duration,
}

fn measure(reps: usize, expected: NetOutcome, mut run: impl FnMut() -> NetOutcome) -> Duration {
    let mut times: Vec<Duration> = (0..reps)
        .map(|_| {
            let start = Instant::now();
            let outcome = run();
            let took = start.elapsed();
            assert_eq!(outcome, expected, "a run's result differs from its model");
            took
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// Runs the one cell `--one` names (see the module's doc), once.
fn one(args: &[String]) {
    let arg = |i: usize| args.get(i).map(String::as_str);
    let strategy = match arg(1) {
        Some("fifo") => Strategy::Fifo,
        Some("random") => Strategy::Random,
        other => panic!("--one: strategy `fifo` or `random`, not {other:?}"),
    };
    let number = |i: usize| -> u64 {
        arg(i)
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("--one: a number as argument {i}"))
    };
    let n = number(2);
    match arg(0) {
        Some("W7") => assert_eq!(echo_stream(n, strategy), echo_model(n, true)),
        Some("chan") => assert_eq!(channel_echo(n, strategy, true), echo_model(n, true)),
        Some("chan0") => assert_eq!(channel_echo(n, strategy, false), echo_model(n, false)),
        Some(w @ ("W8" | "chan8")) => {
            let r = number(3);
            let d = fanin_latencies(n, r);
            let model = fanin_model(n, r, &d, true);
            let out = if w == "W8" {
                many_clients(n, r, d, strategy)
            } else {
                channel_fanin(n, r, d, strategy)
            };
            assert_eq!(out, model);
        }
        other => panic!("--one: workload `W7`, `chan`, `chan0`, `W8` or `chan8`, not {other:?}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--one") {
        one(&args[i + 1..]);
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let tokio = !args.iter().any(|a| a == "--no-tokio");
    let reps = args
        .iter()
        .position(|a| a == "--reps")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(3usize)
        .max(1);
    let scale = if quick { 10 } else { 1 };
    let n = 1_000_000 / scale;
    let (c, r) = (1_000 / scale, 100);

    let mut cells = Vec::new();
    let mut cell = |workload, runtime, messages, median| {
        cells.push(Cell {
            workload,
            runtime,
            messages,
            median,
        });
    };
    for (name, strategy) in [
        ("simloop fifo", Strategy::Fifo),
        ("simloop random", Strategy::Random),
    ] {
        let t = measure(reps, echo_model(n, true), || {
            echo_stream(n, strategy.clone())
        });
        cell("W7 net_echo", name, 2 * n, t);
        let t = measure(reps, echo_model(n, true), || {
            channel_echo(n, strategy.clone(), true)
        });
        cell("W7 over channels", name, 2 * n, t);
    }
    let t = measure(reps, echo_model(n, false), || {
        let mut out = channel_echo(n, Strategy::Fifo, false);
        out.elapsed = Duration::ZERO;
        out
    });
    cell("W7 over channels, no sleep", "simloop fifo", 2 * n, t);
    if tokio {
        let t = measure(reps, echo_model(n, false), || on_tokio::echo_stream(n));
        cell("W7 net_echo", "tokio loopback", 2 * n, t);
    }
    let d = fanin_latencies(c, r);
    for (name, strategy) in [
        ("simloop fifo", Strategy::Fifo),
        ("simloop random", Strategy::Random),
    ] {
        let t = measure(reps, fanin_model(c, r, &d, true), || {
            many_clients(c, r, d.clone(), strategy.clone())
        });
        cell("W8 net_fanin", name, 2 * c * r, t);
        let t = measure(reps, fanin_model(c, r, &d, true), || {
            channel_fanin(c, r, d.clone(), strategy.clone())
        });
        cell("W8 over channels", name, 2 * c * r, t);
    }
    if tokio {
        let t = measure(reps, fanin_model(c, r, &d, false), || {
            on_tokio::many_clients(c, r)
        });
        cell("W8 net_fanin", "tokio loopback", 2 * c * r, t);
    }

    println!(
        "W7: {n} round trips over one stream; W8: {c} clients × {r} requests; median of {reps}; every result checked."
    );
    println!();
    println!("| workload | runtime | messages | wall | ns per message |");
    println!("|---|---|---:|---:|---:|");
    for cell in &cells {
        println!(
            "| {} | {} | {} | {:.1} ms | {:.0} |",
            cell.workload,
            cell.runtime,
            cell.messages,
            cell.median.as_secs_f64() * 1e3,
            per_message(cell)
        );
    }
    let find = |w: &str, rt: &str| {
        cells
            .iter()
            .find(|c| c.workload == w && c.runtime == rt)
            .map(per_message)
    };
    println!();
    for rt in ["simloop fifo", "simloop random"] {
        if let (Some(net), Some(chan)) = (find("W7 net_echo", rt), find("W7 over channels", rt)) {
            println!(
                "{rt}: W7, a message through the network costs {:.0} ns beyond a channel send with the same sleep.",
                net - chan
            );
        }
        if let (Some(net), Some(bare)) = (
            find("W7 net_echo", rt),
            find("W7 over channels, no sleep", "simloop fifo"),
        ) {
            println!(
                "{rt}: W7, a message through the network costs {:.0} ns beyond a bare channel send (Fifo, no sleep).",
                net - bare
            );
        }
        if let (Some(net), Some(chan)) = (find("W8 net_fanin", rt), find("W8 over channels", rt)) {
            println!(
                "{rt}: W8, a message through the network costs {:.0} ns beyond the same exchanges over channels with the same sleeps.",
                net - chan
            );
        }
    }
}

fn per_message(cell: &Cell) -> f64 {
    cell.median.as_nanos() as f64 / cell.messages as f64
}
