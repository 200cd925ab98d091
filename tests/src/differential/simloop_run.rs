//! Runs a [`Program`] on simloop under [`Strategy::Fifo`] and returns its
//! event log, line for line in the format `interp.py` prints.

use std::cell::RefCell;
use std::fmt::Debug;
use std::rc::Rc;
use std::time::Duration;

use futures::future::LocalBoxFuture;
use simloop::combinators::{
    ReturnWhen, TaskError, TaskGroup, as_completed, join_all, shield, try_gather, try_wait,
};
use simloop::sync::queue::{PutError, ShutDown, TaskDoneError, TryGetError, TryPutError};
use simloop::sync::{Barrier, Condition, Event, LifoQueue, Lock, PriorityQueue, Queue, Semaphore};
use simloop::{JoinError, JoinHandle, Sim, SimError, Strategy, task, time};

use super::program::{Body, Program, QueueKind, Stmt, When};

/// One of the three queue classes, with the operations the programs use.
enum AnyQueue {
    Fifo(Queue<i64>),
    Lifo(LifoQueue<i64>),
    Priority(PriorityQueue<i64>),
}

macro_rules! each {
    ($q:expr, $x:ident => $e:expr) => {
        match $q {
            AnyQueue::Fifo($x) => $e,
            AnyQueue::Lifo($x) => $e,
            AnyQueue::Priority($x) => $e,
        }
    };
}

impl AnyQueue {
    fn new(kind: QueueKind, maxsize: usize) -> AnyQueue {
        match (kind, maxsize) {
            (QueueKind::Fifo, 0) => AnyQueue::Fifo(Queue::new()),
            (QueueKind::Fifo, n) => AnyQueue::Fifo(Queue::with_capacity(n)),
            (QueueKind::Lifo, 0) => AnyQueue::Lifo(LifoQueue::new()),
            (QueueKind::Lifo, n) => AnyQueue::Lifo(LifoQueue::with_capacity(n)),
            (QueueKind::Priority, 0) => AnyQueue::Priority(PriorityQueue::new()),
            (QueueKind::Priority, n) => AnyQueue::Priority(PriorityQueue::with_capacity(n)),
        }
    }

    async fn put(&self, v: i64) -> Result<(), PutError<i64>> {
        each!(self, q => q.put(v).await)
    }

    async fn get(&self) -> Result<i64, ShutDown> {
        each!(self, q => q.get().await)
    }

    fn try_put(&self, v: i64) -> Result<(), TryPutError<i64>> {
        each!(self, q => q.try_put(v))
    }

    fn try_get(&self) -> Result<i64, TryGetError> {
        each!(self, q => q.try_get())
    }

    fn task_done(&self) -> Result<(), TaskDoneError> {
        each!(self, q => q.task_done())
    }

    async fn join(&self) {
        each!(self, q => q.join().await)
    }

    fn shutdown(&self, immediate: bool) {
        each!(self, q => q.shutdown(immediate))
    }

    fn counts(&self) -> String {
        each!(self, q => format!("{}/{}/{}", q.getters(), q.putters(), q.joiners()))
    }
}

/// What a body returns: its id, or the error `b<id>`.
type Out = Result<i64, String>;

struct Env {
    log: RefCell<Vec<String>>,
    locks: Vec<Lock>,
    sems: Vec<Semaphore>,
    events: Vec<Event>,
    conds: Vec<Condition<()>>,
    queues: Vec<AnyQueue>,
    barriers: Vec<Barrier>,
}

impl Env {
    fn note(&self, body: &Body, event: impl AsRef<str>) {
        let ms = time::now().since_start().as_millis();
        self.log
            .borrow_mut()
            .push(format!("{ms} b{} {}", body.id, event.as_ref()));
    }

