//! A small library under test, as an adopter's crate would have: a stock
//! of items that concurrent orders reserve from. Its tests (in `tests/`)
//! drive it with simloop the way the user guide tells a new user to.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::cell::Cell;

/// Items in stock; an order reserves some and must never overdraw.
#[derive(Debug, Default)]
pub struct Stock {
    left: Cell<u32>,
}

impl Stock {
    /// A stock of `items`.
    pub fn new(items: u32) -> Stock {
        Stock {
            left: Cell::new(items),
        }
    }

    /// How many items are left.
    pub fn left(&self) -> u32 {
        self.left.get()
    }

    /// Whether `n` items can be reserved now (the check of a
    /// check-then-act: another order may act in between).
    pub fn can_reserve(&self, n: u32) -> bool {
        self.left.get() >= n
    }

    /// Takes `n` items.
    ///
    /// # Panics
    ///
    /// If fewer than `n` are left: the stock was overdrawn.
    pub fn take(&self, n: u32) {
        let left = self.left.get();
        assert!(left >= n, "stock overdrawn: {n} taken with {left} left");
        self.left.set(left - n);
    }
}
