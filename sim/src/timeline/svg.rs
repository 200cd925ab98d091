//! The timeline as a standalone SVG image.
//!
//! Written by hand: the picture is a few kinds of shapes, and the only
//! subtle part, escaping text for XML, is a short function.

use std::fmt::Write;

use super::axis::{self, Axis};
use super::{
    Fate, HostLanes, HostMarkKind, Lane, Marker, MarkerKind, Message, Span, SpanKind, Timeline,
    WaitKind,
};
use crate::time::Instant;

const WIDTH: f64 = 1200.0;
const MARGIN: f64 = 16.0;
const AXIS_Y: f64 = 78.0;
const LANE_TOP: f64 = 84.0;
const LANE_H: f64 = 26.0;
const MAX_TICKS: u64 = 10;
/// Longest task label drawn in full; longer ones are cut (the full name is
/// in the tooltip).
const LABEL_CHARS: usize = 28;
/// Narrowest mark for a poll that took no virtual time.
const POLL_W: f64 = 1.5;
/// The legend's second row (what waits are on, log events).
const LEGEND_ROW: f64 = 22.0;
/// Most message arrows drawn; a longer run says how many were left out.
const MAX_ARROWS: usize = 5_000;

/// One row of the picture: a host's header (its lifeline in the sequence
/// diagram) or a task's lane.
enum Row<'a> {
    Host(&'a HostLanes),
    Lane(&'a Lane),
}

/// The rows top to bottom: lanes in id order, or, when the run used the
/// network, each host's header followed by its tasks' lanes.
fn rows(timeline: &Timeline) -> Vec<Row<'_>> {
    if timeline.hosts.is_empty() {
        return timeline.lanes.iter().map(Row::Lane).collect();
    }
    let mut rows = Vec::with_capacity(timeline.lanes.len() + timeline.hosts.len());
    for host in &timeline.hosts {
        rows.push(Row::Host(host));
        rows.extend(
            host.tasks
                .iter()
                .filter_map(|&t| timeline.lane(t))
                .map(Row::Lane),
        );
    }
    rows
}

const STYLE: &str = "\
text{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;font-size:12px;fill:#222}\
.title{font-size:17px;font-weight:bold}\
.sub{fill:#555}\
.tick{fill:#555;font-size:11px}\
.label{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace}\
.grid{stroke:#ddd;stroke-width:1}\
.axis{stroke:#888;stroke-width:1}\
.stripe{fill:#f4f6f8}\
.ready{fill:#f5b82e}\
.waiting{fill:#c5cad3}\
.wait-timer{fill:#b39ddb}\
.wait-queue{fill:#5fb98e}\
.wait-lock{fill:#e8787a}\
.wait-join{fill:#6fa8dc}\
.wait-socket{fill:#f0a04b}\
.wait-other{fill:#9aa0aa}\
.wait-label{font-size:10px;fill:#444}\
.log{fill:#138d90}\
.log-warn{fill:#e6a100}\
.log-error{fill:#d62728}\
.busy{fill:#2f6fd0}\
.poll{fill:#163a73}\
.spawn{fill:#2e9e44}\
.timer{fill:#8e44ad}\
.finish{fill:#222}\
.abort{stroke:#e67e22;stroke-width:2.5;fill:none}\
.panic{stroke:#d62728;stroke-width:3;fill:none}\
.host-row{fill:#e3ecf7}\
.host-name{font-weight:bold}\
.down{fill:#9aa0aa;fill-opacity:.55}\
.msg{stroke:#2f6fd0;stroke-width:1.2;fill:none}\
.msg.udp{stroke:#138d90}\
.msg.dropped{stroke:#d62728;stroke-dasharray:4 3}\
.drop{stroke:#d62728;stroke-width:2;fill:none}\
.crash{stroke:#d62728;stroke-width:3;fill:none}\
.start,.restart{fill:#2e9e44}\
.partition{fill:#e6a100}\
.heal{fill:#5fb98e}\
.arrowhead{fill:#2f6fd0}";

/// Maps virtual time to x.
struct Scale {
    x0: f64,
    width: f64,
    end: u64,
}

impl Scale {
    fn x(&self, t: Instant) -> f64 {
        self.x0 + self.width * (t.as_nanos() as f64 / self.end as f64)
    }
}

