//! A timeline picture shows what each wait is on, the `tracing` events
//! each task logged (on its own lane), and aborts: every element checked
//! in the SVG and in the Chrome trace, from a run a user would draw.

use std::rc::Rc;
use std::time::Duration;

use simloop::sync::{Lock, Queue};
use simloop::timeline::{self, MarkerKind, SpanKind, Timeline, WaitKind};
use simloop::{Sim, task, time};

/// A producer sleeps then puts into a queue; a consumer waits on the queue;
/// two tasks contend for a lock; `main` joins them and aborts a sleeper.
/// Everyone logs.
fn picture() -> Timeline {
    let report = timeline::with_event_marks(|| {
        Sim::builder().trace(true).build().run_report(async {
            let jobs = Queue::<u32>::new().named("jobs");
            let lock = Rc::new(Lock::new().named("ledger"));
            let producer = task::spawn_named("producer", {
                let jobs = jobs.clone();
                async move {
                    time::sleep(Duration::from_secs(2)).await;
                    tracing::info!(job = 1, "putting");
                    jobs.put(1).await.unwrap();
                }
            });
            let consumer = task::spawn_named("consumer", async move {
                let job = jobs.get().await.unwrap();
                tracing::warn!(job, "got a job");
            });
            let holders: Vec<_> = (0..2)
                .map(|i| {
                    let lock = lock.clone();
                    task::spawn_named(format!("holder-{i}"), async move {
                        let _guard = lock.lock().await;
                        time::sleep(Duration::from_secs(1)).await;
                    })
                })
                .collect();
            let sleeper = task::spawn_named("sleeper", time::sleep(Duration::from_secs(60)));
            time::sleep(Duration::from_millis(500)).await;
            sleeper.abort();
            tracing::error!("main aborted the sleeper");
            producer.await.unwrap();
            consumer.await.unwrap();
            for h in holders {
                h.await.unwrap();
            }
        })
    })
    .unwrap();
    Timeline::from_report(&report).unwrap()
}

fn lane<'a>(timeline: &'a Timeline, name: &str) -> &'a simloop::timeline::Lane {
    timeline.lanes().iter().find(|l| l.label() == name).unwrap()
}

fn waits(timeline: &Timeline, name: &str) -> Vec<(WaitKind, String)> {
    lane(timeline, name)
        .spans()
        .iter()
        .filter(|s| s.kind == SpanKind::Waiting)
        .filter_map(|s| s.wait.as_ref().map(|w| (w.kind, w.label.clone())))
        .collect()
}

