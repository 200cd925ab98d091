//! Multi-producer, single-consumer channels (`tokio::sync::mpsc`): a
//! bounded [`channel`] whose senders wait for a free slot in arrival order,
//! and an [`unbounded_channel`].
//!
//! ```
//! # extern crate simloop_tokio as tokio;
//! use tokio::sync::mpsc;
//! # simloop::Sim::new(1).run(async {
//! let (tx, mut rx) = mpsc::channel(2);
//! for i in 0..3 {
//!     let tx = tx.clone();
//!     tokio::spawn(async move { tx.send(i).await.unwrap() });
//! }
//! drop(tx);
//! let mut got = Vec::new();
//! while let Some(v) = rx.recv().await {
//!     got.push(v);
//! }
//! got.sort();
//! assert_eq!(got, [0, 1, 2]);
//! # }).unwrap();
//! ```

use std::fmt;
use std::future::poll_fn;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

mod chan;
pub mod error;

use chan::Chan;
use error::{SendError, SendTimeoutError, TryRecvError, TrySendError};

use super::batch;

/// Removes a `closed()` waiter when its future is dropped.
struct ClosedWaiter<'a, T> {
    chan: &'a Chan<T>,
    id: Option<u64>,
}

impl<T> Drop for ClosedWaiter<'_, T> {
    fn drop(&mut self) {
        self.chan.forget_closed_waiter(self.id.take());
    }
}

async fn closed<T>(chan: &Chan<T>) {
    let mut w = ClosedWaiter { chan, id: None };
    poll_fn(|cx| w.chan.poll_closed(cx, &mut w.id)).await;
}

#[track_caller]
fn no_blocking(api: &str) {
    assert!(
        !simloop::facade::in_simulation(),
        "{api} would block the simulation's only thread: Cannot block the current thread from \
         within a runtime; use the async method instead"
    );
}

/// Creates a bounded channel with room for `buffer` messages.
///
/// # Panics
///
/// If `buffer` is 0.
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    assert!(buffer > 0, "mpsc bounded channel requires buffer > 0");
    let chan = Chan::new(Some(buffer));
    (
        Sender {
            chan: Arc::clone(&chan),
        },
        Receiver { chan },
    )
}

/// Sends to a bounded channel; clone it for more producers.
pub struct Sender<T> {
    chan: Arc<Chan<T>>,
}

/// A sender that does not keep the channel open ([`Sender::downgrade`]).
pub struct WeakSender<T> {
    chan: Arc<Chan<T>>,
}

/// Receives from a bounded channel.
pub struct Receiver<T> {
    chan: Arc<Chan<T>>,
}

/// A reserved slot: [`send`](Permit::send) fills it at once.
pub struct Permit<'a, T> {
    chan: &'a Chan<T>,
}

/// A reserved slot that owns its sender ([`Sender::reserve_owned`]).
pub struct OwnedPermit<T> {
    sender: Option<Sender<T>>,
}

/// Several reserved slots ([`Sender::reserve_many`]), one per item.
pub struct PermitIterator<'a, T> {
    chan: &'a Chan<T>,
    n: usize,
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for PermitIterator<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PermitIterator")
            .field("remaining", &self.n)
            .finish()
    }
}

fn slots<T>(chan: &Chan<T>) -> &batch::Semaphore {
    chan.slots.as_ref().expect("a bounded channel has slots")
}

