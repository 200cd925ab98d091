//! simloop::net's faults: crashes and restarts, partitions, loss,
//! duplication, holding messages, UDP, and determinism of it all.

use std::cell::RefCell;
use std::io::ErrorKind;
use std::rc::Rc;
use std::time::Duration;

use futures::{AsyncReadExt, AsyncWriteExt};
use simloop::trace::{EventKind, NetEvent};
use simloop::{Sim, Strategy, net, rand, task, time};

const MS: Duration = Duration::from_millis(1);

async fn echo_server(port: u16) {
    let listener = net::TcpListener::bind(("0.0.0.0", port)).await.unwrap();
    loop {
        let (mut s, _) = listener.accept().await.unwrap();
        task::spawn(async move {
            let mut buf = [0; 1024];
            while let Ok(n) = s.read(&mut buf).await {
                if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        });
    }
}

#[test]
fn a_crash_drops_every_task_of_the_host_and_a_restart_runs_the_factory_again() {
    Sim::new(1)
        .run(async {
            let starts = Rc::new(RefCell::new(0));
            let server = net::host("server", {
                let starts = Rc::clone(&starts);
                move || {
                    *starts.borrow_mut() += 1;
                    echo_server(80)
                }
            });
            time::sleep(MS).await;
            let mut s = net::TcpStream::connect("server:80").await.unwrap();
            s.write_all(b"hi").await.unwrap();
            let mut buf = [0; 2];
            s.read_exact(&mut buf).await.unwrap();
            let child = server.spawn(std::future::pending::<()>());

            server.crash();
            assert!(!server.is_up());
            assert!(
                child.await.unwrap_err().is_cancelled(),
                "its tasks are dropped"
            );
            // A crashed peer is silent: the write goes out, nothing comes back.
            s.write_all(b"again").await.unwrap();
            let read = time::timeout(Duration::from_secs(1), s.read(&mut buf)).await;
            assert!(read.is_err(), "no answer from a crashed host");

            server.restart();
            assert_eq!(*starts.borrow(), 2);
            // The old connection is gone: the retransmitted bytes reach the
            // restarted host, which resets the connection.
            let err = s.read(&mut buf).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::ConnectionReset);
            let err = s.write_all(b"x").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::BrokenPipe);
            // A new one works.
            let mut s = net::TcpStream::connect("server:80").await.unwrap();
            s.write_all(b"ok").await.unwrap();
            s.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"ok");

            // Connecting to a host that is down times out.
            net::set_tcp_timeout(Duration::from_secs(5));
            server.crash();
            let start = time::now();
            let err = net::TcpStream::connect("server:80").await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::TimedOut);
            assert!(time::now() - start >= Duration::from_secs(5));
        })
        .unwrap();
}

#[test]
fn tcp_retransmits_across_a_partition_once_it_heals() {
    Sim::new(2)
        .run(async {
            net::host("server", || echo_server(80));
            net::link("main", "server").latency(10 * MS);
            time::sleep(MS).await;
            let mut s = net::TcpStream::connect("server:80").await.unwrap();
            net::partition("main", "server");
            assert!(net::is_partitioned("server", "main"));
            s.write_all(b"ping").await.unwrap();
            time::sleep(Duration::from_secs(2)).await;
            net::heal("main", "server");
            let mut buf = [0; 4];
            s.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"ping");
            // Retransmissions at 200 ms, 400 ms, 800 ms, 1.6 s after the
            // first try: the one 3 s after sending gets through.
            let t = time::now().since_start();
            assert!(
                t > Duration::from_secs(3) && t < Duration::from_secs(4),
                "{t:?}"
            );
        })
        .unwrap();
}

#[test]
fn a_partition_that_lasts_times_the_connection_out() {
    Sim::new(3)
        .run(async {
            net::host("server", || echo_server(80));
            net::set_tcp_timeout(Duration::from_secs(10));
            time::sleep(MS).await;
            let mut s = net::TcpStream::connect("server:80").await.unwrap();
            net::partition_oneway("main", "server");
            s.write_all(b"ping").await.unwrap();
            let mut buf = [0; 4];
            let err = s.read(&mut buf).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::TimedOut);
            let t = time::now().since_start();
            assert!(
                t >= Duration::from_secs(10) && t < Duration::from_secs(16),
                "{t:?}"
            );
        })
        .unwrap();
}

#[test]
fn held_messages_wait_and_are_listed_in_flight_until_released() {
    Sim::new(4)
        .run(async {
            net::host("b", || async {
                let u = net::UdpSocket::bind("0.0.0.0:53").await.unwrap();
                let mut buf = [0; 8];
                let (n, from) = u.recv_from(&mut buf).await.unwrap();
                u.send_to(&buf[..n], from).await.unwrap();
            });
            net::link("main", "b").latency(2 * MS);
            time::sleep(MS).await;
            net::hold("main", "b");
            let u = net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
            u.send_to(b"q", "b:53").await.unwrap();
            let flying = net::in_flight();
            assert_eq!(flying.len(), 1);
            assert_eq!((&*flying[0].from, &*flying[0].to), ("main", "b"));
            assert_eq!(flying[0].protocol, "udp");
            assert_eq!(flying[0].arrives, Some(time::now() + 2 * MS));
            time::sleep(Duration::from_secs(1)).await;
            assert_eq!(net::in_flight()[0].arrives, None, "held");
            net::release("main", "b");
            let mut buf = [0; 8];
            let n = u.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"q");
            assert_eq!(time::now().since_start(), Duration::from_secs(1) + 3 * MS);
            assert!(net::in_flight().is_empty());
        })
        .unwrap();
}

