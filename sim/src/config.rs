//! The settings of a simulation, shared by the builder and the executor.

use std::time::Duration;

use crate::strategy::Strategy;

/// Default limit on virtual time: a year.
pub(crate) const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(365 * 24 * 3600);
/// Default limit on polls.
pub(crate) const DEFAULT_MAX_STEPS: u64 = 100_000_000;
/// Default real time one poll may take before the watchdog reports it.
pub(crate) const DEFAULT_WATCHDOG: Duration = Duration::from_secs(10);

/// Where the watchdog's reports go, if not to standard error.
#[derive(Clone)]
pub(crate) struct WatchdogSink(pub(crate) crate::runtime::WatchdogSink);

impl std::fmt::Debug for WatchdogSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WatchdogSink(..)")
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) seed: u64,
    pub(crate) strategy: Strategy,
    pub(crate) time_limit: Option<Duration>,
    pub(crate) max_steps: Option<u64>,
    pub(crate) leaks_are_errors: bool,
    pub(crate) trace: bool,
    pub(crate) fail_on_unobserved_panic: bool,
    /// Real time one poll may take before the watchdog reports it.
    pub(crate) watchdog: Option<Duration>,
    pub(crate) watchdog_sink: Option<WatchdogSink>,
}

impl Config {
    pub(crate) fn new(seed: u64) -> Config {
        Config {
            seed,
            strategy: Strategy::Fifo,
            time_limit: Some(DEFAULT_TIME_LIMIT),
            max_steps: Some(DEFAULT_MAX_STEPS),
            leaks_are_errors: false,
            trace: false,
            fail_on_unobserved_panic: true,
            watchdog: Some(DEFAULT_WATCHDOG),
            watchdog_sink: None,
        }
    }
}
