//! [`wait`]: wait for some of a set of tasks, asyncio's `asyncio.wait`.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::task::{self, CallbackHandle, JoinError, JoinHandle, TaskId, WaitReason};
use crate::time;

/// When [`wait`] returns (asyncio's `return_when`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ReturnWhen {
    /// As soon as any task finishes (`FIRST_COMPLETED`).
    FirstCompleted,
    /// As soon as a task fails, or when all have finished
    /// (`FIRST_EXCEPTION`). A task fails when it panics, or (with
    /// [`try_wait`]) returns `Err`; a cancelled task does not count, as in
    /// asyncio.
    FirstException,
    /// When every task has finished (`ALL_COMPLETED`, the default).
    #[default]
    AllCompleted,
}

/// What [`wait`] found: the finished tasks' results and the tasks still
/// running, each in the order the tasks were given.
#[derive(Debug)]
#[non_exhaustive]
pub struct Waited<T> {
    /// Every task that had finished when `wait` returned, with its id.
    pub done: Vec<(TaskId, Result<T, JoinError>)>,
    /// The tasks still running; they go on, and can be awaited or passed to
    /// `wait` again.
    pub pending: Vec<JoinHandle<T>>,
}

/// Waits until the tasks meet `return_when`, or until `timeout` passes, and
/// returns the finished ones' results and the others' handles:
/// asyncio's `done, pending = await asyncio.wait(tasks, timeout=...,
/// return_when=...)`.
///
/// Tasks that are still running keep running. A timeout is not an error:
/// `wait` just returns what it has.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, combinators::{wait, ReturnWhen}, task, time};
///
/// Sim::new(1).run(async {
///     let tasks: Vec<_> = [1u64, 5, 9].iter().map(|&s| task::spawn(async move {
///         time::sleep(Duration::from_secs(s)).await;
///         s
///     })).collect();
///     let w = wait(tasks, ReturnWhen::FirstCompleted, None).await;
///     assert_eq!(w.done.len(), 1);
///     assert_eq!(w.done[0].1, Ok(1));
///     assert_eq!(time::now().since_start(), Duration::from_secs(1));
///
///     let w = wait(w.pending, ReturnWhen::AllCompleted, Some(Duration::from_secs(2))).await;
///     assert!(w.done.is_empty()); // timed out at 3 s
///     assert_eq!(w.pending.len(), 2);
///     assert_eq!(time::now().since_start(), Duration::from_secs(3));
/// }).unwrap();
/// ```
///
/// Like asyncio, `wait` always suspends, even if its condition already
/// holds, and reports every task finished by the time it resumes. It learns
/// that a task finished in the task's done callback and its timeout is a
/// timer callback, as in asyncio, so it resumes at the same point among the
/// other ready tasks as under CPython.
///
/// # Cancel safety
///
/// Dropping the future before it completes drops the handles it holds,
/// which detaches their tasks (they keep running); results already
/// collected are lost.
///
/// # Differences from asyncio
///
/// - It takes [`JoinHandle`]s (asyncio 3.11+ also requires tasks) and
///   consumes the finished ones, returning their results.
/// - `done` and `pending` are lists in the order given, not sets.
/// - An empty list returns at once with nothing (asyncio raises
///   `ValueError`).
///
/// # Panics
///
/// Outside a simulation, when `timeout` is given.
pub fn wait<T, I>(tasks: I, return_when: ReturnWhen, timeout: Option<Duration>) -> Wait<T>
where
    T: 'static,
    I: IntoIterator<Item = JoinHandle<T>>,
{
    Wait::new(
        tasks,
        return_when,
        timeout,
        |r| matches!(r, Err(e) if e.is_panic()),
    )
}

/// [`wait`] for tasks returning `Result`: with
/// [`ReturnWhen::FirstException`], a task that returns `Err` counts as
/// failed too (asyncio's task raising an exception).
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, combinators::{try_wait, ReturnWhen}, task, time};
///
/// Sim::new(1).run(async {
///     let tasks: Vec<_> = [(1u64, true), (2, false), (5, true)].iter().map(|&(s, ok)| {
///         task::spawn(async move {
///             time::sleep(Duration::from_secs(s)).await;
///             if ok { Ok(s) } else { Err(format!("task {s} failed")) }
///         })
///     }).collect();
///     let w = try_wait(tasks, ReturnWhen::FirstException, None).await;
///     assert_eq!(time::now().since_start(), Duration::from_secs(2));
///     assert_eq!(w.done.len(), 2);
///     assert_eq!(w.pending.len(), 1);
/// }).unwrap();
/// ```
///
/// # Panics
///
/// Outside a simulation, when `timeout` is given.
pub fn try_wait<T, E, I>(
    tasks: I,
    return_when: ReturnWhen,
    timeout: Option<Duration>,
) -> Wait<Result<T, E>>
where
    T: 'static,
    E: 'static,
    I: IntoIterator<Item = JoinHandle<Result<T, E>>>,
{
    Wait::new(tasks, return_when, timeout, |r| match r {
        Ok(Err(_)) => true,
        Ok(Ok(_)) => false,
        Err(e) => e.is_panic(),
    })
}

enum Slot<T> {
    Running(JoinHandle<T>),
    Done(TaskId, Result<T, JoinError>),
}

