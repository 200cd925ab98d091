//! The sequence diagram of a networked run, parsed back: hosts as groups of
//! lanes, messages as arrows between them with the right ends and times,
//! drops, crashes and restarts marked, in the SVG and in the Chrome trace.

use std::time::Duration;

use serde_json::Value;
use simloop::timeline::{Fate, HostMarkKind, Timeline};
use simloop::{Sim, net, time};

const MS: u64 = 1_000_000;

/// A client pings a UDP echo server over a 5 ms link; a one-way partition
/// then loses its next datagram; the server crashes and restarts.
///
/// - 1 ms: ping client → server, delivered at 6 ms; the echo server → client
///   is delivered at 11 ms;
/// - 10 ms: client → server cut; 20 ms: the client's second datagram is
///   dropped at once;
/// - 30 ms: the server crashes; 40 ms: it restarts; the run ends at 50 ms.
fn ping_run() -> Timeline {
    let report = Sim::builder()
        .seed(3)
        .trace(true)
        .build()
        .run_report(async {
            let server = net::host("server", || async {
                let socket = net::UdpSocket::bind("0.0.0.0:7").await.unwrap();
                let mut buf = [0; 16];
                loop {
                    let (n, peer) = socket.recv_from(&mut buf).await.unwrap();
                    socket.send_to(&buf[..n], peer).await.unwrap();
                }
            });
            net::host("client", || async {
                time::sleep(Duration::from_millis(1)).await;
                let socket = net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
                socket.send_to(b"ping", "server:7").await.unwrap();
                let mut buf = [0; 16];
                let n = socket.recv(&mut buf).await.unwrap();
                assert_eq!(&buf[..n], b"ping");
                time::sleep_until(time::Instant::from_nanos(20 * MS)).await;
                socket.send_to(b"lost", "server:7").await.unwrap();
            });
            net::link("client", "server").latency(Duration::from_millis(5));
            time::sleep(Duration::from_millis(10)).await;
            net::partition_oneway("client", "server");
            time::sleep(Duration::from_millis(20)).await;
            server.crash();
            time::sleep(Duration::from_millis(10)).await;
            server.restart();
            time::sleep(Duration::from_millis(10)).await;
        })
        .unwrap();
    Timeline::from_report(&report).unwrap()
}

#[test]
fn the_model_has_hosts_messages_and_their_fates() {
    let timeline = ping_run();
    let hosts: Vec<&str> = timeline.hosts().iter().map(|h| h.name()).collect();
    assert_eq!(hosts, ["main", "server", "client"]);
    // Every lane is in exactly one host, and says so.
    let grouped: usize = timeline.hosts().iter().map(|h| h.tasks().len()).sum();
    assert_eq!(grouped, timeline.lanes().len());
    for host in timeline.hosts() {
        for &task in host.tasks() {
            assert_eq!(timeline.lane(task).unwrap().host(), Some(host.name()));
        }
    }
    let server = &timeline.hosts()[1];
    // Two incarnations of the server's factory task.
    let labels: Vec<String> = server
        .tasks()
        .iter()
        .map(|&t| timeline.lane(t).unwrap().label())
        .collect();
    assert_eq!(labels, ["server", "server"]);
    let marks: Vec<(&str, u64)> = server
        .marks()
        .iter()
        .map(|m| (m.kind.name(), m.time.as_nanos()))
        .collect();
    assert_eq!(
        marks,
        [("start", 0), ("crash", 30 * MS), ("restart", 40 * MS)]
    );
    let down: Vec<(u64, u64)> = server
        .down()
        .iter()
        .map(|(a, b)| (a.as_nanos(), b.as_nanos()))
        .collect();
    assert_eq!(down, [(30 * MS, 40 * MS)]);
    let client = &timeline.hosts()[2];
    assert!(client.marks().iter().any(|m| m.kind
        == HostMarkKind::Partition {
            to: "server".into()
        }
        && m.time.as_nanos() == 10 * MS));

    let messages: Vec<(&str, &str, usize, u64, Fate)> = timeline
        .messages()
        .iter()
        .map(|m| (&*m.from, &*m.to, m.bytes, m.sent.as_nanos(), m.fate))
        .collect();
    let at = |ms| time::Instant::from_nanos(ms * MS);
    assert_eq!(
        messages,
        [
            ("client", "server", 4, MS, Fate::Delivered(at(6))),
            ("server", "client", 4, 6 * MS, Fate::Delivered(at(11))),
            ("client", "server", 4, 20 * MS, Fate::Dropped(at(20))),
        ]
    );
    // The sender is the client's task.
    let sender = timeline.lane(timeline.messages()[0].sender).unwrap();
    assert_eq!(sender.host(), Some("client"));
}

