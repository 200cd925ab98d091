//! The `SIMLOOP_*` environment variables: what each accepts, and
//! [`EnvConfig`], their parsed values.

use std::num::{IntErrorKind, NonZeroUsize};
use std::path::PathBuf;

use super::shard::Shard;
use crate::schedule::Schedule;
use crate::strategy::Strategy;

/// One environment variable the harness reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variable {
    /// Its name, e.g. `SIMLOOP_SEED`.
    pub name: &'static str,
    /// The values it accepts, e.g. ``a seed: `0` to `18446744073709551615` ``.
    pub accepts: &'static str,
    /// What it does.
    pub meaning: &'static str,
}

/// `SIMLOOP_SEED`.
pub const SEED: Variable = Variable {
    name: "SIMLOOP_SEED",
    accepts: "a seed: a decimal integer from 0 to 2^64-1, or hexadecimal with `0x`",
    meaning: "run exactly this seed (and not the regressions file), to replay a failure",
};
/// `SIMLOOP_SEEDS`.
pub const SEEDS: Variable = Variable {
    name: "SIMLOOP_SEEDS",
    accepts: "a count of seeds, 1 or more (`_` separators allowed, e.g. `10_000`)",
    meaning: "how many seeds a sweep runs: seeds 0 to N-1, split across shards (default: the test's `seeds`, else 100)",
};
/// `SIMLOOP_STRATEGY`.
pub const STRATEGY: Variable = Variable {
    name: "SIMLOOP_STRATEGY",
    accepts: "`fifo`, `random`, `pct`, `pct:DEPTH` (DEPTH >= 1) or `replay:SCHEDULE`",
    meaning: "the scheduling strategy, overriding the test's (default `random`)",
};
/// `SIMLOOP_SCHEDULE`.
pub const SCHEDULE: Variable = Variable {
    name: "SIMLOOP_SCHEDULE",
    accepts: "`fifo` or comma-separated `position:index` deviations, e.g. `3:1,17:2`; needs SIMLOOP_SEED",
    meaning: "replay this schedule with the seed of SIMLOOP_SEED (overrides SIMLOOP_STRATEGY)",
};
/// `SIMLOOP_SHARD`.
pub const SHARD: Variable = Variable {
    name: "SIMLOOP_SHARD",
    accepts: "`I/N` with 0 <= I < N, e.g. `0/4` (shards count from 0)",
    meaning: "run only the I-th of N interleaved slices of the seeds: seeds I, I+N, I+2N, ...",
};
/// `SIMLOOP_CHECK_DETERMINISM`.
pub const CHECK_DETERMINISM: Variable = Variable {
    name: "SIMLOOP_CHECK_DETERMINISM",
    accepts: "`1`, `true`, `yes`, `on` or `0`, `false`, `no`, `off`",
    meaning: "run every seed twice and fail if the two runs made different decisions",
};
/// `SIMLOOP_JOBS`.
pub const JOBS: Variable = Variable {
    name: "SIMLOOP_JOBS",
    accepts: "a number of threads, 1 or more",
    meaning: "how many simulations run in parallel (default: the number of cores; at most 4 per core, a larger value is lowered with a note)",
};
/// `SIMLOOP_SHRINK`.
pub const SHRINK: Variable = Variable {
    name: "SIMLOOP_SHRINK",
    accepts: "`1`, `true`, `yes`, `on` or `0`, `false`, `no`, `off`",
    meaning: "whether a failing seed's schedule is shrunk (default on)",
};
/// `SIMLOOP_REGRESSIONS`.
pub const REGRESSIONS: Variable = Variable {
    name: "SIMLOOP_REGRESSIONS",
    accepts: "`1`, `true`, `yes`, `on` or `0`, `false`, `no`, `off`",
    meaning: "whether the regressions file is read and failing seeds appended to it (default on)",
};
/// `SIMLOOP_TIMELINE`.
pub const TIMELINE: Variable = Variable {
    name: "SIMLOOP_TIMELINE",
    accepts: "a directory (created if missing; relative to the package's directory under `cargo test`)",
    meaning: "a failing test writes its failing run's timeline there, as SVG and as a Chrome trace, and prints their paths",
};

/// Every variable the harness reads, in the order the user guide lists them.
pub const VARIABLES: &[Variable] = &[
    SEED,
    SEEDS,
    STRATEGY,
    SCHEDULE,
    SHARD,
    CHECK_DETERMINISM,
    JOBS,
    SHRINK,
    REGRESSIONS,
    TIMELINE,
];

