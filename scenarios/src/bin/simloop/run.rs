//! `simloop run` and `simloop replay`.

use std::time::Instant;

use clap::Args;
use simloop::{Sim, Strategy};
use simloop_scenarios::{Outcome, Scenario, replay_command};

use crate::{Status, names, show};

/// Options of `simloop run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario (`simloop list` shows them all).
    #[arg(value_parser = names::parser(), hide_possible_values = true)]
    name: String,
    /// The seed: it fixes the interleaving and every random number drawn.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// How ready tasks are picked: fifo (asyncio's order), random, pct,
    /// pct:DEPTH, or replay:SCHEDULE.
    #[arg(long, default_value = "fifo")]
    strategy: Strategy,
    /// Do not print the scenario's log.
    #[arg(long, short)]
    quiet: bool,
}

/// Options of `simloop replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The scenario.
    #[arg(value_parser = names::parser(), hide_possible_values = true)]
    name: String,
    /// The seed of the run to replay.
    #[arg(long)]
    seed: u64,
    /// The strategy of the run to replay.
    #[arg(long, default_value = "fifo")]
    strategy: Strategy,
    /// Do not print the scenario's log.
    #[arg(long, short)]
    quiet: bool,
}

fn header(scenario: &Scenario, seed: u64, strategy: &Strategy) {
    println!("{} — {}", scenario.name, scenario.summary);
    println!("seed {seed}, strategy {strategy}");
    println!();
}

/// Runs once; prints the failure and returns `None` if the simulation
/// failed.
fn run_once(scenario: &Scenario, sim: &Sim) -> Option<(Outcome, std::time::Duration)> {
    let start = Instant::now();
    let result = scenario.run(sim);
    let wall = start.elapsed();
    match result {
        Ok(outcome) => Some((outcome, wall)),
        Err(error) => {
            println!("the run failed: {error}");
            println!(
                "replay       {}",
                replay_command(scenario.name, error.seed(), &error.context().strategy)
            );
            None
        }
    }
}

/// `simloop run NAME`.
pub fn run(args: &RunArgs) -> Status {
    let scenario = names::scenario(&args.name);
    let sim = Sim::builder()
        .seed(args.seed)
        .strategy(args.strategy.clone())
        .build();
    header(&scenario, args.seed, &args.strategy);
    let Some((outcome, wall)) = run_once(&scenario, &sim) else {
        return Status::Failed;
    };
    if !args.quiet {
        show::log(&outcome.log);
    }
    show::outcome(&scenario, &outcome, wall);
    if outcome.verdict.is_ok() {
        Status::Ok
    } else {
        Status::Failed
    }
}

/// `simloop replay NAME --seed S`: the run, then a second one compared with
/// it.
pub fn replay(args: &ReplayArgs) -> Status {
    let status = run(&RunArgs {
        name: args.name.clone(),
        seed: args.seed,
        strategy: args.strategy.clone(),
        quiet: args.quiet,
    });
    let scenario = names::scenario(&args.name);
    let sim = Sim::builder()
        .seed(args.seed)
        .strategy(args.strategy.clone())
        .build();
    let first = scenario.run(&sim);
    let second = scenario.run(&sim);
    let same = match (&first, &second) {
        (Ok(a), Ok(b)) => {
            a.report.fingerprint == b.report.fingerprint
                && a.log == b.log
                && a.verdict == b.verdict
                && a.report.schedule == b.report.schedule
        }
        (Err(a), Err(b)) => a == b,
        _ => false,
    };
    if same {
        println!(
            "replayed     identical: same fingerprint, schedule, log and verdict on a second run"
        );
        status
    } else {
        println!("replayed     DIFFERENT on a second run: the scenario is not deterministic");
        Status::Failed
    }
}