fn has_class(node: &roxmltree::Node, class: &str) -> bool {
    node.attribute("class")
        .is_some_and(|c| c.split_whitespace().any(|w| w == class))
}

fn number(node: &roxmltree::Node, attr: &str) -> f64 {
    node.attribute(attr).unwrap().parse().unwrap()
}

#[test]
fn svg_groups_lanes_by_host_and_draws_arrows_between_lifelines() {
    let timeline = ping_run();
    let svg = timeline.to_svg();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let groups: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && has_class(n, "host"))
        .collect();
    let names: Vec<&str> = groups
        .iter()
        .map(|g| g.attribute("data-host").unwrap())
        .collect();
    assert_eq!(names, ["main", "server", "client"]);
    // Each host group holds the lanes of its tasks, and only those.
    for (group, host) in groups.iter().zip(timeline.hosts()) {
        let lanes: Vec<String> = group
            .children()
            .filter(|n| n.has_tag_name("g") && has_class(n, "lane"))
            .map(|n| n.attribute("id").unwrap().to_owned())
            .collect();
        let expected: Vec<String> = host.tasks().iter().map(|t| format!("task-{t}")).collect();
        assert_eq!(lanes, expected, "lanes of host {}", host.name());
    }
    // The lifeline of each host: the middle of its header row, in order
    // down the picture.
    let rows: Vec<f64> = doc
        .descendants()
        .filter(|n| has_class(n, "host-row"))
        .map(|n| number(&n, "y") + number(&n, "height") / 2.0)
        .collect();
    assert_eq!(rows.len(), 3);
    assert!(rows.windows(2).all(|w| w[0] < w[1]));
    let lifeline = |host: &str| rows[names.iter().position(|n| *n == host).unwrap()];

    let arrows: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.has_tag_name("line") && has_class(n, "msg"))
        .filter(|n| n.attribute("data-id").is_some())
        .collect();
    assert_eq!(arrows.len(), timeline.messages().len());
    for (arrow, m) in arrows.iter().zip(timeline.messages()) {
        assert_eq!(arrow.attribute("data-from"), Some(&*m.from));
        assert_eq!(arrow.attribute("data-to"), Some(&*m.to));
        assert_eq!(number(arrow, "data-sent") as u64, m.sent.as_nanos());
        assert_eq!(
            number(arrow, "data-at") as u64,
            m.fate.time().unwrap().as_nanos()
        );
        assert_eq!(number(arrow, "y1"), lifeline(&m.from));
        assert_eq!(number(arrow, "y2"), lifeline(&m.to));
        assert!(has_class(arrow, "udp"));
    }
    // Delivered arrows end in an arrowhead; x follows virtual time: the
    // echo leaves where the ping arrived, and both take 5 ms.
    let (ping, echo, lost) = (&arrows[0], &arrows[1], &arrows[2]);
    for delivered in [ping, echo] {
        assert_eq!(delivered.attribute("marker-end"), Some("url(#arrowhead)"));
        assert!(!has_class(delivered, "dropped"));
    }
    assert_eq!(number(echo, "x1"), number(ping, "x2"));
    let width = |n: &roxmltree::Node| number(n, "x2") - number(n, "x1");
    assert!(width(ping) > 0.0);
    assert!((width(ping) - width(echo)).abs() < 0.02);
    // The drop: a dashed arrow of no length (lost as it was sent) and a
    // cross at its end.
    assert!(has_class(lost, "dropped"));
    assert_eq!(lost.attribute("marker-end"), None);
    let drops: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.has_tag_name("path") && has_class(n, "drop"))
        .filter(|n| n.attribute("data-id").is_some())
        .collect();
    assert_eq!(drops.len(), 1);
    assert_eq!(drops[0].attribute("data-id"), lost.attribute("data-id"));
    // Crash, restart and partition marks and the down interval, on the
    // right hosts' header rows.
    let in_group = |host: usize, class: &str| {
        groups[host]
            .descendants()
            .filter(|n| has_class(n, class))
            .count()
    };
    assert_eq!(in_group(1, "crash"), 1);
    assert_eq!(in_group(1, "restart"), 1);
    assert_eq!(in_group(1, "down"), 1);
    assert_eq!(in_group(2, "partition"), 1);
    assert_eq!(in_group(2, "crash"), 0);
}

