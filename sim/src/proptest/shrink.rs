//! Generating and shrinking schedules of choice indices.
//!
//! proptest's own shrinking of a `Vec<u32>` (one pass of deletions, then a
//! binary search per number) assumes that a smaller number is a simpler
//! input that fails whenever a larger one does. Choice indices wrap around
//! the number of options, so that does not hold: with two options, index 2
//! is FIFO but index 1 is not, and the binary search from 2 tests 1, sees it
//! pass, and never tries 0. This tree shrinks greedily instead, until no
//! single step helps: drop a deviation (index to 0), drop a choice (every
//! later choice moves one earlier), or lower an index, restarting from the
//! first kind of step after each success.

use std::collections::BTreeSet;

use ::proptest::strategy::{NewTree, Strategy, ValueTree};
use ::proptest::test_runner::TestRunner;

use crate::schedule::Schedule;

/// The strategy behind [`schedules`](super::schedules).
#[derive(Debug, Clone, Copy)]
pub(super) struct Schedules {
    pub(super) max_len: usize,
    pub(super) max_index: u32,
}

impl Strategy for Schedules {
    type Tree = ScheduleTree;
    type Value = Schedule;

    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        let len = (0..=self.max_len).new_tree(runner)?.current();
        let mut indices = Vec::with_capacity(len);
        for _ in 0..len {
            indices.push((0..=self.max_index).new_tree(runner)?.current());
        }
        Ok(ScheduleTree::new(indices))
    }
}

/// A schedule being shrunk: the last failing one (`accepted`), the one
/// under test (`current`) and the simpler candidates still to try.
#[derive(Debug, Clone)]
pub(super) struct ScheduleTree {
    current: Vec<u32>,
    accepted: Vec<u32>,
    candidates: Vec<Vec<u32>>,
    next: usize,
}

impl ScheduleTree {
    fn new(indices: Vec<u32>) -> ScheduleTree {
        ScheduleTree {
            accepted: indices.clone(),
            current: indices,
            candidates: Vec::new(),
            next: 0,
        }
    }

    /// Makes `current` (which failed) the one to simplify from.
    fn accept_current(&mut self) {
        self.accepted = trimmed(&self.current);
        self.current = self.accepted.clone();
        self.candidates = candidates(&self.accepted);
        self.next = 0;
    }

    fn try_next_candidate(&mut self) -> bool {
        match self.candidates.get(self.next) {
            Some(candidate) => {
                self.current = candidate.clone();
                self.next += 1;
                true
            }
            None => false,
        }
    }
}

impl ValueTree for ScheduleTree {
    type Value = Schedule;

    fn current(&self) -> Schedule {
        Schedule::from_indices(self.current.iter().copied())
    }

    /// `current` failed: simplify from it.
    fn simplify(&mut self) -> bool {
        let fresh = self.candidates.is_empty() && self.next == 0;
        if fresh || self.current != self.accepted {
            self.accept_current();
        }
        self.try_next_candidate()
    }

    /// `current` passed: try the next candidate, or go back to the last
    /// failing schedule.
    fn complicate(&mut self) -> bool {
        if self.current == self.accepted {
            return false;
        }
        if !self.try_next_candidate() {
            self.current = self.accepted.clone();
        }
        true
    }
}

/// `indices` without trailing zeros (which replay the same: FIFO).
fn trimmed(indices: &[u32]) -> Vec<u32> {
    let end = indices.iter().rposition(|&i| i != 0).map_or(0, |i| i + 1);
    indices[..end].to_vec()
}

/// Every schedule one step simpler than `v`, most useful first: without one
/// of its deviations, without one of its choices, with one index lowered.
fn candidates(v: &[u32]) -> Vec<Vec<u32>> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let mut add = |candidate: Vec<u32>| {
        let candidate = trimmed(&candidate);
        if candidate != v && seen.insert(candidate.clone()) {
            out.push(candidate);
        }
    };
    for i in (0..v.len()).filter(|&i| v[i] != 0) {
        let mut c = v.to_vec();
        c[i] = 0;
        add(c);
    }
    for i in 0..v.len() {
        let mut c = v.to_vec();
        c.remove(i);
        add(c);
    }
    for i in 0..v.len() {
        for lower in 1..v[i] {
            let mut c = v.to_vec();
            c[i] = lower;
            add(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shrinks `start` against `fails` the way proptest's runner does.
    fn shrink(start: Vec<u32>, fails: impl Fn(&[u32]) -> bool) -> (Vec<u32>, usize) {
        let mut tree = ScheduleTree::new(start);
        let indices = |s: Schedule| s.choices().iter().map(|c| c.index).collect::<Vec<_>>();
        let mut runs = 0;
        if tree.simplify() {
            loop {
                runs += 1;
                if fails(&indices(tree.current())) {
                    if !tree.simplify() {
                        break;
                    }
                } else if !tree.complicate() {
                    break;
                }
            }
        }
        (indices(tree.current()), runs)
    }

    #[test]
    fn shrinks_to_the_one_deviation_that_matters() {
        // Fails when choice 3 takes an odd option (wrap-around over 2).
        let fails = |v: &[u32]| v.get(3).is_some_and(|i| i % 2 == 1);
        let (min, _) = shrink(vec![2, 5, 4, 7, 3, 6, 1], fails);
        assert_eq!(min, [0, 0, 0, 1]);
    }

    #[test]
    fn moves_deviations_earlier() {
        // Fails when any choice deviates.
        let (min, _) = shrink(vec![0, 0, 0, 0, 6, 0, 3], |v| v.iter().any(|&i| i != 0));
        assert_eq!(min, [1]);
    }

    #[test]
    fn escapes_wrap_around_where_a_binary_search_would_stop() {
        // Two options at each choice: 2 is FIFO, 1 is not. Fails when the
        // effective choices are exactly one deviation, at position 1.
        let effective = |v: &[u32]| trimmed(&v.iter().map(|i| i % 2).collect::<Vec<_>>());
        let fails = |v: &[u32]| effective(v) == [0, 1];
        let (min, _) = shrink(vec![2, 3, 2, 4], fails);
        assert_eq!(min, [0, 1]);
    }

    #[test]
    fn keeps_what_is_needed() {
        // Needs two deviations, at positions 1 and 4.
        let fails =
            |v: &[u32]| v.get(1).is_some_and(|&i| i != 0) && v.get(4).is_some_and(|&i| i != 0);
        let (min, runs) = shrink(vec![3, 7, 0, 5, 2, 6], fails);
        assert_eq!(min, [0, 1, 0, 0, 1]);
        assert!(runs < 200, "{runs} runs");
    }

    #[test]
    fn a_passing_first_candidate_leaves_the_original() {
        // Fails only as generated: every simpler schedule passes.
        let original = vec![1, 1];
        let (min, runs) = shrink(original.clone(), |v| v == [1, 1]);
        assert_eq!(min, original);
        // Each candidate once, then the original again.
        assert_eq!(runs, candidates(&original).len() + 1);
    }
}
