//! How many cases the property tests over inputs and programs run: a few
//! thousand by default, so that CI takes seconds, and as many as
//! `SIMLOOP_PROPTEST_CASES` says for a longer search.

/// `SIMLOOP_PROPTEST_CASES` if it is set to a number, else `default`.
///
/// # Panics
///
/// If the variable is set to something that is not a number of cases.
pub fn cases(default: u32) -> u32 {
    match std::env::var("SIMLOOP_PROPTEST_CASES") {
        Ok(text) if !text.trim().is_empty() => text.trim().parse().unwrap_or_else(|_| {
            panic!("SIMLOOP_PROPTEST_CASES={text:?} is not a number of cases, e.g. 100000")
        }),
        _ => default,
    }
}
