//! simloop::net's TCP: connecting, accepting, bytes in order, half-close,
//! resets, refusals, the implicit host's loopback, exact latencies.

use std::io::ErrorKind;
use std::time::Duration;

use futures::{AsyncReadExt, AsyncWriteExt};
use simloop::{Sim, SimError, Strategy, net, task, time};

const MS: Duration = Duration::from_millis(1);

/// An echo server on `port` of the current host.
async fn echo_server(port: u16) {
    let listener = net::TcpListener::bind(("0.0.0.0", port)).await.unwrap();
    loop {
        let (mut s, _) = listener.accept().await.unwrap();
        task::spawn(async move {
            let mut buf = [0; 1024];
            loop {
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if s.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                }
            }
        });
    }
}

#[test]
fn loopback_of_the_implicit_host_works_without_any_host() {
    let got = Sim::new(1)
        .run(async {
            let listener = net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            assert_eq!(addr.ip().to_string(), "127.0.0.1");
            assert_ne!(addr.port(), 0);
            let server = task::spawn(async move {
                let (mut s, peer) = listener.accept().await.unwrap();
                let mut buf = Vec::new();
                s.read_to_end(&mut buf).await.unwrap();
                (buf, peer)
            });
            let mut c = net::TcpStream::connect(format!("localhost:{}", addr.port()))
                .await
                .unwrap();
            assert_eq!(c.peer_addr().unwrap(), addr);
            c.write_all(b"hello ").await.unwrap();
            c.write_all(b"world").await.unwrap();
            c.close().await.unwrap();
            let (buf, peer) = server.await.unwrap();
            assert_eq!(peer, c.local_addr().unwrap());
            // Loopback is instantaneous.
            assert_eq!(time::now().since_start(), Duration::ZERO);
            buf
        })
        .unwrap();
    assert_eq!(got, b"hello world");
}

#[test]
fn a_round_trip_between_hosts_takes_exactly_twice_the_latency() {
    for seed in 0..20 {
        let sim = Sim::builder().seed(seed).strategy(Strategy::Random).build();
        let elapsed = sim
            .run(async {
                net::host("server", || echo_server(6379));
                net::link("main", "server").latency(5 * MS);
                time::sleep(MS).await;
                let start = time::now();
                let mut s = net::TcpStream::connect("server:6379").await.unwrap();
                assert_eq!(
                    time::now() - start,
                    10 * MS,
                    "the handshake is one round trip"
                );
                assert_eq!(s.peer_addr().unwrap().to_string(), "10.0.0.2:6379");
                assert_eq!(s.local_addr().unwrap().ip().to_string(), "10.0.0.1");
                let mut buf = [0; 3];
                for word in [b"abc", b"def", b"ghi"] {
                    s.write_all(word).await.unwrap();
                    s.read_exact(&mut buf).await.unwrap();
                    assert_eq!(&buf, word);
                }
                time::now() - start
            })
            .unwrap();
        assert_eq!(elapsed, 40 * MS);
    }
}

#[test]
fn bytes_arrive_in_order_under_jittery_latency() {
    for seed in 0..10 {
        Sim::builder()
            .seed(seed)
            .strategy(Strategy::Random)
            .build()
            .run(async {
                net::host("server", || echo_server(7));
                net::link("main", "server").latency(MS..20 * MS);
                time::sleep(MS).await;
                let s = net::TcpStream::connect("server:7").await.unwrap();
                let (mut r, mut w) = s.into_split();
                let writer = task::spawn(async move {
                    for i in 0..200u32 {
                        w.write_all(&i.to_le_bytes()).await.unwrap();
                        if i % 7 == 0 {
                            time::sleep(MS).await;
                        }
                    }
                });
                for i in 0..200u32 {
                    let mut b = [0; 4];
                    r.read_exact(&mut b).await.unwrap();
                    assert_eq!(u32::from_le_bytes(b), i);
                }
                writer.await.unwrap();
            })
            .unwrap();
    }
}

#[test]
fn connecting_where_nothing_listens_is_refused_after_a_round_trip() {
    Sim::new(3)
        .run(async {
            net::host("server", || async {});
            net::link("main", "server").latency(3 * MS);
            let err = net::TcpStream::connect("server:80").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
            assert_eq!(time::now().since_start(), 6 * MS);
            let err = net::TcpStream::connect("127.0.0.1:80").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
            let err = net::TcpStream::connect("nowhere:80").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::NotFound);
            let err = net::TcpStream::connect("10.9.9.9:80").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::HostUnreachable);
        })
        .unwrap();
}

