//! The timeline as Chrome trace event JSON, the format Perfetto and
//! `chrome://tracing` open.
//!
//! The run is one process; each task is a thread (`tid` = task id) named by
//! a `thread_name` metadata event. Spans are complete events (`"ph":"X"`),
//! markers are thread-scoped instant events (`"ph":"i"`). Timestamps are
//! microseconds of virtual time.
//!
//! A run that used the network is drawn as a sequence diagram instead: each
//! host is a process (`pid` = its index + 1, named after it) holding its
//! tasks' threads and a `network` thread. On that thread, each message has
//! a `send` slice at the sender and a `deliver` slice at the receiver,
//! joined by a flow (`"ph":"s"` and `"ph":"f"`, one `id` per arrow), which
//! Perfetto draws as an arrow; drops, crashes, restarts, partitions and
//! heals are instant events there, and the intervals a host was down are
//! slices.

use serde_json::{Value, json};

use super::{Fate, HostMarkKind, Lane, Marker, MarkerKind, Message, Span, SpanKind, Timeline};
use crate::time::Instant;

/// The process id every event carries (without hosts).
const PID: u64 = 1;

/// The thread of a host's process that carries its network events.
const NET_TID: u64 = u32::MAX as u64;

pub(super) fn render(timeline: &Timeline) -> String {
    let mut events = Vec::new();
    if timeline.hosts.is_empty() {
        events.push(json!({
            "name": "process_name", "ph": "M", "pid": PID, "tid": 0,
            "args": { "name": timeline.title },
        }));
        for lane in &timeline.lanes {
            lane_events(lane, PID, &mut events);
        }
    } else {
        host_events(timeline, &mut events);
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

fn lane_events(lane: &Lane, pid: u64, events: &mut Vec<Value>) {
    let tid = lane.task.id().as_u64();
    events.push(json!({
        "name": "thread_name", "ph": "M", "pid": pid, "tid": tid,
        "args": { "name": lane.label() },
    }));
    events.push(json!({
        "name": "thread_sort_index", "ph": "M", "pid": pid, "tid": tid,
        "args": { "sort_index": tid },
    }));
    events.extend(lane.spans.iter().map(|span| span_event(span, pid, tid)));
    events.extend(
        lane.markers
            .iter()
            .map(|marker| marker_event(marker, pid, tid)),
    );
}

/// Hosts as processes, messages as flows between their network threads.
fn host_events(timeline: &Timeline, events: &mut Vec<Value>) {
    let pid_of = |name: &str| {
        timeline
            .hosts
            .iter()
            .position(|h| h.name() == name)
            .map(|i| i as u64 + 1)
    };
    for (i, host) in timeline.hosts.iter().enumerate() {
        let pid = i as u64 + 1;
        events.push(json!({
            "name": "process_name", "ph": "M", "pid": pid, "tid": 0,
            "args": { "name": format!("host {}", host.name()) },
        }));
        events.push(json!({
            "name": "process_sort_index", "ph": "M", "pid": pid, "tid": 0,
            "args": { "sort_index": pid },
        }));
        events.push(json!({
            "name": "thread_name", "ph": "M", "pid": pid, "tid": NET_TID,
            "args": { "name": "network" },
        }));
        events.push(json!({
            "name": "thread_sort_index", "ph": "M", "pid": pid, "tid": NET_TID,
            "args": { "sort_index": -1 },
        }));
        for &task in &host.tasks {
            if let Some(lane) = timeline.lane(task) {
                lane_events(lane, pid, events);
            }
        }
        for &(from, to) in &host.down {
            events.push(json!({
                "name": "down", "cat": "net", "ph": "X",
                "ts": micros(from), "dur": micros(to) - micros(from),
                "pid": pid, "tid": NET_TID, "cname": "terrible",
            }));
        }
        for mark in &host.marks {
            let args = match &mark.kind {
                HostMarkKind::Partition { to } | HostMarkKind::Heal { to } => {
                    json!({ "to": &**to })
                }
                _ => json!({}),
            };
            events.push(json!({
                "name": mark.kind.name(), "cat": "net", "ph": "i", "s": "p",
                "ts": micros(mark.time), "pid": pid, "tid": NET_TID, "args": args,
            }));
        }
    }
    for (flow, m) in timeline.messages.iter().enumerate() {
        if let (Some(from), Some(to)) = (pid_of(&m.from), pid_of(&m.to)) {
            message_events(m, flow, from, to, events);
        }
    }
}

/// A message's send and delivery slices and the flow between them (or its
/// drop).
fn message_events(m: &Message, flow: usize, from: u64, to: u64, events: &mut Vec<Value>) {
    let name = format!("{} {} → {}", m.protocol, m.from, m.to);
    let args = json!({
        "id": m.id, "bytes": m.bytes, "sender_task": m.sender.as_u64(),
    });
    let slice = |what: &str, t, pid| {
        json!({
            "name": format!("{what} {name}"), "cat": "net", "ph": "X",
            "ts": micros(t), "dur": 0.001, "pid": pid, "tid": NET_TID, "args": args,
        })
    };
    match m.fate {
        Fate::Delivered(at) => {
            events.push(slice("send", m.sent, from));
            events.push(json!({
                "name": name, "cat": "net", "ph": "s", "id": flow,
                "ts": micros(m.sent), "pid": from, "tid": NET_TID,
            }));
            events.push(slice("deliver", at, to));
            events.push(json!({
                "name": name, "cat": "net", "ph": "f", "bp": "e", "id": flow,
                "ts": micros(at), "pid": to, "tid": NET_TID,
            }));
        }
        Fate::Dropped(at) => {
            events.push(json!({
                "name": format!("drop {name}"), "cat": "net", "ph": "i", "s": "t",
                "ts": micros(at), "pid": to, "tid": NET_TID, "args": args,
            }));
        }
        Fate::InFlight => events.push(slice("send", m.sent, from)),
    }
}

fn span_event(span: &Span, pid: u64, tid: u64) -> Value {
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
        "pid": pid, "tid": tid, "cname": cname,
        "args": args,
    })
}

fn marker_event(marker: &Marker, pid: u64, tid: u64) -> Value {
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
        "ts": micros(marker.time), "pid": pid, "tid": tid, "args": args,
    })
}

/// Virtual time in microseconds, the unit of the format.
fn micros(t: Instant) -> f64 {
    t.as_nanos() as f64 / 1_000.0
}
