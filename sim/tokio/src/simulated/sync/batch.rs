//! The fair semaphore under `Semaphore`, `Mutex`, `RwLock` and the bounded
//! `mpsc` channel, as tokio's batch semaphore is.
//!
//! Waiters queue in arrival order. Released permits go to the waiter at the
//! front of the queue until it has all it asked for, even if a later waiter
//! needs fewer: nobody overtakes. A dropped acquire future gives back the
//! permits it had been assigned, which pass on to the next waiter.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;

/// The semaphore is closed.
#[derive(Debug)]
pub(crate) struct Closed;

/// Why `try_acquire` failed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TryAcquire {
    Closed,
    NoPermits,
}

#[derive(Debug)]
struct Waiter {
    needed: usize,
    assigned: usize,
    waker: Option<Waker>,
}

#[derive(Debug)]
struct State {
    permits: usize,
    closed: bool,
    next_id: u64,
    /// In arrival order, each with its id (ids grow, so the queue is
    /// sorted by id): the front is the first entry. A queue, not a map:
    /// waiters mostly leave from the front, and it allocates nothing per
    /// waiter once it has grown.
    waiters: Waiters,
}

/// The queue of waiters, sorted by id.
#[derive(Debug)]
struct Waiters(VecDeque<(u64, Waiter)>);

impl Waiters {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn values_mut(&mut self) -> impl Iterator<Item = &mut Waiter> {
        self.0.iter_mut().map(|(_, w)| w)
    }

    #[inline]
    fn index(&self, id: u64) -> Option<usize> {
        // Mostly the front one (the waiter served first), or one already
        // served: served waiters leave from the front, so any id before
        // the front's is gone.
        match self.0.front() {
            None => return None,
            Some((front, _)) if *front == id => return Some(0),
            Some((front, _)) if *front > id => return None,
            Some(_) => {}
        }
        self.0.binary_search_by_key(&id, |(i, _)| *i).ok()
    }

    fn insert(&mut self, id: u64, waiter: Waiter) {
        debug_assert!(self.0.back().is_none_or(|(last, _)| *last < id));
        self.0.push_back((id, waiter));
    }

    fn remove_at(&mut self, i: usize) -> Waiter {
        let entry = if i == 0 {
            self.0.pop_front()
        } else {
            self.0.remove(i)
        };
        entry.expect("an index from `index`").1
    }

    fn remove(&mut self, id: u64) -> Option<Waiter> {
        let i = self.index(id)?;
        Some(self.remove_at(i))
    }

    /// Takes the front waiter off the queue if `permits` complete what it
    /// asked for. Otherwise `None`, the permits there were assigned to it.
    fn serve_front(&mut self, permits: &mut usize) -> Option<Waiter> {
        if *permits == 0 {
            return None;
        }
        let (_, w) = self.0.front_mut()?;
        let give = (*permits).min(w.needed - w.assigned);
        w.assigned += give;
        *permits -= give;
        if w.assigned < w.needed {
            return None;
        }
        self.0.pop_front().map(|(_, w)| w)
    }
}

#[derive(Debug)]
pub(crate) struct Semaphore {
    state: Mutex<State>,
}

pub(crate) const MAX_PERMITS: usize = usize::MAX >> 3;

impl Semaphore {
    pub(crate) const fn new(permits: usize) -> Semaphore {
        assert!(
            permits <= MAX_PERMITS,
            "a semaphore may not have more than MAX_PERMITS permits"
        );
        Semaphore {
            state: Mutex::new(State {
                permits,
                closed: false,
                next_id: 0,
                waiters: Waiters(VecDeque::new()),
            }),
        }
    }

    pub(crate) fn available_permits(&self) -> usize {
        self.state.lock().permits
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.state.lock().closed
    }

    /// Closes the semaphore: every waiter fails, and so does every later
    /// acquire.
    pub(crate) fn close(&self) {
        let wakers: Vec<Waker> = {
            let mut s = self.state.lock();
            s.closed = true;
            s.waiters
                .values_mut()
                .filter_map(|w| w.waker.take())
                .collect()
        };
        wakers.into_iter().for_each(Waker::wake);
    }

