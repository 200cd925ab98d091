//! Coverage you can assert, in the style of Antithesis and FoundationDB:
//! [`sometimes!`](crate::sometimes) and [`reachable!`](crate::reachable)
//! mark what a sweep must have seen at least once, and the sweep counts them
//! across its runs.
//!
//! A sweep fails, naming the label, when a `sometimes!` condition never held
//! in any run, or a `reachable!` point declared with
//! [`Sweep::expect_reachable`](super::Sweep::expect_reachable) was never
//! reached: proof that the sweep actually reached the interleaving a test
//! is about. The counts are per run (how many runs saw the condition hold),
//! so they do not depend on the number of threads.
//!
//! ```
//! use std::{cell::Cell, rc::Rc};
//! use simloop::{task, harness::Sweep};
//!
//! let report = Sweep::new().seeds(0..50).run(|_seed| async {
//!     let counter = Rc::new(Cell::new(0));
//!     let tasks: Vec<_> = (0..2).map(|_| {
//!         let counter = counter.clone();
//!         task::spawn(async move {
//!             let read = counter.get();
//!             task::yield_now().await;
//!             counter.set(read + 1);
//!         })
//!     }).collect();
//!     for t in tasks { t.await.unwrap(); }
//!     simloop::sometimes!(counter.get() == 1, "an update was lost");
//!     simloop::sometimes!(counter.get() == 2, "both updates landed");
//!     simloop::sometimes!(counter.get() == 3, "a phantom update");
//! });
//! let lost = report.coverage.get("an update was lost").unwrap();
//! assert!(lost.runs_held > 0 && lost.runs_held < 50);
//! assert_eq!(report.coverage.missing(), vec!["a phantom update"]);
//! assert!(!report.passed());
//! assert!(report.to_string().contains("`a phantom update` never held (evaluated in 50 runs)"));
//! ```

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;

/// What kind of coverage point a label marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PointKind {
    /// [`sometimes!`](crate::sometimes): a condition that must hold in at
    /// least one run.
    Sometimes,
    /// [`reachable!`](crate::reachable): a point that at least one run must
    /// reach.
    Reachable,
}

/// The counts of one label across a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LabelHits {
    /// What the label marks.
    pub kind: PointKind,
    /// Runs that evaluated the condition (or reached the point).
    pub runs_evaluated: u64,
    /// Runs in which the condition held at least once (or that reached the
    /// point).
    pub runs_held: u64,
    /// Evaluations in total, over every run.
    pub evaluations: u64,
    /// Evaluations that held, over every run.
    pub holds: u64,
}

/// Coverage counts of a sweep, by label.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    labels: BTreeMap<String, LabelHits>,
}

impl Coverage {
    /// The counts of `label`, if any run evaluated or declared it.
    pub fn get(&self, label: &str) -> Option<&LabelHits> {
        self.labels.get(label)
    }

    /// Every label with its counts, in label order.
    pub fn labels(&self) -> impl Iterator<Item = (&str, &LabelHits)> {
        self.labels.iter().map(|(l, h)| (l.as_str(), h))
    }

    /// Whether no label was seen or declared.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The labels that never held (or were never reached), in label order:
    /// each one fails the sweep.
    pub fn missing(&self) -> Vec<&str> {
        self.labels
            .iter()
            .filter(|(_, h)| h.runs_held == 0)
            .map(|(l, _)| l.as_str())
            .collect()
    }

    /// Declares a `reachable!` label that must be reached (it counts as
    /// missing until a run reaches it).
    pub(crate) fn expect(&mut self, label: &str) {
        self.labels
            .entry(label.to_owned())
            .or_insert_with(|| LabelHits::new(PointKind::Reachable));
    }

    /// Adds one run's counts.
    pub(crate) fn add_run(&mut self, run: &RunCoverage) {
        for (&label, point) in &run.points {
            let hits = self
                .labels
                .entry(label.to_owned())
                .or_insert_with(|| LabelHits::new(point.kind));
            hits.runs_evaluated += 1;
            hits.runs_held += u64::from(point.holds > 0);
            hits.evaluations += point.evaluations;
            hits.holds += point.holds;
        }
    }
}

