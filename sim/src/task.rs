//! Tasks: [`spawn`], named tasks ([`Builder`], [`spawn_named`]), [`JoinHandle`],
//! [`yield_now`], [`current`], and callbacks ([`call_soon`],
//! [`JoinHandle::add_done_callback`]).
//!
//! A task is a future the simulation polls on its own, like an asyncio task
//! made by `create_task`. It starts running at the next scheduling point, not
//! inside `spawn`. Spawned futures need not be `Send`: everything runs on one
//! thread.
//!
//! ```
//! use std::time::Duration;
//! use simloop::{Sim, task, time};
//!
//! let out = Sim::new(1).run(async {
//!     let worker = task::spawn_named("worker", async {
//!         time::sleep(Duration::from_secs(2)).await;
//!         task::current().name().map(str::to_owned)
//!     });
//!     worker.await.unwrap()
//! }).unwrap();
//! assert_eq!(out.as_deref(), Some("worker"));
//! ```

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

pub use crate::base::{TaskId, TaskInfo, WaitReason};
use crate::runtime::{self, CallbackRef, Exit, Runtime, TaskRef};
use crate::time::Instant;

/// Tells the simulation what the current task is about to wait on; shown if
/// the run deadlocks. The note lasts until the task is next polled. Does
/// nothing outside a simulation.
pub fn wait_on(reason: WaitReason) {
    if runtime::polled_task().is_some() {
        runtime::try_with(|rt| rt.set_wait_reason(reason));
    }
}

/// Spawns `future` as a new task and returns a handle to await its output.
///
/// The task first runs at the next scheduling point. Dropping the handle
/// detaches the task (it keeps running).
///
/// # Panics
///
/// Outside a simulation.
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    Builder::new().spawn(future)
}

/// Spawns `future` as a task called `name` (shown in traces, timelines and
/// deadlock reports).
///
/// # Panics
///
/// Outside a simulation.
pub fn spawn_named<F>(name: impl Into<Arc<str>>, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    Builder::new().name(name).spawn(future)
}

/// Configures a task before spawning it.
///
/// ```
/// use simloop::{Sim, task};
/// Sim::new(1).run(async {
///     let h = task::Builder::new().name("consumer-1").spawn(async { 5 });
///     assert_eq!(h.await.unwrap(), 5);
/// }).unwrap();
/// ```
#[derive(Debug, Default, Clone)]
pub struct Builder {
    name: Option<Arc<str>>,
}

impl Builder {
    /// A builder for an unnamed task.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Names the task.
    pub fn name(mut self, name: impl Into<Arc<str>>) -> Builder {
        self.name = Some(name.into());
        self
    }

    /// Spawns the task; see [`spawn`].
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    pub fn spawn<F>(self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let state = Rc::new(RefCell::new(JoinState {
            task: TaskInfo::new(TaskId::from_u64(u64::MAX), None),
            result: None,
            waker: None,
            callbacks: Vec::new(),
            taken: None,
        }));
        let wrapped = TaskFuture {
            future,
            completer: Completer {
                state: Rc::clone(&state),
                done: false,
            },
        };
        runtime::with("simloop::task::spawn", |rt| {
            let (task, info) = rt.spawn(self.name, Box::pin(wrapped));
            state.borrow_mut().task = info;
            JoinHandle {
                task,
                runtime: rt.weak(),
                state,
                tie: None,
                detach: false,
            }
        })
    }
}

/// Yields to the scheduler once: other ready tasks may run before this one
/// continues (`await asyncio.sleep(0)`).
///
/// # Panics
///
/// Outside a simulation (when polled).
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
#[derive(Debug)]
#[must_use = "yield_now does nothing unless awaited"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// The task being polled (the root task `main` when called from the future
/// given to [`Sim::run`](crate::Sim::run)).
///
/// # Panics
///
/// Outside a simulation.
pub fn current() -> TaskInfo {
    runtime::with("simloop::task::current", Runtime::current_task)
}

