//! Scenarios under the harness: the future a sweep runs, the error a
//! violated property becomes, and reading it back.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use simloop::harness::{Sweep, SweepReport};
use simloop::task::TaskId;
use simloop::{SimError, Strategy, time};

use crate::env::Env;
use crate::outcome::Violation;
use crate::scenario::Scenario;

/// A violated property as the error a scenario's future returns to a
/// harness ([`simloop::harness::Sweep`] and the shrinker): its `Debug` is its
/// message, so the harness's report reads
/// `returned Err(property `x` violated: ...)`.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PropertyFailed(pub Violation);

impl fmt::Debug for PropertyFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// What a failed run of a scenario's [checked
/// future](Scenario::checked_future) says: the violated property's message
/// when a property failed, or `None` for any other failure (deadlock, panic,
/// limits).
///
/// ```
/// use simloop::{Strategy, harness::Sweep};
/// use simloop_scenarios::{find, violated_property};
///
/// let sweep = Sweep::new().strategy(Strategy::Random).seeds(0..20).progress(false);
/// let report = find("lost_update").unwrap().sweep(&sweep);
/// let error = &report.first_failure().unwrap().error;
/// let message = violated_property(error).unwrap();
/// assert!(message.starts_with("property `no-lost-update` violated"));
/// ```
pub fn violated_property(error: &SimError) -> Option<&str> {
    let SimError::TaskPanicked { message, .. } = error else {
        return None;
    };
    message
        .strip_prefix("returned Err(")
        .and_then(|m| m.strip_suffix(')'))
        .filter(|m| m.starts_with("property `"))
}

impl Scenario {
    /// The future that runs the scenario under a simulation made elsewhere
    /// (its strategy passed here, for the properties that depend on it) and
    /// ends in the violated property, if any: what harness sweeps and
    /// shrinking run.
    pub fn checked_future(
        &self,
        strategy: Strategy,
    ) -> impl Future<Output = Result<(), PropertyFailed>> + 'static {
        let program = self.program(Env::new(strategy));
        async move { program.await.verdict.map_err(PropertyFailed) }
    }

    /// Runs the scenario under every seed of `sweep` (in parallel), with its
    /// strategy, and reports what failed.
    ///
    /// ```
    /// use simloop::{Strategy, harness::Sweep};
    /// use simloop_scenarios::find;
    ///
    /// let sweep = Sweep::new().strategy(Strategy::Random).seeds(0..100).progress(false);
    /// assert!(find("chain").unwrap().sweep(&sweep).passed());
    /// let report = find("lost_update").unwrap().sweep(&sweep);
    /// let failure = report.first_failure().unwrap();
    /// assert_eq!(failure.shrunk().unwrap().preemptions, 1);
    /// ```
    pub fn sweep(&self, sweep: &Sweep) -> SweepReport {
        self.sweep_measured(sweep, || {}).report
    }

    /// Like [`sweep`](Scenario::sweep), also adding up the virtual time the
    /// seeds' runs simulated, and calling `on_run` when each seed starts
    /// (for progress bars). The shrinker's replays of a failing seed are not
    /// counted.
    pub fn sweep_measured(&self, sweep: &Sweep, on_run: impl Fn() + Sync) -> Swept {
        let strategy = sweep.base_sim().strategy().clone();
        // Virtual time simulated by each seed's (first) run.
        let simulated_by_seed = Mutex::new(BTreeMap::new());
        let report = sweep.run(|seed| {
            let first = simulated_by_seed
                .lock()
                .is_ok_and(|mut s| s.insert(seed, 0).is_none());
            if first {
                on_run();
            }
            let run = self.checked_future(strategy.clone());
            let simulated_by_seed = &simulated_by_seed;
            async move {
                let verdict = run.await;
                if first && let Ok(mut s) = simulated_by_seed.lock() {
                    s.insert(seed, time::now().as_nanos());
                }
                verdict
            }
        });
        // Count only the seeds the report counts: a sweep that stops at its
        // first failure may have started a few higher seeds on other threads,
        // and those depend on thread timing.
        let by_seed = simulated_by_seed.into_inner().unwrap_or_default();
        let last_counted = match report.first_failure() {
            Some(failure) if sweep.stops_at_first_failure() => failure.seed,
            _ => u64::MAX,
        };
        let simulated = by_seed
            .range(..=last_counted)
            .map(|(_, nanos)| *nanos)
            .sum();
        Swept {
            runs: report.seeds_run,
            report,
            simulated: Duration::from_nanos(simulated),
        }
    }
}

/// A sweep's report with the virtual time its runs simulated.
#[derive(Debug, Clone)]
pub struct Swept {
    /// What the sweep found.
    pub report: SweepReport,
    /// Virtual time of every seed's run that got to its end (a failed run
    /// stops before).
    pub simulated: Duration,
    /// Seeds run.
    pub runs: u64,
}

/// A failure of a scenario's run in a few words: the violated property, or
/// for a deadlock what each task waits on, or the first line of any other
/// error.
///
/// ```
/// use simloop::{Strategy, harness::Sweep};
/// use simloop_scenarios::{describe_failure, find};
///
/// let sweep = Sweep::new().strategy(Strategy::Random).seeds(0..20).progress(false);
/// let report = find("lock_order").unwrap().sweep(&sweep);
/// let said = describe_failure(&report.first_failure().unwrap().error);
/// assert!(said.starts_with("deadlock: "), "{said}");
/// assert!(said.contains("waits on Lock::lock"), "{said}");
/// ```
pub fn describe_failure(error: &SimError) -> String {
    if let Some(p) = violated_property(error) {
        return p.to_owned();
    }
    if let SimError::Deadlock { blocked, .. } = error {
        let waits: Vec<String> = blocked
            .iter()
            .filter(|b| b.task.id() != TaskId::ROOT)
            .map(ToString::to_string)
            .collect();
        return format!("deadlock: {}", waits.join("; "));
    }
    error
        .to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}
