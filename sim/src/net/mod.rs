//! A simulated network: hosts, TCP and UDP sockets, links with latency,
//! loss and duplication, partitions, crashes and restarts, all inside one
//! simulation and all drawn from its seed.
//!
//! - **Hosts** ([`host`], [`HostBuilder`], [`Host`]): named machines with an
//!   address. A host is a set of tasks and sockets: tasks spawned by its
//!   tasks belong to it, [`Host::crash`] drops them all at once and kills
//!   its sockets, [`Host::restart`] runs its factory again. A simulation
//!   with no hosts has an implicit one (`main`, 10.0.0.1) whose loopback
//!   (`127.0.0.1`, `localhost`) works, so code that binds `127.0.0.1:0`
//!   runs unchanged.
//! - **Sockets** ([`TcpListener`], [`TcpStream`], [`UdpSocket`]): shaped
//!   like `std::net`'s with async operations and futures' `AsyncRead` /
//!   `AsyncWrite`; errors are real [`std::io::ErrorKind`]s
//!   (`ConnectionRefused`, `ConnectionReset`, `BrokenPipe`, `AddrInUse`,
//!   `TimedOut`, ...).
//! - **Links and faults** ([`link`], [`default_link`], [`partition`],
//!   [`heal`], [`hold`], [`release`], [`in_flight`]): every message is a
//!   timer of the simulation; messages due at the same instant are
//!   delivered in the order the strategy picks, like tasks. Latency draws,
//!   loss and duplication come from the network's own stream of the seed,
//!   separate from [`crate::rand`]'s, so adding a network does not change
//!   the numbers the code under test draws.
//!
//! A message between two hosts takes 1 ms by default; a host talking to
//! itself is instantaneous.
//!
//! ```
//! use std::time::Duration;
//! use futures::{AsyncReadExt, AsyncWriteExt};
//! use simloop::{Sim, net, task, time};
//!
//! Sim::new(7).run(async {
//!     net::host("server", || async {
//!         let listener = net::TcpListener::bind("0.0.0.0:6379").await.unwrap();
//!         loop {
//!             let (mut s, _peer) = listener.accept().await.unwrap();
//!             task::spawn(async move {
//!                 let mut buf = [0; 4];
//!                 while s.read_exact(&mut buf).await.is_ok() {
//!                     s.write_all(&buf).await.unwrap();
//!                 }
//!             });
//!         }
//!     });
//!     net::link("main", "server").latency(Duration::from_millis(10));
//!     time::sleep(Duration::from_millis(1)).await; // the server starts
//!     let start = time::now();
//!     let mut s = net::TcpStream::connect("server:6379").await.unwrap();
//!     s.write_all(b"ping").await.unwrap();
//!     let mut buf = [0; 4];
//!     s.read_exact(&mut buf).await.unwrap();
//!     assert_eq!(&buf, b"ping");
//!     // One round trip to connect, one for the echo.
//!     assert_eq!(time::now() - start, Duration::from_millis(40));
//! }).unwrap();
//! ```
//!
//! The guide's [network page](crate::guide::network) explains the model, every fault and how to
//! write and debug a distributed scenario.

mod addr;
mod chaos;
mod host;
mod link;
mod tcp;
mod trace;
mod udp;
mod world;

use std::rc::Rc;
use std::time::Duration;

#[doc(hidden)]
pub use addr::Target;
pub use addr::ToSocketAddrs;
pub use chaos::{Chaos, ChaosHandle, Fault};
pub use host::{
    AsHost, Host, HostBuilder, HostError, HostRef, current_host, host, hosts, local_time,
    lookup_host,
};
pub use link::Latency;
pub use tcp::{DEFAULT_BACKLOG, OwnedReadHalf, OwnedWriteHalf, TcpListener, TcpStream};
pub use udp::UdpSocket;
pub use world::InFlight;

use link::LinkConfig;
use world::{World, world};

/// Which links a [`Link`] configures.
#[derive(Debug, Clone, Copy)]
enum Pairs {
    Default,
    Both(u32, u32),
    OneWay(u32, u32),
}

/// Configures links: returned by [`link`], [`link_oneway`] and
/// [`default_link`]. Each method applies at once (to messages sent from
/// then on) and returns the handle, so settings chain.
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, net};
///
/// Sim::new(1).run(async {
///     net::host("a", || async {});
///     net::host("b", || async {});
///     net::link("a", "b")
///         .latency(Duration::from_millis(1)..Duration::from_millis(20))
///         .loss(0.01)
///         .duplicate(0.001)
///         .bandwidth(1_000_000);
///     net::default_link().latency(Duration::from_micros(200));
/// }).unwrap();
/// ```
#[derive(Clone)]
pub struct Link {
    world: Rc<World>,
    pairs: Pairs,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link").field("pairs", &self.pairs).finish()
    }
}

impl Link {
    fn update(self, f: impl Fn(&mut LinkConfig)) -> Link {
        self.world.op(|inner, _| match self.pairs {
            Pairs::Default => f(&mut inner.default_link),
            Pairs::Both(a, b) => {
                for pair in [(a, b), (b, a)] {
                    let mut c = inner.link(pair.0, pair.1);
                    f(&mut c);
                    inner.links.insert(pair, c);
                }
            }
            Pairs::OneWay(a, b) => {
                let mut c = inner.link(a, b);
                f(&mut c);
                inner.links.insert((a, b), c);
            }
        });
        self
    }

    /// How long messages take: a [`Duration`], a `Range<Duration>`
    /// (uniform) or a [`Latency`].
    pub fn latency(self, latency: impl Into<Latency>) -> Link {
        let latency = latency.into();
        self.update(|c| c.latency = latency)
    }

