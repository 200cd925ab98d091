//! The network's share of a timeline: the simulated hosts as groups of
//! lanes, the messages between them, and what happened to the hosts
//! (crashes, restarts, partitions): the pieces of a sequence diagram.
//!
//! Built from the trace's [`NetEvent`]s and its
//! [`NoteKind::OnHost`](crate::trace::NoteKind::OnHost) notes: a message is
//! matched with its delivery and drops by the number its send got.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::task::TaskId;
use crate::time::Instant;
use crate::trace::{NetEvent, Protocol};

/// One simulated host of a [`Timeline`](super::Timeline): its name, the
/// lanes of its tasks, and what happened to it.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, net, time, timeline::{HostMarkKind, Timeline}};
///
/// let report = Sim::builder().trace(true).build().run_report(async {
///     let server = net::host("server", || time::sleep(Duration::from_secs(9)));
///     time::sleep(Duration::from_secs(1)).await;
///     server.crash();
///     time::sleep(Duration::from_secs(1)).await;
///     server.restart();
/// }).unwrap();
/// let timeline = Timeline::from_report(&report).unwrap();
/// let names: Vec<_> = timeline.hosts().iter().map(|h| h.name().to_string()).collect();
/// assert_eq!(names, ["main", "server"]);
/// let server = &timeline.hosts()[1];
/// // The factory's task of each incarnation is a lane of the host.
/// assert_eq!(server.tasks().len(), 2);
/// let kinds: Vec<_> = server.marks().iter().map(|m| m.kind.name()).collect();
/// assert_eq!(kinds, ["start", "crash", "restart"]);
/// let (down, up) = server.down()[0];
/// assert_eq!((down.since_start(), up.since_start()), (Duration::from_secs(1), Duration::from_secs(2)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostLanes {
    pub(super) name: Arc<str>,
    pub(super) tasks: Vec<TaskId>,
    pub(super) marks: Vec<HostMark>,
    pub(super) down: Vec<(Instant, Instant)>,
}

impl HostLanes {
    /// The host's name (`main` for the implicit host).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The tasks that ran on it, in id order (each has a
    /// [`Lane`](super::Lane) of the timeline).
    pub fn tasks(&self) -> &[TaskId] {
        &self.tasks
    }

    /// What happened to it, in time order.
    pub fn marks(&self) -> &[HostMark] {
        &self.marks
    }

    /// The intervals it was down: from a crash to the restart (or to the
    /// end of the run).
    pub fn down(&self) -> &[(Instant, Instant)] {
        &self.down
    }
}

/// Something that happened to a host, at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostMark {
    /// What happened.
    pub kind: HostMarkKind,
    /// When.
    pub time: Instant,
}

/// What a [`HostMark`] marks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HostMarkKind {
    /// The host was created and its factory started.
    Start,
    /// The host crashed: its tasks were dropped, its sockets died.
    Crash,
    /// The host came back and runs its factory again.
    Restart,
    /// Messages from this host to `to` are lost from now on.
    Partition {
        /// The host that no longer hears this one.
        to: Arc<str>,
    },
    /// The cut from this host to `to` is healed.
    Heal {
        /// The host that hears this one again.
        to: Arc<str>,
    },
}

impl HostMarkKind {
    /// The lowercase name used in both pictures (`start`, `crash`,
    /// `restart`, `partition`, `heal`).
    ///
    /// ```
    /// assert_eq!(simloop::timeline::HostMarkKind::Crash.name(), "crash");
    /// ```
    pub const fn name(&self) -> &'static str {
        match self {
            HostMarkKind::Start => "start",
            HostMarkKind::Crash => "crash",
            HostMarkKind::Restart => "restart",
            HostMarkKind::Partition { .. } => "partition",
            HostMarkKind::Heal { .. } => "heal",
        }
    }
}

/// One message of a [`Timeline`](super::Timeline) and its fate: an arrow of
/// the sequence diagram.
///
/// A message that is delivered twice (a duplicated datagram) or dropped
/// before it gets through (a TCP segment that is retransmitted) has one
/// entry per delivery and per drop, all with the same `id` and `sent`.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, net, time, timeline::{Fate, Timeline}};
///
/// let report = Sim::builder().trace(true).build().run_report(async {
///     net::host("b", || async {
///         let socket = net::UdpSocket::bind("0.0.0.0:9").await.unwrap();
///         let mut buf = [0; 8];
///         socket.recv_from(&mut buf).await.unwrap();
///     });
///     net::link("main", "b").latency(Duration::from_millis(3));
///     time::sleep(Duration::from_millis(1)).await;
///     let socket = net::UdpSocket::bind("0.0.0.0:0").await.unwrap();
///     socket.send_to(b"hi", "b:9").await.unwrap();
///     time::sleep(Duration::from_millis(10)).await;
/// }).unwrap();
/// let timeline = Timeline::from_report(&report).unwrap();
/// let m = &timeline.messages()[0];
/// assert_eq!((&*m.from, &*m.to, m.bytes), ("main", "b", 2));
/// assert_eq!(m.sent.since_start(), Duration::from_millis(1));
/// assert_eq!(m.fate, Fate::Delivered(m.sent + Duration::from_millis(3)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The message's number in the run (as in the trace's [`NetEvent`]s).
    pub id: u64,
    /// The sending host.
    pub from: Arc<str>,
    /// The receiving host.
    pub to: Arc<str>,
    /// Its transport.
    pub protocol: Protocol,
    /// Payload bytes (0 for a TCP SYN, FIN or RST).
    pub bytes: usize,
    /// When it was sent.
    pub sent: Instant,
    /// The task that sent it.
    pub sender: TaskId,
    /// What became of it.
    pub fate: Fate,
}

