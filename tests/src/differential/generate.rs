//! A seeded generator of random [`Program`]s over a chosen set of
//! [`Feature`]s.

use std::fmt;
use std::rc::Rc;

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

use super::program::{Body, Program, QueueKind, Stmt, When};

/// A group of statements the generator may use. Tasks (`spawn`, `await`,
/// `sleep`) are always on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Feature {
    /// `task.cancel()`.
    Cancel,
    /// `async with asyncio.timeout(..)`.
    Timeout,
    /// `asyncio.wait_for`, on a coroutine and on a task.
    WaitFor,
    /// `asyncio.gather`, with and without `return_exceptions`.
    Gather,
    /// `asyncio.wait` with each `return_when`, with and without a timeout.
    Wait,
    /// `asyncio.as_completed`.
    AsCompleted,
    /// `asyncio.shield`.
    Shield,
    /// `asyncio.TaskGroup`.
    TaskGroup,
    /// `Queue`: put, get, the `_nowait` forms, `task_done`, `join`.
    Queue,
    /// `Lock`.
    Lock,
    /// `Semaphore`.
    Semaphore,
    /// `Event`.
    Event,
    /// `Condition`.
    Condition,
    /// Logging every primitive's waiter count.
    Counts,
    /// Zero deadlines in `timeout` and `wait_for` (with one of them on).
    ZeroTimeout,
    /// `LifoQueue` and `PriorityQueue` besides `Queue` (with `queue`).
    QueueKinds,
    /// `Queue.shutdown` (with `queue`).
    Shutdown,
    /// `Barrier`.
    Barrier,
    /// Bare `Semaphore.release()` (with `semaphore`).
    Release,
    /// Awaiting a task where the awaiter may be cancelled (by `cancel`,
    /// `timeout`, `wait_for` or a `TaskGroup`). Without it, and with one of
    /// those on, only the main body awaits tasks, outside timeouts.
    AwaitCancel,
}

impl Feature {
    /// Every feature, in a fixed order.
    pub const ALL: [Feature; 20] = [
        Feature::Cancel,
        Feature::Timeout,
        Feature::WaitFor,
        Feature::Gather,
        Feature::Wait,
        Feature::AsCompleted,
        Feature::Shield,
        Feature::TaskGroup,
        Feature::Queue,
        Feature::Lock,
        Feature::Semaphore,
        Feature::Event,
        Feature::Condition,
        Feature::Counts,
        Feature::ZeroTimeout,
        Feature::QueueKinds,
        Feature::Shutdown,
        Feature::Barrier,
        Feature::Release,
        Feature::AwaitCancel,
    ];

    /// The feature's name, as `SIMLOOP_DIFF_FEATURES` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Feature::Cancel => "cancel",
            Feature::Timeout => "timeout",
            Feature::WaitFor => "wait_for",
            Feature::Gather => "gather",
            Feature::Wait => "wait",
            Feature::AsCompleted => "as_completed",
            Feature::Shield => "shield",
            Feature::TaskGroup => "taskgroup",
            Feature::Queue => "queue",
            Feature::Lock => "lock",
            Feature::Semaphore => "semaphore",
            Feature::Event => "event",
            Feature::Condition => "condition",
            Feature::Counts => "counts",
            Feature::ZeroTimeout => "zero_timeout",
            Feature::QueueKinds => "queue_kinds",
            Feature::Shutdown => "shutdown",
            Feature::Barrier => "barrier",
            Feature::Release => "release",
            Feature::AwaitCancel => "await_cancel",
        }
    }

    /// The feature called `name`.
    pub fn parse(name: &str) -> Option<Feature> {
        Feature::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl fmt::Display for Feature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of [`Feature`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Features(u32);

impl Features {
    /// Every feature.
    pub fn all() -> Features {
        Features::of(&Feature::ALL)
    }

    /// The given features.
    pub fn of(features: &[Feature]) -> Features {
        Features(features.iter().fold(0, |bits, f| bits | 1 << *f as u32))
    }

    /// Whether `feature` is in the set.
    pub fn has(self, feature: Feature) -> bool {
        self.0 & (1 << feature as u32) != 0
    }

    /// The set without `feature`.
    pub fn without(self, feature: Feature) -> Features {
        Features(self.0 & !(1 << feature as u32))
    }

    /// The set with `feature`.
    pub fn with(self, feature: Feature) -> Features {
        Features(self.0 | 1 << feature as u32)
    }

    /// Parses a comma-separated list of feature names; `all` is every
    /// feature, and `all,-name` every feature but one.
    pub fn parse(list: &str) -> Result<Features, String> {
        let mut set = Features::default();
        for word in list.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            if word == "all" {
                set = Features::all();
            } else if let Some(name) = word.strip_prefix('-') {
                set = set.without(Feature::parse(name).ok_or_else(|| unknown(name))?);
            } else {
                set = set.with(Feature::parse(word).ok_or_else(|| unknown(word))?);
            }
        }
        Ok(set)
    }

    /// The features in the set, in [`Feature::ALL`]'s order.
    pub fn iter(self) -> impl Iterator<Item = Feature> {
        Feature::ALL.into_iter().filter(move |f| self.has(*f))
    }
}

fn unknown(name: &str) -> String {
    let names: Vec<_> = Feature::ALL.iter().map(|f| f.name()).collect();
    format!("unknown feature {name:?} (known: {})", names.join(", "))
}

impl fmt::Display for Features {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = self.iter().map(Feature::name).collect();
        f.write_str(&names.join(","))
    }
}

