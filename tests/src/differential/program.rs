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
    /// Capacity of each queue (0 for unbounded).
    pub queues: Vec<usize>,
    /// The kind of each queue (FIFO where the list is short).
    pub queue_kinds: Vec<QueueKind>,
    /// The parties of each `Barrier`.
    pub barriers: Vec<usize>,
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

/// Which asyncio queue class a queue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueKind {
    /// `asyncio.Queue`.
    Fifo,
    /// `asyncio.LifoQueue`.
    Lifo,
    /// `asyncio.PriorityQueue`.
    Priority,
}

impl QueueKind {
    /// The kind's name in the JSON form.
    pub fn name(self) -> &'static str {
        match self {
            QueueKind::Fifo => "fifo",
            QueueKind::Lifo => "lifo",
            QueueKind::Priority => "priority",
        }
    }

    fn parse(name: &str) -> Option<QueueKind> {
        [QueueKind::Fifo, QueueKind::Lifo, QueueKind::Priority]
            .into_iter()
            .find(|k| k.name() == name)
    }
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
    /// `await asyncio.wait_for(v, ms)` on a spawned task, logging its outcome.
    WaitForTask(usize, u64),
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
    /// `q.shutdown(immediate)`.
    Shutdown(usize, bool),
    /// `async with lock: stmts`.
    Lock(usize, Vec<Stmt>),
    /// `async with sem: stmts`.
    Sem(usize, Vec<Stmt>),
    /// `sem.release()`, bare.
    Release(usize),
    /// `await barrier.wait()`.
    BarrierWait(usize),
    /// `event.set()`.
    Set(usize),
    /// `event.clear()`.
    Clear(usize),
    /// `await event.wait()`.
    EventWait(usize),
    /// `async with cond: await cond.wait()`.
    CondWait(usize),
    /// `async with cond: await asyncio.wait_for(cond.wait(), ms)`, logging
    /// whether it timed out and that the lock is held again.
    CondWaitFor(usize, u64),
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
            "queue_kinds": self.queue_kinds.iter().map(|k| k.name()).collect::<Vec<_>>(),
            "barriers": self.barriers,
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
            Stmt::WaitForTask(..) => "wait_for_task",
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
            Stmt::Shutdown(..) => "shutdown",
            Stmt::Release(_) => "release",
            Stmt::BarrierWait(_) => "barrier_wait",
            Stmt::Lock(..) => "lock",
            Stmt::Sem(..) => "sem",
            Stmt::Set(_) => "set",
            Stmt::Clear(_) => "clear",
            Stmt::EventWait(_) => "ev_wait",
            Stmt::CondWait(_) => "cond_wait",
            Stmt::CondWaitFor(..) => "cond_wait_for",
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
            Stmt::WaitForTask(var, ms) => json!({"op": op, "var": var, "ms": ms}),
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
            Stmt::Shutdown(q, immediate) => json!({"op": op, "q": q, "immediate": immediate}),
            Stmt::Release(s) => json!({"op": op, "s": s}),
            Stmt::BarrierWait(b) => json!({"op": op, "b": b}),
            Stmt::Lock(l, stmts) => json!({"op": op, "l": l, "stmts": stmts_json(stmts)}),
            Stmt::Sem(s, stmts) => json!({"op": op, "s": s, "stmts": stmts_json(stmts)}),
            Stmt::Set(e) | Stmt::Clear(e) | Stmt::EventWait(e) => json!({"op": op, "e": e}),
            Stmt::CondWait(c) => json!({"op": op, "c": c}),
            Stmt::CondWaitFor(c, ms) => json!({"op": op, "c": c, "ms": ms}),
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

/// A malformed program in JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not a differential program: {}", self.0)
    }
}

impl std::error::Error for ParseError {}

fn field<'a>(v: &'a Value, name: &str) -> Result<&'a Value, ParseError> {
    v.get(name)
        .ok_or_else(|| ParseError(format!("missing {name:?} in {v}")))
}

fn uint(v: &Value, name: &str) -> Result<usize, ParseError> {
    field(v, name)?
        .as_u64()
        .map(|n| n as usize)
        .ok_or_else(|| ParseError(format!("{name:?} is not a count in {v}")))
}

fn uints(v: &Value, name: &str) -> Result<Vec<usize>, ParseError> {
    match v.get(name) {
        None => Ok(Vec::new()),
        Some(Value::Array(xs)) => xs
            .iter()
            .map(|x| {
                x.as_u64()
                    .map(|n| n as usize)
                    .ok_or_else(|| ParseError(format!("{name:?} holds {x}")))
            })
            .collect(),
        Some(x) => Err(ParseError(format!("{name:?} is {x}, not a list"))),
    }
}

