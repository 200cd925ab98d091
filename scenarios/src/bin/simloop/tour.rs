//! `simloop tour`: every scenario once, telling its story.

use std::time::{Duration, Instant};

use clap::Args;
use simloop_scenarios::{Kind, all, human};

use crate::Status;

/// Options of `simloop tour`.
#[derive(Debug, Args)]
pub struct TourArgs {
    /// The seed of the runs (they use FIFO order, asyncio's, unless a
    /// story says otherwise).
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

/// Tells every scenario's story.
pub fn tour(args: &TourArgs) -> Status {
    let scenarios = all();
    let seeds = scenarios.iter().filter(|s| s.kind == Kind::Seed).count();
    let bugs = scenarios.iter().filter(|s| s.kind == Kind::Bug).count();
    println!(
        "simloop tour: {seeds} asyncio seed programs and {bugs} concurrency bugs, in virtual time."
    );
    println!(
        "Every number below is measured from the runs (seed {}); sleeps take no real time.",
        args.seed
    );
    println!();
    let mut status = Status::Ok;
    let mut simulated = Duration::ZERO;
    let mut runs = 0;
    let started = Instant::now();
    for scenario in scenarios {
        let start = Instant::now();
        let Some(story) = scenario.story(args.seed) else {
            continue;
        };
        let wall = start.elapsed();
        let from = match scenario.kind {
            Kind::Bug => "concurrency bug".to_owned(),
            _ => format!("seed {}", scenario.seed_files),
        };
        println!("{} · {from}", scenario.name);
        match story {
            Ok(story) => {
                for line in &story.lines {
                    println!("  {line}");
                }
                let runs_said = if story.runs == 1 {
                    String::new()
                } else {
                    format!(" over {} runs", human::count(story.runs))
                };
                if story.simulated.is_zero() {
                    println!(
                        "  ↳ {} runs in {}, all at virtual time zero",
                        human::count(story.runs),
                        human::duration(wall)
                    );
                } else {
                    println!(
                        "  ↳ simulated {}{runs_said} in {}",
                        human::duration(story.simulated),
                        human::duration(wall)
                    );
                }
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
        "In all: {} runs, {} of virtual time in {} of wall time ({} faster than real time).",
        human::count(runs),
        human::duration(simulated),
        human::duration(wall),
        human::speedup(simulated, wall)
    );
    println!("See one run in full: simloop run chess. All the seeds: simloop sweep --all.");
    status
}
