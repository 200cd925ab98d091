//! The network workloads of `BENCHMARKS.md`: W7 `net_echo` (two hosts
//! echo `n` 8-byte messages over one stream with a fixed 1 ms one-way
//! latency) and W8 `net_fanin` (`c` client hosts each make `r` sequential
//! requests to one server, each message with its own drawn latency), on
//! simloop's simulated network and, for reference, on tokio over real
//! loopback TCP (without the latencies: real time).
//!
//! The reference point for the cost of a message is a channel send: the
//! same echo over two simloop channels with the latency as a sleep
//! ([`channel_echo`]). What a message costs beyond it is the network's own
//! work (segments, deliveries as timers, the wake-ups of the readers).
//!
//! Every run is checked: each echo is the value sent (their sum is
//! returned) and the virtual time is the model's. The connections are set
//! up over instantaneous links before the clock starts, as the models count
//! only the messages.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use futures::{AsyncReadExt, AsyncWriteExt};
use simloop::sync::{Event, channel};
use simloop::{Sim, Strategy, net, task, time};

use crate::params::{SEED, draws, generator};

/// W7's one-way latency.
pub const LATENCY: Duration = Duration::from_millis(1);

/// What a network run reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetOutcome {
    /// Virtual time of the exchange (zero on tokio, which runs in real
    /// time).
    pub elapsed: Duration,
    /// Echoes checked.
    pub count: u64,
    /// Sum of the echoes.
    pub sum: u64,
}

/// The outcome W7 must have for `n` messages: `n` echoes of `0..n`, and
/// 2 ms per message.
pub fn echo_model(n: u64, virtual_time: bool) -> NetOutcome {
    NetOutcome {
        elapsed: if virtual_time {
            LATENCY * 2 * n as u32
        } else {
            Duration::ZERO
        },
        count: n,
        sum: n * n.saturating_sub(1) / 2,
    }
}

/// W8's latencies, in ms: request `j` of client `k` travels
/// `d[2 (r k + j)]` to the server and its answer `d[2 (r k + j) + 1]` back.
pub fn fanin_latencies(c: u64, r: u64) -> Rc<[u64]> {
    draws(&mut generator(SEED), (2 * c * r) as usize, 1, 11).into()
}

/// The outcome W8 must have: `c r` echoes of `0..c r` (client `k` sends
/// `r k .. r (k + 1)`), and the largest over clients of the sum of its
/// `2 r` latencies.
pub fn fanin_model(c: u64, r: u64, d: &[u64], virtual_time: bool) -> NetOutcome {
    let n = c * r;
    let per = (2 * r) as usize;
    let longest = d.chunks(per).map(|ms| ms.iter().sum::<u64>()).max();
    NetOutcome {
        elapsed: if virtual_time {
            Duration::from_millis(longest.unwrap_or(0))
        } else {
            Duration::ZERO
        },
        count: n,
        sum: n * n.saturating_sub(1) / 2,
    }
}

fn sim(strategy: Strategy) -> Sim {
    Sim::builder().seed(SEED).strategy(strategy).build()
}

/// Sends `values` one at a time and checks each echo; `before_send(v)`
/// runs before each. Returns (echoes, their sum).
async fn ask<S: futures::AsyncRead + futures::AsyncWrite + Unpin>(
    s: &mut S,
    values: std::ops::Range<u64>,
    before_send: impl Fn(u64),
) -> (u64, u64) {
    let (mut count, mut sum) = (0, 0);
    let mut buf = [0; 8];
    for v in values {
        before_send(v);
        s.write_all(&v.to_le_bytes())
            .await
            .expect("the server listens");
        s.read_exact(&mut buf).await.expect("the server answers");
        let echo = u64::from_le_bytes(buf);
        assert_eq!(echo, v, "an echo out of order");
        count += 1;
        sum += echo;
    }
    (count, sum)
}

/// Echoes 8-byte messages until the peer closes; `before_answer(v)` runs
/// before each answer.
async fn echo<S: futures::AsyncRead + futures::AsyncWrite + Unpin>(
    mut s: S,
    before_answer: impl Fn(u64),
) {
    let mut buf = [0; 8];
    while s.read_exact(&mut buf).await.is_ok() {
        before_answer(u64::from_le_bytes(buf));
        if s.write_all(&buf).await.is_err() {
            return;
        }
    }
}

/// W7 `net_echo` on simloop: host `client` echoes `n` messages with host
/// `server` over one stream and a link of [`LATENCY`].
pub fn echo_stream(n: u64, strategy: Strategy) -> NetOutcome {
    sim(strategy)
        .run(async move {
            let listening = Event::new();
            let ready = listening.clone();
            net::host("server", move || {
                let ready = ready.clone();
                async move {
                    let listener = net::TcpListener::bind("0.0.0.0:7").await.unwrap();
                    ready.set();
                    let (s, _) = listener.accept().await.unwrap();
                    echo(s, |_| {}).await;
                }
            });
            let client = net::host("client", || async {});
            net::link("client", "server").latency(Duration::ZERO);
            client
                .spawn(async move {
                    listening.wait().await;
                    let mut s = net::TcpStream::connect("server:7").await.unwrap();
                    net::link("client", "server").latency(LATENCY);
                    let start = time::now();
                    let (count, sum) = ask(&mut s, 0..n, |_| {}).await;
                    NetOutcome {
                        elapsed: time::now() - start,
                        count,
                        sum,
                    }
                })
                .await
                .expect("the client finishes")
        })
        .expect("W7 run")
}

