//! Nothing in `sim` mode may read tokio's thread-local RNG, the wall clock
//! or the OS random source. These tests run a `select!`-heavy tokio
//! program and compare what it did (every branch it took, at what virtual
//! time) and the run's fingerprint: on the same seed twice in a row, on
//! another thread, and in a child process, and across seeds. tokio's RNG
//! is seeded from the OS per thread, the OS source differs per process,
//! and the wall clock moves between runs: if any of them steered a
//! scheduling or `select!` choice, or leaked into a time the program
//! sees, one of the comparisons would differ.

use std::sync::Arc;
use std::time::Duration;

use simloop::{Fingerprint, Sim, Strategy};
use tokio::sync::{Notify, broadcast, mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, interval, sleep, timeout};

/// What one run did: one line per `select!` outcome, with the virtual
/// time in nanoseconds.
type Log = Vec<String>;

async fn program() -> Log {
    let start = Instant::now();
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (tx, rx) = mpsc::channel::<u32>(4);
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let (btx, _) = broadcast::channel::<u32>(8);
    let (stop_tx, stop_rx) = watch::channel(false);
    let notify = Arc::new(Notify::new());
    let mut set = JoinSet::new();
    for w in 0..4u32 {
        let (log, rx, notify) = (Arc::clone(&log), Arc::clone(&rx), Arc::clone(&notify));
        let mut brx = btx.subscribe();
        let mut stop = stop_rx.clone();
        set.spawn(async move {
            let mut tick = interval(Duration::from_millis(3 + u64::from(w)));
            loop {
                let what = tokio::select! {
                    _ = tick.tick() => "tick".to_string(),
                    v = async { rx.lock().await.recv().await } => format!("recv {v:?}"),
                    v = brx.recv() => format!("broadcast {v:?}"),
                    _ = notify.notified() => "notified".to_string(),
                    r = timeout(Duration::from_millis(2), std::future::pending::<()>()) => {
                        format!("timeout {}", r.is_err())
                    }
                    _ = stop.changed() => break,
                };
                let at = start.elapsed().as_nanos();
                log.lock().unwrap().push(format!("w{w} {what} @{at}"));
            }
        });
    }
    for i in 0..12u32 {
        // Several branches of several workers are ready at once here.
        tx.send(i).await.unwrap();
        let _ = btx.send(i);
        notify.notify_one();
        sleep(Duration::from_millis(1)).await;
    }
    stop_tx.send(true).unwrap();
    while let Some(r) = set.join_next().await {
        r.unwrap();
    }
    let log = log.lock().unwrap().clone();
    // Every time the program saw is a whole number of milliseconds: a
    // wall-clock reading would not be.
    for line in &log {
        let at: u128 = line.rsplit('@').next().unwrap().parse().unwrap();
        assert_eq!(at % 1_000_000, 0, "a time that is not virtual: {line}");
    }
    log
}

fn run(seed: u64) -> (Log, Fingerprint) {
    let report = Sim::builder()
        .seed(seed)
        .strategy(Strategy::Random)
        .build()
        .run_report(program())
        .unwrap();
    let fingerprint = report.fingerprint();
    (report.value().clone(), fingerprint)
}

/// One line a child process prints for a seed, and the parent reads.
fn summary(seed: u64) -> String {
    let (log, fingerprint) = run(seed);
    let digest = log
        .iter()
        .flat_map(|l| l.bytes())
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    format!(
        "seed {seed}: fingerprint {fingerprint}, {} lines, log {digest:016x}",
        log.len()
    )
}

const SEEDS: [u64; 3] = [1, 7, 1234];

#[test]
fn the_same_seed_does_the_same_twice_and_on_another_thread() {
    for seed in SEEDS {
        let first = run(seed);
        assert_eq!(run(seed), first, "seed {seed} differed in one thread");
        let other = std::thread::spawn(move || run(seed)).join().unwrap();
        assert_eq!(other, first, "seed {seed} differed on another thread");
        assert!(
            first.0.len() > 40,
            "the program did work: {}",
            first.0.len()
        );
    }
}

#[test]
fn seeds_steer_the_interleavings_and_branch_orders() {
    let logs: std::collections::BTreeSet<Log> = (0..8).map(|s| run(s).0).collect();
    assert!(
        logs.len() >= 6,
        "only {} different runs in 8 seeds",
        logs.len()
    );
}

/// With a single task, no scheduling choice is left: what differs across
/// seeds is `select!`'s branch order alone, so it comes from the seed (and,
/// by the test above, from nothing else).
#[test]
fn select_branch_order_comes_from_the_seed_alone() {
    let picks = |seed: u64| {
        Sim::builder()
            .seed(seed)
            .strategy(Strategy::Fifo)
            .build()
            .run(async {
                let mut picks = Vec::new();
                for _ in 0..16 {
                    picks.push(tokio::select! {
                        a = async { 0 } => a,
                        b = async { 1 } => b,
                        c = async { 2 } => c,
                    });
                }
                picks
            })
            .unwrap()
    };
    let seeds: Vec<Vec<u8>> = (0..6).map(picks).collect();
    for (seed, p) in seeds.iter().enumerate() {
        assert_eq!(&picks(seed as u64), p, "seed {seed}");
        assert!(
            p.iter().collect::<std::collections::BTreeSet<_>>().len() > 1,
            "{p:?}"
        );
    }
    assert!(seeds.windows(2).any(|w| w[0] != w[1]), "{seeds:?}");
}

const CHILD: &str = "SIMLOOP_TOKIO_DETERMINISM_CHILD";

/// Run by the test below in a child process; prints the summaries.
#[test]
fn child_process_summaries() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    for seed in SEEDS {
        println!("@@ {}", summary(seed));
    }
}

#[test]
fn another_process_does_the_same() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "child_process_summaries",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The harness may print `test ... ` before the first line on the same
    // line, so look for the marker anywhere.
    let theirs: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.find("@@ ").map(|i| &l[i + 3..]))
        .collect();
    let ours: Vec<String> = SEEDS.iter().map(|&s| summary(s)).collect();
    assert_eq!(theirs, ours);
}