/// Most bodies one program has.
const MAX_BODIES: usize = 12;
/// Deepest nesting of bodies.
const MAX_DEPTH: usize = 3;

/// The program of generator seed `seed` over `features`. The same seed and
/// features always give the same program.
pub fn generate(seed: u64, features: Features) -> Program {
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(seed),
        features,
        next_id: 0,
        locks: 0,
        sems: Vec::new(),
        events: 0,
        conds: 0,
        queues: Vec::new(),
        queue_kinds: Vec::new(),
        barriers: Vec::new(),
        cancellable: false,
        in_timeout: 0,
    };
    if features.has(Feature::Lock) {
        g.locks = g.range(1, 2);
    }
    if features.has(Feature::Semaphore) {
        g.sems = (0..g.range(1, 2)).map(|_| 1 + g.below(2)).collect();
    }
    if features.has(Feature::Event) {
        g.events = g.range(1, 2);
    }
    if features.has(Feature::Condition) {
        g.conds = 1;
    }
    if features.has(Feature::Queue) {
        g.queues = (0..g.range(1, 2)).map(|_| [0, 1, 2][g.below(3)]).collect();
        if features.has(Feature::QueueKinds) {
            g.queue_kinds = (0..g.queues.len())
                .map(|_| [QueueKind::Fifo, QueueKind::Lifo, QueueKind::Priority][g.below(3)])
                .collect();
        }
    }
    if features.has(Feature::Barrier) {
        g.barriers = (0..g.range(1, 2)).map(|_| g.range(1, 3)).collect();
    }
    let main = g.body(0, false, false);
    Program {
        seed,
        locks: g.locks,
        sems: g.sems,
        events: g.events,
        conds: g.conds,
        queues: g.queues,
        queue_kinds: g.queue_kinds,
        barriers: g.barriers,
        main,
    }
}

struct Gen {
    rng: ChaCha8Rng,
    features: Features,
    next_id: usize,
    locks: usize,
    sems: Vec<usize>,
    events: usize,
    conds: usize,
    queues: Vec<usize>,
    queue_kinds: Vec<QueueKind>,
    barriers: Vec<usize>,
    /// Whether the body being generated may be cancelled from outside (see
    /// [`Gen::owner_cancellable`]).
    cancellable: bool,
    /// How many `timeout` blocks the statement being generated is in.
    in_timeout: usize,
}

/// What a block may contain.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// A body's own statements.
    Body,
    /// Inside `timeout`: no spawning (a spawn the timeout cut off would
    /// leave the variable unset).
    Timeout,
    /// Inside `lock` or `sem`: no spawning and no waiting on another lock.
    Held,
}

