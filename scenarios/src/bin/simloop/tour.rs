//! `simloop tour`: every scenario once, telling its story.

use std::time::{Duration, Instant};

use clap::Args;
use simloop_scenarios::{Kind, all, human};

use crate::Status;

/// Options of `simloop tour`.
#[derive(Debug, Args)]
pub struct TourArgs {
    /// The RNG seed of the runs: it fixes their interleavings and random
    /// numbers (they use FIFO order, asyncio's, unless a story says
    /// otherwise).
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

/// Story lines are wrapped to this many columns.
const WIDTH: usize = 100;

/// Units that stay on the line of the number before them.
const UNITS: [&str; 7] = ["s", "s,", "s.", "ms", "µs", "h", "min"];

/// `text` in lines of at most `width` characters, broken at spaces but not
/// between a number and its unit (a longer word stays whole).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match words.last_mut() {
            Some(last) if UNITS.contains(&word) && last.ends_with(|c: char| c.is_ascii_digit()) => {
                last.push(' ');
                last.push_str(word);
            }
            _ => words.push(word.to_owned()),
        }
    }
    let mut lines = vec![String::new()];
    for word in &words {
        let line = lines.last_mut().expect("never empty");
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_owned());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

/// Tells every scenario's story.
pub fn tour(args: &TourArgs) -> Status {
    let scenarios = all();
    let programs = scenarios.iter().filter(|s| s.kind == Kind::Seed).count();
    let bugs = scenarios.iter().filter(|s| s.kind == Kind::Bug).count();
    out!(
        "simloop tour: {programs} programs of the asyncio teaching documents and {bugs} concurrency bugs, in virtual time."
    );
    out!(
        "Every number below is measured from the runs (RNG seed {}); sleeps take no real time.",
        args.seed
    );
    out!();
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
            _ if scenario.seed_files.contains(',') => {
                format!("teaching documents {}", scenario.seed_files)
            }
            _ => format!("teaching document {}", scenario.seed_files),
        };
        out!("{} · {from}", scenario.name);
        match story {
            Ok(story) => {
                for line in &story.lines {
                    if line.starts_with("$ ") {
                        // A command: never broken, so it can be copied.
                        out!("    {line}");
                        continue;
                    }
                    for (i, part) in wrap(line, WIDTH - 4).iter().enumerate() {
                        let indent = if i == 0 { "  " } else { "    " };
                        out!("{indent}{part}");
                    }
                }
                let runs_said = if story.runs == 1 {
                    String::new()
                } else {
                    format!(" over {} runs", human::count(story.runs))
                };
                if story.simulated.is_zero() {
                    out!(
                        "  ↳ {} runs in {}, all at virtual time zero",
                        human::count(story.runs),
                        human::duration(wall)
                    );
                } else {
                    out!(
                        "  ↳ simulated {}{runs_said} in {}",
                        human::duration(story.simulated),
                        human::duration(wall)
                    );
                }
                simulated += story.simulated;
                runs += story.runs;
            }
            Err(failure) => {
                out!("  FAILED: {failure}");
                status = Status::Failed;
            }
        }
        out!();
    }
    let wall = started.elapsed();
    out!(
        "In all: {} runs, {} of virtual time in {} of wall time ({} faster than real time).",
        human::count(runs),
        human::duration(simulated),
        human::duration(wall),
        human::speedup(simulated, wall)
    );
    out!(
        "See one run in full: simloop run chess. Every program under 1,000 RNG seeds: simloop sweep --all."
    );
    status
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_breaks_at_spaces_within_the_width() {
        assert_eq!(wrap("aa bb cc dd", 5), ["aa bb", "cc dd"]);
        assert_eq!(wrap("a verylongword b", 4), ["a", "verylongword", "b"]);
        assert_eq!(wrap("short", 80), ["short"]);
        assert_eq!(wrap("took 4 min 27 s", 8), ["took", "4 min", "27 s"]);
    }
}
