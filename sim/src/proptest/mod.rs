//! [proptest] integration: strategies for seeds and schedules,
//! so that proptest can vary a scenario's interleaving along with its
//! parameters, and shrink a failing interleaving to a minimal one.
//!
//! A schedule from [`schedules`] is a list of choice indices, replayed with
//! [`Strategy::Replay`]: at the i-th point where the executor has several
//! ready tasks (or several timers due at once) it takes option `indices[i]`,
//! wrapping around the number of options; index 0 is FIFO order. When the
//! list runs out the run continues in FIFO order. A failing schedule
//! shrinks toward FIFO: fewer deviations, earlier, with smaller indices.
//!
//! To vary parameters too, take them before the schedule (`n in 1..5,
//! schedule in schedules(32)`): proptest shrinks the arguments one after the
//! other without going back, so the parameters shrink under the schedule
//! that exposed the failure, and the schedule then shrinks for them.
//!
//! ```
//! use std::cell::Cell;
//! use std::rc::Rc;
//! use proptest::prelude::*;
//! use simloop::{proptest::{run_with_schedule, schedules}, task};
//!
//! /// `n` tasks each add 1 to a counter, without yielding in between.
//! async fn increments(n: u32) -> u32 {
//!     let counter = Rc::new(Cell::new(0));
//!     let tasks: Vec<_> = (0..n).map(|_| {
//!         let counter = Rc::clone(&counter);
//!         task::spawn(async move {
//!             task::yield_now().await;
//!             counter.set(counter.get() + 1);
//!         })
//!     }).collect();
//!     for t in tasks { t.await.unwrap(); }
//!     counter.get()
//! }
//!
//! proptest! {
//!     #![proptest_config(ProptestConfig::with_cases(32))]
//!     // Parameters and interleaving vary, and shrink, together.
//!     // (In a test file, put `#[test]` on the function.)
//!     fn no_update_is_lost(n in 1..5u32, schedule in schedules(32)) {
//!         prop_assert_eq!(run_with_schedule(schedule, increments(n)).unwrap(), n);
//!     }
//! }
//! # no_update_is_lost();
//! ```
//!
//! When a property fails, proptest prints the minimal schedule it found in
//! its text form, e.g. `schedule = Schedule("3:1")`: `"3:1".parse()` gives
//! it back, and the strategy `replay:3:1` replays it.
//!
//! The `proptest!` macro and the `Strategy` trait come from the `proptest`
//! crate itself: add `proptest = "1"` to your `[dev-dependencies]`.

use std::future::Future;

use ::proptest::num::u64 as any_u64;

use crate::error::SimError;
use crate::schedule::Schedule;
use crate::sim::Sim;
use crate::strategy::Strategy;

mod shrink;

/// The largest choice index [`schedules`] generates. Indices wrap around
/// the number of options, so this reaches every task of a ready set of up
/// to eight tasks in one choice (and any task over several choices).
pub const MAX_INDEX: u32 = 7;

/// Any seed; shrinks toward 0.
///
/// ```
/// use proptest::prelude::*;
/// use simloop::{Sim, Strategy as Interleaving, proptest::seeds, rand};
///
/// proptest! {
///     #![proptest_config(ProptestConfig::with_cases(16))]
///     fn dice_stay_in_range(seed in seeds()) {
///         let sim = Sim::builder().seed(seed).strategy(Interleaving::Random).build();
///         let roll = sim.run(async { rand::range(1..=6u32) }).unwrap();
///         prop_assert!((1..=6).contains(&roll));
///     }
/// }
/// # dice_stay_in_range();
/// ```
pub fn seeds() -> impl ::proptest::strategy::Strategy<Value = u64> {
    any_u64::ANY
}

