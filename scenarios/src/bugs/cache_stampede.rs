//! # `cache_stampede` — a cache filled twice by two concurrent misses
//!
//! A read-through cache sits in front of a slow store: on a miss the handler
//! loads the value (50 ms) and fills the cache. Two requests for the same
//! profile arrive together; the first goes straight to the cache, the second
//! must first validate its session token, which also takes 50 ms. So the
//! first request's load and the second request's lookup come due at the same
//! instant. FIFO fires timers in the order they were armed: the fill lands
//! first, the second request hits the cache, the store is loaded once, on
//! every seed. A schedule that runs the second request first at that instant
//! sees a miss and loads the profile again.
//!
//! The bug: check-then-fill without coalescing in-flight loads ("single
//! flight"); it only shows when two requests meet at the same instant, which
//! in production is a matter of luck. The fix is to record the in-flight
//! load and make later misses await it.
//!
//! Expected outcome: FIFO never fails (every seed). Random (which orders
//! simultaneous timers at random) and PCT (which reorders the two woken
//! tasks) find the double load within a few seeds; the failing seed replays.
//!
//! Measured over seeds 0 to 999 (`simloop sweep cache_stampede --strategy random`,
//! and `--strategy pct`, show the same; `tests/bug_numbers.rs` checks
//! that these lines still hold):
//!
//! - FIFO: no failure in 1,000 seeds.
//! - Random: first failure at seed 1 (2 tried); 486 of 1,000 seeds fail; shrunk to `replay:1:1` (0 preemptions, 1 deviation from FIFO order).
//! - PCT (depth 2): first failure at seed 2 (3 tried); 528 of 1,000 seeds fail; shrunk to `replay:1:1` (0 preemptions, 1 deviation from FIFO order).
//! - PCT (depth 3): first failure at seed 2 (3 tried); 484 of 1,000 seeds fail; shrunk to `replay:1:1` (0 preemptions, 1 deviation from FIFO order).
//! - Exploration by preemptions: first failure at schedule 1 (0 preemptions, 1 deviation).
//! - Exploration by deviations: first failure at schedule 2 (1 preemption, 1 deviation).
//!
//! Property checked: `single-load` (the store is loaded once and the cache
//! filled once).

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use simloop::{Report, Sim, SimError, task, time};

use crate::ensure;
use crate::log::Log;
use crate::{Kind, Ran, Scenario, Violation};

/// The scenario.
pub const SCENARIO: Scenario = Scenario::new(
    "cache_stampede",
    "BUG: two requests miss the same cache key at the same instant and both load it",
    "",
    Kind::Bug,
    |env| Box::pin(env.checked(main, check, summary)),
)
.with_story(story);

/// How long the store takes to load a value.
pub const LOAD: Duration = Duration::from_millis(50);
/// How long validating a session takes.
pub const AUTH: Duration = Duration::from_millis(50);

/// The slow store behind the cache; counts its loads.
#[derive(Debug, Default)]
pub struct Store {
    loads: Cell<u32>,
}

impl Store {
    /// Loads the value of `key` (takes [`LOAD`]).
    pub async fn load(&self, key: &str) -> String {
        self.loads.set(self.loads.get() + 1);
        time::sleep(LOAD).await;
        format!("profile of {key}")
    }
}

/// A read-through cache; counts its fills.
#[derive(Debug, Default)]
pub struct Cache {
    map: RefCell<BTreeMap<String, String>>,
    fills: Cell<u32>,
}

impl Cache {
    /// The cached value, or a load from `store` that then fills the cache.
    /// Check-then-fill with an await in between: the bug.
    pub async fn get(&self, log: &Log, store: &Store, key: &str) -> String {
        if let Some(v) = self.map.borrow().get(key) {
            log.say(format!("hit {key}"));
            return v.clone();
        }
        log.say(format!("miss {key}: loading"));
        let value = store.load(key).await;
        self.map.borrow_mut().insert(key.to_owned(), value.clone());
        self.fills.set(self.fills.get() + 1);
        log.say(format!("filled {key}"));
        value
    }
}

/// A request for `key`; with a session to validate first if `auth`.
pub async fn request(log: Log, cache: Rc<Cache>, store: Rc<Store>, key: &'static str, auth: bool) {
    if auth {
        log.say("validating session");
        time::sleep(AUTH).await;
    }
    let profile = cache.get(&log, &store, key).await;
    log.say(format!("served {profile}"));
}

/// How often the key was loaded and the cache filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loads {
    /// How many times the store loaded the key.
    pub loads: u32,
    /// How many times the cache was filled.
    pub fills: u32,
}

/// Two requests for `user:42`.
pub async fn main(log: Log) -> Loads {
    let cache = Rc::new(Cache::default());
    let store = Rc::new(Store::default());
    let first = task::spawn_named(
        "request-1",
        request(log.clone(), cache.clone(), store.clone(), "user:42", false),
    );
    let second = task::spawn_named(
        "request-2",
        request(log.clone(), cache.clone(), store.clone(), "user:42", true),
    );
    first.await.expect("request 1 completes");
    second.await.expect("request 2 completes");
    log.say(format!(
        "store loads: {}, cache fills: {}",
        store.loads.get(),
        cache.fills.get()
    ));
    Loads {
        loads: store.loads.get(),
        fills: cache.fills.get(),
    }
}

/// Runs [`main`] under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<Loads>>, SimError> {
    crate::simulate(sim, main)
}

/// The property.
pub fn check(ran: &Ran<Loads>) -> Result<(), Violation> {
    let r = &ran.value;
    ensure!(
        r.loads == 1 && r.fills == 1,
        "single-load",
        "the store was loaded {} times and the cache filled {} times for one key",
        r.loads,
        r.fills
    );
    Ok(())
}

fn summary(r: &Ran<Loads>) -> String {
    format!(
        "two requests for one key: {} store load(s), {} cache fill(s)",
        r.value.loads, r.value.fills
    )
}

fn story(seed: u64) -> Result<crate::Story, crate::Failure> {
    super::hunt_story(
        &SCENARIO,
        seed,
        "Two requests for one profile meet at the same instant in front of a read-through cache with no single-flight.",
    )
}
