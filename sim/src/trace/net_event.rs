//! What the simulated network records in the trace: messages sent,
//! delivered and dropped, partitions and heals, crashes and restarts.

use std::fmt;
use std::sync::Arc;

/// The transport of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// A TCP segment (data, or a SYN, FIN or RST).
    Tcp,
    /// A UDP datagram.
    Udp,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        })
    }
}

/// One network event, naming hosts by name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NetEvent {
    /// A message left `from` for `to`.
    Send {
        /// The message's number, unique in the run: its delivery and drops
        /// carry the same number (a duplicated datagram is delivered twice,
        /// a retransmitted segment may be dropped before it arrives).
        id: u64,
        /// The sending host.
        from: Arc<str>,
        /// The receiving host.
        to: Arc<str>,
        /// Its transport.
        protocol: Protocol,
        /// Payload bytes.
        bytes: usize,
    },
    /// A message reached `to`.
    Deliver {
        /// The number of the [`Send`](NetEvent::Send) it completes.
        id: u64,
        /// The sending host.
        from: Arc<str>,
        /// The receiving host.
        to: Arc<str>,
        /// Its transport.
        protocol: Protocol,
        /// Payload bytes.
        bytes: usize,
    },
    /// A message was lost (loss, a partition, a crashed host, no socket);
    /// a lost TCP segment is retransmitted later.
    Drop {
        /// The number of the [`Send`](NetEvent::Send) that was lost.
        id: u64,
        /// The sending host.
        from: Arc<str>,
        /// The receiving host.
        to: Arc<str>,
        /// Its transport.
        protocol: Protocol,
    },
    /// Messages from `from` to `to` are cut off from now on.
    Partition {
        /// The side whose messages are lost.
        from: Arc<str>,
        /// The side that no longer hears them.
        to: Arc<str>,
    },
    /// The cut from `from` to `to` is healed.
    Heal {
        /// The sending side.
        from: Arc<str>,
        /// The receiving side.
        to: Arc<str>,
    },
    /// The host crashed: its tasks were dropped and its sockets closed.
    Crash {
        /// The host.
        host: Arc<str>,
    },
    /// The host came back up and runs its factory again.
    Restart {
        /// The host.
        host: Arc<str>,
    },
}

impl NetEvent {
    pub(crate) fn code(&self) -> u64 {
        match self {
            NetEvent::Send { .. } => 16,
            NetEvent::Deliver { .. } => 17,
            NetEvent::Drop { .. } => 18,
            NetEvent::Partition { .. } => 19,
            NetEvent::Heal { .. } => 20,
            NetEvent::Crash { .. } => 21,
            NetEvent::Restart { .. } => 22,
        }
    }

    pub(crate) fn payload(&self) -> u64 {
        match self {
            NetEvent::Send { bytes, .. } | NetEvent::Deliver { bytes, .. } => *bytes as u64,
            _ => 0,
        }
    }
}

impl fmt::Display for NetEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NetEvent::Send {
                from,
                to,
                protocol,
                bytes,
                ..
            } => write!(f, "{protocol} {from} -> {to} sent ({bytes} bytes)"),
            NetEvent::Deliver {
                from,
                to,
                protocol,
                bytes,
                ..
            } => write!(f, "{protocol} {from} -> {to} delivered ({bytes} bytes)"),
            NetEvent::Drop {
                from, to, protocol, ..
            } => write!(f, "{protocol} {from} -> {to} dropped"),
            NetEvent::Partition { from, to } => write!(f, "partition {from} -> {to}"),
            NetEvent::Heal { from, to } => write!(f, "heal {from} -> {to}"),
            NetEvent::Crash { host } => write!(f, "host {host} crashed"),
            NetEvent::Restart { host } => write!(f, "host {host} restarted"),
        }
    }
}
