//! Multi-producer, single-consumer channels, bounded ([`channel`]) and
//! unbounded ([`unbounded_channel`]), with close.
//!
//! asyncio has no channel type; this is the Rust-style face of an
//! `asyncio.Queue` used between producers and one consumer, closed by
//! `Queue.shutdown`. It is built on [`Queue`](super::Queue) and shares its
//! fairness and cancel safety.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use super::queue::{self, Fifo, GenericQueue, Ops, PutError, ShutDown, TryGetError, TryPutError};

const OPS: Ops = Ops {
    get: "Receiver::recv",
    put: "Sender::send",
    join: "Receiver::join",
};

type Chan<T> = GenericQueue<T, Fifo<T>>;

/// A channel holding at most `capacity` messages: [`Sender::send`] waits
/// while it is full.
///
/// The channel closes when every [`Sender`] is dropped (the receiver then
/// drains the messages left and gets `None`), or when the [`Receiver`] calls
/// [`close`](Receiver::close) or is dropped (sends fail at once and give the
/// message back; a dropped receiver drops the messages left).
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, sync::channel, task, time};
///
/// let got = Sim::new(1).run(async {
///     let (tx, rx) = channel(1);
///     for id in 0..2 {
///         let tx = tx.clone();
///         task::spawn(async move {
///             for n in 0..2 {
///                 time::sleep(Duration::from_secs(1)).await;
///                 tx.send((id, n)).await.unwrap();
///             }
///         });
///     }
///     drop(tx); // the channel closes when the producers are done
///     let mut got = Vec::new();
///     while let Some(msg) = rx.recv().await {
///         got.push(msg);
///     }
///     got
/// }).unwrap();
/// assert_eq!(got, vec![(0, 0), (1, 0), (0, 1), (1, 1)]);
/// ```
///
/// # Fairness and cancel safety
///
/// Those of [`Queue`](super::Queue): blocked senders are served first come,
/// first served, and a dropped [`SendFuture`] or [`RecvFuture`] loses no message
/// (a dropped `Send` drops the message it carried).
///
/// # Panics
///
/// If `capacity` is 0 (there are no rendezvous channels; use 1).
pub fn channel<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(
        capacity > 0,
        "simloop::sync::channel: capacity must be at least 1"
    );
    pair(Chan::with_ops(capacity, OPS))
}

/// A channel without a capacity limit: sends never wait. Closes like
/// [`channel`].
///
/// ```
/// use simloop::{Sim, sync::unbounded_channel};
/// Sim::new(1).run(async {
///     let (tx, rx) = unbounded_channel();
///     for n in 0..1000 { tx.try_send(n).unwrap(); }
///     rx.close();
///     assert!(tx.send(0).await.is_err());
///     assert_eq!(rx.recv().await, Some(0));
/// }).unwrap();
/// ```
pub fn unbounded_channel<T>() -> (Sender<T>, Receiver<T>) {
    pair(Chan::with_ops(0, OPS))
}

fn pair<T>(queue: Chan<T>) -> (Sender<T>, Receiver<T>) {
    let senders = Arc::new(AtomicUsize::new(1));
    (
        Sender {
            queue: queue.clone(),
            senders,
        },
        Receiver { queue },
    )
}

/// The sending side of a channel; clones send into the same channel.
pub struct Sender<T> {
    queue: Chan<T>,
    senders: Arc<AtomicUsize>,
}

/// The receiving side of a channel.
pub struct Receiver<T> {
    queue: Chan<T>,
}

/// The channel is closed; holds the message that was not sent.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("channel is closed")]
pub struct SendError<T>(pub T);

impl<T> SendError<T> {
    /// The message that was not sent.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

/// Why [`Sender::try_send`] did not send; holds the message.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrySendError<T> {
    /// The channel is at capacity.
    #[error("channel is full")]
    Full(T),
    /// The channel is closed.
    #[error("channel is closed")]
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The message that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(m) | TrySendError::Closed(m) => m,
        }
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