pub(super) fn render(timeline: &Timeline) -> String {
    let rows = rows(timeline);
    let longest = timeline
        .lanes
        .iter()
        .map(|l| l.label())
        .chain(timeline.hosts.iter().map(|h| h.name().to_owned()))
        .map(|label| label.chars().count().min(LABEL_CHARS))
        .max()
        .unwrap_or(4);
    let label_w = (longest as f64 * 7.6 + 20.0).max(70.0);
    let axis = Axis::new(timeline.end.as_nanos(), MAX_TICKS);
    let scale = Scale {
        x0: MARGIN + label_w,
        width: WIDTH - 2.0 * MARGIN - label_w - 24.0,
        end: axis.end,
    };
    let lanes_bottom = LANE_TOP + LANE_H * rows.len() as f64;
    let legend_y = lanes_bottom + 46.0;
    let legend_rows = if timeline.hosts.is_empty() { 1.0 } else { 2.0 };
    let height = legend_y + 26.0 + LEGEND_ROW * legend_rows;

    let mut out = String::with_capacity(4096 + 256 * timeline.lanes.len());
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}">"#
    );
    let _ = writeln!(out, "<style>{STYLE}</style>");
    let _ = writeln!(
        out,
        r#"<rect width="{WIDTH}" height="{height}" fill="white"/>"#
    );
    let title = escape(&timeline.title);
    let _ = writeln!(out, "<title>{title}</title>");
    let _ = writeln!(
        out,
        r#"<text class="title" x="{MARGIN}" y="28">{title}</text>"#
    );
    let network = if timeline.hosts.is_empty() {
        String::new()
    } else if timeline.messages.len() > MAX_ARROWS {
        format!(
            ", {} host(s), {} message(s) (the first {MAX_ARROWS} drawn)",
            timeline.hosts.len(),
            timeline.messages.len()
        )
    } else {
        format!(
            ", {} host(s), {} message(s)",
            timeline.hosts.len(),
            timeline.messages.len()
        )
    };
    let _ = writeln!(
        out,
        r#"<text class="sub" x="{MARGIN}" y="48">{} task(s), {} of virtual time, {} poll(s){network}</text>"#,
        timeline.lanes.len(),
        axis::human(timeline.end.as_nanos()),
        timeline.polls
    );
    if !timeline.hosts.is_empty() {
        out.push_str(
            "<defs><marker id=\"arrowhead\" viewBox=\"0 0 8 8\" refX=\"8\" refY=\"4\" \
             markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
             <path class=\"arrowhead\" d=\"M0,0L8,4L0,8Z\"/></marker></defs>\n",
        );
    }

    // Stripes first, so that the grid lines show on top of them.
    for (i, row) in rows.iter().enumerate() {
        let y = LANE_TOP + LANE_H * i as f64;
        let class = match row {
            Row::Host(_) => "host-row",
            Row::Lane(_) if i % 2 == 0 => "stripe",
            Row::Lane(_) => continue,
        };
        let _ = writeln!(
            out,
            r#"<rect class="{class}" x="{MARGIN}" y="{y}" width="{:.1}" height="{LANE_H}"/>"#,
            WIDTH - 2.0 * MARGIN
        );
    }
    draw_axis(&mut out, &axis, &scale, lanes_bottom);
    // The y of each host's lifeline, for the arrows.
    let mut lifelines: Vec<(&str, f64)> = Vec::new();
    let mut open_group = false;
    for (i, row) in rows.iter().enumerate() {
        let top = LANE_TOP + LANE_H * i as f64;
        match row {
            Row::Host(host) => {
                if open_group {
                    out.push_str("</g>\n");
                }
                open_group = true;
                lifelines.push((host.name(), top + LANE_H / 2.0));
                draw_host(&mut out, host, &scale, top);
            }
            Row::Lane(lane) => draw_lane(&mut out, lane, &scale, top),
        }
    }
    if open_group {
        out.push_str("</g>\n");
    }
    if !timeline.messages.is_empty() {
        out.push_str("<g class=\"messages\">\n");
        for message in timeline.messages.iter().take(MAX_ARROWS) {
            draw_message(&mut out, message, &scale, &lifelines);
        }
        out.push_str("</g>\n");
    }
    draw_legend(&mut out, legend_y, !timeline.hosts.is_empty());
    out.push_str("</svg>\n");
    out
}