#[test]
fn each_wait_says_what_it_is_on() {
    let t = picture();
    assert_eq!(
        waits(&t, "consumer"),
        [(WaitKind::Queue, r#"Queue::get on "jobs""#.to_owned())]
    );
    assert_eq!(
        waits(&t, "producer"),
        [(WaitKind::Timer, "timer due at t=2s".to_owned())]
    );
    // The second holder waits for the first one's lock, then sleeps.
    assert_eq!(
        waits(&t, "holder-1"),
        [
            (WaitKind::Lock, r#"Lock::lock on "ledger""#.to_owned()),
            (WaitKind::Timer, "timer due at t=2s".to_owned())
        ]
    );
    let main = waits(&t, "main");
    assert!(
        main.contains(&(WaitKind::Join, "JoinHandle::await on task 1".to_owned())),
        "{main:?}"
    );
}

#[test]
fn tracing_events_are_marks_on_the_lane_of_the_task_that_logged_them() {
    let t = picture();
    let logs = |name| -> Vec<(&'static str, String)> {
        lane(&t, name)
            .markers()
            .iter()
            .filter_map(|m| match &m.kind {
                MarkerKind::Log { level, message } => Some((*level, message.clone())),
                _ => None,
            })
            .collect()
    };
    assert_eq!(logs("producer"), [("INFO", "putting job=1".to_owned())]);
    assert_eq!(logs("consumer"), [("WARN", "got a job job=1".to_owned())]);
    assert_eq!(
        logs("main"),
        [("ERROR", "main aborted the sleeper".to_owned())]
    );
    assert!(logs("holder-0").is_empty());
    let at = |name| {
        lane(&t, name)
            .markers()
            .iter()
            .find(|m| matches!(m.kind, MarkerKind::Log { .. }))
            .unwrap()
            .time
            .since_start()
    };
    assert_eq!(at("producer"), Duration::from_secs(2));
    assert_eq!(at("main"), Duration::from_millis(500));
}

#[test]
fn an_aborted_task_ends_in_an_abort_mark() {
    let t = picture();
    let sleeper = lane(&t, "sleeper");
    let last = sleeper.markers().last().unwrap();
    assert_eq!(last.kind, MarkerKind::Abort);
    assert_eq!(last.time.since_start(), Duration::from_millis(500));
}

fn classes(node: &roxmltree::Node) -> Vec<String> {
    node.attribute("class")
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_svg_draws_every_element() {
    let svg = picture().to_svg();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let lane = |name: &str| {
        doc.descendants()
            .find(|n| {
                classes(n).contains(&"lane".to_owned())
                    && n.children().any(|c| c.text() == Some(name))
            })
            .unwrap_or_else(|| panic!("no lane {name}"))
    };
    let has = |lane: roxmltree::Node, class: &str, tooltip: &str| {
        lane.descendants().any(|n| {
            classes(&n).contains(&class.to_owned())
                && n.descendants()
                    .any(|t| t.has_tag_name("title") && t.text().unwrap_or("").contains(tooltip))
        })
    };
    // Waits, coloured by kind, with what they are on in the tooltip.
    assert!(has(
        lane("consumer"),
        "wait-queue",
        r#"waiting on Queue::get on "jobs" (queue)"#
    ));
    assert!(has(
        lane("holder-1"),
        "wait-lock",
        r#"Lock::lock on "ledger""#
    ));
    assert!(has(lane("producer"), "wait-timer", "timer due at t=2s"));
    assert!(has(
        lane("main"),
        "wait-join",
        "JoinHandle::await on task 1"
    ));
    // The wait's label is written over a bar wide enough for it.
    assert!(
        lane("consumer")
            .descendants()
            .any(|n| classes(&n).contains(&"wait-label".to_owned())
                && n.text() == Some(r#"Queue::get on "jobs""#)),
        "{svg}"
    );
    // Log events as diamonds coloured by level, on the logging task's lane.
    assert!(has(lane("producer"), "log", "INFO putting job=1"));
    assert!(has(lane("consumer"), "log-warn", "WARN got a job job=1"));
    assert!(has(
        lane("main"),
        "log-error",
        "ERROR main aborted the sleeper"
    ));
    assert!(!has(lane("holder-0"), "log", ""));
    // The abort's cross.
    assert!(has(lane("sleeper"), "abort", "aborted at t=500ms"));
    // The legend names every kind of wait and the log mark.
    let legend: String = doc
        .descendants()
        .find(|n| classes(n).contains(&"legend".to_owned()))
        .unwrap()
        .descendants()
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join(" ");
    for word in [
        "waiting on:",
        "timer",
        "queue",
        "lock",
        "join",
        "socket",
        "tracing event",
        "abort",
    ] {
        assert!(legend.contains(word), "legend lacks {word}: {legend}");
    }
}

#[test]
fn the_chrome_trace_names_each_wait_and_log_event() {
    let json: serde_json::Value = serde_json::from_str(&picture().to_chrome_json()).unwrap();
    let names: Vec<&str> = json["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    for name in [
        r#"waiting on Queue::get on "jobs""#,
        r#"waiting on Lock::lock on "ledger""#,
        "waiting on timer due at t=2s",
        "INFO putting job=1",
        "ERROR main aborted the sleeper",
        "abort",
    ] {
        assert!(names.contains(&name), "no {name} in {names:?}");
    }
}

#[test]
fn notes_change_neither_the_decisions_nor_the_fingerprint() {
    let run = |trace| {
        timeline::with_event_marks(|| {
            Sim::builder()
                .seed(4)
                .trace(trace)
                .build()
                .run_report(async {
                    let q = Queue::<u8>::new();
                    let c = task::spawn({
                        let q = q.clone();
                        async move { q.get().await.unwrap() }
                    });
                    tracing::info!("put");
                    q.put(3).await.unwrap();
                    c.await.unwrap()
                })
        })
        .unwrap()
    };
    assert_eq!(run(true).fingerprint, run(false).fingerprint);
}

#[test]
fn a_wait_on_a_socket_is_a_socket_wait() {
    let report = Sim::builder()
        .trace(true)
        .build()
        .run_report(async {
            let socket = simloop::net::UdpSocket::bind("127.0.0.1:9000")
                .await
                .unwrap();
            let sender = task::spawn_named("sender", async {
                time::sleep(Duration::from_secs(1)).await;
                let out = simloop::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
                out.send_to(b"hi", "127.0.0.1:9000").await.unwrap();
            });
            let mut buf = [0; 8];
            let (n, _) = socket.recv_from(&mut buf).await.unwrap();
            sender.await.unwrap();
            n
        })
        .unwrap();
    let t = Timeline::from_report(&report).unwrap();
    let socket_waits: Vec<_> = waits(&t, "main")
        .into_iter()
        .filter(|(kind, _)| *kind == WaitKind::Socket)
        .collect();
    assert_eq!(socket_waits.len(), 1, "{:?}", waits(&t, "main"));
    assert!(
        socket_waits[0].1.starts_with("UdpSocket::recv"),
        "{socket_waits:?}"
    );
    assert!(t.to_svg().contains("wait-socket"));
}
