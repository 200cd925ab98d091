//! The timers due at one instant, while they fire.
//!
//! The strategy picks the next one among those left, by its index in arming
//! order. Removing it from a vector would shift the rest: O(n) a pick, and
//! O(n²) for a group of n, which is what a network with a thousand
//! deliveries due at the same millisecond pays. Instead the group stays in
//! place and a Fenwick tree counts the entries left, so finding the entry
//! of an index and taking it out cost O(log n), while the order the
//! strategy sees is exactly the arming order of those left. Until a pick
//! other than the first (FIFO's only pick), the entries left are a suffix
//! and no tree is needed; a small group (most are) is then picked from by
//! shifting, cheaper than a tree at that size, and the tree is built at
//! the first such pick in a large one.

use std::task::Waker;

use crate::base::TaskId;

/// Groups up to this size are picked from by shifting the entries left:
/// moving a few kilobytes costs less than two walks down the tree and its
/// building (W6 at 1 000 000 tasks, about 100 timers an instant, ran 3 %
/// more instructions with the tree).
const SMALL: usize = 256;

#[derive(Default)]
pub(crate) struct Tied {
    /// The group in arming order; a taken entry's waker is gone.
    items: Vec<(TaskId, Option<Waker>)>,
    /// `tree[i]` (from 1) counts the entries left among
    /// `items[i - lowbit(i) .. i]`; empty while the entries left are
    /// `items[head..]`.
    tree: Vec<u32>,
    /// The entries before it are taken.
    head: usize,
    left: usize,
}

impl Tied {
    /// Where the next group goes, before [`start`](Self::start).
    pub(crate) fn items_mut(&mut self) -> &mut Vec<(TaskId, Option<Waker>)> {
        &mut self.items
    }

    /// Every entry of the group is left.
    #[inline]
    pub(crate) fn start(&mut self) {
        self.left = self.items.len();
        self.head = 0;
        self.tree.clear();
    }

    /// Builds the tree of the entries left, `items[head..]`: O(n).
    fn build_tree(&mut self) {
        let n = self.items.len();
        self.tree.clear();
        self.tree.resize(n + 1, 1);
        self.tree[..=self.head].fill(0);
        for i in 1..=n {
            let parent = i + lowbit(i);
            if parent <= n {
                self.tree[parent] += self.tree[i];
            }
        }
    }

    /// Entries left.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.left
    }

    /// Whether every entry was taken.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.left == 0
    }

    /// The position in `items` of the entry left at `index`.
    #[inline]
    fn find(&self, index: usize) -> usize {
        assert!(index < self.left, "a tied timer index within the group");
        if self.tree.is_empty() {
            return self.head + index;
        }
        let n = self.items.len();
        let mut rest = index as u32 + 1;
        let mut pos = 0;
        let mut step = n.checked_ilog2().map_or(0, |b| 1 << b);
        while step > 0 {
            let next = pos + step;
            if next <= n && self.tree[next] < rest {
                pos = next;
                rest -= self.tree[next];
            }
            step >>= 1;
        }
        pos
    }

    /// The task that armed the entry left at `index`.
    pub(crate) fn owner(&self, index: usize) -> TaskId {
        self.items[self.find(index)].0
    }

    /// Takes out the entry left at `index`; those behind it move up one.
    #[inline]
    pub(crate) fn take(&mut self, index: usize) -> (TaskId, Waker) {
        if index > 0 && self.tree.is_empty() {
            if self.left <= SMALL {
                self.left -= 1;
                let (owner, waker) = self.items.remove(self.head + index);
                return (owner, waker.expect("an entry left has its waker"));
            }
            self.build_tree();
        }
        let pos = self.find(index);
        if self.tree.is_empty() {
            self.head += 1;
        } else {
            let mut i = pos + 1;
            while i < self.tree.len() {
                self.tree[i] -= 1;
                i += lowbit(i);
            }
        }
        self.left -= 1;
        let (owner, waker) = &mut self.items[pos];
        (*owner, waker.take().expect("an entry left has its waker"))
    }

    /// Drops the group (and the wakers not taken).
    pub(crate) fn clear(&mut self) {
        self.items.clear();
        self.tree.clear();
        self.head = 0;
        self.left = 0;
    }

    /// Room for how many entries there is.
    pub(crate) fn capacity(&self) -> usize {
        self.items.capacity().max(self.tree.capacity())
    }
}

fn lowbit(i: usize) -> usize {
    i & i.wrapping_neg()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(n: u64) -> Tied {
        let mut t = Tied::default();
        t.items_mut()
            .extend((0..n).map(|i| (TaskId::from_u64(i), Some(Waker::noop().clone()))));
        t.start();
        t
    }

    #[test]
    fn takes_like_removing_from_a_vector() {
        // Index sequences of every shape, checked against Vec::remove.
        // Some take the first entries first, as FIFO does, then others.
        let shapes = [
            (0usize, 0usize),
            (1, 0),
            (2, 0),
            (5, 3),
            (13, 1),
            (0, 4),
            (3, 50),
        ];
        for n in [1u64, 2, 3, 7, 8, 9, 64, 100, 257, 300] {
            for (stride, front_first) in shapes {
                let mut t = group(n);
                let mut reference: Vec<u64> = (0..n).collect();
                let mut k = 0usize;
                while !reference.is_empty() {
                    let index = if k < front_first {
                        0
                    } else if stride == 0 {
                        reference.len() - 1
                    } else {
                        (k * stride) % reference.len()
                    };
                    assert_eq!(t.owner(index), TaskId::from_u64(reference[index]));
                    assert_eq!(t.take(index).0, TaskId::from_u64(reference.remove(index)));
                    assert_eq!(t.len(), reference.len());
                    k += 1;
                }
            }
        }
    }

    #[test]
    fn a_new_group_starts_afresh() {
        let mut t = group(5);
        t.take(2);
        t.clear();
        t.items_mut()
            .extend((10..13).map(|i| (TaskId::from_u64(i), Some(Waker::noop().clone()))));
        t.start();
        assert_eq!(t.len(), 3);
        assert_eq!(t.take(0).0, TaskId::from_u64(10));
        assert_eq!(t.take(1).0, TaskId::from_u64(12));
        assert_eq!(t.take(0).0, TaskId::from_u64(11));
    }
}
