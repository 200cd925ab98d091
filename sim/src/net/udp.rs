//! UDP: [`UdpSocket`], datagrams that links may lose, duplicate and
//! reorder.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::addr::{Target, ToSocketAddrs};
use super::world::{World, world};
use crate::task::{WaitReason, wait_on};

/// A UDP socket, like `std::net::UdpSocket` with async sends and receives.
///
/// Datagrams cross the link between the two hosts: each may be lost,
/// duplicated or delayed by its own latency draw (so later ones can
/// overtake earlier ones), and those arriving at the same instant come in
/// the order the strategy picks. A datagram for a port nobody bound, for a
/// host that is down or across a partition is dropped silently. A receive
/// buffer smaller than the datagram gets its first bytes; the rest is lost.
///
/// The socket belongs to the host of the task that bound it and dies with
/// it when that host crashes.
///
/// ```
/// use simloop::{Sim, net};
///
/// Sim::new(1).run(async {
///     let a = net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
///     let b = net::UdpSocket::bind("127.0.0.1:9000").await.unwrap();
///     a.send_to(b"ping", "127.0.0.1:9000").await.unwrap();
///     let mut buf = [0; 16];
///     let (n, from) = b.recv_from(&mut buf).await.unwrap();
///     assert_eq!(&buf[..n], b"ping");
///     assert_eq!(from, a.local_addr().unwrap());
/// }).unwrap();
/// ```
pub struct UdpSocket {
    world: Rc<World>,
    id: u32,
    label: Arc<str>,
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("addr", &&*self.label)
            .finish()
    }
}

impl UdpSocket {
    /// Binds a socket on the current host (port 0 picks an ephemeral one).
    ///
    /// # Cancel safety
    ///
    /// It completes at once, on its first poll.
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<UdpSocket> {
        let target = addr.to_target()?;
        let world = world("simloop::net::UdpSocket::bind");
        let (id, label) = world.op(|inner, _| {
            let id = inner.udp_bind(&target)?;
            io::Result::Ok((id, inner.udp_label(id)))
        })?;
        Ok(UdpSocket { world, id, label })
    }

    /// The address the socket is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.world.read(|inner| inner.udp_addr(self.id)))
    }

    /// The address given to [`connect`](Self::connect), if any.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.world
            .read(|inner| inner.udp_peer(self.id))
            .ok_or_else(|| {
                io::Error::new(io::ErrorKind::NotConnected, "the socket is not connected")
            })
    }

    /// Sets the default destination of [`send`](Self::send).
    ///
    /// # Cancel safety
    ///
    /// It completes at once, on its first poll.
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> io::Result<()> {
        let target = addr.to_target()?;
        self.world
            .op(|inner, _| inner.udp_connect(self.id, &target))
    }

    /// Sends one datagram to `target`; returns its length once it is on
    /// the wire (whether it arrives is up to the network).
    ///
    /// # Cancel safety
    ///
    /// It completes at once, on its first poll.
    pub async fn send_to(&self, buf: &[u8], target: impl ToSocketAddrs) -> io::Result<usize> {
        let target = target.to_target()?;
        self.world
            .op(|inner, wakers| inner.udp_send(self.id, &target, buf, wakers))
    }

    /// Sends one datagram to the connected peer.
    ///
    /// # Cancel safety
    ///
    /// It completes at once, on its first poll.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        let peer = self.peer_addr()?;
        self.world
            .op(|inner, wakers| inner.udp_send(self.id, &Target::Ip(peer), buf, wakers))
    }

    /// Waits for the next datagram; returns its length (at most
    /// `buf.len()`) and sender.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a datagram is only taken in the poll that returns it.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        std::future::poll_fn(|cx| self.poll_recv_from(cx, buf)).await
    }

    /// Waits for the next datagram, ignoring its sender.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe, as [`recv_from`](Self::recv_from).
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(self.recv_from(buf).await?.0)
    }

    /// Polls for the next datagram (see [`recv_from`](Self::recv_from)).
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        match self
            .world
            .op(|inner, _| inner.poll_recv(self.id, buf, cx.waker()))
        {
            Some(r) => Poll::Ready(r),
            None => {
                wait_on(WaitReason::new("UdpSocket::recv").on(Arc::clone(&self.label)));
                Poll::Pending
            }
        }
    }
}

impl Drop for UdpSocket {
    fn drop(&mut self) {
        if self.world.owned_here("dropped") {
            self.world.op(|inner, _| inner.close_udp(self.id));
        }
    }
}