#[test]
fn ports_are_exclusive_and_ephemeral_ports_distinct() {
    Sim::new(4)
        .run(async {
            let a = net::TcpListener::bind("0.0.0.0:8080").await.unwrap();
            let err = net::TcpListener::bind("127.0.0.1:8080").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AddrInUse);
            let err = net::TcpListener::bind("10.0.0.7:8081").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::AddrNotAvailable);
            let b = net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let c = net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            assert_ne!(b.local_addr().unwrap(), c.local_addr().unwrap());
            drop(a);
            // Dropping the listener frees the port.
            net::TcpListener::bind("0.0.0.0:8080").await.unwrap();
        })
        .unwrap();
}

#[test]
fn half_close_lets_the_peer_answer_after_reading_the_end() {
    Sim::new(5)
        .run(async {
            net::host("server", || async {
                let l = net::TcpListener::bind("0.0.0.0:9").await.unwrap();
                let (mut s, _) = l.accept().await.unwrap();
                let mut all = Vec::new();
                s.read_to_end(&mut all).await.unwrap();
                s.write_all(format!("got {} bytes", all.len()).as_bytes())
                    .await
                    .unwrap();
            });
            time::sleep(MS).await;
            let mut s = net::TcpStream::connect("server:9").await.unwrap();
            s.write_all(&[7; 1000]).await.unwrap();
            s.shutdown().unwrap();
            let err = s.write_all(b"more").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::BrokenPipe);
            let mut answer = String::new();
            s.read_to_string(&mut answer).await.unwrap();
            assert_eq!(answer, "got 1000 bytes");
        })
        .unwrap();
}

#[test]
fn writing_to_a_closed_peer_is_reset_then_a_broken_pipe() {
    Sim::new(6)
        .run(async {
            let l = net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = l.local_addr().unwrap();
            let mut c = net::TcpStream::connect(addr).await.unwrap();
            let (server_side, _) = l.accept().await.unwrap();
            drop(server_side);
            let mut buf = [0; 8];
            assert_eq!(c.read(&mut buf).await.unwrap(), 0, "the peer closed");
            // The first write is answered with a reset...
            c.write_all(b"x").await.unwrap();
            let err = c.write_all(b"y").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionReset);
            let err = c.write_all(b"z").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::BrokenPipe);
        })
        .unwrap();
}

#[test]
fn a_writer_waits_for_the_reader_beyond_the_window() {
    Sim::new(7)
        .run(async {
            let l = net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = l.local_addr().unwrap();
            let writer = task::spawn(async move {
                let mut c = net::TcpStream::connect(addr).await.unwrap();
                c.write_all(&vec![1; 1 << 20]).await.unwrap();
                time::now()
            });
            let (mut s, _) = l.accept().await.unwrap();
            time::sleep(Duration::from_secs(1)).await;
            assert!(!writer.is_finished(), "a megabyte does not fit the window");
            let mut buf = vec![0; 1 << 20];
            s.read_exact(&mut buf).await.unwrap();
            assert_eq!(writer.await.unwrap().since_start(), Duration::from_secs(1));
        })
        .unwrap();
}

#[test]
fn tasks_belong_to_the_host_they_were_spawned_from() {
    Sim::new(8)
        .run(async {
            assert_eq!(&*net::current_host().name(), "main");
            let h = net::host("worker", || async {
                let child = task::spawn(async { net::current_host().name() });
                assert_eq!(&*child.await.unwrap(), "worker");
            });
            let on_h = h.spawn(async { net::current_host().ip() });
            assert_eq!(on_h.await.unwrap().to_string(), "10.0.0.2");
            assert_eq!(net::lookup_host("worker").unwrap().to_string(), "10.0.0.2");
            assert_eq!(
                net::lookup_host("localhost").unwrap().to_string(),
                "127.0.0.1"
            );
        })
        .unwrap();
}

#[test]
fn a_reader_blocked_on_a_silent_peer_is_named_in_the_deadlock_report() {
    let err = Sim::new(9)
        .run(async {
            net::host("server", || async {
                let l = net::TcpListener::bind("0.0.0.0:6379").await.unwrap();
                let (_s, _) = l.accept().await.unwrap();
                std::future::pending::<()>().await;
            });
            let client = net::host("client", || async {
                let mut s = net::TcpStream::connect("server:6379").await.unwrap();
                let mut buf = [0; 1];
                let _ = s.read(&mut buf).await;
            });
            time::sleep(Duration::from_secs(1)).await;
            drop(client);
            std::future::pending::<()>().await
        })
        .unwrap_err();
    assert!(matches!(err, SimError::Deadlock { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains(r#""client" waits on TcpStream::read on "client -> server:6379""#),
        "{text}"
    );
    assert!(
        text.contains(r#""server" waits on"#),
        "the server's accepting task is listed too: {text}"
    );
}
