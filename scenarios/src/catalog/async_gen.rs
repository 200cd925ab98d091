//! # `async_gen` — seed 004
//!
//! An asynchronous generator `mygen` yields the powers of two 2^0 .. 2^9,
//! pausing 0.2 s (asynchronously) and printing a separator before each item.
//! `main` collects it twice: once in full (`g`), once with the seed's filter
//! (`if j // 3 % 5: continue`, so only items with `(j / 3) % 5 == 0` are
//! kept, `f`). It teaches that async iteration is sequential: an async
//! generator lets other tasks run during its pauses but does not make its
//! own items concurrent.
//!
//! Expected outcome, under every strategy and seed: `g` is
//! [1, 2, 4, ..., 512], `f` is [1, 2, 16, 32, 256, 512]; item k of pass p
//! arrives at p × 2 s + (k + 1) × 0.2 s; 2 s per pass, 4 s in all.
//!
//! Properties checked: `items`, `filtered`, `pace`, `elapsed`.

use std::time::Duration;

use futures::{Stream, StreamExt};
use simloop::time::Instant;
use simloop::{Report, Sim, SimError, time};

use crate::ensure;
use crate::human;
use crate::log::Log;
use crate::{Kind, Ran, Scenario, Story, Violation, checked};

/// The scenario.
pub const SCENARIO: Scenario = Scenario::new(
    "async_gen",
    "an async generator of 2^0..2^9, 0.2 s per item, collected in full and filtered",
    "004",
    Kind::Seed,
    |env| Box::pin(env.checked(main, check, summary)),
)
.with_story(story);

/// Items per pass.
pub const UP_TO: u32 = 10;
/// Pause before each item.
pub const PAUSE: Duration = Duration::from_millis(200);

/// What the seed's rule keeps of 2^0 .. 2^9, worked out by hand (`j // 3`
/// is 0, 0, 1, 2, 5, 10, 21, 42, 85, 170; `% 5` is zero for 1, 2, 16, 32,
/// 256, 512): the check compares with this, not with [`keep`].
pub const FILTERED: [u64; 6] = [1, 2, 16, 32, 256, 512];

/// The seed's filter: keep `j` when `j // 3 % 5` is zero.
pub fn keep(j: u64) -> bool {
    (j / 3).is_multiple_of(5)
}

/// `mygen(sep)`: prints an empty line, then for i in 0..10 prints `sep`,
/// pauses 0.2 s and yields 2^i.
pub fn mygen(log: Log, sep: &'static str) -> impl Stream<Item = u64> {
    futures::stream::unfold(0u32, move |i| {
        let log = log.clone();
        async move {
            if i == UP_TO {
                return None;
            }
            if i == 0 {
                log.say("");
            }
            log.say(sep);
            time::sleep(PAUSE).await;
            Some((1u64 << i, i + 1))
        }
    })
}

/// The two passes over `mygen`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passes {
    /// Every item of the first pass.
    pub g: Vec<u64>,
    /// The items of the second pass the filter kept.
    pub f: Vec<u64>,
    /// When each item of both passes arrived (20 instants).
    pub arrivals: Vec<Instant>,
}

/// Collects `mygen` in full, then filtered.
pub async fn main(log: Log) -> Passes {
    let mut arrivals = Vec::new();
    let mut g = Vec::new();
    let mut s = std::pin::pin!(mygen(log.clone(), "."));
    while let Some(j) = s.next().await {
        arrivals.push(time::now());
        g.push(j);
    }
    let mut f = Vec::new();
    let mut s = std::pin::pin!(mygen(log.clone(), "+"));
    while let Some(j) = s.next().await {
        arrivals.push(time::now());
        if !keep(j) {
            continue;
        }
        f.push(j);
    }
    log.say(format!("g = {g:?}"));
    log.say(format!("f = {f:?}"));
    Passes { g, f, arrivals }
}

/// Runs [`main`] under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<Passes>>, SimError> {
    crate::simulate(sim, main)
}

/// The properties.
pub fn check(ran: &Ran<Passes>) -> Result<(), Violation> {
    let run = &ran.value;
    let powers: Vec<u64> = (0..UP_TO).map(|i| 1u64 << i).collect();
    ensure!(run.g == powers, "items", "g = {:?}", run.g);
    ensure!(
        run.f == FILTERED,
        "filtered",
        "f = {:?}, the seed's rule keeps {FILTERED:?}",
        run.f
    );
    ensure!(
        run.arrivals.len() == 2 * UP_TO as usize,
        "pace",
        "{} items arrived",
        run.arrivals.len()
    );
    for (n, at) in run.arrivals.iter().enumerate() {
        let want = Instant::ZERO + PAUSE * (n as u32 + 1);
        ensure!(
            *at == want,
            "pace",
            "item {n} arrived at {at}, expected {want}"
        );
    }
    ensure!(
        ran.elapsed == 2 * UP_TO * PAUSE,
        "elapsed",
        "took {:?}, expected 4 s",
        ran.elapsed
    );
    Ok(())
}

fn summary(r: &Ran<Passes>) -> String {
    format!(
        "g = {:?}, f = {:?} in {}",
        r.value.g,
        r.value.f,
        human::duration(r.elapsed)
    )
}

fn story(seed: u64) -> Result<Story, crate::Failure> {
    let mut story = Story::default();
    let r = story.ran(checked(&SCENARIO, simulate(&Sim::new(seed)), check)?);
    Ok(story.told(vec![format!(
        "An async generator of 10 powers of two, 0.2 s apart: collected in full, then filtered to {:?}; {} for two passes.",
        r.value.value.f,
        human::duration(r.elapsed)
    )]))
}
