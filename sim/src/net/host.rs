//! Simulated hosts: [`host`], [`HostBuilder`], [`Host`] (crash, restart)
//! and [`current_host`].

use std::fmt;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use super::world::{self, Factory, World, world};
use crate::runtime::{self, HostId};
use crate::task::{self, JoinHandle};
use crate::time::Instant;

/// A simulated machine: a name, an address, the tasks spawned on it and the
/// sockets they opened. A cheap handle; clones name the same host.
///
/// Tasks spawned by a task of the host belong to it too.
/// [`crash`](Self::crash) drops all of them at once and kills its sockets;
/// [`restart`](Self::restart) brings it back with fresh state by running
/// its factory again.
#[derive(Clone)]
pub struct Host {
    world: Rc<World>,
    id: HostId,
}

impl fmt::Debug for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Host")
            .field("name", &self.name())
            .field("ip", &self.ip())
            .finish()
    }
}

impl PartialEq for Host {
    fn eq(&self, other: &Host) -> bool {
        Rc::ptr_eq(&self.world, &other.world) && self.id == other.id
    }
}

impl Eq for Host {}

/// Why a host could not be created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot create host: {reason}")]
pub struct HostError {
    reason: String,
}

/// Creates a host called `name` with the next free address (10.0.0.2,
/// 10.0.0.3, ...) and starts it: `factory()` runs as its first task (named
/// after the host). [`Host::restart`] runs the factory again.
///
/// # Panics
///
/// Outside a simulation, or if a host of that name exists.
pub fn host<F, Fut>(name: impl Into<Arc<str>>, factory: F) -> Host
where
    F: Fn() -> Fut + 'static,
    Fut: Future + 'static,
{
    HostBuilder::new(name)
        .build(factory)
        .unwrap_or_else(|e| panic!("simloop::net::host: {e}"))
}

/// Configures a host before creating it (see [`host`]).
///
/// ```
/// use std::time::Duration;
/// use simloop::{Sim, net, time};
///
/// Sim::new(1).run(async {
///     let h = net::HostBuilder::new("db")
///         .ip("10.1.0.5".parse().unwrap())
///         .clock_offset(Duration::from_secs(3))
///         .build(|| async {
///             // A host's clock may run ahead of the simulation's.
///             assert_eq!(net::local_time() - time::now(), Duration::from_secs(3));
///         })
///         .unwrap();
///     assert_eq!(h.ip().to_string(), "10.1.0.5");
///     assert_eq!(net::lookup_host("db").unwrap(), h.ip());
/// }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct HostBuilder {
    name: Arc<str>,
    ip: Option<IpAddr>,
    clock_offset: Duration,
}

impl HostBuilder {
    /// A host called `name`.
    pub fn new(name: impl Into<Arc<str>>) -> HostBuilder {
        HostBuilder {
            name: name.into(),
            ip: None,
            clock_offset: Duration::ZERO,
        }
    }

    /// Gives the host this address instead of the next free one.
    pub fn ip(mut self, ip: IpAddr) -> HostBuilder {
        self.ip = Some(ip);
        self
    }

    /// Makes the host's clock ([`local_time`]) run `offset` ahead of the
    /// simulation's.
    pub fn clock_offset(mut self, offset: Duration) -> HostBuilder {
        self.clock_offset = offset;
        self
    }

    /// Creates the host and starts it (see [`host`]).
    ///
    /// # Errors
    ///
    /// If the name or the address is taken.
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    pub fn build<F, Fut>(self, factory: F) -> Result<Host, HostError>
    where
        F: Fn() -> Fut + 'static,
        Fut: Future + 'static,
    {
        let factory: Factory = Rc::new(move || {
            let fut = factory();
            Box::pin(async move {
                fut.await;
            })
        });
        let world = world("simloop::net::host");
        let id = world
            .op(|inner, _| inner.add_host(self.name, self.ip, Some(factory), self.clock_offset))
            .map_err(|reason| HostError { reason })?;
        let host = Host { world, id };
        host.start();
        Ok(host)
    }
}

impl Host {
    /// The host's name.
    pub fn name(&self) -> Arc<str> {
        self.world.read(|inner| inner.host_name(self.id))
    }

    /// The host's address.
    pub fn ip(&self) -> IpAddr {
        self.world.read(|inner| inner.hosts[self.id as usize].ip)
    }

    /// Whether the host is running (not crashed).
    pub fn is_up(&self) -> bool {
        self.world.read(|inner| inner.hosts[self.id as usize].up)
    }

    pub(crate) fn from_id(world: Rc<World>, id: HostId) -> Host {
        Host { world, id }
    }

