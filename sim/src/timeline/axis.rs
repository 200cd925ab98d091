//! The virtual time axis: a round step between ticks and readable labels
//! (`250 ms`, `1.5 s`, `2 min`, `0.5 h`).

const MICRO: u64 = 1_000;
const MILLI: u64 = 1_000_000;
const SEC: u64 = 1_000_000_000;
const MIN: u64 = 60 * SEC;
const HOUR: u64 = 60 * MIN;
const DAY: u64 = 24 * HOUR;

/// Label units, largest first.
const UNITS: [(u64, &str); 7] = [
    (DAY, "d"),
    (HOUR, "h"),
    (MIN, "min"),
    (SEC, "s"),
    (MILLI, "ms"),
    (MICRO, "µs"),
    (1, "ns"),
];

/// Steps that read well on a clock: 1-2-5 below a second, then seconds,
/// minutes, hours and days in their usual divisions.
fn steps() -> impl Iterator<Item = u64> {
    let decimal = (0..9).flat_map(|k| [1, 2, 5].map(|m| m * 10u64.pow(k)));
    let clock = [
        SEC,
        2 * SEC,
        5 * SEC,
        10 * SEC,
        15 * SEC,
        30 * SEC,
        MIN,
        2 * MIN,
        5 * MIN,
        10 * MIN,
        15 * MIN,
        30 * MIN,
        HOUR,
        2 * HOUR,
        3 * HOUR,
        6 * HOUR,
        12 * HOUR,
    ];
    // Up to 50,000 days: u64::MAX nanoseconds is about 213,500 days.
    let days = (0..5).flat_map(|k| [1, 2, 5].map(|m| m * 10u64.pow(k) * DAY));
    decimal.chain(clock).chain(days)
}

/// Ticks for an axis from 0 to (at least) `end` nanoseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Axis {
    /// Nanoseconds between ticks.
    pub(super) step: u64,
    /// The axis end: the first tick at or after `end`.
    pub(super) end: u64,
    unit: (u64, &'static str),
}

impl Axis {
    /// The smallest round step giving at most `max_ticks` intervals.
    pub(super) fn new(end: u64, max_ticks: u64) -> Axis {
        let end = end.max(1);
        let step = steps()
            .find(|&s| end.div_ceil(s) <= max_ticks)
            .unwrap_or(end);
        // The largest unit of which the step is a whole number of tenths.
        let unit = UNITS
            .into_iter()
            .find(|&(u, _)| u == 1 || step % (u / 10) == 0)
            .unwrap_or((1, "ns"));
        Axis {
            step,
            end: end.div_ceil(step).saturating_mul(step),
            unit,
        }
    }

    /// The tick positions, from 0 to the axis end.
    pub(super) fn ticks(&self) -> impl Iterator<Item = u64> + '_ {
        (0..=self.end / self.step).map(|i| i * self.step)
    }

    /// `t` in the axis unit, e.g. `1.5 s`.
    pub(super) fn label(&self, t: u64) -> String {
        let (unit, name) = self.unit;
        let (whole, rest) = (t / unit, t % unit);
        if rest == 0 {
            format!("{whole} {name}")
        } else {
            let tenths = rest / (unit / 10).max(1);
            format!("{whole}.{tenths} {name}")
        }
    }
}

/// A duration for people: `1.65 s`, `12 min`, `250 ms` (at most three
/// decimals, in the largest unit that leaves a value of 1 or more, but
/// seconds up to two minutes and minutes up to two hours).
pub(super) fn human(nanos: u64) -> String {
    let (unit, name) = match nanos {
        n if n >= 2 * DAY => (DAY, "d"),
        n if n >= 2 * HOUR => (HOUR, "h"),
        n if n >= 2 * MIN => (MIN, "min"),
        n if n >= SEC => (SEC, "s"),
        n if n >= MILLI => (MILLI, "ms"),
        n if n >= MICRO => (MICRO, "µs"),
        _ => (1, "ns"),
    };
    let value = format!("{:.3}", nanos as f64 / unit as f64);
    let value = value.trim_end_matches('0').trim_end_matches('.');
    format!("{value} {name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(end: u64) -> Vec<String> {
        let axis = Axis::new(end, 10);
        axis.ticks().map(|t| axis.label(t)).collect()
    }

    #[test]
    fn seconds_in_halves() {
        assert_eq!(
            labels(2 * SEC),
            [
                "0 s", "0.2 s", "0.4 s", "0.6 s", "0.8 s", "1 s", "1.2 s", "1.4 s", "1.6 s",
                "1.8 s", "2 s"
            ]
        );
        assert_eq!(
            labels(3 * SEC),
            ["0 s", "0.5 s", "1 s", "1.5 s", "2 s", "2.5 s", "3 s"]
        );
    }

    #[test]
    fn axis_end_rounds_up_to_a_tick() {
        let axis = Axis::new(1_300 * MILLI, 10);
        assert_eq!(axis.step, 200 * MILLI);
        assert_eq!(axis.end, 1_400 * MILLI);
        assert_eq!(axis.label(axis.end), "1.4 s");
    }

    #[test]
    fn small_and_large_units() {
        assert_eq!(labels(40 * MILLI)[1], "5 ms");
        assert_eq!(labels(3 * MICRO)[1], "0.5 µs");
        assert_eq!(labels(7)[1], "1 ns");
        assert_eq!(labels(90 * SEC)[1], "10 s");
        assert_eq!(labels(150 * SEC)[1], "15 s");
        assert_eq!(labels(5 * MIN)[2], "1 min");
        assert_eq!(labels(3 * HOUR)[1], "0.5 h");
        assert_eq!(labels(20 * HOUR)[1], "2 h");
        assert_eq!(labels(365 * DAY)[1], "50 d");
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(0), "0 ns");
        assert_eq!(human(250 * MILLI), "250 ms");
        assert_eq!(human(1_650 * MILLI), "1.65 s");
        assert_eq!(human(100 * SEC), "100 s");
        assert_eq!(human(12 * MIN), "12 min");
        assert_eq!(human(90 * MIN), "90 min");
        assert_eq!(human(3 * HOUR + 30 * MIN), "3.5 h");
        assert_eq!(human(365 * DAY), "365 d");
        assert_eq!(human(1_234), "1.234 µs");
    }

    #[test]
    fn zero_length_run_still_has_an_axis() {
        let axis = Axis::new(0, 10);
        assert_eq!(axis.end, 1);
        assert_eq!(axis.ticks().count(), 2);
    }

    #[test]
    fn never_more_ticks_than_asked() {
        for end in [
            1,
            9,
            10,
            11,
            999,
            1_234_567,
            59 * SEC,
            61 * MIN,
            400 * DAY,
            u64::MAX / 100,
        ] {
            let axis = Axis::new(end, 10);
            assert!(
                axis.end >= end && axis.end / axis.step <= 10,
                "{end}: {axis:?}"
            );
        }
    }
}
