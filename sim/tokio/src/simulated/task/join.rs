//! Spawning a task and the handles to it: [`JoinHandle`], [`AbortHandle`],
//! [`JoinError`] and the task [`Id`].
//!
//! A tokio task is a simloop task running a wrapper future. The wrapper and
//! the handles share a [`Control`] block (abort flag, finished flag, the
//! task's waker) and an output slot, behind `Arc` and locks, so the handles
//! are `Send + Sync` as tokio's are, although simloop itself runs
//! everything on one thread. Both sit in one allocation when the output is
//! `Send` (an [`AbortHandle`] then keeps that allocation, its output type
//! erased); a `spawn_local` task's control block has one of its own.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;
use simloop::task::{WaitReason, wait_on};

/// An opaque id of a task, unique within one simulation (simloop's task id).
#[derive(Clone, Copy, Debug, Hash, Eq, PartialEq, Ord, PartialOrd)]
pub struct Id(pub(crate) u64);

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The id of the task being polled.
///
/// # Panics
///
/// Outside a task (outside a simulation).
pub fn id() -> Id {
    try_id().expect("can't get a task id when not inside a task")
}

/// The id of the task being polled, or `None` outside a simulation.
pub fn try_id() -> Option<Id> {
    simloop::task::try_current().map(|t| Id(t.id().as_u64()))
}

/// A callback run once when a task finishes (used by `JoinSet`).
type OnFinish = Box<dyn FnOnce(Id) + Send>;

/// Aborts requested of tasks that have not ended yet, in every simulation
/// of the process. While it is 0 no task has an abort to look at, so a poll
/// skips reading its abort flag (another allocation than the task's).
static PENDING_ABORTS: AtomicUsize = AtomicUsize::new(0);

/// What the task and its handles share, whatever the output type.
pub(crate) struct Control {
    id: AtomicU64,
    aborted: AtomicBool,
    finished: AtomicBool,
    /// simloop's id of the task and the waker that schedules it, once
    /// spawned.
    started: Mutex<Option<(simloop::task::TaskId, Waker)>>,
    on_finish: Mutex<Vec<OnFinish>>,
}

impl Control {
    fn new() -> Control {
        Control {
            id: AtomicU64::new(u64::MAX),
            aborted: AtomicBool::new(false),
            finished: AtomicBool::new(false),
            started: Mutex::new(None),
            on_finish: Mutex::new(Vec::new()),
        }
    }

    /// Records the id simloop gave the task and the waker that schedules
    /// it.
    fn started(&self, (task, waker): (simloop::task::TaskId, Waker)) {
        self.id.store(task.as_u64(), Ordering::Relaxed);
        *self.started.lock() = Some((task, waker));
    }

    pub(crate) fn id(&self) -> Id {
        Id(self.id.load(Ordering::Relaxed))
    }

    fn abort(&self) {
        {
            // Under the lock `finish` takes: an abort either comes before
            // the task ends (and is counted until then) or does nothing.
            let _finishing = self.on_finish.lock();
            if self.finished.load(Ordering::Acquire) {
                return;
            }
            if !self.aborted.swap(true, Ordering::AcqRel) {
                PENDING_ABORTS.fetch_add(1, Ordering::Release);
            }
        }
        // Not started yet: the task sees the flag at its first poll.
        if let Some((_, w)) = &*self.started.lock() {
            w.wake_by_ref();
        }
    }

    /// Whether the task was aborted. Reads the flag only while some abort
    /// is pending.
    #[inline]
    fn is_aborted(&self) -> bool {
        PENDING_ABORTS.load(Ordering::Acquire) != 0 && self.aborted.load(Ordering::Acquire)
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.finished.load(Ordering::Acquire)
    }

    /// Runs `f` when the task finishes (at once if it has).
    pub(crate) fn on_finish(&self, f: OnFinish) {
        let mut slot = self.on_finish.lock();
        if self.is_finished() {
            drop(slot);
            f(self.id());
        } else {
            slot.push(f);
        }
    }

