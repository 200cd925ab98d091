//! How long a bounded exploration takes: `cargo run --release -p simloop
//! --example explore_speed` explores 1,000 schedules of a program of about
//! 100 steps (four tasks that each yield 25 times), once by preemptions and
//! once by deviations, and prints the wall time of each (medians of five
//! repetitions). Wall time is read here, outside the simulations, only to
//! report it.

use std::time::{Duration, Instant};

use simloop::harness::{Explorer, Order};
use simloop::{Sim, task};

async fn four_tasks_yielding() {
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            task::spawn_named(format!("t{i}"), async {
                for _ in 0..25 {
                    task::yield_now().await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("no task fails");
    }
}

fn main() {
    for order in [Order::Preemptions, Order::Deviations] {
        let explorer = Explorer::new(Sim::new(0))
            .order(order)
            .max_preemptions(3)
            .max_deviations(3)
            .max_runs(1000);
        let mut walls: Vec<Duration> = Vec::new();
        let mut last = None;
        for _ in 0..5 {
            let start = Instant::now();
            let exploration = explorer.run(|_| four_tasks_yielding());
            walls.push(start.elapsed());
            last = Some(exploration);
        }
        walls.sort();
        let exploration = last.expect("five repetitions");
        let steps: u64 = exploration.runs_made.iter().map(|r| r.steps).sum();
        println!(
            "{order:?}: {} schedules, {} steps per run on average, median {:.1} ms",
            exploration.runs,
            steps / exploration.runs.max(1) as u64,
            walls[2].as_secs_f64() * 1e3
        );
    }
}
