//! The executor core: one simulated world, its clock, tasks, timers and
//! scheduler, and the loop that drives it ([`run`]).
//!
//! Everything here is single-threaded; the `RefCell`s are never borrowed
//! across a poll or a drop of user code, so user code may call back into the
//! runtime (spawn, sleep, read the clock) at any time.

use std::cell::{Cell, RefCell, RefMut};
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

use rand_chacha::ChaCha8Rng;

use crate::base::{Instant, duration_to_nanos};
use crate::base::{TaskId, TaskInfo, WaitReason};
use crate::config::Config;
use crate::error::{BlockedTask, FailureContext, SimError};
use crate::schedule::Schedule;
use crate::strategy::Scheduler;
use crate::trace::{EventKind, NoteKind, Recorder};

mod callbacks;
mod cancel;
mod context;
mod executor;
mod hosts;
#[cfg(feature = "tracing")]
mod log;
mod observe;
mod radix;
mod ready;
mod spare;
mod tasks;
mod tied;
mod timers;
mod waker;
mod watchdog;

pub(crate) use callbacks::{Callback, CallbackRef};
pub(crate) use cancel::{CancelHook, CancelScope, HookKey};
pub(crate) use context::{abort_pending, in_scope, polled, polled_task, try_with, with};
pub(crate) use executor::run;
pub(crate) use hosts::HostId;
pub(crate) use observe::{NO_STAY, Observed};
pub(crate) use ready::Candidates;
pub(crate) use tasks::{Exit, TaskRef};
pub(crate) use timers::TimerKey;
pub(crate) use watchdog::Sink as WatchdogSink;

use callbacks::CallbackTable;
use cancel::{Draining, HookEntry};
use ready::{Item, ReadySet};
use tasks::{State, TaskFuture, TaskTable};
use timers::Timers;
use waker::WakeQueue;

/// Numbers the simulations of the process, so that a handle (a timer, a
/// task) can tell whether it is used in the simulation it came from.
static SIMULATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// One simulated world.
pub(crate) struct Runtime {
    config: Config,
    /// The time limit in nanoseconds (`u64::MAX` for none).
    time_limit_nanos: u64,
    me: Weak<Runtime>,
    /// This simulation's number (see [`SIMULATIONS`]).
    number: u64,
    clock: Cell<u64>,
    /// The time up to which due timers have been fired.
    timers_fired_to: Cell<u64>,
    steps: Cell<u64>,
    current: Cell<Option<TaskRef>>,
    tasks: RefCell<TaskTable>,
    ready: RefCell<ReadySet>,
    /// Next catch-up gate (see [`ready`]).
    next_gate: Cell<u64>,
    timers: RefCell<Timers>,
    wakes: Arc<WakeQueue>,
    wake_buf: RefCell<Vec<Item>>,
    /// Callbacks queued or due at a timer, not run yet.
    callbacks: RefCell<CallbackTable>,
    timer_buf: RefCell<tied::Tied>,
    scheduler: RefCell<Box<dyn Scheduler>>,
    schedule: RefCell<Schedule>,
    /// The code under test's stream, made at its first draw (most runs of
    /// a sweep draw nothing).
    user_rng: RefCell<Option<ChaCha8Rng>>,
    recorder: RefCell<Recorder>,
    /// Whether a `tracing` subscriber wanted the executor's events when the
    /// run started.
    #[cfg(feature = "tracing")]
    log_events: bool,
    /// Tasks whose handles asked for an abort: each is dropped instead of
    /// polled when it next comes up.
    aborts: RefCell<Vec<TaskRef>>,
    /// The innermost timeout whose inner future is being polled.
    cancel_scope: RefCell<Option<Arc<CancelScope>>>,
    /// What must hear at once that a task is cancelled or a timeout expired.
    cancel_hooks: RefCell<std::collections::BTreeMap<u64, HookEntry>>,
    next_hook: Cell<u64>,
    /// Fired hooks whose cancellation an aborted task or an expired timeout
    /// still waits for.
    draining: RefCell<Vec<Draining>>,
    /// Callbacks already due (a zero `call_later`), queued when the next
    /// loop iteration starts.
    due: RefCell<Vec<CallbackRef>>,
    /// Ready items of the current loop iteration (asyncio's `ntodo`) still
    /// to run.
    iteration_left: Cell<usize>,
    /// A failure raised from inside user code (an unobserved panic), acted on
    /// at the next scheduling point.
    failure: RefCell<Option<SimError>>,
    /// Which host each task runs on, and the network's state.
    hosts: hosts::Hosts,
    /// What the watchdog sees of this run (none if it is off).
    watched: Option<Arc<watchdog::Watched>>,
    /// Preemptions, task panics and (when tracing) decisions, for the harness.
    observer: RefCell<observe::Observer>,
}

