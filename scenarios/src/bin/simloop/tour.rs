//! `simloop tour`: every scenario once, telling its story.

use std::time::{Duration, Instant};

use clap::Args;
use simloop_scenarios::{Kind, all, human};

use crate::Status;

/// Options of `simloop tour`.
#[derive(Debug, Args)]
pub struct TourArgs {
    /// The seed of the runs (they use FIFO order, asyncio's).
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

/// Tells every scenario's story.
pub fn tour(args: &TourArgs) -> Status {
    println!(
        "simloop tour: the asyncio seed programs, run in virtual time (seed {}).",
        args.seed
    );
    println!();
    let mut status = Status::Ok;
    let mut simulated = Duration::ZERO;
    let mut runs = 0;
    let started = Instant::now();
    for scenario in all() {
        let start = Instant::now();
        let Some(story) = scenario.story(args.seed) else {
            continue;
        };
        let wall = start.elapsed();
        let from = match scenario.kind {
            Kind::Bug => "a concurrency bug".to_owned(),
            _ => format!("seed {}", scenario.seed_files),
        };
        println!("{} ({from})", scenario.name);
        match story {
            Ok(story) => {
                for line in &story.lines {
                    println!("  {line}");
                }
                println!(
                    "  ({} run(s), {} of virtual time, simulated in {})",
                    story.runs,
                    human::duration(story.simulated),
                    human::duration(wall)
                );
                simulated += story.simulated;
                runs += story.runs;
            }
            Err(failure) => {
                println!("  FAILED: {failure}");
                status = Status::Failed;
            }
        }
        println!();
    }
    let wall = started.elapsed();
    println!(
        "{runs} runs, {} of virtual time in {} of wall time ({} faster than real time).",
        human::duration(simulated),
        human::duration(wall),
        human::speedup(simulated, wall)
    );
    status
}
