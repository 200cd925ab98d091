//! A one-shot channel: one value from a [`Sender`] to a [`Receiver`]
//! (`tokio::sync::oneshot`).

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;

/// Error types of the channel.
pub mod error {
    use std::fmt;

    super::super::errors::closed_recv_error! {
        /// The sender was dropped without sending.
        #[derive(Debug, Eq, PartialEq, Clone)]
    }

    /// Why [`try_recv`](super::Receiver::try_recv) gave no value.
    #[derive(Debug, Eq, PartialEq, Clone)]
    pub enum TryRecvError {
        /// No value yet.
        Empty,
        /// The sender was dropped without sending, or the value was taken.
        Closed,
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, TryRecvError};

struct State<T> {
    value: Option<T>,
    sent: bool,
    tx_dropped: bool,
    rx_closed: bool,
    rx_waker: Option<Waker>,
    tx_waker: Option<Waker>,
    taken: bool,
}

/// Creates a one-shot channel.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Mutex::new(State {
        value: None,
        sent: false,
        tx_dropped: false,
        rx_closed: false,
        rx_waker: None,
        tx_waker: None,
        taken: false,
    }));
    (
        Sender {
            inner: Some(Arc::clone(&inner)),
        },
        Receiver { inner: Some(inner) },
    )
}

/// Sends the value.
pub struct Sender<T> {
    inner: Option<Arc<Mutex<State<T>>>>,
}

/// Receives the value: await it.
///
/// # Cancel safety
///
/// Dropping the `Receiver` closes the channel; awaiting `&mut receiver` in a
/// `select!` loses nothing.
pub struct Receiver<T> {
    inner: Option<Arc<Mutex<State<T>>>>,
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

impl<T> Sender<T> {
    /// Sends `t`, or gives it back if the receiver is gone.
    ///
    /// # Errors
    ///
    /// The value, if the receiver was dropped or closed.
    pub fn send(mut self, t: T) -> Result<(), T> {
        let inner = self.inner.take().expect("sender used once");
        let waker = {
            let mut s = inner.lock();
            if s.rx_closed {
                return Err(t);
            }
            s.value = Some(t);
            s.sent = true;
            s.rx_waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// Whether the receiver was dropped or closed.
    pub fn is_closed(&self) -> bool {
        self.inner.as_ref().is_none_or(|i| i.lock().rx_closed)
    }

    /// Polls for the receiver's closing; see [`closed`](Sender::closed).
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(inner) = &self.inner else {
            return Poll::Ready(());
        };
        let mut s = inner.lock();
        if s.rx_closed {
            return Poll::Ready(());
        }
        s.tx_waker = Some(cx.waker().clone());
        drop(s);
        simloop::facade::wait_in("oneshot::Sender::closed");
        Poll::Pending
    }

    /// Waits until the receiver is dropped or closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn closed(&mut self) {
        poll_fn(|cx| self.poll_closed(cx)).await;
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            let waker = {
                let mut s = inner.lock();
                s.tx_dropped = true;
                s.rx_waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        }
    }
}

impl<T> Receiver<T> {
    /// Closes the channel: the sender's `send` fails from now on; a value
    /// already sent can still be received.
    pub fn close(&mut self) {
        if let Some(inner) = &self.inner {
            let waker = {
                let mut s = inner.lock();
                s.rx_closed = true;
                s.tx_waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        }
    }

    /// The value, if it was sent.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] before the value is sent,
    /// [`TryRecvError::Closed`] if the sender is gone or the value was taken.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let Some(inner) = &self.inner else {
            return Err(TryRecvError::Closed);
        };
        let mut s = inner.lock();
        if let Some(v) = s.value.take() {
            s.taken = true;
            return Ok(v);
        }
        if s.tx_dropped || s.taken || s.rx_closed {
            Err(TryRecvError::Closed)
        } else {
            Err(TryRecvError::Empty)
        }
    }

    /// Whether the receiver has returned its value or learnt that none
    /// will come.
    pub fn is_terminated(&self) -> bool {
        self.inner.as_ref().is_none_or(|i| i.lock().taken)
    }

    /// Whether no value is waiting.
    pub fn is_empty(&self) -> bool {
        self.inner.as_ref().is_none_or(|i| i.lock().value.is_none())
    }

    /// Waits for the value by blocking the thread: impossible inside a
    /// simulation, where it would block every task.
    ///
    /// # Errors
    ///
    /// As awaiting the receiver.
    ///
    /// # Panics
    ///
    /// Inside a simulation, if the value has not been sent yet.
    pub fn blocking_recv(mut self) -> Result<T, RecvError> {
        match self.try_recv() {
            Ok(v) => Ok(v),
            Err(TryRecvError::Closed) => Err(RecvError(())),
            Err(TryRecvError::Empty) => panic!(
                "oneshot::Receiver::blocking_recv would block the simulation's only thread; \
                 await the receiver instead"
            ),
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.close();
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(inner) = &this.inner else {
            panic!("called after complete");
        };
        let mut s = inner.lock();
        if let Some(v) = s.value.take() {
            s.taken = true;
            return Poll::Ready(Ok(v));
        }
        if s.taken {
            panic!("called after complete");
        }
        if s.tx_dropped {
            s.taken = true;
            return Poll::Ready(Err(RecvError(())));
        }
        s.rx_waker = Some(cx.waker().clone());
        drop(s);
        simloop::facade::wait_in("oneshot::Receiver::await");
        Poll::Pending
    }
}
