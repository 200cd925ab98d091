//! divan's statistics for each workload on each runtime, at the quick sizes
//! (`cargo bench -p simloop-bench`). The comparison table with every check
//! is `cargo run --release -p simloop-bench`.

use simloop_bench::{Input, Outcome, Runtime, Strategy, Workload, prepare, run};

fn main() {
    divan::main();
}

const RUNTIMES: [&str; 4] = ["simloop-random", "simloop-fifo", "tokio", "floor"];

fn runtime(name: &str) -> Runtime {
    match name {
        "simloop-random" => Runtime::simloop(),
        "simloop-fifo" => Runtime::simloop_with(Strategy::Fifo),
        "tokio" => Runtime::Tokio,
        _ => Runtime::Floor,
    }
}

fn bench(bencher: divan::Bencher, workload: Workload, n: usize, name: &str) {
    let (input, expect): (Input, Outcome) = prepare(workload, n);
    let rt = runtime(name);
    bencher.bench_local(|| {
        let got = run(&rt, &input);
        assert_eq!(got, expect, "{} on {name}", workload.name());
    });
}

#[divan::bench(args = RUNTIMES, sample_count = 5)]
fn w1_spawn_sleep_10k(bencher: divan::Bencher, name: &str) {
    bench(bencher, Workload::SpawnSleep, 10_000, name);
}

#[divan::bench(args = RUNTIMES, sample_count = 5)]
fn w2_ping_pong_100k(bencher: divan::Bencher, name: &str) {
    bench(bencher, Workload::PingPong, 100_000, name);
}

#[divan::bench(args = RUNTIMES, sample_count = 5)]
fn w3_producer_consumer_50k(bencher: divan::Bencher, name: &str) {
    bench(bencher, Workload::ProducerConsumer, 50_000, name);
}

#[divan::bench(args = RUNTIMES, sample_count = 5)]
fn w4_semaphore_10k(bencher: divan::Bencher, name: &str) {
    bench(bencher, Workload::Semaphore, 10_000, name);
}

#[divan::bench(args = RUNTIMES, sample_count = 5)]
fn w5_seed_sweep_1k(bencher: divan::Bencher, name: &str) {
    bench(bencher, Workload::SeedSweep, 1_000, name);
}
