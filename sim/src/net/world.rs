//! The state of one simulated network: hosts, links, partitions, sockets
//! and the messages in flight between them.
//!
//! Every in-flight message is a timer of the executor: the timer's waker is
//! a [`Delivery`] that, when it fires, hands the message to its destination.
//! Deliveries due at the same instant therefore come out in the order the
//! strategy picks, like tasks. A TCP direction keeps its segments in order
//! (one waker per direction, its bytes in one buffer, nothing allocated per
//! segment); each datagram has its own delivery, so datagrams to one host
//! may be reordered by latency or by the strategy.
//!
//! All randomness (latency draws, loss, duplication) comes from the
//! network's own seeded stream, separate from [`crate::rand`]'s.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Wake, Waker};
use std::time::Duration;

use rand_chacha::ChaCha8Rng;

use super::addr::{Target, host_ip};
use super::link::{LinkConfig, chance};
use super::trace::{self, NetEvent, Protocol};
use crate::runtime::{self, HostId};
use crate::time::{Instant, duration_to_nanos};

/// Stream of the seed's generator used by the network.
pub(crate) const NET_STREAM: u64 = 2;

/// Bytes a TCP direction may hold unread (in flight plus in the receiver's
/// buffer) before a writer waits.
pub(crate) const WINDOW: usize = 256 * 1024;

/// Datagrams a UDP socket queues before dropping new ones.
const UDP_QUEUE: usize = 4096;

/// First retransmission timeout of a TCP segment; doubles on each retry.
const RTO: u64 = 200_000_000;
/// Longest retransmission timeout.
const MAX_RTO: u64 = 5_000_000_000;

/// A server end whose SYN has not arrived yet.
const NOT_YET: u32 = u32::MAX;

/// What restarting a host runs.
pub(crate) type Factory = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = ()>>>>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Proto {
    Tcp,
    Udp,
}

pub(crate) struct HostState {
    pub(crate) name: Arc<str>,
    pub(crate) ip: IpAddr,
    pub(crate) up: bool,
    /// Bumped by each crash: sockets of an older incarnation are dead.
    pub(crate) incarnation: u32,
    pub(crate) factory: Option<Factory>,
    pub(crate) clock_offset: Duration,
    /// Bound ports: a listener's or a UDP socket's index, or `u32::MAX` for
    /// a connecting stream's ephemeral port.
    ports: BTreeMap<(Proto, u16), u32>,
    next_port: u16,
    /// Datagrams in flight to this host, by (arrival, sequence number).
    inbox: BTreeMap<(u64, u64), Datagram>,
}

struct Datagram {
    /// The message number of its send (shared by a duplicate).
    id: u64,
    from_host: HostId,
    from: SocketAddr,
    to_port: u16,
    data: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SegKind {
    Syn,
    SynAck,
    Data(u32),
    Fin,
    Rst,
}

struct Seg {
    /// The message number of its send (kept across retransmissions).
    id: u64,
    at: u64,
    kind: SegKind,
}

struct End {
    host: HostId,
    incarnation: u32,
    addr: SocketAddr,
    rx: ByteQueue,
    rx_fin: bool,
    error: Option<io::ErrorKind>,
    /// Whether the error was reported once already (a later write then
    /// fails with a broken pipe).
    error_seen_by_write: bool,
    read_waker: Option<Waker>,
    write_waker: Option<Waker>,
    established: bool,
    /// The socket was dropped.
    closed: bool,
    wr_shut: bool,
}

impl End {
    fn new(host: HostId, incarnation: u32, addr: SocketAddr) -> End {
        End {
            host,
            incarnation,
            addr,
            rx: ByteQueue::default(),
            rx_fin: false,
            error: None,
            error_seen_by_write: false,
            read_waker: None,
            write_waker: None,
            established: false,
            closed: false,
            wr_shut: false,
        }
    }

    fn wake_all(&mut self, wakers: &mut Vec<Waker>) {
        wakers.extend(self.read_waker.take());
        wakers.extend(self.write_waker.take());
    }
}

/// Bytes appended at the back and taken from the front: a vector and a
/// read offset, so that moving a small message costs a copy of its bytes
/// (a `VecDeque`'s wrap-around handling cost more than the rest of the
/// segment's delivery). The room before the offset is taken back when the
/// queue empties, or when it is larger than what is left (then each byte
/// moves at most once more, on average).
#[derive(Default)]
struct ByteQueue {
    buf: Vec<u8>,
    start: usize,
}

impl ByteQueue {
    fn len(&self) -> usize {
        self.buf.len() - self.start
    }

    fn is_empty(&self) -> bool {
        self.start == self.buf.len()
    }

