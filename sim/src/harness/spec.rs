//! [`TestSpec`]: a scenario test's identity (package, target, path) and
//! settings, as `#[simloop::test]` writes them down.

use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use super::command::{ReplayCommand, Target, TestRunner};
use crate::schedule::Schedule;
use crate::strategy::Strategy;

/// The default number of seeds a test sweeps.
pub const DEFAULT_SEEDS: u64 = 100;

/// Directory, next to the package's `Cargo.toml`, that holds regressions
/// files.
pub const REGRESSIONS_DIR: &str = "simloop-regressions";

/// A scenario test: who it is, where it lives, and how to sweep it.
///
/// `#[simloop::test]` builds one from `env!("CARGO_PKG_NAME")`,
/// `module_path!()`, the function's name, `file!()` and
/// `env!("CARGO_MANIFEST_DIR")`, plus the attribute's options.
///
/// ```
/// use simloop::harness::{Target, TestSpec};
///
/// let spec = TestSpec::new("myapp", "queue", "drains_exactly_once")
///     .source("tests/queue.rs", "/src/myapp")
///     .seeds(500)
///     .strategy("pct:3");
/// assert_eq!(spec.target(), Target::Test("queue".into()));
/// assert_eq!(spec.test_path(), "drains_exactly_once");
/// assert_eq!(
///     spec.regressions_file(),
///     std::path::Path::new("/src/myapp/simloop-regressions/queue/drains_exactly_once.txt")
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestSpec {
    package: String,
    module_path: String,
    name: String,
    file: Option<String>,
    manifest_dir: Option<PathBuf>,
    pub(crate) seeds: u64,
    pub(crate) strategy: Option<String>,
    pub(crate) time_limit: Option<Duration>,
    pub(crate) max_steps: Option<u64>,
    pub(crate) check_determinism: bool,
    pub(crate) leaks_are_errors: bool,
    pub(crate) regressions: bool,
    regressions_dir: Option<PathBuf>,
    pub(crate) timeline_dir: Option<PathBuf>,
}

impl TestSpec {
    /// The test `name` in module `module_path` (as `module_path!()` gives
    /// it, starting with the crate's name) of `package`.
    pub fn new(
        package: impl Into<String>,
        module_path: impl Into<String>,
        name: impl Into<String>,
    ) -> TestSpec {
        TestSpec {
            package: package.into(),
            module_path: module_path.into(),
            name: name.into(),
            file: None,
            manifest_dir: None,
            seeds: DEFAULT_SEEDS,
            strategy: None,
            time_limit: None,
            max_steps: None,
            check_determinism: false,
            leaks_are_errors: false,
            regressions: true,
            regressions_dir: None,
            timeline_dir: None,
        }
    }

    /// Where the test is: `file!()` and the package's directory
    /// (`env!("CARGO_MANIFEST_DIR")`). They decide the Cargo target of the
    /// replay command and where the regressions file goes.
    pub fn source(mut self, file: impl Into<String>, manifest_dir: impl Into<PathBuf>) -> TestSpec {
        self.file = Some(file.into());
        self.manifest_dir = Some(manifest_dir.into());
        self
    }

    /// How many seeds to sweep (default 100; `SIMLOOP_SEEDS` overrides).
    pub fn seeds(mut self, seeds: u64) -> TestSpec {
        self.seeds = seeds.max(1);
        self
    }

    /// The strategy's text form, e.g. `pct:3` (default `random`;
    /// `SIMLOOP_STRATEGY` overrides). Checked when the test runs.
    pub fn strategy(mut self, strategy: impl Into<String>) -> TestSpec {
        self.strategy = Some(strategy.into());
        self
    }

    /// The virtual time limit of each run (default one year).
    pub fn time_limit(mut self, limit: Duration) -> TestSpec {
        self.time_limit = Some(limit);
        self
    }

    /// The step limit of each run.
    pub fn max_steps(mut self, steps: u64) -> TestSpec {
        self.max_steps = Some(steps);
        self
    }

    /// Whether to run every seed twice and fail on any difference
    /// (`SIMLOOP_CHECK_DETERMINISM` overrides).
    pub fn check_determinism(mut self, check: bool) -> TestSpec {
        self.check_determinism = check;
        self
    }

    /// Whether tasks left pending when the scenario ends fail the run.
    pub fn leaks_are_errors(mut self, yes: bool) -> TestSpec {
        self.leaks_are_errors = yes;
        self
    }

    /// Whether to use the regressions file (default yes;
    /// `SIMLOOP_REGRESSIONS` overrides).
    pub fn regressions(mut self, on: bool) -> TestSpec {
        self.regressions = on;
        self
    }

