//! The timeline model: each task's ready, running and waiting spans and its
//! markers, computed from a traced run.

use std::time::Duration;

use simloop::task::TaskId;
use simloop::time::Instant;
use simloop::timeline::{Lane, MarkerKind, Span, SpanKind, Timeline, TimelineError};
use simloop::{Report, Sim, task, time};

fn traced<T>(future: impl Future<Output = T>) -> Report<T> {
    Sim::builder()
        .seed(1)
        .trace(true)
        .build()
        .run_report(future)
        .unwrap()
}

fn ms(n: u64) -> Instant {
    Instant::from_nanos(n * 1_000_000)
}

/// The lane's spans as (kind, start ms, end ms), polls included.
fn spans(lane: &Lane) -> Vec<(SpanKind, Instant, Instant)> {
    lane.spans()
        .iter()
        .map(|s| (s.kind, s.start, s.end))
        .collect()
}

fn marker_names(lane: &Lane) -> Vec<(&'static str, Instant)> {
    lane.markers()
        .iter()
        .map(|m| (m.kind.name(), m.time))
        .collect()
}

use SpanKind::{Ready, Running, Waiting};

#[test]
fn two_sleepers_wait_for_their_timers() {
    let report = traced(async {
        let a = task::spawn_named("a", time::sleep(Duration::from_secs(1)));
        let b = task::spawn_named("b", time::sleep(Duration::from_secs(2)));
        a.await.unwrap();
        b.await.unwrap();
    });
    let timeline = Timeline::from_report(&report).unwrap();
    assert_eq!(timeline.end(), ms(2000));
    assert_eq!(timeline.polls(), report.steps);
    let labels: Vec<String> = timeline.lanes().iter().map(Lane::label).collect();
    assert_eq!(labels, ["main", "a", "b"]);

    let main = timeline.lane(TaskId::ROOT).unwrap();
    assert_eq!(
        spans(main),
        [
            (Running, ms(0), ms(0)),
            (Waiting, ms(0), ms(1000)),
            (Running, ms(1000), ms(1000)),
            (Waiting, ms(1000), ms(2000)),
            (Running, ms(2000), ms(2000)),
        ]
    );
    assert_eq!(marker_names(main), [("spawn", ms(0)), ("finish", ms(2000))]);

    let a = &timeline.lanes()[1];
    assert_eq!(a.parent(), Some(TaskId::ROOT));
    assert_eq!(
        spans(a),
        [
            (Running, ms(0), ms(0)),
            (Waiting, ms(0), ms(1000)),
            (Running, ms(1000), ms(1000)),
        ]
    );
    assert_eq!(
        marker_names(a),
        [
            ("spawn", ms(0)),
            ("timer fired", ms(1000)),
            ("finish", ms(1000))
        ]
    );
    let b = &timeline.lanes()[2];
    assert_eq!(
        spans(b),
        [
            (Running, ms(0), ms(0)),
            (Waiting, ms(0), ms(2000)),
            (Running, ms(2000), ms(2000)),
        ]
    );
    assert_eq!(
        b.markers()[1].kind,
        MarkerKind::TimerFired { deadline: ms(2000) }
    );
}

#[test]
fn busy_polls_have_width_and_keep_woken_tasks_ready() {
    let report = traced(async {
        // Both timers are due at 100 ms; the blocker was armed first, so it
        // runs first and blocks the loop for 50 ms while the other is ready.
        let blocker = task::spawn_named("blocker", async {
            time::sleep(Duration::from_millis(100)).await;
            time::busy(Duration::from_millis(50));
        });
        let patient = task::spawn_named("patient", async {
            time::sleep(Duration::from_millis(100)).await;
            time::now()
        });
        blocker.await.unwrap();
        patient.await.unwrap()
    });
    assert_eq!(report.value, ms(150));
    let timeline = Timeline::from_trace(report.trace.as_ref().unwrap());
    assert_eq!(timeline.end(), ms(150));
    let blocker = &timeline.lanes()[1];
    assert_eq!(
        spans(blocker),
        [
            (Running, ms(0), ms(0)),
            (Waiting, ms(0), ms(100)),
            (Running, ms(100), ms(150)),
        ]
    );
    let patient = &timeline.lanes()[2];
    assert_eq!(
        spans(patient),
        [
            (Running, ms(0), ms(0)),
            (Waiting, ms(0), ms(100)),
            (Ready, ms(100), ms(150)),
            (Running, ms(150), ms(150)),
        ]
    );
    // The poll that ran busy is the step after the one it was woken in.
    let busy: &Span = &blocker.spans()[2];
    assert_eq!(busy.duration(), Duration::from_millis(50));
    assert!(busy.step > blocker.spans()[0].step);
}