    fn as_slice(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start >= self.len() {
            let len = self.len();
            self.buf.copy_within(self.start.., 0);
            self.buf.truncate(len);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Drops the first `n` bytes.
    fn consume(&mut self, n: usize) {
        assert!(n <= self.len(), "consuming bytes the queue does not hold");
        self.start += n;
        if self.start == self.buf.len() {
            self.clear();
        }
    }

    fn clear(&mut self) {
        self.buf.clear();
        self.start = 0;
    }
}

struct Dir {
    /// Bytes of the data segments in flight, in order.
    wire: ByteQueue,
    segs: VecDeque<Seg>,
    delivery: Waker,
    last_at: u64,
    tx_free: u64,
    stalled_since: Option<u64>,
    retry_at: u64,
    retries: u32,
    held: bool,
}

impl Dir {
    fn new(delivery: Waker) -> Dir {
        Dir {
            wire: ByteQueue::default(),
            segs: VecDeque::new(),
            delivery,
            last_at: 0,
            tx_free: 0,
            stalled_since: None,
            retry_at: 0,
            retries: 0,
            held: false,
        }
    }

    fn clear(&mut self) {
        self.wire.clear();
        self.segs.clear();
        self.stalled_since = None;
        self.held = false;
    }
}

/// A TCP connection: end 0 connected, end 1 was accepted; direction `d`
/// carries what end `d` sends.
struct Conn {
    ends: [End; 2],
    dirs: [Dir; 2],
    listener: Option<u32>,
}

impl Conn {
    /// The sending and receiving hosts of direction `d`.
    fn hosts(&self, d: usize) -> (HostId, HostId) {
        (self.ends[d].host, self.ends[1 - d].host)
    }
}

impl SegKind {
    /// Payload bytes (0 for a SYN, SYN-ACK, FIN or RST).
    fn len(self) -> usize {
        match self {
            SegKind::Data(n) => n as usize,
            _ => 0,
        }
    }
}

struct Listener {
    host: HostId,
    incarnation: u32,
    addr: SocketAddr,
    queue: VecDeque<u32>,
    backlog: usize,
    waker: Option<Waker>,
    closed: bool,
}

struct Udp {
    host: HostId,
    incarnation: u32,
    addr: SocketAddr,
    queue: VecDeque<(SocketAddr, Vec<u8>)>,
    waker: Option<Waker>,
    closed: bool,
    peer: Option<SocketAddr>,
}

/// One message in flight, as [`in_flight`](super::in_flight) lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlight {
    /// The sending host's name.
    pub from: Arc<str>,
    /// The receiving host's name.
    pub to: Arc<str>,
    /// `"tcp"` or `"udp"`.
    pub protocol: &'static str,
    /// What it is: `"syn"`, `"syn-ack"`, `"data"`, `"fin"`, `"rst"` or
    /// `"datagram"`.
    pub kind: &'static str,
    /// Payload bytes.
    pub bytes: usize,
    /// When it is due to arrive (`None` while held).
    pub arrives: Option<Instant>,
}

pub(crate) struct Inner {
    rng: ChaCha8Rng,
    pub(crate) hosts: Vec<HostState>,
    names: BTreeMap<Arc<str>, HostId>,
    pub(crate) default_link: LinkConfig,
    pub(crate) links: Links,
    cut: BTreeSet<(HostId, HostId)>,
    held: BTreeSet<(HostId, HostId)>,
    held_datagrams: Vec<(HostId, Datagram)>,
    conns: Vec<Conn>,
    listeners: Vec<Listener>,
    udps: Vec<Udp>,
    seq: u64,
    /// The last message number given out.
    messages: u64,
    pub(crate) tcp_timeout: u64,
}

/// The configured links, by (from, to). Looked up at every message, so a
/// hash map rather than a tree (whose depth grew with the number of hosts
/// a server talks to); its hasher is fixed, and the map is never iterated,
/// so nothing depends on its order.
pub(crate) type Links = std::collections::HashMap<
    (HostId, HostId),
    LinkConfig,
    std::hash::BuildHasherDefault<PairHasher>,
>;

/// Hashes a pair of host ids: the two ids side by side, multiplied by an
/// odd constant and folded, so that both halves reach every bit.
#[derive(Default)]
pub(crate) struct PairHasher(u64);

impl std::hash::Hasher for PairHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = self.0 << 32 | u64::from(n);
    }

    fn finish(&self) -> u64 {
        let h = self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h ^ (h >> 29)
    }
}

/// The network of one simulation (kept by the runtime, see
/// `runtime::hosts`).
pub(crate) struct World {
    inner: RefCell<Inner>,
    wake_buf: RefCell<Vec<Waker>>,
    /// The number of the simulation this network belongs to.
    sim: u64,
}

/// Delivers in-flight messages when their timer fires.
struct Delivery {
    target: Deliver,
}

#[derive(Clone, Copy)]
enum Deliver {
    Tcp { conn: u32, dir: u8 },
    Udp { host: HostId, key: (u64, u64) },
}

impl Wake for Delivery {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let target = self.target;
        runtime::try_with(|rt| {
            if let Some(world) = rt.try_extension::<World>() {
                world.op(|inner, wakers| match target {
                    Deliver::Tcp { conn, dir } => inner.deliver_tcp(conn, dir as usize, wakers),
                    Deliver::Udp { host, key } => inner.deliver_udp(host, key, wakers),
                });
            }
        });
    }
}

fn now_ns() -> u64 {
    runtime::try_with(|rt| rt.now().as_nanos()).unwrap_or(0)
}

fn arm(at: u64, waker: &Waker) {
    runtime::try_with(|rt| rt.register_timer(Instant::from_nanos(at), waker));
}

fn err(kind: io::ErrorKind, msg: impl Into<String>) -> io::Error {
    io::Error::new(kind, msg.into())
}

/// The world of the running simulation, created on first use.
///
/// # Panics
///
/// Outside a simulation, naming `api`.
pub(crate) fn world(api: &'static str) -> Rc<World> {
    runtime::with(api, |rt| {
        let seed = rt.ctx().seed;
        rt.extension(|| World::new(seed, rt.number()))
    })
}

/// The host of the task being polled.
pub(crate) fn current_host() -> HostId {
    runtime::try_with(|rt| rt.current_host()).unwrap_or(0)
}

impl World {
    fn new(seed: u64, sim: u64) -> World {
        let mut inner = Inner {
            rng: crate::rand::stream(seed, NET_STREAM),
            hosts: Vec::new(),
            names: BTreeMap::new(),
            default_link: LinkConfig::DEFAULT,
            links: Links::default(),
            cut: BTreeSet::new(),
            held: BTreeSet::new(),
            held_datagrams: Vec::new(),
            conns: Vec::new(),
            listeners: Vec::new(),
            udps: Vec::new(),
            seq: 0,
            messages: 0,
            tcp_timeout: 30_000_000_000,
        };
        inner
            .add_host(Arc::from("main"), None, None, Duration::ZERO)
            .expect("the implicit host");
        inner.hosts[0].up = true;
        World {
            inner: RefCell::new(inner),
            wake_buf: RefCell::default(),
            sim,
        }
    }

    /// Whether a handle of this network (a socket, a host, a link) may act
    /// on it here, where it is being `what` (`"used"`, `"dropped"`): inside
    /// its own simulation or outside any.
    ///
    /// # Panics
    ///
    /// Inside another simulation, saying so, unless the thread is already
    /// unwinding (then `false`: the handle must leave the network alone).
    #[track_caller]
    pub(crate) fn owned_here(&self, what: &str) -> bool {
        // The running simulation's number (0: none), read without a borrow.
        let here = runtime::polled().0;
        match here {
            0 => true,
            here if here != self.sim => {
                if std::thread::panicking() {
                    return false;
                }
                panic!(
                    "a simloop network handle (a net::TcpStream, TcpListener, UdpSocket, Host or \
                     link) of simulation #{} was {what} inside simulation #{here}: a socket \
                     belongs to the simulation whose network opened it; open it inside the \
                     simulation that uses it",
                    self.sim
                );
            }
            _ => true,
        }
    }