    fn finish(&self) {
        let callbacks = {
            let mut slot = self.on_finish.lock();
            self.finished.store(true, Ordering::Release);
            if self.aborted.load(Ordering::Acquire) {
                PENDING_ABORTS.fetch_sub(1, Ordering::Release);
            }
            std::mem::take(&mut *slot)
        };
        if !callbacks.is_empty() {
            for f in callbacks {
                f(self.id());
            }
        }
    }
}

struct Slot<T> {
    output: Option<Result<T, JoinError>>,
    taken: bool,
    waker: Option<Waker>,
}

/// What an [`AbortHandle`] (and a `JoinSet` or `LocalSet`) keeps of a
/// task: its control block, whatever the output type.
pub(crate) trait HasControl: Send + Sync {
    /// The task's control block.
    fn control(&self) -> &Control;
}

impl HasControl for Control {
    fn control(&self) -> &Control {
        self
    }
}

/// Where a task's control block lives.
enum ControlCell {
    /// In the output's allocation: the output is `Send`, so abort handles
    /// can share that allocation as it is (one allocation per task).
    Inline(Control),
    /// In an allocation of its own, for a task whose output need not be
    /// `Send` (`spawn_local`).
    Apart(Arc<Control>),
}

/// A task's output, written by the task, read by its [`JoinHandle`], and
/// the task's control block.
pub(crate) struct Output<T> {
    control: ControlCell,
    slot: Mutex<Slot<T>>,
}

impl<T: Send> HasControl for Output<T> {
    fn control(&self) -> &Control {
        self.ctl()
    }
}

/// The output of a task not spawned yet, and its control block as abort
/// handles keep it.
type Parts<T> = (Arc<Output<T>>, Arc<dyn HasControl>);

/// One allocation for both: the output is `Send`.
fn parts<T: Send + 'static>() -> Parts<T> {
    let output = Arc::new(Output::new(ControlCell::Inline(Control::new())));
    let control: Arc<dyn HasControl> = output.clone();
    (output, control)
}

/// The control block apart: the output may not be `Send`.
fn local_parts<T: 'static>() -> Parts<T> {
    let control = Arc::new(Control::new());
    let output = Arc::new(Output::new(ControlCell::Apart(Arc::clone(&control))));
    (output, control)
}

impl<T> Output<T> {
    fn new(control: ControlCell) -> Output<T> {
        Output {
            control,
            slot: Mutex::new(Slot {
                output: None,
                taken: false,
                waker: None,
            }),
        }
    }

    fn ctl(&self) -> &Control {
        match &self.control {
            ControlCell::Inline(c) => c,
            ControlCell::Apart(c) => c,
        }
    }

    /// The task ended with `result`: the handle gets it, then the
    /// control block learns it finished.
    fn end(&self, result: Result<T, JoinError>) {
        let waker = {
            let mut slot = self.slot.lock();
            slot.output = Some(result);
            slot.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        self.ctl().finish();
    }
}

pin_project_lite::pin_project! {
    /// The future simloop runs for a tokio task: polls the user's future,
    /// catching its panic, and drops it when the task is aborted. The
    /// user's future sits inline (simloop boxes the whole task once).
    struct TaskFuture<F: Future> {
        #[pin]
        future: Option<F>,
        output: Arc<Output<F::Output>>,
    }

    impl<F: Future> PinnedDrop for TaskFuture<F> {
        fn drop(this: Pin<&mut Self>) {
            // The simulation ended with the task still pending: as when a
            // tokio runtime shuts down, the task is cancelled.
            let mut this = this.project();
            if this.future.is_some() {
                let id = this.output.ctl().id();
                this.future.set(None);
                this.output.end(Err(JoinError::cancelled(id)));
            }
        }
    }
}

impl<F: Future> Future for TaskFuture<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        if this.future.is_none() {
            return Poll::Ready(());
        }
        if this.output.ctl().is_aborted() {
            let id = this.output.ctl().id();
            // Drop the future first: its destructors run as the task is cancelled.
            let dropped = catch_unwind(AssertUnwindSafe(|| this.future.set(None)));
            let error = match dropped {
                Ok(()) => JoinError::cancelled(id),
                Err(payload) => JoinError::panic(id, payload),
            };
            this.output.end(Err(error));
            return Poll::Ready(());
        }
        let future = this.future.as_mut().as_pin_mut().expect("checked above");
        let result = match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(v)) => Ok(v),
            Err(payload) => Err(JoinError::panic(this.output.ctl().id(), payload)),
        };
        // The future's resources go before anyone learns it finished.
        this.future.set(None);
        this.output.end(result);
        Poll::Ready(())
    }
}