#[test]
fn yields_leave_no_zero_length_gaps_but_every_poll_is_kept() {
    let report = traced(async {
        task::spawn(async {
            for _ in 0..3 {
                task::yield_now().await;
            }
        })
        .await
        .unwrap();
    });
    let timeline = Timeline::from_report(&report).unwrap();
    let worker = &timeline.lanes()[1];
    assert_eq!(worker.label(), "task-1");
    // Four polls (three yields, then the end), all at t=0: nothing else.
    assert_eq!(worker.spans().len(), 4);
    assert!(
        worker
            .spans()
            .iter()
            .all(|s| s.kind == Running && s.end == Instant::ZERO)
    );
    let steps: Vec<u64> = worker.spans().iter().map(|s| s.step).collect();
    assert!(steps.windows(2).all(|w| w[0] < w[1]), "{steps:?}");
}

#[test]
fn abort_panic_and_leaks_end_lanes_as_they_happened() {
    let report = Sim::builder()
        .trace(true)
        .build()
        .run_report(async {
            let stuck = task::spawn_named("stuck", futures::future::pending::<()>());
            let faulty = task::spawn_named("faulty", async {
                time::sleep(Duration::from_millis(300)).await;
                panic!("boom");
            });
            // Never woken, still pending when the root finishes.
            let _leaked = task::spawn_named("leaked", futures::future::pending::<()>());
            time::sleep(Duration::from_millis(200)).await;
            stuck.abort();
            let err = faulty.await.unwrap_err();
            assert!(err.is_panic());
            time::sleep(Duration::from_millis(100)).await;
        })
        .unwrap();
    assert_eq!(report.leaked.len(), 1);
    let timeline = Timeline::from_report(&report).unwrap();
    assert_eq!(timeline.end(), ms(400));

    let stuck = &timeline.lanes()[1];
    assert_eq!(
        spans(stuck),
        [(Running, ms(0), ms(0)), (Waiting, ms(0), ms(200))]
    );
    assert_eq!(marker_names(stuck), [("spawn", ms(0)), ("abort", ms(200))]);

    let faulty = &timeline.lanes()[2];
    let last = faulty.markers().last().unwrap();
    assert_eq!(last.time, ms(300));
    match &last.kind {
        MarkerKind::Panic { message } => assert!(message.contains("boom"), "{message}"),
        other => panic!("expected a panic marker, got {other:?}"),
    }

    // The leaked task waits until the end of the run, with no end marker.
    let leaked = &timeline.lanes()[3];
    assert_eq!(
        spans(leaked),
        [(Running, ms(0), ms(0)), (Waiting, ms(0), ms(400))]
    );
    assert_eq!(marker_names(leaked), [("spawn", ms(0))]);
}

#[test]
fn a_report_without_trace_is_a_clear_error() {
    let report = Sim::new(1).run_report(async {}).unwrap();
    let err = Timeline::from_report(&report).unwrap_err();
    assert!(matches!(err, TimelineError::NoTrace));
    assert!(err.to_string().contains("trace(true)"), "{err}");
}

#[test]
fn write_errors_name_the_file() {
    let report = traced(async {});
    let timeline = Timeline::from_report(&report).unwrap();
    let dir = std::env::temp_dir().join("simloop-timeline-no-such-dir");
    let path = dir.join("run.json");
    let err = timeline.write_chrome_trace(&path).unwrap_err();
    let TimelineError::Write { what, path: p, .. } = &err else {
        panic!("expected a write error, got {err:?}");
    };
    assert_eq!(*what, "Chrome trace");
    assert_eq!(p, &path);
    assert!(err.to_string().contains(&path.display().to_string()));
    assert!(std::error::Error::source(&err).is_some());
}
