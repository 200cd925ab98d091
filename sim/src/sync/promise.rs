//! [`promise`]: asyncio's `Future`, split into a [`Promise`] that settles it
//! and a [`PromiseFuture`] that awaits it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use super::waiters::park;

/// Creates a one-shot result slot: asyncio's `loop.create_future()`.
///
/// The [`Promise`] settles it once, with a value ([`set_result`](Promise::set_result)),
/// an error ([`set_error`](Promise::set_error)) or a cancellation
/// ([`cancel`](Promise::cancel)); the [`PromiseFuture`] awaits the outcome.
/// Both sides can ask whether it is [`done`](Promise::done) or
/// [`cancelled`](Promise::cancelled). Works with any executor's wakers;
/// `Send + Sync` when `T` and `E` are `Send`.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, sync::{promise, PromiseError}, task, time};
///
/// Sim::new(1).run(async {
///     let (tx, reply) = promise::<u32, String>();
///     assert!(!reply.done() && !reply.cancelled());
///     task::spawn(async move {
///         time::sleep(Duration::from_secs(1)).await;
///         tx.set_result(42).unwrap();
///     });
///     assert_eq!(reply.await, Ok(42));
///     assert_eq!(time::now().since_start(), Duration::from_secs(1));
///
///     // asyncio: f = Future(); f.cancel(); f.done() and f.cancelled()
///     let (tx, reply) = promise::<u32, String>();
///     assert!(reply.cancel());
///     assert!(tx.done() && tx.cancelled());
///     assert_eq!(reply.await, Err(PromiseError::Cancelled));
/// }).unwrap();
/// ```
///
/// # Cancel safety
///
/// Dropping the [`PromiseFuture`] before the outcome is set cancels the
/// promise (as cancelling a task cancels the future it awaits in asyncio), so
/// the settling side can see that nobody waits any more.
///
/// # Differences from asyncio
///
/// - The settling and awaiting sides are two values; only one task can await
///   the outcome, and awaiting takes the value (no `T: Clone` needed).
/// - Settling an already settled promise returns [`InvalidState`] (holding
///   the rejected value) instead of raising `InvalidStateError`.
/// - If every [`Promise`] handle is dropped without settling, awaiting gives
///   [`PromiseError::Abandoned`] instead of waiting forever.
/// - Done callbacks ([`Promise::add_done_callback`]) take no argument.
pub fn promise<T, E>() -> (Promise<T, E>, PromiseFuture<T, E>) {
    let shared = Arc::new(parking_lot::Mutex::new(State {
        outcome: Outcome::Pending,
        waker: None,
        callbacks: Vec::new(),
        promises: 1,
        name: None,
    }));
    (
        Promise {
            shared: Arc::clone(&shared),
        },
        PromiseFuture { shared },
    )
}

/// The settling side of a [`promise`]. Clones settle the same promise.
pub struct Promise<T, E> {
    shared: Arc<parking_lot::Mutex<State<T, E>>>,
}

/// The awaiting side of a [`promise`]: resolves to the value, or to a
/// [`PromiseError`].
#[must_use = "futures do nothing unless awaited"]
pub struct PromiseFuture<T, E> {
    shared: Arc<parking_lot::Mutex<State<T, E>>>,
}

/// Why a [`PromiseFuture`] gave no value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromiseError<E> {
    /// The promise was settled with [`Promise::set_error`] (asyncio's
    /// `set_exception`).
    #[error("promise failed: {0}")]
    Failed(E),
    /// The promise was cancelled (asyncio's `CancelledError`).
    #[error("promise was cancelled")]
    Cancelled,
    /// Every [`Promise`] was dropped without settling it.
    #[error("promise was dropped without being settled")]
    Abandoned,
}

/// The promise was already settled (or cancelled); holds the value that was
/// not set (asyncio's `InvalidStateError`).
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("promise is already done")]
pub struct InvalidState<V>(pub V);

impl<V> InvalidState<V> {
    /// The value that was not set.
    pub fn into_inner(self) -> V {
        self.0
    }
}

impl<V> fmt::Debug for InvalidState<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InvalidState(..)")
    }
}

enum Outcome<T, E> {
    Pending,
    Value(T),
    Error(E),
    Cancelled,
    /// The future returned the outcome.
    Taken,
}

/// A done callback of a promise.
type DoneCallback = Box<dyn FnOnce() + Send>;

struct State<T, E> {
    outcome: Outcome<T, E>,
    waker: Option<Waker>,
    /// Done callbacks, in the order they were added.
    callbacks: Vec<DoneCallback>,
    /// Live `Promise` handles.
    promises: usize,
    name: Option<Arc<str>>,
}

impl<T, E> State<T, E> {
    fn is_done(&self) -> bool {
        !matches!(self.outcome, Outcome::Pending)
    }

