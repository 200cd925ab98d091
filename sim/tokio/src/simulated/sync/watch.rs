//! A single-producer, multi-consumer channel that keeps only the latest
//! value (`tokio::sync::watch`).

use std::collections::BTreeMap;
use std::fmt;
use std::future::poll_fn;
use std::ops::Deref;
use std::sync::Arc;
use std::task::{Poll, Waker};

use parking_lot::{Mutex, RwLock, RwLockReadGuard};

/// Error types of the channel.
pub mod error {
    super::super::errors::send_error! {
        /// Every receiver is gone: the value comes back.
    }

    super::super::errors::closed_recv_error! {
        /// Every sender is gone.
        #[derive(Debug, Clone)]
    }
}

use error::{RecvError, SendError};

#[derive(Default)]
struct Counts {
    version: u64,
    senders: usize,
    receivers: usize,
    next_id: u64,
    rx_wakers: BTreeMap<u64, Waker>,
    closed_wakers: BTreeMap<u64, Waker>,
}

struct Shared<T> {
    value: RwLock<T>,
    counts: Mutex<Counts>,
}

impl<T> Shared<T> {
    fn wake_receivers(&self) {
        let wakers = std::mem::take(&mut self.counts.lock().rx_wakers);
        wakers.into_values().for_each(Waker::wake);
    }

    fn wake_closed(&self) {
        let wakers = std::mem::take(&mut self.counts.lock().closed_wakers);
        wakers.into_values().for_each(Waker::wake);
    }
}

/// Creates a watch channel holding `init`.
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        value: RwLock::new(init),
        counts: Mutex::new(Counts {
            senders: 1,
            receivers: 1,
            ..Counts::default()
        }),
    });
    (
        Sender {
            shared: Arc::clone(&shared),
        },
        Receiver { shared, seen: 0 },
    )
}

/// Sends values; the receivers see the latest.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Sees the latest value and waits for changes.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    seen: u64,
}

/// A borrowed value ([`Receiver::borrow`], [`Sender::borrow`]): holds a
/// read lock, so keep it short and never across an `.await`.
pub struct Ref<'a, T> {
    inner: RwLockReadGuard<'a, T>,
    has_changed: bool,
}

impl<T> Ref<'_, T> {
    /// Whether the value was new to the receiver when borrowed.
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("value", &*self.shared.value.read())
            .finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("value", &*self.shared.value.read())
            .finish()
    }
}

impl<T> Receiver<T> {
    /// The latest value, without marking it seen.
    pub fn borrow(&self) -> Ref<'_, T> {
        let version = self.shared.counts.lock().version;
        Ref {
            inner: self.shared.value.read(),
            has_changed: version != self.seen,
        }
    }

    /// The latest value, marking it seen.
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let version = self.shared.counts.lock().version;
        let has_changed = version != self.seen;
        self.seen = version;
        Ref {
            inner: self.shared.value.read(),
            has_changed,
        }
    }

    /// Whether a value this receiver has not seen was sent.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone.
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let c = self.shared.counts.lock();
        if c.senders == 0 {
            return Err(RecvError(()));
        }
        Ok(c.version != self.seen)
    }

    /// Marks the current value as unseen.
    pub fn mark_changed(&mut self) {
        self.seen = self.seen.wrapping_sub(1);
        if self.seen == self.shared.counts.lock().version {
            self.seen = self.seen.wrapping_sub(1);
        }
    }

    /// Marks the current value as seen.
    pub fn mark_unchanged(&mut self) {
        self.seen = self.shared.counts.lock().version;
    }

    /// Waits for a value this receiver has not seen, and marks it seen.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone (and nothing new was sent).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the value stays unseen if the future is dropped.
    pub async fn changed(&mut self) -> Result<(), RecvError> {
        let shared = Arc::clone(&self.shared);
        let mut id = None;
        let result = poll_fn(|cx| {
            let mut c = shared.counts.lock();
            if c.version != self.seen {
                self.seen = c.version;
                return Poll::Ready(Ok(()));
            }
            if c.senders == 0 {
                return Poll::Ready(Err(RecvError(())));
            }
            let i = *id.get_or_insert_with(|| {
                c.next_id += 1;
                c.next_id
            });
            c.rx_wakers.insert(i, cx.waker().clone());
            drop(c);
            simloop::facade::wait_in("watch::Receiver::changed");
            Poll::Pending
        })
        .await;
        if let Some(i) = id {
            shared.counts.lock().rx_wakers.remove(&i);
        }
        result
    }

    /// Waits until the value satisfies `f` (checking the current value
    /// first), marks it seen and returns it.
    ///
    /// # Errors
    ///
    /// [`RecvError`] if every sender is gone before.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn wait_for(
        &mut self,
        mut f: impl FnMut(&T) -> bool,
    ) -> Result<Ref<'_, T>, RecvError> {
        loop {
            {
                let version = self.shared.counts.lock().version;
                let value = self.shared.value.read();
                if f(&value) {
                    self.seen = version;
                    break;
                }
            }
            self.changed().await?;
        }
        Ok(Ref {
            inner: self.shared.value.read(),
            has_changed: false,
        })
    }

    /// Whether both receivers watch the same channel.
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Receiver<T> {
        self.shared.counts.lock().receivers += 1;
        Receiver {
            shared: Arc::clone(&self.shared),
            seen: self.seen,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let last = {
            let mut c = self.shared.counts.lock();
            c.receivers -= 1;
            c.receivers == 0
        };
        if last {
            self.shared.wake_closed();
        }
    }
}

