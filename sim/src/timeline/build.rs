//! From a trace's events (and notes) to each task's spans and markers.
//!
//! A task moves through three phases: ready (spawned or woken, in the ready
//! set), running (inside a poll) and waiting (its poll returned `Pending`).
//! The trace records spawns, wakes, polls and ends, but not the end of a poll
//! that returned `Pending`: a poll ends at its start plus any `busy` time
//! recorded in it, and the next event about the task that is not part of the
//! poll (a wake, a timer firing, an abort) finds it waiting.
//!
//! The trace's notes add what a waiting span waited on (the last `wait_on`
//! of the poll before it; else a timer, if one fired to end it) and the
//! `tracing` events each task logged.

use super::hosts::NetBuilder;
use super::{Lane, Marker, MarkerKind, Span, SpanKind, Timeline, Wait};
use crate::task::{TaskId, TaskInfo};
use crate::time::Instant;
use crate::trace::{EventKind, Note, NoteKind, Trace};
use std::collections::BTreeMap;

/// Where a task is, with the start of its open span.
#[derive(Debug, Clone)]
enum Phase {
    Ready {
        since: Instant,
        step: u64,
    },
    Running {
        since: Instant,
        until: Instant,
        step: u64,
        /// What the poll said the task will wait on.
        waits_on: Option<Wait>,
    },
    Waiting {
        since: Instant,
        step: u64,
        wait: Option<Wait>,
    },
    Gone,
}

struct LaneBuilder {
    lane: Lane,
    phase: Phase,
}

impl LaneBuilder {
    fn new(task: TaskInfo) -> LaneBuilder {
        LaneBuilder {
            lane: Lane {
                task,
                parent: None,
                host: None,
                spans: Vec::new(),
                markers: Vec::new(),
            },
            phase: Phase::Gone,
        }
    }

    /// Keeps every poll, and other spans only if they last.
    fn push(
        &mut self,
        kind: SpanKind,
        start: Instant,
        end: Instant,
        step: u64,
        wait: Option<Wait>,
    ) {
        if kind == SpanKind::Running || end > start {
            self.lane.spans.push(Span {
                kind,
                start,
                end: end.max(start),
                step,
                wait,
            });
        }
    }

    fn mark(&mut self, kind: MarkerKind, time: Instant) {
        self.lane.markers.push(Marker { kind, time });
    }

    /// An event outside the current poll: a running task has returned
    /// `Pending` and is now waiting.
    fn poll_returned(&mut self) {
        if !matches!(self.phase, Phase::Running { .. }) {
            return;
        }
        if let Phase::Running {
            since,
            until,
            step,
            waits_on,
        } = std::mem::replace(&mut self.phase, Phase::Gone)
        {
            self.push(SpanKind::Running, since, until, step, None);
            self.phase = Phase::Waiting {
                since: until,
                step,
                wait: waits_on,
            };
        }
    }

    /// Closes the open span at `time` and moves to `next`.
    fn close(&mut self, time: Instant, next: Phase) {
        match std::mem::replace(&mut self.phase, next) {
            Phase::Ready { since, step } => self.push(SpanKind::Ready, since, time, step, None),
            Phase::Running {
                since, until, step, ..
            } => self.push(SpanKind::Running, since, until.max(time), step, None),
            Phase::Waiting { since, step, wait } => {
                self.push(SpanKind::Waiting, since, time, step, wait)
            }
            Phase::Gone => {}
        }
    }

    fn note(&mut self, note: &Note, net: &mut NetBuilder) {
        match &note.kind {
            NoteKind::OnHost { host } => {
                net.on_host(host);
                self.lane.host = Some(std::sync::Arc::clone(host));
            }
            NoteKind::WaitsOn(reason) => {
                if let Phase::Running { waits_on, .. } = &mut self.phase {
                    *waits_on = Some(Wait::on(reason));
                }
            }
            NoteKind::Log { level, message } => self.mark(
                MarkerKind::Log {
                    level,
                    message: message.clone(),
                },
                note.time,
            ),
        }
    }
}

