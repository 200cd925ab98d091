//! The FIFO list of blocked waiters that every primitive in [`sync`](super)
//! is built on, so that fairness and cancel safety are written once.
//!
//! A waiting future pushes an entry (its waker) and keeps the returned
//! [`WaiterId`]. A primitive *notifies* entries in arrival order: the entry is
//! marked and its waker is collected in a [`WakeList`], to be woken once the
//! primitive's internal lock is released. The entry stays in the list until
//! its owner sees the mark ([`Waiters::take_notified`]) or drops ([`Waiters::remove`]),
//! which tells it whether it had been notified, so that a dropped future can
//! pass on what it was given (an item, a permit, a wake-up).
//!
//! This mirrors asyncio, where each waiter is a future in a deque and a
//! cancelled waiter that had already been woken wakes the next one.
//!
//! A waiter whose task has been aborted, but not dropped yet (that happens
//! when the task's turn to run comes), counts as *cancelled*, as asyncio's
//! `Task.cancel` cancels the awaited future at once; so does a waiter inside
//! a [`timeout`](crate::time::timeout) whose timer has fired, before the
//! task gets to drop it. Notifying passes over a cancelled waiter (marking
//! it *passed*, so that it is not considered again) and the primitives' "is
//! anybody waiting" checks ignore it.
//!
//! Notified and passed entries always form a prefix of the list (entries
//! are appended at the back and marked front to back), so finding the next
//! entry to notify is O(1).
//!
//! A [`WaiterId`] names the simulation its waiter was registered in: a
//! waiting future polled or dropped inside another simulation panics saying
//! so before it touches anything (task ids only mean something in their own
//! simulation). The check rides on the thread-local look-up that
//! re-polling a waiter already makes; only a waiter dropped while still
//! listed makes one more, and the entries keep their size. Two paths stay
//! unchecked, to keep the hot path as it was: a notified waiter taking its
//! wake-up (it only takes what its primitive handed it) and a notification
//! itself (a primitive shared between two simulations is not detected when
//! it notifies).

use std::collections::VecDeque;
use std::sync::Arc;
use std::task::Waker;

use crate::runtime;
use crate::runtime::CancelScope;
use crate::task::TaskId;

/// A waiter's place in a [`Waiters`] list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WaiterId {
    id: u64,
    /// The simulation the waiter was registered in (0: none).
    sim: u64,
}

