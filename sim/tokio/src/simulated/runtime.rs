//! The runtime: `tokio::runtime::{Builder, Runtime, Handle}` mapped onto
//! simloop simulations.
//!
//! [`Runtime::block_on`] runs its future as the root task of a fresh
//! simulation, seeded from `SIMLOOP_SEED` (0 if unset) with the strategy of
//! `SIMLOOP_STRATEGY` (simloop's default if unset), and panics with
//! simloop's report (seed, failure, replay command) if the run fails: a
//! deadlock, a time limit, a panic of the root. Every `block_on` is a
//! simulation of its own; tasks spawned with [`Runtime::spawn`] before it
//! start when it does. Both flavours run on the one simulated thread.
//!
//! ```
//! # extern crate simloop_tokio as tokio;
//! let rt = tokio::runtime::Builder::new_multi_thread()
//!     .worker_threads(4)
//!     .enable_all()
//!     .build()
//!     .unwrap();
//! let out = rt.block_on(async {
//!     let h = tokio::spawn(async { 1 + 1 });
//!     tokio::time::sleep(std::time::Duration::from_secs(5)).await;
//!     h.await.unwrap()
//! });
//! assert_eq!(out, 2);
//! ```

use std::fmt;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use crate::task::JoinHandle;

/// Which kind of runtime a [`Builder`] was made for; both run on the one
/// simulated thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuntimeFlavor {
    /// `new_current_thread`.
    CurrentThread,
    /// `new_multi_thread`.
    MultiThread,
}

/// Builds a [`Runtime`] (`tokio::runtime::Builder`). The thread, driver and
/// callback settings are accepted and have no effect in a simulation.
pub struct Builder {
    flavor: RuntimeFlavor,
    seed: Option<u64>,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("flavor", &self.flavor)
            .field("seed", &self.seed)
            .finish()
    }
}

macro_rules! ignored_settings {
    ($($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            $(#[$doc])*
            ///
            /// Accepted for tokio's signature; no effect in a simulation.
            pub fn $name(&mut self, $($arg: $ty),*) -> &mut Builder {
                $(let _ = $arg;)*
                self
            }
        )*
    };
}

impl Builder {
    /// A builder for a current-thread runtime.
    pub fn new_current_thread() -> Builder {
        Builder {
            flavor: RuntimeFlavor::CurrentThread,
            seed: None,
        }
    }

    /// A builder for a multi-thread runtime (one simulated thread in
    /// `sim` mode).
    pub fn new_multi_thread() -> Builder {
        Builder {
            flavor: RuntimeFlavor::MultiThread,
            seed: None,
        }
    }

    /// The simulation's seed (simloop's addition; default: `SIMLOOP_SEED`,
    /// or 0).
    pub fn seed(&mut self, seed: u64) -> &mut Builder {
        self.seed = Some(seed);
        self
    }

    ignored_settings! {
        /// Enables the I/O and time drivers.
        enable_all();
        /// Enables the I/O driver.
        enable_io();
        /// Enables the time driver.
        enable_time();
        /// Starts with time paused (simloop's clock always is).
        start_paused(start_paused: bool);
        /// Sets the number of worker threads.
        worker_threads(val: usize);
        /// Sets the blocking thread limit.
        max_blocking_threads(val: usize);
        /// Sets the blocking threads' keep-alive.
        thread_keep_alive(duration: Duration);
        /// Sets the threads' stack size.
        thread_stack_size(val: usize);
        /// Sets the ticks between polls of the event driver.
        event_interval(val: u32);
        /// Sets the ticks between polls of the global queue.
        global_queue_interval(val: u32);
        /// Disables the LIFO slot.
        disable_lifo_slot();
        /// Sets the most I/O events handled per tick.
        max_io_events_per_tick(capacity: usize);
    }

    /// Names the runtime (a simulation has no name of its own).
    ///
    /// # Panics
    ///
    /// If `val` is empty, as tokio's.
    #[track_caller]
    pub fn name(&mut self, val: impl Into<String>) -> &mut Builder {
        assert!(!val.into().is_empty(), "runtime name must not be empty");
        self
    }

    /// Runs `f` before a worker thread parks (no threads in a simulation).
    pub fn on_thread_park<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() + Send + Sync + 'static,
    {
        drop(f);
        self
    }

    /// Runs `f` after a worker thread unparks (no threads in a simulation).
    pub fn on_thread_unpark<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() + Send + Sync + 'static,
    {
        drop(f);
        self
    }

    /// Names the worker threads (no threads in a simulation).
    pub fn thread_name(&mut self, val: impl Into<String>) -> &mut Builder {
        let _ = val.into();
        self
    }

    /// Sets a function naming the worker threads (no threads here).
    pub fn thread_name_fn<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() -> String + Send + Sync + 'static,
    {
        drop(f);
        self
    }

    /// Runs `f` when a worker thread starts (never, here).
    pub fn on_thread_start<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() + Send + Sync + 'static,
    {
        drop(f);
        self
    }

    /// Runs `f` when a worker thread stops (never, here).
    pub fn on_thread_stop<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() + Send + Sync + 'static,
    {
        drop(f);
        self
    }

    /// Builds the runtime.
    ///
    /// # Errors
    ///
    /// None in `sim` mode (the `Result` is tokio's signature).
    pub fn build(&mut self) -> io::Result<Runtime> {
        Ok(Runtime {
            handle: Handle {
                inner: Arc::new(Inner {
                    flavor: self.flavor,
                    seed: self.seed,
                    pending: Mutex::new(Vec::new()),
                }),
            },
        })
    }
}

struct Inner {
    flavor: RuntimeFlavor,
    seed: Option<u64>,
    pending: Mutex<Vec<Box<dyn FnOnce() + Send>>>,
}

/// A runtime (`tokio::runtime::Runtime`): each [`block_on`](Runtime::block_on)
/// runs a simulation.
#[derive(Debug)]
pub struct Runtime {
    handle: Handle,
}

/// Creates a multi-thread runtime with every driver enabled.
impl Runtime {
    /// A multi-thread runtime with every driver enabled.
    ///
    /// # Errors
    ///
    /// None in `sim` mode.
    pub fn new() -> io::Result<Runtime> {
        Builder::new_multi_thread().enable_all().build()
    }

    /// Runs `future` to completion as the root task of a fresh simulation.
    ///
    /// # Panics
    ///
    /// Inside a simulation ("Cannot start a runtime from within a
    /// runtime"), or if the run fails (deadlock, time limit, panic): the
    /// message is simloop's report, with the seed and the replay command.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// Spawns a task: at once inside a simulation, otherwise when the next
    /// `block_on` starts.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs a blocking closure as a task; see
    /// [`task::spawn_blocking`](crate::task::spawn_blocking).
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(func)
    }

    /// The runtime's handle.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Enters the runtime's context (nothing to do in `sim` mode).
    pub fn enter(&self) -> EnterGuard<'_> {
        self.handle.enter()
    }

    /// Shuts the runtime down (its simulations are already over).
    pub fn shutdown_timeout(self, duration: Duration) {
        let _ = duration;
    }

    /// Shuts the runtime down (its simulations are already over).
    pub fn shutdown_background(self) {}
}