    fn is_cancelled(&self) -> bool {
        matches!(self.outcome, Outcome::Cancelled)
    }

    /// Settles a pending promise, returning who is to hear of it.
    fn settle(&mut self, outcome: Outcome<T, E>) -> Result<Settled, Outcome<T, E>> {
        if self.is_done() {
            return Err(outcome);
        }
        self.outcome = outcome;
        Ok(Settled {
            waker: self.waker.take(),
            callbacks: std::mem::take(&mut self.callbacks),
        })
    }
}

/// Who hears that a promise was settled.
#[derive(Default)]
struct Settled {
    waker: Option<Waker>,
    callbacks: Vec<DoneCallback>,
}

fn wake(settled: Settled) {
    // The done callbacks are queued before the awaiter's wake-up, which is
    // asyncio's last callback.
    for callback in settled.callbacks {
        schedule(callback);
    }
    if let Some(w) = settled.waker {
        w.wake();
    }
}

/// Queues a done callback inside a simulation; runs it at once outside.
fn schedule(callback: DoneCallback) {
    let mut callback = Some(callback);
    crate::runtime::try_with(|rt| {
        if let Some(callback) = callback.take() {
            rt.call_soon(callback);
        }
    });
    if let Some(callback) = callback {
        callback();
    }
}

fn add_done_callback<T, E>(shared: &parking_lot::Mutex<State<T, E>>, callback: DoneCallback) {
    let mut st = shared.lock();
    if st.is_done() {
        drop(st);
        schedule(callback);
    } else {
        st.callbacks.push(callback);
    }
}

impl<T, E> Promise<T, E> {
    /// Names the promise: deadlock reports then say e.g.
    /// `PromiseFuture::await on "reply"`.
    pub fn named(self, name: impl Into<Arc<str>>) -> Promise<T, E> {
        self.shared.lock().name = Some(name.into());
        self
    }

    /// The promise's name, if it was given one (by either side).
    pub fn name(&self) -> Option<Arc<str>> {
        self.shared.lock().name.clone()
    }

    /// Settles the promise with `value` (asyncio's `set_result`); fails if it
    /// is already done or cancelled.
    pub fn set_result(&self, value: T) -> Result<(), InvalidState<T>> {
        let settled = self.shared.lock().settle(Outcome::Value(value));
        match settled {
            Ok(waker) => {
                wake(waker);
                Ok(())
            }
            Err(Outcome::Value(value)) => Err(InvalidState(value)),
            Err(_) => unreachable!("settle gives back what it was given"),
        }
    }

    /// Settles the promise with `error` (asyncio's `set_exception`); fails if
    /// it is already done or cancelled.
    pub fn set_error(&self, error: E) -> Result<(), InvalidState<E>> {
        let settled = self.shared.lock().settle(Outcome::Error(error));
        match settled {
            Ok(waker) => {
                wake(waker);
                Ok(())
            }
            Err(Outcome::Error(error)) => Err(InvalidState(error)),
            Err(_) => unreachable!("settle gives back what it was given"),
        }
    }

    /// Cancels the promise (asyncio's `cancel`). Returns `false` if it was
    /// already done.
    pub fn cancel(&self) -> bool {
        cancel(&self.shared)
    }

    /// Whether the promise is settled or cancelled.
    pub fn done(&self) -> bool {
        self.shared.lock().is_done()
    }

    /// Whether the promise was cancelled (by either side, or by dropping the
    /// [`PromiseFuture`] early).
    pub fn cancelled(&self) -> bool {
        self.shared.lock().is_cancelled()
    }

    /// Runs `callback` once the promise is settled or cancelled, as a ready
    /// item of its own (asyncio's `fut.add_done_callback`): queued the
    /// moment the promise is done, in the order callbacks were added and
    /// before the awaiting task's wake-up; queued at once if it is already
    /// done. Outside a simulation it runs right where the promise is
    /// settled.
    ///
    /// ```
    /// use std::sync::{Arc, atomic::{AtomicBool, Ordering}};
    /// use simloop::{Sim, sync::promise, task};
    ///
    /// Sim::new(1).run(async {
    ///     let (tx, rx) = promise::<u32, ()>();
    ///     let heard = Arc::new(AtomicBool::new(false));
    ///     let h = heard.clone();
    ///     tx.add_done_callback(move || h.store(true, Ordering::SeqCst));
    ///     tx.set_result(1).unwrap();
    ///     assert!(!heard.load(Ordering::SeqCst)); // queued, not run yet
    ///     assert_eq!(rx.await, Ok(1)); // already there: no scheduling point
    ///     assert!(!heard.load(Ordering::SeqCst));
    ///     task::yield_now().await;
    ///     assert!(heard.load(Ordering::SeqCst));
    /// }).unwrap();
    /// ```
    pub fn add_done_callback(&self, callback: impl FnOnce() + Send + 'static) {
        add_done_callback(&self.shared, Box::new(callback));
    }
}

