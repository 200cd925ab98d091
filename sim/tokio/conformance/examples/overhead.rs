//! The facade's overhead over simloop's native API, on the benchmark
//! workloads W1 (spawn and sleep), W2 (ping-pong over bounded channels)
//! and W4 (a semaphore), each written twice: against `simloop` and
//! against `tokio` (the facade). Sizes are scaled down by the first
//! argument (default 10: a tenth of BENCHMARKS.md's).
//!
//! ```text
//! cargo run --release -p simloop-tokio-conformance --example overhead [DIVISOR]
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

fn draws(seed: u64, n: usize, lo: u64, hi: u64) -> Vec<u64> {
    // A small xorshift: the same delays for both versions.
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            lo + x % (hi - lo + 1)
        })
        .collect()
}

async fn w1_native(d: Vec<u64>) -> u64 {
    let count = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = d
        .into_iter()
        .map(|ms| {
            let c = Arc::clone(&count);
            simloop::task::spawn(async move {
                simloop::time::sleep(Duration::from_millis(ms)).await;
                c.fetch_add(1, Ordering::Relaxed);
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    count.load(Ordering::Relaxed)
}

async fn w1_facade(d: Vec<u64>) -> u64 {
    let count = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = d
        .into_iter()
        .map(|ms| {
            let c = Arc::clone(&count);
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                c.fetch_add(1, Ordering::Relaxed);
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    count.load(Ordering::Relaxed)
}

async fn w2_native(m: u64) -> u64 {
    let (tx1, rx1) = simloop::sync::channel::<u64>(1);
    let (tx2, rx2) = simloop::sync::channel::<u64>(1);
    let pong = simloop::task::spawn(async move {
        while let Some(v) = rx1.recv().await {
            if tx2.send(v + 1).await.is_err() {
                break;
            }
        }
    });
    let ping = simloop::task::spawn(async move {
        for i in 0..m {
            tx1.send(i).await.unwrap();
            assert_eq!(rx2.recv().await.unwrap(), i + 1);
        }
    });
    ping.await.unwrap();
    pong.await.unwrap();
    m
}

async fn w2_facade(m: u64) -> u64 {
    let (tx1, mut rx1) = tokio::sync::mpsc::channel::<u64>(1);
    let (tx2, mut rx2) = tokio::sync::mpsc::channel::<u64>(1);
    let pong = tokio::spawn(async move {
        while let Some(v) = rx1.recv().await {
            if tx2.send(v + 1).await.is_err() {
                break;
            }
        }
    });
    let ping = tokio::spawn(async move {
        for i in 0..m {
            tx1.send(i).await.unwrap();
            assert_eq!(rx2.recv().await.unwrap(), i + 1);
        }
    });
    ping.await.unwrap();
    pong.await.unwrap();
    m
}

async fn w4_native(lat: Arc<Vec<u64>>) -> u64 {
    let sem = Arc::new(simloop::sync::Semaphore::new(100));
    let k = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = (0..lat.len())
        .map(|_| {
            let (sem, k, lat) = (Arc::clone(&sem), Arc::clone(&k), Arc::clone(&lat));
            simloop::task::spawn(async move {
                let _permit = sem.acquire().await;
                let i = k.fetch_add(1, Ordering::Relaxed) as usize;
                simloop::time::sleep(Duration::from_millis(lat[i])).await;
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    k.load(Ordering::Relaxed)
}

async fn w4_facade(lat: Arc<Vec<u64>>) -> u64 {
    let sem = Arc::new(tokio::sync::Semaphore::new(100));
    let k = Arc::new(AtomicU64::new(0));
    let handles: Vec<_> = (0..lat.len())
        .map(|_| {
            let (sem, k, lat) = (Arc::clone(&sem), Arc::clone(&k), Arc::clone(&lat));
            tokio::spawn(async move {
                let _permit = sem.acquire().await.unwrap();
                let i = k.fetch_add(1, Ordering::Relaxed) as usize;
                tokio::time::sleep(Duration::from_millis(lat[i])).await;
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    k.load(Ordering::Relaxed)
}

/// The best of three wall-clock timings of one run (outside the
/// simulation: the harness's clock, not the simulated one).
fn best<F: Fn() -> u64>(f: F) -> (Duration, u64) {
    let mut best = Duration::MAX;
    let mut out = 0;
    for _ in 0..3 {
        let start = std::time::Instant::now();
        out = f();
        best = best.min(start.elapsed());
    }
    (best, out)
}

fn main() {
    let divisor: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10);
    let sim = || simloop::Sim::builder().seed(1).build();
    let n1 = 100_000 / divisor;
    let m2 = 1_000_000 / divisor as u64;
    let n4 = 100_000 / divisor;
    let d1 = draws(1, n1, 0, 10_000);
    let lat = Arc::new(draws(4, n4, 10, 100));
    let rows = [
        (
            "W1 spawn_sleep",
            best(|| sim().run(w1_native(d1.clone())).unwrap()),
            best(|| sim().run(w1_facade(d1.clone())).unwrap()),
        ),
        (
            "W2 ping_pong",
            best(|| sim().run(w2_native(m2)).unwrap()),
            best(|| sim().run(w2_facade(m2)).unwrap()),
        ),
        (
            "W4 semaphore",
            best(|| sim().run(w4_native(Arc::clone(&lat))).unwrap()),
            best(|| sim().run(w4_facade(Arc::clone(&lat))).unwrap()),
        ),
    ];
    println!("workload          native      facade   overhead  (sizes / {divisor})");
    for (name, (native, a), (facade, b)) in rows {
        assert_eq!(a, b, "{name}: both versions do the same work");
        let overhead = facade.as_secs_f64() / native.as_secs_f64() - 1.0;
        println!(
            "{name:<16} {:>8.1?} {:>10.1?} {:>+9.1}%",
            native,
            facade,
            overhead * 100.0
        );
    }
}
