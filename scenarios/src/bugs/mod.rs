//! Programs with a real concurrency bug that FIFO order hides, so that the
//! other strategies have something to find. Each one's properties hold under
//! FIFO for every seed and fail under some seeds of Random and PCT.

use simloop::harness::{Explorer, Order, Shrunk, Sweep};
use simloop::{Sim, Strategy};

use crate::{Failure, Scenario, Story, describe_failure, human, replay_command};

pub mod cache_stampede;
pub mod check_then_act;
pub mod dining;
pub mod lock_order;
pub mod lost_update;
pub mod lost_wakeup;
pub mod run_on;
pub mod torn_config;

/// The bug scenarios.
pub fn all() -> Vec<Scenario> {
    vec![
        lost_update::SCENARIO,
        check_then_act::SCENARIO,
        cache_stampede::SCENARIO,
        lock_order::SCENARIO,
        torn_config::SCENARIO,
        lost_wakeup::SCENARIO,
        run_on::SCENARIO,
        dining::SCENARIO,
    ]
}

/// Seeds the tour's hunts try per strategy.
pub const HUNT_SEEDS: u64 = 1000;

/// What one strategy's hunt for a bug found.
#[derive(Debug, Clone)]
pub struct Hunt {
    /// The strategy.
    pub strategy: Strategy,
    /// Seeds run (up to and including the first failing one).
    pub seeds_run: u64,
    /// The first failing seed, the failure in a few words, and its shrunk
    /// schedule.
    pub found: Option<(u64, String, Option<Shrunk>)>,
}

/// Runs seeds `first..first + HUNT_SEEDS` of `scenario` under `strategy`
/// until one fails, and shrinks it; counts the runs in `story`.
pub fn hunt(scenario: &Scenario, strategy: Strategy, first: u64, story: &mut Story) -> Hunt {
    let sweep = Sweep::new()
        .strategy(strategy.clone())
        .seeds(first..first + HUNT_SEEDS)
        .progress(false);
    let swept = scenario.sweep_measured(&sweep, || {});
    story.simulated += swept.simulated;
    story.runs += swept.runs;
    let found = swept
        .report
        .first_failure()
        .map(|f| (f.seed, describe_failure(&f.error), f.shrunk().cloned()));
    Hunt {
        strategy,
        seeds_run: swept.report.seeds_run,
        found,
    }
}

/// The tour's story of a bug: `intro`, then what FIFO, Random and PCT find
/// from seed `first` on, and the shrunk schedule that replays it. A FIFO
/// failure is a failure of the story (the bug must stay hidden there).
pub fn hunt_story(scenario: &Scenario, first: u64, intro: &str) -> Result<Story, Failure> {
    let mut story = Story::default();
    let fifo = hunt(scenario, Strategy::Fifo, first, &mut story);
    if let Some((seed, ..)) = fifo.found {
        return scenario
            .check_seed(seed, &Strategy::Fifo)
            .map(|_| story.clone());
    }
    let random = hunt(scenario, Strategy::Random, first, &mut story);
    let pct = hunt(scenario, Strategy::Pct { depth: 3 }, first, &mut story);
    let said = |h: &Hunt| match &h.found {
        Some((seed, ..)) => format!(
            "{} finds it after {} (seed {seed})",
            name(&h.strategy),
            human::plural(h.seeds_run, "seed")
        ),
        None => format!(
            "{} does not find it in {} seeds",
            name(&h.strategy),
            human::count(h.seeds_run)
        ),
    };
    let mut lines = vec![
        intro.to_owned(),
        format!(
            "FIFO order: every property holds on all {} seeds. {}; {}.",
            human::count(fifo.seeds_run),
            said(&random),
            said(&pct)
        ),
    ];
    if let Some((seed, what, shrunk)) = random.found.as_ref().or(pct.found.as_ref()) {
        let what = match what.strip_prefix("property ") {
            Some(rest) => rest.replacen(" violated: ", " breaks: ", 1),
            None => what.clone(),
        };
        lines.push(format!("The failure: {what}."));
        if let Some(shrunk) = shrunk {
            lines.push(format!(
                "Shrunk to {} from FIFO order; to replay it:",
                human::plural(shrunk.deviations() as u64, "deviation")
            ));
            lines.push(format!(
                "$ {}",
                replay_command(scenario.name, *seed, &shrunk.strategy().to_string())
            ));
        }
    }
    Ok(story.told(lines))
}

/// How a strategy fares against a bug over a number of seeds: how many
/// fail, the first failing seed, and its shrunk schedule. Its `Display` is
/// the sentence the bug's docs and `docs/scenarios.md` record (a test checks
/// that they match a fresh measurement).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measurement {
    /// The strategy.
    pub strategy: Strategy,
    /// Seeds run, from 0.
    pub seeds: u64,
    /// Seeds whose run failed.
    pub failing: u64,
    /// The lowest failing seed.
    pub first: Option<u64>,
    /// The lowest failing seed's shrunk schedule, as a strategy
    /// (`replay:...`), its number of preemptions and of deviations from
    /// FIFO order.
    pub shrunk: Option<(String, u64, usize)>,
}