    /// Keeps the regressions files under `dir` instead of
    /// `<package>/simloop-regressions`.
    pub fn regressions_dir(mut self, dir: impl Into<PathBuf>) -> TestSpec {
        self.regressions_dir = Some(dir.into());
        self
    }

    /// Writes a failing run's timeline (SVG and Chrome trace) under `dir`
    /// (`SIMLOOP_TIMELINE` overrides); a relative `dir` is taken from the
    /// package's directory.
    pub fn timeline_dir(mut self, dir: impl Into<PathBuf>) -> TestSpec {
        self.timeline_dir = Some(dir.into());
        self
    }

    /// Where a failing run's pictures go by the test's own setting, if it
    /// has one: its `timeline_dir`, from the package's directory.
    pub(crate) fn timeline_dir_path(&self) -> Option<PathBuf> {
        let dir = self.timeline_dir.as_ref()?;
        Some(match &self.manifest_dir {
            Some(manifest) if dir.is_relative() => manifest.join(dir),
            _ => dir.clone(),
        })
    }

    /// The package.
    pub fn package(&self) -> &str {
        &self.package
    }

    /// The test's full name: `crate::module::name`.
    pub fn full_name(&self) -> String {
        format!("{}::{}", self.module_path, self.name)
    }

    /// The test's path within its target, as libtest lists it and
    /// `cargo test -- PATH --exact` selects it: the full name without the
    /// crate's.
    pub fn test_path(&self) -> String {
        match self.module_path.split_once("::") {
            Some((_, modules)) => format!("{modules}::{}", self.name),
            None => self.name.clone(),
        }
    }

    /// The crate the test is compiled into (the start of `module_path`).
    fn crate_name(&self) -> &str {
        self.module_path
            .split("::")
            .next()
            .unwrap_or(&self.module_path)
    }

