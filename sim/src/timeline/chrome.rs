//! The timeline as Chrome trace event JSON, the format Perfetto and
//! `chrome://tracing` open.
//!
//! The run is one process; each task is a thread (`tid` = task id) named by
//! a `thread_name` metadata event. Spans are complete events (`"ph":"X"`),
//! markers are thread-scoped instant events (`"ph":"i"`). Timestamps are
//! microseconds of virtual time.

use serde_json::{Value, json};

use super::{Lane, Marker, MarkerKind, Span, SpanKind, Timeline};
use crate::time::Instant;

/// The process id every event carries.
const PID: u32 = 1;

pub(super) fn render(timeline: &Timeline) -> String {
    let mut events = vec![json!({
        "name": "process_name", "ph": "M", "pid": PID, "tid": 0,
        "args": { "name": timeline.title },
    })];
    for lane in &timeline.lanes {
        lane_events(lane, &mut events);
    }
    json!({
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": {
            "title": timeline.title,
            "clock": "simloop virtual time",
            "polls": timeline.polls,
        },
    })
    .to_string()
}

fn lane_events(lane: &Lane, events: &mut Vec<Value>) {
    let tid = lane.task.id().as_u64();
    events.push(json!({
        "name": "thread_name", "ph": "M", "pid": PID, "tid": tid,
        "args": { "name": lane.label() },
    }));
    events.push(json!({
        "name": "thread_sort_index", "ph": "M", "pid": PID, "tid": tid,
        "args": { "sort_index": tid },
    }));
    events.extend(lane.spans.iter().map(|span| span_event(span, tid)));
    events.extend(lane.markers.iter().map(|marker| marker_event(marker, tid)));
}

fn span_event(span: &Span, tid: u64) -> Value {
    // Colour names that chrome://tracing knows (Perfetto picks its own).
    let cname = match span.kind {
        SpanKind::Ready => "thread_state_runnable",
        SpanKind::Running => "thread_state_running",
        SpanKind::Waiting => "thread_state_sleeping",
    };
    let (name, args) = match &span.wait {
        Some(wait) => (
            format!("waiting on {}", wait.label),
            json!({ "step": span.step, "wait": wait.kind.name(), "on": wait.label }),
        ),
        None => (span.kind.name().to_owned(), json!({ "step": span.step })),
    };
    json!({
        "name": name, "cat": "task", "ph": "X",
        "ts": micros(span.start), "dur": micros(span.end) - micros(span.start),
        "pid": PID, "tid": tid, "cname": cname,
        "args": args,
    })
}

fn marker_event(marker: &Marker, tid: u64) -> Value {
    let args = match &marker.kind {
        MarkerKind::TimerFired { deadline } => json!({ "deadline_us": micros(*deadline) }),
        MarkerKind::Panic { message } => json!({ "message": message }),
        MarkerKind::Log { level, message } => json!({ "level": level, "message": message }),
        _ => json!({}),
    };
    let name = match &marker.kind {
        MarkerKind::Log { level, message } => format!("{level} {message}"),
        kind => kind.name().to_owned(),
    };
    json!({
        "name": name, "cat": "task", "ph": "i", "s": "t",
        "ts": micros(marker.time), "pid": PID, "tid": tid, "args": args,
    })
}

/// Virtual time in microseconds, the unit of the format.
fn micros(t: Instant) -> f64 {
    t.as_nanos() as f64 / 1_000.0
}