fn draw_axis(out: &mut String, axis: &Axis, scale: &Scale, bottom: f64) {
    out.push_str("<g class=\"time-axis\">\n");
    let x_end = scale.x0 + scale.width;
    let _ = writeln!(
        out,
        r#"<line class="axis" x1="{:.1}" y1="{AXIS_Y}" x2="{x_end:.1}" y2="{AXIS_Y}"/>"#,
        scale.x0
    );
    let _ = writeln!(
        out,
        r#"<line class="axis" x1="{:.1}" y1="{bottom}" x2="{x_end:.1}" y2="{bottom}"/>"#,
        scale.x0
    );
    for t in axis.ticks() {
        let x = scale.x(Instant::from_nanos(t));
        let label = escape(&axis.label(t));
        let _ = writeln!(
            out,
            r#"<line class="grid" x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{bottom}"/>"#,
            AXIS_Y - 3.0
        );
        for y in [AXIS_Y - 6.0, bottom + 15.0] {
            let _ = writeln!(
                out,
                r#"<text class="tick" x="{x:.1}" y="{y:.1}" text-anchor="middle">{label}</text>"#
            );
        }
    }
    out.push_str("</g>\n");
}

fn draw_lane(out: &mut String, lane: &Lane, scale: &Scale, top: f64) {
    let mid = top + LANE_H / 2.0;
    let label = lane.label();
    let id = lane.task.id();
    let _ = writeln!(out, r#"<g class="lane" id="task-{id}">"#);
    let _ = writeln!(
        out,
        r#"<text class="label" x="{:.1}" y="{:.1}" text-anchor="end">{}<title>task {id}: {}</title></text>"#,
        scale.x0 - 10.0,
        mid + 4.0,
        escape(&shorten(&label)),
        escape(&label)
    );
    let label = escape(&label);
    // Waiting and ready bars below the polls, polls below the markers.
    for kind in [SpanKind::Waiting, SpanKind::Ready, SpanKind::Running] {
        let mut last_poll_x = f64::NEG_INFINITY;
        for span in lane.spans.iter().filter(|s| s.kind == kind) {
            let x = scale.x(span.start);
            let w = scale.x(span.end) - x;
            if kind == SpanKind::Running && w < POLL_W {
                // Many polls at one instant make one mark.
                if x - last_poll_x < 0.5 {
                    continue;
                }
                last_poll_x = x;
            }
            draw_span(out, span, &label, x, w, mid);
        }
    }
    for marker in &lane.markers {
        draw_marker(out, marker, &label, scale.x(marker.time), top);
    }
    out.push_str("</g>\n");
}

/// Opens the group of a host's lanes and draws its header row: its name,
/// the intervals it was down, and marks for its crashes, restarts,
/// partitions and heals. The caller closes the group after its lanes.
fn draw_host(out: &mut String, host: &HostLanes, scale: &Scale, top: f64) {
    let mid = top + LANE_H / 2.0;
    let name = escape(host.name());
    let _ = writeln!(out, r#"<g class="host" data-host="{name}">"#);
    let _ = writeln!(
        out,
        r#"<text class="label host-name" x="{:.1}" y="{:.1}" text-anchor="end">{}<title>host {name}: {} task(s)</title></text>"#,
        scale.x0 - 10.0,
        mid + 4.0,
        escape(&shorten(host.name())),
        host.tasks.len()
    );
    for &(from, to) in &host.down {
        let x = scale.x(from);
        let _ = writeln!(
            out,
            r#"<rect class="down" x="{x:.2}" y="{:.1}" width="{:.2}" height="{:.1}"><title>{name} down from {from} to {to}</title></rect>"#,
            top + 3.0,
            scale.x(to) - x,
            LANE_H - 6.0
        );
    }
    for mark in &host.marks {
        let x = scale.x(mark.time);
        let (class, shape) = host_mark_shape(&mark.kind, x, mid);
        let what = match &mark.kind {
            HostMarkKind::Partition { to } => format!("partitioned from {}", escape(to)),
            HostMarkKind::Heal { to } => format!("healed towards {}", escape(to)),
            kind => kind.name().to_owned(),
        };
        let _ = writeln!(
            out,
            r#"<path class="{class}" d="{shape}"><title>{name}: {what} at {}</title></path>"#,
            mark.time
        );
    }
}

/// The class and path of a host mark at `x` on a header row whose middle
/// is `mid`: a cross for a crash, a triangle for a start or restart, a bar
/// for a partition, a diamond for a heal.
fn host_mark_shape(kind: &HostMarkKind, x: f64, mid: f64) -> (&'static str, String) {
    match kind {
        HostMarkKind::Crash => ("crash", cross(x, mid, 6.0)),
        HostMarkKind::Start | HostMarkKind::Restart => (
            if *kind == HostMarkKind::Start {
                "start"
            } else {
                "restart"
            },
            format!(
                "M{:.1},{:.1}L{:.1},{mid:.1}L{:.1},{:.1}Z",
                x - 1.0,
                mid - 7.0,
                x + 8.0,
                x - 1.0,
                mid + 7.0
            ),
        ),
        HostMarkKind::Partition { .. } => (
            "partition",
            format!("M{:.1},{:.1}h4v16h-4Z", x - 2.0, mid - 8.0),
        ),
        HostMarkKind::Heal { .. } => ("heal", format!("M{x:.1},{:.1}l5,6l-5,6l-5,-6Z", mid - 6.0)),
    }
}

/// An arrow from the sender's lifeline at the send to the receiver's at
/// the delivery; a dashed one ending in a cross for a drop. Messages still
/// in flight are not drawn.
fn draw_message(out: &mut String, m: &Message, scale: &Scale, lifelines: &[(&str, f64)]) {
    let y_of = |host: &str| lifelines.iter().find(|(h, _)| *h == host).map(|l| l.1);
    let (Some(y1), Some(y2), Some(at)) = (y_of(&m.from), y_of(&m.to), m.fate.time()) else {
        return;
    };
    let (x1, x2) = (scale.x(m.sent), scale.x(at));
    // A message to the same host: a small loop below its lifeline.
    let y2 = if m.from == m.to { y2 + 6.0 } else { y2 };
    let (class, ending, what) = match m.fate {
        Fate::Delivered(_) => ("msg", r#" marker-end="url(#arrowhead)""#, "delivered"),
        _ => ("msg dropped", "", "dropped"),
    };
    let from = escape(&m.from);
    let to = escape(&m.to);
    let _ = writeln!(
        out,
        r#"<line class="{class} {}" x1="{x1:.2}" y1="{y1:.1}" x2="{x2:.2}" y2="{y2:.1}"{ending} data-id="{}" data-from="{from}" data-to="{to}" data-sent="{}" data-at="{}"><title>{} #{} {from} → {to}, {} bytes, sent {} by task {}, {what} {at}</title></line>"#,
        m.protocol,
        m.id,
        m.sent.as_nanos(),
        at.as_nanos(),
        m.protocol,
        m.id,
        m.bytes,
        m.sent,
        m.sender,
    );
    if let Fate::Dropped(_) = m.fate {
        let _ = writeln!(
            out,
            r#"<path class="drop" d="{}" data-id="{}"><title>{} #{} {from} → {to} dropped at {at}</title></path>"#,
            cross(x2, y2, 4.0),
            m.id,
            m.protocol,
            m.id
        );
    }
}

/// The class of a waiting bar on a `kind` of thing.
fn wait_class(kind: WaitKind) -> String {
    format!("waiting wait-{}", kind.name())
}

fn draw_span(out: &mut String, span: &Span, label: &str, x: f64, w: f64, mid: f64) {
    let (class, h, x, w) = match (span.kind, &span.wait) {
        (SpanKind::Waiting, Some(wait)) => (wait_class(wait.kind), 6.0, x, w),
        (SpanKind::Waiting, None) => ("waiting".to_owned(), 4.0, x, w),
        (SpanKind::Ready, _) => ("ready".to_owned(), 10.0, x, w),
        (SpanKind::Running, _) if w < POLL_W => ("poll".to_owned(), 16.0, x - POLL_W / 2.0, POLL_W),
        (SpanKind::Running, _) => ("busy".to_owned(), 16.0, x, w),
    };
    let what = match (span.kind, span.end > span.start, &span.wait) {
        (SpanKind::Running, true, _) => format!("poll at step {} (busy)", span.step),
        (SpanKind::Running, false, _) => format!("poll at step {}", span.step),
        (SpanKind::Waiting, _, Some(wait)) => {
            format!("waiting on {} ({})", escape(&wait.label), wait.kind)
        }
        (kind, _, _) => kind.name().to_owned(),
    };
    let _ = writeln!(
        out,
        r#"<rect class="{class}" x="{x:.2}" y="{:.1}" width="{w:.2}" height="{h}"><title>{label}: {what}, {} to {} ({:?})</title></rect>"#,
        mid - h / 2.0,
        span.start,
        span.end,
        span.duration()
    );
    // What the wait is on, written over its bar where it fits.
    if let Some(wait) = &span.wait {
        let text = wait.label.as_str();
        if w >= text.chars().count() as f64 * 6.0 + 8.0 {
            let _ = writeln!(
                out,
                r#"<text class="wait-label" x="{:.2}" y="{:.1}">{}</text>"#,
                x + 3.0,
                mid - 5.0,
                escape(text)
            );
        }
    }
}

fn draw_marker(out: &mut String, marker: &Marker, label: &str, x: f64, top: f64) {
    let (class, shape) = marker_shape(&marker.kind, x, top);
    let what = match &marker.kind {
        MarkerKind::Spawn => "spawned".to_owned(),
        MarkerKind::TimerFired { deadline } => format!("timer due at {deadline} fired"),
        MarkerKind::Finish => "finished".to_owned(),
        MarkerKind::Abort => "aborted".to_owned(),
        MarkerKind::Panic { message } => format!("panicked: {}", escape(message)),
        MarkerKind::Log { level, message } => format!("{level} {}", escape(message)),
    };
    let _ = writeln!(
        out,
        r#"<path class="{class}" d="{shape}"><title>{label}: {what} at {}</title></path>"#,
        marker.time
    );
}

/// The class and path of a marker at `x` in the lane whose top is `top`:
/// a triangle for a spawn, a notch at the lane's top edge for a timer, a
/// square for a finish, crosses for an abort or a panic.
fn marker_shape(kind: &MarkerKind, x: f64, top: f64) -> (&'static str, String) {
    let mid = top + LANE_H / 2.0;
    match kind {
        MarkerKind::Spawn => (
            "spawn",
            format!(
                "M{:.1},{:.1}L{:.1},{mid:.1}L{:.1},{:.1}Z",
                x - 1.0,
                mid - 6.0,
                x + 7.0,
                x - 1.0,
                mid + 6.0
            ),
        ),
        MarkerKind::TimerFired { .. } => (
            "timer",
            format!(
                "M{:.1},{:.1}L{:.1},{:.1}L{x:.1},{:.1}Z",
                x - 4.5,
                top + 1.0,
                x + 4.5,
                top + 1.0,
                top + 7.0
            ),
        ),
        MarkerKind::Finish => (
            "finish",
            format!("M{:.1},{:.1}h8v8h-8Z", x - 4.0, mid - 4.0),
        ),
        MarkerKind::Abort => ("abort", cross(x, mid, 4.5)),
        MarkerKind::Panic { .. } => ("panic", cross(x, mid, 6.0)),
        // A diamond on the lane's bottom edge, coloured by level.
        MarkerKind::Log { level, .. } => (
            match *level {
                "ERROR" => "log log-error",
                "WARN" => "log log-warn",
                _ => "log",
            },
            format!("M{x:.1},{:.1}l4,4l-4,4l-4,-4Z", top + LANE_H - 9.0),
        ),
    }
}

fn cross(x: f64, y: f64, r: f64) -> String {
    format!(
        "M{:.1},{:.1}L{:.1},{:.1}M{:.1},{:.1}L{:.1},{:.1}",
        x - r,
        y - r,
        x + r,
        y + r,
        x - r,
        y + r,
        x + r,
        y - r
    )
}

fn draw_legend(out: &mut String, y: f64, network: bool) {
    out.push_str("<g class=\"legend\">\n");
    let mid = y - 4.0;
    let mut x = MARGIN;
    let bars = [
        ("ready", 10.0, 18.0, "ready (woken, not yet polled)"),
        ("poll", 16.0, POLL_W, "poll"),
        ("busy", 16.0, 18.0, "running (busy)"),
        ("waiting", 4.0, 18.0, "waiting"),
    ];
    for (class, h, w, text) in bars {
        let _ = writeln!(
            out,
            r#"<rect class="{class}" x="{x:.1}" y="{:.1}" width="{w}" height="{h}"/>"#,
            mid - h / 2.0
        );
        x += w + 6.0;
        x = legend_text(out, x, y, text);
    }
    let markers = [
        (MarkerKind::Spawn, "spawn"),
        (
            MarkerKind::TimerFired {
                deadline: Instant::ZERO,
            },
            "timer fired",
        ),
        (MarkerKind::Finish, "finish"),
        (MarkerKind::Abort, "abort"),
        (
            MarkerKind::Panic {
                message: String::new(),
            },
            "panic",
        ),
    ];
    for (kind, text) in markers {
        // Lane shapes, placed so that they centre on the legend row.
        let (shape_x, top) = match kind {
            MarkerKind::Spawn => (x + 1.0, mid - LANE_H / 2.0),
            MarkerKind::TimerFired { .. } => (x + 5.0, mid - 4.0),
            _ => (x + 6.0, mid - LANE_H / 2.0),
        };
        let (class, shape) = marker_shape(&kind, shape_x, top);
        let _ = writeln!(out, r#"<path class="{class}" d="{shape}"/>"#);
        x = legend_text(out, x + 16.0, y, text);
    }
    // The second row: what waits are on, and log events.
    let y = y + LEGEND_ROW;
    let mid = mid + LEGEND_ROW;
    let mut x = legend_text(out, MARGIN, y, "waiting on:") - 12.0;
    for kind in WaitKind::ALL {
        let _ = writeln!(
            out,
            r#"<rect class="{}" x="{x:.1}" y="{:.1}" width="18" height="6"/>"#,
            wait_class(kind),
            mid - 3.0
        );
        x = legend_text(out, x + 24.0, y, kind.name());
    }
    let log = MarkerKind::Log {
        level: "INFO",
        message: String::new(),
    };
    let (class, shape) = marker_shape(&log, x + 4.0, mid - LANE_H + 5.0);
    let _ = writeln!(out, r#"<path class="{class}" d="{shape}"/>"#);
    legend_text(out, x + 16.0, y, "tracing event");
    if network {
        draw_network_legend(out, y + LEGEND_ROW, mid + LEGEND_ROW);
    }
    out.push_str("</g>\n");
}

/// The legend's third row, for runs with hosts: messages and host marks.
fn draw_network_legend(out: &mut String, y: f64, mid: f64) {
    let mut x = legend_text(out, MARGIN, y, "network:") - 12.0;
    for (class, text) in [("msg tcp", "message"), ("msg dropped", "dropped")] {
        let ending = if class == "msg tcp" {
            r#" marker-end="url(#arrowhead)""#
        } else {
            ""
        };
        let _ = writeln!(
            out,
            r#"<line class="{class}" x1="{x:.1}" y1="{mid:.1}" x2="{:.1}" y2="{mid:.1}"{ending}/>"#,
            x + 22.0
        );
        if class == "msg dropped" {
            let _ = writeln!(
                out,
                r#"<path class="drop" d="{}"/>"#,
                cross(x + 22.0, mid, 4.0)
            );
        }
        x = legend_text(out, x + 30.0, y, text);
    }
    let _ = writeln!(
        out,
        r#"<rect class="down" x="{x:.1}" y="{:.1}" width="18" height="12"/>"#,
        mid - 6.0
    );
    x = legend_text(out, x + 24.0, y, "host down");
    let marks = [
        (HostMarkKind::Crash, "crash"),
        (HostMarkKind::Restart, "(re)start"),
        (HostMarkKind::Partition { to: "".into() }, "partition"),
        (HostMarkKind::Heal { to: "".into() }, "heal"),
    ];
    for (kind, text) in marks {
        let (class, shape) = host_mark_shape(&kind, x + 6.0, mid);
        let _ = writeln!(out, r#"<path class="{class}" d="{shape}"/>"#);
        x = legend_text(out, x + 18.0, y, text);
    }
}

/// Writes a legend label at `x` and returns where the next item starts.
fn legend_text(out: &mut String, x: f64, y: f64, text: &str) -> f64 {
    let _ = writeln!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}">{}</text>"#,
        escape(text)
    );
    x + text.chars().count() as f64 * 6.8 + 22.0
}

/// The label cut to [`LABEL_CHARS`] characters, with an ellipsis if cut.
fn shorten(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return label.to_owned();
    }
    let mut short: String = label.chars().take(LABEL_CHARS - 1).collect();
    short.push('…');
    short
}

/// `text` as XML character data or attribute value: markup characters
/// escaped, characters XML 1.0 forbids replaced by U+FFFD.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_makes_any_text_safe_xml() {
        assert_eq!(
            escape(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
        );
        assert_eq!(escape("bell\u{7}\u{FFFF}"), "bell\u{FFFD}\u{FFFD}");
        assert_eq!(escape("naïve → ok"), "naïve → ok");
    }

    #[test]
    fn long_labels_are_cut_with_an_ellipsis() {
        let long = "x".repeat(40);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), LABEL_CHARS);
        assert!(short.ends_with('…'));
        assert_eq!(shorten("worker"), "worker");
    }
}