/// The strategies whose hunts the docs record for every bug.
pub fn measured_strategies() -> [Strategy; 4] {
    [
        Strategy::Fifo,
        Strategy::Random,
        Strategy::Pct { depth: 2 },
        Strategy::Pct { depth: 3 },
    ]
}

/// Runs seeds `0..seeds` of `scenario` under `strategy` (all of them) and
/// shrinks the first failure.
///
/// ```
/// use simloop::Strategy;
/// use simloop_scenarios::bugs::{lost_update, measure};
///
/// let m = measure(&lost_update::SCENARIO, &Strategy::Fifo, 100);
/// assert_eq!(m.failing, 0);
/// assert_eq!(m.to_string(), "FIFO: no failure in 100 seeds.");
/// let m = measure(&lost_update::SCENARIO, &Strategy::Random, 10);
/// assert!(m.to_string().contains("(1 preemption, "), "{m}");
/// ```
pub fn measure(scenario: &Scenario, strategy: &Strategy, seeds: u64) -> Measurement {
    let sweep = Sweep::new()
        .strategy(strategy.clone())
        .seeds(0..seeds)
        .stop_at_first_failure(false)
        .progress(false);
    let report = scenario.sweep(&sweep);
    let first = report.first_failure();
    Measurement {
        strategy: strategy.clone(),
        seeds,
        failing: report.failures.len() as u64,
        first: first.map(|f| f.seed),
        shrunk: first
            .and_then(|f| f.shrunk())
            .map(|s| (s.strategy().to_string(), s.preemptions, s.deviations())),
    }
}

/// How a bounded exploration of seed 0 fares against a bug: how many
/// schedules ran until the first failure (at most `budget`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explored {
    /// The order of the search.
    pub order: Order,
    /// The most schedules the search may run.
    pub budget: usize,
    /// The number of the first failing schedule (from 1), its preemptions
    /// and deviations, if one failed within the budget.
    pub first: Option<(usize, u64, usize)>,
}

/// Explores seed 0 of `scenario` in `order`, up to `budget` schedules,
/// stopping at the first failure.
///
/// ```
/// use simloop::harness::Order;
/// use simloop_scenarios::bugs::{explore, run_on};
///
/// let e = explore(&run_on::SCENARIO, Order::Preemptions, 1000);
/// assert_eq!(e.first.map(|f| f.1), Some(1)); // one preemption
/// ```
pub fn explore(scenario: &Scenario, order: Order, budget: usize) -> Explored {
    let exploration = Explorer::new(Sim::new(0))
        .order(order)
        .max_runs(budget)
        .stop_at_first_failure(true)
        .run(|_| scenario.checked_future(Strategy::Fifo));
    let first = exploration.failures.first().map(|f| {
        let schedule = &exploration.runs_made[f.run];
        (f.run + 1, schedule.preemptions, schedule.deviations)
    });
    Explored {
        order,
        budget,
        first,
    }
}

impl std::fmt::Display for Explored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self.order {
            Order::Deviations => "Exploration by deviations",
            _ => "Exploration by preemptions",
        };
        match self.first {
            None => write!(
                f,
                "{name}: no failure in {} schedules.",
                human::count(self.budget as u64)
            ),
            Some((run, preemptions, deviations)) => write!(
                f,
                "{name}: first failure at schedule {} ({}, {}).",
                human::count(run as u64),
                human::plural(preemptions, "preemption"),
                human::plural(deviations as u64, "deviation")
            ),
        }
    }
}

impl std::fmt::Display for Measurement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = name(&self.strategy);
        let Some(first) = self.first else {
            return write!(
                f,
                "{name}: no failure in {} seeds.",
                human::count(self.seeds)
            );
        };
        write!(
            f,
            "{name}: first failure at seed {first} ({} tried); {} of {} seeds fail",
            human::count(first + 1),
            human::count(self.failing),
            human::count(self.seeds)
        )?;
        match &self.shrunk {
            Some((schedule, preemptions, deviations)) => write!(
                f,
                "; shrunk to `{schedule}` ({}, {} from FIFO order).",
                human::plural(*preemptions, "preemption"),
                human::plural(*deviations as u64, "deviation")
            ),
            None => f.write_str("."),
        }
    }
}

fn name(strategy: &Strategy) -> String {
    match strategy {
        Strategy::Fifo => "FIFO".to_owned(),
        Strategy::Random => "Random".to_owned(),
        Strategy::Pct { depth } => format!("PCT (depth {depth})"),
        other => other.to_string(),
    }
}