    /// The probability that a message is lost: a datagram is dropped, a TCP
    /// segment is retransmitted after a timeout (200 ms, doubling).
    pub fn loss(self, probability: f64) -> Link {
        self.update(|c| c.loss = probability.clamp(0.0, 1.0))
    }

    /// The probability that a datagram arrives twice (TCP is unaffected).
    pub fn duplicate(self, probability: f64) -> Link {
        self.update(|c| c.duplicate = probability.clamp(0.0, 1.0))
    }

    /// Limits the link to `bytes_per_second`: messages queue behind each
    /// other for their transmission time.
    pub fn bandwidth(self, bytes_per_second: u64) -> Link {
        self.update(|c| c.bandwidth = Some(bytes_per_second))
    }
}

fn pair(api: &'static str, a: impl AsHost, b: impl AsHost) -> (Rc<World>, u32, u32) {
    let world = world(api);
    let (a, b) = (a.as_host().id(&world), b.as_host().id(&world));
    (world, a, b)
}

/// Configures the link between `a` and `b`, both ways.
///
/// # Panics
///
/// Outside a simulation, or for an unknown host name.
pub fn link(a: impl AsHost, b: impl AsHost) -> Link {
    let (world, a, b) = pair("simloop::net::link", a, b);
    Link {
        world,
        pairs: Pairs::Both(a, b),
    }
}

/// Configures the link from `from` to `to` only.
///
/// # Panics
///
/// Outside a simulation, or for an unknown host name.
pub fn link_oneway(from: impl AsHost, to: impl AsHost) -> Link {
    let (world, a, b) = pair("simloop::net::link_oneway", from, to);
    Link {
        world,
        pairs: Pairs::OneWay(a, b),
    }
}

/// Configures the links not configured with [`link`] (1 ms, no faults,
/// until changed).
///
/// # Panics
///
/// Outside a simulation.
pub fn default_link() -> Link {
    Link {
        world: world("simloop::net::default_link"),
        pairs: Pairs::Default,
    }
}

/// Cuts `a` and `b` off from each other, both ways: messages in flight and
/// sent later are lost (TCP retransmits them until [`heal`], or times out).
///
/// # Panics
///
/// Outside a simulation, or for an unknown host name.
pub fn partition(a: impl AsHost, b: impl AsHost) {
    let (world, a, b) = pair("simloop::net::partition", a, b);
    world.op(|inner, _| {
        inner.set_cut(a, b, true);
        inner.set_cut(b, a, true);
    });
}

/// Cuts off messages from `from` to `to` only; `to` can still reach
/// `from`.
///
/// # Panics
///
/// Outside a simulation, or for an unknown host name.
pub fn partition_oneway(from: impl AsHost, to: impl AsHost) {
    let (world, a, b) = pair("simloop::net::partition_oneway", from, to);
    world.op(|inner, _| inner.set_cut(a, b, true));
}

/// Heals the partition between `a` and `b`, both ways.
///
/// # Panics
///
/// Outside a simulation, or for an unknown host name.
pub fn heal(a: impl AsHost, b: impl AsHost) {
    let (world, a, b) = pair("simloop::net::heal", a, b);
    world.op(|inner, _| {
        inner.set_cut(a, b, false);
        inner.set_cut(b, a, false);
    });
}

/// Heals the one-way partition from `from` to `to`.
///
/// # Panics
///
/// Outside a simulation, or for an unknown host name.
pub fn heal_oneway(from: impl AsHost, to: impl AsHost) {
    let (world, a, b) = pair("simloop::net::heal_oneway", from, to);
    world.op(|inner, _| inner.set_cut(a, b, false));
}

/// Heals every partition.
///
/// # Panics
///
/// Outside a simulation.
pub fn heal_all() {
    world("simloop::net::heal_all").op(|inner, _| inner.heal_all());
}

/// Whether messages from `from` to `to` are cut off.
///
/// # Panics
///
/// Outside a simulation, or for an unknown host name.
pub fn is_partitioned(from: impl AsHost, to: impl AsHost) -> bool {
    let (world, a, b) = pair("simloop::net::is_partitioned", from, to);
    world.read(|inner| inner.is_cut(a, b))
}

/// Holds the messages between `a` and `b` (both ways) when they arrive,
/// until [`release`]: nothing is lost, everything is late. Use it to build
/// an exact interleaving of messages by hand.
///
/// # Panics
///
/// Outside a simulation, or for an unknown host name.
pub fn hold(a: impl AsHost, b: impl AsHost) {
    let (world, a, b) = pair("simloop::net::hold", a, b);
    world.op(|inner, _| {
        inner.set_held(a, b, true);
        inner.set_held(b, a, true);
    });
}

/// Releases the messages [`hold`] kept: they arrive now, in order per
/// connection.
///
/// # Panics
///
/// Outside a simulation, or for an unknown host name.
pub fn release(a: impl AsHost, b: impl AsHost) {
    let (world, a, b) = pair("simloop::net::release", a, b);
    world.op(|inner, _| {
        inner.set_held(a, b, false);
        inner.set_held(b, a, false);
    });
}

/// The messages in flight (and held), soonest first.
///
/// # Panics
///
/// Outside a simulation.
pub fn in_flight() -> Vec<InFlight> {
    world("simloop::net::in_flight").read(|inner| inner.in_flight())
}

/// How long a TCP segment may fail to get through (partition, crashed
/// peer, loss) before its connection fails with `TimedOut`; 30 s unless
/// changed.
///
/// # Panics
///
/// Outside a simulation.
pub fn set_tcp_timeout(timeout: Duration) {
    world("simloop::net::set_tcp_timeout").op(|inner, _| inner.tcp_timeout = world::nanos(timeout));
}