/// Sends `n` numbered datagrams from `main` to host `sink` and returns
/// the numbers received, in arrival order.
fn udp_run(seed: u64, n: u32, configure: impl FnOnce()) -> Vec<u32> {
    Sim::builder()
        .seed(seed)
        .strategy(Strategy::Random)
        .build()
        .run(async move {
            let got = Rc::new(RefCell::new(Vec::new()));
            net::host("sink", {
                let got = Rc::clone(&got);
                move || {
                    let got = Rc::clone(&got);
                    async move {
                        let u = net::UdpSocket::bind("0.0.0.0:9").await.unwrap();
                        let mut buf = [0; 4];
                        loop {
                            u.recv(&mut buf).await.unwrap();
                            got.borrow_mut().push(u32::from_le_bytes(buf));
                        }
                    }
                }
            });
            configure();
            time::sleep(MS).await;
            let u = net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
            for i in 0..n {
                u.send_to(&i.to_le_bytes(), "sink:9").await.unwrap();
                time::sleep(Duration::from_micros(100)).await;
            }
            time::sleep(Duration::from_secs(1)).await;
            got.take()
        })
        .unwrap()
}

#[test]
fn udp_datagrams_are_lost_duplicated_and_reordered_as_the_link_says() {
    let clean = udp_run(1, 1000, || {});
    assert_eq!(clean, (0..1000).collect::<Vec<_>>());

    let lossy = udp_run(1, 1000, || {
        net::link("main", "sink").loss(0.1);
    });
    assert!((850..950).contains(&lossy.len()), "{}", lossy.len());
    assert!(
        lossy.windows(2).all(|w| w[0] < w[1]),
        "fixed latency keeps order"
    );

    let dup = udp_run(1, 1000, || {
        net::link("main", "sink").duplicate(0.1);
    });
    assert!((1050..1150).contains(&dup.len()), "{}", dup.len());

    let jitter = udp_run(1, 1000, || {
        net::link("main", "sink").latency(MS..10 * MS);
    });
    assert_eq!(jitter.len(), 1000);
    assert!(jitter.windows(2).any(|w| w[0] > w[1]), "jitter reorders");
    let mut sorted = jitter.clone();
    sorted.sort();
    assert_eq!(sorted, (0..1000).collect::<Vec<_>>());

    let cut = udp_run(1, 10, || net::partition("main", "sink"));
    assert!(cut.is_empty());
}

#[test]
fn the_network_is_deterministic_and_its_draws_come_from_the_seed() {
    let run = |seed| {
        udp_run(seed, 300, || {
            net::link("main", "sink")
                .latency(MS..10 * MS)
                .loss(0.2)
                .duplicate(0.1);
        })
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));

    let sim = Sim::builder().seed(11).strategy(Strategy::Random).build();
    let program = || async {
        net::host("server", || echo_server(80));
        net::link("main", "server").latency(MS..5 * MS).loss(0.3);
        time::sleep(MS).await;
        let mut s = net::TcpStream::connect("server:80").await.unwrap();
        for _ in 0..20 {
            s.write_all(b"abcd").await.unwrap();
            let mut buf = [0; 4];
            s.read_exact(&mut buf).await.unwrap();
        }
        time::now()
    };
    let a = sim.run_report(program()).unwrap();
    let b = sim.run_report(program()).unwrap();
    assert_eq!(a.fingerprint(), b.fingerprint());
    assert_eq!(a.value(), b.value());
    sim.check_determinism(program).unwrap();
}

#[test]
fn using_the_network_leaves_the_users_random_numbers_alone() {
    let plain = Sim::new(21)
        .run(async { (0..5).map(|_| rand::range(0..1000u32)).collect::<Vec<_>>() })
        .unwrap();
    let with_net = Sim::new(21)
        .run(async {
            net::host("x", || async {});
            net::link("main", "x").latency(MS..9 * MS).loss(0.5);
            let u = net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
            for _ in 0..10 {
                u.send_to(b"noise", "x:1").await.unwrap();
            }
            (0..5).map(|_| rand::range(0..1000u32)).collect::<Vec<_>>()
        })
        .unwrap();
    assert_eq!(plain, with_net);
}

#[test]
fn the_trace_records_sends_deliveries_drops_partitions_crashes_and_restarts() {
    let report = Sim::builder()
        .seed(1)
        .trace(true)
        .build()
        .run_recorded(async {
            let h = net::host("b", || async {
                let _u = net::UdpSocket::bind("0.0.0.0:9").await.unwrap();
                std::future::pending::<()>().await;
            });
            time::sleep(MS).await;
            let u = net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
            u.send_to(b"1", "b:9").await.unwrap();
            time::sleep(5 * MS).await;
            net::partition("main", "b");
            u.send_to(b"2", "b:9").await.unwrap();
            net::heal("main", "b");
            h.crash();
            h.restart();
        })
        .unwrap();
    let events: Vec<String> = report
        .trace
        .as_ref()
        .unwrap()
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Net(n) => Some(n.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(
        events,
        [
            "host b restarted",
            "udp main -> b sent (1 bytes)",
            "udp main -> b delivered (1 bytes)",
            "partition main -> b",
            "partition b -> main",
            "udp main -> b sent (1 bytes)",
            "udp main -> b dropped",
            "heal main -> b",
            "heal b -> main",
            "host b crashed",
            "host b restarted",
        ]
    );
    let _ = NetEvent::Crash { host: "b".into() };
}
