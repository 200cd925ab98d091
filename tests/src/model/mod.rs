//! Model-based testing of the executor: random programs of tasks, run on
//! simloop ([`on_simloop`]) and on a small reference model of the same
//! semantics ([`reference`](mod@reference)), whose event logs are compared.
//!
//! A [`Program`] is a list of tasks, each a list of [`Op`]s: sleeps, busy
//! work, yields, spawning, joining and aborting children, puts and gets on
//! unbounded queues, semaphore acquires and releases, and timeouts around a
//! blocking operation. Task 0 is the root; every other task is spawned by
//! exactly one `Spawn` of a task with a lower number, and only its parent
//! joins or aborts it. Every operation that completes appends an [`Event`]
//! with the virtual time to the log.
//!
//! The reference model is a plain discrete-event loop over the program: a
//! ready queue, a list of timers, queues and semaphores as counters and
//! waitlists. It has no futures and no wakers; each rule of the semantics is
//! written once, in the order the executor applies it. Under FIFO the two
//! logs must be equal; under the other strategies [`invariants`] checks
//! what must hold in every interleaving.

use std::fmt;

use proptest::prelude::*;

pub mod invariants;
pub mod on_simloop;
pub mod reference;

/// One operation of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `time::sleep(ms)`; a zero sleep yields once.
    Sleep(u64),
    /// `time::busy(ms)`: the clock moves on, nothing else runs.
    Busy(u64),
    /// `task::yield_now()`.
    Yield,
    /// Spawns task `n` (whose parent this task is).
    Spawn(usize),
    /// Awaits child `n`'s `JoinHandle`.
    Join(usize),
    /// Aborts child `n`.
    Abort(usize),
    /// Puts an item (unique to this operation) on queue `q`.
    Put(usize),
    /// Gets an item from queue `q`.
    Get(usize),
    /// Acquires a permit of semaphore `s`, kept until a `Release(s)` or the
    /// task's end.
    Acquire(usize),
    /// Gives back the oldest permit of semaphore `s` the task holds (none:
    /// nothing happens).
    Release(usize),
    /// `time::timeout(ms, op)` around a blocking operation.
    Timeout(u64, Blocking),
}

/// The operations a timeout can wrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocking {
    /// `time::sleep(ms)`.
    Sleep(u64),
    /// A get from queue `q`.
    Get(usize),
    /// A permit of semaphore `s`.
    Acquire(usize),
}

/// A program: its tasks (task 0 is the root), how many queues it uses, and
/// the initial permits of each semaphore.
#[derive(Clone, PartialEq, Eq)]
pub struct Program {
    /// Each task's operations.
    pub tasks: Vec<Vec<Op>>,
    /// Number of queues.
    pub queues: usize,
    /// Initial permits of each semaphore.
    pub permits: Vec<usize>,
}

impl fmt::Debug for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Program ({} queue(s), permits {:?}):",
            self.queues, self.permits
        )?;
        for (i, ops) in self.tasks.iter().enumerate() {
            writeln!(f, "  task {i}: {ops:?}")?;
        }
        Ok(())
    }
}

impl Program {
    /// The item `Put` number `op` of `task` puts.
    pub fn item(task: usize, op: usize) -> u64 {
        (task * 1000 + op) as u64
    }
}

/// What a task did, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Virtual nanoseconds since the start.
    pub time: u64,
    /// The task (its number in the program).
    pub task: usize,
    /// What it did.
    pub what: What,
}

/// The kinds of [`Event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    /// The task's first poll.
    Start,
    /// A sleep ended.
    Slept,
    /// A busy block ended.
    Busied,
    /// A yield ended.
    Yielded,
    /// Spawned this child.
    Spawned(usize),
    /// Awaited this child: `Some(n)` its output (its number), `None`
    /// cancelled.
    Joined(usize, Option<usize>),
    /// Asked for this child's abort.
    Aborted(usize),
    /// Put this item on this queue.
    Put(usize, u64),
    /// Got this item from this queue.
    Got(usize, u64),
    /// Acquired a permit of this semaphore.
    Acquired(usize),
    /// Released a permit of this semaphore (`false`: it held none).
    Released(usize, bool),
    /// A timeout's operation completed in time (its own event comes first).
    InTime,
    /// A timeout expired; its operation was dropped.
    TimedOut,
    /// The task's last operation is done.
    End,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The root task finished at this virtual time (nanoseconds).
    Finished(u64),
    /// Deadlock at this time, with these tasks (program numbers, in spawn
    /// order) blocked.
    Deadlock(u64, Vec<usize>),
}

/// A run: its events and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// Every event, in the order they happened.
    pub events: Vec<Event>,
    /// How the run ended.
    pub ending: Ending,
}