    fn counts(&self) -> String {
        let mut parts = Vec::new();
        parts.extend(
            self.locks
                .iter()
                .enumerate()
                .map(|(i, x)| format!("L{i}={}", x.waiters())),
        );
        parts.extend(
            self.sems
                .iter()
                .enumerate()
                .map(|(i, x)| format!("S{i}={}", x.waiters())),
        );
        parts.extend(
            self.events
                .iter()
                .enumerate()
                .map(|(i, x)| format!("E{i}={}", x.waiters())),
        );
        parts.extend(
            self.conds
                .iter()
                .enumerate()
                .map(|(i, x)| format!("C{i}={}", x.waiters())),
        );
        parts.extend(
            self.queues
                .iter()
                .enumerate()
                .map(|(i, q)| format!("Q{i}={}", q.counts())),
        );
        parts.extend(
            self.barriers
                .iter()
                .enumerate()
                .map(|(i, b)| format!("B{i}={}", b.n_waiting())),
        );
        parts.join(" ")
    }
}

/// Runs `program` on simloop (seed 0, [`Strategy::Fifo`]) and returns its
/// log. A deadlock ends the log with `deadlock`; any other simulation error
/// with `error: ...`.
pub fn run_on_simloop(program: &Program) -> Vec<String> {
    let env = Rc::new(Env {
        log: RefCell::default(),
        locks: (0..program.locks).map(|_| Lock::new()).collect(),
        sems: program.sems.iter().map(|&n| Semaphore::new(n)).collect(),
        events: (0..program.events).map(|_| Event::new()).collect(),
        conds: (0..program.conds).map(|_| Condition::new(())).collect(),
        queues: program
            .queues
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                AnyQueue::new(
                    program
                        .queue_kinds
                        .get(i)
                        .copied()
                        .unwrap_or(QueueKind::Fifo),
                    n,
                )
            })
            .collect(),
        barriers: program.barriers.iter().map(|&n| Barrier::new(n)).collect(),
    });
    let sim = Sim::builder().seed(0).strategy(Strategy::Fifo).build();
    let main = Rc::clone(&program.main);
    let root_env = Rc::clone(&env);
    let result = sim.run(async move { run_body(root_env, main).await });
    let mut log = std::mem::take(&mut *env.log.borrow_mut());
    match result {
        Ok(_) => {}
        Err(SimError::Deadlock { .. }) => log.push("deadlock".to_string()),
        Err(e) => log.push(format!("error: {e}")),
    }
    log
}

fn run_body(env: Rc<Env>, body: Rc<Body>) -> LocalBoxFuture<'static, Out> {
    Box::pin(async move {
        env.note(&body, "start");
        let handles = RefCell::new(Vec::new());
        block(&env, &body, &body.stmts, &handles).await;
        let id = body.id as i64;
        if body.fail {
            env.note(&body, "raise");
            Err(format!("b{id}"))
        } else {
            env.note(&body, format!("ret {id}"));
            Ok(id)
        }
    })
}

type Handles = RefCell<Vec<Option<JoinHandle<Out>>>>;

fn spawn(env: &Rc<Env>, body: &Rc<Body>) -> JoinHandle<Out> {
    task::spawn(run_body(Rc::clone(env), Rc::clone(body)))
}

fn bodies(env: &Rc<Env>, bodies: &[Rc<Body>]) -> Vec<LocalBoxFuture<'static, Out>> {
    bodies
        .iter()
        .map(|b| run_body(Rc::clone(env), Rc::clone(b)))
        .collect()
}

fn block<'a>(
    env: &'a Rc<Env>,
    body: &'a Body,
    stmts: &'a [Stmt],
    handles: &'a Handles,
) -> LocalBoxFuture<'a, ()> {
    Box::pin(async move {
        for s in stmts {
            stmt(env, body, s, handles).await;
        }
    })
}

fn describe(out: &Out) -> String {
    match out {
        Ok(v) => format!("ok {v}"),
        Err(e) => format!("err {e}"),
    }
}

fn joined(r: &Result<Out, JoinError>) -> String {
    match r {
        Ok(out) => describe(out),
        Err(e) if e.is_cancelled() => "cancelled".to_string(),
        Err(e) => format!("panic {e}"),
    }
}

fn task_error<E: Debug>(e: &TaskError<E>) -> String {
    match e {
        TaskError::Failed(e) => format!("err {}", format!("{e:?}").trim_matches('"')),
        TaskError::Join(j) if j.is_cancelled() => "cancelled".to_string(),
        TaskError::Join(j) => format!("panic {j}"),
    }
}

