//! The programs of the differential harness, as data: bodies (coroutines)
//! made of statements, over a fixed set of primitives. The same program runs
//! on simloop ([`super::simloop_run`]) and, as JSON, on CPython
//! (`tests/differential/interp.py`); `docs/asyncio-differential.md`
//! describes the JSON format and the log both print.

use std::rc::Rc;

use serde_json::{Value, json};

/// A whole program: the primitives it uses and its main body.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// The generator seed the program came from.
    pub seed: u64,
    /// Number of `Lock`s.
    pub locks: usize,
    /// Initial permits of each `Semaphore`.
    pub sems: Vec<usize>,
    /// Number of `Event`s.
    pub events: usize,
    /// Number of `Condition`s.
    pub conds: usize,
    /// Capacity of each `Queue` (0 for unbounded).
    pub queues: Vec<usize>,
    /// The root task's body.
    pub main: Rc<Body>,
}

/// A coroutine: it logs `start`, runs its statements, then logs and returns
/// its id (`ret <id>`), or logs `raise` and fails with `b<id>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// Unique in the program; every log line names the body that wrote it.
    pub id: usize,
    /// What the body does.
    pub stmts: Vec<Stmt>,
    /// Whether the body fails (raises) at its end.
    pub fail: bool,
}

/// `return_when` of `asyncio.wait`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// `FIRST_COMPLETED`.
    FirstCompleted,
    /// `FIRST_EXCEPTION`.
    FirstException,
    /// `ALL_COMPLETED`.
    AllCompleted,
}

impl When {
    fn name(self) -> &'static str {
        match self {
            When::FirstCompleted => "first_completed",
            When::FirstException => "first_exception",
            When::AllCompleted => "all_completed",
        }
    }
}

/// One statement of a body. Times are whole virtual milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    /// `await asyncio.sleep(ms)` (0: a bare yield).
    Sleep(u64),
    /// `v = create_task(body)`.
    Spawn(usize, Rc<Body>),
    /// `await v`, logging its outcome.
    Await(usize),
    /// `v.cancel()`.
    Cancel(usize),
    /// `async with asyncio.timeout(ms): stmts`.
    Timeout(u64, Vec<Stmt>),
    /// `await asyncio.wait_for(body(), ms)`.
    WaitFor(u64, Rc<Body>),
    /// `await asyncio.gather(*bodies, return_exceptions=rex)`.
    Gather(Vec<Rc<Body>>, bool),
    /// `await asyncio.wait(tasks, timeout=ms, return_when=when)`.
    Wait(Vec<Rc<Body>>, When, Option<u64>),
    /// `for f in asyncio.as_completed(tasks): await f`.
    AsCompleted(Vec<Rc<Body>>),
    /// `await asyncio.shield(body())`.
    Shield(Rc<Body>),
    /// `async with asyncio.TaskGroup() as tg: tg.create_task(...)` per body.
    TaskGroup(Vec<Rc<Body>>),
    /// `await q.put(v)`.
    Put(usize, i64),
    /// `await q.get()`.
    Get(usize),
    /// `q.put_nowait(v)`.
    PutNowait(usize, i64),
    /// `q.get_nowait()`.
    GetNowait(usize),
    /// `q.task_done()`.
    TaskDone(usize),
    /// `await q.join()`.
    Join(usize),
    /// `async with lock: stmts`.
    Lock(usize, Vec<Stmt>),
    /// `async with sem: stmts`.
    Sem(usize, Vec<Stmt>),
    /// `event.set()`.
    Set(usize),
    /// `event.clear()`.
    Clear(usize),
    /// `await event.wait()`.
    EventWait(usize),
    /// `async with cond: await cond.wait()`.
    CondWait(usize),
    /// `async with cond: cond.notify(n)` (0: `notify_all()`).
    Notify(usize, usize),
    /// Logs the waiter count of every primitive.
    Counts,
}

impl Program {
    /// The program as one line of JSON, the form `interp.py` reads.
    pub fn to_json(&self) -> String {
        json!({
            "seed": self.seed,
            "locks": self.locks,
            "sems": self.sems,
            "events": self.events,
            "conds": self.conds,
            "queues": self.queues,
            "main": self.main.to_json(),
        })
        .to_string()
    }

    /// Number of bodies in the program.
    pub fn bodies(&self) -> usize {
        self.main.count()
    }
}

impl Body {
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "stmts": stmts_json(&self.stmts),
            "fail": self.fail,
        })
    }

    fn count(&self) -> usize {
        1 + self.stmts.iter().map(Stmt::bodies).sum::<usize>()
    }
}

fn stmts_json(stmts: &[Stmt]) -> Vec<Value> {
    stmts.iter().map(Stmt::to_json).collect()
}

fn bodies_json(bodies: &[Rc<Body>]) -> Vec<Value> {
    bodies.iter().map(|b| b.to_json()).collect()
}