/// What became of a [`Message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// It arrived at this time.
    Delivered(Instant),
    /// It was lost at this time (loss, a partition, a crashed host, no
    /// socket).
    Dropped(Instant),
    /// It was still on its way when the run ended.
    InFlight,
}

impl Fate {
    /// When it arrived or was lost (`None` in flight).
    ///
    /// ```
    /// use simloop::{time::Instant, timeline::Fate};
    /// assert_eq!(Fate::Dropped(Instant::from_nanos(5)).time(), Some(Instant::from_nanos(5)));
    /// assert_eq!(Fate::InFlight.time(), None);
    /// ```
    pub fn time(self) -> Option<Instant> {
        match self {
            Fate::Delivered(t) | Fate::Dropped(t) => Some(t),
            Fate::InFlight => None,
        }
    }
}

/// A send waiting for its fate.
struct Sent {
    from: Arc<str>,
    to: Arc<str>,
    protocol: Protocol,
    bytes: usize,
    time: Instant,
    sender: TaskId,
    resolved: bool,
}

/// Collects hosts and messages while the timeline is built.
#[derive(Default)]
pub(super) struct NetBuilder {
    hosts: Vec<HostLanes>,
    sends: BTreeMap<u64, Sent>,
    messages: Vec<Message>,
    /// Hosts down since a crash, until they restart.
    crashed: BTreeMap<Arc<str>, Instant>,
    /// Whether the run used the network at all.
    used: bool,
}

impl NetBuilder {
    fn host(&mut self, name: &Arc<str>) -> &mut HostLanes {
        self.used = true;
        if self.hosts.is_empty() && &**name != "main" {
            self.host(&Arc::from("main"));
        }
        let i = match self.hosts.iter().position(|h| h.name == *name) {
            Some(i) => i,
            None => {
                self.hosts.push(HostLanes {
                    name: Arc::clone(name),
                    tasks: Vec::new(),
                    marks: Vec::new(),
                    down: Vec::new(),
                });
                self.hosts.len() - 1
            }
        };
        &mut self.hosts[i]
    }

    fn mark(&mut self, host: &Arc<str>, kind: HostMarkKind, time: Instant) {
        self.host(host).marks.push(HostMark { kind, time });
    }

    /// Registers a task created on `host`.
    pub(super) fn on_host(&mut self, host: &Arc<str>) {
        self.host(host);
    }

    /// Takes in one network event made by `task` at `time`.
    pub(super) fn event(&mut self, event: &NetEvent, task: TaskId, time: Instant) {
        match event {
            NetEvent::Send {
                id,
                from,
                to,
                protocol,
                bytes,
            } => {
                self.host(from);
                self.host(to);
                self.sends.insert(
                    *id,
                    Sent {
                        from: Arc::clone(from),
                        to: Arc::clone(to),
                        protocol: *protocol,
                        bytes: *bytes,
                        time,
                        sender: task,
                        resolved: false,
                    },
                );
            }
            NetEvent::Deliver { id, .. } => self.resolve(*id, Fate::Delivered(time)),
            NetEvent::Drop { id, .. } => self.resolve(*id, Fate::Dropped(time)),
            NetEvent::Partition { from, to } => {
                self.host(to);
                let to = Arc::clone(to);
                self.mark(from, HostMarkKind::Partition { to }, time);
            }
            NetEvent::Heal { from, to } => {
                self.host(to);
                let to = Arc::clone(to);
                self.mark(from, HostMarkKind::Heal { to }, time);
            }
            NetEvent::Crash { host } => {
                self.mark(host, HostMarkKind::Crash, time);
                // Open until the restart (or the end).
                self.crashed.entry(Arc::clone(host)).or_insert(time);
            }
            NetEvent::Restart { host } => {
                let since = self.crashed.remove(host);
                let h = self.host(host);
                let started = h.marks.iter().any(|m| m.kind == HostMarkKind::Start);
                h.down.extend(since.map(|since| (since, time)));
                let kind = if started {
                    HostMarkKind::Restart
                } else {
                    HostMarkKind::Start
                };
                self.mark(host, kind, time);
            }
        }
    }

    fn resolve(&mut self, id: u64, fate: Fate) {
        let Some(sent) = self.sends.get_mut(&id) else {
            return;
        };
        sent.resolved = true;
        self.messages.push(Message {
            id,
            from: Arc::clone(&sent.from),
            to: Arc::clone(&sent.to),
            protocol: sent.protocol,
            bytes: sent.bytes,
            sent: sent.time,
            sender: sent.sender,
            fate,
        });
    }

    /// The hosts (with the tasks of `lanes`, a map from task to host name)
    /// and the messages, or nothing if the run made no use of the network.
    pub(super) fn finish(
        mut self,
        lanes: &BTreeMap<TaskId, Option<Arc<str>>>,
        end: Instant,
    ) -> (Vec<HostLanes>, Vec<Message>) {
        if !self.used {
            return (Vec::new(), Vec::new());
        }
        let main: Arc<str> = Arc::from("main");
        for (&task, host) in lanes {
            let host = host.as_ref().unwrap_or(&main);
            self.host(host).tasks.push(task);
        }
        for (name, since) in std::mem::take(&mut self.crashed) {
            self.host(&name).down.push((since, end));
        }
        let in_flight: Vec<Message> = self
            .sends
            .into_iter()
            .filter(|(_, s)| !s.resolved)
            .map(|(id, s)| Message {
                id,
                from: s.from,
                to: s.to,
                protocol: s.protocol,
                bytes: s.bytes,
                sent: s.time,
                sender: s.sender,
                fate: Fate::InFlight,
            })
            .collect();
        self.messages.extend(in_flight);
        (self.hosts, self.messages)
    }
}
