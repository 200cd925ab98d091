//! [`Wait`] and [`WaitKind`]: what a waiting span waited on.

use std::fmt;

use crate::task::WaitReason;
use crate::time::Instant;

/// What a task waited on during a waiting [`Span`](super::Span).
///
/// ```
/// use simloop::task::WaitReason;
/// use simloop::timeline::{Wait, WaitKind};
///
/// let wait = Wait::on(&WaitReason::new("Queue::get").on("jobs"));
/// assert_eq!(wait.kind, WaitKind::Queue);
/// assert_eq!(wait.label, r#"Queue::get on "jobs""#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wait {
    /// The kind of thing waited on, which decides the colour.
    pub kind: WaitKind,
    /// What exactly, e.g. `Queue::get on "jobs"` or `timer due at t=1s`.
    pub label: String,
}

impl Wait {
    /// The wait a primitive described with `reason`.
    pub fn on(reason: &WaitReason) -> Wait {
        Wait {
            kind: WaitKind::of(reason),
            label: reason.to_string(),
        }
    }

    /// A wait that a timer due at `deadline` ended (a sleep, a timeout).
    pub fn timer(deadline: Instant) -> Wait {
        Wait {
            kind: WaitKind::Timer,
            label: format!("timer due at {deadline}"),
        }
    }
}

impl fmt::Display for Wait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label)
    }
}

/// The kind of thing a task waited on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum WaitKind {
    /// A timer: a sleep, or a timeout that ran out.
    Timer,
    /// A queue or a channel (`Queue`, `LifoQueue`, `PriorityQueue`,
    /// `Sender`, `Receiver`).
    Queue,
    /// A lock or another synchronisation primitive (`Lock`, `Mutex`,
    /// `Semaphore`, `Condition`, `Event`, `Barrier`).
    Lock,
    /// Another task or a future: a `JoinHandle`, `gather`, `wait`,
    /// `as_completed`, a `TaskGroup`, a promise.
    Join,
    /// The network: a socket, a listener, a connection.
    Socket,
    /// Anything else (a custom primitive's operation).
    Other,
}

impl WaitKind {
    /// Every kind, in legend order.
    pub const ALL: [WaitKind; 6] = [
        WaitKind::Timer,
        WaitKind::Queue,
        WaitKind::Lock,
        WaitKind::Join,
        WaitKind::Socket,
        WaitKind::Other,
    ];

    /// The kind of a wait, from its operation's name (the type before
    /// `::`, or the function's name):
    ///
    /// ```
    /// use simloop::task::WaitReason;
    /// use simloop::timeline::WaitKind;
    ///
    /// let kind = |op| WaitKind::of(&WaitReason::new(op));
    /// assert_eq!(kind("Receiver::recv"), WaitKind::Queue);
    /// assert_eq!(kind("Semaphore::acquire"), WaitKind::Lock);
    /// assert_eq!(kind("gather"), WaitKind::Join);
    /// assert_eq!(kind("UdpSocket::recv_from"), WaitKind::Socket);
    /// assert_eq!(kind("sleep"), WaitKind::Timer);
    /// assert_eq!(kind("Flux::capacitor"), WaitKind::Other);
    /// ```
    pub fn of(reason: &WaitReason) -> WaitKind {
        let op = reason.operation();
        let owner = op.split("::").next().unwrap_or(op);
        match owner {
            "sleep" | "sleep_until" | "Sleep" | "timeout" | "Timeout" | "Interval" => {
                WaitKind::Timer
            }
            "Queue" | "LifoQueue" | "PriorityQueue" | "Sender" | "Receiver" | "Channel" => {
                WaitKind::Queue
            }
            "Lock" | "Mutex" | "RwLock" | "Semaphore" | "BoundedSemaphore" | "Condition"
            | "Event" | "Barrier" | "Notify" => WaitKind::Lock,
            "JoinHandle" | "gather" | "wait" | "as_completed" | "select" | "shield"
            | "TaskGroup" | "JoinSet" | "PromiseFuture" | "Promise" => WaitKind::Join,
            _ if owner.contains("Socket")
                || owner.contains("Listener")
                || owner.contains("Stream")
                || owner.contains("Connection")
                || owner == "net" =>
            {
                WaitKind::Socket
            }
            _ => WaitKind::Other,
        }
    }

    /// The lowercase name used in both pictures (`timer`, `queue`, `lock`,
    /// `join`, `socket`, `other`).
    ///
    /// ```
    /// assert_eq!(simloop::timeline::WaitKind::Queue.name(), "queue");
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            WaitKind::Timer => "timer",
            WaitKind::Queue => "queue",
            WaitKind::Lock => "lock",
            WaitKind::Join => "join",
            WaitKind::Socket => "socket",
            WaitKind::Other => "other",
        }
    }
}

impl fmt::Display for WaitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