/// The reference for W7: the same echo between two tasks over two simloop
/// channels of capacity 1, with the latency as a sleep per message when
/// `sleep` is set.
pub fn channel_echo(n: u64, strategy: Strategy, sleep: bool) -> NetOutcome {
    sim(strategy)
        .run(async move {
            let start = time::now();
            let (to_server, requests) = channel::<u64>(1);
            let (to_client, answers) = channel::<u64>(1);
            task::spawn(async move {
                while let Some(v) = requests.recv().await {
                    if sleep {
                        time::sleep(LATENCY).await;
                    }
                    if to_client.send(v).await.is_err() {
                        return;
                    }
                }
            });
            let (mut count, mut sum) = (0, 0);
            for v in 0..n {
                to_server.send(v).await.expect("the server listens");
                let echo = answers.recv().await.expect("the server answers");
                if sleep {
                    time::sleep(LATENCY).await;
                }
                assert_eq!(echo, v);
                count += 1;
                sum += echo;
            }
            NetOutcome {
                elapsed: time::now() - start,
                count,
                sum,
            }
        })
        .expect("channel echo run")
}

/// W8 `net_fanin` on simloop: `c` client hosts each connect to host
/// `server` and make `r` sequential requests, each way with its latency
/// from `d` (set on the one-way link just before the send); the server
/// serves each connection in a task of its own.
pub fn many_clients(c: u64, r: u64, d: Rc<[u64]>, strategy: Strategy) -> NetOutcome {
    sim(strategy)
        .run(async move {
            let clients: Rc<[net::Host]> = (0..c)
                .map(|k| net::host(format!("client{k}"), || async {}))
                .collect();
            let (server_clients, server_d) = (Rc::clone(&clients), Rc::clone(&d));
            let listening = Event::new();
            let ready = listening.clone();
            let server = net::host("server", move || {
                let (clients, d) = (Rc::clone(&server_clients), Rc::clone(&server_d));
                let ready = ready.clone();
                async move {
                    let me = net::current_host();
                    let listener = net::TcpListener::bind_with_backlog("0.0.0.0:7", 4096)
                        .await
                        .unwrap();
                    ready.set();
                    loop {
                        let (s, _) = listener.accept().await.unwrap();
                        let (clients, d, me) = (Rc::clone(&clients), Rc::clone(&d), me.clone());
                        task::spawn(echo(s, move |v| {
                            let back = Duration::from_millis(d[(2 * v + 1) as usize]);
                            let client = &clients[(v / r) as usize];
                            net::link_oneway(&me, client).latency(back);
                        }));
                    }
                }
            });
            net::default_link().latency(Duration::ZERO);
            let connected = Rc::new(Cell::new(0));
            let start = Rc::new(Cell::new(None));
            let handles: Vec<_> = clients
                .iter()
                .enumerate()
                .map(|(k, host)| {
                    let (connected, start) = (Rc::clone(&connected), Rc::clone(&start));
                    let (host, server) = (host.clone(), server.clone());
                    let d = Rc::clone(&d);
                    let listening = listening.clone();
                    let k = k as u64;
                    host.clone().spawn(async move {
                        listening.wait().await;
                        let mut s = net::TcpStream::connect("server:7").await.unwrap();
                        connected.set(connected.get() + 1);
                        start.set(Some(time::now()));
                        let there = |v: u64| {
                            let there = Duration::from_millis(d[(2 * v) as usize]);
                            net::link_oneway(&host, &server).latency(there);
                        };
                        ask(&mut s, k * r..(k + 1) * r, there).await
                    })
                })
                .collect();
            let (mut count, mut sum) = (0, 0);
            for handle in handles {
                let (n, s) = handle.await.expect("a client finishes");
                count += n;
                sum += s;
            }
            assert_eq!(connected.get(), c);
            let start = start.get().expect("a client connected");
            NetOutcome {
                elapsed: time::now() - start,
                count,
                sum,
            }
        })
        .expect("W8 run")
}

