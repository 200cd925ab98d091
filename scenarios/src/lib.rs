//! # simloop-scenarios: the programs of the asyncio teaching documents as simloop scenarios
//!
//! Every program of the seed documents (the asyncio teaching texts the
//! project starts from) is a [`Scenario`]: an async program that runs under
//! [`simloop`], prints into a [`Log`](log::Log) stamped with virtual time and
//! task name, and checks the properties it must satisfy under every seed and
//! strategy. "Sync" variants run the same work sequentially so the speed-up
//! of the async version shows in virtual time, and a few [`bugs`] hold real
//! concurrency bugs that FIFO order hides and other strategies find.
//!
//! The `simloop` command lists, runs, sweeps, replays and draws them.
//!
//! ```
//! use std::time::Duration;
//! use simloop::{Sim, Strategy};
//! use simloop_scenarios::find;
//!
//! let chess = find("chess").unwrap();
//! let outcome = chess.check(&Sim::new(1)).unwrap();
//! assert_eq!(outcome.elapsed(), Duration::from_secs(3655));
//! for seed in 0..5 {
//!     chess.check_seed(seed, &Strategy::Random).unwrap();
//! }
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bugs;
pub mod catalog;
pub mod distributed;
mod env;
pub mod human;
pub mod log;
mod outcome;
mod scenario;
mod story;
mod sweep;
pub mod web;

pub use env::{Checked, Env, Program, Ran, simulate};
pub use outcome::{Broken, Failure, Outcome, Violation, replay_command};
pub use scenario::{Kind, Scenario, checked};
pub use story::Story;
pub use sweep::{PropertyFailed, Swept, describe_failure, violated_property};

/// The guide's examples (`docs/scenarios.md`), run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../docs/scenarios.md")]
pub struct GuideExamples;

/// Every scenario: the seed programs with their variants, then the bugs.
pub fn all() -> Vec<Scenario> {
    let mut all = catalog::all();
    all.extend(bugs::all());
    all
}

/// Every scenario the command knows: [`all`], then the
/// [`distributed`] ones (kept out of `all`, whose entries all hold under
/// FIFO order: theirs fail under every strategy, by fault schedule).
pub fn named() -> Vec<Scenario> {
    let mut named = all();
    named.extend(distributed::all());
    named
}

/// The scenario called `name`, or an error listing every name.
pub fn find(name: &str) -> Result<Scenario, UnknownScenario> {
    named()
        .into_iter()
        .find(|s| s.name == name)
        .ok_or_else(|| UnknownScenario {
            name: name.to_owned(),
            known: named().iter().map(|s| s.name).collect(),
        })
}

/// A scenario name that is not in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown scenario `{name}`; the scenarios are: {}", known.join(", "))]
pub struct UnknownScenario {
    /// The name asked for.
    pub name: String,
    /// Every scenario's name.
    pub known: Vec<&'static str>,
}
