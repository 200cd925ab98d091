//! [`Occupancy`]: who is inside a region of code, for properties such as
//! "at most one task holds the lock" or "no task outlives its group".

use std::cell::Cell;
use std::rc::Rc;

/// Models a region of code that tasks enter and leave (a critical section,
/// the time a permit is held, a task's whole life): counts the tasks inside
/// now, the most inside at once, and the entries so far. Clones share the
/// counts.
///
/// A task is inside while it keeps the [`Presence`] that
/// [`enter`](Occupancy::enter) returns; it leaves when that token is dropped,
/// also when the task is cancelled inside the region (the token is dropped
/// with the task's future).
///
/// ```
/// use simloop_tests::occupancy::Occupancy;
///
/// let region = Occupancy::new();
/// let a = region.enter();
/// let _b = region.enter();
/// drop(a);
/// let _c = region.enter();
/// assert_eq!((region.inside(), region.most(), region.entries()), (2, 2, 3));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Occupancy(Rc<Counts>);

#[derive(Debug, Default)]
struct Counts {
    inside: Cell<usize>,
    most: Cell<usize>,
    entries: Cell<usize>,
}

/// One task's presence in an [`Occupancy`]; dropping it leaves.
#[derive(Debug)]
#[must_use = "the task leaves the region when the presence is dropped"]
pub struct Presence(Occupancy);

impl Occupancy {
    /// An empty region.
    pub fn new() -> Occupancy {
        Occupancy::default()
    }

    /// Counts one more task inside (and one more entry) until the returned
    /// [`Presence`] is dropped.
    pub fn enter(&self) -> Presence {
        let counts = &self.0;
        counts.inside.set(counts.inside.get() + 1);
        counts.most.set(counts.most.get().max(counts.inside.get()));
        counts.entries.set(counts.entries.get() + 1);
        Presence(self.clone())
    }

    /// Tasks inside now.
    pub fn inside(&self) -> usize {
        self.0.inside.get()
    }

    /// The most tasks that were inside at the same time.
    pub fn most(&self) -> usize {
        self.0.most.get()
    }

    /// Entries so far.
    pub fn entries(&self) -> usize {
        self.0.entries.get()
    }
}

impl Drop for Presence {
    fn drop(&mut self) {
        let inside = &self.0.0.inside;
        inside.set(inside.get() - 1);
    }
}