fn ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

async fn stmt(env: &Rc<Env>, body: &Body, s: &Stmt, handles: &Handles) {
    let note = |event: String| env.note(body, event);
    match s {
        Stmt::Sleep(0) => task::yield_now().await,
        Stmt::Sleep(d) => time::sleep(ms(*d)).await,
        Stmt::Spawn(var, child) => {
            let h = spawn(env, child);
            let mut hs = handles.borrow_mut();
            if hs.len() <= *var {
                hs.resize_with(var + 1, || None);
            }
            hs[*var] = Some(h);
        }
        Stmt::Await(var) => {
            let h = handles.borrow_mut()[*var].take().expect("awaited once");
            let r = h.await;
            note(format!("await v{var} {}", joined(&r)));
        }
        Stmt::Cancel(var) => {
            if let Some(h) = &handles.borrow()[*var] {
                h.abort();
            }
            note(format!("cancel v{var}"));
        }
        Stmt::Timeout(d, stmts) => {
            match time::timeout(ms(*d), block(env, body, stmts, handles)).await {
                Ok(()) => note("timeout ok".into()),
                Err(_) => note("timeout expired".into()),
            }
        }
        Stmt::WaitFor(d, child) => {
            let r = time::wait_for(ms(*d), run_body(Rc::clone(env), Rc::clone(child))).await;
            let r = match r {
                Ok(out) => describe(&out),
                Err(_) => "timeout".into(),
            };
            note(format!("wait_for {r}"));
        }
        Stmt::WaitForTask(var, d) => {
            let h = handles.borrow_mut()[*var].take().expect("awaited once");
            let r = match time::wait_for_handle(ms(*d), h).await {
                Ok(r) => joined(&r),
                Err(_) => "timeout".into(),
            };
            note(format!("wait_for_task v{var} {r}"));
        }
        Stmt::Gather(children, true) => {
            let rs = join_all(bodies(env, children)).await;
            let rs: Vec<String> = rs.iter().map(joined).collect();
            note(format!("gather [{}]", rs.join(", ")));
        }
        Stmt::Gather(children, false) => {
            let r = match try_gather(bodies(env, children)).await {
                Ok(vs) => format!("ok {vs:?}"),
                Err(e) => task_error(&e),
            };
            note(format!("gather {r}"));
        }
        Stmt::Wait(children, when, d) => {
            let hs: Vec<_> = children.iter().map(|c| spawn(env, c)).collect();
            let ids: Vec<_> = hs.iter().map(JoinHandle::id).collect();
            let when = match when {
                When::FirstCompleted => ReturnWhen::FirstCompleted,
                When::FirstException => ReturnWhen::FirstException,
                When::AllCompleted => ReturnWhen::AllCompleted,
            };
            let waited = try_wait(hs, when, d.map(ms)).await;
            let mut done: Vec<(usize, String)> = waited
                .done
                .iter()
                .map(|(id, r)| (ids.iter().position(|i| i == id).unwrap(), joined(r)))
                .collect();
            done.sort_by_key(|(i, _)| *i);
            let mut pending: Vec<usize> = waited
                .pending
                .iter()
                .map(|h| ids.iter().position(|i| *i == h.id()).unwrap())
                .collect();
            pending.sort_unstable();
            let done: Vec<String> = done.iter().map(|(i, r)| format!("{i}:{r}")).collect();
            let pending: Vec<String> = pending.iter().map(usize::to_string).collect();
            note(format!(
                "wait done=[{}] pending=[{}]",
                done.join(", "),
                pending.join(", ")
            ));
        }
        Stmt::AsCompleted(children) => {
            let mut s = as_completed(bodies(env, children));
            while let Some(r) = s.next().await {
                note(format!("as_completed {}", joined(&r)));
            }
        }
        Stmt::Shield(child) => {
            let r = shield(run_body(Rc::clone(env), Rc::clone(child))).await;
            note(format!("shield {}", joined(&r)));
        }
        Stmt::TaskGroup(children) => {
            let tg = TaskGroup::<i64, String>::new();
            for f in bodies(env, children) {
                tg.spawn(f);
            }
            match tg.await {
                Ok(vs) => {
                    let vs: Vec<String> = vs.iter().map(|v| format!("ok {v}")).collect();
                    note(format!("taskgroup [{}]", vs.join(", ")));
                }
                Err(e) => note(format!("taskgroup {}", task_error(&e))),
            }
        }
        Stmt::Put(q, v) => match env.queues[*q].put(*v).await {
            Ok(()) => note(format!("put q{q} {v}")),
            Err(_) => note(format!("put q{q} shutdown")),
        },
        Stmt::Get(q) => match env.queues[*q].get().await {
            Ok(v) => note(format!("get q{q} {v}")),
            Err(_) => note(format!("get q{q} shutdown")),
        },
        Stmt::PutNowait(q, v) => match env.queues[*q].try_put(*v) {
            Ok(()) => note(format!("put_nowait q{q} {v}")),
            Err(TryPutError::Full(_)) => note(format!("put_nowait q{q} full")),
            Err(TryPutError::ShutDown(_)) => note(format!("put_nowait q{q} shutdown")),
        },
        Stmt::GetNowait(q) => match env.queues[*q].try_get() {
            Ok(v) => note(format!("get_nowait q{q} {v}")),
            Err(TryGetError::Empty) => note(format!("get_nowait q{q} empty")),
            Err(TryGetError::ShutDown) => note(format!("get_nowait q{q} shutdown")),
        },
        Stmt::Shutdown(q, immediate) => {
            env.queues[*q].shutdown(*immediate);
            note(format!("shutdown q{q} {immediate}"));
        }
        Stmt::Release(s) => {
            env.sems[*s].release();
            note(format!("release s{s}"));
        }
        Stmt::BarrierWait(b) => match env.barriers[*b].wait().await {
            Ok(i) => note(format!("barrier b{b} {i}")),
            Err(_) => note(format!("barrier b{b} broken")),
        },
        Stmt::TaskDone(q) => match env.queues[*q].task_done() {
            Ok(()) => note(format!("task_done q{q}")),
            Err(_) => note(format!("task_done q{q} error")),
        },
        Stmt::Join(q) => {
            env.queues[*q].join().await;
            note(format!("join q{q}"));
        }
        Stmt::Lock(l, stmts) => {
            let guard = env.locks[*l].lock().await;
            note(format!("locked l{l}"));
            block(env, body, stmts, handles).await;
            drop(guard);
            note(format!("unlocked l{l}"));
        }
        Stmt::Sem(i, stmts) => {
            let permit = env.sems[*i].acquire().await;
            note(format!("acquired s{i}"));
            block(env, body, stmts, handles).await;
            drop(permit);
            note(format!("released s{i}"));
        }
        Stmt::Set(e) => {
            env.events[*e].set();
            note(format!("set e{e}"));
        }
        Stmt::Clear(e) => {
            env.events[*e].clear();
            note(format!("clear e{e}"));
        }
        Stmt::EventWait(e) => {
            env.events[*e].wait().await;
            note(format!("ev_wait e{e}"));
        }
        Stmt::CondWait(c) => {
            let cond = &env.conds[*c];
            let guard = cond.lock().await;
            let guard = cond.wait(guard).await;
            note(format!("cond_wait c{c}"));
            drop(guard);
        }
        Stmt::CondWaitFor(c, d) => {
            let cond = &env.conds[*c];
            let guard = cond.lock().await;
            let (guard, result) = cond.wait_timeout(guard, ms(*d)).await;
            let outcome = if result.timed_out() { "timeout" } else { "ok" };
            note(format!(
                "cond_wait_for c{c} {outcome} locked={}",
                cond.mutex().is_locked()
            ));
            drop(guard);
        }
        Stmt::Notify(c, n) => {
            let cond = &env.conds[*c];
            let guard = cond.lock().await;
            if *n == 0 {
                cond.notify_all(&guard);
            } else {
                cond.notify(&guard, *n);
            }
            drop(guard);
            note(format!("notify c{c} {n}"));
        }
        Stmt::Counts => note(format!("counts {}", env.counts())),
    }
}
