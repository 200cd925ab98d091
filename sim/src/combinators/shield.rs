//! [`shield`]: keep a computation running when its awaiter is cancelled.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::task::{self, JoinError, JoinHandle, TaskId, WaitReason};

/// Runs `future` as its own task and returns a [`Shield`] that awaits its
/// output; cancelling the awaiter (dropping the `.await`) leaves the task
/// running, as asyncio's `shield`.
///
/// The result passes through the task's done callback, as in asyncio, so
/// it arrives one scheduling point after a plain `await` of the task would.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, combinators::shield, sync::Event, time};
///
/// Sim::new(1).run(async {
///     let saved = Event::new();
///     let save = shield({
///         let saved = saved.clone();
///         async move {
///             time::sleep(Duration::from_secs(5)).await;
///             saved.set();
///             "saved"
///         }
///     });
///     // The waiter gives up after 1 s; the shielded task carries on.
///     assert!(time::timeout(Duration::from_secs(1), save).await.is_err());
///     saved.wait().await;
///     assert_eq!(time::now().since_start(), Duration::from_secs(5));
///
///     assert_eq!(shield(async { 7 }).await.unwrap(), 7);
/// }).unwrap();
/// ```
///
/// # Cancel safety
///
/// Dropping the [`Shield`] detaches the task: it keeps running and its
/// output is discarded.
///
/// # Differences from asyncio
///
/// The output is a `Result<T, JoinError>`, the error telling a panic (or a
/// cancellation) of the task. A detached task that panics fails the run
/// unless the simulation is built with `fail_on_unobserved_panic(false)`
/// (asyncio only logs it).
///
/// # Panics
///
/// Outside a simulation.
pub fn shield<F>(future: F) -> Shield<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let handle = task::spawn(future);
    let id = handle.id();
    let state = Rc::new(RefCell::new(ShieldState {
        handle: Some(handle),
        result: None,
        waker: None,
    }));
    let weak = Rc::downgrade(&state);
    if let Some(handle) = &state.borrow().handle {
        handle.add_done_callback(move |_| {
            let Some(state) = weak.upgrade() else {
                return;
            };
            let mut st = state.borrow_mut();
            st.result = st.handle.take().and_then(|mut h| h.try_join());
            let waker = st.waker.take();
            drop(st);
            if let Some(waker) = waker {
                waker.wake();
            }
        });
    }
    Shield { id, state }
}

struct ShieldState<T> {
    /// The task's handle, until its done callback takes the result.
    handle: Option<JoinHandle<T>>,
    result: Option<Result<T, JoinError>>,
    waker: Option<Waker>,
}

/// The future returned by [`shield`]: the shielded task's output.
#[must_use = "the task runs anyway; await the Shield to get its output"]
pub struct Shield<T> {
    id: TaskId,
    state: Rc<RefCell<ShieldState<T>>>,
}

impl<T> Shield<T> {
    /// The shielded task's id.
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// Whether the shielded task has finished.
    pub fn is_finished(&self) -> bool {
        let st = self.state.borrow();
        st.handle.as_ref().is_none_or(JoinHandle::is_finished)
    }
}

// The output is never pinned.
impl<T> Unpin for Shield<T> {}

impl<T> Future for Shield<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut st = self.state.borrow_mut();
        if let Some(result) = st.result.take() {
            return Poll::Ready(result);
        }
        assert!(
            st.handle.is_some(),
            "simloop::combinators::Shield polled after it completed"
        );
        match &st.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => st.waker = Some(cx.waker().clone()),
        }
        drop(st);
        task::wait_on(WaitReason::new("shield").on_task(self.id));
        Poll::Pending
    }
}

impl<T> fmt::Debug for Shield<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shield")
            .field("id", &self.id)
            .field("finished", &self.is_finished())
            .finish()
    }
}