impl<T> Sender<T> {
    /// A sender with no receiver (subscribe to get one).
    pub fn new(init: T) -> Sender<T> {
        let (tx, rx) = channel(init);
        drop(rx);
        tx
    }

    /// Sends `value` to the receivers.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if there is no receiver.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.receiver_count() == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Replaces the value (even with no receiver) and returns the old one.
    pub fn send_replace(&self, value: T) -> T {
        let old = std::mem::replace(&mut *self.shared.value.write(), value);
        self.shared.counts.lock().version += 1;
        self.shared.wake_receivers();
        old
    }

    /// Modifies the value in place and notifies the receivers.
    pub fn send_modify<F: FnOnce(&mut T)>(&self, modify: F) {
        self.send_if_modified(|v| {
            modify(v);
            true
        });
    }

    /// Modifies the value in place; notifies the receivers if `modify`
    /// returns true. Returns what `modify` returned.
    pub fn send_if_modified<F: FnOnce(&mut T) -> bool>(&self, modify: F) -> bool {
        let modified = modify(&mut self.shared.value.write());
        if modified {
            self.shared.counts.lock().version += 1;
            self.shared.wake_receivers();
        }
        modified
    }

    /// The current value.
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            inner: self.shared.value.read(),
            has_changed: false,
        }
    }

    /// Whether every receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Waits until every receiver is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn closed(&self) {
        let mut id = None;
        poll_fn(|cx| {
            let mut c = self.shared.counts.lock();
            if c.receivers == 0 {
                return Poll::Ready(());
            }
            let i = *id.get_or_insert_with(|| {
                c.next_id += 1;
                c.next_id
            });
            c.closed_wakers.insert(i, cx.waker().clone());
            drop(c);
            simloop::facade::wait_in("watch::Sender::closed");
            Poll::Pending
        })
        .await;
        if let Some(i) = id {
            self.shared.counts.lock().closed_wakers.remove(&i);
        }
    }

    /// A new receiver, which has seen the current value.
    pub fn subscribe(&self) -> Receiver<T> {
        let mut c = self.shared.counts.lock();
        c.receivers += 1;
        Receiver {
            shared: Arc::clone(&self.shared),
            seen: c.version,
        }
    }

    /// How many receivers there are.
    pub fn receiver_count(&self) -> usize {
        self.shared.counts.lock().receivers
    }

    /// How many senders there are.
    pub fn sender_count(&self) -> usize {
        self.shared.counts.lock().senders
    }

    /// Whether both senders send to the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T: Default> Default for Sender<T> {
    fn default() -> Sender<T> {
        Sender::new(T::default())
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.shared.counts.lock().senders += 1;
        Sender {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let last = {
            let mut c = self.shared.counts.lock();
            c.senders -= 1;
            c.senders == 0
        };
        if last {
            self.shared.wake_receivers();
        }
    }
}