/// A handle to the runtime (`tokio::runtime::Handle`).
#[derive(Clone)]
pub struct Handle {
    inner: Arc<Inner>,
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("flavor", &self.inner.flavor)
            .finish()
    }
}

/// The guard of [`Handle::enter`]; it does nothing in `sim` mode.
#[derive(Debug)]
pub struct EnterGuard<'a> {
    _handle: &'a Handle,
}

/// The error of [`Handle::try_current`] outside a runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TryCurrentError(());

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "there is no reactor running, must be called from the context of a Tokio 1.x runtime",
        )
    }
}

impl std::error::Error for TryCurrentError {}

impl Handle {
    /// The handle of the running simulation.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    #[track_caller]
    pub fn current() -> Handle {
        match Handle::try_current() {
            Ok(h) => h,
            Err(e) => panic!("{e} (simloop-tokio `sim` mode: no simulation is running)"),
        }
    }

    /// The handle of the running simulation, if any.
    ///
    /// # Errors
    ///
    /// [`TryCurrentError`] outside a simulation.
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        if simloop::facade::in_simulation() {
            Ok(Builder::new_current_thread()
                .build()
                .map_err(|_| TryCurrentError(()))?
                .handle)
        } else {
            Err(TryCurrentError(()))
        }
    }

    /// The flavour the runtime was built with.
    pub fn runtime_flavor(&self) -> RuntimeFlavor {
        self.inner.flavor
    }

    /// Enters the runtime's context (nothing to do in `sim` mode).
    pub fn enter(&self) -> EnterGuard<'_> {
        EnterGuard { _handle: self }
    }

    /// Spawns a task; see [`Runtime::spawn`].
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        if simloop::facade::in_simulation() {
            crate::task::spawn(future)
        } else {
            let (handle, start) = crate::task::deferred(future);
            self.inner.pending.lock().push(start);
            handle
        }
    }

    /// Runs a blocking closure as a task; see [`Runtime::spawn_blocking`].
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, func: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.spawn(async move { func() })
    }

    /// Runs `future` as the root of a fresh simulation; see
    /// [`Runtime::block_on`].
    ///
    /// # Panics
    ///
    /// As [`Runtime::block_on`].
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        if simloop::facade::in_simulation() {
            panic!(
                "Cannot start a runtime from within a runtime. This happens because a function \
                 (like `block_on`) attempted to block the current thread while the thread is \
                 being used to drive asynchronous tasks."
            );
        }
        let env = simloop::harness::EnvConfig::from_env().unwrap_or_else(|e| panic!("{e}"));
        let mut builder = simloop::Sim::builder().seed(self.inner.seed.or(env.seed).unwrap_or(0));
        if let Some(strategy) = env.effective_strategy() {
            builder = builder.strategy(strategy);
        }
        let pending = std::mem::take(&mut *self.inner.pending.lock());
        let result = builder.build().run(async move {
            for start in pending {
                start();
            }
            future.await
        });
        match result {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        }
    }
}
