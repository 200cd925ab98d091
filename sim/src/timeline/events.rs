//! `tracing` events as markers on the lane of the task that logged them:
//! [`EventMarks`], a layer that notes each event in the trace of the run it
//! happens in, and [`with_event_marks`], which runs code under it.

use std::fmt::{self, Write as _};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

use crate::runtime;
use crate::trace::NoteKind;

/// A `tracing_subscriber` layer that keeps every event logged inside a
/// traced simulation ([`trace(true)`](crate::SimBuilder::trace)) in its
/// trace, for the timeline to draw as a marker on the logging task's lane.
/// Events outside a simulation, or in a run that keeps no trace, are
/// ignored; the executor's own events (target `simloop::executor`) are not
/// wanted.
///
/// Add it to your own subscriber to keep your log and get the marks:
/// `tracing_subscriber::registry().with(fmt_layer).with(EventMarks)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct EventMarks;

impl<S: Subscriber> Layer<S> for EventMarks {
    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        !metadata.target().starts_with("simloop::executor")
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut text = Text::default();
        event.record(&mut text);
        let level = level_name(*event.metadata().level());
        runtime::try_with(|rt| {
            rt.note(NoteKind::Log {
                level,
                message: text.0,
            })
        });
    }
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::ERROR => "ERROR",
        Level::WARN => "WARN",
        Level::INFO => "INFO",
        Level::DEBUG => "DEBUG",
        Level::TRACE => "TRACE",
    }
}

/// An event's message, then its other fields as `key=value`.
#[derive(Default)]
struct Text(String);

impl Visit for Text {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let fields = std::mem::take(&mut self.0);
            let _ = write!(self.0, "{value:?}");
            if !fields.is_empty() {
                self.0.push(' ');
                self.0.push_str(&fields);
            }
        } else {
            if !self.0.is_empty() {
                self.0.push(' ');
            }
            let _ = write!(self.0, "{}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.record_debug(field, &format_args!("{value}"));
        } else {
            self.record_debug(field, &value);
        }
    }
}

/// Runs `f` with [`EventMarks`] as this thread's only subscriber: every
/// `tracing` event a traced run logs inside `f` becomes a marker on its
/// task's lane (and is not printed).
///
/// ```
/// use simloop::{Sim, task, timeline::{self, MarkerKind, Timeline}};
///
/// let report = timeline::with_event_marks(|| {
///     Sim::builder().trace(true).build().run_report(async {
///         task::spawn_named("cache", async { tracing::warn!(key = 7, "refresh failed") })
///             .await
///             .unwrap();
///     })
/// }).unwrap();
/// let timeline = Timeline::from_report(&report).unwrap();
/// let cache = &timeline.lanes()[1];
/// assert!(cache.markers().iter().any(|m| m.kind == MarkerKind::Log {
///     level: "WARN",
///     message: "refresh failed key=7".into(),
/// }));
/// ```
pub fn with_event_marks<R>(f: impl FnOnce() -> R) -> R {
    let subscriber = tracing_subscriber::registry().with(EventMarks);
    tracing::subscriber::with_default(subscriber, f)
}
