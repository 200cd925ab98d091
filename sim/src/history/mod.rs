//! Histories of operations and a linearizability checker, in the style of
//! Wing & Gong with Lowe's memoisation (as Porcupine does it).
//!
//! Record what clients asked and what they got back with a [`History`]
//! (a cheap handle shared by every client task), then ask [`check`]
//! whether some sequential order of the operations, consistent with their
//! real-time order, explains every result under a [`Model`] of the object.
//! An operation that never returned (its client crashed or timed out) may
//! have taken effect at any point after its call, or not at all.
//!
//! ```
//! use simloop::history::{self, History, Register, RegisterOp, RegisterRet};
//!
//! // Client 1 writes 1; client 2 reads 0 and then 1, both concurrent
//! // with the write: linearizable.
//! let h = History::new();
//! let w = h.invoke(1, RegisterOp::Write(1));
//! let r = h.invoke(2, RegisterOp::Read);
//! h.complete(r, RegisterRet::Read(0));
//! let r = h.invoke(2, RegisterOp::Read);
//! h.complete(r, RegisterRet::Read(1));
//! h.complete(w, RegisterRet::Written);
//! assert!(history::check(&Register::new(0), &h.operations()).is_ok());
//!
//! // A read after the write returned must see it.
//! let h = History::new();
//! let w = h.invoke(1, RegisterOp::Write(1));
//! h.complete(w, RegisterRet::Written);
//! let r = h.invoke(2, RegisterOp::Read);
//! h.complete(r, RegisterRet::Read(0));
//! let err = history::check(&Register::new(0), &h.operations()).unwrap_err();
//! assert!(err.to_string().contains("client 2: Read -> Read(0)"));
//! ```

mod check;
mod models;

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

pub use check::{Linearization, Violation, check, check_partitioned};
pub use models::{Register, RegisterOp, RegisterRet};

use crate::time::Instant;

/// A sequential specification of an object: its states and what each
/// operation does to them.
pub trait Model {
    /// The object's state (compared and hashed to prune the search).
    type State: Clone + Eq + std::hash::Hash;
    /// What a client asks.
    type Input;
    /// What it gets back.
    type Output;

    /// The state before any operation.
    fn init(&self) -> Self::State;

    /// Applies `input` to `state`: the new state if `output` is a result
    /// the object may give in that state, `None` otherwise. `output` is
    /// `None` for an operation that never returned: return the state it
    /// leaves if it took effect.
    fn step(
        &self,
        state: &Self::State,
        input: &Self::Input,
        output: Option<&Self::Output>,
    ) -> Option<Self::State>;
}

/// One operation of a history: who called it, with what, when, and what
/// came back when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation<I, O> {
    /// The client (any number naming who issued it).
    pub client: u64,
    /// What was asked.
    pub input: I,
    /// The result, or `None` if it never returned.
    pub output: Option<O>,
    /// When it was called, in the history's order of events.
    pub call: u64,
    /// When it returned, in the same order (`None` if it never did).
    pub ret: Option<u64>,
    /// The virtual time of the call (zero outside a simulation).
    pub called_at: Instant,
    /// The virtual time of the return.
    pub returned_at: Option<Instant>,
}

impl<I: fmt::Debug, O: fmt::Debug> fmt::Display for Operation<I, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "client {}: {:?} -> ", self.client, self.input)?;
        match (&self.output, self.returned_at) {
            (Some(o), Some(t)) => write!(f, "{o:?} (called {}, returned {t})", self.called_at),
            (Some(o), None) => write!(f, "{o:?}"),
            (None, _) => write!(f, "no answer (called {})", self.called_at),
        }
    }
}

/// Names an operation of a [`History`], to complete it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OpId(usize);

/// A record of operations, shared by the tasks that issue them: a cheap
/// handle (clones record into the same history).
pub struct History<I, O> {
    inner: Rc<RefCell<Record<I, O>>>,
}

struct Record<I, O> {
    ops: Vec<Operation<I, O>>,
    clock: u64,
}

impl<I, O> Clone for History<I, O> {
    fn clone(&self) -> Self {
        History {
            inner: Rc::clone(&self.inner),
        }
    }
}

impl<I, O> Default for History<I, O> {
    fn default() -> Self {
        History::new()
    }
}

impl<I: fmt::Debug, O: fmt::Debug> fmt::Debug for History<I, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.inner.borrow().ops.iter())
            .finish()
    }
}

impl<I, O> History<I, O> {
    /// An empty history.
    pub fn new() -> History<I, O> {
        History {
            inner: Rc::new(RefCell::new(Record {
                ops: Vec::new(),
                clock: 0,
            })),
        }
    }

    /// Records that `client` calls `input`, now.
    pub fn invoke(&self, client: u64, input: I) -> OpId {
        let mut r = self.inner.borrow_mut();
        r.clock += 1;
        let call = r.clock;
        r.ops.push(Operation {
            client,
            input,
            output: None,
            call,
            ret: None,
            called_at: crate::time::try_now().unwrap_or(Instant::ZERO),
            returned_at: None,
        });
        OpId(r.ops.len() - 1)
    }

    /// Records that operation `id` returned `output`, now. An operation
    /// never completed counts as one that may or may not have taken effect.
    pub fn complete(&self, id: OpId, output: O) {
        let mut r = self.inner.borrow_mut();
        r.clock += 1;
        let ret = r.clock;
        let op = &mut r.ops[id.0];
        op.output = Some(output);
        op.ret = Some(ret);
        op.returned_at = crate::time::try_now();
    }

    /// The number of operations recorded.
    pub fn len(&self) -> usize {
        self.inner.borrow().ops.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<I: Clone, O: Clone> History<I, O> {
    /// A copy of the operations, in call order.
    pub fn operations(&self) -> Vec<Operation<I, O>> {
        self.inner.borrow().ops.clone()
    }
}