/// A `SIMLOOP_*` variable whose value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {variable}={value:?}: {reason}; {variable} accepts {accepts}")]
pub struct EnvError {
    /// The variable's name.
    pub variable: &'static str,
    /// The value it had.
    pub value: String,
    /// What is wrong with it.
    pub reason: String,
    /// The accepted forms.
    pub accepts: &'static str,
}

/// The harness settings read from `SIMLOOP_*` variables; `None` where the
/// variable is unset (or empty), so the test's own settings apply.
///
/// Every variable is listed once, in [`VARIABLES`], which the error messages
/// and the user guide's table are written from. A variable that is unset or
/// set to the empty string counts as unset. A value that cannot be read is an
/// [`EnvError`] naming the variable, the value and the accepted forms; it is
/// never silently ignored.
///
/// The parser takes a lookup function, so it can be tested (and driven by a
/// configuration file or a map) without touching the process environment:
///
/// ```
/// use simloop::harness::{EnvConfig, Shard};
/// use simloop::Strategy;
///
/// let env = EnvConfig::from_lookup(|name| match name {
///     "SIMLOOP_SEEDS" => Some("5000".into()),
///     "SIMLOOP_STRATEGY" => Some("pct:3".into()),
///     "SIMLOOP_SHARD" => Some("1/4".into()),
///     _ => None,
/// }).unwrap();
/// assert_eq!(env.seeds, Some(5000));
/// assert_eq!(env.strategy, Some(Strategy::Pct { depth: 3 }));
/// assert_eq!(env.shard, Some(Shard::new(1, 4).unwrap()));
///
/// let err = EnvConfig::from_lookup(|name| {
///     (name == "SIMLOOP_JOBS").then(|| "many".to_owned())
/// }).unwrap_err();
/// assert!(err.to_string().contains("SIMLOOP_JOBS"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct EnvConfig {
    /// `SIMLOOP_SEED`: run exactly this seed.
    pub seed: Option<u64>,
    /// `SIMLOOP_SEEDS`: how many seeds to sweep.
    pub seeds: Option<u64>,
    /// `SIMLOOP_STRATEGY`: the strategy.
    pub strategy: Option<Strategy>,
    /// `SIMLOOP_SCHEDULE`: a schedule to replay with `seed`.
    pub schedule: Option<Schedule>,
    /// `SIMLOOP_SHARD`: this machine's slice of the seeds.
    pub shard: Option<Shard>,
    /// `SIMLOOP_CHECK_DETERMINISM`: run every seed twice.
    pub check_determinism: Option<bool>,
    /// `SIMLOOP_JOBS`: parallel simulations.
    pub jobs: Option<NonZeroUsize>,
    /// `SIMLOOP_SHRINK`: shrink failing schedules.
    pub shrink: Option<bool>,
    /// `SIMLOOP_REGRESSIONS`: use the regressions file.
    pub regressions: Option<bool>,
    /// What was changed in a value that could be read but not used as it
    /// is (a `SIMLOOP_JOBS` above [`max_jobs`], lowered to it), one sentence
    /// each. [`EnvConfig::from_env`] prints them to standard error.
    pub notes: Vec<String>,
    /// `SIMLOOP_TIMELINE`: where a failing test leaves its pictures.
    pub timeline: Option<PathBuf>,
    /// Whether the tests run under cargo-nextest (which sets `NEXTEST=1`):
    /// the replay command is then a `cargo nextest run` one.
    pub nextest: bool,
}

/// The most simulations that run in parallel: four per core. A simulation
/// keeps its thread busy, so more threads than cores only add switching,
/// and a value such as `SIMLOOP_JOBS=100000` would ask the system for more
/// threads than it can give.
///
/// ```
/// assert!(simloop::harness::max_jobs() >= 4);
/// ```
pub fn max_jobs() -> usize {
    std::thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .saturating_mul(4)
}

impl EnvConfig {
    /// Reads the process environment, printing the [notes](EnvConfig::notes)
    /// to standard error.
    pub fn from_env() -> Result<EnvConfig, EnvError> {
        let env = EnvConfig::from_lookup(|name| std::env::var(name).ok())?;
        for note in &env.notes {
            eprintln!("simloop: {note}");
        }
        Ok(env)
    }

