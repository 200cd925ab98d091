//! Regressions files: the failing seeds of a test, kept next to it and run
//! first every time, so that a bug found once is never lost.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::schedule::Schedule;
use crate::strategy::Strategy;

/// One failing run recorded in a regressions file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegressionEntry {
    /// The seed.
    pub seed: u64,
    /// The strategy the seed failed with.
    pub strategy: Strategy,
    /// The shrunk schedule that fails with this seed, if any.
    pub schedule: Option<Schedule>,
}

impl RegressionEntry {
    /// The runs that replay this entry: the seed with its strategy, then the
    /// seed with its shrunk schedule, if any.
    pub fn runs(&self) -> Vec<Strategy> {
        let mut runs = vec![self.strategy.clone()];
        if let Some(schedule) = &self.schedule {
            runs.push(Strategy::Replay(schedule.clone()));
        }
        runs
    }
}

impl fmt::Display for RegressionEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.seed, self.strategy)?;
        if let Some(schedule) = &self.schedule {
            write!(f, " {schedule}")?;
        }
        Ok(())
    }
}

impl FromStr for RegressionEntry {
    type Err = String;

    fn from_str(line: &str) -> Result<RegressionEntry, String> {
        let mut words = line.split_whitespace();
        let seed = words.next().ok_or("empty line")?;
        let seed = seed
            .parse()
            .map_err(|_| format!("{seed:?} is not a seed"))?;
        let strategy = words
            .next()
            .ok_or("no strategy after the seed")?
            .parse()
            .map_err(|e: crate::ParseStrategyError| e.to_string())?;
        let schedule = words
            .next()
            .map(|s| {
                s.parse()
                    .map_err(|e: crate::schedule::ParseScheduleError| e.to_string())
            })
            .transpose()?;
        if let Some(extra) = words.next() {
            return Err(format!("unexpected {extra:?} after the schedule"));
        }
        Ok(RegressionEntry {
            seed,
            strategy,
            schedule,
        })
    }
}

/// Why a regressions file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegressionsError {
    /// The file could not be read or written.
    #[error("cannot {action} regressions file {}: {source}", path.display())]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// A line is not `SEED STRATEGY [SCHEDULE]`.
    #[error("{}:{line}: {reason}; each line is `SEED STRATEGY [SCHEDULE]`, e.g. `8841 random 3:1,17:2`", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

/// The regressions file of one test.
///
/// A regressions file is text, one failing run a line: the seed, the
/// strategy it ran with and, if it was shrunk, the shrunk schedule
/// (`SEED STRATEGY [SCHEDULE]`, as in `8841 random 3:1,17:2`). Lines starting
/// with `#` and blank lines are comments. The harness only ever appends to
/// the file; check it into version control like `proptest-regressions/`.
///
/// ```
/// use simloop::harness::RegressionEntry;
///
/// let entry: RegressionEntry = "8841 random 3:1,17:2".parse().unwrap();
/// assert_eq!(entry.seed, 8841);
/// assert_eq!(entry.schedule.as_ref().unwrap().deviations(), 2);
/// assert_eq!(entry.to_string(), "8841 random 3:1,17:2");
/// ```
#[derive(Debug, Clone)]
pub struct Regressions {
    path: PathBuf,
    entries: Vec<RegressionEntry>,
}

impl Regressions {
    /// Reads the file at `path`; a missing file has no entries.
    pub fn load(path: impl Into<PathBuf>) -> Result<Regressions, RegressionsError> {
        let path = path.into();
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(RegressionsError::Io {
                    action: "read",
                    path,
                    source,
                });
            }
        };
        let mut entries = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let entry = line.parse().map_err(|reason| RegressionsError::Parse {
                path: path.clone(),
                line: i + 1,
                reason,
            })?;
            entries.push(entry);
        }
        Ok(Regressions { path, entries })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The recorded runs, in file order.
    pub fn entries(&self) -> &[RegressionEntry] {
        &self.entries
    }

    /// Whether the seed is recorded with this strategy already.
    pub fn contains(&self, seed: u64, strategy: &Strategy) -> bool {
        self.entries
            .iter()
            .any(|e| e.seed == seed && &e.strategy == strategy)
    }

    /// Appends `entry` unless its seed and strategy are recorded already;
    /// creates the file (with a header naming `test`) and its directory if
    /// needed. Returns whether a line was added.
    pub fn record(&mut self, entry: RegressionEntry, test: &str) -> Result<bool, RegressionsError> {
        if self.contains(entry.seed, &entry.strategy) {
            return Ok(false);
        }
        let io_err = |source| RegressionsError::Io {
            action: "write",
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            fs::create_dir_all(dir).map_err(io_err)?;
        }
        let mut file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(io_err)?;
        let mut text = String::new();
        if file.metadata().map_err(io_err)?.len() == 0 {
            text.push_str(&header(test));
        }
        text.push_str(&format!("{entry}\n"));
        file.write_all(text.as_bytes()).map_err(io_err)?;
        self.entries.push(entry);
        Ok(true)
    }
}

fn header(test: &str) -> String {
    format!(
        "# Seeds that failed the simloop test `{test}`.\n\
         # Each line is `SEED STRATEGY [SCHEDULE]`: a failing seed, the strategy it\n\
         # failed with and its shrunk schedule. These runs are replayed before every\n\
         # sweep of the test, so a failure found once is never lost. Keep this file\n\
         # under version control; the test only ever appends to it.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_through_text() {
        for line in [
            "0 fifo",
            "18446744073709551615 pct:3",
            "7 random 0:1",
            "9 replay:2:1 2:1",
        ] {
            let entry: RegressionEntry = line.parse().unwrap();
            assert_eq!(entry.to_string(), line);
        }
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        for (line, says) in [
            ("x random", "not a seed"),
            ("7", "no strategy"),
            ("7 roundrobin", "unknown strategy"),
            ("7 random 3", "position:index"),
            ("7 random 3:1 extra", "unexpected"),
        ] {
            let err = line.parse::<RegressionEntry>().unwrap_err();
            assert!(err.contains(says), "{line}: {err}");
        }
    }

    #[test]
    fn an_entry_replays_its_strategy_then_its_schedule() {
        let entry: RegressionEntry = "5 pct:2 4:1".parse().unwrap();
        assert_eq!(
            entry.runs(),
            vec![
                Strategy::Pct { depth: 2 },
                Strategy::Replay("4:1".parse().unwrap())
            ]
        );
        let plain: RegressionEntry = "5 random".parse().unwrap();
        assert_eq!(plain.runs(), vec![Strategy::Random]);
    }
}
