//! [`Notify`]: wakes one task or all waiting tasks, with a stored permit
//! (`tokio::sync::Notify`).

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Waiting,
    /// Chosen by `notify_one` / `notify_last`: the wake-up passes on if the
    /// future is dropped before it sees it.
    One,
    All,
}

#[derive(Debug)]
struct Waiter {
    waker: Option<Waker>,
    mark: Mark,
}

#[derive(Debug)]
struct State {
    permit: bool,
    /// How many times `notify_waiters` was called.
    generation: u64,
    next_id: u64,
    waiters: BTreeMap<u64, Waiter>,
}

/// Notifies tasks (`tokio::sync::Notify`).
///
/// [`notify_one`](Notify::notify_one) wakes the task that waited longest,
/// or stores one permit for the next [`notified`](Notify::notified) if
/// nobody waits. [`notify_waiters`](Notify::notify_waiters) wakes every
/// `Notified` future created before the call, and stores nothing.
///
/// ```
/// # extern crate simloop_tokio as tokio;
/// use std::sync::Arc;
/// use tokio::sync::Notify;
/// # simloop::Sim::new(1).run(async {
/// let notify = Arc::new(Notify::new());
/// let n = notify.clone();
/// let waiter = tokio::spawn(async move { n.notified().await; "woken" });
/// notify.notify_one();
/// assert_eq!(waiter.await.unwrap(), "woken");
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct Notify {
    state: Mutex<State>,
}

impl Default for Notify {
    fn default() -> Notify {
        Notify::const_new()
    }
}

impl Notify {
    /// A `Notify` with no stored permit.
    pub fn new() -> Notify {
        Notify::const_new()
    }

    /// A `Notify` with no stored permit, in a `const` context (a `static`).
    pub const fn const_new() -> Notify {
        Notify {
            state: Mutex::new(State {
                permit: false,
                generation: 0,
                next_id: 0,
                waiters: BTreeMap::new(),
            }),
        }
    }

    /// A future that completes at the next notification.
    pub fn notified(&self) -> Notified<'_> {
        let generation = self.state.lock().generation;
        Notified {
            notify: self,
            generation,
            id: None,
            done: false,
        }
    }

    /// Like [`notified`](Notify::notified), owning an `Arc` of the `Notify`.
    pub fn notified_owned(self: std::sync::Arc<Self>) -> OwnedNotified {
        let generation = self.state.lock().generation;
        OwnedNotified {
            notify: self,
            generation,
            id: None,
            done: false,
        }
    }

    fn notify_with(&self, last: bool) {
        let waker = {
            let mut s = self.state.lock();
            let mut candidates = s.waiters.values_mut().filter(|w| w.mark == Mark::Waiting);
            let chosen = if last {
                candidates.next_back()
            } else {
                candidates.next()
            };
            match chosen {
                Some(w) => {
                    w.mark = Mark::One;
                    w.waker.take()
                }
                None => {
                    s.permit = true;
                    None
                }
            }
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Wakes the task that waited longest, or stores a permit.
    pub fn notify_one(&self) {
        self.notify_with(false);
    }

    /// Wakes the task that waited last, or stores a permit.
    pub fn notify_last(&self) {
        self.notify_with(true);
    }

    /// Wakes every waiting `Notified` (and those created but not yet
    /// polled); stores no permit.
    pub fn notify_waiters(&self) {
        let wakers: Vec<Waker> = {
            let mut s = self.state.lock();
            s.generation += 1;
            s.waiters
                .values_mut()
                .filter(|w| w.mark == Mark::Waiting)
                .filter_map(|w| {
                    w.mark = Mark::All;
                    w.waker.take()
                })
                .collect()
        };
        wakers.into_iter().for_each(Waker::wake);
    }

    fn poll_waiter(
        &self,
        cx: &mut Context<'_>,
        generation: u64,
        id: &mut Option<u64>,
        done: &mut bool,
    ) -> Poll<()> {
        assert!(!*done, "Notified polled after completion");
        let mut s = self.state.lock();
        match *id {
            None => {
                if s.generation != generation || std::mem::take(&mut s.permit) {
                    *done = true;
                    return Poll::Ready(());
                }
                let i = s.next_id;
                s.next_id += 1;
                s.waiters.insert(
                    i,
                    Waiter {
                        waker: Some(cx.waker().clone()),
                        mark: Mark::Waiting,
                    },
                );
                *id = Some(i);
            }
            Some(i) => {
                let w = s.waiters.get_mut(&i).expect("a waiter stays listed");
                if w.mark != Mark::Waiting {
                    s.waiters.remove(&i);
                    *id = None;
                    *done = true;
                    return Poll::Ready(());
                }
                w.waker = Some(cx.waker().clone());
            }
        }
        drop(s);
        simloop::facade::wait_in("Notify::notified");
        Poll::Pending
    }

    fn enable_waiter(&self, generation: u64, id: &mut Option<u64>, done: bool) -> bool {
        if done || id.is_some() {
            return true;
        }
        let mut s = self.state.lock();
        if s.generation != generation {
            return true;
        }
        // A stored permit is taken now, as tokio's `enable` does: the
        // future is notified, and dropping it does not pass the permit on.
        let notified = std::mem::take(&mut s.permit);
        let i = s.next_id;
        s.next_id += 1;
        s.waiters.insert(
            i,
            Waiter {
                waker: None,
                mark: if notified { Mark::All } else { Mark::Waiting },
            },
        );
        *id = Some(i);
        notified
    }

    fn drop_waiter(&self, id: Option<u64>) {
        if let Some(i) = id {
            let mark = self.state.lock().waiters.remove(&i).map(|w| w.mark);
            if mark == Some(Mark::One) {
                // A wake-up given to a dropped waiter goes to the next one.
                self.notify_one();
            }
        }
    }
}

/// The future of [`Notify::notified`].
///
/// # Cancel safety
///
/// Dropping it is safe: a `notify_one` wake-up it had received but not
/// returned passes on to the next waiter (or becomes the stored permit).
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Notified<'a> {
    notify: &'a Notify,
    generation: u64,
    id: Option<u64>,
    done: bool,
}

impl Notified<'_> {
    /// Joins the waiter list now, without polling, so that a
    /// `notify_one` sent before the first poll is kept for this future.
    /// Returns whether the future has already been notified.
    pub fn enable(self: Pin<&mut Self>) -> bool {
        let this = self.get_mut();
        this.notify
            .enable_waiter(this.generation, &mut this.id, this.done)
    }
}

impl Future for Notified<'_> {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.notify
            .poll_waiter(cx, this.generation, &mut this.id, &mut this.done)
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        self.notify.drop_waiter(self.id.take());
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified").finish_non_exhaustive()
    }
}

/// The future of [`Notify::notified_owned`].
///
/// # Cancel safety
///
/// As [`Notified`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct OwnedNotified {
    notify: std::sync::Arc<Notify>,
    generation: u64,
    id: Option<u64>,
    done: bool,
}

impl OwnedNotified {
    /// See [`Notified::enable`].
    pub fn enable(self: Pin<&mut Self>) -> bool {
        let this = self.get_mut();
        this.notify
            .enable_waiter(this.generation, &mut this.id, this.done)
    }
}

impl Future for OwnedNotified {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.notify
            .poll_waiter(cx, this.generation, &mut this.id, &mut this.done)
    }
}

impl Drop for OwnedNotified {
    fn drop(&mut self) {
        self.notify.drop_waiter(self.id.take());
    }
}

impl fmt::Debug for OwnedNotified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedNotified").finish_non_exhaustive()
    }
}
