//! Task combinators with asyncio's semantics: [`gather`], [`as_completed`],
//! [`wait`], [`select`]/[`race`], [`shield`] and [`TaskGroup`].
//!
//! | asyncio | simloop |
//! |---|---|
//! | `gather(*aws)` | [`gather`] (panics), [`try_gather`] (`Result` futures) |
//! | `gather(*aws, return_exceptions=True)` | [`join_all`] |
//! | `TaskGroup` | [`TaskGroup`], [`try_join_all`] for a list (fail-fast) |
//! | `as_completed(aws)` | [`as_completed`] (a stream) |
//! | `wait(tasks, timeout, return_when)` | [`wait`], [`try_wait`] with [`ReturnWhen`] |
//! | `wait(..., FIRST_COMPLETED)` + cancel the rest | [`select`], [`race`] |
//! | `shield(aw)` | [`shield`] |
//! | `wait_for(aw, timeout)` | [`time::wait_for`](crate::time::wait_for) |
//!
//! Combinators that take futures run each one as its own task (as asyncio
//! wraps each coroutine in a task), so the scheduler interleaves them and a
//! seed explores their orderings; such futures must be `'static`.
//! [`select`] and [`race`] instead poll their futures inside the calling
//! task, so they may borrow, and drop the losers as soon as one finishes.
//!
//! Waiting in any of them tells the simulation what the task waits on (for
//! example `gather on "2 task(s)"`), for deadlock reports.
//!
//! ```
//! use std::time::Duration;
//! use simloop::{Sim, combinators::gather, time};
//!
//! // The seed documents' first program: three counts, gathered.
//! let lines = Sim::new(1).run(async {
//!     let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
//!     gather((0..3).map(|_| {
//!         let log = log.clone();
//!         async move {
//!             log.borrow_mut().push(("One", time::now().since_start()));
//!             time::sleep(Duration::from_secs(1)).await;
//!             log.borrow_mut().push(("Two", time::now().since_start()));
//!         }
//!     })).await.unwrap();
//!     log.take()
//! }).unwrap();
//! let names: Vec<_> = lines.iter().map(|l| l.0).collect();
//! assert_eq!(names, ["One", "One", "One", "Two", "Two", "Two"]);
//! assert_eq!(lines[5].1, Duration::from_secs(1));
//! ```

mod as_completed;
mod error;
mod gather;
mod select;
mod set;
mod shield;
mod slots;
mod task_group;
mod wait;

pub use as_completed::{AsCompleted, as_completed};
pub use error::TaskError;
pub use gather::{Gather, JoinAll, TryGather, gather, join_all, try_gather};
pub use select::{Either, Race, Select, race, select};
pub use shield::{Shield, shield};
pub use task_group::{
    Member, MemberOutcome, TaskGroup, TaskGroupClosed, TaskGroupHandle, TaskGroupJoin,
    TaskGroupRun, try_join_all,
};
pub use wait::{ReturnWhen, Wait, Waited, try_wait, wait};
