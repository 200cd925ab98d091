//! Small concurrent programs with a known set of outcomes, run by several
//! test files under different tools (sweeps, shrinking, exploration,
//! proptest, `#[simloop::test]`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures::lock::Mutex;
use simloop::task;

/// Models the classic lost update: one task per entry of `leads` increments
/// a shared counter non-atomically (read it, yield, write back the value
/// read plus one), after first yielding `lead` times. Returns the final
/// count, which is the number of tasks unless an update was lost.
///
/// Another task running between one task's read and its write loses an
/// update. Staggered leads such as `[0, 1]` or `0..n` keep every
/// read-modify-write apart in FIFO order, so FIFO passes and only other
/// interleavings fail; equal leads (`[0, 0]`) lose updates even in FIFO
/// order.
///
/// The leads are taken one by one as the tasks are spawned, inside the
/// simulation, so they may be drawn with [`simloop::rand`].
///
/// ```
/// use simloop::Sim;
/// use simloop_tests::programs::racy_increments;
///
/// // Staggered tasks keep their updates apart in FIFO order...
/// assert_eq!(Sim::new(0).run(racy_increments([0, 1])).unwrap(), 2);
/// // ...tasks that start together lose one.
/// assert_eq!(Sim::new(0).run(racy_increments([0, 0])).unwrap(), 1);
/// ```
pub async fn racy_increments(leads: impl IntoIterator<Item = usize>) -> usize {
    increments(leads, None).await.1
}

/// The same tasks as [`racy_increments`], each holding a lock from its read
/// to its write: no update can be lost, whatever the interleaving.
pub async fn locked_increments(leads: impl IntoIterator<Item = usize>) -> usize {
    increments(leads, Some(Rc::new(Mutex::new(())))).await.1
}

/// [`racy_increments`] as a failing test: panics with `lost update` when the
/// final count is short of the number of tasks.
pub async fn lost_update(leads: impl IntoIterator<Item = usize>) {
    let (tasks, count) = increments(leads, None).await;
    assert_eq!(count, tasks, "lost update");
}

/// Runs the increment tasks, under `lock` if given; returns the number of
/// tasks and the final count.
async fn increments(
    leads: impl IntoIterator<Item = usize>,
    lock: Option<Rc<Mutex<()>>>,
) -> (usize, usize) {
    let counter = Rc::new(Cell::new(0));
    let tasks: Vec<_> = leads
        .into_iter()
        .map(|lead| {
            let (counter, lock) = (Rc::clone(&counter), lock.clone());
            task::spawn(async move {
                for _ in 0..lead {
                    task::yield_now().await;
                }
                let _guard = match &lock {
                    Some(lock) => Some(lock.lock().await),
                    None => None,
                };
                let read = counter.get();
                task::yield_now().await;
                counter.set(read + 1);
            })
        })
        .collect();
    let spawned = tasks.len();
    for t in tasks {
        t.await.unwrap();
    }
    (spawned, counter.get())
}

/// Models tasks that do a step of work between scheduling points: one task
/// per letter of `letters` appends its letter to a shared log, then yields,
/// `rounds` times. Returns the log, which spells out the interleaving
/// (FIFO order gives `abcabc...`).
pub async fn yielders(letters: &str, rounds: usize) -> String {
    let log = Rc::new(RefCell::new(String::new()));
    let tasks: Vec<_> = letters
        .chars()
        .map(|c| {
            let log = Rc::clone(&log);
            task::spawn(async move {
                for _ in 0..rounds {
                    log.borrow_mut().push(c);
                    task::yield_now().await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    log.take()
}
