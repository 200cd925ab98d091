//! `simloop sweep`: many seeds of one or more scenarios, in parallel, with
//! every property checked.

use std::time::Duration;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use simloop::Strategy;
use simloop::harness::{Sweep, SweepReport, explain};
use simloop_scenarios::{Kind, Scenario, all, describe_failure, human, replay_command};

use crate::{Status, args, names};

/// Options of `simloop sweep`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["names", "all", "bugs"])))]
pub struct SweepArgs {
    /// The scenarios to sweep.
    #[arg(value_name = "NAME", value_parser = names::parser(), hide_possible_values = true)]
    names: Vec<String>,
    /// Sweep every program of the teaching documents and its variants
    /// (they must all pass).
    #[arg(long)]
    all: bool,
    /// Sweep the bug scenarios (Random and PCT are expected to find them).
    #[arg(long)]
    bugs: bool,
    /// How many RNG seeds, from 0 (at least 1).
    #[arg(long, default_value_t = 1000, value_parser = args::seeds)]
    seeds: u64,
    /// fifo, random, pct, pct:DEPTH.
    #[arg(long, default_value = "random")]
    strategy: Strategy,
    /// Simulations run in parallel (default: one per core; at least 1).
    #[arg(long, value_parser = args::jobs)]
    jobs: Option<usize>,
    /// Do not shrink the first failing seed's schedule.
    #[arg(long)]
    no_shrink: bool,
}

/// What the sweep of one scenario measured.
struct Row {
    scenario: Scenario,
    report: SweepReport,
    simulated: Duration,
}

/// `simloop sweep`.
pub fn sweep(args: &SweepArgs) -> Status {
    let scenarios: Vec<Scenario> = if args.all || args.bugs {
        all()
            .into_iter()
            .filter(|s| (args.all && s.kind != Kind::Bug) || (args.bugs && s.kind == Kind::Bug))
            .collect()
    } else {
        args.names.iter().map(|n| names::scenario(n)).collect()
    };
    let jobs = args.jobs.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    out!(
        "simloop sweep: {} x {}, strategy {}, {} in parallel",
        human::plural(args.seeds, "seed"),
        human::plural(scenarios.len() as u64, "scenario"),
        args.strategy,
        jobs
    );
    let bar = ProgressBar::new(args.seeds * scenarios.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} seeds  {msg}")
            .expect("the template is valid"),
    );
    let rows: Vec<Row> = scenarios
        .iter()
        .map(|s| {
            bar.set_message(s.name);
            sweep_one(s, args, jobs, &bar)
        })
        .collect();
    bar.finish_and_clear();
    print_table(&rows);
    let runs: u64 = rows.iter().map(|r| r.report.seeds_run).sum();
    let simulated: Duration = rows.iter().map(|r| r.simulated).sum();
    let wall: Duration = rows.iter().map(|r| r.report.wall).sum();
    out!(
        "\n{} runs, {} of virtual time in {} of wall time ({} faster than real time).",
        human::count(runs),
        human::duration(simulated),
        human::duration(wall),
        human::speedup(simulated, wall)
    );
    let failed: Vec<&Row> = rows.iter().filter(|r| !r.report.passed()).collect();
    if failed.is_empty() {
        out!("Every property held on every seed.");
        return Status::Ok;
    }
    out!("\nFailures:");
    for row in failed {
        print_failure(row);
    }
    Status::Failed
}

/// Sweeps one scenario, counting each seed on the progress bar.
fn sweep_one(scenario: &Scenario, args: &SweepArgs, jobs: usize, bar: &ProgressBar) -> Row {
    let sweep = Sweep::new()
        .strategy(args.strategy.clone())
        .seeds(0..args.seeds)
        .jobs(jobs)
        .stop_at_first_failure(false)
        .shrink(!args.no_shrink)
        .progress(false);
    let swept = scenario.sweep_measured(&sweep, || bar.inc(1));
    Row {
        scenario: *scenario,
        report: swept.report,
        simulated: swept.simulated,
    }
}

fn print_table(rows: &[Row]) {
    let stats: Vec<String> = rows
        .iter()
        .map(|r| {
            r.report.elapsed.map_or_else(
                || "-".to_owned(),
                |e| {
                    format!(
                        "{} / {} / {}",
                        human::duration(e.min),
                        human::duration(e.median),
                        human::duration(e.max)
                    )
                },
            )
        })
        .collect();
    let name_w = rows
        .iter()
        .map(|r| r.scenario.name.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let stats_w = stats
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0)
        .max(26);
    out!();
    out!(
        "{:<name_w$}  {:>6}  {:>6}  {:>13}  {:<stats_w$}  {:>9}  {:>13}",
        "scenario",
        "seeds",
        "failed",
        "interleavings",
        "virtual min / median / max",
        "wall",
        "speed-up"
    );
    for (r, stats) in rows.iter().zip(&stats) {
        let speedup = if r.simulated.is_zero() {
            "-".to_owned()
        } else {
            human::speedup(r.simulated, r.report.wall)
        };
        let pad = stats_w - stats.chars().count() + stats.len();
        out!(
            "{:<name_w$}  {:>6}  {:>6}  {:>13}  {:<pad$}  {:>9}  {:>13}",
            r.scenario.name,
            human::count(r.report.seeds_run),
            human::count(r.report.failures.len() as u64),
            human::count(r.report.distinct_fingerprints as u64),
            stats,
            human::duration(r.report.wall),
            speedup
        );
    }
}

fn print_failure(row: &Row) {
    let Some(first) = row.report.first_failure() else {
        return;
    };
    let name = row.scenario.name;
    out!(
        "  {name}: {} of {} seeds failed; first seed {}: {}",
        human::count(row.report.failures.len() as u64),
        human::count(row.report.seeds_run),
        first.seed,
        describe_failure(&first.error)
    );
    out!(
        "    replay: {}",
        replay_command(name, first.seed, &first.strategy.to_string())
    );
    if let Some(cause) = explain::cause_line(&first.error, &first.panics) {
        out!("    {cause}");
    }
    match &first.shrunk {
        Some(Ok(shrunk)) => {
            let strategy = shrunk.strategy().to_string();
            out!(
                "    shrunk to {}, {} from FIFO order (from {}, {}; in {}): {}",
                human::plural(shrunk.preemptions, "preemption"),
                human::plural(shrunk.deviations() as u64, "deviation"),
                human::plural(first.preemptions, "preemption"),
                human::plural(shrunk.original_deviations as u64, "deviation"),
                human::plural(shrunk.runs as u64, "replay"),
                replay_command(name, shrunk.seed, &strategy)
            );
            // Each choice of the shrunk schedule, in task terms.
            for line in explain::schedule_lines(&shrunk.decisions) {
                out!("      {line}");
            }
        }
        Some(Err(e)) => out!("    not shrunk: {e}"),
        None => {}
    }
}
