//! Dependencies inside the `simloop` crate point one way: the vocabulary
//! (`base`, `trace`, `schedule`, `error`) uses nothing above it, and the
//! runtime (with its strategies, configuration and panic catching) uses
//! only the vocabulary, never the public API built on it (`task`, `time`,
//! `rand`, `sim`, ...). Checked on the source: every `crate::NAME` path
//! outside comments must name a module of the same layer or one below.

use std::fs;
use std::path::{Path, PathBuf};

const VOCABULARY: &[&str] = &["base", "trace", "schedule", "error"];
const RUNTIME: &[&str] = &["runtime", "strategy", "config", "panic"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../sim/src")
}

/// The `.rs` files of a module: `NAME.rs` and everything under `NAME/`.
fn files(module: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let file = src().join(format!("{module}.rs"));
    if file.exists() {
        out.push(file);
    }
    let mut dirs = vec![src().join(module)];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    assert!(!out.is_empty(), "module {module} has no source files");
    out.sort();
    out
}

/// Every `crate::NAME` named outside comments, with its line.
fn crate_paths(path: &Path) -> Vec<(usize, String)> {
    let text = fs::read_to_string(path).unwrap();
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (n, line) in lines.iter().enumerate() {
        // A module's unit tests (`#[cfg(test)] mod tests`, last in the
        // file) drive it through the public API: they are not among its
        // dependencies.
        if line.trim() == "#[cfg(test)]"
            && lines
                .get(n + 1)
                .is_some_and(|next| next.trim() == "mod tests {")
        {
            break;
        }
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.push((n + 1, name));
        }
    }
    out
}

fn check(layer: &[&str], allowed: &[&str]) -> Vec<String> {
    let mut wrong = Vec::new();
    for module in layer {
        for file in files(module) {
            for (line, name) in crate_paths(&file) {
                if !allowed.contains(&name.as_str()) {
                    wrong.push(format!("{}:{line} uses crate::{name}", file.display()));
                }
            }
        }
    }
    wrong
}

#[test]
fn the_vocabulary_uses_nothing_above_it() {
    let wrong = check(VOCABULARY, VOCABULARY);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_runtime_uses_only_itself_and_the_vocabulary() {
    let allowed: Vec<&str> = VOCABULARY.iter().chain(RUNTIME).copied().collect();
    let wrong = check(RUNTIME, &allowed);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_check_sees_a_path_that_goes_up() {
    // The check itself: the public task module does use the runtime.
    let uses_runtime = files("task")
        .iter()
        .flat_map(|f| crate_paths(f))
        .any(|(_, name)| name == "runtime");
    assert!(uses_runtime);
}