impl<T> Sender<T> {
    /// Sends `value`, waiting for a free slot (in arrival order).
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is gone or closed.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future gives up its place in the queue; the value is
    /// dropped with it and never sent.
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        match slots(&self.chan).acquire(1, "mpsc::Sender::send").await {
            Ok(()) => {
                self.chan.push(value);
                Ok(())
            }
            Err(_) => Err(SendError(value)),
        }
    }

    /// Sends `value` if a slot is free now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`], with the value.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match slots(&self.chan).try_acquire(1) {
            Ok(()) => {
                self.chan.push(value);
                Ok(())
            }
            Err(batch::TryAcquire::Closed) => Err(TrySendError::Closed(value)),
            Err(batch::TryAcquire::NoPermits) => Err(TrySendError::Full(value)),
        }
    }

    /// Sends `value`, waiting at most `timeout` for a free slot.
    ///
    /// # Errors
    ///
    /// [`SendTimeoutError`] with the value.
    ///
    /// # Cancel safety
    ///
    /// As [`send`](Sender::send).
    pub async fn send_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendTimeoutError<T>> {
        match crate::time::timeout(timeout, self.reserve()).await {
            Ok(Ok(permit)) => {
                permit.send(value);
                Ok(())
            }
            Ok(Err(_)) => Err(SendTimeoutError::Closed(value)),
            Err(_) => Err(SendTimeoutError::Timeout(value)),
        }
    }

    /// Sends from synchronous code outside a simulation.
    ///
    /// # Errors
    ///
    /// As [`try_send`](Sender::try_send), with a full channel an error too.
    ///
    /// # Panics
    ///
    /// Inside a simulation.
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        no_blocking("mpsc::Sender::blocking_send");
        self.try_send(value).map_err(|e| SendError(e.into_inner()))
    }

    /// Waits for a free slot and reserves it.
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver is gone or closed.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future gives up its place in the queue.
    pub async fn reserve(&self) -> Result<Permit<'_, T>, SendError<()>> {
        slots(&self.chan)
            .acquire(1, "mpsc::Sender::reserve")
            .await
            .map_err(|_| SendError(()))?;
        Ok(Permit { chan: &self.chan })
    }

    /// Waits for `n` free slots and reserves them.
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver is gone or closed, or `n` exceeds the
    /// channel's capacity.
    ///
    /// # Cancel safety
    ///
    /// As [`reserve`](Sender::reserve).
    pub async fn reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, SendError<()>> {
        if n > self.max_capacity() {
            return Err(SendError(()));
        }
        slots(&self.chan)
            .acquire(n, "mpsc::Sender::reserve")
            .await
            .map_err(|_| SendError(()))?;
        Ok(PermitIterator {
            chan: &self.chan,
            n,
        })
    }

    /// Reserves a slot if one is free now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] or [`TrySendError::Closed`].
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        match slots(&self.chan).try_acquire(1) {
            Ok(()) => Ok(Permit { chan: &self.chan }),
            Err(batch::TryAcquire::Closed) => Err(TrySendError::Closed(())),
            Err(batch::TryAcquire::NoPermits) => Err(TrySendError::Full(())),
        }
    }

    /// Reserves `n` slots if they are free now.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] (also if `n` exceeds the channel's capacity)
    /// or [`TrySendError::Closed`].
    pub fn try_reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, TrySendError<()>> {
        if n > self.max_capacity() {
            return Err(TrySendError::Full(()));
        }
        match slots(&self.chan).try_acquire(n) {
            Ok(()) => Ok(PermitIterator {
                chan: &self.chan,
                n,
            }),
            Err(batch::TryAcquire::Closed) => Err(TrySendError::Closed(())),
            Err(batch::TryAcquire::NoPermits) => Err(TrySendError::Full(())),
        }
    }

    /// Waits for a free slot and reserves it, consuming the sender.
    ///
    /// # Errors
    ///
    /// [`SendError`] if the receiver is gone or closed.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops the sender and gives up its place.
    pub async fn reserve_owned(self) -> Result<OwnedPermit<T>, SendError<()>> {
        slots(&self.chan)
            .acquire(1, "mpsc::Sender::reserve")
            .await
            .map_err(|_| SendError(()))?;
        Ok(OwnedPermit { sender: Some(self) })
    }

    /// Reserves a slot if one is free now, consuming the sender.
    ///
    /// # Errors
    ///
    /// [`TrySendError`] with the sender back.
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Sender<T>>> {
        match slots(&self.chan).try_acquire(1) {
            Ok(()) => Ok(OwnedPermit { sender: Some(self) }),
            Err(batch::TryAcquire::Closed) => Err(TrySendError::Closed(self)),
            Err(batch::TryAcquire::NoPermits) => Err(TrySendError::Full(self)),
        }
    }

    /// Waits until the receiver is dropped or closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn closed(&self) {
        closed(&self.chan).await;
    }

    /// Whether the receiver is dropped or closed.
    pub fn is_closed(&self) -> bool {
        self.chan.rx_closed()
    }

    /// Whether both senders send to the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// The free slots now.
    pub fn capacity(&self) -> usize {
        slots(&self.chan).available_permits()
    }

    /// The channel's size.
    pub fn max_capacity(&self) -> usize {
        self.chan.bound
    }

    /// A sender that does not keep the channel open.
    pub fn downgrade(&self) -> WeakSender<T> {
        self.chan.add_weak();
        WeakSender {
            chan: Arc::clone(&self.chan),
        }
    }

    /// How many (strong) senders there are.
    pub fn strong_count(&self) -> usize {
        self.chan.counts().0
    }

    /// How many weak senders there are.
    pub fn weak_count(&self) -> usize {
        self.chan.counts().1
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.chan.add_sender();
        Sender {
            chan: Arc::clone(&self.chan),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> WeakSender<T> {
    /// A sender, if a strong one is still alive.
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.chan.upgrade().then(|| Sender {
            chan: Arc::clone(&self.chan),
        })
    }

    /// How many (strong) senders there are.
    pub fn strong_count(&self) -> usize {
        self.chan.counts().0
    }

    /// How many weak senders there are.
    pub fn weak_count(&self) -> usize {
        self.chan.counts().1
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> WeakSender<T> {
        self.chan.add_weak();
        WeakSender {
            chan: Arc::clone(&self.chan),
        }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.chan.drop_weak();
    }
}

impl<T> Permit<'_, T> {
    /// Sends `value` into the reserved slot.
    pub fn send(self, value: T) {
        let chan = self.chan;
        std::mem::forget(self);
        chan.push(value);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        self.chan.release_slot();
    }
}

impl<T> OwnedPermit<T> {
    /// Sends `value` into the reserved slot and gives the sender back.
    pub fn send(mut self, value: T) -> Sender<T> {
        let sender = self.sender.take().expect("permit unused");
        sender.chan.push(value);
        sender
    }

    /// Gives the slot back unused, and the sender.
    pub fn release(mut self) -> Sender<T> {
        let sender = self.sender.take().expect("permit unused");
        sender.chan.release_slot();
        sender
    }

    /// Whether both permits are for the same channel.
    pub fn same_channel(&self, other: &OwnedPermit<T>) -> bool {
        match (&self.sender, &other.sender) {
            (Some(a), Some(b)) => a.same_channel(b),
            _ => false,
        }
    }

    /// Whether this permit is for `sender`'s channel.
    pub fn same_channel_as_sender(&self, sender: &Sender<T>) -> bool {
        self.sender.as_ref().is_some_and(|s| s.same_channel(sender))
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(sender) = self.sender.take() {
            sender.chan.release_slot();
        }
    }
}

impl<'a, T> Iterator for PermitIterator<'a, T> {
    type Item = Permit<'a, T>;

    fn next(&mut self) -> Option<Permit<'a, T>> {
        if self.n == 0 {
            return None;
        }
        self.n -= 1;
        Some(Permit { chan: self.chan })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.n, Some(self.n))
    }
}

