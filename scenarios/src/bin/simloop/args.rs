//! Value parsers for flags whose values clap's built-in parsers would accept
//! but the command cannot use: they turn them into usage errors (exit
//! status 2) that say what to give instead, before anything runs.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

/// A count of 1 or more (`--seeds`, `--jobs`).
fn at_least_one(s: &str, what: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(0) => Err(format!("must be at least 1 ({what})")),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("{e}; give a whole number of at least 1 ({what})")),
    }
}

/// `--seeds N`: at least one seed.
pub fn seeds(s: &str) -> Result<u64, String> {
    at_least_one(s, "the number of seeds to run, from seed 0")
}

/// `--jobs J`: at least one simulation at a time.
pub fn jobs(s: &str) -> Result<usize, String> {
    let n = at_least_one(s, "the number of simulations run at once")?;
    usize::try_from(n).map_err(|e| e.to_string())
}

/// A file the command will write (`--timeline`, `--chrome-trace`): an
/// existing file it may write, or a new file in an existing directory it may
/// write in. Checked without leaving anything behind.
pub fn output_file(s: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(s);
    if path.is_dir() {
        return Err(format!(
            "{s} is a directory; give the path of a file to write, such as {}",
            path.join("run.svg").display()
        ));
    }
    let cannot = |e: std::io::Error| {
        format!("cannot write {s}: {e}; choose a path in a directory you can write to")
    };
    if path.exists() {
        OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(cannot)?;
        return Ok(path);
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(format!(
            "cannot write {s}: the directory {} does not exist; create it first or choose another path",
            parent.display()
        ));
    }
    File::create_new(&path).map_err(cannot)?;
    fs::remove_file(&path).map_err(cannot)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::{jobs, output_file, seeds};

    #[test]
    fn counts_start_at_one() {
        assert_eq!(seeds("1000"), Ok(1000));
        assert!(seeds("0").unwrap_err().contains("at least 1"));
        assert!(seeds("ten").unwrap_err().contains("whole number"));
        assert_eq!(jobs("2"), Ok(2));
        assert!(jobs("0").unwrap_err().contains("at least 1"));
    }

    #[test]
    fn output_files_must_be_writable_and_are_not_left_behind() {
        let dir = std::env::temp_dir().join(format!("simloop-args-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("t.svg");
        assert_eq!(output_file(file.to_str().unwrap()), Ok(file.clone()));
        assert!(!file.exists(), "the check leaves no file");
        let err = output_file(dir.to_str().unwrap()).unwrap_err();
        assert!(err.contains("is a directory"), "{err}");
        let missing = dir.join("missing").join("t.svg");
        let err = output_file(missing.to_str().unwrap()).unwrap_err();
        assert!(err.contains("does not exist"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