    /// Runs `f` on the state, then wakes the tasks it collected (outside
    /// the borrow).
    ///
    /// # Panics
    ///
    /// Inside another simulation than the network's.
    #[track_caller]
    pub(crate) fn op<R>(&self, f: impl FnOnce(&mut Inner, &mut Vec<Waker>) -> R) -> R {
        self.owned_here("used");
        let mut wakers = std::mem::take(&mut *self.wake_buf.borrow_mut());
        let out = f(&mut self.inner.borrow_mut(), &mut wakers);
        for w in wakers.drain(..) {
            w.wake();
        }
        *self.wake_buf.borrow_mut() = wakers;
        out
    }

    /// Reads the state.
    ///
    /// # Panics
    ///
    /// Inside another simulation than the network's.
    #[track_caller]
    pub(crate) fn read<R>(&self, f: impl FnOnce(&Inner) -> R) -> R {
        self.owned_here("used");
        f(&self.inner.borrow())
    }
}

impl Inner {
    /// A new message number, for the trace.
    fn message_id(&mut self) -> u64 {
        self.messages += 1;
        self.messages
    }

    fn note(&self, event: NetEvent) {
        trace::record(event, |h| self.host_name(h));
    }

    // ----- hosts and names -------------------------------------------------

    pub(crate) fn add_host(
        &mut self,
        name: Arc<str>,
        ip: Option<IpAddr>,
        factory: Option<Factory>,
        clock_offset: Duration,
    ) -> Result<HostId, String> {
        if self.names.contains_key(&name) || &*name == "localhost" {
            return Err(format!("a host named {name:?} already exists"));
        }
        let id = u32::try_from(self.hosts.len()).expect("fewer than 4 billion hosts");
        let ip = ip.unwrap_or_else(|| host_ip(id));
        if self.hosts.iter().any(|h| h.ip == ip) || ip.is_loopback() || ip.is_unspecified() {
            return Err(format!("address {ip} is taken (asked for host {name:?})"));
        }
        self.names.insert(Arc::clone(&name), id);
        runtime::try_with(|rt| rt.name_host(id, &name));
        self.hosts.push(HostState {
            name,
            ip,
            up: false,
            incarnation: 0,
            factory,
            clock_offset,
            ports: BTreeMap::new(),
            next_port: 49152,
            inbox: BTreeMap::new(),
        });
        Ok(id)
    }

    pub(crate) fn host_by_name(&self, name: &str) -> Option<HostId> {
        self.names.get(name).copied()
    }

    pub(crate) fn host_name(&self, host: HostId) -> Arc<str> {
        Arc::clone(&self.hosts[host as usize].name)
    }

    fn host_by_ip(&self, ip: IpAddr) -> Option<HostId> {
        self.hosts
            .iter()
            .position(|h| h.ip == ip)
            .map(|i| i as HostId)
    }

