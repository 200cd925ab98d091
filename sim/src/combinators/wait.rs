//! [`wait`]: wait for some of a set of tasks, asyncio's `asyncio.wait`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use crate::runtime;
use crate::task::{self, JoinError, JoinHandle, TaskId, WaitReason};
use crate::time::{self, Sleep};

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
/// holds, and reports every task finished by the time it resumes; it resumes
/// at the same point among the other ready tasks as under CPython.
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

/// Where the handles' wake-ups go: which tasks finished, and the waker of
/// whoever polls the `Wait`, which is woken with them. Once the `Wait` is
/// over it points to nobody, so that the handles returned in `pending` do
/// not wake the caller later (asyncio removes its done callbacks likewise).
#[derive(Default)]
struct Relay(parking_lot::Mutex<RelayState>);

#[derive(Default)]
struct RelayState {
    target: Option<Waker>,
    /// Indices of the tasks whose handles woke, not yet polled, each with
    /// the step from which the `Wait` may see it (see [`SlotWaker`]).
    finished: Vec<(usize, u64)>,
}

impl Relay {
    fn point_to(&self, waker: &Waker) {
        let mut st = self.0.lock();
        match &st.target {
            Some(w) if w.will_wake(waker) => {}
            _ => st.target = Some(waker.clone()),
        }
    }

    fn disconnect(&self) {
        self.0.lock().target = None;
    }

    /// Moves the tasks that woke into `out`.
    fn take_finished(&self, out: &mut Vec<(usize, u64)>) {
        out.append(&mut self.0.lock().finished);
    }
}

/// The step being taken (0 outside a simulation).
fn current_step() -> u64 {
    runtime::try_with(|rt| rt.step_and_backlog().0).unwrap_or(0)
}

/// The waker given to the handle of task `index`, so that a wake-up says
/// which task to poll: the `Wait` does not poll every handle each time.
///
/// asyncio's `wait` learns that a task finished in the task's done
/// callback, which runs after the tasks ready when it finished; the wake-up
/// comes as the task finishes, so it carries the step from which the
/// finished task counts (an earlier look waits again).
struct SlotWaker {
    index: usize,
    relay: Arc<Relay>,
}

impl Wake for SlotWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let visible_at = runtime::try_with(|rt| {
            let (step, backlog) = rt.step_and_backlog();
            step + backlog as u64 + 1
        })
        .unwrap_or(0);
        let target = {
            let mut st = self.relay.0.lock();
            st.finished.push((self.index, visible_at));
            st.target.clone()
        };
        if let Some(waker) = target {
            waker.wake();
        }
    }
}

/// The future returned by [`wait`] and [`try_wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct Wait<T> {
    slots: Vec<Slot<T>>,
    /// How many slots are still running.
    running: usize,
    return_when: ReturnWhen,
    timer: Option<Pin<Box<Sleep>>>,
    /// Whether the timeout was already due when first polled (zero), so
    /// that no timer fires: the timer only yields once.
    due_at_once: bool,
    is_failure: fn(&Result<T, JoinError>) -> bool,
    /// Whether it has waited for a task or the timer.
    suspended: bool,
    failed: bool,
    /// Scheduling points still to yield before returning, once the
    /// condition holds (see below).
    releasing: Option<u8>,
    relay: Arc<Relay>,
    /// One waker per task, telling the relay which one woke.
    wakers: Vec<Waker>,
    /// Whether every handle has been polled once (later polls only poll
    /// the handles that woke).
    started: bool,
    /// The handles that woke and have not been looked at, with the step
    /// from which they count.
    woken: Vec<(usize, u64)>,
    /// What the deadlock report says it waits on, for `running` tasks.
    reason: Option<(usize, WaitReason)>,
}

// Results are never pinned; the timer is boxed.
impl<T> Unpin for Wait<T> {}

impl<T> Wait<T> {
    fn new<I>(
        tasks: I,
        return_when: ReturnWhen,
        timeout: Option<Duration>,
        is_failure: fn(&Result<T, JoinError>) -> bool,
    ) -> Wait<T>
    where
        I: IntoIterator<Item = JoinHandle<T>>,
    {
        let relay = Arc::new(Relay::default());
        let slots: Vec<_> = tasks.into_iter().map(Slot::Running).collect();
        let wakers = (0..slots.len())
            .map(|index| {
                Waker::from(Arc::new(SlotWaker {
                    index,
                    relay: Arc::clone(&relay),
                }))
            })
            .collect();
        Wait {
            running: slots.len(),
            slots,
            return_when,
            timer: timeout.map(|d| Box::pin(time::sleep(d))),
            due_at_once: false,
            is_failure,
            suspended: false,
            failed: false,
            releasing: None,
            relay,
            wakers,
            started: false,
            woken: Vec::new(),
            reason: None,
        }
    }

