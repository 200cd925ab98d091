//! The run loop: pick a ready task, poll it, collect wake-ups; when nothing is
//! ready, jump the clock to the next timer; stop on the root task's output or
//! on a failure.

use std::future::Future;
use std::pin::{Pin, pin};
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::ready::Item;
use super::tasks::{Exit, State, TaskRef};
use super::tied::Tied;
use super::{Observed, Runtime, context, new_runtime, spare};
use crate::base::TaskInfo;
use crate::base::{Instant, duration_to_nanos};
use crate::config::Config;
use crate::error::{SimError, TaskPanic};
use crate::schedule::{Choice, ChoiceKind, Decision, Schedule};
use crate::strategy::Divergence;
use crate::trace::{EventKind, Fingerprint, Trace};

/// Wake-ups drained at once past which the drained buffer is freed.
const BIG_BURST: usize = 4096;

/// What a successful run produced.
pub(crate) struct RunOutput<T> {
    pub(crate) value: T,
    pub(crate) elapsed: Duration,
    pub(crate) steps: u64,
    pub(crate) fingerprint: Fingerprint,
    pub(crate) schedule: Schedule,
    pub(crate) trace: Option<Trace>,
    pub(crate) leaked: Vec<TaskInfo>,
    pub(crate) observed: Observed,
}

/// A failed run: the error, and the choices and events before it.
pub(crate) struct RunFailure {
    pub(crate) error: SimError,
    pub(crate) schedule: Schedule,
    pub(crate) fingerprint: Fingerprint,
    pub(crate) trace: Option<Trace>,
    pub(crate) observed: Observed,
}

/// Runs `future` as the root task of a fresh simulated world; a failure
/// keeps the schedule, fingerprint and trace recorded up to it.
pub(crate) fn run<F: Future>(
    config: &Config,
    future: F,
) -> Result<RunOutput<F::Output>, Box<RunFailure>> {
    let rt = new_runtime(config.clone());
    let failed = |error: SimError| {
        let mut recorder = rt.recorder.borrow_mut();
        Box::new(RunFailure {
            error,
            schedule: rt.schedule.take(),
            fingerprint: recorder.fingerprint(),
            trace: recorder.take_trace(),
            observed: rt.observer.borrow_mut().take(),
        })
    };
    let _enter = context::enter(Rc::clone(&rt));
    let root = rt.spawn_slot(Some(Arc::from("main")), None);
    rt.drain_wakes();
    let mut root_future = pin!(Some(future));

    let result = rt.drive(root, root_future.as_mut());
    // A destructor that panics from here on (dropping the root future or a
    // leaked task) fails a run that succeeded and joins the report of one
    // that failed; it never unwinds out of the run.
    let value = match result {
        Ok(value) => Some(value),
        Err(mut error) => {
            if let Some(pending) = rt.failure.borrow_mut().take() {
                error.context_mut().add_also(pending.also_line());
            }
            *rt.failure.borrow_mut() = Some(error);
            None
        }
    };
    // Drop the root future inside the simulation: its destructors may use it.
    if let Err(message) = crate::panic::catch(|| root_future.set(None)) {
        let main = TaskInfo::new(root.id, Some(Arc::from("main")));
        rt.drop_panicked(main, "while the root future was dropped", message);
    }
    let leaked = rt.cleanup(root);
    let failure = rt.failure.borrow_mut().take();
    let value = match (value, failure) {
        (_, Some(failure)) => return Err(failed(failure)),
        (Some(value), None) => value,
        (None, None) => unreachable!("a failed run keeps its failure"),
    };
    if rt.config.leaks_are_errors && !leaked.is_empty() {
        return Err(failed(SimError::LeakedTasks {
            tasks: leaked,
            ctx: rt.ctx(),
        }));
    }
    let mut recorder = rt.recorder.borrow_mut();
    Ok(RunOutput {
        value,
        elapsed: rt.now().since_start(),
        steps: rt.steps.get(),
        fingerprint: recorder.fingerprint(),
        schedule: rt.schedule.take(),
        trace: recorder.take_trace(),
        leaked,
        observed: rt.observer.borrow_mut().take(),
    })
}