/// The reference for W8: the same exchanges over simloop channels: `c`
/// client tasks, each with a server task of its own and two channels of
/// capacity 1, each message delayed by its latency from `d` as a sleep
/// (one timer per message, as on the network). The time starts at 0.
pub fn channel_fanin(c: u64, r: u64, d: Rc<[u64]>, strategy: Strategy) -> NetOutcome {
    sim(strategy)
        .run(async move {
            let handles: Vec<_> = (0..c)
                .map(|k| {
                    let (to_server, requests) = channel::<u64>(1);
                    let (to_client, answers) = channel::<u64>(1);
                    let server_d = Rc::clone(&d);
                    task::spawn(async move {
                        while let Some(v) = requests.recv().await {
                            let back = server_d[(2 * v + 1) as usize];
                            time::sleep(Duration::from_millis(back)).await;
                            if to_client.send(v).await.is_err() {
                                return;
                            }
                        }
                    });
                    let d = Rc::clone(&d);
                    task::spawn(async move {
                        let (mut count, mut sum) = (0, 0);
                        for v in k * r..(k + 1) * r {
                            time::sleep(Duration::from_millis(d[(2 * v) as usize])).await;
                            to_server.send(v).await.expect("the server listens");
                            let echo = answers.recv().await.expect("the server answers");
                            assert_eq!(echo, v, "an echo out of order");
                            count += 1;
                            sum += echo;
                        }
                        (count, sum)
                    })
                })
                .collect();
            let (mut count, mut sum) = (0, 0);
            for handle in handles {
                let (n, s) = handle.await.expect("a client finishes");
                count += n;
                sum += s;
            }
            NetOutcome {
                elapsed: time::now().since_start(),
                count,
                sum,
            }
        })
        .expect("W8 over channels run")
}

/// The equivalents on tokio's current-thread runtime over real loopback
/// TCP (in real time: the elapsed time reported is zero).
pub mod on_tokio {
    use super::NetOutcome;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .expect("a tokio runtime")
    }

    async fn echo(mut s: TcpStream) {
        s.set_nodelay(true).expect("nodelay");
        let mut buf = [0; 8];
        while s.read_exact(&mut buf).await.is_ok() {
            if s.write_all(&buf).await.is_err() {
                return;
            }
        }
    }

    async fn ask(s: &mut TcpStream, values: std::ops::Range<u64>) -> (u64, u64) {
        s.set_nodelay(true).expect("nodelay");
        let (mut count, mut sum) = (0, 0);
        let mut buf = [0; 8];
        for v in values {
            s.write_all(&v.to_le_bytes()).await.expect("write");
            s.read_exact(&mut buf).await.expect("read");
            let echo = u64::from_le_bytes(buf);
            assert_eq!(echo, v, "an echo out of order");
            count += 1;
            sum += echo;
        }
        (count, sum)
    }

    /// W7 over loopback, without the latency.
    pub fn echo_stream(n: u64) -> NetOutcome {
        runtime().block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("address");
            let server = tokio::spawn(async move {
                let (s, _) = listener.accept().await.expect("accept");
                echo(s).await;
            });
            let mut s = TcpStream::connect(addr).await.expect("connect");
            let (count, sum) = ask(&mut s, 0..n).await;
            drop(s);
            server.await.expect("server");
            NetOutcome {
                elapsed: Duration::ZERO,
                count,
                sum,
            }
        })
    }

    /// W8 over loopback: `c` connections from one process, without the
    /// latencies.
    pub fn many_clients(c: u64, r: u64) -> NetOutcome {
        runtime().block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("address");
            tokio::spawn(async move {
                while let Ok((s, _)) = listener.accept().await {
                    tokio::spawn(echo(s));
                }
            });
            let clients: Vec<_> = (0..c)
                .map(|k| {
                    tokio::spawn(async move {
                        let mut s = TcpStream::connect(addr).await.expect("connect");
                        ask(&mut s, k * r..(k + 1) * r).await
                    })
                })
                .collect();
            let (mut count, mut sum) = (0, 0);
            for client in clients {
                let (n, s) = client.await.expect("client");
                count += n;
                sum += s;
            }
            NetOutcome {
                elapsed: Duration::ZERO,
                count,
                sum,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_runs_match_their_models() {
        for strategy in [Strategy::Fifo, Strategy::Random] {
            assert_eq!(echo_stream(50, strategy.clone()), echo_model(50, true));
            let d = fanin_latencies(20, 5);
            let model = fanin_model(20, 5, &d, true);
            assert!(model.elapsed > Duration::from_millis(10));
            assert_eq!(many_clients(20, 5, d, strategy), model);
        }
        let chan = channel_echo(50, Strategy::Fifo, true);
        assert_eq!(chan, echo_model(50, true));
        for strategy in [Strategy::Fifo, Strategy::Random] {
            let d = fanin_latencies(20, 5);
            let model = fanin_model(20, 5, &d, true);
            assert_eq!(channel_fanin(20, 5, d, strategy), model);
        }
    }

    #[test]
    fn fanin_latencies_follow_the_generator() {
        let d = fanin_latencies(2, 3);
        assert_eq!(d.len(), 12);
        assert!(d.iter().all(|&ms| (1..11).contains(&ms)));
        let model = fanin_model(2, 3, &d, true);
        let per_client = [d[..6].iter().sum::<u64>(), d[6..].iter().sum::<u64>()];
        assert_eq!(
            model.elapsed.as_millis() as u64,
            per_client[0].max(per_client[1])
        );
    }

    #[test]
    fn tokio_loopback_runs_match_their_models() {
        assert_eq!(on_tokio::echo_stream(50), echo_model(50, false));
        let d = fanin_latencies(10, 5);
        assert_eq!(on_tokio::many_clients(10, 5), fanin_model(10, 5, &d, false));
    }
}