/// Milliseconds to nanoseconds.
pub const fn ms(n: u64) -> u64 {
    n * 1_000_000
}

/// Random programs of up to `max_tasks` tasks with up to `max_ops`
/// operations each (spawns not counted).
pub fn programs(max_tasks: usize, max_ops: usize) -> impl Strategy<Value = Program> {
    (
        1..=max_tasks,
        1..=2usize,
        proptest::collection::vec(1..=2usize, 1..=2),
    )
        .prop_flat_map(move |(tasks, queues, permits)| {
            let sems = permits.len();
            let parents: Vec<BoxedStrategy<usize>> = (1..tasks).map(|c| (0..c).boxed()).collect();
            let ops = proptest::collection::vec(
                proptest::collection::vec(raw_op(queues, sems), 0..=max_ops),
                tasks,
            );
            let places = proptest::collection::vec(any::<proptest::sample::Index>(), tasks);
            let join_at_end = proptest::collection::vec(any::<bool>(), tasks);
            (parents, ops, places, join_at_end).prop_map(move |(parents, raw, places, join)| {
                build(&parents, raw, &places, &join, queues, permits.clone())
            })
        })
}

/// An operation before it is tied to the program's children: `Join` and
/// `Abort` pick among the task's children by index.
#[derive(Debug, Clone)]
enum Raw {
    Op(Op),
    Join(proptest::sample::Index),
    Abort(proptest::sample::Index),
}

fn raw_op(queues: usize, sems: usize) -> impl Strategy<Value = Raw> {
    let blocking = prop_oneof![
        (0u64..6).prop_map(Blocking::Sleep),
        (0..queues).prop_map(Blocking::Get),
        (0..sems).prop_map(Blocking::Acquire),
    ];
    prop_oneof![
        3 => (0u64..6).prop_map(|d| Raw::Op(Op::Sleep(d))),
        1 => (1u64..4).prop_map(|d| Raw::Op(Op::Busy(d))),
        1 => Just(Raw::Op(Op::Yield)),
        3 => any::<proptest::sample::Index>().prop_map(Raw::Join),
        2 => any::<proptest::sample::Index>().prop_map(Raw::Abort),
        3 => (0..queues).prop_map(|q| Raw::Op(Op::Put(q))),
        2 => (0..queues).prop_map(|q| Raw::Op(Op::Get(q))),
        2 => (0..sems).prop_map(|s| Raw::Op(Op::Acquire(s))),
        2 => (0..sems).prop_map(|s| Raw::Op(Op::Release(s))),
        2 => ((0u64..6), blocking).prop_map(|(d, b)| Raw::Op(Op::Timeout(d, b))),
    ]
}

/// Places each child's `Spawn` in its parent's operations and resolves
/// `Join`/`Abort` to children spawned earlier in the same task (dropping
/// those that have none, and second joins of a child); a task marked in
/// `join_at_end` ends by joining every child it has not joined, as
/// structured programs do.
fn build(
    parents: &[usize],
    raw: Vec<Vec<Raw>>,
    places: &[proptest::sample::Index],
    join_at_end: &[bool],
    queues: usize,
    permits: Vec<usize>,
) -> Program {
    let mut raw = raw;
    for (i, &parent) in parents.iter().enumerate() {
        let child = i + 1;
        let at = places[child].index(raw[parent].len() + 1);
        raw[parent].insert(at, Raw::Op(Op::Spawn(child)));
    }
    let tasks = raw
        .into_iter()
        .zip(join_at_end)
        .map(|(ops, &join_rest)| {
            let mut spawned = Vec::new();
            let mut joined = Vec::new();
            let mut ops: Vec<Op> = ops
                .into_iter()
                .filter_map(|op| match op {
                    Raw::Op(op) => {
                        if let Op::Spawn(c) = op {
                            spawned.push(c);
                        }
                        Some(op)
                    }
                    Raw::Join(i) if !spawned.is_empty() => {
                        let c = spawned[i.index(spawned.len())];
                        if joined.contains(&c) {
                            None
                        } else {
                            joined.push(c);
                            Some(Op::Join(c))
                        }
                    }
                    Raw::Abort(i) if !spawned.is_empty() => {
                        Some(Op::Abort(spawned[i.index(spawned.len())]))
                    }
                    Raw::Join(_) | Raw::Abort(_) => None,
                })
                .collect();
            if join_rest {
                ops.extend(
                    spawned
                        .iter()
                        .filter(|c| !joined.contains(c))
                        .map(|&c| Op::Join(c)),
                );
            }
            ops
        })
        .collect();
    Program {
        tasks,
        queues,
        permits,
    }
}
