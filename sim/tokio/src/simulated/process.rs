//! Not simulated: `tokio::process`.
//!
//! A child process runs outside simulated time and would make a run depend
//! on the machine. [`Command::spawn`], [`Command::output`] and
//! [`Command::status`] fail with an [`io::Error`] of kind `Unsupported`
//! that says what to use instead: put process launching behind a trait of
//! your own, with a scripted fake for simulations.

use std::ffi::OsStr;
use std::io;

fn unsupported(item: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        format!(
            "tokio::process::Command::{item} is not simulated by simloop-tokio's `sim` mode: put \
             process launching behind a trait with a scripted fake for simulations"
        ),
    )
}

/// A command to run (`tokio::process::Command`); building one works,
/// running it fails with `Unsupported`.
#[derive(Debug)]
pub struct Command {
    program: std::ffi::OsString,
}

impl Command {
    /// A command for `program`.
    pub fn new(program: impl AsRef<OsStr>) -> Command {
        Command {
            program: program.as_ref().to_owned(),
        }
    }

    /// Adds an argument.
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Command {
        let _ = arg;
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let _ = args.into_iter().count();
        self
    }

    /// Not simulated.
    ///
    /// # Errors
    ///
    /// Always `Unsupported`, naming the program.
    pub fn spawn(&mut self) -> io::Result<std::convert::Infallible> {
        Err(unsupported(&format!("spawn (of {:?})", self.program)))
    }

    /// Not simulated.
    ///
    /// # Errors
    ///
    /// Always `Unsupported`.
    ///
    /// # Cancel safety
    ///
    /// Nothing to cancel.
    pub async fn output(&mut self) -> io::Result<std::process::Output> {
        Err(unsupported(&format!("output (of {:?})", self.program)))
    }

    /// Not simulated.
    ///
    /// # Errors
    ///
    /// Always `Unsupported`.
    ///
    /// # Cancel safety
    ///
    /// Nothing to cancel.
    pub async fn status(&mut self) -> io::Result<std::process::ExitStatus> {
        Err(unsupported(&format!("status (of {:?})", self.program)))
    }
}
