//! # `hello_world_loop` — seed 001
//!
//! The hand-made event loop of seed 001: a queue of callbacks, run one at a
//! time for four turns. `do_hello` prints `Hello`, blocks for a second and
//! posts `do_world`; `do_world` prints `world`, blocks for a second and posts
//! `do_hello`. It teaches what an event loop is (a list of functions to run)
//! and what posting a callback means: `put` returns at once, the call
//! happens on a later turn.
//!
//! Expected outcome, under every strategy and seed (there is only one task):
//! Hello, world, Hello, world at 0, 1, 2, 3 s; four seconds in all.
//!
//! Properties checked: `alternating`, `elapsed`.

use std::collections::VecDeque;
use std::time::Duration;

use simloop::{Report, Sim, SimError, time};

use crate::ensure;
use crate::human;
use crate::log::Log;
use crate::{Kind, Ran, Scenario, Story, Violation, checked};

/// The scenario.
pub const SCENARIO: Scenario = Scenario::new(
    "hello_world_loop",
    "a hand-made event loop: hello and world post each other, blocking 1 s each, 4 turns",
    "001",
    Kind::Seed,
    |env| Box::pin(env.checked(main, check, summary)),
)
.with_story(story);

/// A callback the loop runs.
pub type Callback = fn(&mut EventLoop, &Log);

/// The seed's `EventLoop(Queue)`: a FIFO of callbacks.
#[derive(Debug, Default)]
pub struct EventLoop {
    queue: VecDeque<Callback>,
}

impl EventLoop {
    /// Posts `f` to run on a later turn (returns at once).
    pub fn put(&mut self, f: Callback) {
        self.queue.push_back(f);
    }

    /// Runs `turns` callbacks, one per turn, in the order they were posted.
    /// Stops early if nothing is queued.
    pub fn start(&mut self, log: &Log, turns: usize) {
        for _ in 0..turns {
            let Some(f) = self.queue.pop_front() else {
                return;
            };
            f(self, log);
        }
    }
}

/// Prints `Hello`, blocks a second, posts [`do_world`].
pub fn do_hello(lp: &mut EventLoop, log: &Log) {
    log.say("Hello");
    time::busy(Duration::from_secs(1));
    lp.put(do_world);
}

/// Prints `world`, blocks a second, posts [`do_hello`].
pub fn do_world(lp: &mut EventLoop, log: &Log) {
    log.say("world");
    time::busy(Duration::from_secs(1));
    lp.put(do_hello);
}

/// Posts `do_hello` and runs four turns.
pub async fn main(log: Log) {
    let mut lp = EventLoop::default();
    lp.put(do_hello);
    lp.start(&log, 4);
}

/// Runs [`main`] under `sim`.
pub fn simulate(sim: &Sim) -> Result<Report<Ran<()>>, SimError> {
    crate::simulate(sim, main)
}

/// The properties.
pub fn check(ran: &Ran<()>) -> Result<(), Violation> {
    let got: Vec<(&str, u64)> = ran
        .lines
        .iter()
        .map(|l| (l.text.as_str(), l.time.since_start().as_secs()))
        .collect();
    ensure!(
        got == [("Hello", 0), ("world", 1), ("Hello", 2), ("world", 3)],
        "alternating",
        "printed {got:?}"
    );
    ensure!(
        ran.elapsed == Duration::from_secs(4),
        "elapsed",
        "took {:?}, expected 4 s",
        ran.elapsed
    );
    Ok(())
}

fn summary(r: &Ran<()>) -> String {
    format!(
        "4 turns of the hand-made loop: {}",
        human::duration(r.elapsed)
    )
}

fn story(seed: u64) -> Result<Story, crate::Failure> {
    let mut story = Story::default();
    let r = story.ran(checked(&SCENARIO, simulate(&Sim::new(seed)), check)?);
    let texts: Vec<&str> = r.value.lines.iter().map(|l| l.text.as_str()).collect();
    Ok(story.told(vec![format!(
        "A hand-made event loop of callbacks that post each other: {} in {}.",
        texts.join(", "),
        human::duration(r.elapsed)
    )]))
}
