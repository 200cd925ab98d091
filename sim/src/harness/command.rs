//! [`ReplayCommand`]: the one shell command that replays a failing test seed,
//! for `cargo test` or for cargo-nextest ([`TestRunner`]).

use std::fmt;

/// The Cargo target a test lives in, as `cargo test` selects it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The library's unit tests: `--lib`.
    Lib,
    /// A binary's unit tests: `--bin NAME`.
    Bin(String),
    /// An integration test: `--test NAME`.
    Test(String),
    /// An example: `--example NAME`.
    Example(String),
    /// A benchmark target: `--bench NAME`.
    Bench(String),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Lib => f.write_str("--lib"),
            Target::Bin(name) => write!(f, "--bin {name}"),
            Target::Test(name) => write!(f, "--test {name}"),
            Target::Example(name) => write!(f, "--example {name}"),
            Target::Bench(name) => write!(f, "--bench {name}"),
        }
    }
}

/// The program that runs the tests, and so the one the replay command
/// names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TestRunner {
    /// `cargo test`.
    #[default]
    CargoTest,
    /// `cargo nextest run`, detected by the `NEXTEST=1` it sets for every
    /// test process.
    Nextest,
}

/// `SIMLOOP_SEED=<s> [SIMLOOP_STRATEGY=..] [SIMLOOP_SCHEDULE=..] cargo test
/// -p <package> <target> -- <test> --exact`: runs exactly one test with
/// exactly one seed. Under cargo-nextest, the same run as
/// `cargo nextest run -p <package> <target> -E 'test(=<test>)'`.
///
/// ```
/// use simloop::harness::{ReplayCommand, Target, TestRunner};
///
/// let mut cmd = ReplayCommand {
///     vars: vec![("SIMLOOP_SEED", "8841".into()), ("SIMLOOP_SCHEDULE", "3:1".into())],
///     package: "myapp".into(),
///     target: Target::Test("queue".into()),
///     test: "drains_exactly_once".into(),
///     runner: TestRunner::CargoTest,
/// };
/// assert_eq!(
///     cmd.to_string(),
///     "SIMLOOP_SEED=8841 SIMLOOP_SCHEDULE=3:1 cargo test -p myapp --test queue -- drains_exactly_once --exact"
/// );
/// cmd.runner = TestRunner::Nextest;
/// assert_eq!(
///     cmd.to_string(),
///     "SIMLOOP_SEED=8841 SIMLOOP_SCHEDULE=3:1 cargo nextest run -p myapp --test queue -E 'test(=drains_exactly_once)'"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayCommand {
    /// Environment variables to set, in order.
    pub vars: Vec<(&'static str, String)>,
    /// The package (`-p`).
    pub package: String,
    /// The target holding the test.
    pub target: Target,
    /// The test's path within its target, as libtest names it.
    pub test: String,
    /// Whether the command is a `cargo test` or a `cargo nextest run` one.
    pub runner: TestRunner,
}

impl fmt::Display for ReplayCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in &self.vars {
            write!(f, "{name}={} ", shell_word(value))?;
        }
        let package = shell_word(&self.package);
        match self.runner {
            TestRunner::CargoTest => write!(
                f,
                "cargo test -p {package} {} -- {} --exact",
                self.target,
                shell_word(&self.test)
            ),
            TestRunner::Nextest => write!(
                f,
                "cargo nextest run -p {package} {} -E {}",
                self.target,
                shell_word(&format!("test(={})", self.test))
            ),
        }
    }
}

/// `word`, single-quoted if a shell would otherwise split or expand it.
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-.:,/=+@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_tests_are_selected_with_lib_and_odd_words_are_quoted() {
        let cmd = ReplayCommand {
            vars: vec![
                ("SIMLOOP_SEED", "1".into()),
                ("SIMLOOP_STRATEGY", "pct:3".into()),
            ],
            package: "my-app".into(),
            target: Target::Lib,
            test: "queue::tests::drains".into(),
            runner: TestRunner::CargoTest,
        };
        assert_eq!(
            cmd.to_string(),
            "SIMLOOP_SEED=1 SIMLOOP_STRATEGY=pct:3 cargo test -p my-app --lib -- queue::tests::drains --exact"
        );
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }
}
