//! [`Sim`]: a seed and a configuration, ready to run futures in a simulated
//! world; [`SimBuilder`] to configure it; [`Report`] for what a run did.

use std::future::Future;
use std::time::Duration;

use crate::config::Config;
use crate::error::{FailureContext, SimError};
use crate::runtime;
use crate::schedule::Schedule;
use crate::strategy::Strategy;
use crate::task::TaskInfo;
use crate::time::Instant;
use crate::trace::{Fingerprint, Trace};

/// A deterministic simulation: a seed, a scheduling strategy and limits.
///
/// Each call to [`run`](Sim::run) starts a fresh world at virtual time zero,
/// so the same `Sim` and the same future always give the same result.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, Strategy, task, time};
///
/// let sim = Sim::builder().seed(444).strategy(Strategy::Random).build();
/// let (got, elapsed) = sim.run(async {
///     let start = time::now();
///     let handles: Vec<_> = (0..3)
///         .map(|i| task::spawn(async move { time::sleep(Duration::from_secs(1)).await; i }))
///         .collect();
///     let mut got = Vec::new();
///     for h in handles { got.push(h.await.unwrap()); }
///     (got, time::now() - start)
/// }).unwrap();
/// assert_eq!(got, vec![0, 1, 2]);
/// assert_eq!(elapsed, Duration::from_secs(1));
/// ```
#[derive(Debug, Clone)]
pub struct Sim {
    config: Config,
}

impl Sim {
    /// A simulation with this seed and the defaults: [`Strategy::Fifo`]
    /// (asyncio's order), a virtual time limit of one year, a limit of 100
    /// million polls, leaks reported but not errors, tracing off.
    pub fn new(seed: u64) -> Sim {
        Sim {
            config: Config::new(seed),
        }
    }

    /// Starts configuring a simulation (seed 0 and the defaults of
    /// [`Sim::new`] until changed).
    pub fn builder() -> SimBuilder {
        SimBuilder {
            config: Config::new(0),
        }
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.config.seed
    }

    /// The scheduling strategy.
    pub fn strategy(&self) -> &Strategy {
        &self.config.strategy
    }

    /// A builder starting from this simulation's settings.
    pub fn to_builder(&self) -> SimBuilder {
        SimBuilder {
            config: self.config.clone(),
        }
    }

    /// Runs `future` as the root task of a fresh world and returns its output.
    ///
    /// The future need not be `Send` or `'static`. Tasks still pending when it
    /// finishes are dropped (and reported as leaks in [`run_report`]).
    ///
    /// [`run_report`]: Sim::run_report
    pub fn run<F: Future>(&self, future: F) -> Result<F::Output, SimError> {
        self.run_report(future).map(|r| r.value)
    }

    /// Like [`run`](Sim::run), returning a [`Report`] with the value and what
    /// the run did.
    pub fn run_report<F: Future>(&self, future: F) -> Result<Report<F::Output>, SimError> {
        self.run_recorded(future).map_err(|failed| failed.error)
    }

    /// Like [`run_report`](Sim::run_report), but a failed run also gives back
    /// the choices the scheduler made before it failed, so that the failure
    /// can be replayed with [`Strategy::Replay`] and shrunk.
    ///
    /// ```
    /// use simloop::{Sim, Strategy, task};
    ///
    /// let sim = Sim::builder().seed(5).strategy(Strategy::Random).build();
    /// let failed = sim.run_recorded(async {
    ///     let a = task::spawn(async { 1 });
    ///     let b = task::spawn(async { 2 });
    ///     task::yield_now().await;
    ///     assert_eq!(a.await.unwrap() + b.await.unwrap(), 4, "bad sum");
    /// }).unwrap_err();
    /// assert!(failed.error.to_string().contains("bad sum"));
    /// // Replaying the recorded choices fails the same way.
    /// let replay = sim.to_builder().strategy(Strategy::Replay(failed.schedule)).build();
    /// assert_eq!(replay.run(async {
    ///     let a = task::spawn(async { 1 });
    ///     let b = task::spawn(async { 2 });
    ///     task::yield_now().await;
    ///     assert_eq!(a.await.unwrap() + b.await.unwrap(), 4, "bad sum");
    /// }).unwrap_err().kind(), "panic");
    /// ```
    pub fn run_recorded<F: Future>(&self, future: F) -> Result<Report<F::Output>, Box<FailedRun>> {
        let out = runtime::run(&self.config, future).map_err(|f| {
            Box::new(FailedRun {
                error: f.error,
                schedule: f.schedule,
                fingerprint: f.fingerprint,
                trace: f.trace,
            })
        })?;
        Ok(Report {
            value: out.value,
            seed: self.config.seed,
            strategy: self.config.strategy.clone(),
            elapsed: out.elapsed,
            steps: out.steps,
            fingerprint: out.fingerprint,
            schedule: out.schedule,
            trace: out.trace,
            leaked: out.leaked,
        })
    }