impl Runtime {
    fn new(config: Config, me: Weak<Runtime>) -> Runtime {
        let watched = config.watchdog.map(|limit| {
            watchdog::Watched::start(
                limit,
                config.seed,
                config.strategy.clone(),
                config.watchdog_sink.as_ref().map(|s| Arc::clone(&s.0)),
            )
        });
        let scheduler = config.strategy.scheduler_for(&config);
        let mut spare = spare::take();
        if config.trace {
            spare.tasks.keep_names();
        }
        let observer = observe::Observer::following(scheduler.follows_queue());
        let number = SIMULATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Runtime {
            number,
            scheduler: RefCell::new(scheduler),
            user_rng: RefCell::new(None),
            recorder: RefCell::new(Recorder::new(config.trace)),
            #[cfg(feature = "tracing")]
            log_events: log::executor_enabled(),
            time_limit_nanos: config.time_limit.map_or(u64::MAX, duration_to_nanos),
            config,
            me,
            clock: Cell::new(0),
            timers_fired_to: Cell::new(0),
            steps: Cell::new(0),
            current: Cell::new(None),
            tasks: RefCell::new(spare.tasks),
            ready: RefCell::new(spare.ready),
            next_gate: Cell::new(1),
            timers: RefCell::new(spare.timers.reuse_for(number)),
            wakes: Arc::default(),
            wake_buf: RefCell::new(spare.wake_buf),
            callbacks: RefCell::default(),
            timer_buf: RefCell::new(spare.timer_buf),
            schedule: RefCell::default(),
            aborts: RefCell::default(),
            cancel_scope: RefCell::default(),
            cancel_hooks: RefCell::default(),
            draining: RefCell::default(),
            due: RefCell::default(),
            iteration_left: Cell::new(0),
            next_hook: Cell::new(0),
            failure: RefCell::default(),
            hosts: hosts::Hosts::default(),
            watched,
            observer: RefCell::new(observer),
        }
    }

    /// This simulation's number, unique in the process: a handle that
    /// remembers it can tell whether it is used in the simulation it came
    /// from.
    pub(crate) fn number(&self) -> u64 {
        self.number
    }

    pub(crate) fn weak(&self) -> Weak<Runtime> {
        self.me.clone()
    }

    pub(crate) fn now(&self) -> Instant {
        Instant::from_nanos(self.clock.get())
    }

    /// Makes `task` the task being polled (`None` between polls).
    fn set_current(&self, task: Option<TaskRef>) {
        self.current.set(task);
        context::set_polled_task(task.map(|t| t.id));
    }

    fn current_id(&self) -> TaskId {
        self.current.get().map_or(TaskId::ROOT, |t| t.id)
    }

    #[inline(always)]
    fn record(&self, task: TaskId, kind: EventKind) {
        #[cfg(feature = "tracing")]
        if self.log_events {
            log::emit(self.steps.get(), task, &kind);
        }
        self.recorder
            .borrow_mut()
            .record(self.steps.get(), self.now(), task, kind);
    }

    pub(crate) fn ctx(&self) -> FailureContext {
        FailureContext {
            seed: self.config.seed,
            strategy: self.config.strategy.to_string(),
            time: self.now(),
            step: self.steps.get(),
            also: Box::default(),
        }
    }

    /// Blocks the loop: the clock jumps forward with no other task running.
    ///
    /// Past the time limit (or at the clock's maximum), the run fails right
    /// there: the clock stops at the limit and the task's poll is unwound
    /// (quietly), so that a task looping on `busy` without ever awaiting
    /// cannot run past it.
    pub(crate) fn busy(&self, duration: Duration) {
        self.record(self.current_id(), EventKind::Busy { duration });
        let clock = self.clock.get().saturating_add(duration_to_nanos(duration));
        let limit = self.config.time_limit.map(duration_to_nanos);
        let error = match limit {
            Some(limit) if clock > limit => {
                self.clock.set(self.clock.get().max(limit));
                SimError::TimeLimit {
                    limit: Duration::from_nanos(limit),
                    ctx: self.ctx(),
                }
            }
            _ if clock == u64::MAX => {
                self.clock.set(clock);
                SimError::ClockOverflow { ctx: self.ctx() }
            }
            _ => {
                self.clock.set(clock);
                return;
            }
        };
        self.fail(error);
        crate::panic::stop_the_run();
    }

    pub(crate) fn register_timer(&self, deadline: Instant, waker: &Waker) -> TimerKey {
        self.timers
            .borrow_mut()
            .insert(deadline, self.current_id(), waker)
    }

    pub(crate) fn update_timer(&self, key: TimerKey, waker: &Waker) {
        self.timers.borrow_mut().update(key, waker);
    }

    pub(crate) fn cancel_timer(&self, key: TimerKey) {
        self.timers.borrow_mut().cancel(key);
    }