/// The panic of a spawn outside a simulation.
#[track_caller]
fn assert_in_simulation() {
    if !simloop::facade::in_simulation() {
        panic!(
            "there is no reactor running, must be called from the context of a Tokio 1.x runtime \
             (simloop-tokio's `sim` mode: spawn inside `#[tokio::test]`, `#[tokio::main]` or \
             `Runtime::block_on`)"
        );
    }
}

/// Spawns `future` on the running simulation, named `name` if given.
///
/// # Panics
///
/// Outside a simulation.
#[track_caller]
pub(crate) fn spawn_inner<F>(future: F, name: Option<&str>) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: Send + 'static,
{
    assert_in_simulation();
    spawn_with(future, name, parts())
}

/// [`spawn_inner`] for a task whose output need not be `Send`.
///
/// # Panics
///
/// Outside a simulation.
#[track_caller]
pub(crate) fn spawn_local_inner<F>(future: F, name: Option<&str>) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    assert_in_simulation();
    spawn_with(future, name, local_parts())
}

fn spawn_with<F>(future: F, name: Option<&str>, parts: Parts<F::Output>) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let (handle, task) = unspawned(future, parts);
    // The handle's state is the facade's own: simloop keeps none.
    let id = simloop::facade::spawn_detached(name.map(Into::into), task);
    handle.output.ctl().started(id);
    handle
}

/// A handle whose task is spawned later, by calling the returned closure
/// inside a simulation (a `Runtime::spawn` before `block_on`).
pub(crate) fn deferred<F>(future: F) -> (JoinHandle<F::Output>, Box<dyn FnOnce() + Send>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (handle, task) = unspawned(future, parts());
    let control = Arc::clone(&handle.control);
    let start = Box::new(move || {
        control
            .control()
            .started(simloop::facade::spawn_detached(None, task));
    });
    (handle, start)
}

/// A handle and the task future that fills it, not spawned yet.
fn unspawned<F>(
    future: F,
    (output, control): Parts<F::Output>,
) -> (JoinHandle<F::Output>, TaskFuture<F>)
where
    F: Future + 'static,
    F::Output: 'static,
{
    let task = TaskFuture {
        future: Some(future),
        output: Arc::clone(&output),
    };
    (JoinHandle { output, control }, task)
}

