//! The `sim` mode: tokio's paths over simloop.

pub mod fs;
pub mod io;
#[doc(hidden)]
pub mod macros;
pub mod net;
pub mod process;
pub mod runtime;
pub mod signal;
pub mod sync;
pub mod task;
pub mod time;

pub use task::spawn;

pub use simloop_tokio_macros::{main, test};

/// What the macros expand to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use futures;
    pub use simloop;
    pub use simloop_tokio_macros::{join_impl, select_impl};

    pub use super::macros::support::*;
}