/// How many cancellations of the current task are pending (asyncio's
/// `current_task().cancelling()`): 1 once it was aborted during the step
/// being run, else 0.
///
/// ```
/// use std::{cell::{Cell, RefCell}, rc::Rc};
/// use simloop::{Sim, task};
///
/// Sim::new(1).run(async {
///     let me = Rc::new(RefCell::new(None::<task::JoinHandle<()>>));
///     let seen = Rc::new(Cell::new((9, 9)));
///     let (cell, s) = (me.clone(), seen.clone());
///     let t = task::spawn(async move {
///         let before = task::cancelling();
///         cell.borrow().as_ref().unwrap().abort();
///         s.set((before, task::cancelling()));
///     });
///     *me.borrow_mut() = Some(t);
///     task::yield_now().await;
///     assert_eq!(seen.get(), (0, 1));
///     let t = me.borrow_mut().take().unwrap();
///     // Aborted in its last step: it ended cancelled.
///     assert!(t.await.unwrap_err().is_cancelled());
/// }).unwrap();
/// ```
///
/// # Panics
///
/// Outside a simulation.
pub fn cancelling() -> u32 {
    runtime::with("simloop::task::cancelling", |rt| {
        rt.current_task_id()
            .is_some_and(|id| rt.abort_pending(id))
            .into()
    })
}

/// The task being polled, or `None` outside a simulation.
pub fn try_current() -> Option<TaskInfo> {
    runtime::try_with(Runtime::current_task)
}

/// The id of the task being polled.
///
/// # Panics
///
/// Outside a simulation.
pub fn id() -> TaskId {
    current().id()
}

/// Queues `callback` to run as a ready item of its own, behind the tasks
/// and callbacks already queued: asyncio's `loop.call_soon(callback)`.
///
/// A callback is not a task: it runs to completion in one step, outside
/// every task ([`try_current`] gives the root task's info there, as asyncio's
/// `current_task()` gives `None`), and the scheduling strategy picks it
/// among the ready items like any task step (ranked as the task that queued
/// it). A panic inside it fails the run.
///
/// ```
/// use std::{cell::RefCell, rc::Rc};
/// use simloop::{Sim, task};
///
/// Sim::new(1).run(async {
///     let log = Rc::new(RefCell::new(Vec::new()));
///     let l = log.clone();
///     task::spawn(async move { l.borrow_mut().push("task") });
///     let l = log.clone();
///     let handle = task::call_soon(move || l.borrow_mut().push("callback"));
///     let l = log.clone();
///     task::call_soon(move || l.borrow_mut().push("never")).cancel();
///     task::yield_now().await;
///     assert_eq!(*log.borrow(), ["task", "callback"]);
///     assert!(!handle.is_pending());
/// }).unwrap();
/// ```
///
/// # Panics
///
/// Outside a simulation.
pub fn call_soon(callback: impl FnOnce() + 'static) -> CallbackHandle {
    runtime::with("simloop::task::call_soon", |rt| CallbackHandle {
        key: rt.call_soon(Box::new(callback)),
        runtime: rt.weak(),
        when: None,
    })
}

/// A queued callback, from [`call_soon`], [`time::call_later`] or
/// [`time::call_at`] (asyncio's `Handle` and `TimerHandle`).
///
/// Dropping the handle does not cancel the callback.
///
/// [`time::call_later`]: crate::time::call_later
/// [`time::call_at`]: crate::time::call_at
pub struct CallbackHandle {
    key: CallbackRef,
    runtime: Weak<Runtime>,
    when: Option<Instant>,
}

impl CallbackHandle {
    pub(crate) fn new(key: CallbackRef, runtime: Weak<Runtime>, when: Option<Instant>) -> Self {
        CallbackHandle { key, runtime, when }
    }

    /// Cancels the callback: it will not run. Returns whether it was still
    /// to run (`false` once it ran or was cancelled).
    pub fn cancel(&self) -> bool {
        self.runtime
            .upgrade()
            .is_some_and(|rt| rt.cancel_callback(self.key))
    }

    /// Whether the callback is still to run.
    pub fn is_pending(&self) -> bool {
        self.runtime
            .upgrade()
            .is_some_and(|rt| rt.callback_pending(self.key))
    }

    /// When a timer callback is due (asyncio's `TimerHandle.when()`);
    /// `None` for [`call_soon`].
    pub fn when(&self) -> Option<Instant> {
        self.when
    }
}