    fn satisfied(&self) -> bool {
        match self.return_when {
            _ if self.running == 0 => true,
            ReturnWhen::FirstCompleted => self.running < self.slots.len(),
            ReturnWhen::FirstException => self.failed,
            ReturnWhen::AllCompleted => false,
        }
    }

    /// Takes the output of task `index` if it has finished.
    fn poll_slot(&mut self, index: usize) {
        if let Slot::Running(handle) = &mut self.slots[index]
            && let Poll::Ready(result) =
                Pin::new(&mut *handle).poll(&mut Context::from_waker(&self.wakers[index]))
        {
            self.failed |= (self.is_failure)(&result);
            self.running -= 1;
            self.slots[index] = Slot::Done(handle.id(), result);
        }
    }

    /// Tells the simulation what the task waits on, e.g. `wait on "2
    /// task(s)"`, formatting the text only when the count changes.
    fn park(&mut self) {
        let running = self.running;
        let reason = match &self.reason {
            Some((n, reason)) if *n == running => reason.clone(),
            _ => {
                let reason = WaitReason::new("wait").on(format!("{running} task(s)"));
                self.reason = Some((running, reason.clone()));
                reason
            }
        };
        task::wait_on(reason);
    }
}

impl<T> Future for Wait<T> {
    type Output = Waited<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Waited<T>> {
        let this = &mut *self;
        this.relay.point_to(cx.waker());
        if this.started {
            this.relay.take_finished(&mut this.woken);
        } else {
            this.started = true;
            this.woken.extend((0..this.slots.len()).map(|i| (i, 0)));
        }
        let now = current_step();
        let mut i = 0;
        while i < this.woken.len() {
            let (index, visible_at) = this.woken[i];
            if visible_at > now {
                i += 1;
                continue;
            }
            this.woken.swap_remove(i);
            this.poll_slot(index);
        }
        if !this.woken.is_empty() {
            // A task finished whose done callback has not run yet.
            cx.waker().wake_by_ref();
        }
        let timed_out = match this.timer.as_mut() {
            Some(timer) => {
                if !this.suspended && this.releasing.is_none() {
                    this.due_at_once = timer.is_elapsed();
                }
                timer.as_mut().poll(cx).is_ready()
            }
            None => false,
        };
        if this.slots.is_empty() {
            return Poll::Ready(Waited {
                done: Vec::new(),
                pending: Vec::new(),
            });
        }
        if this.releasing.is_none() && (this.satisfied() || timed_out) {
            // asyncio resumes the waiter one loop iteration after its
            // `waiter` future is set: by a task's done callback, itself a
            // step after the task finished, or by the timeout's timer
            // callback. A task finishing woke us where the done callback
            // runs: one more step. The timer woke us as a timer wakes a
            // sleeping task: none (unless the timeout was zero, where the
            // timer's yield stood for its callback). When the condition
            // already held at the call, both steps are to come.
            let timer_fired = timed_out && !this.due_at_once;
            this.releasing = Some(match (this.suspended, timer_fired) {
                (false, _) => 2,
                (true, false) => 1,
                (true, true) => 0,
            });
        }
        match this.releasing {
            Some(0) => {
                // asyncio sorts the tasks by `done()` when it resumes.
                for index in 0..this.slots.len() {
                    this.poll_slot(index);
                }
                let mut waited = Waited {
                    done: Vec::new(),
                    pending: Vec::new(),
                };
                for slot in this.slots.drain(..) {
                    match slot {
                        Slot::Running(handle) => waited.pending.push(handle),
                        Slot::Done(id, result) => waited.done.push((id, result)),
                    }
                }
                this.relay.disconnect();
                Poll::Ready(waited)
            }
            Some(n) => {
                this.releasing = Some(n - 1);
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            None => {
                this.suspended = true;
                this.park();
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for Wait<T> {
    fn drop(&mut self) {
        self.relay.disconnect();
    }
}

impl<T> fmt::Debug for Wait<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("tasks", &self.slots.len())
            .field("return_when", &self.return_when)
            .finish()
    }
}
