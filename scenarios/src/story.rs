//! [`Story`]: what `simloop tour` tells about a scenario.

use std::time::Duration;

use simloop::Report;

/// What the tour tells about a scenario: a few lines with measured numbers,
/// and how much virtual time its runs simulated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Story {
    /// The lines.
    pub lines: Vec<String>,
    /// Virtual time of every run made to tell it.
    pub simulated: Duration,
    /// The number of runs made to tell it.
    pub runs: u64,
}

impl Story {
    /// Counts `report`'s run in the story and hands the report back.
    pub fn ran<T>(&mut self, report: Report<T>) -> Report<T> {
        self.simulated += report.elapsed;
        self.runs += 1;
        report
    }

    /// The story with these lines.
    pub fn told(self, lines: Vec<String>) -> Story {
        Story { lines, ..self }
    }
}