    /// Runs the future made by `make` twice, with tracing on, and returns the
    /// first run's value if both runs made exactly the same decisions, or
    /// [`SimError::NonDeterminism`] naming the first event that differs.
    ///
    /// A future runs only once, hence the closure.
    ///
    /// ```
    /// use simloop::{Sim, rand};
    /// let v = Sim::new(3).check_determinism(|| async { rand::range(0..100u32) }).unwrap();
    /// assert!(v < 100);
    /// ```
    pub fn check_determinism<M, F>(&self, make: M) -> Result<F::Output, SimError>
    where
        M: FnMut() -> F,
        F: Future,
    {
        self.run_twice(make)
            .map(|report| report.value)
            .map_err(|failed| failed.error)
    }

    /// Runs the future made by `make` twice with tracing on and returns the
    /// first run's outcome if both runs made the same decisions (whether they
    /// succeeded or failed), or [`SimError::NonDeterminism`].
    pub(crate) fn run_twice<M, F>(&self, mut make: M) -> Result<Report<F::Output>, Box<FailedRun>>
    where
        M: FnMut() -> F,
        F: Future,
    {
        let traced = self.to_builder().trace(true).build();
        let first = traced.run_recorded(make());
        let second = traced.run_recorded(make());
        let (fp1, fp2) = (fingerprint_of(&first), fingerprint_of(&second));
        let same_error = match (&first, &second) {
            (Err(a), Err(b)) => a.error == b.error,
            (Ok(_), Ok(_)) => true,
            _ => false,
        };
        if fp1 == fp2 && same_error {
            return first;
        }
        let (trace1, schedule) = match first {
            Ok(r) => (r.trace, r.schedule),
            Err(f) => (f.trace, f.schedule),
        };
        let trace2 = match second {
            Ok(r) => r.trace,
            Err(f) => f.trace,
        };
        let a = trace1.map(|t| t.events).unwrap_or_default();
        let b = trace2.map(|t| t.events).unwrap_or_default();
        let index = (0..a.len().max(b.len()))
            .find(|&i| a.get(i) != b.get(i))
            .unwrap_or(a.len());
        let at = a.get(index).or(b.get(index)).or(a.last());
        Err(Box::new(FailedRun {
            error: SimError::NonDeterminism {
                index,
                first: a.get(index).cloned().map(Box::new),
                second: b.get(index).cloned().map(Box::new),
                ctx: FailureContext {
                    seed: self.config.seed,
                    strategy: self.config.strategy.to_string(),
                    time: at.map_or(Instant::ZERO, |e| e.time),
                    step: at.map_or(0, |e| e.step),
                    also: Box::default(),
                },
            },
            schedule,
            fingerprint: fp1,
            trace: None,
        }))
    }
}

fn fingerprint_of<T>(outcome: &Result<Report<T>, Box<FailedRun>>) -> Fingerprint {
    match outcome {
        Ok(r) => r.fingerprint,
        Err(f) => f.fingerprint,
    }
}

/// A failed run from [`Sim::run_recorded`]: the error and what the run did
/// up to the failure.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FailedRun {
    /// Why the run failed.
    pub error: SimError,
    /// Every choice the scheduler made before the failure;
    /// `Strategy::Replay(schedule)` with the same seed repeats the run.
    pub schedule: Schedule,
    /// Stable hash of every scheduling decision up to the failure.
    pub fingerprint: Fingerprint,
    /// Every event up to the failure, if the simulation was built with
    /// `trace(true)`.
    pub trace: Option<Trace>,
}