impl LabelHits {
    fn new(kind: PointKind) -> LabelHits {
        LabelHits {
            kind,
            runs_evaluated: 0,
            runs_held: 0,
            evaluations: 0,
            holds: 0,
        }
    }
}

impl fmt::Display for Coverage {
    /// One line per label: `sometimes `x`: held in 12 of 100 runs` or
    /// `sometimes `y` never held (evaluated in 100 runs)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let runs = |n: u64| format!("{n} run{}", if n == 1 { "" } else { "s" });
        for (i, (label, h)) in self.labels.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            match (h.kind, h.runs_held) {
                (PointKind::Sometimes, 0) => write!(
                    f,
                    "sometimes `{label}` never held (evaluated in {})",
                    runs(h.runs_evaluated)
                )?,
                (PointKind::Sometimes, held) => write!(
                    f,
                    "sometimes `{label}`: held in {} of {} evaluating it",
                    runs(held),
                    h.runs_evaluated
                )?,
                (PointKind::Reachable, 0) => write!(f, "reachable `{label}` never reached")?,
                (PointKind::Reachable, held) => write!(
                    f,
                    "reachable `{label}`: reached in {}, {} time{} in all",
                    runs(held),
                    h.holds,
                    if h.holds == 1 { "" } else { "s" }
                )?,
            }
        }
        Ok(())
    }
}

/// One run's counts for one label.
#[derive(Debug, Clone, Copy)]
struct Point {
    kind: PointKind,
    evaluations: u64,
    holds: u64,
}

/// The counts of the run being made on this thread.
#[derive(Debug, Default)]
pub(crate) struct RunCoverage {
    points: BTreeMap<&'static str, Point>,
}

thread_local! {
    /// The counts of the sweep run in progress on this thread, if any.
    static CURRENT: RefCell<Option<RunCoverage>> = const { RefCell::new(None) };
}

/// Runs `f` (one run of a sweep) counting its coverage points.
pub(crate) fn counting<R>(f: impl FnOnce() -> R) -> (R, RunCoverage) {
    let outer = CURRENT.with(|c| c.replace(Some(RunCoverage::default())));
    let result = f();
    let counted = CURRENT.with(|c| c.replace(outer)).unwrap_or_default();
    (result, counted)
}

/// Records one evaluation of a coverage point (what the macros call).
#[doc(hidden)]
pub fn record(kind: PointKind, label: &'static str, held: bool) {
    CURRENT.with(|c| {
        if let Some(run) = c.borrow_mut().as_mut() {
            let point = run.points.entry(label).or_insert(Point {
                kind,
                evaluations: 0,
                holds: 0,
            });
            point.evaluations += 1;
            point.holds += u64::from(held);
        }
    });
}

/// Asserts that `cond` holds in at least one run of the sweep, under the
/// name `label` (see [`harness::Coverage`](crate::harness::Coverage)).
/// Evaluates `cond` every time and returns it; outside a sweep it only
/// evaluates it.
///
/// ```
/// let queue_len = 3;
/// if simloop::sometimes!(queue_len > 2, "queue backs up") {
///     // ...
/// }
/// ```
#[macro_export]
macro_rules! sometimes {
    ($cond:expr, $label:literal $(,)?) => {{
        let held: bool = $cond;
        $crate::harness::coverage::record(
            $crate::harness::coverage::PointKind::Sometimes,
            $label,
            held,
        );
        held
    }};
}

/// Asserts that at least one run of the sweep reaches this point, under the
/// name `label` (see [`harness::Coverage`](crate::harness::Coverage)).
/// Declare the label with
/// [`Sweep::expect_reachable`](crate::harness::Sweep::expect_reachable) so
/// that a sweep where no run reached it fails.
///
/// ```
/// let retries = 1;
/// if retries > 0 {
///     simloop::reachable!("retried a request");
/// }
/// ```
#[macro_export]
macro_rules! reachable {
    ($label:literal $(,)?) => {
        $crate::harness::coverage::record(
            $crate::harness::coverage::PointKind::Reachable,
            $label,
            true,
        )
    };
}
