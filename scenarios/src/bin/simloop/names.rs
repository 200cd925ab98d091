//! The scenario-name argument: clap rejects unknown names with the list of
//! known ones (exit status 2).

use clap::builder::PossibleValuesParser;

/// A parser accepting exactly the catalog's names.
pub fn parser() -> PossibleValuesParser {
    PossibleValuesParser::new(simloop_scenarios::named().into_iter().map(|s| s.name))
}

/// The scenario called `name` (which the parser has already checked).
pub fn scenario(name: &str) -> simloop_scenarios::Scenario {
    simloop_scenarios::find(name).unwrap_or_else(|e| {
        // Unreachable through the parser; stay a usage error all the same.
        eprintln!("error: {e}");
        std::process::exit(2)
    })
}