#[test]
fn chrome_trace_has_a_process_per_host_and_a_flow_per_delivery() {
    let timeline = ping_run();
    let json: Value = serde_json::from_str(&timeline.to_chrome_json()).unwrap();
    let events = json["traceEvents"].as_array().unwrap();
    let processes: Vec<(u64, &str)> = events
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "process_name")
        .map(|e| {
            (
                e["pid"].as_u64().unwrap(),
                e["args"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        processes,
        [(1, "host main"), (2, "host server"), (3, "host client")]
    );
    let pid = |host: &str| match host {
        "main" => 1,
        "server" => 2,
        _ => 3,
    };
    // Each task's thread is in its host's process.
    for lane in timeline.lanes() {
        let thread = events
            .iter()
            .find(|e| {
                e["ph"] == "M"
                    && e["name"] == "thread_name"
                    && e["tid"] == lane.task().id().as_u64()
                    && e["pid"] == pid(lane.host().unwrap())
            })
            .map(|e| e["args"]["name"].as_str().unwrap());
        assert_eq!(thread, Some(lane.label().as_str()));
    }
    // A flow start and finish per delivered message, at the hosts and times
    // of its send and delivery.
    let flows = |ph: &str| -> Vec<(u64, u64, f64)> {
        events
            .iter()
            .filter(|e| e["ph"] == ph)
            .map(|e| {
                (
                    e["id"].as_u64().unwrap(),
                    e["pid"].as_u64().unwrap(),
                    e["ts"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(flows("s"), [(0, 3, 1_000.0), (1, 2, 6_000.0)]);
    assert_eq!(flows("f"), [(0, 2, 6_000.0), (1, 3, 11_000.0)]);
    // The drop and the host's crash and restart are instants on the
    // network threads.
    let instants: Vec<(&str, u64, f64)> = events
        .iter()
        .filter(|e| e["ph"] == "i" && e["cat"] == "net")
        .map(|e| {
            (
                e["name"].as_str().unwrap(),
                e["pid"].as_u64().unwrap(),
                e["ts"].as_f64().unwrap(),
            )
        })
        .collect();
    for expected in [
        ("crash", 2, 30_000.0),
        ("restart", 2, 40_000.0),
        ("partition", 3, 10_000.0),
        ("drop udp client → server", 2, 20_000.0),
    ] {
        assert!(instants.contains(&expected), "{expected:?} in {instants:?}");
    }
}

#[test]
fn a_run_without_network_keeps_one_process_and_no_host_groups() {
    let report = Sim::builder()
        .trace(true)
        .build()
        .run_report(async { time::sleep(Duration::from_millis(5)).await })
        .unwrap();
    let timeline = Timeline::from_report(&report).unwrap();
    assert!(timeline.hosts().is_empty() && timeline.messages().is_empty());
    assert_eq!(timeline.lanes()[0].host(), None);
    assert!(!timeline.to_svg().contains("class=\"host\""));
    let json: Value = serde_json::from_str(&timeline.to_chrome_json()).unwrap();
    assert!(
        json["traceEvents"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["pid"] == 1)
    );
}

#[test]
fn tracing_does_not_change_a_networked_runs_fingerprint() {
    // The network makes its named events only for the trace; the
    // fingerprint takes in the same words either way.
    let run = |trace: bool| {
        Sim::builder()
            .seed(9)
            .trace(trace)
            .build()
            .run_report(async {
                net::host("b", || async {
                    let socket = net::UdpSocket::bind("0.0.0.0:9").await.unwrap();
                    let mut buf = [0; 4];
                    socket.recv_from(&mut buf).await.unwrap();
                });
                net::link("main", "b").latency(Duration::from_millis(2));
                let socket = net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
                socket.send_to(b"ping", "b:9").await.unwrap();
                time::sleep(Duration::from_millis(5)).await;
            })
            .unwrap()
            .fingerprint()
    };
    assert_eq!(run(true), run(false));
}
