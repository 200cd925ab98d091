//! `tokio::net` over simloop's simulated network: TCP (with `split` and
//! `into_split`), UDP, `lookup_host` and named hosts, in virtual time.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream, UdpSocket, lookup_host};
use tokio::time::Instant;

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn sockets_are_send_and_sync_as_in_tokio() {
    assert_send_sync::<TcpListener>();
    assert_send_sync::<TcpStream>();
    assert_send_sync::<tokio::net::tcp::OwnedReadHalf>();
    assert_send_sync::<tokio::net::tcp::OwnedWriteHalf>();
    assert_send_sync::<UdpSocket>();
}

#[tokio::test]
async fn a_tcp_echo_server_and_its_clients_on_localhost() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        for _ in 0..3 {
            let (socket, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let (r, mut w) = socket.into_split();
                let mut lines = BufReader::new(r).lines();
                while let Some(line) = lines.next_line().await.unwrap() {
                    w.write_all(format!("{line}!\n").as_bytes()).await.unwrap();
                }
            });
        }
    });
    let mut clients = Vec::new();
    for i in 0..3 {
        clients.push(tokio::spawn(async move {
            let mut s = TcpStream::connect(addr).await.unwrap();
            assert_eq!(s.peer_addr().unwrap(), addr);
            s.write_all(format!("hello {i}\n").as_bytes())
                .await
                .unwrap();
            s.shutdown().await.unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).await.unwrap();
            out
        }));
    }
    for (i, c) in clients.into_iter().enumerate() {
        assert_eq!(c.await.unwrap(), format!("hello {i}!\n"));
    }
    server.await.unwrap();
}

#[tokio::test]
async fn borrowed_halves_read_and_write_one_stream() {
    let listener = TcpListener::bind("127.0.0.1:9000").await.unwrap();
    tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let (mut r, mut w) = s.split();
        tokio::io::copy(&mut r, &mut w).await.unwrap();
    });
    let mut c = TcpStream::connect("localhost:9000").await.unwrap();
    c.write_all(b"abc").await.unwrap();
    let mut buf = [0u8; 3];
    c.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"abc");
}

#[tokio::test]
async fn udp_datagrams_go_both_ways() {
    let server = UdpSocket::bind("127.0.0.1:5353").await.unwrap();
    let echo = tokio::spawn(async move {
        let mut buf = [0u8; 16];
        let (n, from) = server.recv_from(&mut buf).await.unwrap();
        server.send_to(&buf[..n], from).await.unwrap();
    });
    let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    client.connect("127.0.0.1:5353").await.unwrap();
    client.send(b"q?").await.unwrap();
    let mut buf = [0u8; 16];
    let n = client.recv(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"q?");
    echo.await.unwrap();
}

#[test]
fn named_hosts_talk_over_a_link_with_latency() {
    let rtt = simloop::Sim::new(7)
        .run(async {
            simloop::net::host("server", || async {
                let listener = TcpListener::bind("0.0.0.0:80").await.unwrap();
                loop {
                    let (mut s, _) = listener.accept().await.unwrap();
                    tokio::spawn(async move {
                        let mut buf = [0u8; 4];
                        s.read_exact(&mut buf).await.unwrap();
                        s.write_all(b"pong").await.unwrap();
                    });
                }
            });
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            // Hosts start at the next scheduling point: the link is set first.
            simloop::net::host("client", move || {
                let tx = tx.clone();
                async move {
                    let addr = lookup_host("server:80").await.unwrap().next().unwrap();
                    assert_eq!(addr.port(), 80);
                    let start = Instant::now();
                    let mut s = TcpStream::connect(addr).await.unwrap();
                    let connected = start.elapsed();
                    s.write_all(b"ping").await.unwrap();
                    let mut buf = [0u8; 4];
                    s.read_exact(&mut buf).await.unwrap();
                    assert_eq!(&buf, b"pong");
                    tx.send((connected, start.elapsed())).unwrap();
                }
            });
            simloop::net::link("client", "server").latency(Duration::from_millis(10));
            rx.recv().await.unwrap()
        })
        .unwrap();
    // One round trip to connect, one for the request: 10 ms each way.
    assert_eq!(rtt, (Duration::from_millis(20), Duration::from_millis(40)));
}