impl fmt::Debug for CallbackHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackHandle")
            .field("pending", &self.is_pending())
            .field("when", &self.when)
            .finish()
    }
}

/// Why awaiting a [`JoinHandle`] gave no value.
///
/// Its `Display` and its `Debug` (which `unwrap()` prints) both name the
/// task and say what happened to it:
///
/// ```
/// use simloop::{Sim, task};
///
/// let err = Sim::new(1).run(async {
///     task::spawn_named("refresh", async { panic!("cache gone") }).await.unwrap_err()
/// }).unwrap();
/// assert!(err.to_string().starts_with(r#"task 1 "refresh" panicked: cache gone"#));
/// assert!(format!("{err:?}").starts_with(r#"JoinError(task 1 "refresh" panicked: cache gone"#));
/// ```
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
pub struct JoinError {
    task: TaskInfo,
    kind: JoinErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum JoinErrorKind {
    Cancelled,
    Panicked(String),
}

impl JoinError {
    /// Whether the task was aborted (or otherwise dropped) before finishing.
    pub fn is_cancelled(&self) -> bool {
        self.kind == JoinErrorKind::Cancelled
    }

    /// Whether the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.kind, JoinErrorKind::Panicked(_))
    }

    /// The panic message, if the task panicked.
    pub fn panic_message(&self) -> Option<&str> {
        match &self.kind {
            JoinErrorKind::Panicked(m) => Some(m),
            JoinErrorKind::Cancelled => None,
        }
    }

    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.task.id()
    }

    /// The task's id and name.
    pub fn task(&self) -> &TaskInfo {
        &self.task
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            // `TaskInfo` reads `task 1 "name"` already.
            JoinErrorKind::Cancelled => write!(f, "{} was cancelled", self.task),
            JoinErrorKind::Panicked(m) => write!(f, "{} panicked: {m}", self.task),
        }
    }
}

/// The `Display` text in `JoinError(...)`: what `h.await.unwrap()` prints
/// when the task failed.
impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JoinError({self})")
    }
}

struct JoinState<T> {
    task: TaskInfo,
    /// The error is boxed: it is rare, and every task has a join state.
    result: Option<Result<T, Box<JoinError>>>,
    waker: Option<Waker>,
    /// Done callbacks, in the order they were added.
    callbacks: Vec<DoneCallback>,
    /// How the task ended, once its result was taken.
    taken: Option<Outcome>,
}

type DoneCallback = Box<dyn FnOnce(Outcome)>;

impl<T> JoinState<T> {
    fn outcome(&self) -> Option<Outcome> {
        self.taken.or_else(|| self.result.as_ref().map(Outcome::of))
    }
}

/// How a task ended, as its done callbacks learn it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// It returned a value.
    Returned,
    /// It panicked.
    Panicked,
    /// It was aborted (or dropped when its simulation ended).
    Cancelled,
}

impl Outcome {
    fn of<T, E: std::borrow::Borrow<JoinError>>(result: &Result<T, E>) -> Outcome {
        match result {
            Ok(_) => Outcome::Returned,
            Err(e) if e.borrow().is_panic() => Outcome::Panicked,
            Err(_) => Outcome::Cancelled,
        }
    }
}

/// A future that only looks at work running on its own, such as a task's
/// [`JoinHandle`] or a [`PromiseFuture`](crate::sync::PromiseFuture):
/// asyncio's `Task` and `Future` (as opposed to a coroutine), with the
/// methods asyncio's `wait_for` uses on them. Polling it starts nothing.
///
/// [`time::wait_for_handle`](crate::time::wait_for_handle) takes one: with
/// a zero or past deadline it returns the result of a done one, and cancels
/// an unfinished one and waits for that, as asyncio's `wait_for` does.
pub trait Handle: Future {
    /// Whether the work has finished, so that polling gives its result at
    /// once (asyncio's `done()`).
    fn is_done(&self) -> bool;

    /// Cancels the work (asyncio's `cancel()`): aborts the task, cancels
    /// the promise.
    fn cancel_work(&self);

    /// Wakes `waker` once the work is done, from a done callback (asyncio's
    /// `add_done_callback`): the callback is a ready item queued when the
    /// work ends, and the woken task runs after it.
    fn wake_when_done(&self, waker: Waker);
}

