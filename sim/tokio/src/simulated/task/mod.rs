//! Asynchronous green-threads: `tokio::task` over simloop's tasks.
//!
//! Every task is a simloop task: it runs on the simulation's single thread,
//! and which ready task runs next is the simulation strategy's (seeded)
//! choice. The `Send` bounds of tokio's signatures are kept, so code that
//! compiles here compiles against tokio.
//!
//! ```
//! # extern crate simloop_tokio as tokio;
//! # simloop::Sim::new(1).run(async {
//! let handle = tokio::spawn(async { 6 * 7 });
//! assert_eq!(handle.await.unwrap(), 42);
//! # }).unwrap();
//! ```

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

mod join;
pub mod join_set;
mod local;
mod task_local;

pub use join::{AbortHandle, Id, JoinError, JoinHandle, id, try_id};
pub use join_set::JoinSet;
pub use local::{LocalEnterGuard, LocalSet, spawn_local};
pub use task_local::{AccessError, LocalKey};

pub(crate) use join::{deferred, spawn_inner, spawn_local_inner};

/// Cooperative scheduling (`tokio::task::coop`). simloop has no budget: a
/// task runs until it yields, as under asyncio, so these never force a
/// yield.
pub mod coop {
    use std::future::Future;
    use std::marker::PhantomData;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    pub use super::{Unconstrained, consume_budget, unconstrained};

    /// Whether the task has budget left: always, in a simulation.
    pub fn has_budget_remaining() -> bool {
        true
    }

    /// What [`poll_proceed`] returns: tells that the poll made progress.
    #[derive(Debug)]
    pub struct RestoreOnPending(PhantomData<*mut ()>);

    impl RestoreOnPending {
        /// Marks the poll as having made progress (nothing to restore
        /// here).
        pub fn made_progress(&self) {}
    }

    /// Asks whether a leaf future may proceed: always, in a simulation.
    pub fn poll_proceed(_cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
        Poll::Ready(RestoreOnPending(PhantomData))
    }

    /// Makes a future take part in cooperative scheduling; here it runs as
    /// it is.
    pub fn cooperative<F: Future>(fut: F) -> Coop<F> {
        Coop { fut }
    }

    pin_project_lite::pin_project! {
        /// The future returned by [`cooperative`].
        #[derive(Debug)]
        #[must_use = "futures do nothing unless polled"]
        pub struct Coop<F: Future> {
            #[pin]
            fut: F,
        }
    }

    impl<F: Future> Future for Coop<F> {
        type Output = F::Output;
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
            self.project().fut.poll(cx)
        }
    }
}

/// Futures of this module.
pub mod futures {
    pub use super::task_local::TaskLocalFuture;
}

/// Spawns a new task, returning a [`JoinHandle`] for it.
///
/// The task starts at the simulation's next scheduling point; dropping the
/// handle detaches it.
///
/// # Panics
///
/// Outside a simulation (tokio: outside a runtime).
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    spawn_inner(future, None)
}

/// Runs `f` as a task of its own and returns a handle to its result.
///
/// In `sim` mode there is no blocking thread pool: the closure runs on the
/// simulation's thread when the task is first scheduled, and no other task
/// runs while it does (its virtual duration is zero unless it calls
/// `simloop::time::busy`). A closure that blocks on real I/O or on another
/// thread blocks the whole simulation.
///
/// # Panics
///
/// Outside a simulation.
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    spawn_inner(async move { f() }, None)
}

/// Runs `f` in place (there are no worker threads to hand work over to).
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    f()
}

/// Yields execution back to the scheduler: other ready tasks may run before
/// this one continues.
///
/// # Cancel safety
///
/// Dropping the future loses nothing.
pub async fn yield_now() {
    simloop::task::yield_now().await;
}

/// Consumes a unit of the task's cooperative budget. simloop has no budget
/// (a task runs until it yields, as under asyncio), so this is a no-op that
/// completes at once.
///
/// # Cancel safety
///
/// Nothing to lose.
pub async fn consume_budget() {}

/// Opts a future out of cooperative scheduling; simloop has none, so the
/// future runs as it is.
pub fn unconstrained<F: Future>(inner: F) -> Unconstrained<F> {
    Unconstrained { inner }
}

pin_project_lite::pin_project! {
    /// The future returned by [`unconstrained`].
    #[derive(Debug)]
    #[must_use = "Unconstrained does nothing unless polled"]
    pub struct Unconstrained<F> {
        #[pin]
        inner: F,
    }
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.project().inner.poll(cx)
    }
}

/// Configures a task before spawning it (tokio's unstable
/// `task::Builder`, available here always): a named task shows its name in
/// simloop's traces and deadlock reports.
#[derive(Debug, Default)]
pub struct Builder<'a> {
    name: Option<&'a str>,
}

impl<'a> Builder<'a> {
    /// A builder for an unnamed task.
    pub fn new() -> Builder<'a> {
        Builder::default()
    }

    /// Names the task.
    pub fn name(self, name: &'a str) -> Builder<'a> {
        Builder { name: Some(name) }
    }

    /// Spawns the task; see [`spawn`]. Never fails in `sim` mode.
    ///
    /// # Errors
    ///
    /// None in `sim` mode (the `Result` is tokio's signature).
    #[track_caller]
    pub fn spawn<Fut>(self, future: Fut) -> io::Result<JoinHandle<Fut::Output>>
    where
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        Ok(spawn_inner(future, self.name))
    }

    /// Spawns a `!Send` task; see [`spawn_local`].
    ///
    /// # Errors
    ///
    /// None in `sim` mode.
    #[track_caller]
    pub fn spawn_local<Fut>(self, future: Fut) -> io::Result<JoinHandle<Fut::Output>>
    where
        Fut: Future + 'static,
        Fut::Output: 'static,
    {
        Ok(spawn_local_inner(future, self.name))
    }

    /// Spawns a blocking closure; see [`spawn_blocking`].
    ///
    /// # Errors
    ///
    /// None in `sim` mode.
    #[track_caller]
    pub fn spawn_blocking<F, R>(self, f: F) -> io::Result<JoinHandle<R>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        Ok(spawn_inner(async move { f() }, self.name))
    }
}