/// Schedules of up to `max_len` choices, each an index from 0 to
/// [`MAX_INDEX`] taken uniformly (like [`Strategy::Random`], where a choice
/// point has up to eight options).
///
/// A failing schedule shrinks greedily until no single step still fails:
/// setting one index to 0 (one deviation fewer), removing one choice (the
/// later ones move one earlier) or lowering one index. Indices wrap around
/// the number of options, so a smaller index is not always a simpler
/// choice (with two options, 2 is FIFO and 1 is not); the shrinker tries 0
/// first, where proptest's shrinking of plain numbers would stop at 1.
///
/// `max_len` bounds the choices the generated schedule steers; choice points
/// past it run in FIFO order. A run makes about one choice per poll when
/// several tasks are ready, so a few dozen cover a small scenario.
///
/// ```
/// use proptest::strategy::{Strategy, ValueTree};
/// use proptest::test_runner::TestRunner;
///
/// let mut runner = TestRunner::deterministic();
/// let schedule = simloop::proptest::schedules(10).new_tree(&mut runner).unwrap().current();
/// assert!(schedule.len() <= 10);
/// assert!(schedule.choices().iter().all(|c| c.index <= simloop::proptest::MAX_INDEX));
/// ```
pub fn schedules(max_len: usize) -> impl ::proptest::strategy::Strategy<Value = Schedule> {
    shrink::Schedules {
        max_len,
        max_index: MAX_INDEX,
    }
}

/// Simulations (seed 0, default settings) that replay the schedules
/// `schedules` generates, for properties that take a [`Sim`].
///
/// For other settings, map the schedules yourself:
/// `schedules(32).prop_map(|s| Sim::builder().time_limit(d).strategy(Strategy::Replay(s)).build())`;
/// to vary the seed too, generate `(seeds(), schedules(32))`.
///
/// ```
/// use proptest::prelude::*;
/// use simloop::{proptest::{schedules, sim_with}, task};
///
/// proptest! {
///     #![proptest_config(ProptestConfig::with_cases(16))]
///     fn both_tasks_finish(sim in sim_with(schedules(8))) {
///         let done = sim.run(async {
///             let a = task::spawn(async { task::yield_now().await; 1 });
///             let b = task::spawn(async { 2 });
///             a.await.unwrap() + b.await.unwrap()
///         }).unwrap();
///         prop_assert_eq!(done, 3);
///     }
/// }
/// # both_tasks_finish();
/// ```
pub fn sim_with(
    schedules: impl ::proptest::strategy::Strategy<Value = Schedule>,
) -> impl ::proptest::strategy::Strategy<Value = Sim> {
    schedules.prop_map(replaying)
}

/// A simulation (seed 0, default settings) that replays `schedule`.
///
/// ```
/// use simloop::{Schedule, Strategy};
/// let sim = simloop::proptest::replaying(Schedule::from_indices([0, 1]));
/// assert!(matches!(sim.strategy(), Strategy::Replay(s) if s.deviations() == 1));
/// ```
pub fn replaying(schedule: Schedule) -> Sim {
    Sim::builder().strategy(Strategy::Replay(schedule)).build()
}

/// Runs `future` in a simulation (seed 0, default settings) that replays
/// `schedule`; see the [module docs](self) for an example.
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// use simloop::{Schedule, task};
///
/// let run = |schedule| simloop::proptest::run_with_schedule(schedule, async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let (l1, l2) = (Rc::clone(&log), Rc::clone(&log));
///     let a = task::spawn(async move { l1.borrow_mut().push("a") });
///     let b = task::spawn(async move { l2.borrow_mut().push("b") });
///     a.await.unwrap();
///     b.await.unwrap();
///     log.take()
/// }).unwrap();
/// assert_eq!(run(Schedule::new()), ["a", "b"]);
/// // The first choice (between `a` and `b`) takes option 1: `b` runs first.
/// assert_eq!(run(Schedule::from_indices([1])), ["b", "a"]);
/// ```
pub fn run_with_schedule<F: Future>(schedule: Schedule, future: F) -> Result<F::Output, SimError> {
    replaying(schedule).run(future)
}
