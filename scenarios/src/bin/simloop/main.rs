//! `simloop`: list, run, replay, sweep and tour the scenarios made of the
//! programs of the asyncio teaching documents, in virtual time.
//!
//! Exit status: 0 when everything held, 1 when a property failed (or a run
//! failed), 2 for a usage error (unknown scenario, bad flag).

#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// `println!` for the command's output, ending the command quietly when
/// stdout is closed (see [`output`]).
macro_rules! out {
    () => {
        $crate::output::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))
    };
}

mod args;
mod list;
mod names;
mod output;
mod run;
mod show;
mod sweep;
mod tour;

/// Deterministic simulations of the programs of the asyncio teaching
/// documents: virtual time, interleavings fixed by an RNG seed, properties
/// checked on every run.
#[derive(Debug, Parser)]
#[command(name = "simloop", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the scenarios with one-line descriptions.
    List(list::ListArgs),
    /// Run one scenario: its log in virtual time, elapsed and wall time,
    /// fingerprint, and whether its properties held.
    Run(run::RunArgs),
    /// Run a scenario's seed twice and show it is the same run, bit for bit.
    Replay(run::ReplayArgs),
    /// Run many seeds of scenarios in parallel, check every property, and
    /// print what was found.
    Sweep(sweep::SweepArgs),
    /// Every scenario once, telling its story with measured numbers.
    Tour(tour::TourArgs),
}

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Every property held.
    Ok,
    /// A property failed or a run failed.
    Failed,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let status = match cli.command {
        Command::List(args) => list::list(&args),
        Command::Run(args) => run::run(&args),
        Command::Replay(args) => run::replay(&args),
        Command::Sweep(args) => sweep::sweep(&args),
        Command::Tour(args) => tour::tour(&args),
    };
    match status {
        Status::Ok => ExitCode::SUCCESS,
        Status::Failed => ExitCode::from(1),
    }
}
