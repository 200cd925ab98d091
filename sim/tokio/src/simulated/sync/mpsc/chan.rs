//! The channel both flavours share: a queue, the sender counts and, for a
//! bounded channel, a fair semaphore of free slots.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;

use super::super::batch;
use super::error::TryRecvError;

struct State<T> {
    queue: VecDeque<T>,
    rx_closed: bool,
    tx_count: usize,
    weak_count: usize,
    rx_waker: Option<Waker>,
    closed_wakers: BTreeMap<u64, Waker>,
    next_waiter: u64,
}

pub(super) struct Chan<T> {
    state: Mutex<State<T>>,
    /// Free slots of a bounded channel.
    pub(super) slots: Option<batch::Semaphore>,
    pub(super) bound: usize,
}

impl<T> Chan<T> {
    pub(super) fn new(bound: Option<usize>) -> Arc<Chan<T>> {
        Arc::new(Chan {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                rx_closed: false,
                tx_count: 1,
                weak_count: 0,
                rx_waker: None,
                closed_wakers: BTreeMap::new(),
                next_waiter: 0,
            }),
            slots: bound.map(batch::Semaphore::new),
            bound: bound.unwrap_or(usize::MAX),
        })
    }

    /// Queues `value` (its slot, if bounded, is already taken).
    pub(super) fn push(&self, value: T) {
        let waker = {
            let mut s = self.state.lock();
            s.queue.push_back(value);
            s.rx_waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    pub(super) fn rx_closed(&self) -> bool {
        self.state.lock().rx_closed
    }

    pub(super) fn release_slot(&self) {
        if let Some(slots) = &self.slots {
            slots.release(1);
        }
    }

    pub(super) fn add_sender(&self) {
        self.state.lock().tx_count += 1;
    }

    /// A sender from a weak one, if a strong one is still alive.
    pub(super) fn upgrade(&self) -> bool {
        let mut s = self.state.lock();
        if s.tx_count == 0 {
            return false;
        }
        s.tx_count += 1;
        true
    }

    pub(super) fn drop_sender(&self) {
        let waker = {
            let mut s = self.state.lock();
            s.tx_count -= 1;
            if s.tx_count > 0 {
                return;
            }
            s.rx_waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    pub(super) fn add_weak(&self) {
        self.state.lock().weak_count += 1;
    }

    pub(super) fn drop_weak(&self) {
        self.state.lock().weak_count -= 1;
    }

    pub(super) fn counts(&self) -> (usize, usize) {
        let s = self.state.lock();
        (s.tx_count, s.weak_count)
    }

    pub(super) fn len(&self) -> usize {
        self.state.lock().queue.len()
    }

    /// The receiver closes the channel: sends fail from now on; what is
    /// queued can still be received.
    pub(super) fn close(&self) {
        let wakers: Vec<Waker> = {
            let mut s = self.state.lock();
            s.rx_closed = true;
            std::mem::take(&mut s.closed_wakers).into_values().collect()
        };
        if let Some(slots) = &self.slots {
            slots.close();
        }
        wakers.into_iter().for_each(Waker::wake);
    }

    /// The receiver is gone: close, and drop what is queued.
    pub(super) fn drop_receiver(&self) {
        self.close();
        let queued = std::mem::take(&mut self.state.lock().queue);
        drop(queued);
    }

    pub(super) fn try_recv(&self) -> Result<T, TryRecvError> {
        let mut s = self.state.lock();
        match s.queue.pop_front() {
            Some(v) => {
                drop(s);
                self.release_slot();
                Ok(v)
            }
            None if s.tx_count == 0 || s.rx_closed => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    pub(super) fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut s = self.state.lock();
        match s.queue.pop_front() {
            Some(v) => {
                drop(s);
                self.release_slot();
                Poll::Ready(Some(v))
            }
            None if s.tx_count == 0 || s.rx_closed => Poll::Ready(None),
            // Empty: wait, under the same lock (a value pushed meanwhile
            // would find the waker).
            None => {
                Self::set_rx_waker(&mut s, cx);
                drop(s);
                simloop::facade::wait_in("mpsc::Receiver::recv");
                Poll::Pending
            }
        }
    }

    fn set_rx_waker(s: &mut State<T>, cx: &Context<'_>) {
        match &s.rx_waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => s.rx_waker = Some(cx.waker().clone()),
        }
    }

    fn wait<R>(&self, cx: &mut Context<'_>) -> Poll<R> {
        Self::set_rx_waker(&mut self.state.lock(), cx);
        simloop::facade::wait_in("mpsc::Receiver::recv");
        Poll::Pending
    }

    pub(super) fn poll_recv_many(
        &self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let (taken, done) = {
            let mut s = self.state.lock();
            let n = limit.min(s.queue.len());
            buffer.extend(s.queue.drain(..n));
            (n, s.tx_count == 0 || s.rx_closed)
        };
        if let Some(slots) = &self.slots {
            slots.release(taken);
        }
        if taken > 0 || done {
            Poll::Ready(taken)
        } else {
            self.wait(cx)
        }
    }

    /// Polls for the receiver's closing, as waiter `id`.
    pub(super) fn poll_closed(&self, cx: &mut Context<'_>, id: &mut Option<u64>) -> Poll<()> {
        let mut s = self.state.lock();
        if s.rx_closed {
            if let Some(i) = id.take() {
                s.closed_wakers.remove(&i);
            }
            return Poll::Ready(());
        }
        let i = *id.get_or_insert_with(|| {
            s.next_waiter += 1;
            s.next_waiter
        });
        s.closed_wakers.insert(i, cx.waker().clone());
        drop(s);
        simloop::facade::wait_in("mpsc::Sender::closed");
        Poll::Pending
    }

    pub(super) fn forget_closed_waiter(&self, id: Option<u64>) {
        if let Some(i) = id {
            self.state.lock().closed_wakers.remove(&i);
        }
    }
}
