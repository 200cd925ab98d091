//! Durations written for people: `1 h 55 s`, `3.1 s`, `200 ms`; the virtual
//! clock as a time of day.
//!
//! ```
//! use std::time::Duration;
//! use simloop_scenarios::human;
//! assert_eq!(human::duration(Duration::from_secs(3655)), "1 h 55 s");
//! assert_eq!(human::duration(Duration::from_secs(43_200)), "12 h");
//! assert_eq!(human::duration(Duration::from_millis(3100)), "3.1 s");
//! assert_eq!(human::duration(Duration::from_secs(5400)), "1 h 30 min");
//! assert_eq!(human::duration(Duration::from_millis(200)), "200 ms");
//! assert_eq!(human::duration(Duration::from_micros(2500)), "2.5 ms");
//! assert_eq!(human::duration(Duration::from_secs(36 * 3600)), "36 h");
//! assert_eq!(human::duration(Duration::from_secs(3 * 86_400 + 7260)), "3 days 2 h 1 min");
//! ```

use std::time::Duration;

/// `value` with up to `decimals` decimals, trailing zeros removed.
fn trimmed(value: f64, decimals: usize) -> String {
    let s = format!("{value:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// A duration as hours, minutes and seconds (zero parts left out), as
/// seconds, milliseconds or microseconds when it is short, and as days,
/// hours and minutes from two days on.
pub fn duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0 s".to_owned();
    }
    if nanos < 1_000 {
        return format!("{nanos} ns");
    }
    if nanos < 1_000_000 {
        return format!("{} µs", trimmed(nanos as f64 / 1e3, 1));
    }
    if nanos < 1_000_000_000 {
        return format!("{} ms", trimmed(nanos as f64 / 1e6, 1));
    }
    if d < Duration::from_secs(60) {
        return format!("{} s", trimmed(d.as_secs_f64(), 3));
    }
    let secs = d.as_secs();
    if secs >= 2 * 86_400 {
        // Long totals: days, hours and minutes are enough.
        let (days, h, m) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60);
        let mut parts = vec![format!("{days} days")];
        if h > 0 {
            parts.push(format!("{h} h"));
        }
        if m > 0 {
            parts.push(format!("{m} min"));
        }
        return parts.join(" ");
    }
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let frac = f64::from(d.subsec_nanos()) / 1e9;
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 {
        parts.push(format!("{m} min"));
    }
    if s > 0 || frac > 0.0 {
        parts.push(format!("{} s", trimmed(s as f64 + frac, 3)));
    }
    parts.join(" ")
}

/// A count with thousands separated by commas: `43,200`.
///
/// ```
/// assert_eq!(simloop_scenarios::human::count(1_234_567), "1,234,567");
/// ```
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// How many times faster than `wall` the virtual `simulated` time went, as
/// `1.2 million×`, `35,000×` or `3.5×`.
///
/// ```
/// use std::time::Duration;
/// use simloop_scenarios::human::speedup;
/// assert_eq!(speedup(Duration::from_secs(3600), Duration::from_millis(2)), "1.8 million×");
/// assert_eq!(speedup(Duration::from_secs(1), Duration::from_millis(4)), "250×");
/// ```
pub fn speedup(simulated: Duration, wall: Duration) -> String {
    if wall.is_zero() {
        return "∞×".to_owned();
    }
    let x = simulated.as_secs_f64() / wall.as_secs_f64();
    if x >= 1e9 {
        format!("{} billion×", trimmed(x / 1e9, 1))
    } else if x >= 1e6 {
        format!("{} million×", trimmed(x / 1e6, 1))
    } else if x >= 10.0 {
        format!("{}×", count(x.round() as u64))
    } else {
        format!("{}×", trimmed(x, 1))
    }
}

/// `n` and `word`, with an `s` unless `n` is 1: `1 seed`, `3 seeds`.
///
/// ```
/// use simloop_scenarios::human::plural;
/// assert_eq!(plural(1, "seed"), "1 seed");
/// assert_eq!(plural(1000, "seed"), "1,000 seeds");
/// ```
pub fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{} {word}s", count(n))
    }
}

/// The virtual clock read as a time of day, `HH:MM:SS`, the simulation
/// starting at midnight: what the seeds' `time.strftime('%X')` prints.
///
/// ```
/// use std::time::Duration;
/// use simloop::time::Instant;
/// use simloop_scenarios::human;
/// assert_eq!(human::clock(Instant::ZERO), "00:00:00");
/// assert_eq!(human::clock(Instant::ZERO + Duration::from_millis(3_661_900)), "01:01:01");
/// ```
pub fn clock(at: simloop::time::Instant) -> String {
    let s = at.since_start().as_secs();
    format!("{:02}:{:02}:{:02}", s / 3600 % 24, s / 60 % 60, s % 60)
}