/// Why [`Receiver::try_recv`] gave no message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TryRecvError {
    /// No message right now.
    #[error("channel is empty")]
    Empty,
    /// No message, and none will come: the channel is closed.
    #[error("channel is closed")]
    Closed,
}

impl<T> Sender<T> {
    /// Sends `message`, waiting while the channel is full. Fails, giving the
    /// message back, if the channel is or becomes closed.
    pub fn send(&self, message: T) -> SendFuture<'_, T> {
        SendFuture(self.queue.put(message))
    }

    /// Sends `message` if there is room right now.
    pub fn try_send(&self, message: T) -> Result<(), TrySendError<T>> {
        self.queue.try_put(message).map_err(|e| match e {
            TryPutError::Full(m) => TrySendError::Full(m),
            TryPutError::ShutDown(m) => TrySendError::Closed(m),
        })
    }

    /// Whether the channel is closed (sends fail).
    pub fn is_closed(&self) -> bool {
        self.queue.is_shut_down()
    }

    /// Names the channel: deadlock reports then say e.g.
    /// `Sender::send on "results"`.
    pub fn named(self, name: impl Into<Arc<str>>) -> Sender<T> {
        // Names the shared queue through a second handle.
        let _ = self.queue.clone().named(name);
        self
    }

    /// The channel's name, if it was given one (by either end).
    pub fn name(&self) -> Option<Arc<str>> {
        self.queue.name()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.senders.fetch_add(1, Ordering::SeqCst);
        Sender {
            queue: self.queue.clone(),
            senders: Arc::clone(&self.senders),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.senders.fetch_sub(1, Ordering::SeqCst) == 1 {
            // The last sender: the receiver drains what is left.
            self.queue.shutdown(false);
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("name", &self.queue.name())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T> Receiver<T> {
    /// Receives the next message, waiting while the channel is empty.
    /// Returns `None` once the channel is closed and empty.
    pub fn recv(&self) -> RecvFuture<'_, T> {
        RecvFuture(self.queue.get())
    }

    /// Receives a message if one is there.
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.queue.try_get().map_err(|e| match e {
            TryGetError::Empty => TryRecvError::Empty,
            TryGetError::ShutDown => TryRecvError::Closed,
        })
    }

    /// Closes the channel: sends fail from now on; the messages already
    /// sent can still be received.
    pub fn close(&self) {
        self.queue.shutdown(false);
    }

    /// Number of messages waiting.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether no message is waiting.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Names the channel for deadlock reports, e.g. `Receiver::recv on "results"`.
    pub fn named(self, name: impl Into<Arc<str>>) -> Receiver<T> {
        // Names the shared queue through a second handle.
        let _ = self.queue.clone().named(name);
        self
    }

    /// The channel's name, if it was given one (by either end).
    pub fn name(&self) -> Option<Arc<str>> {
        self.queue.name()
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        // Nobody will read: fail the senders and drop what is queued.
        self.queue.shutdown(true);
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("name", &self.queue.name())
            .field("len", &self.len())
            .finish()
    }
}

/// The future returned by [`Sender::send`].
#[must_use = "futures do nothing unless awaited"]
pub struct SendFuture<'a, T>(queue::Put<'a, T, Fifo<T>>);

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map_err(|PutError(m)| SendError(m))
    }
}

impl<T> fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SendFuture").field(&self.0).finish()
    }
}

/// The future returned by [`Receiver::recv`].
#[must_use = "futures do nothing unless awaited"]
pub struct RecvFuture<'a, T>(queue::Get<'a, T, Fifo<T>>);

impl<T> Future for RecvFuture<'_, T> {
    type Output = Option<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|r: Result<T, ShutDown>| r.ok())
    }
}

impl<T> fmt::Debug for RecvFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RecvFuture").field(&self.0).finish()
    }
}