pub(super) fn build(trace: &Trace) -> Timeline {
    let mut lanes: BTreeMap<TaskId, LaneBuilder> = trace
        .tasks
        .iter()
        .map(|info| (info.id(), LaneBuilder::new(info.clone())))
        .collect();
    let mut end = Instant::ZERO;
    let mut polls = 0;
    let mut notes = trace.notes.iter().peekable();
    let mut net = NetBuilder::default();
    for (index, event) in trace.events.iter().enumerate() {
        while let Some(note) = notes.next_if(|n| n.after <= index) {
            lane_of(&mut lanes, note.task).note(note, &mut net);
        }
        let (t, step) = (event.time, event.step);
        end = end.max(t);
        let lane = lane_of(&mut lanes, event.task);
        match &event.kind {
            EventKind::Spawn { parent } => {
                lane.lane.parent = *parent;
                lane.close(t, Phase::Ready { since: t, step });
                lane.mark(MarkerKind::Spawn, t);
            }
            EventKind::Wake => {
                lane.poll_returned();
                lane.close(t, Phase::Ready { since: t, step });
            }
            EventKind::Poll => {
                polls += 1;
                lane.poll_returned();
                let running = Phase::Running {
                    since: t,
                    until: t,
                    step,
                    waits_on: None,
                };
                lane.close(t, running);
            }
            EventKind::Busy { duration } => {
                let until = t.saturating_add(*duration);
                end = end.max(until);
                match &mut lane.phase {
                    Phase::Running { until: u, .. } => *u = (*u).max(until),
                    // Busy outside the task's poll (drop code at the end of
                    // the run): a span of its own.
                    _ => lane.push(SpanKind::Running, t, until, step, None),
                }
            }
            EventKind::TimerFired { deadline } => {
                lane.poll_returned();
                // A wait nothing described, ended by the task's timer: a
                // sleep.
                if let Phase::Waiting {
                    wait: wait @ None, ..
                } = &mut lane.phase
                {
                    *wait = Some(Wait::timer(*deadline));
                }
                lane.mark(
                    MarkerKind::TimerFired {
                        deadline: *deadline,
                    },
                    t,
                );
            }
            EventKind::Finish => {
                lane.close(t, Phase::Gone);
                lane.mark(MarkerKind::Finish, t);
            }
            EventKind::Panic { message } => {
                lane.close(t, Phase::Gone);
                lane.mark(
                    MarkerKind::Panic {
                        message: message.clone(),
                    },
                    t,
                );
            }
            // A callback runs outside every task's poll.
            EventKind::Callback => {}
            EventKind::Abort => {
                lane.poll_returned();
                lane.close(t, Phase::Gone);
                lane.mark(MarkerKind::Abort, t);
            }
            EventKind::Net(e) => net.event(e, event.task, t),
        }
    }
    for note in notes {
        end = end.max(note.time);
        lane_of(&mut lanes, note.task).note(note, &mut net);
    }
    let hosts_of = lanes
        .iter()
        .map(|(&id, l)| (id, l.lane.host.clone()))
        .collect();
    let (hosts, messages) = net.finish(&hosts_of, end);
    let main: std::sync::Arc<str> = std::sync::Arc::from("main");
    // Tasks still pending at the end were waiting (or ready) until then.
    let lanes: Vec<Lane> = lanes
        .into_values()
        .map(|mut lane| {
            lane.poll_returned();
            lane.close(end, Phase::Gone);
            // Marks from notes come in between the events': time order.
            lane.lane.markers.sort_by_key(|m| m.time);
            if !hosts.is_empty() && lane.lane.host.is_none() {
                lane.lane.host = Some(std::sync::Arc::clone(&main));
            }
            lane.lane
        })
        .collect();
    Timeline {
        title: "simloop run".to_owned(),
        end,
        polls,
        lanes,
        hosts,
        messages,
    }
}

fn lane_of(lanes: &mut BTreeMap<TaskId, LaneBuilder>, task: TaskId) -> &mut LaneBuilder {
    lanes
        .entry(task)
        .or_insert_with(|| LaneBuilder::new(TaskInfo::new(task, None)))
}
