//! The reference model: a plain discrete-event loop over a [`Program`],
//! with the semantics simloop documents under FIFO order. No futures, no
//! wakers: a ready queue of task numbers, a list of timers, and each
//! primitive as a counter and a waitlist.
//!
//! The loop, as the executor's (and asyncio's) `run_once`:
//!
//! 1. if `busy` moved the clock, the timers that came due fire, earliest
//!    deadline first, each deadline's timers in arming order;
//! 2. if no task is ready: the earliest timers fire (the clock jumps to
//!    them), or, with no timer left, the run is a deadlock;
//! 3. the first ready task runs: dropped if an abort is pending for it,
//!    else polled until it blocks or ends;
//! 4. every task woken during that step joins the back of the ready queue,
//!    in the order of the wake-ups, unless it is queued already; a
//!    callback queued during it (a zero timeout's, asyncio's
//!    `_on_timeout`) joins it at its place among those wake-ups.
//!
//! A poll re-checks the awaited operation exactly as its future does (a
//! spurious wake-up polls it again, and it stays blocked). The rules on
//! cancellation that simloop's executor is changing live in [`Rules`].

use std::collections::VecDeque;

use super::{Blocking, Ending, Event, Op, Program, Run, What, ms};

/// The cancellation rules, in one place: what the executor does when a
/// task is aborted or a timeout expires.
///
/// Every other rule of the semantics (FIFO wake order, timers in arming
/// order, asyncio's queue and semaphore algorithms) is the same before and
/// after the executor's rework of cancellation; these are the ones that
/// change with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Aborting a task that awaits a `JoinHandle` aborts the awaited task
    /// too, before the task itself (asyncio cancels the awaited task).
    /// Otherwise dropping the awaiting future only detaches the child.
    pub join_propagates_cancel: bool,
    /// A zero (or past) timeout polls its inner future once, so an
    /// operation that can complete at once does (else: the timeout fails at
    /// once without starting it).
    pub zero_timeout_polls_inner: bool,
    /// When an aborted task's future is dropped, the operation it awaits is
    /// dropped before the permits it holds are given back (else after).
    pub awaited_dropped_first: bool,
}

/// The rules of the executor as it is.
pub const RULES: Rules = Rules {
    join_propagates_cancel: true,
    zero_timeout_polls_inner: true,
    awaited_dropped_first: true,
};

/// Runs `program` in the model under FIFO order.
pub fn run(program: &Program, rules: Rules) -> Run {
    let mut world = World::new(program, rules);
    let ending = world.run();
    Run {
        events: world.events,
        ending,
    }
}

/// Where a waiter stands in a waitlist (asyncio: its future's state).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Waiting,
    /// Woken (for a semaphore: handed a permit).
    Notified,
    /// Passed over by a notification because it was cancelled.
    Passed,
}

#[derive(Debug, Clone, Copy)]
struct Waiter {
    id: u64,
    task: usize,
    /// Whether it waits inside a timeout (whose expiry cancels it).
    in_timeout: bool,
    mark: Mark,
}

/// A waitlist, first come first served.
#[derive(Debug, Default)]
struct Waitlist {
    entries: VecDeque<Waiter>,
}

#[derive(Debug, Clone, Copy)]
enum TimerFor {
    /// A sleep of this task.
    Sleep(usize),
    /// The deadline of this task's timeout.
    Timeout(usize),
}

#[derive(Debug, Clone, Copy)]
struct Timer {
    deadline: u64,
    seq: u64,
    what: TimerFor,
    armed: bool,
}

#[derive(Debug, Clone, Copy)]
struct SleepState {
    deadline: u64,
    timer: Option<usize>,
    yielded: bool,
}

/// An operation in progress (a future being awaited).
#[derive(Debug, Clone, Copy)]
enum Await {
    Sleep(SleepState),
    Yield {
        yielded: bool,
    },
    Join(usize),
    Get {
        q: usize,
        waiter: Option<u64>,
    },
    Acquire {
        s: usize,
        waiter: Option<u64>,
    },
    Timeout {
        deadline: u64,
        inner: Inner,
        polled: bool,
        timer: Option<usize>,
        /// The deadline timer fired (the timeout's waits count as
        /// cancelled).
        expired: bool,
        /// A deadline already passed at the first poll: the callback,
        /// queued then, that expires the timeout.
        soon: Option<u64>,
    },
}