    /// Reads the variables through `lookup` (name to value).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<EnvConfig, EnvError> {
        let get = |var: Variable| {
            lookup(var.name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(|value| Raw { var, value })
        };
        let mut env = EnvConfig {
            seed: get(SEED).map(|r| r.parse_with(parse_u64)).transpose()?,
            seeds: get(SEEDS).map(|r| r.parse_with(parse_count)).transpose()?,
            // The error names the variable and its accepted forms; of the
            // parse errors it takes only what is wrong.
            strategy: get(STRATEGY)
                .map(|r| r.parse_with(|v| v.parse::<Strategy>().map_err(|e| e.reason().to_owned())))
                .transpose()?,
            schedule: get(SCHEDULE)
                .map(|r| r.parse_with(|v| v.parse::<Schedule>().map_err(|e| e.reason().to_owned())))
                .transpose()?,
            shard: get(SHARD)
                .map(|r| r.parse_with(|v| v.parse::<Shard>().map_err(|e| e.reason().to_owned())))
                .transpose()?,
            check_determinism: get(CHECK_DETERMINISM)
                .map(|r| r.parse_with(parse_bool))
                .transpose()?,
            jobs: get(JOBS).map(|r| r.parse_with(parse_jobs)).transpose()?,
            shrink: get(SHRINK).map(|r| r.parse_with(parse_bool)).transpose()?,
            regressions: get(REGRESSIONS)
                .map(|r| r.parse_with(parse_bool))
                .transpose()?,
            notes: Vec::new(),
            timeline: get(TIMELINE).map(|r| PathBuf::from(r.value)),
            nextest: lookup("NEXTEST").is_some_and(|v| v.trim() == "1"),
        };
        if let (Some(shard), Some(seeds)) = (env.shard, env.seeds)
            && shard.seeds_of(seeds) == 0
        {
            let raw = get(SHARD).expect("shard was read");
            return Err(raw.error(format!(
                "with {}={seeds} shard {} gets no seeds (shard I of N runs seeds I, I+N, ... \
                 below {seeds}), so it would pass without running anything",
                SEEDS.name,
                shard.index()
            )));
        }
        if let Some(jobs) = env.jobs
            && jobs.get() > max_jobs()
        {
            let cap = max_jobs();
            env.notes.push(format!(
                "{}={jobs} is more threads than this machine runs well; running {cap} \
                 (4 per core) instead",
                JOBS.name
            ));
            env.jobs = NonZeroUsize::new(cap);
        }
        if env.schedule.is_some() && env.seed.is_none() {
            let raw = get(SCHEDULE).expect("schedule was read");
            return Err(raw.error(format!(
                "a schedule belongs to one seed, so it needs {} too",
                SEED.name
            )));
        }
        Ok(env)
    }

    /// The strategy these variables ask for: the schedule's replay if
    /// `SIMLOOP_SCHEDULE` is set, else `SIMLOOP_STRATEGY`.
    pub fn effective_strategy(&self) -> Option<Strategy> {
        match &self.schedule {
            Some(schedule) => Some(Strategy::Replay(schedule.clone())),
            None => self.strategy.clone(),
        }
    }
}

/// A variable that is set, with its value.
struct Raw {
    var: Variable,
    value: String,
}

impl Raw {
    fn error(&self, reason: String) -> EnvError {
        EnvError {
            variable: self.var.name,
            value: self.value.clone(),
            reason,
            accepts: self.var.accepts,
        }
    }

    fn parse_with<T>(self, parse: impl FnOnce(&str) -> Result<T, String>) -> Result<T, EnvError> {
        parse(&self.value).map_err(|reason| self.error(reason))
    }
}

fn parse_u64(value: &str) -> Result<u64, String> {
    let digits = value.replace('_', "");
    let parsed = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => digits.parse::<u64>(),
    };
    parsed.map_err(|e| match e.kind() {
        IntErrorKind::PosOverflow => "too large".to_owned(),
        _ => "not a number".to_owned(),
    })
}

fn parse_count(value: &str) -> Result<u64, String> {
    match parse_u64(value)? {
        0 => Err("a sweep needs at least one seed".to_owned()),
        n => Ok(n),
    }
}

fn parse_jobs(value: &str) -> Result<NonZeroUsize, String> {
    let n = parse_u64(value)?;
    usize::try_from(n)
        .ok()
        .and_then(NonZeroUsize::new)
        .ok_or_else(|| "at least one thread is needed".to_owned())
}