fn cancel<T, E>(shared: &parking_lot::Mutex<State<T, E>>) -> bool {
    let settled = shared.lock().settle(Outcome::Cancelled);
    match settled {
        Ok(waker) => {
            wake(waker);
            true
        }
        Err(_) => false,
    }
}

impl<T, E> Clone for Promise<T, E> {
    fn clone(&self) -> Self {
        self.shared.lock().promises += 1;
        Promise {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T, E> Drop for Promise<T, E> {
    fn drop(&mut self) {
        let mut st = self.shared.lock();
        st.promises -= 1;
        let waker = if st.promises == 0 && !st.is_done() {
            st.waker.take()
        } else {
            None
        };
        drop(st);
        wake(Settled {
            waker,
            callbacks: Vec::new(),
        });
    }
}

impl<T, E> fmt::Debug for Promise<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug("Promise", &self.shared, f)
    }
}

fn debug<T, E>(
    kind: &str,
    shared: &parking_lot::Mutex<State<T, E>>,
    f: &mut fmt::Formatter<'_>,
) -> fmt::Result {
    let st = shared.lock();
    let state = match st.outcome {
        Outcome::Pending => "pending",
        Outcome::Value(_) => "finished",
        Outcome::Error(_) => "failed",
        Outcome::Cancelled => "cancelled",
        Outcome::Taken => "taken",
    };
    f.debug_struct(kind)
        .field("name", &st.name)
        .field("state", &state)
        .finish()
}

impl<T, E> PromiseFuture<T, E> {
    /// Names the promise: deadlock reports then say e.g.
    /// `PromiseFuture::await on "reply"`.
    pub fn named(self, name: impl Into<Arc<str>>) -> PromiseFuture<T, E> {
        self.shared.lock().name = Some(name.into());
        self
    }

    /// The promise's name, if it was given one (by either side).
    pub fn name(&self) -> Option<Arc<str>> {
        self.shared.lock().name.clone()
    }

    /// Whether the promise is settled or cancelled.
    pub fn done(&self) -> bool {
        self.shared.lock().is_done()
    }

    /// Whether the promise was cancelled.
    pub fn cancelled(&self) -> bool {
        self.shared.lock().is_cancelled()
    }

    /// Cancels the promise (asyncio's `cancel`); awaiting then gives
    /// [`PromiseError::Cancelled`]. Returns `false` if it was already done.
    pub fn cancel(&self) -> bool {
        cancel(&self.shared)
    }

    /// Runs `callback` once the promise is done; see
    /// [`Promise::add_done_callback`].
    pub fn add_done_callback(&self, callback: impl FnOnce() + Send + 'static) {
        add_done_callback(&self.shared, Box::new(callback));
    }
}

/// Polling it only looks at the promise.
impl<T, E> crate::task::Handle for PromiseFuture<T, E> {
    fn is_done(&self) -> bool {
        self.done()
    }

    fn cancel_work(&self) {
        self.cancel();
    }

    fn wake_when_done(&self, waker: std::task::Waker) {
        self.add_done_callback(move || waker.wake());
    }
}

impl<T, E> Future for PromiseFuture<T, E> {
    type Output = Result<T, PromiseError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut st = self.shared.lock();
        let result = match std::mem::replace(&mut st.outcome, Outcome::Taken) {
            Outcome::Value(v) => Ok(v),
            Outcome::Error(e) => Err(PromiseError::Failed(e)),
            Outcome::Cancelled => {
                // Stays observable through `cancelled()`.
                st.outcome = Outcome::Cancelled;
                Err(PromiseError::Cancelled)
            }
            Outcome::Taken => panic!("simloop::sync::PromiseFuture polled after it completed"),
            Outcome::Pending if st.promises == 0 => {
                st.outcome = Outcome::Pending;
                Err(PromiseError::Abandoned)
            }
            Outcome::Pending => {
                st.outcome = Outcome::Pending;
                match &st.waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => st.waker = Some(cx.waker().clone()),
                }
                park("PromiseFuture::await", st.name.as_ref());
                return Poll::Pending;
            }
        };
        Poll::Ready(result)
    }
}

impl<T, E> Drop for PromiseFuture<T, E> {
    fn drop(&mut self) {
        // Nobody can await the outcome any more.
        let mut st = self.shared.lock();
        let callbacks = if st.is_done() {
            Vec::new()
        } else {
            st.outcome = Outcome::Cancelled;
            st.waker = None;
            std::mem::take(&mut st.callbacks)
        };
        drop(st);
        wake(Settled {
            waker: None,
            callbacks,
        });
    }
}

impl<T, E> fmt::Debug for PromiseFuture<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug("PromiseFuture", &self.shared, f)
    }
}
