//! Prints the benchmark table: every workload of `BENCHMARKS.md` on simloop
//! (Random and Fifo), tokio's paused clock and the floor executor, in one
//! interleaved run, each result checked against its model; peak memory per
//! task at W6's largest size; the cost of simloop's options.
//!
//! ```text
//! cargo run --release -p simloop-bench             # the full sizes (a few minutes)
//! cargo run --release -p simloop-bench -- --quick  # sizes / 10 (SIMLOOP_BENCH_QUICK=1)
//! ```
//!
//! Other flags: `--reps N` (runs per cell, default 5), `--only W1,W3`,
//! `--no-options`, `--no-memory`, and `--one WORKLOAD RUNTIME N`, which runs
//! one cell once (for `valgrind --tool=callgrind`; RUNTIME `none` only draws
//! the parameters, to subtract). Runtimes: `random`, `fifo`, `pct`, `trace`,
//! `tokio`, `floor`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use simloop_bench::{
    Input, Outcome, Runtime, Strategy, W1_FUTURE_SIZE, Workload, prepare, record_schedule, run,
};

/// Counts live heap bytes when switched on (only in the memory child).
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);

fn count(delta: i64) {
    if COUNTING.load(Relaxed) {
        let now = LIVE.fetch_add(delta, Relaxed) + delta;
        PEAK.fetch_max(now, Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as i64);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as i64));
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as i64);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as i64 - layout.size() as i64);
        // SAFETY: `ptr` came from `System` with `layout`; the caller upholds
        // `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

struct Sizes {
    w1: usize,
    w2: usize,
    w3: usize,
    w4: usize,
    w5: usize,
    w6: [usize; 3],
}

const FULL: Sizes = Sizes {
    w1: 100_000,
    w2: 1_000_000,
    w3: 500_000,
    w4: 100_000,
    w5: 10_000,
    w6: [10_000, 100_000, 1_000_000],
};

const QUICK: Sizes = Sizes {
    w1: 10_000,
    w2: 100_000,
    w3: 50_000,
    w4: 10_000,
    w5: 1_000,
    w6: [1_000, 10_000, 100_000],
};

struct Row {
    id: String,
    workload: Workload,
    n: usize,
}

fn rows(sizes: &Sizes) -> Vec<Row> {
    let mut rows = vec![
        row("W1", Workload::SpawnSleep, sizes.w1),
        row("W2", Workload::PingPong, sizes.w2),
        row("W3", Workload::ProducerConsumer, sizes.w3),
        row("W4", Workload::Semaphore, sizes.w4),
        row("W5", Workload::SeedSweep, sizes.w5),
    ];
    for n in sizes.w6 {
        rows.push(row(&format!("W6/{}", short(n)), Workload::SpawnSleep, n));
    }
    rows
}

fn row(id: &str, workload: Workload, n: usize) -> Row {
    Row {
        id: id.to_owned(),
        workload,
        n,
    }
}

fn short(n: usize) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

fn runtime_named(name: &str) -> Option<Runtime> {
    Some(match name {
        "random" => Runtime::simloop(),
        "fifo" => Runtime::simloop_with(Strategy::Fifo),
        "pct" => Runtime::simloop_with(Strategy::Pct { depth: 3 }),
        "trace" => Runtime::Simloop {
            strategy: Strategy::Random,
            trace: true,
        },
        "tokio" => Runtime::Tokio,
        "floor" => Runtime::Floor,
        _ => return None,
    })
}

fn workload_named(name: &str) -> Option<Workload> {
    Some(match name.to_ascii_uppercase().as_str() {
        "W1" | "W6" => Workload::SpawnSleep,
        "W2" => Workload::PingPong,
        "W3" => Workload::ProducerConsumer,
        "W4" => Workload::Semaphore,
        "W5" => Workload::SeedSweep,
        _ => return None,
    })
}

/// Runs once, timed, and checks the outcome.
fn timed(runtime: &Runtime, input: &Input, expect: &Outcome, what: &str) -> Duration {
    let start = Instant::now();
    let got = run(runtime, input);
    let wall = start.elapsed();
    if got != *expect {
        eprintln!(
            "WRONG ANSWER: {what} on {}: got {got:?}, the model says {expect:?}",
            runtime.label()
        );
        std::process::exit(1);
    }
    wall
}

fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v[v.len() / 2]
}

fn spread(v: &[Duration]) -> f64 {
    let (lo, hi) = (v.iter().min().unwrap(), v.iter().max().unwrap());
    (hi.as_secs_f64() - lo.as_secs_f64()) / median(v).as_secs_f64() * 100.0
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1e3)
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

fn geomean(v: &[f64]) -> f64 {
    (v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64).exp()
}

