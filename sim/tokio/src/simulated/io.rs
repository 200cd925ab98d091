//! tokio's runtime-independent I/O traits and helpers, re-exported as they
//! are: `AsyncRead`, `AsyncWrite`, `AsyncBufRead`, `AsyncSeek` and their
//! `Ext` traits, `BufReader`, `BufWriter`, `split`, `duplex`, `copy`,
//! `empty`, `sink`, `repeat`, ...
//!
//! They only move bytes between values and wake tasks through wakers, so
//! they run unchanged in a simulation (`duplex` is an in-memory pipe). The
//! standard streams (`stdin`, `stdout`, `stderr`) use tokio's blocking
//! thread pool and do not work in `sim` mode.
//!
//! ```
//! # extern crate simloop_tokio as tokio;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//! # simloop::Sim::new(1).run(async {
//! let (mut a, mut b) = tokio::io::duplex(64);
//! tokio::spawn(async move { a.write_all(b"ping").await.unwrap(); });
//! let mut buf = [0u8; 4];
//! b.read_exact(&mut buf).await.unwrap();
//! assert_eq!(&buf, b"ping");
//! # }).unwrap();
//! ```

pub use tokio::io::*;
