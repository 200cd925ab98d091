//! Nothing but its tests: they check that `#[sl::test(crate = sl)]` works
//! where simloop is a dependency renamed to `sl`, so that `::simloop` does
//! not exist.

#![forbid(unsafe_code)]
