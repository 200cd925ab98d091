//! # `chores` — seed 003
//!
//! One person, four chores: the laundry (1 h) and the dishwasher (30 min)
//! are machines that run on their own once started (a
//! [`sleep`](simloop::time::sleep) whose deadline is fixed when the machine
//! starts); making dinner (1 h) and watering the plants (30 min) need the
//! person's hands (blocking work, [`busy`](simloop::time::busy)). It teaches
//! that concurrency means overlapping independent waits with work.
//!
//! Expected outcome: `chores-sync` (start a machine, wait for it, then the
//! next chore) takes exactly 3 h with nothing overlapping. `chores` (start
//! the laundry, cook while it runs, then start the dishwasher and water the
//! plants while it runs) takes exactly 1 h 30 min under every strategy: the
//! machines' cycles are fixed when they start, whoever runs when.
//!
//! Properties checked: `elapsed` (3 h / 1 h 30 min); `overlap` (laundry
//! during dinner and dishwasher during watering in the async version, no
//! overlap at all in the sync version); `one-pair-of-hands` (hands-on chores
//! never overlap).

use std::time::Duration;

use simloop::time::Instant;
use simloop::{Report, Sim, SimError, task, time};

use crate::ensure;
use crate::human;
use crate::log::Log;
use crate::{Kind, Ran, Scenario, Story, Violation, checked};

/// The concurrent version.
pub const SCENARIO: Scenario = Scenario::new(
    "chores",
    "laundry and dishwasher run while you cook and water the plants: 1 h 30 min",
    "003",
    Kind::Seed,
    |env| Box::pin(env.checked(main, check, summary)),
)
.with_story(story);

/// The sequential version.
pub const SYNC: Scenario = Scenario::new(
    "chores-sync",
    "the same four chores one after another: 3 h",
    "003",
    Kind::Variant { of: "chores" },
    |env| Box::pin(env.checked(main_sync, check_sync, summary_sync)),
);

const HOUR: Duration = Duration::from_secs(3600);
const HALF_HOUR: Duration = Duration::from_secs(1800);

/// Whether a chore runs on its own or needs the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChoreKind {
    /// A machine: it runs on its own once started.
    Machine,
    /// Work that needs the person's hands.
    HandsOn,
}

/// One chore as it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chore {
    /// Its name.
    pub name: &'static str,
    /// Machine or hands-on.
    pub kind: ChoreKind,
    /// When it started.
    pub start: Instant,
    /// When it was done (for a machine: when its cycle ended).
    pub end: Instant,
}

impl Chore {
    fn overlaps(&self, other: &Chore) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// Starts a machine: its cycle of `length` starts now. The returned task
/// (named after the machine) ends when someone has seen it finish.
pub fn start_machine(log: &Log, name: &'static str, length: Duration) -> task::JoinHandle<Chore> {
    log.say(format!("{name}: started ({})", human::duration(length)));
    let start = time::now();
    let cycle = time::sleep(length);
    let log = log.clone();
    task::spawn_named(name, async move {
        let end = cycle.deadline();
        cycle.await;
        log.say(format!(
            "{name}: done (its cycle ended at {})",
            human::duration(end.since_start())
        ));
        Chore {
            name,
            kind: ChoreKind::Machine,
            start,
            end,
        }
    })
}

/// Does a hands-on chore: nothing else happens meanwhile.
pub fn hands_on(log: &Log, name: &'static str, length: Duration) -> Chore {
    log.say(format!("{name}: on it ({})", human::duration(length)));
    let start = time::now();
    time::busy(length);
    log.say(format!("{name}: done"));
    Chore {
        name,
        kind: ChoreKind::HandsOn,
        start,
        end: time::now(),
    }
}

/// Laundry during dinner, dishwasher during watering.
pub async fn main(log: Log) -> Vec<Chore> {
    let laundry = start_machine(&log, "laundry", HOUR);
    let dinner = hands_on(&log, "dinner", HOUR);
    let dishwasher = start_machine(&log, "dishwasher", HALF_HOUR);
    let watering = hands_on(&log, "watering", HALF_HOUR);
    let laundry = laundry.await.expect("a machine task completes");
    let dishwasher = dishwasher.await.expect("a machine task completes");
    log.say(format!(
        "all chores done after {}",
        human::duration(time::now().since_start())
    ));
    vec![laundry, dinner, dishwasher, watering]
}

/// One chore after another.
pub async fn main_sync(log: Log) -> Vec<Chore> {
    let laundry = start_machine(&log, "laundry", HOUR)
        .await
        .expect("a machine task completes");
    let dinner = hands_on(&log, "dinner", HOUR);
    let dishwasher = start_machine(&log, "dishwasher", HALF_HOUR)
        .await
        .expect("a machine task completes");
    let watering = hands_on(&log, "watering", HALF_HOUR);
    log.say(format!(
        "all chores done after {}",
        human::duration(time::now().since_start())
    ));
    vec![laundry, dinner, dishwasher, watering]
}

/// Runs [`main`] under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<Vec<Chore>>>, SimError> {
    crate::simulate(sim, main)
}

