//! Makes the user guide (`docs/*.md` at the workspace root) part of the
//! crate's documentation: one module of `simloop::guide` per page.
//!
//! The pages link to each other as files (`[testing](testing.md#replaying-a-failure)`),
//! which is what a repository browser follows. In rustdoc each page is a
//! module, so the copy the docs include has those links rewritten into
//! intra-doc links (`crate::guide::testing#replaying-a-failure`), which
//! `cargo doc` checks: a link to a missing page is a warning (an error in
//! CI, under `-D warnings`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let docs = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("../docs");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    println!("cargo::rerun-if-changed={}", docs.display());
    let mut pages: Vec<(String, PathBuf)> = fs::read_dir(&docs)
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "md"))
                .filter_map(|p| Some((p.file_stem()?.to_str()?.to_owned(), p)))
                .collect()
        })
        .unwrap_or_default();
    pages.sort();
    let mut modules = String::new();
    for (stem, path) in &pages {
        println!("cargo::rerun-if-changed={}", path.display());
        let text = fs::read_to_string(path).unwrap();
        let file = out.join(format!("guide-{stem}.md"));
        fs::write(&file, rewrite_links(&text)).unwrap();
        // The index is the documentation of `guide` itself (in `lib.rs`).
        if stem != "README" {
            writeln!(
                modules,
                "#[doc = include_str!({:?})]\npub mod {} {{}}",
                file.display(),
                module_name(stem)
            )
            .unwrap();
        }
    }
    fs::write(out.join("guide.rs"), modules).unwrap();
}

/// The module a page becomes: `docs/tokio.md` is `guide::tokio`.
fn module_name(stem: &str) -> String {
    stem.to_ascii_lowercase().replace(['-', '.'], "_")
}

/// `](page.md)` and `](page.md#anchor)` become links to the page's module,
/// `](README.md)` to the guide itself and `](../README.md)` to the crate's
/// front page. Other links are kept.
fn rewrite_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        out.push_str(&rest[..at + 2]);
        rest = &rest[at + 2..];
        let end = rest.find(')').unwrap_or(rest.len());
        let target = &rest[..end];
        let (file, anchor) = match target.split_once('#') {
            Some((file, anchor)) => (file, Some(anchor)),
            None => (target, None),
        };
        let page = file.strip_prefix("./").unwrap_or(file);
        if page == "../README.md" {
            // The repository's README: its adopters' section is also the
            // crate's front page.
            out.push_str("crate");
            if let Some(anchor) = anchor {
                out.push('#');
                out.push_str(anchor);
            }
            rest = &rest[end..];
            continue;
        }
        match page.strip_suffix(".md") {
            Some(stem) if !stem.is_empty() && !stem.contains('/') && !stem.contains(':') => {
                let module = if stem == "README" {
                    "crate::guide".to_owned()
                } else {
                    format!("crate::guide::{}", module_name(stem))
                };
                out.push_str(&module);
                if let Some(anchor) = anchor {
                    out.push('#');
                    out.push_str(anchor);
                }
            }
            _ => out.push_str(target),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}