impl<T> ExactSizeIterator for PermitIterator<'_, T> {}

impl<T> Drop for PermitIterator<'_, T> {
    fn drop(&mut self) {
        if let Some(slots) = &self.chan.slots {
            slots.release(self.n);
        }
    }
}

macro_rules! receiver_methods {
    ($name:literal) => {
        /// Waits for the next message; `None` once every sender is gone (or
        /// the channel is closed) and the queue is empty.
        ///
        /// # Cancel safety
        ///
        /// Cancel safe: a dropped `recv()` receives nothing, so no message
        /// is lost.
        pub async fn recv(&mut self) -> Option<T> {
            poll_fn(|cx| self.chan.poll_recv(cx)).await
        }

        /// Waits for messages and moves up to `limit` of them into
        /// `buffer`; returns how many (0 once the channel is over, or if
        /// `limit` is 0).
        ///
        /// # Cancel safety
        ///
        /// Cancel safe.
        pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
            poll_fn(|cx| self.chan.poll_recv_many(cx, buffer, limit)).await
        }

        /// The next message if one is queued.
        ///
        /// # Errors
        ///
        /// [`TryRecvError::Empty`] or [`TryRecvError::Disconnected`].
        pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
            self.chan.try_recv()
        }

        /// Receives from synchronous code outside a simulation.
        ///
        /// # Panics
        ///
        /// Inside a simulation.
        #[track_caller]
        pub fn blocking_recv(&mut self) -> Option<T> {
            no_blocking(concat!($name, "::blocking_recv"));
            self.chan.try_recv().ok()
        }

        /// Receives up to `limit` queued messages from synchronous code
        /// outside a simulation; returns how many.
        ///
        /// # Panics
        ///
        /// Inside a simulation.
        #[track_caller]
        pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
            no_blocking(concat!($name, "::blocking_recv_many"));
            let mut n = 0;
            while n < limit {
                match self.chan.try_recv() {
                    Ok(v) => buffer.push(v),
                    Err(_) => break,
                }
                n += 1;
            }
            n
        }

        /// Closes the channel: sends fail from now on, queued messages can
        /// still be received.
        pub fn close(&mut self) {
            self.chan.close();
        }

        /// Whether the channel is closed or every sender is gone.
        pub fn is_closed(&self) -> bool {
            self.chan.rx_closed() || self.chan.counts().0 == 0
        }

        /// Whether no message is queued.
        pub fn is_empty(&self) -> bool {
            self.chan.len() == 0
        }

        /// How many messages are queued.
        pub fn len(&self) -> usize {
            self.chan.len()
        }

        /// Polls for the next message; see `recv`.
        pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
            self.chan.poll_recv(cx)
        }

        /// Polls for up to `limit` messages; see `recv_many`.
        pub fn poll_recv_many(
            &mut self,
            cx: &mut Context<'_>,
            buffer: &mut Vec<T>,
            limit: usize,
        ) -> Poll<usize> {
            self.chan.poll_recv_many(cx, buffer, limit)
        }

        /// How many (strong) senders there are.
        pub fn sender_strong_count(&self) -> usize {
            self.chan.counts().0
        }

        /// How many weak senders there are.
        pub fn sender_weak_count(&self) -> usize {
            self.chan.counts().1
        }
    };
}

