//! The attribute's arguments, fuzzed: whatever a user writes between the
//! parentheses of `#[simloop::test(...)]`, the parser never panics (a panic
//! in a proc macro is an unreadable compile error), and a rejection is a
//! compile error that says what is wrong. `SIMLOOP_PROPTEST_CASES` raises
//! the number of cases (default 2 000).

use proc_macro2::TokenStream as TokenStream2;
use proptest::prelude::*;
use syn::parse::Parser;

use super::{Options, UNKNOWN};

fn cases() -> u32 {
    std::env::var("SIMLOOP_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(2_000)
}

/// Parses `text` as the attribute's arguments, as the macro does: `None` if
/// it is not even a token stream (rustc rejects that before the macro runs).
fn parse(text: &str) -> Option<syn::Result<Options>> {
    let tokens: TokenStream2 = text.parse().ok()?;
    let mut options = Options::default();
    let result = syn::meta::parser(|meta| options.parse(meta)).parse2(tokens);
    Some(result.map(|()| options))
}

const NAMES: &[&str] = &[
    "seeds",
    "strategy",
    "time_limit",
    "max_steps",
    "check_determinism",
    "leaks_are_errors",
    "regressions",
    "sedes",
    "simloop::seeds",
];

const VALUES: &[&str] = &[
    "0",
    "1",
    "100",
    "1_000",
    "18446744073709551615",
    "18446744073709551616",
    "-1",
    "1.5",
    "0x10",
    "true",
    "false",
    "x",
    "\"\"",
    "\"fifo\"",
    "\"pct:0\"",
    "\"pct:3\"",
    "\"replay:\"",
    "\"replay:3:1,17:2\"",
    "\"replay:3:1,4\"",
    "\"1h 30m\"",
    "\"0s\"",
    "\"18446744073709551615s\"",
    "\"99999999999999999999h\"",
    "\"a fortnight\"",
    "'c'",
    "b\"bytes\"",
    "(1, 2)",
];

/// `name = value` pairs (or bare names) separated by commas, from the
/// pieces above and fuzzed string literals.
fn arguments() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        3 => proptest::sample::select(VALUES).prop_map(str::to_owned),
        1 => any::<String>().prop_map(|s| format!("{s:?}")),
        1 => "[a-z0-9: ,]{0,12}".prop_map(|s| format!("{s:?}")),
    ];
    let argument =
        (proptest::sample::select(NAMES), proptest::option::of(value)).prop_map(|(name, value)| {
            match value {
                Some(v) => format!("{name} = {v}"),
                None => name.to_owned(),
            }
        });
    proptest::collection::vec(argument, 0..5).prop_map(|args| args.join(", "))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arguments_parse_or_say_why(text in arguments()) {
        let Some(result) = parse(&text) else {
            return Ok(());
        };
        match result {
            Ok(options) => {
                // One builder call per option, each option once.
                prop_assert_eq!(options.calls.len(), options.seen.len());
                let mut seen = options.seen.clone();
                seen.sort();
                seen.dedup();
                prop_assert_eq!(seen.len(), options.seen.len());
            }
            Err(e) => {
                let message = e.to_string();
                prop_assert!(!message.trim().is_empty(), "empty error for {}", text);
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics_the_parser(text in any::<String>()) {
        if let Some(Err(e)) = parse(&text) {
            prop_assert!(!e.to_string().trim().is_empty());
        }
    }
}

#[test]
fn unknown_names_list_every_option() {
    let error = |text: &str| match parse(text) {
        Some(Err(e)) => e.to_string(),
        _ => panic!("{text} accepted"),
    };
    assert_eq!(error("sedes = 3"), UNKNOWN);
    assert_eq!(error("simloop::seeds = 3"), UNKNOWN);
    // syn's own message, for a name that is not an identifier.
    assert!(error("\"seeds\" = 3").ends_with("expected ident"));
    let Some(Err(e)) = parse("time_limit = \"99999999999999999999h\"") else {
        panic!("an overflowing time limit accepted");
    };
    assert!(e.to_string().starts_with("`time_limit`: "), "{e}");
}