/// Runs [`main_sync`] under `sim`.
pub fn simulate_sync(sim: &Sim) -> Result<Report<Ran<Vec<Chore>>>, SimError> {
    crate::simulate(sim, main_sync)
}

fn check_common(ran: &Ran<Vec<Chore>>, elapsed: Duration) -> Result<(), Violation> {
    let chores = &ran.value;
    ensure!(chores.len() == 4, "overlap", "{} chores done", chores.len());
    let lengths = [HOUR, HOUR, HALF_HOUR, HALF_HOUR];
    for (c, want) in chores.iter().zip(lengths) {
        ensure!(
            c.end - c.start == want,
            "elapsed",
            "{} took {:?}, expected {want:?}",
            c.name,
            c.end - c.start
        );
    }
    let (dinner, watering) = (&chores[1], &chores[3]);
    ensure!(
        !dinner.overlaps(watering),
        "one-pair-of-hands",
        "dinner {}..{} and watering {}..{} overlap",
        dinner.start,
        dinner.end,
        watering.start,
        watering.end
    );
    ensure!(
        ran.elapsed == elapsed,
        "elapsed",
        "took {:?}, expected {}",
        ran.elapsed,
        human::duration(elapsed)
    );
    Ok(())
}

/// The properties of the concurrent version.
pub fn check(ran: &Ran<Vec<Chore>>) -> Result<(), Violation> {
    check_common(ran, HOUR + HALF_HOUR)?;
    let c = &ran.value;
    ensure!(
        c[0].overlaps(&c[1]) && c[2].overlaps(&c[3]),
        "overlap",
        "laundry {}..{} / dinner {}..{}, dishwasher {}..{} / watering {}..{}",
        c[0].start,
        c[0].end,
        c[1].start,
        c[1].end,
        c[2].start,
        c[2].end,
        c[3].start,
        c[3].end
    );
    Ok(())
}

/// The properties of the sequential version.
pub fn check_sync(ran: &Ran<Vec<Chore>>) -> Result<(), Violation> {
    check_common(ran, 3 * HOUR)?;
    let c = &ran.value;
    for (i, a) in c.iter().enumerate() {
        for b in &c[i + 1..] {
            ensure!(
                !a.overlaps(b),
                "overlap",
                "{} and {} overlap in the sequential version",
                a.name,
                b.name
            );
        }
    }
    Ok(())
}

fn summary(r: &Ran<Vec<Chore>>) -> String {
    format!(
        "chores, machines running meanwhile: {}",
        human::duration(r.elapsed)
    )
}

fn summary_sync(r: &Ran<Vec<Chore>>) -> String {
    format!("chores one after another: {}", human::duration(r.elapsed))
}

fn story(seed: u64) -> Result<Story, crate::Failure> {
    let mut story = Story::default();
    let sim = Sim::new(seed);
    let sync = story.ran(checked(&SYNC, simulate_sync(&sim), check_sync)?);
    let conc = story.ran(checked(&SCENARIO, simulate(&sim), check)?);
    Ok(story.told(vec![format!(
        "Laundry, dinner, dishwasher, plants: {} one after another, {} with the machines running while you cook and water.",
        human::duration(sync.elapsed),
        human::duration(conc.elapsed)
    )]))
}
