//! A producer/consumer pipeline over a bounded queue: every job is handled
//! exactly once, under 3,000 seeds. The README's measurement of the
//! `[profile.test.package.simloop] opt-level = 3` override times this file
//! in a crate of its own, outside this workspace (whose root `Cargo.toml`
//! sets the override already).

use simloop::{rand, sync::Queue, task, time};
use std::time::Duration;

/// Three producers, two consumers, a bounded queue: every job is handled once.
#[simloop::test(seeds = 3000)]
async fn every_job_is_handled_once() {
    let jobs = Queue::<u32>::with_capacity(4).named("jobs");
    let producers: Vec<_> = (0..3)
        .map(|p| {
            let jobs = jobs.clone();
            task::spawn_named(format!("producer-{p}"), async move {
                for i in 0..20 {
                    time::sleep(Duration::from_millis(rand::range(1..=30u64))).await;
                    jobs.put(p * 100 + i).await.unwrap();
                }
            })
        })
        .collect();
    let consumers: Vec<_> = (0..2)
        .map(|c| {
            let jobs = jobs.clone();
            task::spawn_named(format!("consumer-{c}"), async move {
                let mut got = Vec::new();
                while let Ok(job) = jobs.get().await {
                    time::sleep(Duration::from_millis(rand::range(1..=10u64))).await;
                    got.push(job);
                    jobs.task_done().unwrap();
                }
                got
            })
        })
        .collect();
    for p in producers {
        p.await.unwrap();
    }
    jobs.join().await;
    jobs.shutdown(false);
    let mut all = Vec::new();
    for c in consumers {
        all.extend(c.await.unwrap());
    }
    all.sort_unstable();
    assert_eq!(all.len(), 60);
    all.dedup();
    assert_eq!(all.len(), 60);
}