impl<T> Handle for JoinHandle<T> {
    fn is_done(&self) -> bool {
        self.is_finished()
    }

    fn cancel_work(&self) {
        self.abort();
    }

    fn wake_when_done(&self, waker: Waker) {
        self.add_done_callback(move |_| waker.wake());
    }
}

/// An owned permission to await a spawned task's output (asyncio's `Task`).
///
/// Awaiting it gives `Ok(value)`, or a [`JoinError`] if the task was aborted
/// or panicked.
///
/// # Cancel safety
///
/// Awaiting a task ties it to its awaiter, as in asyncio: once the handle
/// has been polled, cancelling the awaiter cancels the task. Aborting the
/// task awaiting the handle, or a [`timeout`](crate::time::timeout),
/// `gather` or `select` around the `.await` ending first, aborts the task
/// at that moment (asyncio's `Task.cancel` cancels the future the task
/// awaits), and dropping a polled handle of an unfinished task aborts it.
/// A handle dropped without ever being polled detaches the task: it keeps
/// running and its output is discarded. To await a task without tying it
/// to the awaiter, use [`shield`](crate::combinators::shield) or
/// [`detach_on_drop`](JoinHandle::detach_on_drop).
///
/// If a detached task panics, the run fails with
/// [`SimError::TaskPanicked`](crate::SimError::TaskPanicked) unless the
/// simulation was built with `fail_on_unobserved_panic(false)`.
///
/// # Panics
///
/// Polling the handle again after it returned its result panics. So does
/// awaiting, aborting or dropping it inside another simulation than the one
/// that spawned the task (a nested [`Sim::run`](crate::Sim::run), say):
/// a task id only means something in its own simulation, and the other
/// one is left alone. Dropping it outside any simulation is fine.
pub struct JoinHandle<T> {
    task: TaskRef,
    runtime: Weak<Runtime>,
    state: Rc<RefCell<JoinState<T>>>,
    /// Set at the first poll that waits: cancelling the awaiter (or
    /// dropping the handle) then aborts the task.
    tie: Option<Tie>,
    /// Dropping the handle never aborts the task.
    detach: bool,
}

/// Aborts the awaited task the moment its awaiter is cancelled.
struct Tie {
    hook: Rc<AbortTask>,
    key: runtime::HookKey,
}

struct AbortTask {
    task: TaskRef,
    runtime: Weak<Runtime>,
}

impl runtime::CancelHook for AbortTask {
    fn cancel(&self) {
        if let Some(rt) = self.runtime.upgrade() {
            rt.request_abort(self.task);
        }
    }