impl Runtime {
    fn drive<F: Future>(
        &self,
        root: TaskRef,
        mut root_future: Pin<&mut Option<F>>,
    ) -> Result<F::Output, SimError> {
        let max_steps = self.config.max_steps.unwrap_or(u64::MAX);
        loop {
            if self.failure.borrow().is_some() {
                return Err(self.failure.take().expect("a failure is pending"));
            }
            self.fire_due_timers()?;
            self.next_iteration();
            let Some(item) = self.next_item()? else {
                self.advance_clock()?;
                continue;
            };
            if self.steps.get() >= max_steps {
                return Err(SimError::StepLimit {
                    limit: max_steps,
                    ctx: self.ctx(),
                });
            }
            self.steps.set(self.steps.get() + 1);
            match item {
                Item::Callback(key) => self.run_callback(key),
                Item::Task(task) if self.abort_pending(task.id) => {
                    // Dropped once what its abort cancelled has ended, as
                    // asyncio's task waits for the task it awaited.
                    let waker = super::waker::task_waker(task, &self.wakes);
                    if self.task_drained(task.id, &waker) && self.take_abort(task) {
                        self.drop_aborted(task);
                    } else if let Some(slot) = self.tasks.borrow_mut().get_mut(task) {
                        // Waits for that wake-up.
                        slot.state = State::Idle;
                    }
                }
                Item::Task(task) if task == root => {
                    if let Some(value) = self.poll_root(root, root_future.as_mut())? {
                        return Ok(value);
                    }
                }
                Item::Task(task) => self.poll_task(task),
            }
            self.drain_wakes();
            self.check_time_limit(self.now())?;
        }
    }

    fn check_time_limit(&self, time: Instant) -> Result<(), SimError> {
        // Compared in nanoseconds: a `Duration` comparison costs a
        // division at every step.
        match self.config.time_limit {
            Some(limit) if time.as_nanos() > self.time_limit_nanos => Err(SimError::TimeLimit {
                limit,
                ctx: self.ctx(),
            }),
            _ => Ok(()),
        }
    }

    /// Nothing is ready: jump to the next timer and fire it, or report a
    /// deadlock (no timer at all) or the time limit (the next timer is past
    /// it).
    fn advance_clock(&self) -> Result<(), SimError> {
        let limit = self
            .config
            .time_limit
            .map_or(Instant::from_nanos(u64::MAX), |l| Instant::ZERO + l);
        if self.fire_next_group(limit, 0)? {
            return Ok(());
        }
        if self.timers.borrow().live() > 0 {
            // The next timer lies past the limit: the run reaches the limit
            // with nothing else to do, and stops there.
            if let Some(limit) = self.config.time_limit {
                self.clock
                    .set(self.clock.get().max(duration_to_nanos(limit)));
            }
            return self.check_time_limit(Instant::from_nanos(u64::MAX));
        }
        Err(SimError::Deadlock {
            blocked: self.blocked_tasks(),
            ctx: self.ctx(),
        })
    }

    fn diverged(&self, d: Divergence) -> SimError {
        SimError::ScheduleDiverged {
            position: d.position,
            recorded: d.recorded,
            offered: match d.kind {
                ChoiceKind::Timer => "timer",
                _ => "task",
            },
            options: d.options,
            ctx: self.ctx(),
        }
    }