    /// Resolves `target` as seen from `from`: the host and the address it
    /// is reached at.
    pub(crate) fn resolve(
        &self,
        from: HostId,
        target: &Target,
    ) -> io::Result<(HostId, SocketAddr)> {
        match target {
            Target::Ip(addr) if addr.ip().is_loopback() => Ok((from, *addr)),
            Target::Ip(addr) => match self.host_by_ip(addr.ip()) {
                Some(h) => Ok((h, *addr)),
                None => Err(err(
                    io::ErrorKind::HostUnreachable,
                    format!("no simulated host has address {}", addr.ip()),
                )),
            },
            Target::Name(name, port) if name == "localhost" => Ok((
                from,
                SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), *port),
            )),
            Target::Name(name, port) => match self.host_by_name(name) {
                Some(h) => Ok((h, SocketAddr::new(self.hosts[h as usize].ip, *port))),
                None => Err(err(
                    io::ErrorKind::NotFound,
                    format!("failed to look up host {name:?}: no simulated host has that name"),
                )),
            },
        }
    }

    /// The address a socket of `host` binds for `target`.
    fn bind_addr(&self, host: HostId, target: &Target) -> io::Result<SocketAddr> {
        let (h, addr) = match target {
            Target::Ip(addr) if addr.ip().is_unspecified() => return Ok(*addr),
            _ => match self.resolve(host, target) {
                Ok(found) => found,
                Err(e) if e.kind() == io::ErrorKind::HostUnreachable => {
                    (u32::MAX, SocketAddr::from(([0, 0, 0, 0], 0)))
                }
                Err(e) => return Err(e),
            },
        };
        if h != host {
            let addr = match target {
                Target::Ip(a) => *a,
                Target::Name(..) => addr,
            };
            return Err(err(
                io::ErrorKind::AddrNotAvailable,
                format!(
                    "cannot bind {addr}: it is not an address of host {:?}",
                    self.hosts[host as usize].name
                ),
            ));
        }
        Ok(addr)
    }

    fn take_port(&mut self, host: HostId, proto: Proto, port: u16, owner: u32) -> io::Result<u16> {
        let h = &mut self.hosts[host as usize];
        let port = if port == 0 {
            let mut candidate = h.next_port;
            let mut tries = 0u32;
            while h.ports.contains_key(&(proto, candidate)) {
                candidate = if candidate == u16::MAX {
                    49152
                } else {
                    candidate + 1
                };
                tries += 1;
                if tries > 16384 {
                    return Err(err(io::ErrorKind::AddrInUse, "no ephemeral port left"));
                }
            }
            h.next_port = if candidate == u16::MAX {
                49152
            } else {
                candidate + 1
            };
            candidate
        } else {
            port
        };
        if h.ports.contains_key(&(proto, port)) {
            return Err(err(
                io::ErrorKind::AddrInUse,
                format!("port {port} of host {:?} is already in use", h.name),
            ));
        }
        h.ports.insert((proto, port), owner);
        Ok(port)
    }

    fn free_port(&mut self, host: HostId, incarnation: u32, proto: Proto, port: u16) {
        let h = &mut self.hosts[host as usize];
        if h.incarnation == incarnation {
            h.ports.remove(&(proto, port));
        }
    }

    fn alive(&self, host: HostId, incarnation: u32) -> bool {
        let h = &self.hosts[host as usize];
        h.up && h.incarnation == incarnation
    }

    /// Marks `host` down and kills its sockets; the caller then drops its
    /// tasks.
    pub(crate) fn crash(&mut self, host: HostId, wakers: &mut Vec<Waker>) {
        let h = &mut self.hosts[host as usize];
        if !h.up {
            return;
        }
        h.up = false;
        h.incarnation += 1;
        h.ports.clear();
        h.inbox.clear();
        for l in self.listeners.iter_mut().filter(|l| l.host == host) {
            l.closed = true;
            l.queue.clear();
            wakers.extend(l.waker.take());
        }
        for u in self.udps.iter_mut().filter(|u| u.host == host) {
            u.closed = true;
            u.queue.clear();
            wakers.extend(u.waker.take());
        }
        for c in &mut self.conns {
            for end in c.ends.iter_mut().filter(|e| e.host == host) {
                end.rx.clear();
                end.wake_all(wakers);
            }
        }
        self.note(NetEvent::Crash { host });
    }

    pub(crate) fn set_up(&mut self, host: HostId) {
        self.hosts[host as usize].up = true;
        self.note(NetEvent::Restart { host });
    }

    // ----- links and faults ------------------------------------------------

    pub(crate) fn link(&self, from: HostId, to: HostId) -> LinkConfig {
        if from == to {
            return LinkConfig::LOOPBACK;
        }
        self.links
            .get(&(from, to))
            .copied()
            .unwrap_or(self.default_link)
    }

    /// A message's latency on `link`, in nanoseconds: nothing is drawn from
    /// the stream for a link without latency.
    fn draw_latency(&mut self, link: &LinkConfig) -> u64 {
        if link.latency.is_zero() {
            0
        } else {
            link.latency.draw(&mut self.rng)
        }
    }

    pub(crate) fn set_cut(&mut self, from: HostId, to: HostId, cut: bool) {
        if cut {
            if self.cut.insert((from, to)) {
                self.note(NetEvent::Partition { from, to });
            }
        } else if self.cut.remove(&(from, to)) {
            self.note(NetEvent::Heal { from, to });
        }
    }

    pub(crate) fn heal_all(&mut self) {
        let cut = std::mem::take(&mut self.cut);
        for (from, to) in cut {
            self.note(NetEvent::Heal { from, to });
        }
    }

    pub(crate) fn is_cut(&self, from: HostId, to: HostId) -> bool {
        self.cut.contains(&(from, to))
    }

    pub(crate) fn set_held(&mut self, from: HostId, to: HostId, held: bool) {
        if held {
            self.held.insert((from, to));
            return;
        }
        if !self.held.remove(&(from, to)) {
            return;
        }
        let now = now_ns();
        for c in &mut self.conns {
            for d in 0..2 {
                let dir = &mut c.dirs[d];
                if dir.held && c.ends[d].host == from && c.ends[1 - d].host == to {
                    dir.held = false;
                    arm(now, &dir.delivery);
                }
            }
        }
        let (release, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.held_datagrams)
            .into_iter()
            .partition(|(h, d)| d.from_host == from && *h == to);
        self.held_datagrams = keep;
        for (host, d) in release {
            self.queue_datagram(host, now, d);
        }
    }

    pub(crate) fn in_flight(&self) -> Vec<InFlight> {
        let mut out = Vec::new();
        for c in &self.conns {
            for d in 0..2 {
                let (from, to) = c.hosts(d);
                let dir = &c.dirs[d];
                for seg in &dir.segs {
                    let (kind, bytes) = match seg.kind {
                        SegKind::Syn => ("syn", 0),
                        SegKind::SynAck => ("syn-ack", 0),
                        SegKind::Data(n) => ("data", n as usize),
                        SegKind::Fin => ("fin", 0),
                        SegKind::Rst => ("rst", 0),
                    };
                    out.push(InFlight {
                        from: self.host_name(from),
                        to: self.host_name(to),
                        protocol: "tcp",
                        kind,
                        bytes,
                        arrives: (!dir.held).then(|| Instant::from_nanos(seg.at.max(dir.retry_at))),
                    });
                }
            }
        }
        for (to, h) in self.hosts.iter().enumerate() {
            for (&(at, _), d) in &h.inbox {
                out.push(InFlight {
                    from: self.host_name(d.from_host),
                    to: self.host_name(to as HostId),
                    protocol: "udp",
                    kind: "datagram",
                    bytes: d.data.len(),
                    arrives: Some(Instant::from_nanos(at)),
                });
            }
        }
        for (to, d) in &self.held_datagrams {
            out.push(InFlight {
                from: self.host_name(d.from_host),
                to: self.host_name(*to),
                protocol: "udp",
                kind: "datagram",
                bytes: d.data.len(),
                arrives: None,
            });
        }
        out.sort_by_key(|m| m.arrives.map_or(u64::MAX, Instant::as_nanos));
        out
    }

    // ----- TCP -------------------------------------------------------------

    pub(crate) fn tcp_bind(&mut self, target: &Target, backlog: usize) -> io::Result<u32> {
        let host = current_host();
        let mut addr = self.bind_addr(host, target)?;
        let index = self.listeners.len() as u32;
        let port = self.take_port(host, Proto::Tcp, addr.port(), index)?;
        addr.set_port(port);
        self.listeners.push(Listener {
            host,
            incarnation: self.hosts[host as usize].incarnation,
            addr,
            queue: VecDeque::new(),
            backlog: backlog.max(1),
            waker: None,
            closed: false,
        });
        Ok(index)
    }

    pub(crate) fn listener_addr(&self, l: u32) -> SocketAddr {
        self.listeners[l as usize].addr
    }

    pub(crate) fn poll_accept(
        &mut self,
        l: u32,
        waker: &Waker,
    ) -> Option<io::Result<(u32, SocketAddr)>> {
        let alive = {
            let listener = &self.listeners[l as usize];
            !listener.closed && self.alive(listener.host, listener.incarnation)
        };
        let listener = &mut self.listeners[l as usize];
        if !alive {
            return Some(Err(err(
                io::ErrorKind::ConnectionAborted,
                "the listener's host crashed",
            )));
        }
        match listener.queue.pop_front() {
            Some(c) => Some(Ok((c, self.conns[c as usize].ends[0].addr))),
            None => {
                match &listener.waker {
                    Some(w) if w.will_wake(waker) => {}
                    _ => listener.waker = Some(waker.clone()),
                }
                None
            }
        }
    }

    pub(crate) fn close_listener(&mut self, l: u32, wakers: &mut Vec<Waker>) {
        let listener = &mut self.listeners[l as usize];
        if listener.closed {
            return;
        }
        listener.closed = true;
        let (host, inc, port) = (listener.host, listener.incarnation, listener.addr.port());
        let queued: Vec<u32> = listener.queue.drain(..).collect();
        listener.waker = None;
        self.free_port(host, inc, Proto::Tcp, port);
        for c in queued {
            self.tcp_close(c, 1, true, wakers);
        }
    }

    pub(crate) fn tcp_connect(
        &mut self,
        target: &Target,
        wakers: &mut Vec<Waker>,
    ) -> io::Result<u32> {
        let from = current_host();
        if !self.hosts[from as usize].up {
            return Err(err(io::ErrorKind::NetworkDown, "the host is down"));
        }
        let (to, dest) = self.resolve(from, target)?;
        let conn = self.conns.len() as u32;
        let port = self.take_port(from, Proto::Tcp, 0, u32::MAX)?;
        let local_ip = if dest.ip().is_loopback() {
            dest.ip()
        } else {
            self.hosts[from as usize].ip
        };
        let delivery = |dir| {
            Waker::from(Arc::new(Delivery {
                target: Deliver::Tcp { conn, dir },
            }))
        };
        self.conns.push(Conn {
            ends: [
                End::new(
                    from,
                    self.hosts[from as usize].incarnation,
                    SocketAddr::new(local_ip, port),
                ),
                End::new(to, NOT_YET, dest),
            ],
            dirs: [Dir::new(delivery(0)), Dir::new(delivery(1))],
            listener: None,
        });
        self.send_seg(conn, 0, SegKind::Syn, wakers);
        Ok(conn)
    }

    /// `None` while the handshake is under way.
    pub(crate) fn poll_connect(&mut self, c: u32, waker: &Waker) -> Option<io::Result<()>> {
        let end = &mut self.conns[c as usize].ends[0];
        if let Some(kind) = end.error {
            return Some(Err(err(kind, connect_error(kind))));
        }
        if end.established {
            return Some(Ok(()));
        }
        match &end.read_waker {
            Some(w) if w.will_wake(waker) => {}
            _ => end.read_waker = Some(waker.clone()),
        }
        None
    }

    pub(crate) fn stream_addrs(&self, c: u32, side: usize) -> (SocketAddr, SocketAddr) {
        let conn = &self.conns[c as usize];
        let (local, peer) = (&conn.ends[side], &conn.ends[1 - side]);
        if side == 1 {
            // The accepted end is reached at the address the client used.
            (peer_seen(conn, 1), local_seen(conn))
        } else {
            (local.addr, peer.addr)
        }
    }

    /// Names the stream's peer for wait reasons: `"client -> server:6379"`.
    pub(crate) fn stream_label(&self, c: u32, side: usize) -> Arc<str> {
        let conn = &self.conns[c as usize];
        let me = self.host_name(conn.ends[side].host);
        let peer = self.host_name(conn.ends[1 - side].host);
        let port = self.stream_addrs(c, side).1.port();
        Arc::from(format!("{me} -> {peer}:{port}"))
    }

    fn end_alive(&self, c: u32, side: usize) -> bool {
        let end = &self.conns[c as usize].ends[side];
        !end.closed && self.alive(end.host, end.incarnation)
    }

    pub(crate) fn poll_read(
        &mut self,
        c: u32,
        side: usize,
        buf: &mut [u8],
        waker: &Waker,
        wakers: &mut Vec<Waker>,
    ) -> Option<io::Result<usize>> {
        if !self.end_alive(c, side) {
            return Some(Err(err(
                io::ErrorKind::ConnectionAborted,
                "the stream's host crashed",
            )));
        }
        let conn = &mut self.conns[c as usize];
        let end = &mut conn.ends[side];
        if !end.rx.is_empty() {
            let n = buf.len().min(end.rx.len());
            buf[..n].copy_from_slice(&end.rx.as_slice()[..n]);
            end.rx.consume(n);
            // The peer's writer may have room again.
            wakers.extend(conn.ends[1 - side].write_waker.take());
            return Some(Ok(n));
        }
        if let Some(kind) = end.error {
            end.error_seen_by_write = true;
            return Some(Err(err(kind, stream_error(kind))));
        }
        if end.rx_fin || buf.is_empty() {
            return Some(Ok(0));
        }
        match &end.read_waker {
            Some(w) if w.will_wake(waker) => {}
            _ => end.read_waker = Some(waker.clone()),
        }
        None
    }

    pub(crate) fn poll_write(
        &mut self,
        c: u32,
        side: usize,
        buf: &[u8],
        waker: &Waker,
        wakers: &mut Vec<Waker>,
    ) -> Option<io::Result<usize>> {
        if !self.end_alive(c, side) {
            return Some(Err(err(
                io::ErrorKind::ConnectionAborted,
                "the stream's host crashed",
            )));
        }
        let conn = &mut self.conns[c as usize];
        let end = &mut conn.ends[side];
        if let Some(kind) = end.error {
            let kind = if kind == io::ErrorKind::ConnectionReset && end.error_seen_by_write {
                io::ErrorKind::BrokenPipe
            } else {
                kind
            };
            end.error_seen_by_write = true;
            return Some(Err(err(kind, stream_error(kind))));
        }
        if end.wr_shut {
            return Some(Err(err(
                io::ErrorKind::BrokenPipe,
                "the stream was shut down for writing",
            )));
        }
        if buf.is_empty() {
            return Some(Ok(0));
        }
        let unread = conn.dirs[side].wire.len() + conn.ends[1 - side].rx.len();
        let room = WINDOW.saturating_sub(unread);
        if room == 0 {
            let end = &mut conn.ends[side];
            match &end.write_waker {
                Some(w) if w.will_wake(waker) => {}
                _ => end.write_waker = Some(waker.clone()),
            }
            return None;
        }
        let n = buf.len().min(room);
        conn.dirs[side].wire.push(&buf[..n]);
        self.send_seg(c, side, SegKind::Data(n as u32), wakers);
        Some(Ok(n))
    }

    pub(crate) fn shutdown_write(
        &mut self,
        c: u32,
        side: usize,
        wakers: &mut Vec<Waker>,
    ) -> io::Result<()> {
        if !self.end_alive(c, side) {
            return Err(err(
                io::ErrorKind::NotConnected,
                "the stream's host crashed",
            ));
        }
        let end = &mut self.conns[c as usize].ends[side];
        if !end.wr_shut && end.error.is_none() {
            end.wr_shut = true;
            self.send_seg(c, side, SegKind::Fin, wakers);
        }
        Ok(())
    }

    /// The socket of end `side` is dropped: a FIN (or, with `reset`, a
    /// RST) goes to the peer.
    pub(crate) fn tcp_close(&mut self, c: u32, side: usize, reset: bool, wakers: &mut Vec<Waker>) {
        let alive = self.end_alive(c, side);
        let end = &mut self.conns[c as usize].ends[side];
        if end.closed {
            return;
        }
        if !alive {
            end.closed = true;
            return;
        }
        if !end.established
            && side == 0
            && self.conns[c as usize].dirs[0]
                .segs
                .front()
                .is_some_and(|s| s.kind == SegKind::Syn)
        {
            // The SYN never got through: abandon it.
            let conn = &mut self.conns[c as usize];
            conn.dirs[0].clear();
            conn.ends[0].closed = true;
            let (host, inc, port) = (
                conn.ends[0].host,
                conn.ends[0].incarnation,
                conn.ends[0].addr.port(),
            );
            self.free_port(host, inc, Proto::Tcp, port);
            return;
        }
        let end = &mut self.conns[c as usize].ends[side];
        let send = if reset || !end.established {
            (end.error.is_none()).then_some(SegKind::Rst)
        } else {
            (!end.wr_shut && end.error.is_none()).then_some(SegKind::Fin)
        };
        end.wr_shut = true;
        end.rx.clear();
        let (host, inc, port) = (end.host, end.incarnation, end.addr.port());
        if let Some(kind) = send {
            self.send_seg(c, side, kind, wakers);
        }
        self.conns[c as usize].ends[side].closed = true;
        if side == 0 {
            self.free_port(host, inc, Proto::Tcp, port);
        }
    }

    fn send_seg(&mut self, c: u32, d: usize, kind: SegKind, wakers: &mut Vec<Waker>) {
        let (from, to) = self.conns[c as usize].hosts(d);
        let link = self.link(from, to);
        let len = kind.len();
        let latency = self.draw_latency(&link);
        let now = now_ns();
        let dir = &mut self.conns[c as usize].dirs[d];
        dir.tx_free = dir.tx_free.max(now) + link.transmission(len);
        let at = (dir.tx_free + latency).max(dir.last_at);
        dir.last_at = at;
        let id = self.message_id();
        let dir = &mut self.conns[c as usize].dirs[d];
        dir.segs.push_back(Seg { id, at, kind });
        let immediate =
            at <= now && dir.segs.len() == 1 && dir.stalled_since.is_none() && !dir.held;
        if !immediate {
            arm(at, &dir.delivery);
        }
        self.note(NetEvent::Send {
            id,
            from,
            to,
            protocol: Protocol::Tcp,
            bytes: len,
        });
        if immediate {
            self.deliver_tcp(c, d as u8 as usize, wakers);
        }
    }

    /// Delivers direction `d`'s segments that are due, in order.
    fn deliver_tcp(&mut self, c: u32, d: usize, wakers: &mut Vec<Waker>) {
        let now = now_ns();
        loop {
            let conn = &self.conns[c as usize];
            let dir = &conn.dirs[d];
            let Some(seg) = dir.segs.front() else { return };
            if seg.at > now || dir.held || now < dir.retry_at {
                return;
            }
            let (kind, id) = (seg.kind, seg.id);
            let (from, to) = conn.hosts(d);
            let from_alive = self.alive(from, conn.ends[d].incarnation);
            if self.held.contains(&(from, to)) {
                self.conns[c as usize].dirs[d].held = true;
                return;
            }
            let loss = self.link(from, to).loss;
            let lost =
                self.is_cut(from, to) || !self.hosts[to as usize].up || chance(&mut self.rng, loss);
            if lost {
                self.note(NetEvent::Drop {
                    id,
                    from,
                    to,
                    protocol: Protocol::Tcp,
                });
                if !from_alive {
                    // Nobody is left to retransmit.
                    self.conns[c as usize].dirs[d].clear();
                    return;
                }
                self.stall(c, d, now, wakers);
                return;
            }
            // It arrives.
            let dir = &mut self.conns[c as usize].dirs[d];
            dir.segs.pop_front();
            dir.stalled_since = None;
            dir.retries = 0;
            let len = kind.len();
            self.note(NetEvent::Deliver {
                id,
                from,
                to,
                protocol: Protocol::Tcp,
                bytes: len,
            });
            self.arrive(c, d, kind, len, id, wakers);
        }
    }

    /// A segment could not arrive: retransmit later, or time out.
    fn stall(&mut self, c: u32, d: usize, now: u64, wakers: &mut Vec<Waker>) {
        let timeout = self.tcp_timeout;
        let conn = &mut self.conns[c as usize];
        let dir = &mut conn.dirs[d];
        let since = *dir.stalled_since.get_or_insert(now);
        if now.saturating_sub(since) >= timeout {
            dir.clear();
            let end = &mut conn.ends[d];
            if end.error.is_none() {
                end.error = Some(io::ErrorKind::TimedOut);
            }
            end.wake_all(wakers);
            return;
        }
        let rto = (RTO << dir.retries.min(16)).min(MAX_RTO);
        dir.retries += 1;
        dir.retry_at = now + rto;
        arm(dir.retry_at, &dir.delivery);
    }

    fn arrive(
        &mut self,
        c: u32,
        d: usize,
        kind: SegKind,
        len: usize,
        id: u64,
        wakers: &mut Vec<Waker>,
    ) {
        let to_side = 1 - d;
        if kind == SegKind::Syn {
            self.arrive_syn(c, id, wakers);
            return;
        }
        let alive = self.end_alive(c, to_side);
        let conn = &mut self.conns[c as usize];
        if let SegKind::Data(_) = kind {
            let dir = &mut conn.dirs[d];
            if alive {
                let end = &mut conn.ends[to_side];
                end.rx.push(&dir.wire.as_slice()[..len]);
                wakers.extend(end.read_waker.take());
            }
            dir.wire.consume(len);
        }
        let end = &mut conn.ends[to_side];
        if !alive {
            // Data for a socket that is gone, or for a host that restarted
            // since: the peer hears a reset.
            if matches!(kind, SegKind::Data(_) | SegKind::SynAck) {
                self.send_seg(c, to_side, SegKind::Rst, wakers);
            }
            return;
        }
        match kind {
            SegKind::SynAck => {
                end.established = true;
                wakers.extend(end.read_waker.take());
            }
            SegKind::Data(_) => {}
            SegKind::Fin => {
                end.rx_fin = true;
                wakers.extend(end.read_waker.take());
            }
            SegKind::Rst => {
                if end.error.is_none() {
                    end.error = Some(if end.established {
                        io::ErrorKind::ConnectionReset
                    } else {
                        io::ErrorKind::ConnectionRefused
                    });
                }
                end.rx.clear();
                end.wake_all(wakers);
                let dir = &mut conn.dirs[to_side];
                dir.clear();
            }
            SegKind::Syn => unreachable!("handled above"),
        }
    }

    /// A SYN (message `id`) arrives at the server end.
    fn arrive_syn(&mut self, c: u32, id: u64, wakers: &mut Vec<Waker>) {
        let (to, port) = {
            let end = &self.conns[c as usize].ends[1];
            (end.host, end.addr.port())
        };
        let listener = self.hosts[to as usize]
            .ports
            .get(&(Proto::Tcp, port))
            .copied()
            .filter(|&l| l != u32::MAX)
            .filter(|&l| {
                let l = &self.listeners[l as usize];
                !l.closed && self.alive(l.host, l.incarnation)
            });
        let incarnation = self.hosts[to as usize].incarnation;
        let Some(l) = listener else {
            // Nothing listens: refused.
            self.conns[c as usize].ends[1].incarnation = incarnation;
            self.send_seg(c, 1, SegKind::Rst, wakers);
            self.conns[c as usize].ends[1].closed = true;
            return;
        };
        if self.listeners[l as usize].queue.len() >= self.listeners[l as usize].backlog {
            // A full backlog drops the SYN; the client retries.
            let now = now_ns();
            self.conns[c as usize].dirs[0].segs.push_front(Seg {
                id,
                at: now,
                kind: SegKind::Syn,
            });
            self.stall(c, 0, now, wakers);
            return;
        }
        let conn = &mut self.conns[c as usize];
        conn.ends[1].incarnation = incarnation;
        conn.ends[1].established = true;
        conn.listener = Some(l);
        let listener = &mut self.listeners[l as usize];
        listener.queue.push_back(c);
        wakers.extend(listener.waker.take());
        self.send_seg(c, 1, SegKind::SynAck, wakers);
    }

    // ----- UDP -------------------------------------------------------------

    pub(crate) fn udp_bind(&mut self, target: &Target) -> io::Result<u32> {
        let host = current_host();
        let mut addr = self.bind_addr(host, target)?;
        let index = self.udps.len() as u32;
        let port = self.take_port(host, Proto::Udp, addr.port(), index)?;
        addr.set_port(port);
        self.udps.push(Udp {
            host,
            incarnation: self.hosts[host as usize].incarnation,
            addr,
            queue: VecDeque::new(),
            waker: None,
            closed: false,
            peer: None,
        });
        Ok(index)
    }

    pub(crate) fn udp_addr(&self, u: u32) -> SocketAddr {
        self.udps[u as usize].addr
    }

    pub(crate) fn udp_peer(&self, u: u32) -> Option<SocketAddr> {
        self.udps[u as usize].peer
    }

    pub(crate) fn udp_connect(&mut self, u: u32, target: &Target) -> io::Result<()> {
        let host = self.udps[u as usize].host;
        let (_, addr) = self.resolve(host, target)?;
        self.udps[u as usize].peer = Some(addr);
        Ok(())
    }

    fn udp_alive(&self, u: u32) -> bool {
        let s = &self.udps[u as usize];
        !s.closed && self.alive(s.host, s.incarnation)
    }

    pub(crate) fn udp_send(
        &mut self,
        u: u32,
        target: &Target,
        data: &[u8],
        wakers: &mut Vec<Waker>,
    ) -> io::Result<usize> {
        if !self.udp_alive(u) {
            return Err(err(
                io::ErrorKind::NotConnected,
                "the socket's host crashed",
            ));
        }
        let (from_host, local) = (self.udps[u as usize].host, self.udps[u as usize].addr);
        let (to, dest) = self.resolve(from_host, target)?;
        let from = if dest.ip().is_loopback() {
            SocketAddr::new(dest.ip(), local.port())
        } else {
            SocketAddr::new(self.hosts[from_host as usize].ip, local.port())
        };
        let link = self.link(from_host, to);
        let id = self.message_id();
        self.note(NetEvent::Send {
            id,
            from: from_host,
            to,
            protocol: Protocol::Udp,
            bytes: data.len(),
        });
        if self.is_cut(from_host, to) || chance(&mut self.rng, link.loss) {
            self.note(NetEvent::Drop {
                id,
                from: from_host,
                to,
                protocol: Protocol::Udp,
            });
            return Ok(data.len());
        }
        let copies = if chance(&mut self.rng, link.duplicate) {
            2
        } else {
            1
        };
        let now = now_ns();
        for _ in 0..copies {
            let latency = self.draw_latency(&link);
            let at = now + link.transmission(data.len()) + latency;
            let datagram = Datagram {
                id,
                from_host,
                from,
                to_port: dest.port(),
                data: data.to_vec(),
            };
            if at <= now {
                self.arrive_datagram(to, datagram, wakers);
            } else {
                self.queue_datagram(to, at, datagram);
            }
        }
        Ok(data.len())
    }

    fn queue_datagram(&mut self, to: HostId, at: u64, datagram: Datagram) {
        self.seq += 1;
        let key = (at, self.seq);
        self.hosts[to as usize].inbox.insert(key, datagram);
        let waker = Waker::from(Arc::new(Delivery {
            target: Deliver::Udp { host: to, key },
        }));
        arm(at, &waker);
    }

    fn deliver_udp(&mut self, to: HostId, key: (u64, u64), wakers: &mut Vec<Waker>) {
        let Some(datagram) = self.hosts[to as usize].inbox.remove(&key) else {
            return;
        };
        let from = datagram.from_host;
        if self.held.contains(&(from, to)) {
            self.held_datagrams.push((to, datagram));
            return;
        }
        if self.is_cut(from, to) || !self.hosts[to as usize].up {
            self.note(NetEvent::Drop {
                id: datagram.id,
                from,
                to,
                protocol: Protocol::Udp,
            });
            return;
        }
        self.arrive_datagram(to, datagram, wakers);
    }

    fn arrive_datagram(&mut self, to: HostId, datagram: Datagram, wakers: &mut Vec<Waker>) {
        let socket = self.hosts[to as usize]
            .ports
            .get(&(Proto::Udp, datagram.to_port))
            .copied();
        let event = NetEvent::Deliver {
            id: datagram.id,
            from: datagram.from_host,
            to,
            protocol: Protocol::Udp,
            bytes: datagram.data.len(),
        };
        match socket {
            Some(u) if self.udp_alive(u) && self.udps[u as usize].queue.len() < UDP_QUEUE => {
                self.note(event);
                let s = &mut self.udps[u as usize];
                s.queue.push_back((datagram.from, datagram.data));
                wakers.extend(s.waker.take());
            }
            _ => self.note(NetEvent::Drop {
                id: datagram.id,
                from: datagram.from_host,
                to,
                protocol: Protocol::Udp,
            }),
        }
    }

    pub(crate) fn poll_recv(
        &mut self,
        u: u32,
        buf: &mut [u8],
        waker: &Waker,
    ) -> Option<io::Result<(usize, SocketAddr)>> {
        if !self.udp_alive(u) {
            return Some(Err(err(
                io::ErrorKind::NotConnected,
                "the socket's host crashed",
            )));
        }
        let s = &mut self.udps[u as usize];
        if let Some((from, data)) = s.queue.pop_front() {
            let n = buf.len().min(data.len());
            buf[..n].copy_from_slice(&data[..n]);
            return Some(Ok((n, from)));
        }
        match &s.waker {
            Some(w) if w.will_wake(waker) => {}
            _ => s.waker = Some(waker.clone()),
        }
        None
    }

    pub(crate) fn close_udp(&mut self, u: u32) {
        let s = &mut self.udps[u as usize];
        if s.closed {
            return;
        }
        s.closed = true;
        s.queue.clear();
        s.waker = None;
        let (host, inc, port) = (s.host, s.incarnation, s.addr.port());
        self.free_port(host, inc, Proto::Udp, port);
    }

    pub(crate) fn udp_label(&self, u: u32) -> Arc<str> {
        let s = &self.udps[u as usize];
        Arc::from(format!(
            "{}:{}",
            self.hosts[s.host as usize].name,
            s.addr.port()
        ))
    }

    pub(crate) fn listener_label(&self, l: u32) -> Arc<str> {
        let s = &self.listeners[l as usize];
        Arc::from(format!(
            "{}:{}",
            self.hosts[s.host as usize].name,
            s.addr.port()
        ))
    }
}

