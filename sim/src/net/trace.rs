//! The network's events, named by host id inside the network and by host
//! name in the trace (see [`crate::trace::NetEvent`]).

use std::sync::Arc;

use crate::runtime::{self, HostId};
use crate::trace;
pub(crate) use crate::trace::Protocol;

/// A network event about hosts known by id.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NetEvent {
    Send {
        id: u64,
        from: HostId,
        to: HostId,
        protocol: Protocol,
        bytes: usize,
    },
    Deliver {
        id: u64,
        from: HostId,
        to: HostId,
        protocol: Protocol,
        bytes: usize,
    },
    Drop {
        id: u64,
        from: HostId,
        to: HostId,
        protocol: Protocol,
    },
    Partition {
        from: HostId,
        to: HostId,
    },
    Heal {
        from: HostId,
        to: HostId,
    },
    Crash {
        host: HostId,
    },
    Restart {
        host: HostId,
    },
}

impl NetEvent {
    /// The fingerprint's code and payload of the event, as
    /// [`trace::NetEvent`] has them.
    fn code_payload(&self) -> (u64, u64) {
        match *self {
            NetEvent::Send { bytes, .. } => (16, bytes as u64),
            NetEvent::Deliver { bytes, .. } => (17, bytes as u64),
            NetEvent::Drop { .. } => (18, 0),
            NetEvent::Partition { .. } => (19, 0),
            NetEvent::Heal { .. } => (20, 0),
            NetEvent::Crash { .. } => (21, 0),
            NetEvent::Restart { .. } => (22, 0),
        }
    }
}

/// Records `event` in the running simulation's trace, naming hosts with
/// `name`. The fingerprint always takes it in; the named event, which
/// clones host names, is made only when the trace keeps it.
pub(crate) fn record(event: NetEvent, name: impl Fn(HostId) -> Arc<str>) {
    runtime::try_with(|rt| rt.record_net(event.code_payload(), || named(event, name)));
}

fn named(event: NetEvent, name: impl Fn(HostId) -> Arc<str>) -> trace::NetEvent {
    match event {
        NetEvent::Send {
            id,
            from,
            to,
            protocol,
            bytes,
        } => trace::NetEvent::Send {
            id,
            from: name(from),
            to: name(to),
            protocol,
            bytes,
        },
        NetEvent::Deliver {
            id,
            from,
            to,
            protocol,
            bytes,
        } => trace::NetEvent::Deliver {
            id,
            from: name(from),
            to: name(to),
            protocol,
            bytes,
        },
        NetEvent::Drop {
            id,
            from,
            to,
            protocol,
        } => trace::NetEvent::Drop {
            id,
            from: name(from),
            to: name(to),
            protocol,
        },
        NetEvent::Partition { from, to } => trace::NetEvent::Partition {
            from: name(from),
            to: name(to),
        },
        NetEvent::Heal { from, to } => trace::NetEvent::Heal {
            from: name(from),
            to: name(to),
        },
        NetEvent::Crash { host } => trace::NetEvent::Crash { host: name(host) },
        NetEvent::Restart { host } => trace::NetEvent::Restart { host: name(host) },
    }
}
