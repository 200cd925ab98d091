//! Writing the command's output: a closed stdout (the reader of a pipe went
//! away, as in `simloop tour | head -3`) ends the command at once and
//! quietly, as a program killed by `SIGPIPE` would end, instead of
//! panicking in `println!`.

use std::fmt;
use std::io::{self, Write};
use std::process;

/// Writes one line to stdout (what the `out!` macro calls).
pub fn line(args: fmt::Arguments<'_>) {
    let mut stdout = io::stdout().lock();
    let written = stdout
        .write_fmt(args)
        .and_then(|()| stdout.write_all(b"\n"));
    if let Err(e) = written {
        closed(&e);
    }
}

/// Ends the command after a failed write: status 0 when nobody reads any
/// more, 1 with a message for any other error.
fn closed(e: &io::Error) -> ! {
    if e.kind() == io::ErrorKind::BrokenPipe {
        process::exit(0);
    }
    eprintln!("error: cannot write the output: {e}");
    process::exit(1)
}
