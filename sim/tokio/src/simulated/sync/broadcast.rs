//! A multi-producer, multi-consumer channel where every receiver sees
//! every value (`tokio::sync::broadcast`).
//!
//! As in tokio, the buffer's capacity is rounded up to a power of two, and
//! a receiver that falls more than that far behind gets
//! [`RecvError::Lagged`](error::RecvError::Lagged) with the number of
//! values it missed, then continues from the oldest one kept.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::future::poll_fn;
use std::sync::Arc;
use std::task::{Poll, Waker};

use parking_lot::Mutex;

/// Error types of the channel.
pub mod error {
    use std::fmt;

    super::super::errors::send_error! {
        /// There is no receiver: the value comes back.
    }

    /// Why `recv` gave no value.
    #[derive(Debug, PartialEq, Eq, Clone)]
    pub enum RecvError {
        /// Every sender is gone and every value was received.
        Closed,
        /// The receiver fell behind and missed this many values.
        Lagged(u64),
    }

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                RecvError::Closed => f.write_str("channel closed"),
                RecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
            }
        }
    }

    impl std::error::Error for RecvError {}

    /// Why `try_recv` gave no value.
    #[derive(Debug, PartialEq, Eq, Clone)]
    pub enum TryRecvError {
        /// Nothing new now.
        Empty,
        /// Every sender is gone and every value was received.
        Closed,
        /// The receiver fell behind and missed this many values.
        Lagged(u64),
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
                TryRecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, SendError, TryRecvError};

struct State<T> {
    /// Values with positions `head .. head + buffer.len()`.
    buffer: VecDeque<T>,
    head: u64,
    capacity: usize,
    senders: usize,
    weak_senders: usize,
    receivers: usize,
    next_id: u64,
    wakers: BTreeMap<u64, Waker>,
    closed_wakers: BTreeMap<u64, Waker>,
}

impl<T> State<T> {
    fn tail(&self) -> u64 {
        self.head + self.buffer.len() as u64
    }
}

struct Shared<T> {
    state: Mutex<State<T>>,
}

/// Creates a channel that keeps the last `capacity` values (rounded up to
/// a power of two).
///
/// # Panics
///
/// If `capacity` is 0 or too large.
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(capacity > 0, "broadcast channel capacity cannot be zero");
    assert!(
        capacity <= usize::MAX >> 1,
        "broadcast channel capacity exceeded `usize::MAX / 2`"
    );
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            buffer: VecDeque::new(),
            head: 0,
            capacity: capacity.next_power_of_two(),
            senders: 1,
            weak_senders: 0,
            receivers: 1,
            next_id: 0,
            wakers: BTreeMap::new(),
            closed_wakers: BTreeMap::new(),
        }),
    });
    (
        Sender {
            shared: Arc::clone(&shared),
        },
        Receiver { shared, next: 0 },
    )
}

/// Sends values to every receiver.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Receives every value sent after it subscribed.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    next: u64,
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("next", &self.next)
            .finish()
    }
}

impl<T> Sender<T> {
    /// A sender with no receiver yet.
    ///
    /// # Panics
    ///
    /// As [`channel`].
    #[track_caller]
    pub fn new(capacity: usize) -> Sender<T>
    where
        T: Clone,
    {
        let (tx, rx) = channel(capacity);
        drop(rx);
        tx
    }

    /// Sends `value` to every receiver; returns how many there are.
    ///
    /// # Errors
    ///
    /// [`SendError`] with the value if there is no receiver.
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let (receivers, wakers) = {
            let mut s = self.shared.state.lock();
            if s.receivers == 0 {
                return Err(SendError(value));
            }
            s.buffer.push_back(value);
            if s.buffer.len() > s.capacity {
                s.buffer.pop_front();
                s.head += 1;
            }
            (s.receivers, std::mem::take(&mut s.wakers))
        };
        wakers.into_values().for_each(Waker::wake);
        Ok(receivers)
    }

    /// A new receiver, which sees the values sent from now on.
    pub fn subscribe(&self) -> Receiver<T> {
        let mut s = self.shared.state.lock();
        s.receivers += 1;
        Receiver {
            shared: Arc::clone(&self.shared),
            next: s.tail(),
        }
    }

    /// How many values the slowest receiver has not received yet (at most
    /// the capacity).
    pub fn len(&self) -> usize {
        self.shared.state.lock().buffer.len()
    }

    /// Whether [`len`](Sender::len) is 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many receivers there are.
    pub fn receiver_count(&self) -> usize {
        self.shared.state.lock().receivers
    }

    /// How many senders there are.
    pub fn sender_count(&self) -> usize {
        self.shared.state.lock().senders
    }

    /// Whether both senders send to the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Waits until every receiver is gone.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn closed(&self) {
        let mut id = None;
        poll_fn(|cx| {
            let mut s = self.shared.state.lock();
            if s.receivers == 0 {
                return Poll::Ready(());
            }
            let i = *id.get_or_insert_with(|| {
                s.next_id += 1;
                s.next_id
            });
            s.closed_wakers.insert(i, cx.waker().clone());
            drop(s);
            simloop::facade::wait_in("broadcast::Sender::closed");
            Poll::Pending
        })
        .await;
        if let Some(i) = id {
            self.shared.state.lock().closed_wakers.remove(&i);
        }
    }
}

impl<T> Sender<T> {
    /// A [`WeakSender`] of the channel: it does not keep the channel open.
    pub fn downgrade(&self) -> WeakSender<T> {
        self.shared.state.lock().weak_senders += 1;
        WeakSender {
            shared: Arc::clone(&self.shared),
        }
    }

