//! Not simulated: `tokio::fs`.
//!
//! simloop-tokio has no simulated file system yet, and real files would
//! make a simulation depend on the machine. Every function here fails with
//! an [`io::Error`] of kind `Unsupported` whose message names the function
//! and what to do instead: keep file access behind a trait of your own and
//! give the simulated build an in-memory implementation, or do the file
//! work outside the simulation (before `block_on`).

use std::io;
use std::path::Path;

fn unsupported(item: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        format!(
            "tokio::fs::{item} is not simulated by simloop-tokio's `sim` mode: put file access \
             behind a trait with an in-memory implementation for simulations, or do it outside \
             the simulation"
        ),
    )
}

/// Not simulated; fails with `Unsupported` (see the module).
///
/// # Errors
///
/// Always.
///
/// # Cancel safety
///
/// Nothing to cancel.
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let _ = path;
    Err(unsupported("read"))
}

/// Not simulated; fails with `Unsupported` (see the module).
///
/// # Errors
///
/// Always.
///
/// # Cancel safety
///
/// Nothing to cancel.
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let _ = path;
    Err(unsupported("read_to_string"))
}

/// Not simulated; fails with `Unsupported` (see the module).
///
/// # Errors
///
/// Always.
///
/// # Cancel safety
///
/// Nothing to cancel.
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let _ = (path, contents);
    Err(unsupported("write"))
}

/// Not simulated; fails with `Unsupported` (see the module).
///
/// # Errors
///
/// Always.
///
/// # Cancel safety
///
/// Nothing to cancel.
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let _ = path;
    Err(unsupported("remove_file"))
}

/// Not simulated; fails with `Unsupported` (see the module).
///
/// # Errors
///
/// Always.
///
/// # Cancel safety
///
/// Nothing to cancel.
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let _ = path;
    Err(unsupported("create_dir_all"))
}

/// Not simulated; fails with `Unsupported` (see the module).
///
/// # Errors
///
/// Always.
///
/// # Cancel safety
///
/// Nothing to cancel.
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<std::fs::Metadata> {
    let _ = path;
    Err(unsupported("metadata"))
}

/// Not simulated: `File::open` and `File::create` fail with `Unsupported`.
#[derive(Debug)]
pub struct File(());

impl File {
    /// Not simulated; fails with `Unsupported` (see the module).
    ///
    /// # Errors
    ///
    /// Always.
    ///
    /// # Cancel safety
    ///
    /// Nothing to cancel.
    pub async fn open(path: impl AsRef<Path>) -> io::Result<File> {
        let _ = path;
        Err(unsupported("File::open"))
    }

    /// Not simulated; fails with `Unsupported` (see the module).
    ///
    /// # Errors
    ///
    /// Always.
    ///
    /// # Cancel safety
    ///
    /// Nothing to cancel.
    pub async fn create(path: impl AsRef<Path>) -> io::Result<File> {
        let _ = path;
        Err(unsupported("File::create"))
    }
}
