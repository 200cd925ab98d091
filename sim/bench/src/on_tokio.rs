//! The workloads on tokio's current-thread runtime with a paused,
//! auto-advancing clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use tokio::sync::{Mutex, Semaphore, mpsc};
use tokio::time::{self, Instant};

use crate::{Input, Outcome};

fn block_on<F: Future>(future: F) -> F::Output {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("tokio runtime");
    let out = rt.block_on(future);
    drop(rt);
    out
}

/// Runs `input`.
pub fn run(input: &Input) -> Outcome {
    match input {
        Input::SpawnSleep(d) => block_on(spawn_sleep(Arc::clone(d))),
        Input::PingPong(m) => block_on(ping_pong(*m)),
        Input::ProducerConsumer { per_producer, d, e } => block_on(producer_consumer(
            *per_producer,
            Arc::clone(d),
            Arc::clone(e),
        )),
        Input::Semaphore(lat) => block_on(semaphore(Arc::clone(lat))),
        Input::SeedSweep(n) => {
            let mut out = Outcome {
                elapsed: Duration::ZERO,
                count: 0,
                sum: 0,
            };
            for _ in 0..*n {
                let elapsed = block_on(three_sleepers());
                out.elapsed = out.elapsed.max(elapsed);
                out.count += u64::from(elapsed == Duration::from_secs(1));
            }
            out
        }
    }
}

async fn spawn_sleep(d: Arc<[u64]>) -> Outcome {
    let start = Instant::now();
    let counter = Arc::new(AtomicU64::new(0));
    let mut handles = Vec::with_capacity(d.len());
    for &ms in d.iter() {
        let counter = Arc::clone(&counter);
        let future = async move {
            time::sleep(Duration::from_millis(ms)).await;
            counter.fetch_add(1, Relaxed);
        };
        if handles.is_empty() {
            crate::note_future_size(&future);
        }
        handles.push(tokio::spawn(future));
    }
    for h in handles {
        h.await.expect("W1 task");
    }
    Outcome {
        elapsed: start.elapsed(),
        count: counter.load(Relaxed),
        sum: 0,
    }
}

async fn ping_pong(m: u64) -> Outcome {
    let start = Instant::now();
    let (tx1, mut rx1) = mpsc::channel::<u64>(1);
    let (tx2, mut rx2) = mpsc::channel::<u64>(1);
    let pong = tokio::spawn(async move {
        let mut answered = 0;
        while let Some(v) = rx1.recv().await {
            tx2.send(v + 1).await.expect("ping listens");
            answered += 1;
        }
        answered
    });
    let ping = tokio::spawn(async move {
        let mut checked = 0;
        for i in 0..m {
            tx1.send(i).await.expect("pong listens");
            if rx2.recv().await == Some(i + 1) {
                checked += 1;
            }
        }
        drop(tx1);
        checked
    });
    let checked = ping.await.expect("ping");
    let answered = pong.await.expect("pong");
    Outcome {
        elapsed: start.elapsed(),
        count: checked,
        sum: answered,
    }
}

async fn producer_consumer(per_producer: usize, d: Arc<[u64]>, e: Arc<[u64]>) -> Outcome {
    let start = Instant::now();
    let (tx, rx) = mpsc::channel::<u64>(crate::params::W3_CAPACITY);
    let rx = Arc::new(Mutex::new(rx));
    let taken = Arc::new(AtomicUsize::new(0));
    let consumed = Arc::new(AtomicU64::new(0));
    let sum = Arc::new(AtomicU64::new(0));
    let producers: Vec<_> = (0..crate::params::PRODUCERS)
        .map(|p| {
            let (tx, d) = (tx.clone(), Arc::clone(&d));
            tokio::spawn(async move {
                for k in 0..per_producer {
                    let item = p * per_producer + k;
                    time::sleep(Duration::from_millis(d[item])).await;
                    tx.send(item as u64).await.expect("consumers listen");
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..crate::params::CONSUMERS)
        .map(|_| {
            let (rx, e) = (Arc::clone(&rx), Arc::clone(&e));
            let (taken, consumed, sum) =
                (Arc::clone(&taken), Arc::clone(&consumed), Arc::clone(&sum));
            tokio::spawn(async move {
                loop {
                    let item = rx.lock().await.recv().await;
                    let Some(item) = item else { break };
                    let j = taken.fetch_add(1, Relaxed);
                    time::sleep(Duration::from_millis(e[j])).await;
                    consumed.fetch_add(1, Relaxed);
                    sum.fetch_add(item, Relaxed);
                }
            })
        })
        .collect();
    drop(tx);
    for p in producers {
        p.await.expect("producer");
    }
    for c in consumers {
        c.await.expect("consumer");
    }
    Outcome {
        elapsed: start.elapsed(),
        count: consumed.load(Relaxed),
        sum: sum.load(Relaxed),
    }
}

async fn semaphore(lat: Arc<[u64]>) -> Outcome {
    let start = Instant::now();
    let sem = Arc::new(Semaphore::new(crate::params::PERMITS));
    let acquired = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..lat.len())
        .map(|_| {
            let (sem, lat) = (Arc::clone(&sem), Arc::clone(&lat));
            let (acquired, done) = (Arc::clone(&acquired), Arc::clone(&done));
            tokio::spawn(async move {
                let permit = sem.acquire().await.expect("never closed");
                let k = acquired.fetch_add(1, Relaxed);
                time::sleep(Duration::from_millis(lat[k])).await;
                drop(permit);
                done.fetch_add(1, Relaxed);
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("request");
    }
    Outcome {
        elapsed: start.elapsed(),
        count: done.load(Relaxed),
        sum: 0,
    }
}

async fn three_sleepers() -> Duration {
    let start = Instant::now();
    let tasks: Vec<_> = (0..3)
        .map(|_| tokio::spawn(time::sleep(Duration::from_secs(1))))
        .collect();
    for t in tasks {
        t.await.expect("sleeper");
    }
    start.elapsed()
}