/// The client end's address as the server sees it.
fn peer_seen(conn: &Conn, _side: usize) -> SocketAddr {
    let client = &conn.ends[0];
    let server = &conn.ends[1];
    if server.addr.ip().is_loopback() {
        SocketAddr::new(server.addr.ip(), client.addr.port())
    } else {
        client.addr
    }
}

/// The server end's address (the one the client connected to).
fn local_seen(conn: &Conn) -> SocketAddr {
    conn.ends[1].addr
}

fn connect_error(kind: io::ErrorKind) -> &'static str {
    match kind {
        io::ErrorKind::ConnectionRefused => "connection refused: nothing listens on that port",
        io::ErrorKind::TimedOut => "connection timed out: the host did not answer",
        _ => stream_error(kind),
    }
}

fn stream_error(kind: io::ErrorKind) -> &'static str {
    match kind {
        io::ErrorKind::ConnectionReset => "connection reset by peer",
        io::ErrorKind::ConnectionRefused => "connection refused",
        io::ErrorKind::TimedOut => "connection timed out: the peer stopped answering",
        io::ErrorKind::BrokenPipe => "broken pipe: the connection was reset",
        _ => "network error",
    }
}

/// Converts a deadline in nanoseconds for [`Duration`]-based settings.
pub(crate) fn nanos(d: Duration) -> u64 {
    duration_to_nanos(d)
}

#[cfg(test)]
mod tests {
    use super::ByteQueue;

    #[test]
    fn a_byte_queue_keeps_order_across_reclaims() {
        let mut q = ByteQueue::default();
        let mut reference = std::collections::VecDeque::<u8>::new();
        let mut next = 0u8;
        for round in 0..200usize {
            let n = 1 + round % 7;
            let bytes: Vec<u8> = (0..n)
                .map(|_| {
                    next = next.wrapping_add(1);
                    next
                })
                .collect();
            q.push(&bytes);
            reference.extend(&bytes);
            let take = (round * 3) % (q.len() + 1);
            assert_eq!(&q.as_slice()[..take], &reference.make_contiguous()[..take]);
            q.consume(take);
            reference.drain(..take);
            assert_eq!(q.len(), reference.len());
            assert_eq!(q.is_empty(), reference.is_empty());
        }
        assert_eq!(q.as_slice(), reference.make_contiguous());
        q.clear();
        assert!(q.is_empty());
    }
}