    /// The awaiter goes on once the task has ended: the handle's waker,
    /// registered by the awaiter's last poll, is woken then.
    fn settled(&self, _waker: &Waker) -> bool {
        self.runtime
            .upgrade()
            .is_none_or(|rt| !rt.is_live(self.task))
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.task.id)
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl<T> JoinHandle<T> {
    /// The task's id.
    pub fn id(&self) -> TaskId {
        self.task.id
    }

    /// Whether the task has finished (completed, panicked or been aborted).
    pub fn is_finished(&self) -> bool {
        self.state.borrow().outcome().is_some()
    }

    /// How many cancellations of the task are pending (asyncio's
    /// `task.cancelling()`): 1 from [`abort`](JoinHandle::abort) until the
    /// task is dropped, else 0. A cancelled task cannot catch its
    /// cancellation, so the count never goes back down while it runs.
    pub fn cancelling(&self) -> u32 {
        self.runtime
            .upgrade()
            .is_some_and(|rt| rt.abort_pending(self.task.id))
            .into()
    }

    /// How the task ended, or `None` while it runs.
    pub fn outcome(&self) -> Option<Outcome> {
        self.state.borrow().outcome()
    }

    /// The task's result if it has finished, without waiting (asyncio's
    /// `task.result()` on a done task); `None` while it runs, and once the
    /// result was taken (by this or by awaiting the handle).
    pub fn try_join(&mut self) -> Option<Result<T, JoinError>> {
        let mut state = self.state.borrow_mut();
        let result = state.result.take()?.map_err(|e| *e);
        state.taken = Some(Outcome::of(&result));
        Some(result)
    }

    /// Runs `callback` once the task has finished, as a ready item of its
    /// own (asyncio's `task.add_done_callback`): the task's done callbacks
    /// are queued the moment it ends, in the order they were added, and run
    /// one scheduling point later, before the task awaiting the handle
    /// resumes. Added to a finished task, the callback is queued at once.
    /// It learns how the task ended; [`try_join`](JoinHandle::try_join)
    /// gives the value.
    ///
    /// ```
    /// use std::{cell::RefCell, rc::Rc};
    /// use simloop::{Sim, task};
    ///
    /// Sim::new(1).run(async {
    ///     let log = Rc::new(RefCell::new(Vec::new()));
    ///     let worker = task::spawn(async { 7 });
    ///     let l = log.clone();
    ///     worker.add_done_callback(move |outcome| l.borrow_mut().push(format!("{outcome:?}")));
    ///     assert_eq!(worker.await.unwrap(), 7);
    ///     assert_eq!(*log.borrow(), ["Returned"]);
    /// }).unwrap();
    /// ```
    ///
    /// # Panics
    ///
    /// Outside a simulation. A panic inside the callback fails the run.
    pub fn add_done_callback(&self, callback: impl FnOnce(Outcome) + 'static) {
        let mut state = self.state.borrow_mut();
        match state.outcome() {
            Some(outcome) => {
                drop(state);
                call_soon(move || callback(outcome));
            }
            None => state.callbacks.push(Box::new(callback)),
        }
    }

    /// Cancels the task: like asyncio's `Task.cancel`, the task is scheduled
    /// at once (behind the tasks already ready, unless it already is), and
    /// when its turn comes its future is dropped instead of polled (running
    /// its destructors, where asyncio's task would run its `finally` blocks).
    /// Awaiting this handle then gives a [`JoinError`] for which
    /// [`is_cancelled`](JoinError::is_cancelled) is true. Does nothing if the
    /// task has already finished or its simulation is over.
    ///
    /// # Panics
    ///
    /// Inside a simulation other than the task's (a nested one): the task's
    /// simulation is not running, and must not be changed from another.
    pub fn abort(&self) {
        self.check_simulation("aborted");
        if let Some(rt) = self.runtime.upgrade() {
            rt.request_abort(self.task);
        }
    }

    /// Makes this handle never abort its task: cancelling its awaiter or
    /// dropping it after it was polled then detaches the task, as a tokio
    /// `JoinHandle` does (see the cancel safety notes above).
    ///
    /// ```
    /// use std::{cell::Cell, rc::Rc, time::Duration};
    /// use simloop::{Sim, task, time};
    ///
    /// Sim::new(1).run(async {
    ///     let finished = Rc::new(Cell::new(Vec::new()));
    ///     let worker = |name: &'static str| {
    ///         let finished = finished.clone();
    ///         task::spawn(async move {
    ///             time::sleep(Duration::from_secs(5)).await;
    ///             finished.set([finished.take(), vec![name]].concat());
    ///         })
    ///     };
    ///     let tied = worker("tied");
    ///     let free = worker("free").detach_on_drop();
    ///     assert!(time::timeout(Duration::from_secs(1), tied).await.is_err());
    ///     assert!(time::timeout(Duration::from_secs(1), free).await.is_err());
    ///     time::sleep(Duration::from_secs(10)).await;
    ///     // The tied task was cancelled with its timeout; the other ran on.
    ///     assert_eq!(finished.take(), ["free"]);
    /// }).unwrap();
    /// ```
    pub fn detach_on_drop(mut self) -> JoinHandle<T> {
        self.detach = true;
        self.untie();
        self
    }

    /// Ties the task to the current task (and the timeout around this
    /// poll), once.
    fn tie(&mut self) {
        if self.tie.is_some() || self.detach {
            return;
        }
        let hook = Rc::new(AbortTask {
            task: self.task,
            runtime: self.runtime.clone(),
        });
        let weak: Rc<dyn runtime::CancelHook> = hook.clone();
        if let Some(key) = runtime::try_with(|rt| rt.on_cancel(Rc::downgrade(&weak))) {
            self.tie = Some(Tie { hook, key });
        }
    }

    fn untie(&mut self) {
        if let Some(tie) = self.tie.take() {
            runtime::try_with(|rt| rt.remove_hook(tie.key));
        }
    }

    /// Panics if the running simulation is not the task's.
    #[track_caller]
    fn check_simulation(&self, what: &str) {
        let elsewhere = runtime::try_with(|rt| !std::ptr::eq(rt, self.runtime.as_ptr()));
        assert!(
            elsewhere != Some(true),
            "the JoinHandle of task {} was {what} inside another simulation than the one that \
             spawned it (a nested Sim::run?): a task id only means something in its own \
             simulation",
            self.task.id
        );
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.check_simulation("awaited");
        let mut state = this.state.borrow_mut();
        if let Some(result) = state.result.take() {
            state.taken = Some(Outcome::of(&result));
            drop(state);
            this.untie();
            return Poll::Ready(result.map_err(|e| *e));
        }
        assert!(
            state.taken.is_none(),
            "JoinHandle for task {} polled after it returned",
            this.task.id
        );
        match &state.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => state.waker = Some(cx.waker().clone()),
        }
        drop(state);
        this.tie();
        wait_on(WaitReason::new("JoinHandle::await").on_task(this.task.id));
        Poll::Pending
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            self.check_simulation("dropped");
        }
        if let Some(tie) = self.tie.take() {
            // An awaited task goes with its awaiter.
            if let Some(rt) = self.runtime.upgrade() {
                rt.remove_hook(tie.key);
                if !self.is_finished() {
                    rt.request_abort(self.task);
                }
            }
            drop(tie.hook);
        }
        let state = self.state.borrow();
        if let Some(Err(error)) = &state.result
            && let JoinError {
                task,
                kind: JoinErrorKind::Panicked(message),
            } = &**error
            && let Some(rt) = self.runtime.upgrade()
        {
            rt.unobserved_panic(task.clone(), message.clone());
        }
    }
}