/// A ready item: a task's step, or a zero timeout's callback.
#[derive(Debug, Clone, Copy)]
enum Item {
    Task(usize),
    Expire(usize, u64),
}

#[derive(Debug, Clone, Copy)]
enum Inner {
    Sleep(SleepState),
    Get { q: usize, waiter: Option<u64> },
    Acquire { s: usize, waiter: Option<u64> },
}

#[derive(Debug, Default)]
struct Task {
    spawned: bool,
    /// Spawned and neither finished nor dropped.
    live: bool,
    started: bool,
    queued: bool,
    abort_pending: bool,
    pc: usize,
    awaiting: Option<Await>,
    permits: Vec<usize>,
    /// What its `JoinHandle` gives: `Some(n)` its output, `None` cancelled.
    result: Option<Option<usize>>,
    /// The task whose waker its `JoinHandle` holds.
    joiner: Option<usize>,
}

struct World<'p> {
    program: &'p Program,
    rules: Rules,
    now: u64,
    fired_to: u64,
    tasks: Vec<Task>,
    /// Task numbers in spawn order (their ids).
    spawn_order: Vec<usize>,
    ready: VecDeque<Item>,
    woken: Vec<Item>,
    next_callback: u64,
    timers: Vec<Timer>,
    next_seq: u64,
    queues: Vec<(VecDeque<u64>, Waitlist)>,
    semaphores: Vec<(usize, Waitlist)>,
    next_waiter: u64,
    events: Vec<Event>,
}

enum Step<T> {
    Ready(T),
    Pending,
}

