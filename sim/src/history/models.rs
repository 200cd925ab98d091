//! Ready-made models: a read/write/compare-and-set register.

use std::hash::Hash;

use super::Model;

/// An operation on a [`Register`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RegisterOp<V> {
    /// Read the value.
    Read,
    /// Write a value.
    Write(V),
    /// Replace the value by the second if it equals the first.
    Cas(V, V),
}

/// What a [`Register`] operation returns.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RegisterRet<V> {
    /// The value read.
    Read(V),
    /// The write happened.
    Written,
    /// Whether the compare-and-set replaced the value.
    Cas(bool),
}

/// A single value with reads, writes and compare-and-set, starting at a
/// given value. Use [`check_partitioned`](super::check_partitioned) for a
/// key-value store (one register per key).
#[derive(Debug, Clone)]
pub struct Register<V> {
    initial: V,
}

impl<V> Register<V> {
    /// A register holding `initial` at first.
    pub fn new(initial: V) -> Register<V> {
        Register { initial }
    }
}

impl<V: Clone + Eq + Hash> Model for Register<V> {
    type State = V;
    type Input = RegisterOp<V>;
    type Output = RegisterRet<V>;

    fn init(&self) -> V {
        self.initial.clone()
    }

    fn step(&self, state: &V, input: &RegisterOp<V>, output: Option<&RegisterRet<V>>) -> Option<V> {
        match (input, output) {
            (RegisterOp::Read, None) => Some(state.clone()),
            (RegisterOp::Read, Some(RegisterRet::Read(v))) => (v == state).then(|| state.clone()),
            (RegisterOp::Write(v), None | Some(RegisterRet::Written)) => Some(v.clone()),
            (RegisterOp::Cas(old, new), None) => Some(if old == state {
                new.clone()
            } else {
                state.clone()
            }),
            (RegisterOp::Cas(old, new), Some(RegisterRet::Cas(done))) => match (old == state, done)
            {
                (true, true) => Some(new.clone()),
                (false, false) => Some(state.clone()),
                _ => None,
            },
            _ => None,
        }
    }
}
