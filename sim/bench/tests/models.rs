//! Every workload, at a tiny size, on every runtime and strategy, must give
//! exactly the model's virtual time, counts and sums (no timing here: the
//! figures come from `cargo run --release -p simloop-bench`).

use simloop_bench::{Runtime, Strategy, Workload, prepare, record_schedule, run};

const WORKLOADS: [(Workload, usize); 5] = [
    (Workload::SpawnSleep, 2_000),
    (Workload::PingPong, 1_000),
    (Workload::ProducerConsumer, 1_000),
    (Workload::Semaphore, 1_000),
    (Workload::SeedSweep, 20),
];

#[test]
fn every_runtime_matches_the_model() {
    let runtimes = [
        Runtime::simloop(),
        Runtime::simloop_with(Strategy::Fifo),
        Runtime::simloop_with(Strategy::Pct { depth: 3 }),
        Runtime::Simloop {
            strategy: Strategy::Random,
            trace: true,
        },
        Runtime::Tokio,
        Runtime::Floor,
    ];
    for (workload, n) in WORKLOADS {
        let (input, expect) = prepare(workload, n);
        for runtime in &runtimes {
            let got = run(runtime, &input);
            assert_eq!(got, expect, "{} on {}", workload.name(), runtime.label());
        }
        if let Some(schedule) = record_schedule(&Strategy::Random, &input) {
            let replay = Runtime::simloop_with(Strategy::Replay(schedule));
            assert_eq!(run(&replay, &input), expect, "{} replayed", workload.name());
        }
    }
}

#[test]
fn a_wrong_answer_is_caught() {
    // The check is not vacuous: a different input gives a different outcome.
    let (input, expect) = prepare(Workload::Semaphore, 1_000);
    let (_, other) = prepare(Workload::Semaphore, 999);
    assert_ne!(expect, other);
    assert_eq!(run(&Runtime::Floor, &input), expect);
}