struct Args {
    sizes: Sizes,
    quick: bool,
    reps: usize,
    only: Option<Vec<String>>,
    options: bool,
    memory: bool,
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().map(String::as_str) == Some("--mem-child") {
        return mem_child(&argv[1], argv[2].parse().expect("size"));
    }
    if argv.first().map(String::as_str) == Some("--one") {
        return one(&argv[1..]);
    }
    let mut args = Args {
        sizes: FULL,
        quick: false,
        reps: 5,
        only: None,
        options: true,
        memory: true,
    };
    if std::env::var_os("SIMLOOP_BENCH_QUICK").is_some_and(|v| v != "0") {
        args.quick = true;
    }
    let mut it = argv.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => args.quick = true,
            "--reps" => args.reps = it.next().and_then(|s| s.parse().ok()).expect("--reps N"),
            "--only" => {
                args.only = Some(
                    it.next()
                        .expect("--only W1,W2")
                        .split(',')
                        .map(str::to_ascii_uppercase)
                        .collect(),
                )
            }
            "--no-options" => args.options = false,
            "--no-memory" => args.memory = false,
            other => {
                eprintln!("unknown argument {other:?}; see the top of sim/bench/src/main.rs");
                std::process::exit(2);
            }
        }
    }
    if args.quick {
        args.sizes = QUICK;
    }
    report(&args);
}

fn report(args: &Args) {
    let rows: Vec<Row> = rows(&args.sizes)
        .into_iter()
        .filter(|r| {
            args.only.as_ref().is_none_or(|only| {
                only.iter()
                    .any(|o| r.id == *o || r.id.starts_with(&format!("{o}/")))
            })
        })
        .collect();
    let columns = [
        Runtime::simloop(),
        Runtime::simloop_with(Strategy::Fifo),
        Runtime::Tokio,
        Runtime::Floor,
    ];
    println!(
        "simloop benchmark: {} sizes, median of {} interleaved runs per cell; wall times in ms",
        if args.quick { "quick" } else { "full" },
        args.reps
    );
    let inputs: Vec<(Input, Outcome)> = rows.iter().map(|r| prepare(r.workload, r.n)).collect();
    let mut walls = vec![vec![Vec::new(); columns.len()]; rows.len()];
    for _ in 0..args.reps {
        for (i, r) in rows.iter().enumerate() {
            for (c, rt) in columns.iter().enumerate() {
                let (input, expect) = &inputs[i];
                walls[i][c].push(timed(rt, input, expect, &r.id));
            }
        }
    }
    println!();
    println!(
        "| workload | n | simloop random | simloop fifo | tokio | floor | random/tokio | random/floor | fifo/tokio | fifo/floor | ns/op (random) | elapsed (model) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    let mut geo = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
    for (i, r) in rows.iter().enumerate() {
        let med: Vec<Duration> = walls[i].iter().map(|w| median(w)).collect();
        let cell = |c: usize| format!("{} ±{:.0}%", ms(med[c]), spread(&walls[i][c]));
        let ratios = [
            ratio(med[0], med[2]),
            ratio(med[0], med[3]),
            ratio(med[1], med[2]),
            ratio(med[1], med[3]),
        ];
        if !r.id.starts_with("W6") {
            for (g, x) in geo.iter_mut().zip(ratios) {
                g.push(x);
            }
        }
        println!(
            "| {} {} | {} | {} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0} | {:?} = model |",
            r.id,
            r.workload.name(),
            short(r.n),
            cell(0),
            cell(1),
            cell(2),
            cell(3),
            ratios[0],
            ratios[1],
            ratios[2],
            ratios[3],
            med[0].as_nanos() as f64 / r.n as f64,
            inputs[i].1.elapsed,
        );
    }
    if geo[0].len() > 1 {
        println!(
            "| geometric mean W1–W5 | | | | | | {:.2} | {:.2} | {:.2} | {:.2} | | |",
            geomean(&geo[0]),
            geomean(&geo[1]),
            geomean(&geo[2]),
            geomean(&geo[3])
        );
    }
    // W6 growth of the cost per task.
    let w6: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].id.starts_with("W6"))
        .collect();
    if w6.len() >= 2 {
        let (a, b) = (w6[0], w6[w6.len() - 1]);
        println!();
        print!(
            "W6 cost per task from {} to {} tasks grows by:",
            short(rows[a].n),
            short(rows[b].n)
        );
        for (c, rt) in columns.iter().enumerate() {
            let per = |i: usize| median(&walls[i][c]).as_secs_f64() / rows[i].n as f64;
            print!(" {} {:.2}x;", rt.label(), per(b) / per(a));
        }
        println!();
    }
    if args.memory {
        memory(args.sizes.w6[2], &columns);
    }
    if args.options {
        options(args, &rows, &inputs);
    }
}

