//! The declarative macros of `sim` mode (`select!`, `join!`, `try_join!`,
//! `pin!`) and what their expansions call.

/// Waits on several branches at once and runs the handler of the first to
/// complete, dropping the others (`tokio::select!`).
///
/// The order in which the branches are polled is drawn from the
/// simulation's seeded stream at every poll (tokio draws it from its own
/// thread-local RNG), so every seed explores its own orders and replays
/// them; `biased;` polls them top to bottom. `, if condition` disables a
/// branch; `else` runs when every branch is disabled or its pattern failed
/// to match.
///
/// ```
/// # extern crate simloop_tokio as tokio;
/// use std::time::Duration;
/// # simloop::Sim::new(1).run(async {
/// let (tx, mut rx) = tokio::sync::mpsc::channel::<u32>(1);
/// tokio::spawn(async move { tokio::time::sleep(Duration::from_secs(2)).await; tx.send(7).await.unwrap() });
/// let got = tokio::select! {
///     Some(v) = rx.recv() => v,
///     _ = tokio::time::sleep(Duration::from_secs(1)) => 0,
/// };
/// assert_eq!(got, 0);
/// # }).unwrap();
/// ```
#[macro_export]
macro_rules! select {
    ($($tokens:tt)*) => {
        $crate::__private::select_impl! { ($crate) $($tokens)* }
    };
}

/// Waits on several futures concurrently and returns all their outputs as
/// a tuple (`tokio::join!`). The futures run in the calling task; with
/// `biased;` they are polled in order, otherwise starting from a rotating
/// position, as tokio does.
///
/// ```
/// # extern crate simloop_tokio as tokio;
/// # simloop::Sim::new(1).run(async {
/// let (a, b) = tokio::join!(async { 1 }, async { "two" });
/// assert_eq!((a, b), (1, "two"));
/// # }).unwrap();
/// ```
#[macro_export]
macro_rules! join {
    ($($tokens:tt)*) => {
        $crate::__private::join_impl! { ($crate) join $($tokens)* }
    };
}

/// Like `join!` for futures returning `Result`: the first `Err` is returned
/// at once, dropping the other futures (`tokio::try_join!`).
///
/// ```
/// # extern crate simloop_tokio as tokio;
/// # simloop::Sim::new(1).run(async {
/// let r: Result<(u32, u32), &str> = tokio::try_join!(async { Ok(1) }, async { Err("no") });
/// assert_eq!(r, Err("no"));
/// # }).unwrap();
/// ```
#[macro_export]
macro_rules! try_join {
    ($($tokens:tt)*) => {
        $crate::__private::join_impl! { ($crate) try_join $($tokens)* }
    };
}

/// Pins values on the stack (`tokio::pin!`).
///
/// ```
/// # extern crate simloop_tokio as tokio;
/// # simloop::Sim::new(1).run(async {
/// let fut = async { 3 };
/// tokio::pin!(fut);
/// assert_eq!((&mut fut).await, 3);
/// # }).unwrap();
/// ```
#[macro_export]
macro_rules! pin {
    ($($x:ident),* $(,)?) => { $(
        #[allow(unused_mut)]
        let mut $x = ::core::pin::pin!($x);
    )* };
    ($(let $x:ident = $init:expr;)*) => { $(
        let $x = $init;
        $crate::pin!($x);
    )* };
}

/// Helpers the expansions call.
pub mod support {
    pub use std::future::poll_fn;
    pub use std::pin::Pin;
    pub use std::task::Poll;

    pub use futures::future::{MaybeDone, maybe_done};

    /// `i` modulo `n` (a function, so that the expansion raises no lint when
    /// `n` is 1).
    pub fn wrap(i: u32, n: u32) -> u32 {
        i % n
    }

    /// A start position among `n` branches, from the simulation's facade
    /// stream.
    pub fn start_index(n: u32) -> u32 {
        simloop::facade::choice_below(u64::from(n)) as u32
    }
}