    /// Queues `callback` to run as a ready item of its own (asyncio's
    /// `call_soon`), behind everything queued before it.
    pub(crate) fn call_soon(&self, callback: Callback) -> CallbackRef {
        let key = self
            .callbacks
            .borrow_mut()
            .insert(self.current_id(), callback);
        self.wakes.push_item(Item::Callback(key));
        key
    }

    /// Runs `callback` when the clock reaches `deadline` (asyncio's
    /// `call_at`), the moment its timer fires; if the deadline has passed,
    /// at the start of the next loop iteration, behind what the current one
    /// queued, where asyncio's loop moves a due timer to its ready queue.
    pub(crate) fn call_at(&self, deadline: Instant, callback: Callback) -> CallbackRef {
        if deadline <= self.now() {
            let key = self
                .callbacks
                .borrow_mut()
                .insert(self.current_id(), callback);
            self.due.borrow_mut().push(key);
            return key;
        }
        let key = self
            .callbacks
            .borrow_mut()
            .insert(self.current_id(), callback);
        let timer = self.register_timer(deadline, &callbacks::timer_waker(key));
        self.callbacks.borrow_mut().set_timer(key, timer);
        key
    }

    /// Cancels a callback that has not run; returns whether it had not.
    pub(crate) fn cancel_callback(&self, key: CallbackRef) -> bool {
        let Some((_, callback, timer)) = self.callbacks.borrow_mut().remove(key) else {
            return false;
        };
        match timer {
            Some(timer) => self.cancel_timer(timer),
            None => {
                let removed = self.ready.borrow_mut().remove(Item::Callback(key));
                if let Some(position) = removed
                    && self.observer.borrow().follow_queue
                {
                    self.scheduler.borrow_mut().removed(position);
                }
            }
        }
        // Dropped outside every borrow: it may hold anything.
        drop(callback);
        true
    }

    /// Whether a callback is still to run.
    pub(crate) fn callback_pending(&self, key: CallbackRef) -> bool {
        self.callbacks.borrow().is_live(key)
    }

    /// Runs a callback (a no-op if it was cancelled). A panic fails the run.
    fn run_callback(&self, key: CallbackRef) {
        let Some((owner, callback, _)) = self.callbacks.borrow_mut().remove(key) else {
            return;
        };
        self.record(owner, EventKind::Callback);
        let previous = self.current.get();
        self.set_current(None);
        let result = crate::panic::catch(callback);
        self.set_current(previous);
        if let Err(message) = result {
            self.fail(SimError::TaskPanicked {
                task: TaskInfo::new(owner, None),
                message: format!("{message} (in a callback it scheduled)"),
                ctx: self.ctx(),
            });
        }
    }

    pub(crate) fn spawn(&self, name: Option<Arc<str>>, future: TaskFuture) -> (TaskRef, TaskInfo) {
        let task = self.spawn_slot(name, Some(future));
        let info = self
            .tasks
            .borrow()
            .get(task)
            .expect("just spawned")
            .info
            .clone();
        (task, info)
    }

    fn spawn_slot(&self, name: Option<Arc<str>>, future: Option<TaskFuture>) -> TaskRef {
        let host = self.spawn_host();
        let task = {
            let mut tasks = self.tasks.borrow_mut();
            if let (Some(watched), Some(name)) = (&self.watched, &name) {
                watched.named(TaskId::from_u64(tasks.next_id()), name);
            }
            let task = tasks.insert(name, future, &self.wakes);
            let slot = tasks.get_mut(task).expect("just inserted");
            slot.state = State::New;
            slot.host = host;
            self.recorder.borrow_mut().task_created(&slot.info);
            task
        };
        self.note_host(task.id, host);
        let parent = self.current.get().map(|t| t.id);
        self.scheduler.borrow_mut().task_spawned(task.id);
        self.record(task.id, EventKind::Spawn { parent });
        // Queued with the step's wake-ups, in call order.
        self.wakes.push(task);
        task
    }

    /// Cancels `task`: like asyncio's `Task.cancel`, it is scheduled at
    /// once, behind the tasks already ready, and its future is dropped when
    /// it comes up instead of being polled.
    pub(crate) fn request_abort(&self, task: TaskRef) {
        let live = self.tasks.borrow().get(task).is_some();
        let mut aborts = self.aborts.borrow_mut();
        if !live || aborts.contains(&task) {
            return;
        }
        aborts.push(task);
        drop(aborts);
        context::count_aborts(1);
        // What the task awaits is cancelled first (a gather's children are
        // queued for their cancellation ahead of the task itself).
        let at_once = self.fire_task_hooks(task.id);
        // As asyncio's `Task.cancel` cancels the awaited future and leaves
        // the task to its wake-up, a task whose abort cancelled something
        // still running (a task it awaits) runs when that ends, not now.
        if at_once || self.task_drained_now(task) {
            self.wakes.push(task);
        }
    }