impl Stmt {
    /// The statement's operation, as the JSON names it (also the name of
    /// its feature in [`super::Feature`]).
    pub fn op(&self) -> &'static str {
        match self {
            Stmt::Sleep(_) => "sleep",
            Stmt::Spawn(..) => "spawn",
            Stmt::Await(_) => "await",
            Stmt::Cancel(_) => "cancel",
            Stmt::Timeout(..) => "timeout",
            Stmt::WaitFor(..) => "wait_for",
            Stmt::Gather(..) => "gather",
            Stmt::Wait(..) => "wait",
            Stmt::AsCompleted(_) => "as_completed",
            Stmt::Shield(_) => "shield",
            Stmt::TaskGroup(_) => "taskgroup",
            Stmt::Put(..) => "put",
            Stmt::Get(_) => "get",
            Stmt::PutNowait(..) => "put_nowait",
            Stmt::GetNowait(_) => "get_nowait",
            Stmt::TaskDone(_) => "task_done",
            Stmt::Join(_) => "join",
            Stmt::Lock(..) => "lock",
            Stmt::Sem(..) => "sem",
            Stmt::Set(_) => "set",
            Stmt::Clear(_) => "clear",
            Stmt::EventWait(_) => "ev_wait",
            Stmt::CondWait(_) => "cond_wait",
            Stmt::Notify(..) => "notify",
            Stmt::Counts => "counts",
        }
    }

    fn to_json(&self) -> Value {
        let op = self.op();
        match self {
            Stmt::Sleep(ms) => json!({"op": op, "ms": ms}),
            Stmt::Spawn(var, body) => json!({"op": op, "var": var, "body": body.to_json()}),
            Stmt::Await(var) | Stmt::Cancel(var) => json!({"op": op, "var": var}),
            Stmt::Timeout(ms, stmts) => json!({"op": op, "ms": ms, "stmts": stmts_json(stmts)}),
            Stmt::WaitFor(ms, body) => json!({"op": op, "ms": ms, "body": body.to_json()}),
            Stmt::Gather(bodies, rex) => {
                json!({"op": op, "bodies": bodies_json(bodies), "rex": rex})
            }
            Stmt::Wait(bodies, when, ms) => {
                json!({"op": op, "bodies": bodies_json(bodies), "when": when.name(), "ms": ms})
            }
            Stmt::AsCompleted(bodies) | Stmt::TaskGroup(bodies) => {
                json!({"op": op, "bodies": bodies_json(bodies)})
            }
            Stmt::Shield(body) => json!({"op": op, "body": body.to_json()}),
            Stmt::Put(q, v) | Stmt::PutNowait(q, v) => json!({"op": op, "q": q, "v": v}),
            Stmt::Get(q) | Stmt::GetNowait(q) | Stmt::TaskDone(q) | Stmt::Join(q) => {
                json!({"op": op, "q": q})
            }
            Stmt::Lock(l, stmts) => json!({"op": op, "l": l, "stmts": stmts_json(stmts)}),
            Stmt::Sem(s, stmts) => json!({"op": op, "s": s, "stmts": stmts_json(stmts)}),
            Stmt::Set(e) | Stmt::Clear(e) | Stmt::EventWait(e) => json!({"op": op, "e": e}),
            Stmt::CondWait(c) => json!({"op": op, "c": c}),
            Stmt::Notify(c, n) => json!({"op": op, "c": c, "n": n}),
            Stmt::Counts => json!({"op": op}),
        }
    }

    fn bodies(&self) -> usize {
        match self {
            Stmt::Spawn(_, b) | Stmt::WaitFor(_, b) | Stmt::Shield(b) => b.count(),
            Stmt::Gather(bs, _)
            | Stmt::Wait(bs, ..)
            | Stmt::AsCompleted(bs)
            | Stmt::TaskGroup(bs) => bs.iter().map(|b| b.count()).sum(),
            Stmt::Timeout(_, ss) | Stmt::Lock(_, ss) | Stmt::Sem(_, ss) => {
                ss.iter().map(Stmt::bodies).sum()
            }
            _ => 0,
        }
    }

    /// Calls `f` on this statement and every statement nested in it.
    pub fn visit(&self, f: &mut impl FnMut(&Stmt)) {
        f(self);
        match self {
            Stmt::Spawn(_, b) | Stmt::WaitFor(_, b) | Stmt::Shield(b) => b.visit(f),
            Stmt::Gather(bs, _)
            | Stmt::Wait(bs, ..)
            | Stmt::AsCompleted(bs)
            | Stmt::TaskGroup(bs) => bs.iter().for_each(|b| b.visit(f)),
            Stmt::Timeout(_, ss) | Stmt::Lock(_, ss) | Stmt::Sem(_, ss) => {
                ss.iter().for_each(|s| s.visit(f))
            }
            _ => {}
        }
    }
}

impl Body {
    /// Calls `f` on every statement of the body, nested ones included.
    pub fn visit(&self, f: &mut impl FnMut(&Stmt)) {
        self.stmts.iter().for_each(|s| s.visit(f));
    }
}