impl<T> Receiver<T> {
    receiver_methods!("mpsc::Receiver");

    /// The free slots now.
    pub fn capacity(&self) -> usize {
        slots(&self.chan).available_permits()
    }

    /// The channel's size.
    pub fn max_capacity(&self) -> usize {
        self.chan.bound
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.drop_receiver();
    }
}

/// Creates an unbounded channel.
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let chan = Chan::new(None);
    (
        UnboundedSender {
            chan: Arc::clone(&chan),
        },
        UnboundedReceiver { chan },
    )
}

/// Sends to an unbounded channel, never waiting.
pub struct UnboundedSender<T> {
    chan: Arc<Chan<T>>,
}

/// A weak [`UnboundedSender`].
pub struct WeakUnboundedSender<T> {
    chan: Arc<Chan<T>>,
}

/// Receives from an unbounded channel.
pub struct UnboundedReceiver<T> {
    chan: Arc<Chan<T>>,
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for WeakUnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakUnboundedSender")
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedReceiver").finish_non_exhaustive()
    }
}

impl<T> UnboundedSender<T> {
    /// Sends `value` at once.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if the receiver is gone or closed.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.chan.rx_closed() {
            return Err(SendError(value));
        }
        self.chan.push(value);
        Ok(())
    }

    /// Waits until the receiver is dropped or closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn closed(&self) {
        closed(&self.chan).await;
    }

    /// Whether the receiver is dropped or closed.
    pub fn is_closed(&self) -> bool {
        self.chan.rx_closed()
    }

    /// Whether both senders send to the same channel.
    pub fn same_channel(&self, other: &UnboundedSender<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    /// A sender that does not keep the channel open.
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        self.chan.add_weak();
        WeakUnboundedSender {
            chan: Arc::clone(&self.chan),
        }
    }

    /// How many (strong) senders there are.
    pub fn strong_count(&self) -> usize {
        self.chan.counts().0
    }

    /// How many weak senders there are.
    pub fn weak_count(&self) -> usize {
        self.chan.counts().1
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> UnboundedSender<T> {
        self.chan.add_sender();
        UnboundedSender {
            chan: Arc::clone(&self.chan),
        }
    }
}

impl<T> Drop for UnboundedSender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> WeakUnboundedSender<T> {
    /// A sender, if a strong one is still alive.
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        self.chan.upgrade().then(|| UnboundedSender {
            chan: Arc::clone(&self.chan),
        })
    }

    /// How many (strong) senders there are.
    pub fn strong_count(&self) -> usize {
        self.chan.counts().0
    }

    /// How many weak senders there are.
    pub fn weak_count(&self) -> usize {
        self.chan.counts().1
    }
}

impl<T> Clone for WeakUnboundedSender<T> {
    fn clone(&self) -> WeakUnboundedSender<T> {
        self.chan.add_weak();
        WeakUnboundedSender {
            chan: Arc::clone(&self.chan),
        }
    }
}

impl<T> Drop for WeakUnboundedSender<T> {
    fn drop(&mut self) {
        self.chan.drop_weak();
    }
}

impl<T> UnboundedReceiver<T> {
    receiver_methods!("mpsc::UnboundedReceiver");
}

impl<T> Drop for UnboundedReceiver<T> {
    fn drop(&mut self) {
        self.chan.drop_receiver();
    }
}