    /// How many (strong) senders there are.
    pub fn strong_count(&self) -> usize {
        self.shared.state.lock().senders
    }

    /// How many weak senders there are.
    pub fn weak_count(&self) -> usize {
        self.shared.state.lock().weak_senders
    }
}

/// A sender that does not keep the channel open ([`Sender::downgrade`]);
/// [`upgrade`](WeakSender::upgrade) gives a sender back while a strong one
/// lives.
pub struct WeakSender<T> {
    shared: Arc<Shared<T>>,
}

impl<T> WeakSender<T> {
    /// A [`Sender`], if a strong sender still lives.
    pub fn upgrade(&self) -> Option<Sender<T>> {
        let mut s = self.shared.state.lock();
        if s.senders == 0 {
            return None;
        }
        s.senders += 1;
        Some(Sender {
            shared: Arc::clone(&self.shared),
        })
    }

    /// How many (strong) senders there are.
    pub fn strong_count(&self) -> usize {
        self.shared.state.lock().senders
    }

    /// How many weak senders there are.
    pub fn weak_count(&self) -> usize {
        self.shared.state.lock().weak_senders
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> WeakSender<T> {
        self.shared.state.lock().weak_senders += 1;
        WeakSender {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.shared.state.lock().weak_senders -= 1;
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.shared.state.lock().senders += 1;
        Sender {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let wakers = {
            let mut s = self.shared.state.lock();
            s.senders -= 1;
            if s.senders > 0 {
                return;
            }
            std::mem::take(&mut s.wakers)
        };
        wakers.into_values().for_each(Waker::wake);
    }
}

impl<T: Clone> Receiver<T> {
    /// The next value, if one is there.
    ///
    /// # Errors
    ///
    /// [`TryRecvError`]: empty, closed, or lagged (and then the receiver
    /// moves on to the oldest value kept).
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let s = self.shared.state.lock();
        if self.next < s.head {
            let missed = s.head - self.next;
            self.next = s.head;
            return Err(TryRecvError::Lagged(missed));
        }
        if self.next < s.tail() {
            let v = s.buffer[(self.next - s.head) as usize].clone();
            self.next += 1;
            return Ok(v);
        }
        if s.senders == 0 {
            Err(TryRecvError::Closed)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    /// Receives from synchronous code outside a simulation.
    ///
    /// # Errors
    ///
    /// As [`recv`](Receiver::recv).
    ///
    /// # Panics
    ///
    /// Inside a simulation (it would block the only thread), or if no
    /// value is queued and a sender lives (no other thread could send).
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Result<T, RecvError> {
        super::mutex::assert_may_block();
        match self.try_recv() {
            Ok(v) => Ok(v),
            Err(TryRecvError::Closed) => Err(RecvError::Closed),
            Err(TryRecvError::Lagged(n)) => Err(RecvError::Lagged(n)),
            Err(TryRecvError::Empty) => {
                panic!("blocking_recv outside a simulation: nothing to receive")
            }
        }
    }

    /// Waits for the next value.
    ///
    /// # Errors
    ///
    /// [`RecvError::Closed`] once every sender is gone and every value was
    /// received; [`RecvError::Lagged`] if values were missed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a dropped `recv()` receives nothing.
    pub async fn recv(&mut self) -> Result<T, RecvError> {
        let shared = Arc::clone(&self.shared);
        let mut id = None;
        let out = poll_fn(|cx| match self.try_recv() {
            Ok(v) => Poll::Ready(Ok(v)),
            Err(TryRecvError::Closed) => Poll::Ready(Err(RecvError::Closed)),
            Err(TryRecvError::Lagged(n)) => Poll::Ready(Err(RecvError::Lagged(n))),
            Err(TryRecvError::Empty) => {
                let mut s = shared.state.lock();
                let i = *id.get_or_insert_with(|| {
                    s.next_id += 1;
                    s.next_id
                });
                s.wakers.insert(i, cx.waker().clone());
                drop(s);
                simloop::facade::wait_in("broadcast::Receiver::recv");
                Poll::Pending
            }
        })
        .await;
        if let Some(i) = id {
            shared.state.lock().wakers.remove(&i);
        }
        out
    }
}

impl<T> Receiver<T> {
    /// How many values were sent that this receiver has not received yet,
    /// counting those it lagged behind and lost, as tokio's.
    pub fn len(&self) -> usize {
        let s = self.shared.state.lock();
        (s.tail() - self.next) as usize
    }

    /// Whether [`len`](Receiver::len) is 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A new receiver that sees the values sent from now on.
    pub fn resubscribe(&self) -> Receiver<T> {
        let mut s = self.shared.state.lock();
        s.receivers += 1;
        Receiver {
            shared: Arc::clone(&self.shared),
            next: s.tail(),
        }
    }

    /// Whether both receivers are on the same channel.
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Whether every sender is gone.
    pub fn is_closed(&self) -> bool {
        self.shared.state.lock().senders == 0
    }

    /// How many senders there are.
    pub fn sender_strong_count(&self) -> usize {
        self.shared.state.lock().senders
    }

    /// How many weak senders there are.
    pub fn sender_weak_count(&self) -> usize {
        self.shared.state.lock().weak_senders
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let wakers = {
            let mut s = self.shared.state.lock();
            s.receivers -= 1;
            if s.receivers > 0 {
                return;
            }
            std::mem::take(&mut s.closed_wakers)
        };
        wakers.into_values().for_each(Waker::wake);
    }
}