#[derive(Clone, Copy)]
enum Kind {
    Sleep,
    Spawn,
    Await,
    Cancel,
    Timeout,
    WaitFor,
    WaitForTask,
    Gather,
    Wait,
    AsCompleted,
    Shield,
    TaskGroup,
    Put,
    Get,
    PutNowait,
    GetNowait,
    TaskDone,
    Join,
    Shutdown,
    Release,
    BarrierWait,
    Lock,
    Sem,
    Set,
    Clear,
    EventWait,
    CondWait,
    CondWaitFor,
    Notify,
    Counts,
}

impl Gen {
    fn below(&mut self, n: usize) -> usize {
        (self.rng.next_u64() % n as u64) as usize
    }

    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn sleep_ms(&mut self) -> u64 {
        [0, 0, 1, 2, 3, 5, 10][self.below(7)]
    }

    fn timeout_ms(&mut self) -> u64 {
        if self.features.has(Feature::ZeroTimeout) && self.chance(15) {
            return 0;
        }
        self.range(1, 12) as u64
    }

    /// A body at `depth`; `cancellable` says whether something outside it
    /// may cancel it (see [`Gen::owner_cancellable`]).
    fn body(&mut self, depth: usize, allow_fail: bool, cancellable: bool) -> Rc<Body> {
        let outer = (
            std::mem::replace(&mut self.cancellable, cancellable),
            std::mem::take(&mut self.in_timeout),
        );
        let body = self.body_here(depth, allow_fail);
        (self.cancellable, self.in_timeout) = outer;
        body
    }

    fn body_here(&mut self, depth: usize, allow_fail: bool) -> Rc<Body> {
        let id = self.next_id;
        self.next_id += 1;
        let mut vars = Vars::default();
        let n = if depth == 0 {
            self.range(3, 8)
        } else {
            self.range(0, 4)
        };
        let mut stmts = self.block(n, depth, Scope::Body, &mut vars);
        // Await some of the tasks still unawaited; the others leak.
        let may_await = self.may_await(depth, Scope::Body);
        for var in std::mem::take(&mut vars.live) {
            if may_await && self.chance(60) {
                stmts.push(Stmt::Await(var));
            }
        }
        let fail = allow_fail && self.chance(20);
        Rc::new(Body { id, stmts, fail })
    }

    fn children(&mut self, depth: usize, allow_fail: bool, cancellable: bool) -> Vec<Rc<Body>> {
        let n = self.range(1, 3);
        (0..n)
            .map(|_| self.body(depth + 1, allow_fail, cancellable))
            .collect()
    }

    /// Whether the statement being generated runs where something outside
    /// may cancel its task: inside a `timeout`, or in a body that may be
    /// cancelled (a spawned task, when `cancel` or a cancelled awaiter may
    /// reach it; a `wait_for` body; a `gather` child of such a body; any
    /// `TaskGroup` member, whose siblings may fail). The main body, `wait`
    /// and `as_completed` children and `shield` bodies are not.
    ///
    /// A `TaskGroup` there gets no failing member, nor does a `gather`
    /// without `return_exceptions`: asyncio lets a member's failure replace
    /// the owner's cancellation (the owner catches the `ExceptionGroup`, or
    /// the gathered exception, and runs on to its next await), while a
    /// cancelled simloop task is dropped. That is one of the deliberate
    /// differences (`docs/asyncio.md`), so the programs leave it out.
    fn owner_cancellable(&self) -> bool {
        self.cancellable || self.in_timeout > 0
    }

    /// Whether a task spawned here may be cancelled: by `cancel`, or through
    /// an awaiter that is cancelled.
    fn spawned_cancellable(&self) -> bool {
        self.features.has(Feature::Cancel) || self.features.has(Feature::AwaitCancel)
    }

    fn can_nest(&self, depth: usize) -> bool {
        depth < MAX_DEPTH && self.next_id < MAX_BODIES
    }

    /// Whether a body at `depth` may await a task in `scope`: anywhere, but
    /// where the awaiter may be cancelled only with [`Feature::AwaitCancel`].
    fn may_await(&self, depth: usize, scope: Scope) -> bool {
        let f = self.features;
        let cancelling = [
            Feature::Cancel,
            Feature::Timeout,
            Feature::WaitFor,
            Feature::TaskGroup,
        ]
        .into_iter()
        .any(|c| f.has(c));
        f.has(Feature::AwaitCancel) || !cancelling || (depth == 0 && scope == Scope::Body)
    }