/// Runs W6 at `n` in a child process per runtime and prints its peak memory.
fn memory(n: usize, columns: &[Runtime]) {
    println!();
    println!(
        "Peak memory at W6 with {} tasks (one child process per runtime):",
        short(n)
    );
    println!();
    println!(
        "| runtime | peak heap | heap per task | task future | runtime bytes per task beyond the future | max RSS |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let exe = std::env::current_exe().expect("own path");
    for (name, rt) in ["random", "fifo", "tokio", "floor"].iter().zip(columns) {
        let out = Command::new(&exe)
            .args(["--mem-child", name, &n.to_string()])
            .output()
            .expect("memory child");
        let text = String::from_utf8_lossy(&out.stdout);
        let nums: Vec<i64> = text
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        let [peak, future, rss_kb] = nums[..] else {
            eprintln!(
                "memory child for {name} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            continue;
        };
        let per_task = peak as f64 / n as f64;
        println!(
            "| {} | {:.1} MB | {:.0} B | {} B | {:.0} B | {:.1} MB |",
            rt.label(),
            peak as f64 / 1e6,
            per_task,
            future,
            per_task - future as f64,
            rss_kb as f64 / 1e3,
        );
    }
}

/// The memory child: prints the peak live heap of one W6 run (beyond what
/// was live before it), the size of one task's future, and the max RSS.
fn mem_child(name: &str, n: usize) {
    let rt = runtime_named(name).expect("runtime name");
    let (input, expect) = prepare(Workload::SpawnSleep, n);
    LIVE.store(0, Relaxed);
    PEAK.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
    let got = run(&rt, &input);
    COUNTING.store(false, Relaxed);
    assert_eq!(got, expect, "W6 on {name}");
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<i64>().ok())
        .unwrap_or(0);
    println!(
        "{} {} {}",
        PEAK.load(Relaxed),
        W1_FUTURE_SIZE.load(Relaxed),
        hwm
    );
}

/// The cost of simloop's options, as ratios to the default (Random, tracing
/// off), on W1–W4.
fn options(args: &Args, rows: &[Row], inputs: &[(Input, Outcome)]) {
    let picked: Vec<usize> = (0..rows.len())
        .filter(|&i| {
            matches!(
                rows[i].workload,
                Workload::SpawnSleep
                    | Workload::PingPong
                    | Workload::ProducerConsumer
                    | Workload::Semaphore
            ) && !rows[i].id.starts_with("W6")
        })
        .collect();
    if picked.is_empty() {
        return;
    }
    let reps = args.reps.min(3);
    println!();
    println!(
        "Cost of simloop's options, median wall time as a ratio to the default (Random, tracing off), {reps} interleaved runs:"
    );
    println!();
    println!(
        "| workload | random (ms) | fifo | pct:3 | replay of the random run | random + tracing on |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for &i in &picked {
        let (input, expect) = &inputs[i];
        let schedule = record_schedule(&Strategy::Random, input).expect("a schedule");
        let variants = [
            Runtime::simloop(),
            Runtime::simloop_with(Strategy::Fifo),
            Runtime::simloop_with(Strategy::Pct { depth: 3 }),
            Runtime::simloop_with(Strategy::Replay(schedule)),
            Runtime::Simloop {
                strategy: Strategy::Random,
                trace: true,
            },
        ];
        let mut walls = vec![Vec::new(); variants.len()];
        for _ in 0..reps {
            for (v, rt) in variants.iter().enumerate() {
                walls[v].push(timed(rt, input, expect, &rows[i].id));
            }
        }
        let med: Vec<Duration> = walls.iter().map(|w| median(w)).collect();
        println!(
            "| {} {} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
            rows[i].id,
            short(rows[i].n),
            ms(med[0]),
            ratio(med[1], med[0]),
            ratio(med[2], med[0]),
            ratio(med[3], med[0]),
            ratio(med[4], med[0]),
        );
    }
}

/// `--one WORKLOAD RUNTIME N`: one run, for instruction counts.
fn one(args: &[String]) {
    let usage = "--one WORKLOAD RUNTIME N, e.g. --one W2 random 1000000";
    let [w, r, n] = args else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let workload = workload_named(w).expect(usage);
    let n: usize = n.parse().expect(usage);
    let (input, expect) = prepare(workload, n);
    if r == "none" {
        return;
    }
    let rt = runtime_named(r).expect(usage);
    let got = run(&rt, &input);
    assert_eq!(got, expect, "{w} on {r}");
}