fn parse_bool(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err("not a yes/no value".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<EnvConfig, EnvError> {
        let map: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        EnvConfig::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn unset_and_empty_variables_leave_everything_to_the_test() {
        assert_eq!(read(&[]).unwrap(), EnvConfig::default());
        assert_eq!(
            read(&[("SIMLOOP_SEED", ""), ("SIMLOOP_STRATEGY", "  ")]).unwrap(),
            EnvConfig::default()
        );
    }

    #[test]
    fn every_variable_is_read() {
        let env = read(&[
            ("SIMLOOP_SEED", "0x2a"),
            ("SIMLOOP_SEEDS", "10_000"),
            ("SIMLOOP_STRATEGY", "pct:2"),
            ("SIMLOOP_SCHEDULE", "3:1,17:2"),
            ("SIMLOOP_SHARD", "2/3"),
            ("SIMLOOP_CHECK_DETERMINISM", "1"),
            ("SIMLOOP_JOBS", "3"),
            ("SIMLOOP_SHRINK", "off"),
            ("SIMLOOP_REGRESSIONS", "No"),
            ("SIMLOOP_TIMELINE", "target/pictures"),
            ("NEXTEST", "1"),
        ])
        .unwrap();
        assert_eq!(env.timeline, Some(PathBuf::from("target/pictures")));
        assert!(env.nextest);
        assert_eq!(env.seed, Some(42));
        assert_eq!(env.seeds, Some(10_000));
        assert_eq!(env.strategy, Some(Strategy::Pct { depth: 2 }));
        assert_eq!(env.schedule.as_ref().unwrap().to_string(), "3:1,17:2");
        assert_eq!(env.shard, Some(Shard::new(2, 3).unwrap()));
        assert_eq!(env.check_determinism, Some(true));
        assert_eq!(env.jobs, NonZeroUsize::new(3));
        assert_eq!(env.shrink, Some(false));
        assert_eq!(env.regressions, Some(false));
        // The schedule wins over the strategy.
        assert_eq!(
            env.effective_strategy(),
            Some(Strategy::Replay("3:1,17:2".parse().unwrap()))
        );
    }

    #[test]
    fn every_invalid_value_names_its_variable_and_the_accepted_forms() {
        let cases = [
            ("SIMLOOP_SEED", "-1"),
            ("SIMLOOP_SEED", "18446744073709551616"),
            ("SIMLOOP_SEEDS", "0"),
            ("SIMLOOP_SEEDS", "lots"),
            ("SIMLOOP_STRATEGY", "pct:0"),
            ("SIMLOOP_STRATEGY", "roundrobin"),
            ("SIMLOOP_SHARD", "4/4"),
            ("SIMLOOP_SHARD", "1-4"),
            ("SIMLOOP_CHECK_DETERMINISM", "maybe"),
            ("SIMLOOP_JOBS", "0"),
            ("SIMLOOP_SHRINK", "2"),
            ("SIMLOOP_REGRESSIONS", "sometimes"),
        ];
        for (name, value) in cases {
            let err = read(&[(name, value)]).unwrap_err();
            let var = VARIABLES.iter().find(|v| v.name == name).unwrap();
            assert_eq!(err.variable, name);
            let text = err.to_string();
            assert!(text.starts_with(&format!("invalid {name}=")), "{text}");
            assert!(text.contains(value), "{text}");
            assert!(text.contains(var.accepts), "{text}");
        }
    }

    #[test]
    fn a_schedule_needs_a_seed() {
        let err = read(&[("SIMLOOP_SCHEDULE", "3:1")]).unwrap_err();
        assert_eq!(err.variable, "SIMLOOP_SCHEDULE");
        assert!(err.to_string().contains("needs SIMLOOP_SEED"), "{err}");
        let err = read(&[("SIMLOOP_SEED", "1"), ("SIMLOOP_SCHEDULE", "3")]).unwrap_err();
        assert!(err.to_string().contains("position:index"), "{err}");
    }

    #[test]
    fn variable_names_are_unique_and_prefixed() {
        let mut names: Vec<_> = VARIABLES.iter().map(|v| v.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), VARIABLES.len());
        assert!(names.iter().all(|n| n.starts_with("SIMLOOP_")));
    }
}