pin_project_lite::pin_project! {
    /// A spawned future together with the slot its output goes to.
    struct TaskFuture<F: Future> {
        // Declared first so it is dropped before the completer reports the
        // cancellation.
        #[pin]
        future: F,
        completer: Completer<F::Output>,
    }
}

/// Delivers a task's result to its handle; reports cancellation when dropped
/// before the task finished.
struct Completer<T> {
    state: Rc<RefCell<JoinState<T>>>,
    done: bool,
}

impl<T> Completer<T> {
    fn complete(&mut self, result: Result<T, JoinErrorKind>) {
        self.done = true;
        let mut state = self.state.borrow_mut();
        let task = state.task.clone();
        let result = result.map_err(|kind| Box::new(JoinError { task, kind }));
        let outcome = Outcome::of(&result);
        state.result = Some(result);
        let waker = state.waker.take();
        let callbacks = std::mem::take(&mut state.callbacks);
        drop(state);
        // The done callbacks are queued first: the awaiting task's wake-up
        // is, in asyncio, the last callback added.
        for callback in callbacks {
            runtime::try_with(|rt| rt.call_soon(Box::new(move || callback(outcome))));
        }
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<T> Drop for Completer<T> {
    fn drop(&mut self) {
        if !self.done {
            self.complete(Err(JoinErrorKind::Cancelled));
        }
    }
}

impl<F: Future> Future for TaskFuture<F> {
    type Output = Exit;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Exit> {
        let this = self.project();
        match crate::panic::catch(|| this.future.poll(cx)) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => {
                // Aborted during its last step: it ends cancelled, as an
                // asyncio task cancelled right before its coroutine returns.
                let aborted = runtime::try_with(|rt| {
                    rt.current_task_id().is_some_and(|id| rt.abort_pending(id))
                })
                .unwrap_or(false);
                if aborted {
                    drop(value);
                    this.completer.complete(Err(JoinErrorKind::Cancelled));
                } else {
                    this.completer.complete(Ok(value));
                }
                Poll::Ready(Exit::Done)
            }
            Err(message) => {
                let observed = Rc::strong_count(&this.completer.state) > 1;
                this.completer
                    .complete(Err(JoinErrorKind::Panicked(message.clone())));
                Poll::Ready(Exit::Panicked { message, observed })
            }
        }
    }
}
