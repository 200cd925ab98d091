//! The search: Wing & Gong's backtracking over the operations that may
//! take effect next, with Lowe's cache of (operations done, state) pairs
//! already explored, on a linked list of call and return events.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use super::{Model, Operation};

/// A sequential order of the operations that explains the history: indices
/// into the slice given to [`check`], in the order they took effect (the
/// operations that never returned and need not have taken effect are left
/// out).
pub type Linearization = Vec<usize>;

/// Why a history is not linearizable: the longest prefix of a sequential
/// order the search found, and the operation it could not go past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The operations of the longest partial linearization, in order, as
    /// text.
    pub longest: Vec<String>,
    /// The operation that returned before it could take effect after that
    /// prefix, as text.
    pub stuck: String,
    /// How many operations the history has.
    pub operations: usize,
    /// The partition (key) the violation is in, for
    /// [`check_partitioned`].
    pub partition: Option<String>,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the history of {} operations", self.operations)?;
        if let Some(p) = &self.partition {
            write!(f, " on {p}")?;
        }
        write!(
            f,
            " is not linearizable: no order explains {}; the longest explained prefix is",
            self.stuck
        )?;
        if self.longest.is_empty() {
            write!(f, " empty")?;
        }
        // The end of the prefix is where the trouble is.
        let skip = self.longest.len().saturating_sub(SHOWN);
        if skip > 0 {
            write!(f, "\n  ({skip} earlier operations)")?;
        }
        for (i, op) in self.longest.iter().enumerate().skip(skip) {
            write!(f, "\n  {}. {op}", i + 1)?;
        }
        Ok(())
    }
}

impl std::error::Error for Violation {}

const NIL: usize = usize::MAX;

/// The operations of the prefix a violation's text shows (the last ones).
const SHOWN: usize = 12;

struct Events {
    /// For each event: its operation and whether it is the call.
    op: Vec<usize>,
    is_call: Vec<bool>,
    /// The return event of each call event.
    ret_of: Vec<usize>,
    next: Vec<usize>,
    prev: Vec<usize>,
    head: usize,
}

impl Events {
    fn new<I, O>(ops: &[Operation<I, O>]) -> Events {
        // Calls and returns in the history's order; returns that never
        // happened come last, in call order.
        let mut order: Vec<(u64, u64, usize, bool)> = Vec::with_capacity(ops.len() * 2);
        for (i, op) in ops.iter().enumerate() {
            order.push((op.call, 0, i, true));
            match op.ret {
                Some(r) => order.push((r, 0, i, false)),
                None => order.push((u64::MAX, op.call, i, false)),
            }
        }
        order.sort_unstable();
        let n = order.len();
        let head = n;
        let mut ev = Events {
            op: order.iter().map(|e| e.2).collect(),
            is_call: order.iter().map(|e| e.3).collect(),
            ret_of: vec![NIL; n],
            next: vec![NIL; n + 1],
            prev: vec![NIL; n + 1],
            head,
        };
        let mut call_event = vec![NIL; ops.len()];
        for (e, &(_, _, op, is_call)) in order.iter().enumerate() {
            if is_call {
                call_event[op] = e;
            } else {
                ev.ret_of[call_event[op]] = e;
            }
        }
        let mut last = head;
        for e in 0..n {
            ev.next[last] = e;
            ev.prev[e] = last;
            last = e;
        }
        ev
    }

    fn unlink(&mut self, e: usize) {
        let (p, n) = (self.prev[e], self.next[e]);
        self.next[p] = n;
        if n != NIL {
            self.prev[n] = p;
        }
    }

    fn relink(&mut self, e: usize) {
        let (p, n) = (self.prev[e], self.next[e]);
        self.next[p] = e;
        if n != NIL {
            self.prev[n] = e;
        }
    }

    /// Takes a call and its return out of the list.
    fn lift(&mut self, call: usize) {
        self.unlink(call);
        self.unlink(self.ret_of[call]);
    }

    /// Puts them back (in the reverse order of [`lift`](Self::lift)).
    fn unlift(&mut self, call: usize) {
        self.relink(self.ret_of[call]);
        self.relink(call);
    }
}

