//! The adopter's docs say what this crate does: the README's first test is
//! this crate's `tests/first_test.rs`, its dependency lines are this
//! crate's, and the guide's pages link to each other.

use std::path::Path;

const README: &str = include_str!("../../../README.md");
const CRATE_DOCS: &str = include_str!("../../../sim/src/lib.rs");
const FIRST_TEST: &str = include_str!("first_test.rs");

/// The fenced code blocks of `text` with the given info string.
fn blocks(text: &str, info: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim_start_matches("//! ").trim_start_matches("//!") == format!("```{info}") {
            let body: Vec<&str> = lines
                .by_ref()
                .take_while(|l| l.trim_start_matches("//!").trim() != "```")
                .collect();
            out.push(body.join("\n"));
        }
    }
    out
}

#[test]
fn the_readme_shows_this_crates_first_test_verbatim() {
    let rust = blocks(README, "rust");
    assert_eq!(
        rust.first().map(String::as_str),
        Some(FIRST_TEST.trim_end()),
        "the README's first Rust block is tests/user-crate/tests/first_test.rs"
    );
}

#[test]
fn the_readme_keeps_exactly_its_two_setup_commands() {
    assert_eq!(
        blocks(README, "sh"),
        [
            "cargo run --release -p simloop-scenarios --bin simloop -- tour",
            "cargo test --workspace"
        ]
    );
}

#[test]
fn the_dependency_lines_come_first_and_match_the_profile_override() {
    let toml = blocks(README, "toml");
    let lines = toml.first().expect("a toml block");
    assert!(
        lines.starts_with("[dev-dependencies]\nsimloop = \"0.1\""),
        "{lines}"
    );
    assert!(
        lines.contains("[profile.test.package.simloop]\nopt-level = 3"),
        "{lines}"
    );
    let using = README.find("## Using simloop in your crate").unwrap();
    let setup = README.find("## Getting started").unwrap();
    assert!(using < setup, "the adopters' section comes first");
    // The crate docs carry the same section and lines.
    assert!(CRATE_DOCS.contains("//! ## Using simloop in your crate"));
    assert!(CRATE_DOCS.contains("//! [profile.test.package.simloop]\n//! opt-level = 3"));
    assert!(CRATE_DOCS.contains("//! simloop = \"0.1\""));
}

#[test]
fn every_guide_page_is_linked_from_the_index_and_links_to_another() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
    let index = std::fs::read_to_string(docs.join("README.md")).unwrap();
    let mut pages: Vec<String> = std::fs::read_dir(&docs)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".md") && n != "README.md")
        .collect();
    pages.sort();
    assert!(pages.len() >= 6, "{pages:?}");
    for page in &pages {
        assert!(
            index.contains(&format!("]({page})")),
            "docs/README.md does not link {page}"
        );
        let text = std::fs::read_to_string(docs.join(page)).unwrap();
        let others = pages
            .iter()
            .filter(|p| *p != page)
            .any(|p| text.contains(&format!("]({p}")));
        assert!(others, "{page} links to no other page of the guide");
        assert!(
            text.contains("](README.md)"),
            "{page} does not link back to the guide's index"
        );
    }
    // The crate docs link the guide (rendered by rustdoc as `simloop::guide`).
    assert!(CRATE_DOCS.contains("[The user guide](guide)"));
    assert!(README.contains("](docs/README.md)"));
}