impl std::fmt::Display for FailedRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for FailedRun {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Configures a [`Sim`].
#[derive(Debug, Clone)]
#[must_use = "call .build() to get a Sim"]
pub struct SimBuilder {
    config: Config,
}

impl SimBuilder {
    /// The seed: it fixes the scheduler's choices and every number drawn
    /// through [`simloop::rand`](crate::rand).
    pub fn seed(mut self, seed: u64) -> SimBuilder {
        self.config.seed = seed;
        self
    }

    /// The scheduling strategy (default [`Strategy::Fifo`]).
    pub fn strategy(mut self, strategy: Strategy) -> SimBuilder {
        self.config.strategy = strategy;
        self
    }

    /// Fails the run with [`SimError::TimeLimit`] if virtual time would pass
    /// `limit` (default one year).
    pub fn time_limit(mut self, limit: Duration) -> SimBuilder {
        self.config.time_limit = Some(limit);
        self
    }

    /// Removes the limit on virtual time.
    pub fn no_time_limit(mut self) -> SimBuilder {
        self.config.time_limit = None;
        self
    }

    /// Fails the run with [`SimError::StepLimit`] after `steps` polls
    /// (default 100 million).
    pub fn max_steps(mut self, steps: u64) -> SimBuilder {
        self.config.max_steps = Some(steps);
        self
    }

    /// Whether tasks still pending when the root task finishes fail the run
    /// with [`SimError::LeakedTasks`] (default `false`: they are only listed
    /// in [`Report::leaked`]).
    pub fn leaks_are_errors(mut self, yes: bool) -> SimBuilder {
        self.config.leaks_are_errors = yes;
        self
    }

    /// Whether to keep every event in [`Report::trace`] (default `false`:
    /// only the fingerprint is kept, which is cheaper).
    pub fn trace(mut self, on: bool) -> SimBuilder {
        self.config.trace = on;
        self
    }

    /// Whether a panic that no `JoinHandle` reports (the handle was dropped
    /// before or without awaiting the task) fails the run with
    /// [`SimError::TaskPanicked`] (default `true`).
    pub fn fail_on_unobserved_panic(mut self, yes: bool) -> SimBuilder {
        self.config.fail_on_unobserved_panic = yes;
        self
    }

    /// How long (in *real* time) one poll may take before the watchdog
    /// reports it, by task name with the seed, to standard error (default
    /// 10 s).
    ///
    /// simloop cannot interrupt a poll: a task that loops without awaiting
    /// anything, or blocks its thread, stops the whole simulation, its
    /// virtual clock and its limits. The watchdog is a thread outside every
    /// simulation that notices such a poll and says which task it is; the
    /// run itself goes on unchanged (and ends if the poll ever returns).
    pub fn watchdog(mut self, limit: Duration) -> SimBuilder {
        self.config.watchdog = Some(limit);
        self
    }

    /// Turns the watchdog off (see [`watchdog`](SimBuilder::watchdog)).
    pub fn no_watchdog(mut self) -> SimBuilder {
        self.config.watchdog = None;
        self
    }

    /// Sends the watchdog's reports to `sink` instead of standard error
    /// (see [`watchdog`](SimBuilder::watchdog)). The sink is called on the
    /// watchdog's thread.
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use std::time::Duration;
    /// use simloop::{Sim, task};
    ///
    /// let (tx, rx) = mpsc::sync_channel(1);
    /// let sim = Sim::builder()
    ///     .seed(3)
    ///     .watchdog(Duration::from_millis(1))
    ///     .watchdog_report(move |report| { let _ = tx.try_send(report.to_owned()); })
    ///     .build();
    /// let report = sim.run(async move {
    ///     let stuck = task::spawn_named("stuck", async move {
    ///         // A poll that does not return until the watchdog has spoken.
    ///         rx.recv().unwrap()
    ///     });
    ///     stuck.await.unwrap()
    /// }).unwrap();
    /// assert!(report.starts_with("simloop watchdog: task 1 \"stuck\" has not returned from one poll"));
    /// assert!(report.contains("seed 3"));
    /// ```
    pub fn watchdog_report(mut self, sink: impl Fn(&str) + Send + Sync + 'static) -> SimBuilder {
        self.config.watchdog_sink = Some(crate::config::WatchdogSink(std::sync::Arc::new(sink)));
        self
    }