/// What the done callbacks and the timeout share with the [`Wait`]
/// (asyncio's `_wait`: its `counter`, its `waiter` future and the timeout's
/// handle).
struct State<T> {
    slots: Vec<Slot<T>>,
    /// Tasks whose done callback has not run yet.
    counter: usize,
    return_when: ReturnWhen,
    is_failure: fn(&Result<T, JoinError>) -> bool,
    /// The waiter is done: the `Wait` returns when next polled.
    released: bool,
    waker: Option<Waker>,
    timer: Option<CallbackHandle>,
}

impl<T> State<T> {
    /// Takes the result of task `index` if it has finished.
    fn take_done(&mut self, index: usize) -> Option<bool> {
        let Slot::Running(handle) = &mut self.slots[index] else {
            return None;
        };
        let result = handle.try_join()?;
        let failed = (self.is_failure)(&result);
        self.slots[index] = Slot::Done(handle.id(), result);
        Some(failed)
    }

    /// Sets the waiter (a no-op if it is set): the `Wait` resumes at its
    /// next scheduling point.
    fn release(&mut self) -> Option<Waker> {
        if let Some(timer) = self.timer.take() {
            timer.cancel();
        }
        if std::mem::replace(&mut self.released, true) {
            return None;
        }
        self.waker.take()
    }
}

/// Task `index`'s done callback (asyncio's `_on_completion`).
fn on_completion<T>(state: &Weak<RefCell<State<T>>>, index: usize) {
    let Some(state) = state.upgrade() else {
        return;
    };
    let mut st = state.borrow_mut();
    if st.released {
        // The `Wait` is over (asyncio removes its callbacks).
        return;
    }
    st.counter -= 1;
    let failed = st.take_done(index).unwrap_or(false);
    let release = st.counter == 0
        || match st.return_when {
            ReturnWhen::FirstCompleted => true,
            ReturnWhen::FirstException => failed,
            ReturnWhen::AllCompleted => false,
        };
    let waker = if release { st.release() } else { None };
    drop(st);
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// The future returned by [`wait`] and [`try_wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct Wait<T> {
    state: Rc<RefCell<State<T>>>,
    timeout: Option<Duration>,
    started: bool,
    /// What the deadlock report says it waits on.
    reason: Option<WaitReason>,
}

// Results are never pinned.
impl<T> Unpin for Wait<T> {}

impl<T: 'static> Wait<T> {
    fn new<I>(
        tasks: I,
        return_when: ReturnWhen,
        timeout: Option<Duration>,
        is_failure: fn(&Result<T, JoinError>) -> bool,
    ) -> Wait<T>
    where
        I: IntoIterator<Item = JoinHandle<T>>,
    {
        let slots: Vec<_> = tasks.into_iter().map(Slot::Running).collect();
        Wait {
            state: Rc::new(RefCell::new(State {
                counter: slots.len(),
                slots,
                return_when,
                is_failure,
                released: false,
                waker: None,
                timer: None,
            })),
            timeout,
            started: false,
            reason: None,
        }
    }

    /// Adds the done callbacks and the timeout (asyncio does so when
    /// `_wait` starts).
    fn start(&mut self) {
        let weak = Rc::downgrade(&self.state);
        if let Some(timeout) = self.timeout {
            let w = weak.clone();
            let timer = time::call_later(timeout, move || {
                let Some(state) = w.upgrade() else {
                    return;
                };
                let waker = state.borrow_mut().release();
                if let Some(waker) = waker {
                    waker.wake();
                }
            });
            self.state.borrow_mut().timer = Some(timer);
        }
        let st = self.state.borrow();
        for (index, slot) in st.slots.iter().enumerate() {
            if let Slot::Running(handle) = slot {
                let w = weak.clone();
                handle.add_done_callback(move |_| on_completion(&w, index));
            }
        }
    }
}

impl<T: 'static> Future for Wait<T> {
    type Output = Waited<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Waited<T>> {
        let this = &mut *self;
        if this.state.borrow().slots.is_empty() {
            return Poll::Ready(Waited {
                done: Vec::new(),
                pending: Vec::new(),
            });
        }
        if !std::mem::replace(&mut this.started, true) {
            this.start();
        }
        let mut st = this.state.borrow_mut();
        if !st.released {
            // Like asyncio's `await waiter`, it always suspends at least once.
            match &st.waker {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => st.waker = Some(cx.waker().clone()),
            }
            let running = st.counter;
            drop(st);
            let reason = this
                .reason
                .get_or_insert_with(|| WaitReason::new("wait").on(format!("{running} task(s)")));
            task::wait_on(reason.clone());
            return Poll::Pending;
        }
        // asyncio sorts the tasks by `done()` when it resumes.
        for index in 0..st.slots.len() {
            st.take_done(index);
        }
        let mut waited = Waited {
            done: Vec::new(),
            pending: Vec::new(),
        };
        for slot in st.slots.drain(..) {
            match slot {
                Slot::Running(handle) => waited.pending.push(handle),
                Slot::Done(id, result) => waited.done.push((id, result)),
            }
        }
        Poll::Ready(waited)
    }
}

impl<T> Drop for Wait<T> {
    fn drop(&mut self) {
        // The callbacks see a released state and do nothing.
        let timer = {
            let mut st = self.state.borrow_mut();
            st.released = true;
            st.timer.take()
        };
        if let Some(timer) = timer {
            timer.cancel();
        }
    }
}

impl<T> fmt::Debug for Wait<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state.borrow();
        f.debug_struct("Wait")
            .field("tasks", &st.slots.len())
            .field("return_when", &st.return_when)
            .finish()
    }
}
