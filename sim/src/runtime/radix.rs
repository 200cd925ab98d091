//! A radix heap: a monotone priority queue of timer deadlines.
//!
//! The clock never runs backwards and every timer is armed for a deadline
//! after the current time, so the smallest key taken out never decreases. A
//! radix heap exploits that: an item lives in the bucket named by the highest
//! bit in which its key differs from the last minimum. Pushing is an O(1)
//! append; finding the next minimum redistributes one bucket into lower ones,
//! and each item moves at most 64 times over its life (in practice a handful).
//! Buckets are plain vectors, so the work is sequential memory access instead
//! of the cache misses of a binary heap's sift-down.

/// (deadline in nanoseconds, arming sequence number, slot).
pub(crate) type Item = (u64, u64, u32);

const BUCKETS: usize = 65;

pub(crate) struct RadixHeap {
    /// The last minimum taken; every item's key is at least this.
    last: u64,
    /// `buckets[0]` holds keys equal to `last`; `buckets[i]` keys whose
    /// highest bit differing from `last` is bit `i - 1`.
    buckets: Box<[Vec<Item>; BUCKETS]>,
    scratch: Vec<Item>,
}

impl Default for RadixHeap {
    fn default() -> Self {
        RadixHeap {
            last: 0,
            buckets: Box::new(std::array::from_fn(|_| Vec::new())),
            scratch: Vec::new(),
        }
    }
}

impl RadixHeap {
    fn bucket(&self, key: u64) -> usize {
        (u64::BITS - (key ^ self.last).leading_zeros()) as usize
    }

    /// Adds an item.
    ///
    /// # Panics
    ///
    /// If its key is below the last minimum taken (a deadline in the past).
    pub(crate) fn push(&mut self, item: Item) {
        assert!(
            item.0 >= self.last,
            "timer armed for a deadline before the current minimum"
        );
        let b = self.bucket(item.0);
        self.buckets[b].push(item);
    }

    /// The smallest key, without moving anything.
    fn peek_min(&self) -> Option<u64> {
        if !self.buckets[0].is_empty() {
            return Some(self.last);
        }
        let b = self.buckets.iter().position(|b| !b.is_empty())?;
        self.buckets[b].iter().map(|i| i.0).min()
    }

    /// Moves the items with the smallest key into bucket 0, if that key is at
    /// most `limit`, and returns the key.
    fn settle(&mut self, limit: u64) -> Option<u64> {
        if !self.buckets[0].is_empty() {
            return Some(self.last);
        }
        let min = self.peek_min().filter(|m| *m <= limit)?;
        let b = self.bucket(min);
        self.last = min;
        std::mem::swap(&mut self.scratch, &mut self.buckets[b]);
        for i in 0..self.scratch.len() {
            let item = self.scratch[i];
            let nb = self.bucket(item.0);
            self.buckets[nb].push(item);
        }
        self.scratch.clear();
        Some(min)
    }

    /// Takes every item with the smallest key, if that key is at most
    /// `limit`, appending them to `out` in no particular order. Returns the
    /// key.
    pub(crate) fn pop_min_group(&mut self, limit: u64, out: &mut Vec<Item>) -> Option<u64> {
        let key = self.settle(limit)?;
        out.append(&mut self.buckets[0]);
        Some(key)
    }

    /// Room for how many items the largest bucket has.
    pub(crate) fn capacity(&self) -> usize {
        let buckets = self.buckets.iter().map(Vec::capacity).max().unwrap_or(0);
        buckets.max(self.scratch.capacity())
    }

    /// Removes every item.
    pub(crate) fn clear(&mut self) {
        self.buckets.iter_mut().for_each(Vec::clear);
        self.last = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_groups_in_key_order() {
        let mut h = RadixHeap::default();
        let keys = [50u64, 7, 7, 1 << 40, 3, 50, 8, 9_999_999];
        for (seq, k) in keys.iter().enumerate() {
            h.push((*k, seq as u64, 0));
        }
        let mut out = Vec::new();
        let mut groups = Vec::new();
        while let Some(k) = h.pop_min_group(u64::MAX, &mut out) {
            let mut seqs: Vec<u64> = out.drain(..).map(|i| i.1).collect();
            seqs.sort();
            groups.push((k, seqs));
            // Monotone pushes in between are fine.
            if k == 8 {
                h.push((9, 100, 0));
            }
        }
        assert_eq!(
            groups,
            vec![
                (3, vec![4]),
                (7, vec![1, 2]),
                (8, vec![6]),
                (9, vec![100]),
                (50, vec![0, 5]),
                (9_999_999, vec![7]),
                (1 << 40, vec![3]),
            ]
        );
    }

    #[test]
    fn a_limit_keeps_later_groups_in_place() {
        let mut h = RadixHeap::default();
        h.push((10, 1, 0));
        let mut out = Vec::new();
        assert_eq!(h.pop_min_group(9, &mut out), None);
        // The minimum did not move past the limit: an earlier key is still
        // accepted.
        h.push((9, 2, 0));
        assert_eq!(h.pop_min_group(9, &mut out), Some(9));
        assert_eq!(h.pop_min_group(u64::MAX, &mut out), Some(10));
    }

    #[test]
    fn matches_a_binary_heap_on_pseudo_random_keys() {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let mut h = RadixHeap::default();
        let mut reference = BinaryHeap::new();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut now = 0u64;
        let mut out = Vec::new();
        for seq in 0..5000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let key = now + 1 + x % 1000;
            h.push((key, seq, 0));
            reference.push(Reverse(key));
            if seq % 3 == 0 {
                let Reverse(min) = reference.pop().unwrap();
                let mut n = 1;
                while reference.peek() == Some(&Reverse(min)) {
                    reference.pop();
                    n += 1;
                }
                assert_eq!(h.pop_min_group(u64::MAX, &mut out), Some(min));
                assert_eq!(out.len(), n);
                out.clear();
                now = min;
            }
        }
    }
}
