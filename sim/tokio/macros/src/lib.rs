//! The macros of simloop-tokio's `sim` mode: `#[tokio::main]`,
//! `#[tokio::test]` and the engines of `select!`, `join!` and `try_join!`.
//! Use them through simloop-tokio, which documents them.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use proc_macro::TokenStream;

mod entry;
mod join;
mod select;

/// `#[tokio::main]`: runs the `async fn main` as one simulation (see
/// `simloop_tokio::runtime::Runtime::block_on`).
#[proc_macro_attribute]
pub fn main(attr: TokenStream, item: TokenStream) -> TokenStream {
    entry::main(attr.into(), item.into()).into()
}

/// `#[tokio::test]`: a seed sweep through simloop's test harness.
#[proc_macro_attribute]
pub fn test(attr: TokenStream, item: TokenStream) -> TokenStream {
    entry::test(attr.into(), item.into()).into()
}

/// The engine of `select!`: `select_impl!((crate path) branches...)`.
#[doc(hidden)]
#[proc_macro]
pub fn select_impl(input: TokenStream) -> TokenStream {
    select::expand(input.into()).into()
}

/// The engine of `join!` and `try_join!`:
/// `join_impl!((crate path) join|try_join futures...)`.
#[doc(hidden)]
#[proc_macro]
pub fn join_impl(input: TokenStream) -> TokenStream {
    join::expand(input.into()).into()
}