impl<'p> World<'p> {
    fn new(program: &'p Program, rules: Rules) -> World<'p> {
        World {
            program,
            rules,
            now: 0,
            fired_to: 0,
            tasks: (0..program.tasks.len()).map(|_| Task::default()).collect(),
            spawn_order: Vec::new(),
            ready: VecDeque::new(),
            woken: Vec::new(),
            next_callback: 0,
            timers: Vec::new(),
            next_seq: 0,
            queues: (0..program.queues)
                .map(|_| (VecDeque::new(), Waitlist::default()))
                .collect(),
            semaphores: program
                .permits
                .iter()
                .map(|&p| (p, Waitlist::default()))
                .collect(),
            next_waiter: 0,
            events: Vec::new(),
        }
    }

    fn log(&mut self, task: usize, what: What) {
        self.events.push(Event {
            time: self.now,
            task,
            what,
        });
    }

    fn run(&mut self) -> Ending {
        self.spawn(0);
        self.drain();
        loop {
            self.fire_due_timers();
            let Some(item) = self.ready.pop_front() else {
                if !self.fire_next_group(u64::MAX) {
                    let blocked = self
                        .spawn_order
                        .iter()
                        .copied()
                        .filter(|&t| self.tasks[t].live)
                        .collect();
                    return Ending::Deadlock(self.now, blocked);
                }
                continue;
            };
            let t = match item {
                Item::Task(t) => t,
                Item::Expire(t, id) => {
                    self.expire_zero_timeout(t, id);
                    self.drain();
                    continue;
                }
            };
            self.tasks[t].queued = false;
            if std::mem::take(&mut self.tasks[t].abort_pending) {
                self.drop_task(t);
            } else if self.poll(t) && t == 0 {
                return Ending::Finished(self.now);
            }
            self.drain();
        }
    }

    // ----- wake-ups and the ready queue -------------------------------------

    fn wake(&mut self, t: usize) {
        self.woken.push(Item::Task(t));
    }

    fn drain(&mut self) {
        for item in std::mem::take(&mut self.woken) {
            match item {
                Item::Task(t) => {
                    let task = &mut self.tasks[t];
                    if task.live && !task.queued {
                        task.queued = true;
                        self.ready.push_back(item);
                    }
                }
                Item::Expire(..) => self.ready.push_back(item),
            }
        }
    }

    /// The callback of a zero timeout (`id`) of task `t`: it expires the
    /// timeout, if the task still waits in it, and wakes the task.
    fn expire_zero_timeout(&mut self, t: usize, id: u64) {
        if let Some(Await::Timeout { soon, expired, .. }) = &mut self.tasks[t].awaiting
            && *soon == Some(id)
        {
            *expired = true;
            *soon = None;
            self.wake(t);
        }
    }

    // ----- timers -----------------------------------------------------------

    fn arm(&mut self, deadline: u64, what: TimerFor) -> usize {
        self.next_seq += 1;
        self.timers.push(Timer {
            deadline,
            seq: self.next_seq,
            what,
            armed: true,
        });
        self.timers.len() - 1
    }

    fn disarm(&mut self, timer: Option<usize>) {
        if let Some(i) = timer {
            self.timers[i].armed = false;
        }
    }

    /// Timers that `busy` let come due fire once the busy task yields,
    /// earliest deadline first.
    fn fire_due_timers(&mut self) {
        if self.now <= self.fired_to {
            return;
        }
        self.fired_to = self.now;
        while self.fire_next_group(self.now) {}
    }

    /// Fires every timer armed for the earliest deadline, if it is at most
    /// `limit`, in arming order, moving the clock there.
    fn fire_next_group(&mut self, limit: u64) -> bool {
        let Some(deadline) = self
            .timers
            .iter()
            .filter(|t| t.armed)
            .map(|t| t.deadline)
            .min()
            .filter(|&d| d <= limit)
        else {
            return false;
        };
        if deadline > self.now {
            self.now = deadline;
            self.fired_to = deadline;
        }
        let mut group: Vec<usize> = (0..self.timers.len())
            .filter(|&i| self.timers[i].armed && self.timers[i].deadline == deadline)
            .collect();
        group.sort_by_key(|&i| self.timers[i].seq);
        for i in group {
            self.timers[i].armed = false;
            match self.timers[i].what {
                TimerFor::Sleep(t) => self.wake(t),
                TimerFor::Timeout(t) => {
                    if let Some(Await::Timeout { expired, .. }) = &mut self.tasks[t].awaiting {
                        *expired = true;
                    }
                    self.wake(t);
                }
            }
        }
        self.drain();
        true
    }

    // ----- tasks ------------------------------------------------------------

    fn spawn(&mut self, t: usize) {
        let task = &mut self.tasks[t];
        task.spawned = true;
        task.live = true;
        self.spawn_order.push(t);
        self.wake(t);
    }

    /// `JoinHandle::abort`.
    fn request_abort(&mut self, t: usize) {
        if !self.tasks[t].live || self.tasks[t].abort_pending {
            return;
        }
        self.tasks[t].abort_pending = true;
        if self.rules.join_propagates_cancel
            && let Some(Await::Join(child)) = self.tasks[t].awaiting
        {
            self.request_abort(child);
        }
        self.wake(t);
    }

    /// An aborted task's turn: its future is dropped instead of polled.
    fn drop_task(&mut self, t: usize) {
        self.tasks[t].live = false;
        if self.rules.awaited_dropped_first {
            self.drop_awaiting(t);
            self.release_all(t);
        } else {
            self.release_all(t);
            self.drop_awaiting(t);
        }
        self.complete(t, None);
    }

    fn release_all(&mut self, t: usize) {
        for s in std::mem::take(&mut self.tasks[t].permits) {
            self.release(s);
        }
    }

    fn complete(&mut self, t: usize, result: Option<usize>) {
        self.tasks[t].result = Some(result);
        if let Some(joiner) = self.tasks[t].joiner.take() {
            self.wake(joiner);
        }
    }

    /// Polls `t` until it blocks or ends; returns whether it ended.
    fn poll(&mut self, t: usize) -> bool {
        if !self.tasks[t].started {
            self.tasks[t].started = true;
            self.log(t, What::Start);
        }
        loop {
            if self.tasks[t].awaiting.is_none() {
                let pc = self.tasks[t].pc;
                let Some(&op) = self.program.tasks[t].get(pc) else {
                    self.log(t, What::End);
                    self.tasks[t].live = false;
                    self.release_all(t);
                    self.complete(t, Some(t));
                    return true;
                };
                match self.start(t, op) {
                    Some(a) => self.tasks[t].awaiting = Some(a),
                    None => {
                        self.tasks[t].pc += 1;
                        continue;
                    }
                }
            }
            let mut a = self.tasks[t].awaiting.expect("awaiting");
            match self.poll_await(t, &mut a) {
                Step::Ready(events) => {
                    self.tasks[t].awaiting = None;
                    for what in events {
                        self.log(t, what);
                    }
                    self.tasks[t].pc += 1;
                }
                Step::Pending => {
                    self.tasks[t].awaiting = Some(a);
                    return false;
                }
            }
        }
    }

    /// Runs an operation that completes at once (returning `None`), or
    /// returns the future to await.
    fn start(&mut self, t: usize, op: Op) -> Option<Await> {
        let pc = self.tasks[t].pc;
        match op {
            Op::Busy(d) => {
                self.now += ms(d);
                self.log(t, What::Busied);
                None
            }
            Op::Spawn(c) => {
                self.spawn(c);
                self.log(t, What::Spawned(c));
                None
            }
            Op::Abort(c) => {
                self.request_abort(c);
                self.log(t, What::Aborted(c));
                None
            }
            Op::Put(q) => {
                let item = Program::item(t, pc);
                self.queues[q].0.push_back(item);
                self.notify_next(Resource::Queue(q));
                self.log(t, What::Put(q, item));
                None
            }
            Op::Release(s) => {
                let held = self.tasks[t].permits.iter().position(|&p| p == s);
                if let Some(i) = held {
                    self.tasks[t].permits.remove(i);
                    self.release(s);
                }
                self.log(t, What::Released(s, held.is_some()));
                None
            }
            Op::Sleep(d) => Some(Await::Sleep(self.sleep(d))),
            Op::Yield => Some(Await::Yield { yielded: false }),
            Op::Join(c) => Some(Await::Join(c)),
            Op::Get(q) => Some(Await::Get { q, waiter: None }),
            Op::Acquire(s) => Some(Await::Acquire { s, waiter: None }),
            Op::Timeout(d, b) => Some(Await::Timeout {
                // The inner future is made first (a sleep's deadline is
                // fixed when it is made), then the timeout's.
                inner: match b {
                    Blocking::Sleep(d2) => Inner::Sleep(self.sleep(d2)),
                    Blocking::Get(q) => Inner::Get { q, waiter: None },
                    Blocking::Acquire(s) => Inner::Acquire { s, waiter: None },
                },
                deadline: self.now + ms(d),
                polled: false,
                timer: None,
                expired: false,
                soon: None,
            }),
        }
    }

    fn sleep(&self, d: u64) -> SleepState {
        SleepState {
            deadline: self.now + ms(d),
            timer: None,
            yielded: false,
        }
    }

    fn poll_await(&mut self, t: usize, a: &mut Await) -> Step<Vec<What>> {
        match a {
            Await::Sleep(s) => match self.poll_sleep(t, s) {
                Step::Ready(()) => Step::Ready(vec![What::Slept]),
                Step::Pending => Step::Pending,
            },
            Await::Yield { yielded } => {
                if *yielded {
                    Step::Ready(vec![What::Yielded])
                } else {
                    *yielded = true;
                    self.wake(t);
                    Step::Pending
                }
            }
            Await::Join(c) => {
                let c = *c;
                match self.tasks[c].result {
                    Some(result) => Step::Ready(vec![What::Joined(c, result)]),
                    None => {
                        self.tasks[c].joiner = Some(t);
                        Step::Pending
                    }
                }
            }
            Await::Get { q, waiter } => match self.poll_get(t, *q, waiter, false) {
                Step::Ready(item) => Step::Ready(vec![What::Got(*q, item)]),
                Step::Pending => Step::Pending,
            },
            Await::Acquire { s, waiter } => match self.poll_acquire(t, *s, waiter, false) {
                Step::Ready(()) => Step::Ready(vec![What::Acquired(*s)]),
                Step::Pending => Step::Pending,
            },
            Await::Timeout {
                deadline,
                inner,
                polled,
                timer,
                expired: fired,
                soon,
            } => {
                let past = self.now >= *deadline;
                let first = !std::mem::replace(polled, true);
                if first && past && self.rules.zero_timeout_polls_inner {
                    // Queued before the inner future's first poll.
                    self.next_callback += 1;
                    *soon = Some(self.next_callback);
                    self.woken.push(Item::Expire(t, self.next_callback));
                }
                let expired = if soon.is_some() { *fired } else { past };
                if !expired {
                    let done = match inner {
                        Inner::Sleep(s) => match self.poll_sleep(t, s) {
                            Step::Ready(()) => Some(What::Slept),
                            Step::Pending => None,
                        },
                        Inner::Get { q, waiter } => match self.poll_get(t, *q, waiter, true) {
                            Step::Ready(item) => Some(What::Got(*q, item)),
                            Step::Pending => None,
                        },
                        Inner::Acquire { s, waiter } => {
                            match self.poll_acquire(t, *s, waiter, true) {
                                Step::Ready(()) => Some(What::Acquired(*s)),
                                Step::Pending => None,
                            }
                        }
                    };
                    if let Some(what) = done {
                        self.disarm(*timer);
                        *soon = None;
                        return Step::Ready(vec![what, What::InTime]);
                    }
                }
                if expired {
                    let inner = *inner;
                    self.drop_inner(inner);
                    self.disarm(*timer);
                    *soon = None;
                    return Step::Ready(vec![What::TimedOut]);
                }
                if soon.is_some() {
                    return Step::Pending;
                }
                if timer.is_none() {
                    *timer = Some(self.arm(*deadline, TimerFor::Timeout(t)));
                }
                Step::Pending
            }
        }
    }

    /// `Sleep::poll`.
    fn poll_sleep(&mut self, t: usize, s: &mut SleepState) -> Step<()> {
        if self.now >= s.deadline {
            if s.timer.is_none() && !s.yielded {
                s.yielded = true;
                self.wake(t);
                return Step::Pending;
            }
            self.disarm(s.timer.take());
            return Step::Ready(());
        }
        if s.timer.is_none() {
            s.timer = Some(self.arm(s.deadline, TimerFor::Sleep(t)));
        }
        Step::Pending
    }

    // ----- queues and semaphores -------------------------------------------

    fn waitlist(&mut self, r: Resource) -> &mut Waitlist {
        match r {
            Resource::Queue(q) => &mut self.queues[q].1,
            Resource::Semaphore(s) => &mut self.semaphores[s].1,
        }
    }

    /// Whether a waiter counts as cancelled: its task's abort is pending,
    /// or the timeout it waits in has expired.
    fn cancelled(&self, w: &Waiter) -> bool {
        let task = &self.tasks[w.task];
        task.abort_pending
            || (w.in_timeout && matches!(task.awaiting, Some(Await::Timeout { expired: true, .. })))
    }

    fn push_waiter(&mut self, r: Resource, t: usize, in_timeout: bool) -> u64 {
        self.next_waiter += 1;
        let id = self.next_waiter;
        self.waitlist(r).entries.push_back(Waiter {
            id,
            task: t,
            in_timeout,
            mark: Mark::Waiting,
        });
        id
    }

    /// Removes a waiter; returns its mark (`None` if it was not listed).
    fn remove_waiter(&mut self, r: Resource, id: u64) -> Option<Mark> {
        let list = self.waitlist(r);
        let i = list.entries.iter().position(|w| w.id == id)?;
        list.entries.remove(i).map(|w| w.mark)
    }

    /// asyncio's `_wakeup_next`: wakes the first waiter not woken yet,
    /// passing over cancelled ones.
    fn notify_next(&mut self, r: Resource) -> bool {
        loop {
            let list = self.waitlist(r);
            let Some(i) = list.entries.iter().position(|w| w.mark == Mark::Waiting) else {
                return false;
            };
            let w = list.entries[i];
            let cancelled = self.cancelled(&w);
            let list = self.waitlist(r);
            if cancelled {
                list.entries[i].mark = Mark::Passed;
                continue;
            }
            list.entries[i].mark = Mark::Notified;
            self.wake(w.task);
            return true;
        }
    }

    /// A poll of a waiter already in the list: `true` if it was woken (and
    /// leaves the list). One passed over waits again, at the back.
    fn take_notified(&mut self, r: Resource, t: usize, id: &mut u64, in_timeout: bool) -> bool {
        let list = self.waitlist(r);
        let Some(i) = list.entries.iter().position(|w| w.id == *id) else {
            return true;
        };
        match list.entries[i].mark {
            Mark::Notified => {
                list.entries.remove(i);
                true
            }
            Mark::Passed => {
                list.entries.remove(i);
                *id = self.push_waiter(r, t, in_timeout);
                false
            }
            Mark::Waiting => false,
        }
    }

    /// `Queue::get`: asyncio's `while empty: wait; get_nowait()`.
    fn poll_get(
        &mut self,
        t: usize,
        q: usize,
        waiter: &mut Option<u64>,
        in_timeout: bool,
    ) -> Step<u64> {
        let r = Resource::Queue(q);
        if let Some(id) = waiter {
            if !self.take_notified(r, t, id, in_timeout) {
                return Step::Pending;
            }
            *waiter = None;
        }
        match self.queues[q].0.pop_front() {
            Some(item) => Step::Ready(item),
            None => {
                *waiter = Some(self.push_waiter(r, t, in_timeout));
                Step::Pending
            }
        }
    }

    fn semaphore_locked(&self, s: usize) -> bool {
        let (value, list) = &self.semaphores[s];
        *value == 0
            || list.entries.iter().any(|w| {
                w.mark == Mark::Notified || (w.mark == Mark::Waiting && !self.cancelled(w))
            })
    }

    /// Hands a free permit to the first waiter not woken yet.
    fn wake_next(&mut self, s: usize) -> bool {
        if self.semaphores[s].0 > 0 && self.notify_next(Resource::Semaphore(s)) {
            self.semaphores[s].0 -= 1;
            true
        } else {
            false
        }
    }

    fn release(&mut self, s: usize) {
        self.semaphores[s].0 += 1;
        self.wake_next(s);
    }

    /// `Semaphore::acquire`: asyncio 3.12's fair algorithm, the permit
    /// handed to the waiter when it is woken.
    fn poll_acquire(
        &mut self,
        t: usize,
        s: usize,
        waiter: &mut Option<u64>,
        in_timeout: bool,
    ) -> Step<()> {
        let r = Resource::Semaphore(s);
        if let Some(id) = waiter {
            if !self.take_notified(r, t, id, in_timeout) {
                return Step::Pending;
            }
            *waiter = None;
            while self.wake_next(s) {}
            self.tasks[t].permits.push(s);
            return Step::Ready(());
        }
        if !self.semaphore_locked(s) {
            self.semaphores[s].0 -= 1;
            self.tasks[t].permits.push(s);
            return Step::Ready(());
        }
        *waiter = Some(self.push_waiter(r, t, in_timeout));
        Step::Pending
    }

    // ----- dropping what a task awaits --------------------------------------

    fn drop_awaiting(&mut self, t: usize) {
        let Some(a) = self.tasks[t].awaiting.take() else {
            return;
        };
        match a {
            Await::Sleep(s) => self.disarm(s.timer),
            Await::Yield { .. } | Await::Join(_) => {}
            Await::Get { q, waiter } => self.drop_inner(Inner::Get { q, waiter }),
            Await::Acquire { s, waiter } => self.drop_inner(Inner::Acquire { s, waiter }),
            Await::Timeout { inner, timer, .. } => {
                self.drop_inner(inner);
                self.disarm(timer);
            }
        }
    }

    fn drop_inner(&mut self, inner: Inner) {
        match inner {
            Inner::Sleep(s) => self.disarm(s.timer),
            Inner::Get {
                q,
                waiter: Some(id),
            } => {
                // Woken for an item it will not take: the next getter is.
                let r = Resource::Queue(q);
                if self.remove_waiter(r, id) == Some(Mark::Notified) && !self.queues[q].0.is_empty()
                {
                    self.notify_next(r);
                }
            }
            Inner::Acquire {
                s,
                waiter: Some(id),
            } => {
                if self.remove_waiter(Resource::Semaphore(s), id) == Some(Mark::Notified) {
                    // Handed a permit it will not use: give it back.
                    self.semaphores[s].0 += 1;
                }
                while self.wake_next(s) {}
            }
            Inner::Get { waiter: None, .. } | Inner::Acquire { waiter: None, .. } => {}
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Resource {
    Queue(usize),
    Semaphore(usize),
}
