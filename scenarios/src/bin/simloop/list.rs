//! `simloop list`.

use clap::Args;
use simloop_scenarios::{Kind, Scenario, all};

use crate::Status;

/// Options of `simloop list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print only the names, one a line.
    #[arg(long)]
    names: bool,
}

/// Prints the catalog: the teaching documents' programs with their
/// variants, then the bugs.
pub fn list(args: &ListArgs) -> Status {
    let scenarios = all();
    if args.names {
        for s in &scenarios {
            out!("{}", s.name);
        }
        return Status::Ok;
    }
    let indent = |s: &Scenario| match s.kind {
        Kind::Variant { .. } => "    ",
        _ => "  ",
    };
    let width = scenarios
        .iter()
        .map(|s| indent(s).len() + s.name.len())
        .max()
        .unwrap_or(0);
    out!("Programs of the asyncio teaching documents (the document in brackets):");
    for s in scenarios.iter().filter(|s| s.kind != Kind::Bug) {
        let from = match s.kind {
            Kind::Variant { .. } => String::new(),
            _ => format!(" [{}]", s.seed_files),
        };
        let pad = width - indent(s).len();
        out!("{}{:<pad$}  {}{from}", indent(s), s.name, s.summary);
    }
    out!();
    out!("Concurrency bugs that FIFO order hides (Random and PCT find them):");
    for s in scenarios.iter().filter(|s| s.kind == Kind::Bug) {
        let summary = s.summary.trim_start_matches("BUG: ");
        let pad = width - 2;
        out!("  {:<pad$}  {summary}", s.name);
    }
    out!();
    out!("Run one with `simloop run NAME`, all of them with `simloop tour`.");
    Status::Ok
}
