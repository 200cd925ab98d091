//! A log of what tasks did and when, for tests that compare a run line by
//! line with the output of the same program under CPython's asyncio.

use std::cell::RefCell;
use std::rc::Rc;

use simloop::time;

/// Lines that tasks append as things happen, shared by clones.
pub type Log = Rc<RefCell<Vec<String>>>;

/// Virtual milliseconds since the simulation started, the unit the asyncio
/// reference outputs print.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, time};
/// use simloop_tests::log::now_ms;
///
/// let ms = Sim::new(0).run(async {
///     time::sleep(Duration::from_millis(1500)).await;
///     now_ms()
/// }).unwrap();
/// assert_eq!(ms, 1500);
/// ```
///
/// # Panics
///
/// Outside a simulation.
pub fn now_ms() -> u64 {
    time::now().since_start().as_millis() as u64
}
