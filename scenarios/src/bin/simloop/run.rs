//! `simloop run` and `simloop replay`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use simloop::timeline::{Timeline, TimelineError};
use simloop::{Sim, Strategy};
use simloop_scenarios::{Broken, Outcome, Scenario, replay_command};

use crate::{Status, args, names, show};

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
    /// Write a picture of the tasks over virtual time to this SVG file (a
    /// lane per task: when it ran, was ready, waited).
    #[arg(long, value_name = "FILE.svg", value_parser = args::output_file)]
    timeline: Option<PathBuf>,
    /// Write a Chrome trace of the run to this JSON file (open it in
    /// Perfetto or chrome://tracing).
    #[arg(long, value_name = "FILE.json", value_parser = args::output_file)]
    chrome_trace: Option<PathBuf>,
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
    out!("{} — {}", scenario.name, scenario.summary);
    out!("seed {seed}, strategy {strategy}");
}

/// Runs once. If the simulation failed, prints what the scenario printed
/// and the failure, draws the pictures asked for, and returns `None`.
fn run_once(scenario: &Scenario, sim: &Sim, args: &RunArgs) -> Option<(Outcome, Duration)> {
    let start = Instant::now();
    let result = scenario.run_keeping_log(sim);
    let wall = start.elapsed();
    match result {
        Ok(outcome) => Some((outcome, wall)),
        Err(broken) => {
            let Broken { failed, log } = *broken;
            if !args.quiet {
                show::log(&log);
            }
            out!();
            out!("the run failed: {}", failed.error);
            out!("fingerprint  {} (up to the failure)", failed.fingerprint);
            out!(
                "schedule     {} choices, {} away from FIFO order",
                failed.schedule.len(),
                failed.schedule.deviations()
            );
            out!(
                "replay       {}",
                replay_command(
                    scenario.name,
                    failed.error.seed(),
                    &failed.error.context().strategy
                )
            );
            if let Some(trace) = &failed.trace
                && let Err(e) = draw(scenario, args, Timeline::from_trace(trace))
            {
                eprintln!("error: {e}");
            }
            None
        }
    }
}

/// `simloop run NAME`.
pub fn run(args: &RunArgs) -> Status {
    let scenario = names::scenario(&args.name);
    let pictures = args.timeline.is_some() || args.chrome_trace.is_some();
    let sim = Sim::builder()
        .seed(args.seed)
        .strategy(args.strategy.clone())
        .trace(pictures)
        .build();
    header(&scenario, args.seed, &args.strategy);
    let Some((outcome, wall)) = run_once(&scenario, &sim, args) else {
        return Status::Failed;
    };
    if !args.quiet {
        show::log(&outcome.log);
    }
    show::outcome(&scenario, &outcome, wall);
    let mut status = if outcome.verdict.is_ok() {
        Status::Ok
    } else {
        Status::Failed
    };
    if pictures {
        let drawn = Timeline::from_report(&outcome.report).and_then(|t| draw(&scenario, args, t));
        if let Err(e) = drawn {
            eprintln!("error: {e}");
            status = Status::Failed;
        }
    }
    status
}

/// Writes the pictures asked for.
fn draw(scenario: &Scenario, args: &RunArgs, timeline: Timeline) -> Result<(), TimelineError> {
    let timeline = timeline.with_title(format!(
        "{} (seed {}, {})",
        scenario.name, args.seed, args.strategy
    ));
    if let Some(path) = &args.timeline {
        timeline.write_svg(path)?;
        out!("timeline     {}", path.display());
    }
    if let Some(path) = &args.chrome_trace {
        timeline.write_chrome_trace(path)?;
        out!("chrome trace {} (open it in Perfetto)", path.display());
    }
    Ok(())
}

/// `simloop replay NAME --seed S`: the run, then a second one compared with
/// it.
pub fn replay(args: &ReplayArgs) -> Status {
    let status = run(&RunArgs {
        name: args.name.clone(),
        seed: args.seed,
        strategy: args.strategy.clone(),
        quiet: args.quiet,
        timeline: None,
        chrome_trace: None,
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
        out!("replayed     identical: same fingerprint, schedule, log and verdict on a second run");
        status
    } else {
        out!("replayed     DIFFERENT on a second run: the scenario is not deterministic");
        Status::Failed
    }
}