    fn kinds(&self, depth: usize, scope: Scope, vars: &Vars) -> Vec<(Kind, usize)> {
        let f = self.features;
        let nest = self.can_nest(depth);
        let mut kinds = vec![(Kind::Sleep, 4)];
        let mut add = |on: bool, kind: Kind, weight: usize| {
            if on {
                kinds.push((kind, weight));
            }
        };
        add(nest && scope == Scope::Body, Kind::Spawn, 4);
        add(
            !vars.live.is_empty() && self.may_await(depth, scope),
            Kind::Await,
            4,
        );
        add(
            f.has(Feature::Cancel) && !vars.live.is_empty(),
            Kind::Cancel,
            2,
        );
        add(
            f.has(Feature::Timeout) && scope == Scope::Body,
            Kind::Timeout,
            2,
        );
        add(f.has(Feature::WaitFor) && nest, Kind::WaitFor, 2);
        add(
            // A timeout around an await: the awaiter may be cancelled.
            f.has(Feature::WaitFor)
                && f.has(Feature::AwaitCancel)
                && !vars.live.is_empty()
                && self.may_await(depth, scope),
            Kind::WaitForTask,
            1,
        );
        add(f.has(Feature::Gather) && nest, Kind::Gather, 2);
        add(f.has(Feature::Wait) && nest, Kind::Wait, 2);
        add(f.has(Feature::AsCompleted) && nest, Kind::AsCompleted, 2);
        add(f.has(Feature::Shield) && nest, Kind::Shield, 2);
        add(f.has(Feature::TaskGroup) && nest, Kind::TaskGroup, 2);
        let q = f.has(Feature::Queue);
        add(q, Kind::Put, 3);
        add(q, Kind::Get, 2);
        add(q, Kind::PutNowait, 1);
        add(q, Kind::GetNowait, 1);
        add(q, Kind::TaskDone, 1);
        add(q && scope != Scope::Held, Kind::Join, 1);
        add(q && f.has(Feature::Shutdown), Kind::Shutdown, 1);
        add(
            f.has(Feature::Semaphore) && f.has(Feature::Release),
            Kind::Release,
            1,
        );
        add(
            f.has(Feature::Barrier) && scope != Scope::Held,
            Kind::BarrierWait,
            2,
        );
        add(f.has(Feature::Lock) && scope != Scope::Held, Kind::Lock, 3);
        add(
            f.has(Feature::Semaphore) && scope != Scope::Held,
            Kind::Sem,
            3,
        );
        let e = f.has(Feature::Event);
        add(e, Kind::Set, 2);
        add(e, Kind::Clear, 1);
        add(e, Kind::EventWait, 2);
        let c = f.has(Feature::Condition);
        add(c && scope != Scope::Held, Kind::CondWait, 2);
        add(
            c && scope != Scope::Held && f.has(Feature::WaitFor),
            Kind::CondWaitFor,
            2,
        );
        add(c && scope != Scope::Held, Kind::Notify, 2);
        add(f.has(Feature::Counts), Kind::Counts, 2);
        kinds
    }

    fn block(&mut self, n: usize, depth: usize, scope: Scope, vars: &mut Vars) -> Vec<Stmt> {
        (0..n).map(|_| self.stmt(depth, scope, vars)).collect()
    }