    /// Gives `n` permits back (or adds them), serving the queue in order.
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        // Woken once the lock is released. A release mostly serves one
        // waiter: the first waker needs no allocation.
        let (first, rest) = {
            let mut s = self.state.lock();
            s.permits += n;
            let State {
                permits, waiters, ..
            } = &mut *s;
            // A served waiter leaves the queue here: its future, polled,
            // finds itself gone and completes without touching the queue.
            let Some(first) = waiters.serve_front(permits) else {
                return;
            };
            let mut rest = Vec::new();
            while let Some(w) = waiters.serve_front(permits) {
                rest.extend(w.waker);
            }
            (first.waker, rest)
        };
        if let Some(w) = first {
            w.wake();
        }
        rest.into_iter().for_each(Waker::wake);
    }

    /// Removes up to `n` available permits for good; returns how many.
    pub(crate) fn forget_permits(&self, n: usize) -> usize {
        let mut s = self.state.lock();
        let gone = n.min(s.permits);
        s.permits -= gone;
        gone
    }

    pub(crate) fn try_acquire(&self, n: usize) -> Result<(), TryAcquire> {
        let mut s = self.state.lock();
        if s.closed {
            return Err(TryAcquire::Closed);
        }
        if s.waiters.is_empty() && s.permits >= n {
            s.permits -= n;
            Ok(())
        } else {
            Err(TryAcquire::NoPermits)
        }
    }

    pub(crate) fn acquire(&self, n: usize, reason: &'static str) -> Acquire<'_> {
        Acquire {
            sem: self,
            n,
            id: None,
            reason,
        }
    }
}

/// Waits for `n` permits, in turn.
#[derive(Debug)]
pub(crate) struct Acquire<'a> {
    sem: &'a Semaphore,
    n: usize,
    id: Option<u64>,
    reason: &'static str,
}

impl Future for Acquire<'_> {
    type Output = Result<(), Closed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut s = this.sem.state.lock();
        match this.id {
            None => {
                if s.closed {
                    return Poll::Ready(Err(Closed));
                }
                if s.waiters.is_empty() && s.permits >= this.n {
                    s.permits -= this.n;
                    return Poll::Ready(Ok(()));
                }
                let id = s.next_id;
                s.next_id += 1;
                let assigned = if s.waiters.is_empty() {
                    let a = s.permits.min(this.n);
                    s.permits -= a;
                    a
                } else {
                    0
                };
                s.waiters.insert(
                    id,
                    Waiter {
                        needed: this.n,
                        assigned,
                        waker: Some(cx.waker().clone()),
                    },
                );
                this.id = Some(id);
            }
            Some(id) => {
                let closed = s.closed;
                // Not queued any more: a release served it in full.
                let Some(i) = s.waiters.index(id) else {
                    this.id = None;
                    return Poll::Ready(Ok(()));
                };
                let w = &mut s.waiters.0[i].1;
                if w.assigned == w.needed {
                    // Asked for no permits, behind others.
                    s.waiters.remove_at(i);
                    this.id = None;
                    return Poll::Ready(Ok(()));
                }
                if closed {
                    let back = s.waiters.remove_at(i).assigned;
                    this.id = None;
                    drop(s);
                    this.sem.release(back);
                    return Poll::Ready(Err(Closed));
                }
                match &w.waker {
                    Some(old) if old.will_wake(cx.waker()) => {}
                    _ => w.waker = Some(cx.waker().clone()),
                }
            }
        }
        drop(s);
        simloop::facade::wait_in(this.reason);
        Poll::Pending
    }
}

impl Acquire<'_> {
    /// Leaves the queue as waiter `id`, giving back what it was assigned.
    #[cold]
    fn cancel(&self, id: u64) {
        // A waiter no longer queued was served in full.
        let back = self
            .sem
            .state
            .lock()
            .waiters
            .remove(id)
            .map_or(self.n, |w| w.assigned);
        // Permits assigned to a cancelled waiter pass on to the next.
        self.sem.release(back);
    }
}

impl Drop for Acquire<'_> {
    #[inline]
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            self.cancel(id);
        }
    }
}
