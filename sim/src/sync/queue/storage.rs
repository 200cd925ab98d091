//! Storage disciplines of a [`Queue`](super::Queue): [`Fifo`] (asyncio's
//! `Queue`), [`Lifo`] (`LifoQueue`) and [`Priority`] (`PriorityQueue`).

use std::collections::VecDeque;
use std::fmt;

mod sealed {
    pub trait Sealed {}
}

/// How a queue stores its items and which one `get` takes next. Implemented
/// by [`Fifo`], [`Lifo`] and [`Priority`] only.
pub trait Storage<T>: sealed::Sealed {
    /// Name of the queue type in wait reasons (`"Queue::get"`, ...).
    #[doc(hidden)]
    const OPS: Ops;

    /// An empty store.
    #[doc(hidden)]
    fn empty() -> Self;
    /// Adds an item.
    #[doc(hidden)]
    fn push(&mut self, item: T);
    /// Removes the next item.
    #[doc(hidden)]
    fn pop(&mut self) -> Option<T>;
    /// Number of items.
    #[doc(hidden)]
    fn len(&self) -> usize;
    /// Whether there is no item.
    #[doc(hidden)]
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Names of a queue's blocking operations, as shown in deadlock reports.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Ops {
    pub(crate) get: &'static str,
    pub(crate) put: &'static str,
    pub(crate) join: &'static str,
}

/// First in, first out: asyncio's `Queue`.
pub struct Fifo<T>(VecDeque<T>);

/// Last in, first out: asyncio's `LifoQueue`.
pub struct Lifo<T>(Vec<T>);

/// Smallest first: asyncio's `PriorityQueue`.
///
/// The items form a binary min-heap managed exactly as Python's `heapq`
/// does, so items that compare equal come out in the same order as in
/// CPython.
pub struct Priority<T>(Vec<T>);

macro_rules! debug_len {
    ($($ty:ident),*) => {$(
        impl<T> fmt::Debug for $ty<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($ty), "({} items)"), self.0.len())
            }
        }
        impl<T> sealed::Sealed for $ty<T> {}
    )*};
}
debug_len!(Fifo, Lifo, Priority);

impl<T> Storage<T> for Fifo<T> {
    const OPS: Ops = Ops {
        get: "Queue::get",
        put: "Queue::put",
        join: "Queue::join",
    };
    fn empty() -> Self {
        Fifo(VecDeque::new())
    }
    fn push(&mut self, item: T) {
        self.0.push_back(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T> Storage<T> for Lifo<T> {
    const OPS: Ops = Ops {
        get: "LifoQueue::get",
        put: "LifoQueue::put",
        join: "LifoQueue::join",
    };
    fn empty() -> Self {
        Lifo(Vec::new())
    }
    fn push(&mut self, item: T) {
        self.0.push(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl<T: Ord> Storage<T> for Priority<T> {
    const OPS: Ops = Ops {
        get: "PriorityQueue::get",
        put: "PriorityQueue::put",
        join: "PriorityQueue::join",
    };
    fn empty() -> Self {
        Priority(Vec::new())
    }
    /// `heapq.heappush`.
    fn push(&mut self, item: T) {
        self.0.push(item);
        let last = self.0.len() - 1;
        sift_down(&mut self.0, 0, last);
    }
    /// `heapq.heappop`.
    fn pop(&mut self) -> Option<T> {
        let last = self.0.pop()?;
        if self.0.is_empty() {
            return Some(last);
        }
        let top = std::mem::replace(&mut self.0[0], last);
        sift_up(&mut self.0, 0);
        Some(top)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// `heapq._siftdown`: moves the item at `pos` up towards `start` while it is
/// smaller than its parent.
fn sift_down<T: Ord>(heap: &mut [T], start: usize, mut pos: usize) {
    while pos > start {
        let parent = (pos - 1) >> 1;
        if heap[pos] < heap[parent] {
            heap.swap(pos, parent);
            pos = parent;
        } else {
            break;
        }
    }
}

/// `heapq._siftup`: moves the item at `pos` down to a leaf along the path of
/// smaller children, then back up to its place.
fn sift_up<T: Ord>(heap: &mut [T], mut pos: usize) {
    let end = heap.len();
    let start = pos;
    let mut child = 2 * pos + 1;
    while child < end {
        let right = child + 1;
        if right < end && heap[child] >= heap[right] {
            child = right;
        }
        heap.swap(pos, child);
        pos = child;
        child = 2 * pos + 1;
    }
    sift_down(heap, start, pos);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    /// Compares by key only, so that equal keys reveal the heap's tie order.
    #[derive(Debug, Clone, Copy)]
    struct Keyed(u32, char);
    impl PartialEq for Keyed {
        fn eq(&self, other: &Self) -> bool {
            self.0 == other.0
        }
    }
    impl Eq for Keyed {}
    impl PartialOrd for Keyed {
        fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Keyed {
        fn cmp(&self, other: &Self) -> Ordering {
            self.0.cmp(&other.0)
        }
    }

    #[test]
    fn priority_pops_in_order() {
        let mut p = Priority::empty();
        for x in [5, 1, 4, 1, 5, 9, 2, 6] {
            p.push(x);
        }
        let mut out = Vec::new();
        while let Some(x) = p.pop() {
            out.push(x);
        }
        assert_eq!(out, vec![1, 1, 2, 4, 5, 5, 6, 9]);
    }

    #[test]
    fn priority_ties_follow_heapq() {
        // CPython 3.11:
        //   h = []
        //   for k, c in [(1,'a'),(1,'b'),(1,'c'),(0,'d'),(1,'e')]: heappush(h, Keyed(k, c))
        //   ''.join(heappop(h).c for _ in range(5)) == 'dceab'
        let mut p = Priority::empty();
        for (k, c) in [(1, 'a'), (1, 'b'), (1, 'c'), (0, 'd'), (1, 'e')] {
            p.push(Keyed(k, c));
        }
        let mut out = String::new();
        while let Some(Keyed(_, c)) = p.pop() {
            out.push(c);
        }
        assert_eq!(out, "dceab");
    }

    #[test]
    fn lifo_and_fifo() {
        let mut l = Lifo::empty();
        let mut f = Fifo::empty();
        for x in 0..3 {
            l.push(x);
            f.push(x);
        }
        assert_eq!((l.pop(), f.pop()), (Some(2), Some(0)));
        assert_eq!((l.len(), f.len()), (2, 2));
    }
}