    /// Whether `task` is still in the task table (not finished, not
    /// dropped).
    pub(crate) fn is_live(&self, task: TaskRef) -> bool {
        self.tasks.borrow().get(task).is_some()
    }

    /// The waker that schedules `task`, while it is in the task table and
    /// not being polled.
    pub(crate) fn waker_of(&self, task: TaskRef) -> Option<Waker> {
        self.tasks.borrow().get(task).map(|slot| slot.waker.clone())
    }

    /// Whether an abort of `task` was requested and its future not dropped
    /// yet. Such a task never runs again: until its future is dropped,
    /// synchronisation primitives treat its waits as cancelled, as asyncio's
    /// `Task.cancel` cancels the awaited future at once.
    pub(crate) fn abort_pending(&self, task: TaskId) -> bool {
        self.aborts.borrow().iter().any(|t| t.id == task)
    }

    /// The id of the task being polled, if any.
    pub(crate) fn current_task_id(&self) -> Option<TaskId> {
        self.current.get().map(|t| t.id)
    }

    pub(crate) fn current_task(&self) -> TaskInfo {
        // Between polls the table is not consulted: the executor may hold it
        // while it records (and logs) a decision.
        let current = self
            .current
            .get()
            .and_then(|t| self.tasks.borrow().get(t).map(|slot| slot.info.clone()));
        current.unwrap_or_else(|| TaskInfo::new(TaskId::ROOT, Some(Arc::from("main"))))
    }

    /// Notes what the current task waits on, until it is next polled.
    pub(crate) fn set_wait_reason(&self, reason: WaitReason) {
        self.note_wait(|old| (old != Some(&reason)).then_some(reason));
    }

    /// Notes that the current task waits in `operation` on the object
    /// called `name`. A task that waits on the same thing as at its
    /// previous wait (the common case) keeps its note: nothing is cloned.
    pub(crate) fn set_wait(&self, operation: &'static str, name: Option<&Arc<str>>) {
        self.note_wait(|old| {
            if old.is_some_and(|w| w.is(operation, name)) {
                return None;
            }
            let reason = WaitReason::new(operation);
            Some(match name {
                Some(name) => reason.on(Arc::clone(name)),
                None => reason,
            })
        });
    }

    /// Notes the wait `renew` gives (`None`: the same as the note kept).
    fn note_wait(&self, renew: impl FnOnce(Option<&WaitReason>) -> Option<WaitReason>) {
        let Some(task) = self.current.get() else {
            return;
        };
        let mut tasks = self.tasks.borrow_mut();
        let Some(slot) = tasks.get_mut(task) else {
            return;
        };
        slot.waits = true;
        let old = renew(slot.wait.as_ref()).and_then(|new| slot.wait.replace(new));
        let traced = match &slot.wait {
            Some(reason) if self.recorder.borrow().is_tracing() => Some(reason.clone()),
            _ => None,
        };
        drop(tasks);
        drop(old);
        if let Some(reason) = traced {
            self.note(NoteKind::WaitsOn(reason));
        }
    }

    /// Keeps `kind` in the trace of a traced run, about the current task;
    /// a run's decisions and fingerprint do not change.
    pub(crate) fn note(&self, kind: NoteKind) {
        self.recorder
            .borrow_mut()
            .note(self.steps.get(), self.now(), self.current_id(), kind);
    }

    /// A panic result was dropped without being looked at.
    pub(crate) fn unobserved_panic(&self, task: TaskInfo, message: String) {
        if !self.config.fail_on_unobserved_panic {
            return;
        }
        let mut failure = self.failure.borrow_mut();
        if failure.is_none() {
            *failure = Some(SimError::TaskPanicked {
                task,
                message: format!("{message} (its JoinHandle was dropped without awaiting it)"),
                ctx: self.ctx(),
            });
        }
    }

    pub(crate) fn user_rng(&self) -> RefMut<'_, ChaCha8Rng> {
        RefMut::map(self.user_rng.borrow_mut(), |rng| {
            rng.get_or_insert_with(|| {
                crate::base::streams::stream(self.config.seed, crate::base::streams::USER_STREAM)
            })
        })
    }

    fn blocked_tasks(&self) -> Vec<BlockedTask> {
        let tasks = self.tasks.borrow();
        tasks
            .live_tasks()
            .into_iter()
            .filter_map(|t| tasks.get(t))
            .map(|slot| BlockedTask {
                task: slot.info.clone(),
                waiting_on: slot.wait.clone().filter(|_| slot.waits),
            })
            .collect()
    }
}

/// Creates a runtime for `config`.
fn new_runtime(config: Config) -> Rc<Runtime> {
    Rc::new_cyclic(|me| Runtime::new(config, me.clone()))
}
