//! Cancelling tasks at arbitrary instants, for properties that must survive
//! cancellation at any await point.

use std::time::Duration;

use simloop::task::JoinHandle;
use simloop::time;

/// Models outside code cancelling tasks at arbitrary instants: for each
/// `(victim, after_ms)` in turn, waits `after_ms` milliseconds of virtual
/// time and aborts `tasks[victim]` (a task that already finished is left
/// alone); then awaits every task.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, task, time};
/// use simloop_tests::cancel::abort_then_join;
///
/// let elapsed = Sim::new(0).run(async {
///     let tasks = (1..=2u64).map(|s| task::spawn(time::sleep(Duration::from_secs(s)))).collect();
///     // Task 0 is cancelled at 0.5 s, task 1 at 1.5 s: the waits add up.
///     abort_then_join(tasks, vec![(0, 500), (1, 1000)]).await;
///     time::now().since_start()
/// }).unwrap();
/// assert_eq!(elapsed, Duration::from_millis(1500));
/// ```
///
/// # Panics
///
/// If a victim index is out of range, or a task ended otherwise than by
/// finishing or being cancelled (a panic).
pub async fn abort_then_join(tasks: Vec<JoinHandle<()>>, cancels: Vec<(usize, u64)>) {
    for (victim, after_ms) in cancels {
        time::sleep(Duration::from_millis(after_ms)).await;
        tasks[victim].abort();
    }
    for t in tasks {
        if let Err(e) = t.await {
            assert!(e.is_cancelled(), "{e}");
        }
    }
}
