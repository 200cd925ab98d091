//! A zero timeout expires from a callback queued before its first poll, as
//! asyncio's `timeout(0)` does. Under FIFO order that callback always runs
//! before the task's next poll; under other strategies the task may be
//! polled first, and it must still find its deadline passed: a zero timeout
//! never completes after its first poll, whatever the order.

use std::time::Duration;

use simloop::{Sim, Strategy, task, time};

async fn zero_timeout_around_a_yield() -> Result<u32, time::Elapsed> {
    time::timeout(Duration::ZERO, async {
        task::yield_now().await;
        7
    })
    .await
}

#[test]
fn under_every_order_a_zero_timeout_around_a_yield_times_out() {
    for strategy in [Strategy::Fifo, Strategy::Random, Strategy::Pct { depth: 2 }] {
        let mut orders = std::collections::BTreeSet::new();
        for seed in 0..64 {
            let report = Sim::builder()
                .seed(seed)
                .strategy(strategy.clone())
                .build()
                .run_report(zero_timeout_around_a_yield())
                .unwrap();
            assert!(
                report.value.is_err(),
                "seed {seed}, {strategy}: {:?} (schedule {})",
                report.value,
                report.schedule
            );
            orders.insert(report.schedule.to_string());
        }
        if strategy == Strategy::Random {
            assert!(
                orders.len() > 1,
                "random polls the task before the callback in some runs"
            );
        }
    }
}

#[test]
fn a_zero_timeout_whose_body_completes_at_once_is_in_time() {
    let value = Sim::new(0)
        .run(async { time::timeout(Duration::ZERO, async { 7 }).await })
        .unwrap();
    assert_eq!(value, Ok(7));
}