/// Decides whether `history` is linearizable under `model`; returns an
/// order of the operations that explains it, or the longest partial order
/// found and the operation that breaks it.
///
/// The search is exponential in the worst case (the problem is
/// NP-complete) but fast on the histories tests produce: it only tries the
/// operations concurrent with the next return, and never explores the same
/// set of done operations in the same state twice.
pub fn check<M, I, O>(model: &M, history: &[Operation<I, O>]) -> Result<Linearization, Violation>
where
    M: Model<Input = I, Output = O>,
    I: fmt::Debug,
    O: fmt::Debug,
{
    let mut ev = Events::new(history);
    let words = history.len().div_ceil(64);
    let mut done = vec![0u64; words];
    let mut cache: HashSet<(Vec<u64>, M::State)> = HashSet::new();
    let mut stack: Vec<(usize, M::State)> = Vec::new();
    let mut state = model.init();
    let mut best: (Vec<usize>, usize) = (Vec::new(), NIL);
    let mut entry = ev.next[ev.head];
    while entry != NIL {
        let op = ev.op[entry];
        if ev.is_call[entry] {
            let o = &history[op];
            if let Some(next) = model.step(&state, &o.input, o.output.as_ref()) {
                done[op / 64] |= 1 << (op % 64);
                if cache.insert((done.clone(), next.clone())) {
                    stack.push((entry, std::mem::replace(&mut state, next)));
                    ev.lift(entry);
                    entry = ev.next[ev.head];
                    continue;
                }
                done[op / 64] &= !(1 << (op % 64));
            }
            entry = ev.next[entry];
        } else {
            if history[op].ret.is_none() {
                // Only operations that never returned are left: they need
                // not have taken effect.
                break;
            }
            if stack.len() >= best.0.len() && (stack.len() > best.0.len() || best.1 == NIL) {
                best = (stack.iter().map(|(e, _)| ev.op[*e]).collect(), op);
            }
            let Some((call, previous)) = stack.pop() else {
                return Err(violation(history, best));
            };
            let undone = ev.op[call];
            done[undone / 64] &= !(1 << (undone % 64));
            state = previous;
            ev.unlift(call);
            entry = ev.next[call];
        }
    }
    Ok(stack.iter().map(|(e, _)| ev.op[*e]).collect())
}

fn violation<I: fmt::Debug, O: fmt::Debug>(
    history: &[Operation<I, O>],
    (longest, stuck): (Vec<usize>, usize),
) -> Violation {
    Violation {
        longest: longest.iter().map(|&i| history[i].to_string()).collect(),
        stuck: history[stuck].to_string(),
        operations: history.len(),
        partition: None,
    }
}

/// Checks each partition of the history on its own, as for a key-value
/// store whose keys are independent registers (linearizability is
/// compositional: the whole is linearizable if every key is). `key` names
/// the partition of an operation; `project` turns it into the input of
/// `model`.
///
/// ```
/// use simloop::history::{self, History, Register, RegisterOp, RegisterRet};
///
/// let h = History::new();
/// let w = h.invoke(1, ("x", RegisterOp::Write(5)));
/// h.complete(w, RegisterRet::Written);
/// let r = h.invoke(2, ("y", RegisterOp::Read));
/// h.complete(r, RegisterRet::Read(0));
/// let r = h.invoke(2, ("x", RegisterOp::Read));
/// h.complete(r, RegisterRet::Read(0)); // lost the write to x
/// let err = history::check_partitioned(&Register::new(0), &h.operations(), |(k, _)| *k, |(_, op)| op.clone())
///     .unwrap_err();
/// assert_eq!(err.partition.as_deref(), Some("\"x\""));
/// ```
pub fn check_partitioned<M, I, O, K, F, P>(
    model: &M,
    history: &[Operation<I, O>],
    key: F,
    project: P,
) -> Result<(), Violation>
where
    M: Model<Output = O>,
    M::Input: fmt::Debug,
    O: fmt::Debug + Clone,
    K: Ord + fmt::Debug,
    F: Fn(&I) -> K,
    P: Fn(&I) -> M::Input,
{
    let mut parts: BTreeMap<K, Vec<Operation<M::Input, O>>> = BTreeMap::new();
    for op in history {
        parts.entry(key(&op.input)).or_default().push(Operation {
            client: op.client,
            input: project(&op.input),
            output: op.output.clone(),
            call: op.call,
            ret: op.ret,
            called_at: op.called_at,
            returned_at: op.returned_at,
        });
    }
    for (k, ops) in parts {
        if let Err(mut v) = check(model, &ops) {
            v.partition = Some(format!("{k:?}"));
            return Err(v);
        }
    }
    Ok(())
}
