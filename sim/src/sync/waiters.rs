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

use std::collections::VecDeque;
use std::sync::Arc;
use std::task::Waker;

use crate::task::{self, WaitReason};

/// A waiter's place in a [`Waiters`] list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WaiterId(u64);

#[derive(Debug)]
struct Entry {
    id: u64,
    waker: Waker,
    notified: bool,
}

/// Blocked waiters in arrival order.
#[derive(Debug, Default)]
pub(crate) struct Waiters {
    /// Sorted by id: ids only grow and entries are only appended.
    entries: VecDeque<Entry>,
    next_id: u64,
}

impl Waiters {
    /// Appends a waiter at the back.
    pub(crate) fn push(&mut self, waker: &Waker) -> WaiterId {
        let id = self.next_id;
        self.next_id += 1;
        self.entries.push_back(Entry {
            id,
            waker: waker.clone(),
            notified: false,
        });
        WaiterId(id)
    }

    fn position(&self, id: WaiterId) -> Option<usize> {
        self.entries.binary_search_by_key(&id.0, |e| e.id).ok()
    }

    /// If the waiter has been notified, removes it and returns `true`;
    /// otherwise refreshes its waker (the future may have moved to another
    /// task or combinator) and returns `false`.
    ///
    /// A waiter missing from the list counts as notified, so that its owner
    /// re-checks the primitive's state rather than sleeping forever.
    pub(crate) fn take_notified(&mut self, id: WaiterId, waker: &Waker) -> bool {
        let Some(pos) = self.position(id) else {
            return true;
        };
        let entry = &mut self.entries[pos];
        if entry.notified {
            self.entries.remove(pos);
            return true;
        }
        if !entry.waker.will_wake(waker) {
            entry.waker = waker.clone();
        }
        false
    }

    /// Removes a waiter whose future is being dropped. Returns whether it had
    /// been notified (`None` if it was not in the list).
    pub(crate) fn remove(&mut self, id: WaiterId) -> Option<bool> {
        let pos = self.position(id)?;
        self.entries.remove(pos).map(|e| e.notified)
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

    /// Notifies the first waiter not yet notified (asyncio's `_wakeup_next`).
    /// Returns whether there was one.
    pub(crate) fn notify_next(&mut self, wakes: &mut WakeList) -> bool {
        match self.entries.iter_mut().find(|e| !e.notified) {
            Some(entry) => {
                entry.notified = true;
                wakes.push(&entry.waker);
                true
            }
            None => false,
        }
    }

    /// Notifies the waiter at the head of the list, unless it is already
    /// notified (asyncio's `Lock._wake_up_first`). Returns whether it did.
    pub(crate) fn notify_head(&mut self, wakes: &mut WakeList) -> bool {
        match self.entries.front_mut() {
            Some(entry) if !entry.notified => {
                entry.notified = true;
                wakes.push(&entry.waker);
                true
            }
            _ => false,
        }
    }

    /// Notifies up to `n` waiters not yet notified, in arrival order.
    /// Returns how many it notified.
    pub(crate) fn notify(&mut self, n: usize, wakes: &mut WakeList) -> usize {
        let mut count = 0;
        for entry in self.entries.iter_mut().filter(|e| !e.notified).take(n) {
            entry.notified = true;
            wakes.push(&entry.waker);
            count += 1;
        }
        count
    }

    /// Notifies every waiter not yet notified. Returns how many.
    pub(crate) fn notify_all(&mut self, wakes: &mut WakeList) -> usize {
        self.notify(usize::MAX, wakes)
    }

    /// Whether no waiter is in the list (notified or not).
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of waiters in the list (notified or not).
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
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

    fn push(&mut self, waker: &Waker) {
        if self.first.is_none() {
            self.first = Some(waker.clone());
        } else {
            self.rest.push(waker.clone());
        }
    }

    /// Wakes every collected waker, in the order they were collected.
    pub(crate) fn wake_all(self) {
        if let Some(first) = self.first {
            first.wake();
        }
        for waker in self.rest {
            waker.wake();
        }
    }
}

/// Tells the simulation (if any) what the current task is about to wait on:
/// `operation`, on the primitive called `name` if it has one.
pub(crate) fn park(operation: &'static str, name: Option<&Arc<str>>) {
    let reason = WaitReason::new(operation);
    task::wait_on(match name {
        Some(name) => reason.on(Arc::clone(name)),
        None => reason,
    });
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
        let a = list.push(&w1);
        let b = list.push(&w2);
        let mut wakes = WakeList::new();
        assert!(list.notify_next(&mut wakes));
        assert!(list.notify_next(&mut wakes));
        assert!(!list.notify_next(&mut wakes));
        wakes.wake_all();
        assert_eq!(c1.0.load(Ordering::SeqCst), 1);
        assert_eq!(c2.0.load(Ordering::SeqCst), 1);
        assert!(list.take_notified(a, &w1));
        assert_eq!(list.remove(b), Some(true));
        assert!(list.is_empty());
    }

    #[test]
    fn head_only_wakes_the_first_waiter() {
        let (_c, w) = counter();
        let mut list = Waiters::default();
        let a = list.push(&w);
        let b = list.push(&w);
        let mut wakes = WakeList::new();
        assert!(list.notify_head(&mut wakes));
        assert!(!list.notify_head(&mut wakes));
        wakes.wake_all();
        assert!(!list.take_notified(b, &w));
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
        let b = list.push(&w);
        list.withdraw(a, true, &mut wakes);
        assert!(!list.take_notified(b, &w));
        // Notified, but what it was woken for is gone: the next one sleeps on.
        let c = list.push(&w);
        assert!(list.notify_next(&mut wakes));
        list.withdraw(b, false, &mut wakes);
        assert!(!list.take_notified(c, &w));
        // Notified, and what it was woken for is still there: the next one
        // is notified in its place.
        let d = list.push(&w);
        assert!(list.notify_next(&mut wakes));
        list.withdraw(c, true, &mut wakes);
        assert!(list.take_notified(d, &w));
        assert!(list.is_empty());
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
}