    /// The configured simulation.
    pub fn build(self) -> Sim {
        Sim {
            config: self.config,
        }
    }
}

/// What a successful run did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Report<T> {
    /// The root future's output.
    pub value: T,
    /// The seed.
    pub seed: u64,
    /// The strategy.
    pub strategy: Strategy,
    /// Virtual time from the start to the root task's end.
    pub elapsed: Duration,
    /// Number of polls.
    pub steps: u64,
    /// Stable hash of every scheduling decision.
    pub fingerprint: Fingerprint,
    /// Every choice the scheduler made; `Strategy::Replay(schedule)` repeats
    /// the run.
    pub schedule: Schedule,
    /// Every event, if the simulation was built with `trace(true)`.
    pub trace: Option<Trace>,
    /// Tasks still pending when the root task finished (they were dropped).
    pub leaked: Vec<TaskInfo>,
}

impl<T> Report<T> {
    /// The root future's output.
    pub fn value(&self) -> &T {
        &self.value
    }

    /// Virtual time from the start to the root task's end.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Number of polls.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Stable hash of every scheduling decision of the run.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// The choices the scheduler made; see [`Report::schedule`](Report#structfield.schedule).
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// The same report with the value mapped.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Report<U> {
        Report {
            value: f(self.value),
            seed: self.seed,
            strategy: self.strategy,
            elapsed: self.elapsed,
            steps: self.steps,
            fingerprint: self.fingerprint,
            schedule: self.schedule,
            trace: self.trace,
            leaked: self.leaked,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::task;

    /// Two workers increment a shared counter across a yield; the root checks
    /// that both increments landed.
    async fn lost_update() {
        let counter = std::rc::Rc::new(Cell::new(0));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let counter = counter.clone();
                task::spawn(async move {
                    let read = counter.get();
                    task::yield_now().await;
                    counter.set(read + 1);
                })
            })
            .collect();
        for w in workers {
            w.await.unwrap();
        }
        assert_eq!(counter.get(), 2, "lost update");
    }

    #[test]
    fn a_failed_run_keeps_its_schedule_and_replaying_it_fails_the_same_way() {
        let failing = (0..50)
            .map(|seed| Sim::builder().seed(seed).strategy(Strategy::Random).build())
            .find_map(|sim| sim.run_recorded(lost_update()).err().map(|f| (sim, f)));
        let (sim, failed) = failing.expect("some seed loses an update");
        assert!(failed.schedule.deviations() > 0);
        let replay = sim
            .to_builder()
            .strategy(Strategy::Replay(failed.schedule.clone()))
            .build();
        let again = replay.run_recorded(lost_update()).unwrap_err();
        assert_eq!(again.schedule, failed.schedule);
        assert_eq!(again.fingerprint, failed.fingerprint);
        assert!(again.error.to_string().contains("lost update"));
    }

    #[test]
    fn check_determinism_compares_failing_runs_too() {
        // Fails both times, but at a different virtual time the second time.
        let calls = Cell::new(0u64);
        let err = Sim::new(1)
            .check_determinism(|| {
                calls.set(calls.get() + 1);
                let wait = calls.get();
                async move {
                    crate::time::sleep(std::time::Duration::from_secs(wait)).await;
                    panic!("always fails");
                }
            })
            .unwrap_err();
        assert!(matches!(err, SimError::NonDeterminism { .. }), "{err}");

        // Fails the same way twice: the failure itself is reported.
        let err = Sim::new(1)
            .check_determinism(|| async { panic!("always fails") })
            .unwrap_err();
        assert_eq!(err.kind(), "panic");
    }
}