/// An owned permission to join on a task (await its termination), as
/// `tokio::task::JoinHandle`.
///
/// Awaiting it gives the task's output, or a [`JoinError`] if the task
/// panicked or was aborted.
///
/// # Cancel safety
///
/// Dropping a `JoinHandle` (or a future awaiting it) **detaches** the task:
/// it keeps running and its output is dropped, as in tokio. A detached
/// task's panic is caught and discarded, as tokio does.
pub struct JoinHandle<T> {
    output: Arc<Output<T>>,
    /// The control block as abort handles keep it (for a `Send` output,
    /// `output` itself).
    control: Arc<dyn HasControl>,
}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    /// Aborts the task: at its next turn its future is dropped instead of
    /// polled, and awaiting the handle gives a cancelled [`JoinError`].
    /// Does nothing if the task has finished.
    pub fn abort(&self) {
        self.output.ctl().abort();
    }

    /// Whether the task has finished (completed, panicked or been aborted).
    pub fn is_finished(&self) -> bool {
        self.output.ctl().is_finished()
    }

    /// A handle that can abort the task but not await it.
    pub fn abort_handle(&self) -> AbortHandle {
        AbortHandle {
            control: Arc::clone(&self.control),
        }
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.output.ctl().id()
    }

    pub(crate) fn control(&self) -> &Arc<dyn HasControl> {
        &self.control
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.output.slot.lock();
        if let Some(out) = slot.output.take() {
            slot.taken = true;
            return Poll::Ready(out);
        }
        assert!(!slot.taken, "`JoinHandle` polled after completion");
        match &slot.waker {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => slot.waker = Some(cx.waker().clone()),
        }
        drop(slot);
        let reason = WaitReason::new("JoinHandle::await");
        let task = self.output.ctl().started.lock().as_ref().map(|(t, _)| *t);
        wait_on(match task {
            Some(t) => reason.on_task(t),
            None => reason,
        });
        Poll::Pending
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .finish()
    }
}

/// An owned permission to abort a spawned task, without awaiting its output
/// (`tokio::task::AbortHandle`).
#[derive(Clone)]
pub struct AbortHandle {
    control: Arc<dyn HasControl>,
}

impl AbortHandle {
    /// Aborts the task; see [`JoinHandle::abort`].
    pub fn abort(&self) {
        self.control.control().abort();
    }

    /// Whether the task has finished.
    pub fn is_finished(&self) -> bool {
        self.control.control().is_finished()
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.control.control().id()
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id())
            .finish()
    }
}

enum Repr {
    Cancelled,
    // In a lock only to be `Sync`: a panic payload is `Send` but not `Sync`.
    Panic(Mutex<Box<dyn Any + Send + 'static>>),
}

/// Why a task gave no output: it was cancelled (aborted) or it panicked
/// (`tokio::task::JoinError`).
pub struct JoinError {
    repr: Repr,
    id: Id,
}

impl JoinError {
    pub(crate) fn cancelled(id: Id) -> JoinError {
        JoinError {
            repr: Repr::Cancelled,
            id,
        }
    }

    fn panic(id: Id, payload: Box<dyn Any + Send + 'static>) -> JoinError {
        JoinError {
            repr: Repr::Panic(Mutex::new(payload)),
            id,
        }
    }

    /// Whether the task was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// Whether the task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The panic's payload.
    ///
    /// # Panics
    ///
    /// If the task did not panic.
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            .expect("`JoinError` reason is not a panic.")
    }

    /// The panic's payload, or the error back if the task did not panic.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Repr::Panic(p) => Ok(p.into_inner()),
            _ => Err(self),
        }
    }

    /// The id of the task.
    pub fn id(&self) -> Id {
        self.id
    }

    fn message(&self) -> Option<String> {
        match &self.repr {
            Repr::Cancelled => None,
            Repr::Panic(p) => {
                let p = p.lock();
                p.downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| p.downcast_ref::<String>().cloned())
            }
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.repr, self.message()) {
            (Repr::Cancelled, _) => write!(f, "task {} was cancelled", self.id),
            (Repr::Panic(_), Some(m)) => write!(f, "task {} panicked with message {m:?}", self.id),
            (Repr::Panic(_), None) => write!(f, "task {} panicked", self.id),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.repr, self.message()) {
            (Repr::Cancelled, _) => write!(f, "JoinError::Cancelled({:?})", self.id),
            (Repr::Panic(_), Some(m)) => write!(f, "JoinError::Panic({:?}, {m:?}, ...)", self.id),
            (Repr::Panic(_), None) => write!(f, "JoinError::Panic({:?}, ...)", self.id),
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for io::Error {
    fn from(src: JoinError) -> io::Error {
        io::Error::other(src.to_string())
    }
}
