//! Distributed systems on [`simloop::net`], each with a real bug that only
//! a fault schedule exposes (a crash at the wrong moment, a partition).
//! Their properties are checked on the recorded history of client
//! operations with [`simloop::history`]. The faults come from the seed's
//! chaos plan, so a sweep finds a failing seed under every strategy; the
//! harness shrinks its schedule and the seed replays it.

use std::io;
use std::time::Duration;

use futures::io::BufReader;
use futures::{AsyncBufReadExt, AsyncWriteExt};
use simloop::{net, task, time};

use crate::Scenario;

pub mod leader_lease;
pub mod primary_backup;

/// The distributed scenarios.
pub fn all() -> Vec<Scenario> {
    vec![primary_backup::SCENARIO, leader_lease::SCENARIO]
}

/// Sends one line to `addr` on a fresh connection and returns the answer
/// line (without its newline), or an error if the connection fails or the
/// answer takes longer than `limit`.
pub async fn request(addr: &str, line: &str, limit: Duration) -> io::Result<String> {
    let exchange = async {
        let mut stream = net::TcpStream::connect(addr).await?;
        stream.write_all(format!("{line}\n").as_bytes()).await?;
        let mut reader = BufReader::with_capacity(256, stream);
        let mut answer = String::new();
        if reader.read_line(&mut answer).await? == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "no answer"));
        }
        Ok(answer.trim_end().to_owned())
    };
    match time::timeout(limit, exchange).await {
        Ok(answer) => answer,
        Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "no answer in time")),
    }
}

/// Serves `port` on the current host: each line received is answered with
/// `handle(line)`, one task per connection.
pub async fn serve<F, Fut>(port: u16, handle: F)
where
    F: Fn(String) -> Fut + Clone + 'static,
    Fut: std::future::Future<Output = String> + 'static,
{
    let listener = net::TcpListener::bind(("0.0.0.0", port))
        .await
        .expect("the port is free on a fresh host");
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let handle = handle.clone();
        task::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut reader = BufReader::with_capacity(256, read);
            let mut line = String::new();
            while matches!(reader.read_line(&mut line).await, Ok(n) if n > 0) {
                let answer = handle(line.trim_end().to_owned()).await;
                if write
                    .write_all(format!("{answer}\n").as_bytes())
                    .await
                    .is_err()
                {
                    return;
                }
                line.clear();
            }
        });
    }
}
