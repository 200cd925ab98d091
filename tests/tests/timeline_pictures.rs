//! The two pictures of a timeline, parsed back: the Chrome trace as JSON and
//! the SVG as XML.

use std::time::Duration;

use serde_json::Value;
use simloop::timeline::Timeline;
use simloop::{Sim, task, time};

const SHORT: &str = "short \"sleeper\" <1s>";
const LONG: &str = "long & slow's";

/// Two tasks with names that need escaping sleep 1 s and 2 s.
fn two_sleepers() -> Timeline {
    let report = Sim::builder()
        .seed(5)
        .trace(true)
        .build()
        .run_report(async {
            let a = task::spawn_named(SHORT, time::sleep(Duration::from_secs(1)));
            let b = task::spawn_named(LONG, time::sleep(Duration::from_secs(2)));
            a.await.unwrap();
            b.await.unwrap();
        })
        .unwrap();
    Timeline::from_report(&report).unwrap()
}

fn chrome_events(timeline: &Timeline) -> Vec<Value> {
    let json: Value = serde_json::from_str(&timeline.to_chrome_json()).unwrap();
    json["traceEvents"].as_array().unwrap().clone()
}

fn on_thread<'a>(events: &'a [Value], tid: u64, ph: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["tid"] == tid && e["ph"] == ph)
        .collect()
}