impl Program {
    /// Reads a program in the JSON form [`to_json`](Program::to_json)
    /// writes (and `interp.py` reads).
    pub fn from_json(text: &str) -> Result<Program, ParseError> {
        let v: Value = serde_json::from_str(text).map_err(|e| ParseError(e.to_string()))?;
        Ok(Program {
            seed: v.get("seed").and_then(Value::as_u64).unwrap_or(0),
            locks: v.get("locks").map_or(Ok(0), |_| uint(&v, "locks"))?,
            sems: uints(&v, "sems")?,
            events: v.get("events").map_or(Ok(0), |_| uint(&v, "events"))?,
            conds: v.get("conds").map_or(Ok(0), |_| uint(&v, "conds"))?,
            queues: uints(&v, "queues")?,
            queue_kinds: match v.get("queue_kinds") {
                None => Vec::new(),
                Some(Value::Array(xs)) => xs
                    .iter()
                    .map(|x| {
                        x.as_str()
                            .and_then(QueueKind::parse)
                            .ok_or_else(|| ParseError(format!("unknown queue kind {x}")))
                    })
                    .collect::<Result<_, _>>()?,
                Some(x) => return Err(ParseError(format!("\"queue_kinds\" is {x}"))),
            },
            barriers: uints(&v, "barriers")?,
            main: Body::from_json(field(&v, "main")?)?,
        })
    }
}

impl Body {
    fn from_json(v: &Value) -> Result<Rc<Body>, ParseError> {
        Ok(Rc::new(Body {
            id: uint(v, "id")?,
            stmts: stmts_from_json(v)?,
            fail: v.get("fail").and_then(Value::as_bool).unwrap_or(false),
        }))
    }
}

fn stmts_from_json(v: &Value) -> Result<Vec<Stmt>, ParseError> {
    match field(v, "stmts")? {
        Value::Array(xs) => xs.iter().map(Stmt::from_json).collect(),
        x => Err(ParseError(format!("\"stmts\" is {x}, not a list"))),
    }
}

fn bodies_from_json(v: &Value) -> Result<Vec<Rc<Body>>, ParseError> {
    match field(v, "bodies")? {
        Value::Array(xs) => xs.iter().map(Body::from_json).collect(),
        x => Err(ParseError(format!("\"bodies\" is {x}, not a list"))),
    }
}

impl Stmt {
    fn from_json(v: &Value) -> Result<Stmt, ParseError> {
        let op = field(v, "op")?
            .as_str()
            .ok_or_else(|| ParseError(format!("\"op\" is not a string in {v}")))?;
        let ms = |name| uint(v, name).map(|n| n as u64);
        let body = || Body::from_json(field(v, "body")?);
        let value = || {
            field(v, "v")?
                .as_i64()
                .ok_or_else(|| ParseError(format!("\"v\" is not an integer in {v}")))
        };
        Ok(match op {
            "sleep" => Stmt::Sleep(ms("ms")?),
            "spawn" => Stmt::Spawn(uint(v, "var")?, body()?),
            "await" => Stmt::Await(uint(v, "var")?),
            "cancel" => Stmt::Cancel(uint(v, "var")?),
            "timeout" => Stmt::Timeout(ms("ms")?, stmts_from_json(v)?),
            "wait_for" => Stmt::WaitFor(ms("ms")?, body()?),
            "wait_for_task" => Stmt::WaitForTask(uint(v, "var")?, ms("ms")?),
            "gather" => Stmt::Gather(
                bodies_from_json(v)?,
                v.get("rex").and_then(Value::as_bool).unwrap_or(false),
            ),
            "wait" => {
                let when = match v.get("when").and_then(Value::as_str) {
                    Some("first_completed") => When::FirstCompleted,
                    Some("first_exception") => When::FirstException,
                    Some("all_completed") | None => When::AllCompleted,
                    Some(w) => return Err(ParseError(format!("unknown \"when\" {w:?}"))),
                };
                let timeout = match v.get("ms") {
                    None | Some(Value::Null) => None,
                    Some(_) => Some(ms("ms")?),
                };
                Stmt::Wait(bodies_from_json(v)?, when, timeout)
            }
            "as_completed" => Stmt::AsCompleted(bodies_from_json(v)?),
            "shield" => Stmt::Shield(body()?),
            "taskgroup" => Stmt::TaskGroup(bodies_from_json(v)?),
            "put" => Stmt::Put(uint(v, "q")?, value()?),
            "get" => Stmt::Get(uint(v, "q")?),
            "put_nowait" => Stmt::PutNowait(uint(v, "q")?, value()?),
            "get_nowait" => Stmt::GetNowait(uint(v, "q")?),
            "task_done" => Stmt::TaskDone(uint(v, "q")?),
            "join" => Stmt::Join(uint(v, "q")?),
            "shutdown" => Stmt::Shutdown(
                uint(v, "q")?,
                v.get("immediate").and_then(Value::as_bool).unwrap_or(false),
            ),
            "release" => Stmt::Release(uint(v, "s")?),
            "barrier_wait" => Stmt::BarrierWait(uint(v, "b")?),
            "lock" => Stmt::Lock(uint(v, "l")?, stmts_from_json(v)?),
            "sem" => Stmt::Sem(uint(v, "s")?, stmts_from_json(v)?),
            "set" => Stmt::Set(uint(v, "e")?),
            "clear" => Stmt::Clear(uint(v, "e")?),
            "ev_wait" => Stmt::EventWait(uint(v, "e")?),
            "cond_wait" => Stmt::CondWait(uint(v, "c")?),
            "cond_wait_for" => Stmt::CondWaitFor(uint(v, "c")?, ms("ms")?),
            "notify" => Stmt::Notify(uint(v, "c")?, uint(v, "n")?),
            "counts" => Stmt::Counts,
            other => return Err(ParseError(format!("unknown op {other:?}"))),
        })
    }
}
