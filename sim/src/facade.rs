//! Hooks for facades that give another runtime's API over simloop (the
//! `simloop-tokio` crate). Not meant for code under test.
//!
//! - [`choice_below`] draws from a random stream of its own, derived from the
//!   simulation's seed, for choices that the facade makes on the user's
//!   behalf (the branch order of `tokio::select!`): the same seed replays
//!   them, and they leave both the scheduler's stream and the user's
//!   [`rand`](crate::rand) stream untouched, so adding a `select!` does not
//!   change the numbers the code under test draws.
//! - [`run_id`] tells runs apart, for state a facade keeps per simulation.
//! - [`in_simulation`] tells whether the calling thread is inside a run.
//! - [`spawn_detached`] spawns a task with no simloop handle, for a facade
//!   that keeps its own join state.
//! - [`sleep_until`] is a sleep with tokio's rule for a passed deadline.
//! - [`wait_in`] is [`task::wait_on`](crate::task::wait_on) for a plain
//!   operation name, without building a reason when it is unchanged.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Weak;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use rand_chacha::ChaCha8Rng;

use crate::base::TaskId;
use crate::runtime::{self, Exit, Runtime};

/// Stream of the seed's ChaCha generator used by facades.
const FACADE_STREAM: u64 = 2;

thread_local! {
    /// The facade stream of the simulation that last drew from it. The weak
    /// pointer identifies that simulation: while it is held, no other
    /// runtime can live at the same address.
    static STREAM: RefCell<Option<(Weak<Runtime>, ChaCha8Rng)>> = const { RefCell::new(None) };
}

/// A uniform draw from `0..n` (0 when `n` is 0) from the running
/// simulation's facade stream.
///
/// # Panics
///
/// Outside a simulation.
pub fn choice_below(n: u64) -> u64 {
    let (me, seed) = runtime::with("simloop::facade::choice_below", |rt| {
        (rt.weak(), rt.ctx().seed)
    });
    STREAM.with(|cell| {
        let mut cell = cell.borrow_mut();
        let fresh = !matches!(&*cell, Some((owner, _)) if owner.ptr_eq(&me));
        if fresh {
            *cell = Some((me, crate::rand::stream(seed, FACADE_STREAM)));
        }
        let (_, rng) = cell.as_mut().expect("set above");
        crate::rand::below(rng, n)
    })
}

thread_local! {
    /// The simulation that last asked for its run id, and that id.
    static RUN: RefCell<(Option<Weak<Runtime>>, u64)> = const { RefCell::new((None, 0)) };
}

/// A number that tells simulations run on this thread apart: it is the same
/// for every call within one run and differs between runs. Facades key
/// their per-simulation state (such as simulated signals) with it.
///
/// # Panics
///
/// Outside a simulation.
pub fn run_id() -> u64 {
    let me = runtime::with("simloop::facade::run_id", Runtime::weak);
    RUN.with(|cell| {
        let mut cell = cell.borrow_mut();
        let same = cell.0.as_ref().is_some_and(|owner| owner.ptr_eq(&me));
        if !same {
            cell.0 = Some(me);
            cell.1 += 1;
        }
        cell.1
    })
}

/// Whether the calling thread is running a simulation.
pub fn in_simulation() -> bool {
    runtime::try_with(|_| ()).is_some()
}

/// Spawns `future` as a task named `name` and returns its id and the
/// waker that schedules it (the one its polls get). No simloop
/// [`JoinHandle`](crate::task::JoinHandle) is made: the task is detached
/// from the start, and the caller learns its end from `future` itself (a
/// facade's own join state). Aborting it through the simulation (its host
/// crashing, the run ending) drops `future`.
///
/// A panic escaping `future` fails the run as a detached task's panic does;
/// a facade that reports panics to its handles catches them first.
///
/// # Panics
///
/// Outside a simulation.
pub fn spawn_detached<F>(name: Option<Arc<str>>, future: F) -> (TaskId, Waker)
where
    F: Future<Output = ()> + 'static,
{
    runtime::with("simloop::facade::spawn_detached", |rt| {
        let (task, _) = rt.spawn(name, Box::pin(Detached { future }));
        let waker = rt.waker_of(task).expect("just spawned");
        (task.id, waker)
    })
}

pin_project_lite::pin_project! {
    /// A task spawned by [`spawn_detached`].
    struct Detached<F> {
        #[pin]
        future: F,
    }
}

impl<F: Future<Output = ()>> Future for Detached<F> {
    type Output = Exit;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Exit> {
        let future = self.project().future;
        match crate::panic::catch(|| future.poll(cx)) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(())) => Poll::Ready(Exit::Done),
            Err(message) => Poll::Ready(Exit::Panicked {
                message,
                observed: false,
            }),
        }
    }
}

/// Tells the simulation that the current task is about to wait in
/// `operation` (shown if the run deadlocks), as
/// [`task::wait_on`](crate::task::wait_on) with a reason naming no object.
/// Nothing is built when the task waits in the same operation as last
/// time. Does nothing outside a task.
#[inline]
pub fn wait_in(operation: &'static str) {
    if runtime::polled_task().is_some() {
        runtime::try_with(|rt| rt.set_wait(operation, None));
    }
}

/// Waits until the virtual clock reads `deadline`, as
/// [`time::sleep_until`](crate::time::sleep_until) does, except that a
/// deadline that has passed when the sleep is first polled completes it at
/// once, without yielding to the scheduler (tokio's rule). A sleep that
/// completed completes again at once if polled again.
///
/// # Panics
///
/// Outside a simulation (when polled).
#[inline]
pub fn sleep_until(deadline: crate::time::Instant) -> crate::time::Sleep {
    crate::time::Sleep::without_yield(deadline)
}