    /// Spawns `future` as a task of this host (as if one of its tasks had
    /// spawned it).
    ///
    /// # Panics
    ///
    /// Outside a simulation.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        runtime::with("simloop::net::Host::spawn", |rt| {
            rt.spawning_on(self.id, || task::spawn(future))
        })
    }

    fn start(&self) {
        let (factory, name) = self.world.op(|inner, _| {
            inner.set_up(self.id);
            let h = &inner.hosts[self.id as usize];
            (h.factory.clone(), Arc::clone(&h.name))
        });
        if let Some(factory) = factory {
            runtime::with("simloop::net::Host::restart", |rt| {
                rt.spawning_on(self.id, || drop(task::spawn_named(name, factory())))
            });
        }
    }

    /// Crashes the host: every task of it is dropped at once (their handles
    /// resolve as cancelled), its sockets die and its ports are freed.
    /// Peers see what a real crash shows: silence, then resets once it is
    /// back up. Does nothing if it is already down.
    ///
    /// # Panics
    ///
    /// For the implicit host of the simulation (it runs the root task).
    pub fn crash(&self) {
        assert!(
            self.id != 0,
            "simloop::net::Host::crash: the implicit host runs the root task and cannot crash"
        );
        let was_up = self.is_up();
        self.world.op(|inner, wakers| inner.crash(self.id, wakers));
        if was_up {
            // The destructors run outside the network's state.
            runtime::with("simloop::net::Host::crash", |rt| {
                rt.drop_host_tasks(self.id);
            });
        }
    }

    /// Restarts the host: crashes it if it is up, then runs its factory
    /// again on fresh state (new sockets, nothing of the old tasks).
    pub fn restart(&self) {
        if self.is_up() {
            self.crash();
        }
        self.start();
    }
}

/// The host of the running task (the implicit host `main`, address
/// 10.0.0.1, outside any host).
///
/// # Panics
///
/// Outside a simulation.
pub fn current_host() -> Host {
    Host {
        world: world("simloop::net::current_host"),
        id: world::current_host(),
    }
}

/// The current host's clock: the simulation's [`now`](crate::time::now)
/// plus the host's clock offset.
///
/// # Panics
///
/// Outside a simulation.
pub fn local_time() -> Instant {
    let world = world("simloop::net::local_time");
    let host = world::current_host();
    let offset = world.read(|inner| inner.hosts[host as usize].clock_offset);
    crate::time::now() + offset
}

/// Resolves a host name (`"server"`, `"localhost"`) or address to its IP.
///
/// # Errors
///
/// `NotFound` if no host has that name.
///
/// # Panics
///
/// Outside a simulation.
pub fn lookup_host(name: &str) -> io::Result<IpAddr> {
    let world = world("simloop::net::lookup_host");
    let target = super::addr::ToSocketAddrs::to_target(&(name, 0))?;
    let from = world::current_host();
    world
        .read(|inner| inner.resolve(from, &target))
        .map(|(_, a)| a.ip())
}

/// Every host of the simulation, the implicit one first.
///
/// # Panics
///
/// Outside a simulation.
pub fn hosts() -> Vec<Host> {
    let world = world("simloop::net::hosts");
    let n = world.read(|inner| inner.hosts.len() as HostId);
    (0..n)
        .map(|id| Host::from_id(Rc::clone(&world), id))
        .collect()
}

/// Names a host in the link and partition functions: its name (`&str`,
/// `String`) or a [`Host`].
pub trait AsHost {
    #[doc(hidden)]
    fn as_host(&self) -> HostRef<'_>;
}

/// A host named by an [`AsHost`].
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct HostRef<'a>(Sel<'a>);

#[derive(Debug, Clone, Copy)]
enum Sel<'a> {
    Name(&'a str),
    Id(HostId),
}

impl HostRef<'_> {
    /// The host's id in `world`.
    ///
    /// # Panics
    ///
    /// For an unknown name.
    pub(crate) fn id(self, world: &World) -> HostId {
        match self.0 {
            Sel::Id(id) => id,
            Sel::Name(name) => world
                .read(|inner| inner.host_by_name(name))
                .unwrap_or_else(|| panic!("simloop::net: no host named {name:?}")),
        }
    }
}

impl AsHost for &str {
    fn as_host(&self) -> HostRef<'_> {
        HostRef(Sel::Name(self))
    }
}

impl AsHost for String {
    fn as_host(&self) -> HostRef<'_> {
        HostRef(Sel::Name(self))
    }
}

impl AsHost for &Host {
    fn as_host(&self) -> HostRef<'_> {
        HostRef(Sel::Id(self.id))
    }
}

impl AsHost for Host {
    fn as_host(&self) -> HostRef<'_> {
        HostRef(Sel::Id(self.id))
    }
}
