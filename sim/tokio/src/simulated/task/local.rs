//! [`LocalSet`] and [`spawn_local`]: `!Send` tasks. Every simloop task may
//! be `!Send` (there is one thread), so a local set is only a record of the
//! tasks spawned through it.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;

use super::JoinHandle;
use super::join::{HasControl, spawn_local_inner};

/// Spawns a `!Send` future on the current simulation.
///
/// # Panics
///
/// Outside a simulation.
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spawn_local_inner(future, None)
}

/// A set of tasks that run on the same thread (`tokio::task::LocalSet`).
///
/// In `sim` mode every task already runs on the simulation's one thread:
/// [`LocalSet::spawn_local`] spawns at once (so it must be called inside a
/// simulation), and awaiting the set waits for every task spawned through
/// it.
pub struct LocalSet {
    tasks: RefCell<Vec<Arc<dyn HasControl>>>,
    waker: Arc<Mutex<Option<Waker>>>,
    _not_send: PhantomData<*const ()>,
}

impl Default for LocalSet {
    fn default() -> LocalSet {
        LocalSet::new()
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet")
            .field("tasks", &self.tasks.borrow().len())
            .finish()
    }
}

/// The guard returned by [`LocalSet::enter`]; it does nothing in `sim` mode.
#[derive(Debug)]
pub struct LocalEnterGuard(());

impl LocalSet {
    /// An empty set.
    pub fn new() -> LocalSet {
        LocalSet {
            tasks: RefCell::default(),
            waker: Arc::default(),
            _not_send: PhantomData,
        }
    }

    /// Enters the set's context (nothing to do in `sim` mode).
    pub fn enter(&self) -> LocalEnterGuard {
        LocalEnterGuard(())
    }

    /// Spawns a `!Send` task on this set.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let handle = spawn_local_inner(future, None);
        let waker = Arc::clone(&self.waker);
        handle.control().control().on_finish(Box::new(move |_| {
            if let Some(w) = waker.lock().take() {
                w.wake();
            }
        }));
        self.tasks.borrow_mut().push(Arc::clone(handle.control()));
        handle
    }

    /// Runs `future` to completion, with the set's tasks running alongside.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future drops `future`; the set's tasks keep running.
    pub async fn run_until<F: Future>(&self, future: F) -> F::Output {
        future.await
    }

    /// Runs `future` on `rt` with the set's tasks; see
    /// [`Runtime::block_on`](crate::runtime::Runtime::block_on).
    #[track_caller]
    pub fn block_on<F: Future>(&self, rt: &crate::runtime::Runtime, future: F) -> F::Output {
        rt.block_on(self.run_until(future))
    }
}

impl Future for LocalSet {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        *self.waker.lock() = Some(cx.waker().clone());
        let mut tasks = self.tasks.borrow_mut();
        tasks.retain(|t| !t.control().is_finished());
        if tasks.is_empty() {
            return Poll::Ready(());
        }
        simloop::facade::wait_in("LocalSet::await");
        Poll::Pending
    }
}