    /// Removes the next item to run from the ready set, as the strategy
    /// decides.
    fn next_item(&self) -> Result<Option<Item>, SimError> {
        let mut ready = self.ready.borrow_mut();
        if ready.len() == 0 {
            return Ok(None);
        }
        let candidates = ready.candidates();
        let options = candidates.len();
        let mut observer = self.observer.borrow_mut();
        let last = observer.last;
        let stay = observer
            .stay_position
            .take()
            .and_then(|p| candidates.index_of_position(p))
            .filter(|&i| {
                Some(candidates.id(i)) == last && matches!(candidates.item(i), Item::Task(_))
            });
        let index = match options {
            1 => 0,
            _ => {
                let index = self
                    .scheduler
                    .borrow_mut()
                    .pick_task(&candidates, stay)
                    .map_err(|d| self.diverged(d))?;
                let mut schedule = self.schedule.borrow_mut();
                if self.config.trace {
                    let info = |i: usize| match candidates.item(i) {
                        Item::Task(task) => self.task_info(task),
                        Item::Callback(_) => {
                            TaskInfo::new(candidates.id(i), Some("callback".into()))
                        }
                    };
                    observer.decisions.push(Decision {
                        position: schedule.len(),
                        kind: ChoiceKind::Task,
                        step: self.steps.get() + 1,
                        index: index as u32,
                        of: options as u32,
                        chosen: info(index),
                        fifo: info(0),
                        could_continue: stay.map(info),
                    });
                }
                schedule.push(Choice {
                    kind: ChoiceKind::Task,
                    index: index as u32,
                    of: options as u32,
                });
                observer.chose(stay, index);
                index
            }
        };
        let position = candidates.position(index);
        let item = ready.take(index);
        if observer.follow_queue {
            self.scheduler.borrow_mut().taken(position);
        }
        // Only a task's step can continue at the next one.
        observer.last = match item {
            Item::Task(task) => Some(task.id),
            Item::Callback(_) => None,
        };
        Ok(Some(item))
    }

    /// Fires every timer that came due while the clock was pushed forward by
    /// `busy`, earliest deadline first, each deadline's wake-ups behind their
    /// own catch-up gate (see [`ReadySet`](super::ready)). Timers are armed
    /// only for deadlines after the current time, so none can be due unless
    /// the clock moved.
    fn fire_due_timers(&self) -> Result<(), SimError> {
        let now = self.now();
        if now.as_nanos() <= self.timers_fired_to.get() {
            return Ok(());
        }
        self.timers_fired_to.set(now.as_nanos());
        loop {
            let gate = self.next_gate.get();
            if !self.fire_next_group(now, gate)? {
                return Ok(());
            }
            self.next_gate.set(gate + 1);
        }
    }

