//! Runs programs on CPython 3.13 through `tests/differential/interp.py`,
//! many per process.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::program::Program;

/// The environment variable naming the Python to use instead of
/// `PYENV_VERSION=3.13.0 python3.13`.
pub const PYTHON_VAR: &str = "SIMLOOP_DIFF_PYTHON";

/// The CPython interpreter the harness runs.
#[derive(Debug, Clone)]
pub struct Python {
    program: String,
    /// `PYENV_VERSION` to set, for pyenv's `python3.13` shim.
    pyenv_version: Option<String>,
}

impl Python {
    /// The interpreter named by `SIMLOOP_DIFF_PYTHON`, or else pyenv's
    /// `python3.13` with `PYENV_VERSION=3.13.0`, provided it runs and says
    /// it is CPython 3.13. The error says what was tried and how to install
    /// it.
    pub fn find() -> Result<Python, String> {
        let python = match std::env::var(PYTHON_VAR) {
            Ok(p) if !p.is_empty() => Python {
                program: p,
                pyenv_version: None,
            },
            _ => Python {
                program: "python3.13".to_string(),
                pyenv_version: Some(
                    std::env::var("PYENV_VERSION").unwrap_or_else(|_| "3.13.0".to_string()),
                ),
            },
        };
        let tried = python.describe();
        let out = python
            .command()
            .args([
                "-c",
                "import sys; print(sys.implementation.name, *sys.version_info[:2])",
            ])
            .output()
            .map_err(|e| format!("could not run `{tried}`: {e}"))?;
        let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !out.status.success() || version != "cpython 3 13" {
            return Err(format!(
                "`{tried}` is not CPython 3.13 (it printed {version:?}, stderr: {:?})",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(python)
    }

    /// How to install the interpreter, for the message of a failed
    /// [`find`](Python::find).
    pub fn install_hint() -> String {
        format!(
            "install CPython 3.13 with `pyenv install 3.13.0` (so that \
             `PYENV_VERSION=3.13.0 python3.13` runs), or point {PYTHON_VAR} at a \
             python3.13 binary"
        )
    }

    /// The command line, as a user would type it.
    pub fn describe(&self) -> String {
        match &self.pyenv_version {
            Some(v) => format!("PYENV_VERSION={v} {}", self.program),
            None => self.program.clone(),
        }
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(&self.program);
        if let Some(v) = &self.pyenv_version {
            cmd.env("PYENV_VERSION", v);
        }
        cmd
    }

    /// The path of the interpreter script.
    pub fn script() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("differential/interp.py")
    }

    /// Runs every program in one Python process and returns their logs, in
    /// order.
    pub fn run(&self, programs: &[Program]) -> Result<Vec<Vec<String>>, String> {
        let script = Python::script();
        let mut child = self
            .command()
            .arg(&script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                format!(
                    "could not start `{} {}`: {e}",
                    self.describe(),
                    script.display()
                )
            })?;
        let input: String = programs.iter().map(|p| p.to_json() + "\n").collect();
        let mut stdin = child.stdin.take().expect("piped stdin");
        // Written from another thread: the child's output may fill its pipe
        // before it has read all its input.
        let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
        let mut stdout = String::new();
        child
            .stdout
            .take()
            .expect("piped stdout")
            .read_to_string(&mut stdout)
            .map_err(|e| format!("reading the interpreter's output: {e}"))?;
        let mut stderr = String::new();
        let _ = child
            .stderr
            .take()
            .expect("piped stderr")
            .read_to_string(&mut stderr);
        let status = child
            .wait()
            .map_err(|e| format!("waiting for the interpreter: {e}"))?;
        let written = writer.join().expect("writer thread");
        if !status.success() || written.is_err() {
            return Err(format!(
                "`{} {}` failed ({status}):\n{stderr}",
                self.describe(),
                script.display()
            ));
        }
        let mut logs = Vec::with_capacity(programs.len());
        let mut current = Vec::new();
        for line in stdout.lines() {
            if line == "=== end" {
                logs.push(std::mem::take(&mut current));
            } else {
                current.push(line.to_string());
            }
        }
        if logs.len() != programs.len() {
            return Err(format!(
                "the interpreter printed {} logs for {} programs; stderr:\n{stderr}",
                logs.len(),
                programs.len()
            ));
        }
        Ok(logs)
    }
}
