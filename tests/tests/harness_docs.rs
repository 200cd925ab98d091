//! The user guide's table of environment variables matches what the harness
//! reads.

use simloop::harness::VARIABLES;

const GUIDE: &str = include_str!("../../docs/testing.md");

#[test]
fn the_guide_lists_every_variable_as_the_harness_describes_it() {
    let table: Vec<&str> = GUIDE
        .lines()
        .skip_while(|l| *l != "## Environment variables")
        .filter(|l| l.starts_with("| `SIMLOOP_"))
        .collect();
    let expected: Vec<String> = VARIABLES
        .iter()
        .map(|v| format!("| `{}` | {} | {} |", v.name, v.accepts, v.meaning))
        .collect();
    assert_eq!(table, expected);
}

#[test]
fn every_variable_the_guide_mentions_exists() {
    let mut rest = GUIDE;
    while let Some(start) = rest.find("SIMLOOP_") {
        let name: String = rest[start..]
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || *c == '_')
            .collect();
        // `SIMLOOP_*` stands for all of them.
        assert!(
            name == "SIMLOOP_" || VARIABLES.iter().any(|v| v.name == name),
            "the guide mentions {name}, which the harness does not read"
        );
        rest = &rest[start + name.len()..];
    }
}
