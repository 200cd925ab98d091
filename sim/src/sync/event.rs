//! [`Event`]: asyncio's `Event`, a flag tasks can wait for.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::waiters::{WaiterId, Waiters, WakeList, park};

/// A flag that tasks can wait for: asyncio's `Event`.
///
/// [`set`](Event::set) raises the flag and wakes every waiting task;
/// [`wait`](Event::wait) returns at once while the flag is up;
/// [`clear`](Event::clear) lowers it. A cheap handle: clones share the same
/// flag. `Send + Sync`; works with any executor's wakers.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, sync::Event, task, time};
///
/// let woke = Sim::new(1).run(async {
///     let ready = Event::new().named("ready");
///     let waiters: Vec<_> = (0..3).map(|_| {
///         let ready = ready.clone();
///         task::spawn(async move { ready.wait().await; time::now().since_start() })
///     }).collect();
///     time::sleep(Duration::from_secs(5)).await;
///     ready.set();
///     let mut woke = Vec::new();
///     for w in waiters { woke.push(w.await.unwrap()); }
///     woke
/// }).unwrap();
/// assert_eq!(woke, vec![Duration::from_secs(5); 3]);
/// ```
///
/// # Fairness
///
/// `set` wakes every waiter, in the order they started waiting. A waiter
/// woken by `set` returns even if the flag is cleared before it runs, as in
/// asyncio.
///
/// # Cancel safety
///
/// Dropping a [`Wait`] future loses nothing (every waiter is woken by `set`,
/// so there is no wake-up to pass on).
///
/// # Differences from asyncio
///
/// `wait` returns `()` rather than `True`.
#[derive(Clone)]
pub struct Event {
    inner: Arc<parking_lot::Mutex<State>>,
}

struct State {
    set: bool,
    waiters: Waiters,
    name: Option<Arc<str>>,
}

impl Event {
    /// An event whose flag is down.
    pub fn new() -> Event {
        Event {
            inner: Arc::new(parking_lot::Mutex::new(State {
                set: false,
                waiters: Waiters::default(),
                name: None,
            })),
        }
    }

    /// Names the event: deadlock reports then say e.g.
    /// `Event::wait on "ready"`.
    pub fn named(self, name: impl Into<Arc<str>>) -> Event {
        self.inner.lock().name = Some(name.into());
        self
    }

    /// The event's name, if it was given one.
    pub fn name(&self) -> Option<Arc<str>> {
        self.inner.lock().name.clone()
    }

    /// Raises the flag and wakes every waiting task (a no-op if it is
    /// already up).
    pub fn set(&self) {
        let mut wakes = WakeList::new();
        let mut st = self.inner.lock();
        if !st.set {
            st.set = true;
            st.waiters.notify_all(&mut wakes);
        }
        drop(st);
        wakes.wake_all();
    }

    /// Lowers the flag: later calls to `wait` block until the next `set`.
    pub fn clear(&self) {
        self.inner.lock().set = false;
    }

    /// Whether the flag is up.
    pub fn is_set(&self) -> bool {
        self.inner.lock().set
    }

    /// Number of tasks waiting for the flag (asyncio's `len(event._waiters)`):
    /// those blocked in [`wait`](Event::wait), including ones that
    /// [`set`](Event::set) woke but that have not run yet, and one whose task
    /// is being cancelled but has not been dropped yet.
    ///
    /// ```
    /// use simloop::{Sim, sync::Event, task};
    ///
    /// Sim::new(1).run(async {
    ///     let ev = Event::new();
    ///     let e2 = ev.clone();
    ///     let waiter = task::spawn(async move { e2.wait().await });
    ///     task::yield_now().await;
    ///     assert_eq!(ev.waiters(), 1);
    ///     ev.set();
    ///     assert_eq!(ev.waiters(), 1); // woken, not yet running
    ///     waiter.await.unwrap();
    ///     assert_eq!(ev.waiters(), 0);
    /// }).unwrap();
    /// ```
    pub fn waiters(&self) -> usize {
        self.inner.lock().waiters.len()
    }

    /// Waits until the flag is up. Returns at once, without yielding, if it
    /// already is.
    pub fn wait(&self) -> Wait<'_> {
        Wait {
            event: self,
            waiter: None,
        }
    }
}

impl Default for Event {
    fn default() -> Self {
        Event::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.inner.lock();
        f.debug_struct("Event")
            .field("name", &st.name)
            .field("set", &st.set)
            .field("waiters", &st.waiters.len())
            .finish()
    }
}

/// The future returned by [`Event::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct Wait<'a> {
    event: &'a Event,
    waiter: Option<WaiterId>,
}

impl Future for Wait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut st = this.event.inner.lock();
        let notified = this
            .waiter
            .as_mut()
            .map(|id| st.waiters.take_notified(id, cx.waker()));
        match notified {
            Some(true) => {
                this.waiter = None;
                Poll::Ready(())
            }
            None if st.set => Poll::Ready(()),
            Some(false) => {
                park("Event::wait", st.name.as_ref());
                Poll::Pending
            }
            None => {
                this.waiter = Some(st.waiters.push(cx.waker()));
                park("Event::wait", st.name.as_ref());
                Poll::Pending
            }
        }
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.waiter.take() {
            self.event.inner.lock().waiters.remove(id);
        }
    }
}

impl fmt::Debug for Wait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("waiting", &self.waiter.is_some())
            .finish()
    }
}
