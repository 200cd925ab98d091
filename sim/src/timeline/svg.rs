//! The timeline as a standalone SVG image.
//!
//! Written by hand: the picture is a few kinds of shapes, and the only
//! subtle part, escaping text for XML, is a short function.

use std::fmt::Write;

use super::axis::{self, Axis};
use super::{Lane, Marker, MarkerKind, Span, SpanKind, Timeline, WaitKind};
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
.panic{stroke:#d62728;stroke-width:3;fill:none}";

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
    let longest = timeline
        .lanes
        .iter()
        .map(|l| l.label().chars().count().min(LABEL_CHARS))
        .max()
        .unwrap_or(4);
    let label_w = (longest as f64 * 7.6 + 20.0).max(70.0);
    let axis = Axis::new(timeline.end.as_nanos(), MAX_TICKS);
    let scale = Scale {
        x0: MARGIN + label_w,
        width: WIDTH - 2.0 * MARGIN - label_w - 24.0,
        end: axis.end,
    };
    let lanes_bottom = LANE_TOP + LANE_H * timeline.lanes.len() as f64;
    let legend_y = lanes_bottom + 46.0;
    let height = legend_y + 26.0 + LEGEND_ROW;

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
    let _ = writeln!(
        out,
        r#"<text class="sub" x="{MARGIN}" y="48">{} task(s), {} of virtual time, {} poll(s)</text>"#,
        timeline.lanes.len(),
        axis::human(timeline.end.as_nanos()),
        timeline.polls
    );

    // Stripes first, so that the grid lines show on top of them.
    for (i, _) in timeline
        .lanes
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
    {
        let y = LANE_TOP + LANE_H * i as f64;
        let _ = writeln!(
            out,
            r#"<rect class="stripe" x="{MARGIN}" y="{y}" width="{:.1}" height="{LANE_H}"/>"#,
            WIDTH - 2.0 * MARGIN
        );
    }
    draw_axis(&mut out, &axis, &scale, lanes_bottom);
    for (i, lane) in timeline.lanes.iter().enumerate() {
        draw_lane(&mut out, lane, &scale, LANE_TOP + LANE_H * i as f64);
    }
    draw_legend(&mut out, legend_y);
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

fn draw_legend(out: &mut String, y: f64) {
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
    out.push_str("</g>\n");
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