    /// The Cargo target holding the test, worked out from the source file's
    /// place in the package (`tests/`, `examples/`, `benches/`, `src/bin/`,
    /// `src/main.rs`, else the library).
    pub fn target(&self) -> Target {
        let Some(relative) = self.relative_file() else {
            return if self.crate_name() == self.package.replace('-', "_") {
                Target::Lib
            } else {
                Target::Test(self.crate_name().to_owned())
            };
        };
        let parts: Vec<String> = relative
            .components()
            .filter_map(|c| match c {
                Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect();
        // The target's name: the file's (`tests/NAME.rs`) or directory's
        // (`tests/NAME/main.rs`), which keeps the dashes its crate name
        // turns into `_`, unless the file is a module shared by other
        // targets (`tests/common/mod.rs`): then the crate is the target.
        let crate_name = self.crate_name();
        let stem = |i: usize| {
            let name = match parts.get(i) {
                Some(p) if parts.len() == i + 1 => p.strip_suffix(".rs").unwrap_or(p),
                Some(p) => p.as_str(),
                None => crate_name,
            };
            if name.replace('-', "_") == crate_name {
                name.to_owned()
            } else {
                crate_name.to_owned()
            }
        };
        match parts.first().map(String::as_str) {
            Some("tests") => Target::Test(stem(1)),
            Some("examples") => Target::Example(stem(1)),
            Some("benches") => Target::Bench(stem(1)),
            Some("src") if parts.get(1).map(String::as_str) == Some("bin") => Target::Bin(stem(2)),
            Some("src") if parts.len() == 2 && parts[1] == "main.rs" => {
                Target::Bin(self.package.clone())
            }
            _ => Target::Lib,
        }
    }

    /// The source file relative to the package's directory. `file!()` is
    /// relative to the workspace root (an ancestor of the package's
    /// directory) or absolute.
    fn relative_file(&self) -> Option<PathBuf> {
        let file = Path::new(self.file.as_deref()?);
        let manifest = self.manifest_dir.as_deref()?;
        if file.is_absolute() {
            return file.strip_prefix(manifest).ok().map(Path::to_path_buf);
        }
        let m: Vec<Component> = manifest.components().collect();
        let f: Vec<Component> = file.components().collect();
        // The longest tail of the package's directory that starts the file's
        // path is the package's place in the workspace.
        let matches: Vec<PathBuf> = (1..=m.len().min(f.len()))
            .rev()
            .filter(|&k| m[m.len() - k..] == f[..k])
            .map(|k| f[k..].iter().collect())
            .chain(std::iter::once(file.to_path_buf()))
            .collect();
        matches
            .iter()
            .find(|rel| manifest.join(rel).is_file())
            .or(matches.first())
            .cloned()
    }

    /// Where this test's regressions file is:
    /// `<package>/simloop-regressions/<crate>/<module>/.../<name>.txt`.
    pub fn regressions_file(&self) -> PathBuf {
        let mut path = match (&self.regressions_dir, &self.manifest_dir) {
            (Some(dir), _) => dir.clone(),
            (None, Some(manifest)) => manifest.join(REGRESSIONS_DIR),
            (None, None) => PathBuf::from(REGRESSIONS_DIR),
        };
        for part in self.module_path.split("::") {
            path.push(part);
        }
        path.push(format!("{}.txt", self.name));
        path
    }

    /// The command that runs exactly this test with exactly `seed`, with
    /// `strategy`, or with the shrunk `schedule` (which replaces the
    /// strategy).
    pub fn replay_command(
        &self,
        seed: u64,
        strategy: &Strategy,
        schedule: Option<&Schedule>,
    ) -> ReplayCommand {
        let mut vars = vec![("SIMLOOP_SEED", seed.to_string())];
        match schedule {
            Some(schedule) => vars.push(("SIMLOOP_SCHEDULE", schedule.to_string())),
            None => vars.push(("SIMLOOP_STRATEGY", strategy.to_string())),
        }
        ReplayCommand {
            vars,
            package: self.package.clone(),
            target: self.target(),
            test: self.test_path(),
            runner: TestRunner::CargoTest,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(module_path: &str, file: &str, manifest: &str) -> Target {
        TestSpec::new("my-app", module_path, "t")
            .source(file, manifest)
            .target()
    }

    #[test]
    fn targets_follow_cargo_layout() {
        let m = "/nonexistent/ws/my-app";
        // file!() relative to the workspace root, package in a subdirectory.
        assert_eq!(
            target("queue", "my-app/tests/queue.rs", m),
            Target::Test("queue".into())
        );
        assert_eq!(
            target("multi", "my-app/tests/multi/main.rs", m),
            Target::Test("multi".into())
        );
        assert_eq!(
            target("my_app::q::tests", "my-app/src/q.rs", m),
            Target::Lib
        );
        assert_eq!(
            target("tool", "my-app/src/bin/tool.rs", m),
            Target::Bin("tool".into())
        );
        assert_eq!(
            target("my_app", "my-app/src/main.rs", m),
            Target::Bin("my-app".into())
        );
        assert_eq!(
            target("demo", "my-app/examples/demo.rs", m),
            Target::Example("demo".into())
        );
        assert_eq!(
            target("b", "my-app/benches/b.rs", m),
            Target::Bench("b".into())
        );
        // Package at the workspace root, or an absolute path.
        assert_eq!(
            target("queue", "tests/queue.rs", m),
            Target::Test("queue".into())
        );
        assert_eq!(target("my_app::x", "src/x/tests.rs", m), Target::Lib);
        assert_eq!(
            target("queue", "/nonexistent/ws/my-app/tests/queue.rs", m),
            Target::Test("queue".into())
        );
        // A package whose directory is itself called `tests`.
        assert_eq!(
            target("h", "tests/tests/h.rs", "/nonexistent/ws/tests"),
            Target::Test("h".into())
        );
    }

    #[test]
    fn without_a_source_the_crate_name_decides() {
        assert_eq!(
            TestSpec::new("my-app", "my_app::m", "t").target(),
            Target::Lib
        );
        assert_eq!(
            TestSpec::new("my-app", "queue", "t").target(),
            Target::Test("queue".into())
        );
    }

    #[test]
    fn test_paths_drop_the_crate_name() {
        assert_eq!(TestSpec::new("p", "queue", "drains").test_path(), "drains");
        assert_eq!(
            TestSpec::new("p", "p::a::tests", "drains").test_path(),
            "a::tests::drains"
        );
        assert_eq!(
            TestSpec::new("p", "p::a", "drains").full_name(),
            "p::a::drains"
        );
    }

    #[test]
    fn the_replay_command_names_the_schedule_instead_of_the_strategy() {
        let spec = TestSpec::new("myapp", "queue", "drains_exactly_once")
            .source("tests/queue.rs", "/nonexistent/myapp");
        let plain = spec.replay_command(8841, &Strategy::Random, None);
        assert_eq!(
            plain.to_string(),
            "SIMLOOP_SEED=8841 SIMLOOP_STRATEGY=random cargo test -p myapp --test queue -- drains_exactly_once --exact"
        );
        let schedule: Schedule = "3:1,17:2".parse().unwrap();
        let shrunk = spec.replay_command(8841, &Strategy::Random, Some(&schedule));
        assert_eq!(
            shrunk.to_string(),
            "SIMLOOP_SEED=8841 SIMLOOP_SCHEDULE=3:1,17:2 cargo test -p myapp --test queue -- drains_exactly_once --exact"
        );
    }
}
