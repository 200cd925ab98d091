//! [`JoinSet`]: a collection of tasks, joined in the order they finish.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::future::{Future, poll_fn};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;

use super::join::{spawn_inner, spawn_local_inner};
use super::{AbortHandle, Id, JoinError, JoinHandle};

#[derive(Default)]
struct Finished {
    ids: VecDeque<Id>,
    waker: Option<Waker>,
}

/// A collection of tasks spawned on the simulation (`tokio::task::JoinSet`).
///
/// [`join_next`](JoinSet::join_next) returns the outputs in the order the
/// tasks finish. Dropping the set aborts every task still in it.
pub struct JoinSet<T> {
    tasks: BTreeMap<Id, JoinHandle<T>>,
    finished: Arc<Mutex<Finished>>,
}

impl<T> Default for JoinSet<T> {
    fn default() -> JoinSet<T> {
        JoinSet::new()
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len()).finish()
    }
}

impl<T> JoinSet<T> {
    /// An empty set.
    pub fn new() -> JoinSet<T> {
        JoinSet {
            tasks: BTreeMap::new(),
            finished: Arc::default(),
        }
    }

    /// How many tasks are in the set (finished ones not yet joined count).
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        let finished = Arc::clone(&self.finished);
        handle.control().control().on_finish(Box::new(move |id| {
            let waker = {
                let mut f = finished.lock();
                f.ids.push_back(id);
                f.waker.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        }));
        self.tasks.insert(handle.id(), handle);
        abort
    }

    /// Aborts every task in the set; they stay in it until joined.
    pub fn abort_all(&mut self) {
        for t in self.tasks.values() {
            t.abort();
        }
    }

    /// Removes every task from the set without aborting them.
    pub fn detach_all(&mut self) {
        self.tasks.clear();
        self.finished.lock().ids.clear();
    }

    /// Polls for the next finished task; see [`join_next`](JoinSet::join_next).
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_join_next_with_id(cx)
            .map(|r| r.map(|r| r.map(|(_, v)| v)))
    }

    /// Polls for the next finished task and its id.
    pub fn poll_join_next_with_id(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(Id, T), JoinError>>> {
        if self.tasks.is_empty() {
            return Poll::Ready(None);
        }
        loop {
            let next = {
                let mut f = self.finished.lock();
                match f.ids.pop_front() {
                    Some(id) => id,
                    None => {
                        f.waker = Some(cx.waker().clone());
                        drop(f);
                        simloop::facade::wait_in("JoinSet::join_next");
                        return Poll::Pending;
                    }
                }
            };
            // A detached task's id may still be queued.
            let Some(mut handle) = self.tasks.remove(&next) else {
                continue;
            };
            return match std::pin::Pin::new(&mut handle).poll(cx) {
                Poll::Ready(Ok(v)) => Poll::Ready(Some(Ok((next, v)))),
                Poll::Ready(Err(e)) => Poll::Ready(Some(Err(e))),
                Poll::Pending => unreachable!("a finished task's handle is ready"),
            };
        }
    }

    /// Waits for one of the tasks to finish and returns its output, or
    /// `None` if the set is empty.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a task that finishes while the future is dropped stays
    /// in the set for the next call.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// Like [`join_next`](JoinSet::join_next), with the task's id.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as `join_next`.
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        poll_fn(|cx| self.poll_join_next_with_id(cx)).await
    }

    /// Returns a finished task's output without waiting, if one has
    /// finished.
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        let waker = Waker::noop();
        match self.poll_join_next(&mut Context::from_waker(waker)) {
            Poll::Ready(r) => r,
            Poll::Pending => None,
        }
    }

    /// Like [`try_join_next`](JoinSet::try_join_next), with the task's id.
    pub fn try_join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        let waker = Waker::noop();
        match self.poll_join_next_with_id(&mut Context::from_waker(waker)) {
            Poll::Ready(r) => r,
            Poll::Pending => None,
        }
    }

    /// Aborts every task and waits for them all to finish.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future leaves the remaining (aborted) tasks in the set.
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Waits for every task and returns their outputs in the order they
    /// finished.
    ///
    /// # Panics
    ///
    /// If a task panicked (resuming its panic) or was cancelled.
    pub async fn join_all(mut self) -> Vec<T> {
        let mut out = Vec::with_capacity(self.len());
        while let Some(r) = self.join_next().await {
            match r {
                Ok(v) => out.push(v),
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(e) => panic!("{e}"),
            }
        }
        out
    }
}

impl<T: 'static> JoinSet<T> {
    /// Spawns `task` into the set.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    #[track_caller]
    pub fn spawn<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send,
    {
        self.insert(spawn_inner(task, None))
    }

    /// Spawns `task` into the set; there is one runtime, so `handle` only
    /// stands for it.
    #[track_caller]
    pub fn spawn_on<F>(&mut self, task: F, handle: &crate::runtime::Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send,
    {
        let _ = handle;
        self.insert(spawn_inner(task, None))
    }

    /// Spawns a `!Send` task into the set.
    #[track_caller]
    pub fn spawn_local<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(spawn_local_inner(task, None))
    }

    /// Spawns a `!Send` task into the set (the local set is the simulation).
    #[track_caller]
    pub fn spawn_local_on<F>(&mut self, task: F, local_set: &super::LocalSet) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        let _ = local_set;
        self.insert(spawn_local_inner(task, None))
    }

    /// Runs `f` as a task of the set; see [`spawn_blocking`](super::spawn_blocking).
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send,
    {
        self.insert(spawn_inner(async move { f() }, None))
    }

    /// [`spawn_blocking`](JoinSet::spawn_blocking) on a runtime's handle
    /// (every handle is the running simulation's).
    #[track_caller]
    pub fn spawn_blocking_on<F>(&mut self, f: F, handle: &crate::runtime::Handle) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send,
    {
        let _ = handle;
        self.spawn_blocking(f)
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T, F> std::iter::FromIterator<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> JoinSet<T> {
        let mut set = JoinSet::new();
        for f in iter {
            set.spawn(f);
        }
        set
    }
}

impl<T, F> Extend<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    fn extend<I: IntoIterator<Item = F>>(&mut self, iter: I) {
        for f in iter {
            self.spawn(f);
        }
    }
}