impl WaiterId {
    /// Panics if simulation `here` (0: none) is not the waiter's.
    #[inline(always)]
    fn check_simulation(self, here: u64, task: Option<TaskId>, what: &str) {
        if self.sim != here && self.sim != 0 && here != 0 {
            wrong_simulation(self.sim, task, here, what);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Waiting,
    Notified,
    /// Passed over by a notification because its task was being aborted.
    Passed,
}

#[derive(Debug)]
struct Entry {
    id: u64,
    /// Moved into the [`WakeList`] when the entry is notified (nothing is
    /// left to wake then).
    waker: Option<Waker>,
    /// The simulated task that waits (none outside a simulation).
    task: Option<TaskId>,
    /// The innermost timeout around the wait, if any.
    scope: Option<Arc<CancelScope>>,
    mark: Mark,
}

impl Entry {
    /// Whether the wait is cancelled: its timeout has fired or its task is
    /// being aborted (asyncio: the waiter future is cancelled).
    fn cancelled(&self) -> bool {
        self.scope.as_ref().is_some_and(|s| s.is_cancelled())
            || self.task.is_some_and(runtime::abort_pending)
    }
}

#[cold]
#[inline(never)]
fn wrong_simulation(sim: u64, task: Option<TaskId>, here: u64, what: &str) -> ! {
    let task = task.map_or(String::new(), |t| format!(" of task {t}"));
    panic!(
        "a simloop sync waiter (a Lock, Semaphore, Queue, Event, Condition or Barrier \
         future){task} registered in simulation #{sim} was {what} inside simulation #{here}: a \
         waiting future belongs to the simulation that awaited it first; create the \
         primitive inside the simulation that uses it",
    );
}

/// The running simulation's number (0: none), the task being polled and
/// the innermost timeout around the poll, if any. Outside every timeout
/// (the common case) this reads thread-locals and borrows nothing.
#[inline]
fn context() -> (u64, Option<TaskId>, Option<Arc<CancelScope>>) {
    let scope = if runtime::in_scope() {
        runtime::try_with(|rt| rt.current_scope()).flatten()
    } else {
        None
    };
    let (sim, task) = runtime::polled();
    (sim, task, scope)
}

/// The running simulation's number (0: none).
#[inline]
fn current_sim() -> u64 {
    runtime::polled().0
}

/// Blocked waiters in arrival order.
#[derive(Debug, Default)]
pub(crate) struct Waiters {
    /// Sorted by id: ids only grow and entries are only appended.
    entries: VecDeque<Entry>,
    /// Length of the prefix of notified or passed entries.
    marked: usize,
    /// How many entries of that prefix were passed over.
    passed: usize,
    next_id: u64,
}

impl Waiters {
    /// Appends a waiter at the back.
    pub(crate) fn push(&mut self, waker: &Waker) -> WaiterId {
        let id = self.next_id;
        self.next_id += 1;
        let (sim, task, scope) = context();
        self.entries.push_back(Entry {
            id,
            waker: Some(waker.clone()),
            task,
            scope,
            mark: Mark::Waiting,
        });
        WaiterId { id, sim }
    }

    fn position(&self, id: WaiterId) -> Option<usize> {
        // Most waiters leave from the front (they are notified in order).
        match self.entries.front() {
            Some(first) if first.id == id.id => Some(0),
            _ => self.entries.binary_search_by_key(&id.id, |e| e.id).ok(),
        }
    }

    fn remove_at(&mut self, pos: usize) -> Option<Entry> {
        let entry = if pos == 0 {
            self.entries.pop_front()?
        } else {
            self.entries.remove(pos)?
        };
        if pos < self.marked {
            self.marked -= 1;
            if entry.mark == Mark::Passed {
                self.passed -= 1;
            }
        }
        Some(entry)
    }

    /// If the waiter has been notified, removes it and returns `true`;
    /// otherwise refreshes its waker (the future may have moved to another
    /// task or combinator) and returns `false`.
    ///
    /// A waiter missing from the list counts as notified, so that its owner
    /// re-checks the primitive's state rather than sleeping forever. A
    /// waiter that was passed over (its task was being aborted) yet is
    /// polled again, from another task, waits again at the back.
    ///
    /// # Panics
    ///
    /// Inside another simulation than the waiter's, unless it was notified
    /// (then it only takes what its primitive handed it, and the hot path
    /// stays free of the check).
    pub(crate) fn take_notified(&mut self, id: &mut WaiterId, waker: &Waker) -> bool {
        let Some(pos) = self.position(*id) else {
            return true;
        };
        match self.entries[pos].mark {
            Mark::Notified => {
                self.remove_at(pos);
                true
            }
            Mark::Passed => {
                id.check_simulation(current_sim(), self.entries[pos].task, "polled");
                self.remove_at(pos);
                *id = self.push(waker);
                false
            }
            Mark::Waiting => {
                let (sim, task, scope) = context();
                id.check_simulation(sim, self.entries[pos].task, "polled");
                let entry = &mut self.entries[pos];
                match &entry.waker {
                    Some(w) if w.will_wake(waker) => {}
                    _ => entry.waker = Some(waker.clone()),
                }
                (entry.task, entry.scope) = (task, scope);
                false
            }
        }
    }

    /// Removes a waiter whose future is being dropped. Returns whether it had
    /// been notified (`None` if it was not in the list).
    ///
    /// # Panics
    ///
    /// Inside another simulation than the waiter's.
    pub(crate) fn remove(&mut self, id: WaiterId) -> Option<bool> {
        let pos = self.position(id)?;
        id.check_simulation(current_sim(), self.entries[pos].task, "dropped");
        self.remove_at(pos).map(|e| e.mark == Mark::Notified)
    }

    /// Removes a waiter whose future is being dropped. If it had been
    /// notified and `pass_on` holds (what it was woken for is still there),
    /// notifies the next waiter in its place, as a cancelled asyncio waiter
    /// calls `_wakeup_next`.
    pub(crate) fn withdraw(&mut self, id: WaiterId, pass_on: bool, wakes: &mut WakeList) {
        if self.remove(id) == Some(true) && pass_on {
            self.notify_next(wakes);
        }
    }

    /// Notifies the first waiter not yet notified, passing over cancelled
    /// ones (asyncio's `_wakeup_next`). Returns whether there was one.
    pub(crate) fn notify_next(&mut self, wakes: &mut WakeList) -> bool {
        while let Some(entry) = self.entries.get_mut(self.marked) {
            self.marked += 1;
            if entry.cancelled() {
                entry.mark = Mark::Passed;
                self.passed += 1;
                continue;
            }
            entry.mark = Mark::Notified;
            wakes.push(entry.waker.take());
            return true;
        }
        false
    }

    /// Notifies the waiter at the head of the list, unless it is already
    /// notified or cancelled (asyncio's `Lock._wake_up_first`, which leaves
    /// a cancelled first waiter to wake the next one as it leaves). Returns
    /// whether it did.
    pub(crate) fn notify_head(&mut self, wakes: &mut WakeList) -> bool {
        if self.marked > 0 {
            return false;
        }
        let Some(entry) = self.entries.front_mut() else {
            return false;
        };
        self.marked = 1;
        if entry.cancelled() {
            entry.mark = Mark::Passed;
            self.passed += 1;
            return false;
        }
        entry.mark = Mark::Notified;
        wakes.push(entry.waker.take());
        true
    }

    /// Notifies up to `n` waiters not yet notified, in arrival order,
    /// passing over cancelled ones. Returns how many it notified.
    pub(crate) fn notify(&mut self, n: usize, wakes: &mut WakeList) -> usize {
        let mut count = 0;
        while count < n && self.notify_next(wakes) {
            count += 1;
        }
        count
    }

    /// Notifies every waiter not yet notified. Returns how many.
    pub(crate) fn notify_all(&mut self, wakes: &mut WakeList) -> usize {
        self.notify(usize::MAX, wakes)
    }

    /// Whether every waiter in the list is cancelled (true if there is
    /// none): asyncio's `all(w.cancelled() for w in waiters)`. A waiter that
    /// was notified counts as live until it leaves the list.
    pub(crate) fn all_cancelled(&self) -> bool {
        self.passed == self.marked && self.entries.iter().skip(self.marked).all(Entry::cancelled)
    }

    /// Number of waiters in the list (notified or not).
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Number of waiters neither notified nor passed over yet (asyncio's
    /// queues pop a waiter from their deque when they wake it).
    pub(crate) fn unwoken(&self) -> usize {
        self.entries.len() - self.marked
    }
}

/// Wakers collected under a primitive's internal lock, to be woken in order
/// after the lock is released (a waker may run arbitrary code).
///
/// The first waker is kept inline: most operations wake one waiter, and then
/// nothing is allocated.
#[derive(Debug, Default)]
#[must_use = "collected wakers must be woken with wake_all"]
pub(crate) struct WakeList {
    first: Option<Waker>,
    rest: Vec<Waker>,
}

impl WakeList {
    pub(crate) fn new() -> WakeList {
        WakeList::default()
    }

    #[inline]
    fn push(&mut self, waker: Option<Waker>) {
        let Some(waker) = waker else { return };
        if self.first.is_none() {
            self.first = Some(waker);
        } else {
            self.rest.push(waker);
        }
    }

    /// Wakes every collected waker, in the order they were collected.
    #[inline]
    pub(crate) fn wake_all(self) {
        let WakeList { first, rest } = self;
        if let Some(first) = first {
            first.wake();
        }
        if !rest.is_empty() {
            rest.into_iter().for_each(Waker::wake);
        }
    }
}

/// Tells the simulation (if any) what the current task is about to wait on:
/// `operation`, on the primitive called `name` if it has one (see
/// [`task::wait_on`]; this form clones nothing when the task waits on the
/// same thing as last time).
#[inline]
pub(crate) fn park(operation: &'static str, name: Option<&Arc<str>>) {
    if runtime::polled_task().is_some() {
        runtime::try_with(|rt| rt.set_wait(operation, name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    struct Counter(AtomicUsize);
    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter() -> (Arc<Counter>, Waker) {
        let c = Arc::new(Counter(AtomicUsize::new(0)));
        (Arc::clone(&c), Waker::from(c))
    }

    #[test]
    fn notifies_in_arrival_order_and_skips_notified() {
        let (c1, w1) = counter();
        let (c2, w2) = counter();
        let mut list = Waiters::default();
        let mut a = list.push(&w1);
        let b = list.push(&w2);
        let mut wakes = WakeList::new();
        assert!(list.notify_next(&mut wakes));
        assert!(list.notify_next(&mut wakes));
        assert!(!list.notify_next(&mut wakes));
        wakes.wake_all();
        assert_eq!(c1.0.load(Ordering::SeqCst), 1);
        assert_eq!(c2.0.load(Ordering::SeqCst), 1);
        assert!(list.take_notified(&mut a, &w1));
        assert_eq!(list.remove(b), Some(true));
        assert_eq!(list.len(), 0);
    }

    #[test]
    fn head_only_wakes_the_first_waiter() {
        let (_c, w) = counter();
        let mut list = Waiters::default();
        let a = list.push(&w);
        let mut b = list.push(&w);
        let mut wakes = WakeList::new();
        assert!(list.notify_head(&mut wakes));
        assert!(!list.notify_head(&mut wakes));
        wakes.wake_all();
        assert!(!list.take_notified(&mut b, &w));
        assert_eq!(list.remove(a), Some(true));
        assert_eq!(list.remove(a), None);
        assert_eq!(list.len(), 1);
    }

    #[test]
    fn a_withdrawn_waiter_passes_its_wake_up_on_only_if_told_to() {
        let (_c, w) = counter();
        let mut list = Waiters::default();
        let mut wakes = WakeList::new();
        // Not notified: nothing to pass on.
        let a = list.push(&w);
        let mut b = list.push(&w);
        list.withdraw(a, true, &mut wakes);
        assert!(!list.take_notified(&mut b, &w));
        // Notified, but what it was woken for is gone: the next one sleeps on.
        let mut c = list.push(&w);
        assert!(list.notify_next(&mut wakes));
        list.withdraw(b, false, &mut wakes);
        assert!(!list.take_notified(&mut c, &w));
        // Notified, and what it was woken for is still there: the next one
        // is notified in its place.
        let mut d = list.push(&w);
        assert!(list.notify_next(&mut wakes));
        list.withdraw(c, true, &mut wakes);
        assert!(list.take_notified(&mut d, &w));
        assert_eq!(list.len(), 0);
        wakes.wake_all();
    }

    #[test]
    fn notify_n_counts_only_fresh_waiters() {
        let (_c, w) = counter();
        let mut list = Waiters::default();
        for _ in 0..4 {
            list.push(&w);
        }
        let mut wakes = WakeList::new();
        assert_eq!(list.notify(2, &mut wakes), 2);
        assert_eq!(list.notify_all(&mut wakes), 2);
        assert_eq!(list.notify_all(&mut wakes), 0);
        wakes.wake_all();
    }

    #[test]
    fn removing_entries_keeps_the_notified_prefix_consistent() {
        let (_c, w) = counter();
        let mut list = Waiters::default();
        let ids: Vec<_> = (0..5).map(|_| list.push(&w)).collect();
        let mut wakes = WakeList::new();
        assert_eq!(list.notify(2, &mut wakes), 2);
        // A notified entry and a waiting one leave.
        assert_eq!(list.remove(ids[0]), Some(true));
        assert_eq!(list.remove(ids[3]), Some(false));
        // Next in line: ids[2], then ids[4].
        assert!(list.notify_next(&mut wakes));
        let mut third = ids[2];
        assert!(list.take_notified(&mut third, &w));
        let mut last = ids[4];
        assert!(!list.take_notified(&mut last, &w));
        assert!(list.notify_next(&mut wakes));
        assert!(list.take_notified(&mut last, &w));
        assert!(!list.notify_next(&mut wakes));
        assert_eq!(list.len(), 1);
        wakes.wake_all();
    }

    #[test]
    fn waiters_of_tasks_being_aborted_are_passed_over() {
        use std::cell::RefCell;
        use std::rc::Rc;

        crate::Sim::new(1)
            .run(async {
                let list = Rc::new(RefCell::new(Waiters::default()));
                // A task that registers as a waiter, then sleeps for ever.
                let waiter = |list: &Rc<RefCell<Waiters>>| {
                    let list = Rc::clone(list);
                    crate::task::spawn(std::future::poll_fn(move |cx| {
                        list.borrow_mut().push(cx.waker());
                        std::task::Poll::<()>::Pending
                    }))
                };
                let (a, b) = (waiter(&list), waiter(&list));
                crate::task::yield_now().await;
                let mut wakes = WakeList::new();
                {
                    let mut list = list.borrow_mut();
                    assert!(!list.all_cancelled());
                    a.abort();
                    assert!(!list.all_cancelled(), "b is still live");
                    // The head is being aborted: the lock's hand-off waits
                    // for it to leave.
                    assert!(!list.notify_head(&mut wakes));
                    assert!(list.notify_next(&mut wakes), "b is notified");
                    assert!(!list.all_cancelled(), "b was notified");
                }
                let c = waiter(&list);
                crate::task::yield_now().await;
                c.abort();
                let mut list = list.borrow_mut();
                assert_eq!(list.notify_all(&mut wakes), 0);
                // Only a's (passed over), b's (notified) and c's remain.
                assert_eq!(list.len(), 3);
                drop(b);
                wakes.wake_all();
            })
            .unwrap();
    }
}