    /// Fires the timers due at the earliest deadline, if it is at or before
    /// `limit`, moving the clock there; timers due at the same instant fire
    /// in the order the strategy picks, and the tasks they wake join the
    /// ready set behind `gate` (0 for none). Returns whether any fired.
    fn fire_next_group(&self, limit: Instant, gate: u64) -> Result<bool, SimError> {
        let mut due = std::mem::take(&mut *self.timer_buf.borrow_mut());
        let Some(deadline) = self
            .timers
            .borrow_mut()
            .pop_due_group(limit, due.items_mut())
        else {
            *self.timer_buf.borrow_mut() = due;
            return Ok(false);
        };
        if deadline.as_nanos() == u64::MAX {
            // Nothing can happen after this instant: later sleeps would
            // end at once.
            self.clock.set(u64::MAX);
            due.clear();
            *self.timer_buf.borrow_mut() = due;
            return Err(SimError::ClockOverflow { ctx: self.ctx() });
        }
        if deadline > self.now() {
            self.clock.set(deadline.as_nanos());
            self.timers_fired_to.set(deadline.as_nanos());
        }
        due.start();
        let mut result = Ok(true);
        while !due.is_empty() {
            let index = match self.pick_timer(&due) {
                Ok(index) => index,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            let (owner, waker) = due.take(index);
            self.record(owner, EventKind::TimerFired { deadline });
            waker.wake();
        }
        due.clear();
        *self.timer_buf.borrow_mut() = due;
        self.drain_wakes_behind(gate);
        result
    }

    /// Which of the tied timers `due` (their owners, in arming order) fires
    /// next.
    fn pick_timer(&self, due: &Tied) -> Result<usize, SimError> {
        let options = due.len();
        if options == 1 {
            return Ok(0);
        }
        let index = self
            .scheduler
            .borrow_mut()
            .pick_timer(options)
            .map_err(|d| self.diverged(d))?;
        if self.config.trace {
            let tasks = self.tasks.borrow();
            let info = |i: usize| tasks.info_of(due.owner(i));
            let decision = Decision {
                position: self.schedule.borrow().len(),
                kind: ChoiceKind::Timer,
                step: self.steps.get() + 1,
                index: index as u32,
                of: options as u32,
                chosen: info(index),
                fifo: info(0),
                could_continue: None,
            };
            self.observer.borrow_mut().decisions.push(decision);
        }
        self.schedule.borrow_mut().push(Choice {
            kind: ChoiceKind::Timer,
            index: index as u32,
            of: options as u32,
        });
        self.observer.borrow_mut().chose(None, index);
        Ok(index)
    }

    /// Moves wake-ups and queued callbacks into the ready set, in the order
    /// they happened.
    fn drain_wakes(&self) {
        self.drain_wakes_behind(0);
    }

    /// Like [`drain_wakes`](Self::drain_wakes), the tasks joining behind a
    /// catch-up gate.
    fn drain_wakes_behind(&self, gate: u64) {
        if let Some((task, thread)) = self.wakes.take_foreign() {
            self.fail(SimError::ForeignWake {
                task: self.task_info(task),
                thread,
                ctx: self.ctx(),
            });
        }
        let mut woken = self.wake_buf.borrow_mut();
        self.wakes.drain_into(&mut woken);
        if woken.is_empty() {
            return;
        }
        let mut tasks = self.tasks.borrow_mut();
        let mut ready = self.ready.borrow_mut();
        let mut observer = self.observer.borrow_mut();
        for &item in woken.iter() {
            let task = match item {
                Item::Task(task) => task,
                Item::Callback(key) => {
                    let callbacks = self.callbacks.borrow();
                    if callbacks.is_live(key) {
                        ready.push(item, callbacks.owner(key), gate);
                        if observer.follow_queue {
                            self.scheduler.borrow_mut().queued(callbacks.owner(key));
                        }
                    }
                    continue;
                }
            };
            let Some(slot) = tasks.get_mut(task) else {
                continue;
            };
            match slot.state {
                State::Idle => {
                    if observer.last == Some(task.id) {
                        // The task of the step just taken can continue.
                        observer.stay_position = Some(ready.len());
                    }
                    slot.state = State::Queued;
                    ready.push(item, task.id, gate);
                    if observer.follow_queue {
                        self.scheduler.borrow_mut().queued(task.id);
                    }
                    self.record(task.id, EventKind::Wake);
                }
                // Spawned (already recorded as such): first runs now.
                State::New => {
                    slot.state = State::Queued;
                    ready.push(item, task.id, gate);
                    if observer.follow_queue {
                        self.scheduler.borrow_mut().queued(task.id);
                    }
                }
                State::Queued | State::Running => {}
            }
        }
        // After a burst (a million tasks spawned in one step) this buffer
        // holds the burst's room, which the wake queue does not need back
        // (it refills the other buffer): free it rather than keep it all run.
        if woken.capacity() > BIG_BURST {
            *woken = Vec::new();
        }
    }

    /// Marks `task` as running and lends out its waker and future (moved,
    /// not cloned: no reference count changes hands on the hot path); the
    /// caller hands them back when the poll returns pending.
    fn begin_poll(&self, task: TaskRef) -> Option<(Waker, Option<super::TaskFuture>)> {
        let mut tasks = self.tasks.borrow_mut();
        let slot = tasks.get_mut(task)?;
        slot.state = State::Running;
        slot.waits = false;
        let out = (
            std::mem::replace(&mut slot.waker, Waker::noop().clone()),
            slot.future.take(),
        );
        drop(tasks);
        self.record(task.id, EventKind::Poll);
        if let Some(watched) = &self.watched {
            watched.poll_begins(self.steps.get(), task.id, self.clock.get());
        }
        self.set_current(Some(task));
        Some(out)
    }

    fn end_poll(&self, task: TaskRef, waker: Waker) {
        self.set_current(None);
        self.poll_ended();
        if let Some(slot) = self.tasks.borrow_mut().get_mut(task) {
            slot.state = State::Idle;
            slot.waker = waker;
        }
    }

    fn poll_task(&self, task: TaskRef) {
        let Some((waker, Some(mut future))) = self.begin_poll(task) else {
            return;
        };
        let poll = future.as_mut().poll(&mut Context::from_waker(&waker));
        self.set_current(None);
        self.poll_ended();
        match poll {
            Poll::Pending => {
                if let Some(slot) = self.tasks.borrow_mut().get_mut(task) {
                    slot.future = Some(future);
                    slot.waker = waker;
                    slot.state = State::Idle;
                }
            }
            Poll::Ready(exit) => {
                let info = self.tasks.borrow_mut().remove(task).map(|slot| slot.info);
                // It finished in the poll that asked for its own abort: it
                // ended cancelled (see `TaskFuture`).
                let aborted = self.take_abort(task);
                match exit {
                    Exit::Done if aborted => self.record(task.id, EventKind::Abort),
                    Exit::Done => self.record(task.id, EventKind::Finish),
                    Exit::Panicked { message, observed } => {
                        let info = info.unwrap_or_else(|| TaskInfo::new(task.id, None));
                        self.record_panic(&info, &message);
                        self.record(
                            task.id,
                            EventKind::Panic {
                                message: if self.recorder.borrow().is_tracing() {
                                    message.clone()
                                } else {
                                    String::new()
                                },
                            },
                        );
                        if !observed && self.config.fail_on_unobserved_panic {
                            self.fail(SimError::TaskPanicked {
                                task: info,
                                message: format!("{message} (nobody holds its JoinHandle)"),
                                ctx: self.ctx(),
                            });
                        } else if self.config.fail_at_first_panic {
                            self.fail(SimError::TaskPanicked {
                                task: info,
                                message,
                                ctx: self.ctx(),
                            });
                        }
                    }
                }
                // The finished future is dropped here, outside every borrow.
                drop(future);
            }
        }
    }

    fn poll_root<F: Future>(
        &self,
        root: TaskRef,
        future: Pin<&mut Option<F>>,
    ) -> Result<Option<F::Output>, SimError> {
        let Some((waker, _)) = self.begin_poll(root) else {
            return Ok(None);
        };
        let future = future
            .as_pin_mut()
            .expect("root future present while running");
        let poll = crate::panic::catch(|| future.poll(&mut Context::from_waker(&waker)));
        self.end_poll(root, waker);
        match poll {
            Ok(Poll::Pending) => Ok(None),
            Ok(Poll::Ready(value)) => {
                self.tasks.borrow_mut().remove(root);
                self.record(root.id, EventKind::Finish);
                Ok(Some(value))
            }
            // The run was stopped from inside the poll (see `busy`).
            Err(_) if self.failure.borrow().is_some() => {
                Err(self.failure.take().expect("a failure is pending"))
            }
            Err(message) => {
                self.record_panic(&self.task_info(root), &message);
                self.record(
                    root.id,
                    EventKind::Panic {
                        message: message.clone(),
                    },
                );
                Err(SimError::TaskPanicked {
                    task: self.task_info(root),
                    message,
                    ctx: self.ctx(),
                })
            }
        }
    }

    /// Tells the watchdog that the poll returned.
    fn poll_ended(&self) {
        if let Some(watched) = &self.watched {
            watched.poll_ends();
        }
    }

    fn task_info(&self, task: TaskRef) -> TaskInfo {
        match self.tasks.borrow().get(task) {
            Some(slot) => slot.info.clone(),
            None => TaskInfo::new(task.id, None),
        }
    }

    /// Keeps a task's panic for the failure report (see [`TaskPanic`]).
    fn record_panic(&self, task: &TaskInfo, message: &str) {
        let panic = TaskPanic::new(task.clone(), message, self.now(), self.steps.get());
        self.observer.borrow_mut().panics.push(panic);
    }

    pub(crate) fn fail(&self, error: SimError) {
        let mut failure = self.failure.borrow_mut();
        if failure.is_none() {
            *failure = Some(error);
        }
    }

    /// A destructor of `task`'s future panicked `when` (dropped after an
    /// abort, at the end of the run, ...): the run fails with it, or, if it
    /// failed already, the failure's report mentions it.
    fn drop_panicked(&self, task: TaskInfo, when: &str, message: String) {
        let mut failure = self.failure.borrow_mut();
        match &mut *failure {
            Some(first) => first
                .context_mut()
                .add_also(format!("{task} panicked {when}: {message}")),
            None => {
                *failure = Some(SimError::TaskPanicked {
                    task,
                    message: format!("{message} ({when})"),
                    ctx: self.ctx(),
                });
            }
        }
    }

    /// Counts the loop iterations as asyncio's `_run_once` does: once the
    /// items ready when an iteration started have run, the callbacks that
    /// came due meanwhile join the ready queue and a new iteration starts
    /// with everything then ready.
    fn next_iteration(&self) {
        let left = self.iteration_left.get();
        if left > 0 && self.ready.borrow().len() > 0 {
            self.iteration_left.set(left - 1);
            return;
        }
        let due = std::mem::take(&mut *self.due.borrow_mut());
        for key in due {
            self.wakes.push_item(Item::Callback(key));
        }
        self.drain_wakes();
        // This step takes the first of them.
        self.iteration_left
            .set(self.ready.borrow().len().saturating_sub(1));
    }

    /// Whether `task`'s handle asked for an abort (forgetting the request).
    fn take_abort(&self, task: TaskRef) -> bool {
        let mut aborts = self.aborts.borrow_mut();
        match aborts.iter().position(|&t| t == task) {
            Some(i) => {
                aborts.swap_remove(i);
                context::count_aborts(-1);
                true
            }
            None => false,
        }
    }

    /// Drops the future of an aborted task where it comes up to run, as
    /// asyncio's cancelled task receives `CancelledError` at its turn.
    fn drop_aborted(&self, task: TaskRef) {
        let Some(slot) = self.tasks.borrow_mut().remove(task) else {
            return;
        };
        self.record(task.id, EventKind::Abort);
        // Runs the task's destructors and resolves its handle as cancelled.
        let info = slot.info.clone();
        if let Err(message) = crate::panic::catch(move || drop(slot)) {
            self.drop_panicked(info, "while its future was dropped after abort()", message);
        }
    }

    /// Ends the run: lists the tasks still pending (other than the root) and
    /// drops them, in id order, inside the simulation.
    fn cleanup(&self, root: TaskRef) -> Vec<TaskInfo> {
        let live = self.tasks.borrow().live_tasks();
        let mut leaked = Vec::new();
        for task in live {
            let Some(slot) = self.tasks.borrow_mut().remove(task) else {
                continue;
            };
            if task != root {
                leaked.push(slot.info.clone());
            }
            // A destructor that panics must not take the caller down with it,
            // nor go unnoticed.
            let info = slot.info.clone();
            if let Err(message) = crate::panic::catch(move || drop(slot)) {
                self.drop_panicked(
                    info,
                    "while its future was dropped at the end of the run",
                    message,
                );
            }
        }
        self.ready.borrow_mut().clear();
        let callbacks = self.callbacks.borrow_mut().clear();
        if let Err(message) = crate::panic::catch(move || drop(callbacks)) {
            self.drop_panicked(
                TaskInfo::new(crate::base::TaskId::ROOT, Some(Arc::from("main"))),
                "while a pending callback was dropped at the end of the run",
                message,
            );
        }
        self.timers.borrow_mut().clear();
        let forgotten = std::mem::take(&mut *self.aborts.borrow_mut());
        context::count_aborts(-(forgotten.len() as isize));
        // Sockets and host factories are dropped inside the simulation too.
        drop(self.take_extensions());
        // The emptied containers serve the next run on this thread.
        spare::keep(spare::Spare {
            tasks: std::mem::take(&mut *self.tasks.borrow_mut()),
            ready: std::mem::take(&mut *self.ready.borrow_mut()),
            timers: std::mem::take(&mut *self.timers.borrow_mut()),
            wake_buf: std::mem::take(&mut *self.wake_buf.borrow_mut()),
            timer_buf: std::mem::take(&mut *self.timer_buf.borrow_mut()),
        });
        leaked
    }
}