    fn stmt(&mut self, depth: usize, scope: Scope, vars: &mut Vars) -> Stmt {
        let kinds = self.kinds(depth, scope, vars);
        let total: usize = kinds.iter().map(|(_, w)| w).sum();
        let mut pick = self.below(total);
        let mut kind = Kind::Sleep;
        for (k, w) in kinds {
            if pick < w {
                kind = k;
                break;
            }
            pick -= w;
        }
        match kind {
            Kind::Sleep => Stmt::Sleep(self.sleep_ms()),
            Kind::Spawn => {
                let var = vars.next;
                vars.next += 1;
                vars.live.push(var);
                let cancellable = self.spawned_cancellable();
                Stmt::Spawn(var, self.body(depth + 1, true, cancellable))
            }
            Kind::Await => {
                let i = self.below(vars.live.len());
                Stmt::Await(vars.live.remove(i))
            }
            Kind::Cancel => {
                let i = self.below(vars.live.len());
                Stmt::Cancel(vars.live[i])
            }
            Kind::Timeout => {
                let ms = self.timeout_ms();
                let n = self.range(1, 3);
                self.in_timeout += 1;
                let stmts = self.block(n, depth, Scope::Timeout, vars);
                self.in_timeout -= 1;
                Stmt::Timeout(ms, stmts)
            }
            Kind::WaitFor => {
                let ms = self.timeout_ms();
                Stmt::WaitFor(ms, self.body(depth + 1, true, true))
            }
            Kind::WaitForTask => {
                let i = self.below(vars.live.len());
                let var = vars.live.remove(i);
                Stmt::WaitForTask(var, self.timeout_ms())
            }
            Kind::Gather => {
                let rex = self.chance(50);
                // As in a TaskGroup, a child's failure would replace the
                // cancellation of the task awaiting `gather` (without
                // `return_exceptions`).
                let cancellable = self.owner_cancellable();
                let may_fail = rex || !cancellable;
                Stmt::Gather(self.children(depth, may_fail, cancellable), rex)
            }
            Kind::Wait => {
                let when = [
                    When::FirstCompleted,
                    When::FirstException,
                    When::AllCompleted,
                ][self.below(3)];
                let ms = self.chance(40).then(|| self.timeout_ms());
                Stmt::Wait(self.children(depth, true, false), when, ms)
            }
            Kind::AsCompleted => Stmt::AsCompleted(self.children(depth, true, false)),
            Kind::Shield => Stmt::Shield(self.body(depth + 1, true, false)),
            Kind::TaskGroup => {
                let may_fail = !self.owner_cancellable();
                Stmt::TaskGroup(self.children(depth, may_fail, true))
            }
            Kind::Put => {
                let q = self.below(self.queues.len());
                Stmt::Put(q, self.below(100) as i64)
            }
            Kind::Get => Stmt::Get(self.below(self.queues.len())),
            Kind::PutNowait => {
                let q = self.below(self.queues.len());
                Stmt::PutNowait(q, self.below(100) as i64)
            }
            Kind::GetNowait => Stmt::GetNowait(self.below(self.queues.len())),
            Kind::TaskDone => Stmt::TaskDone(self.below(self.queues.len())),
            Kind::Join => Stmt::Join(self.below(self.queues.len())),
            Kind::Shutdown => {
                let q = self.below(self.queues.len());
                Stmt::Shutdown(q, self.chance(50))
            }
            Kind::Release => Stmt::Release(self.below(self.sems.len())),
            Kind::BarrierWait => Stmt::BarrierWait(self.below(self.barriers.len())),
            Kind::Lock => {
                let l = self.below(self.locks);
                let n = self.range(0, 2);
                Stmt::Lock(l, self.block(n, depth, Scope::Held, vars))
            }
            Kind::Sem => {
                let s = self.below(self.sems.len());
                let n = self.range(0, 2);
                Stmt::Sem(s, self.block(n, depth, Scope::Held, vars))
            }
            Kind::Set => Stmt::Set(self.below(self.events)),
            Kind::Clear => Stmt::Clear(self.below(self.events)),
            Kind::EventWait => Stmt::EventWait(self.below(self.events)),
            Kind::CondWait => Stmt::CondWait(self.below(self.conds)),
            Kind::CondWaitFor => {
                let c = self.below(self.conds);
                // Never zero: `wait_for(cond.wait(), 0)` holds the lock for
                // three ready items (the wait never starts), and a cancelled
                // asyncio `cond.wait()` meanwhile waits to re-take it, which
                // a dropped simloop wait does not (a deliberate difference,
                // `docs/asyncio.md`).
                Stmt::CondWaitFor(c, self.timeout_ms().max(1))
            }
            Kind::Notify => {
                let c = self.below(self.conds);
                Stmt::Notify(c, self.below(3))
            }
            Kind::Counts => Stmt::Counts,
        }
    }
}

/// The task variables of one body.
#[derive(Default)]
struct Vars {
    next: usize,
    /// Spawned and not awaited yet.
    live: Vec<usize>,
}