#[test]
fn chrome_trace_names_one_thread_per_task() {
    let events = chrome_events(&two_sleepers());
    let names: Vec<(u64, &str)> = events
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
        .map(|e| {
            (
                e["tid"].as_u64().unwrap(),
                e["args"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(names, [(0, "main"), (1, SHORT), (2, LONG)]);
    let process = events
        .iter()
        .find(|e| e["ph"] == "M" && e["name"] == "process_name")
        .unwrap();
    assert_eq!(
        process["args"]["name"],
        "simloop run: seed 5, strategy fifo"
    );
    // Every event is in process 1.
    assert!(events.iter().all(|e| e["pid"] == 1));
}

#[test]
fn chrome_trace_spans_are_in_microseconds_of_virtual_time() {
    let events = chrome_events(&two_sleepers());
    for (tid, sleep_us, waiting) in [
        (1, 1_000_000.0, "waiting on timer due at t=1s"),
        (2, 2_000_000.0, "waiting on timer due at t=2s"),
    ] {
        let spans = on_thread(&events, tid, "X");
        let summary: Vec<(&str, f64, f64)> = spans
            .iter()
            .map(|e| {
                (
                    e["name"].as_str().unwrap(),
                    e["ts"].as_f64().unwrap(),
                    e["dur"].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("running", 0.0, 0.0),
                (waiting, 0.0, sleep_us),
                ("running", sleep_us, 0.0),
            ],
            "task {tid}"
        );
        let instants: Vec<(&str, f64)> = on_thread(&events, tid, "i")
            .iter()
            .map(|e| (e["name"].as_str().unwrap(), e["ts"].as_f64().unwrap()))
            .collect();
        assert_eq!(
            instants,
            [
                ("spawn", 0.0),
                ("timer fired", sleep_us),
                ("finish", sleep_us)
            ]
        );
        let timer = on_thread(&events, tid, "i")[1];
        assert_eq!(timer["args"]["deadline_us"].as_f64().unwrap(), sleep_us);
        assert_eq!(timer["s"], "t");
    }
    // The root waits for the first task, then the second.
    let main_waits: Vec<(&str, f64, f64)> = on_thread(&events, 0, "X")
        .iter()
        .filter(|e| e["name"].as_str().unwrap().starts_with("waiting"))
        .map(|e| {
            (
                e["name"].as_str().unwrap(),
                e["ts"].as_f64().unwrap(),
                e["dur"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        main_waits,
        [
            ("waiting on JoinHandle::await on task 1", 0.0, 1_000_000.0),
            (
                "waiting on JoinHandle::await on task 2",
                1_000_000.0,
                1_000_000.0
            )
        ]
    );
}

#[test]
fn chrome_trace_carries_busy_time_and_panic_messages() {
    let report = Sim::builder()
        .trace(true)
        .build()
        .run_report(async {
            time::sleep(Duration::from_micros(3)).await;
            time::busy(Duration::from_nanos(1_500));
            let bad = task::spawn_named("bad", async { panic!("it's \"broken\"\n") });
            assert!(bad.await.unwrap_err().is_panic());
        })
        .unwrap();
    let events = chrome_events(&Timeline::from_report(&report).unwrap());
    let busy: Vec<(f64, f64)> = on_thread(&events, 0, "X")
        .iter()
        .filter(|e| e["name"] == "running" && e["dur"].as_f64().unwrap() > 0.0)
        .map(|e| (e["ts"].as_f64().unwrap(), e["dur"].as_f64().unwrap()))
        .collect();
    assert_eq!(busy, [(3.0, 1.5)]);
    let panic = on_thread(&events, 1, "i")
        .into_iter()
        .find(|e| e["name"] == "panic")
        .unwrap();
    let message = panic["args"]["message"].as_str().unwrap();
    assert!(message.starts_with("it's \"broken\"\n"), "{message:?}");
}

/// The SVG parsed as XML (which fails on any escaping mistake).
fn parse(svg: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("invalid XML: {e}\n{svg}"))
}

fn has_class(node: &roxmltree::Node, class: &str) -> bool {
    node.attribute("class")
        .is_some_and(|c| c.split_whitespace().any(|c| c == class))
}

fn number(node: &roxmltree::Node, attr: &str) -> f64 {
    node.attribute(attr).unwrap().parse().unwrap()
}

#[test]
fn svg_has_a_title_a_lane_per_task_and_escaped_names() {
    let timeline = two_sleepers().with_title("Two <sleepers> & co");
    let svg = timeline.to_svg();
    let doc = parse(&svg);
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let title = root
        .descendants()
        .find(|n| has_class(n, "title"))
        .and_then(|n| n.text());
    assert_eq!(title, Some("Two <sleepers> & co"));

    let lanes: Vec<_> = root
        .descendants()
        .filter(|n| has_class(n, "lane"))
        .collect();
    assert_eq!(lanes.len(), 3);
    let labels: Vec<&str> = lanes
        .iter()
        .map(|lane| {
            lane.children()
                .find(|n| has_class(n, "label"))
                .and_then(|n| n.text())
                .unwrap()
        })
        .collect();
    assert_eq!(labels, ["main", SHORT, LONG]);
    // The raw text escapes the markup characters of the names.
    assert!(svg.contains("short &quot;sleeper&quot; &lt;1s&gt;"));
    assert!(svg.contains("long &amp; slow&apos;s"));

    // The legend names every kind of span and marker.
    let legend = root.descendants().find(|n| has_class(n, "legend")).unwrap();
    let legend_text: String = legend.descendants().filter_map(|n| n.text()).collect();
    for word in [
        "ready",
        "poll",
        "running",
        "waiting",
        "spawn",
        "timer fired",
        "finish",
        "abort",
        "panic",
    ] {
        assert!(
            legend_text.contains(word),
            "legend lacks {word}: {legend_text}"
        );
    }
}

#[test]
fn svg_bars_scale_with_virtual_time() {
    let svg = two_sleepers().to_svg();
    let doc = parse(&svg);
    let lanes: Vec<_> = doc
        .root_element()
        .descendants()
        .filter(|n| has_class(n, "lane"))
        .collect();
    let waiting = |lane: &roxmltree::Node| -> Vec<(f64, f64)> {
        lane.children()
            .filter(|n| has_class(n, "waiting"))
            .map(|n| (number(&n, "x"), number(&n, "width")))
            .collect()
    };
    let short = waiting(&lanes[1]);
    let long = waiting(&lanes[2]);
    assert_eq!((short.len(), long.len()), (1, 1));
    // Both start at t=0; the 2 s wait is twice as wide as the 1 s wait.
    assert!((short[0].0 - long[0].0).abs() < 0.01);
    assert!(
        (long[0].1 / short[0].1 - 2.0).abs() < 0.01,
        "{short:?} {long:?}"
    );
    // Each task was polled twice and has a spawn, timer and finish marker.
    for lane in &lanes[1..] {
        assert_eq!(lane.children().filter(|n| has_class(n, "poll")).count(), 2);
        for class in ["spawn", "timer", "finish"] {
            assert_eq!(lane.children().filter(|n| has_class(n, class)).count(), 1);
        }
    }
    // Axis ticks are labelled in seconds, from 0 s to 2 s.
    let ticks: Vec<&str> = doc
        .root_element()
        .descendants()
        .filter(|n| has_class(n, "tick"))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(ticks.first(), Some(&"0 s"));
    assert!(
        ticks.contains(&"1 s") && ticks.contains(&"2 s"),
        "{ticks:?}"
    );
}

#[test]
fn pictures_write_to_files() {
    let timeline = two_sleepers();
    let dir = std::env::temp_dir();
    let svg_path = dir.join(format!("simloop-timeline-{}.svg", std::process::id()));
    let json_path = dir.join(format!("simloop-timeline-{}.json", std::process::id()));
    timeline.write_svg(&svg_path).unwrap();
    timeline.write_chrome_trace(&json_path).unwrap();
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    let json = std::fs::read_to_string(&json_path).unwrap();
    std::fs::remove_file(&svg_path).unwrap();
    std::fs::remove_file(&json_path).unwrap();
    assert_eq!(svg, timeline.to_svg());
    assert_eq!(json, timeline.to_chrome_json());
}
