//! The workloads on the [floor](crate::floor) executor.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use crate::floor::{self as time, Semaphore, channel, spawn};
use crate::{Input, Outcome};

fn block_on<F: Future + 'static>(future: F) -> F::Output
where
    F::Output: 'static,
{
    time::run(future)
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
    let start = time::now();
    let counter = Rc::new(Cell::new(0u64));
    let mut handles = Vec::with_capacity(d.len());
    for &ms in d.iter() {
        let counter = Rc::clone(&counter);
        let future = async move {
            time::sleep(Duration::from_millis(ms)).await;
            counter.set(counter.get() + 1);
        };
        if handles.is_empty() {
            crate::note_future_size(&future);
        }
        handles.push(spawn(future));
    }
    for h in handles {
        h.await;
    }
    Outcome {
        elapsed: time::now() - start,
        count: counter.get(),
        sum: 0,
    }
}

async fn ping_pong(m: u64) -> Outcome {
    let start = time::now();
    let (tx1, rx1) = channel::<u64>(1);
    let (tx2, rx2) = channel::<u64>(1);
    let pong = spawn(async move {
        let mut answered = 0;
        while let Some(v) = rx1.recv().await {
            tx2.send(v + 1).await;
            answered += 1;
        }
        answered
    });
    let ping = spawn(async move {
        let mut checked = 0;
        for i in 0..m {
            tx1.send(i).await;
            if rx2.recv().await == Some(i + 1) {
                checked += 1;
            }
        }
        drop(tx1);
        checked
    });
    let checked = ping.await;
    let answered = pong.await;
    Outcome {
        elapsed: time::now() - start,
        count: checked,
        sum: answered,
    }
}

async fn producer_consumer(per_producer: usize, d: Arc<[u64]>, e: Arc<[u64]>) -> Outcome {
    let start = time::now();
    let (tx, rx) = channel::<u64>(crate::params::W3_CAPACITY);
    let rx = Rc::new(rx);
    let taken = Rc::new(Cell::new(0usize));
    let consumed = Rc::new(Cell::new(0u64));
    let sum = Rc::new(Cell::new(0u64));
    let producers: Vec<_> = (0..crate::params::PRODUCERS)
        .map(|p| {
            let (tx, d) = (tx.clone(), Arc::clone(&d));
            spawn(async move {
                for k in 0..per_producer {
                    let item = p * per_producer + k;
                    time::sleep(Duration::from_millis(d[item])).await;
                    tx.send(item as u64).await;
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..crate::params::CONSUMERS)
        .map(|_| {
            let (rx, e) = (Rc::clone(&rx), Arc::clone(&e));
            let (taken, consumed, sum) = (Rc::clone(&taken), Rc::clone(&consumed), Rc::clone(&sum));
            spawn(async move {
                while let Some(item) = rx.recv().await {
                    let j = taken.get();
                    taken.set(j + 1);
                    time::sleep(Duration::from_millis(e[j])).await;
                    consumed.set(consumed.get() + 1);
                    sum.set(sum.get() + item);
                }
            })
        })
        .collect();
    drop(tx);
    for p in producers {
        p.await;
    }
    for c in consumers {
        c.await;
    }
    Outcome {
        elapsed: time::now() - start,
        count: consumed.get(),
        sum: sum.get(),
    }
}

async fn semaphore(lat: Arc<[u64]>) -> Outcome {
    let start = time::now();
    let sem = Rc::new(Semaphore::new(crate::params::PERMITS));
    let acquired = Rc::new(Cell::new(0usize));
    let done = Rc::new(Cell::new(0u64));
    let tasks: Vec<_> = (0..lat.len())
        .map(|_| {
            let (sem, lat) = (Rc::clone(&sem), Arc::clone(&lat));
            let (acquired, done) = (Rc::clone(&acquired), Rc::clone(&done));
            spawn(async move {
                sem.acquire().await;
                let k = acquired.get();
                acquired.set(k + 1);
                time::sleep(Duration::from_millis(lat[k])).await;
                sem.release();
                done.set(done.get() + 1);
            })
        })
        .collect();
    for t in tasks {
        t.await;
    }
    Outcome {
        elapsed: time::now() - start,
        count: done.get(),
        sum: 0,
    }
}

async fn three_sleepers() -> Duration {
    let start = time::now();
    let tasks: Vec<_> = (0..3)
        .map(|_| spawn(time::sleep(Duration::from_secs(1))))
        .collect();
    for t in tasks {
        t.await;
    }
    time::now() - start
}
