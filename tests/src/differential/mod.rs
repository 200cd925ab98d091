//! A differential harness against CPython 3.13: random asyncio programs
//! ([`generate`](mod@generate)), held as data ([`program`]), each run once by CPython on a
//! virtual-clock event loop (`tests/differential/`, through [`cpython`])
//! and once by simloop under `Strategy::Fifo` ([`simloop_run`]); the two
//! event logs must be equal line for line. `docs/asyncio-differential.md`
//! says how to run it.

pub mod cpython;
pub mod generate;
pub mod program;
pub mod shrink;
pub mod simloop_run;

pub use generate::{Feature, Features, generate};
pub use program::{Body, Program, Stmt, When};
pub use simloop_run::run_on_simloop;

/// The first line where two logs differ (0-based), or `None` if they are
/// equal.
pub fn first_difference(a: &[String], b: &[String]) -> Option<usize> {
    let common = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    (common < a.len().max(b.len())).then_some(common)
}

/// Both logs side by side, with a marker on the first differing line.
pub fn side_by_side(cpython: &[String], simloop: &[String]) -> String {
    let first = first_difference(cpython, simloop);
    let width = cpython.iter().map(String::len).max().unwrap_or(0).max(7);
    let mut out = format!("   {:width$} | simloop\n", "cpython");
    for i in 0..cpython.len().max(simloop.len()) {
        let mark = if Some(i) == first { ">> " } else { "   " };
        let a = cpython.get(i).map_or("", String::as_str);
        let b = simloop.get(i).map_or("", String::as_str);
        out += &format!("{mark}{a:width$} | {b}\n");
    }
    out
}
