//! Synchronization primitives: `tokio::sync` over simloop's wakers.
//!
//! Each primitive keeps tokio's fairness (first come, first served for
//! locks, semaphores and bounded channels), its cancel safety and its error
//! types, and tells the simulation what a blocked task waits on, so a
//! deadlock report reads `"worker" waits on mpsc::Receiver::recv`. The
//! locks inside are `parking_lot` locks held only for the duration of a
//! call, never across an `.await`.

pub mod oneshot;
