//! TCP: [`TcpListener`] and [`TcpStream`], reliable ordered byte streams
//! between simulated hosts, with futures' [`AsyncRead`] and [`AsyncWrite`].

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::io::{AsyncRead, AsyncWrite};

use super::addr::ToSocketAddrs;
use super::world::{World, world};
use crate::task::{WaitReason, wait_on};

/// A TCP socket listening for connections, like `std::net::TcpListener`.
///
/// It belongs to the host of the task that bound it: a crash of that host
/// closes it (later accepts fail with `ConnectionAborted`). Dropping it
/// frees the port and resets the connections not accepted yet.
///
/// ```
/// use futures::{AsyncReadExt, AsyncWriteExt};
/// use simloop::{Sim, net, task};
///
/// Sim::new(1).run(async {
///     let listener = net::TcpListener::bind("127.0.0.1:0").await.unwrap();
///     let addr = listener.local_addr().unwrap();
///     let server = task::spawn(async move {
///         let (mut s, _) = listener.accept().await.unwrap();
///         let mut buf = [0; 5];
///         s.read_exact(&mut buf).await.unwrap();
///         s.write_all(&buf).await.unwrap();
///     });
///     let mut c = net::TcpStream::connect(addr).await.unwrap();
///     c.write_all(b"hello").await.unwrap();
///     let mut back = [0; 5];
///     c.read_exact(&mut back).await.unwrap();
///     assert_eq!(&back, b"hello");
///     server.await.unwrap();
/// }).unwrap();
/// ```
pub struct TcpListener {
    world: Rc<World>,
    id: u32,
    label: Arc<str>,
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("addr", &&*self.label)
            .finish()
    }
}

/// The backlog of [`TcpListener::bind`].
pub const DEFAULT_BACKLOG: usize = 128;

impl TcpListener {
    /// Binds a listener on the current host: `"0.0.0.0:6379"`,
    /// `"127.0.0.1:0"` (port 0 picks a free ephemeral port), the host's own
    /// address or name. Fails with `AddrInUse` if the port is taken and
    /// `AddrNotAvailable` for another host's address.
    ///
    /// # Cancel safety
    ///
    /// It completes at once, on its first poll.
    pub async fn bind(addr: impl ToSocketAddrs) -> io::Result<TcpListener> {
        TcpListener::bind_with_backlog(addr, DEFAULT_BACKLOG).await
    }

    /// Like [`bind`](Self::bind), with room for `backlog` connections
    /// waiting to be accepted (a SYN that finds the backlog full is dropped
    /// and retransmitted, as on Linux).
    ///
    /// # Cancel safety
    ///
    /// It completes at once, on its first poll.
    pub async fn bind_with_backlog(
        addr: impl ToSocketAddrs,
        backlog: usize,
    ) -> io::Result<TcpListener> {
        let target = addr.to_target()?;
        let world = world("simloop::net::TcpListener::bind");
        let (id, label) = world.op(|inner, _| {
            let id = inner.tcp_bind(&target, backlog)?;
            io::Result::Ok((id, inner.listener_label(id)))
        })?;
        Ok(TcpListener { world, id, label })
    }

    /// The address the listener is bound to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.world.read(|inner| inner.listener_addr(self.id)))
    }

    /// Waits for the next connection and returns the stream with the
    /// peer's address.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a connection is only taken off the queue in the poll
    /// that returns it.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        std::future::poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for the next connection (see [`accept`](Self::accept)).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        match self
            .world
            .op(|inner, _| inner.poll_accept(self.id, cx.waker()))
        {
            Some(Ok((conn, peer))) => Poll::Ready(Ok((TcpStream::new(&self.world, conn, 1), peer))),
            Some(Err(e)) => Poll::Ready(Err(e)),
            None => {
                wait_on(WaitReason::new("TcpListener::accept").on(Arc::clone(&self.label)));
                Poll::Pending
            }
        }
    }
}

impl Drop for TcpListener {
    fn drop(&mut self) {
        if self.world.owned_here("dropped") {
            self.world
                .op(|inner, wakers| inner.close_listener(self.id, wakers));
        }
    }
}

/// One end of a TCP connection: reliable, ordered bytes, read and written
/// through futures' [`AsyncRead`] and [`AsyncWrite`] (use
/// `futures::AsyncReadExt` / `AsyncWriteExt`).
///
/// - A read returns what has arrived, `Ok(0)` once the peer shut down its
///   writing side or closed, `ConnectionReset` if the peer reset it, and
///   `TimedOut` if segments could not get through for the network's TCP
///   timeout (see [`set_tcp_timeout`](super::set_tcp_timeout)).
/// - A write queues up to a window of unread bytes (256 KiB) and waits for
///   the reader beyond it. Writing after a reset fails with
///   `ConnectionReset`, then `BrokenPipe`.
/// - [`AsyncWrite::poll_close`] (`close().await`) and
///   [`shutdown`](Self::shutdown) half-close: the peer reads the end of the
///   stream, and can still write back.
/// - Dropping the stream closes it: the peer reads the end of the stream;
///   data it sends afterwards is answered with a reset.
/// - A crash of the stream's host kills it: the peer hears nothing (as
///   from a real crashed machine) until it writes, which resets once the
///   host is back up or times out while it is down.
///
/// # Cancel safety
///
/// Reads and writes are cancel safe: bytes are only taken or queued in the
/// poll that returns them.
pub struct TcpStream {
    inner: Rc<Stream>,
}

struct Stream {
    world: Rc<World>,
    conn: u32,
    side: usize,
    /// `"me -> peer:port"`, made the first time it is needed (a wait or a
    /// debug print): most streams never wait long enough to be named.
    label: std::cell::OnceCell<Arc<str>>,
}

impl Stream {
    fn label(&self) -> Arc<str> {
        Arc::clone(self.label_ref())
    }

    fn label_ref(&self) -> &Arc<str> {
        self.label.get_or_init(|| {
            self.world
                .read(|inner| inner.stream_label(self.conn, self.side))
        })
    }

    /// Notes that the task being polled waits in `operation` on this
    /// stream: nothing is cloned when it waits on the same as last time (a
    /// read after a read), which is nearly every wait.
    fn park(&self, operation: &'static str) {
        if crate::runtime::polled_task().is_some() {
            crate::runtime::try_with(|rt| rt.set_wait(operation, Some(self.label_ref())));
        }
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        if self.world.owned_here("dropped") {
            self.world
                .op(|inner, wakers| inner.tcp_close(self.conn, self.side, false, wakers));
        }
    }
}

/// Resets a connection whose `connect` was dropped before it completed.
struct ConnectGuard {
    world: Rc<World>,
    conn: Option<u32>,
}

impl Drop for ConnectGuard {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take()
            && self.world.owned_here("dropped")
        {
            self.world
                .op(|inner, wakers| inner.tcp_close(conn, 0, true, wakers));
        }
    }
}

impl TcpStream {
    fn new(world: &Rc<World>, conn: u32, side: usize) -> TcpStream {
        TcpStream {
            inner: Rc::new(Stream {
                world: Rc::clone(world),
                conn,
                side,
                label: std::cell::OnceCell::new(),
            }),
        }
    }

    /// Connects to `addr` (`"server:6379"`, `"127.0.0.1:8080"`, a
    /// [`SocketAddr`]) from the current host, through the simulated
    /// network: the handshake takes a round trip. Fails with
    /// `ConnectionRefused` when nothing listens there, `TimedOut` when the
    /// host does not answer (it is down or cut off) within the network's TCP
    /// timeout, `NotFound` for an unknown host name and `HostUnreachable`
    /// for an unknown address.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future before it completes abandons the connection: the
    /// server side, if it got that far, is reset.
    pub async fn connect(addr: impl ToSocketAddrs) -> io::Result<TcpStream> {
        let target = addr.to_target()?;
        let world = world("simloop::net::TcpStream::connect");
        let conn = world.op(|inner, wakers| inner.tcp_connect(&target, wakers))?;
        let mut guard = ConnectGuard {
            world: Rc::clone(&world),
            conn: Some(conn),
        };
        let stream = TcpStream::new(&world, conn, 0);
        std::future::poll_fn(|cx| {
            match world.op(|inner, _| inner.poll_connect(conn, cx.waker())) {
                Some(result) => Poll::Ready(result),
                None => {
                    wait_on(WaitReason::new("TcpStream::connect").on(stream.inner.label()));
                    Poll::Pending
                }
            }
        })
        .await?;
        guard.conn = None;
        Ok(stream)
    }

    /// This end's address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.addrs().0)
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.addrs().1)
    }

    fn addrs(&self) -> (SocketAddr, SocketAddr) {
        let s = &self.inner;
        s.world.read(|inner| inner.stream_addrs(s.conn, s.side))
    }

    /// Shuts down the writing side (a FIN goes to the peer, which reads the
    /// end of the stream); reading goes on.
    pub fn shutdown(&self) -> io::Result<()> {
        let s = &self.inner;
        s.world
            .op(|inner, wakers| inner.shutdown_write(s.conn, s.side, wakers))
    }

    /// Does nothing: segments are never delayed to be coalesced. There for
    /// code written against `std` or tokio.
    pub fn set_nodelay(&self, _nodelay: bool) -> io::Result<()> {
        Ok(())
    }

    /// Splits the stream into a reading and a writing half that can move to
    /// different tasks. Dropping the writing half shuts down writing;
    /// dropping both closes the stream.
    pub fn into_split(self) -> (OwnedReadHalf, OwnedWriteHalf) {
        (
            OwnedReadHalf {
                inner: Rc::clone(&self.inner),
            },
            OwnedWriteHalf { inner: self.inner },
        )
    }
}

fn poll_read(s: &Stream, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
    match s
        .world
        .op(|inner, wakers| inner.poll_read(s.conn, s.side, buf, cx.waker(), wakers))
    {
        Some(r) => Poll::Ready(r),
        None => {
            s.park("TcpStream::read");
            Poll::Pending
        }
    }
}

fn poll_write(s: &Stream, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
    match s
        .world
        .op(|inner, wakers| inner.poll_write(s.conn, s.side, buf, cx.waker(), wakers))
    {
        Some(r) => Poll::Ready(r),
        None => {
            s.park("TcpStream::write");
            Poll::Pending
        }
    }
}

fn shutdown(s: &Stream) -> Poll<io::Result<()>> {
    Poll::Ready(
        s.world
            .op(|inner, wakers| inner.shutdown_write(s.conn, s.side, wakers)),
    )
}

/// The reading half of a [`TcpStream`] (see [`TcpStream::into_split`]).
///
/// # Cancel safety
///
/// Reads are cancel safe, as on the stream.
pub struct OwnedReadHalf {
    inner: Rc<Stream>,
}

/// The writing half of a [`TcpStream`] (see [`TcpStream::into_split`]);
/// dropping it shuts down writing.
///
/// # Cancel safety
///
/// Writes are cancel safe, as on the stream.
pub struct OwnedWriteHalf {
    inner: Rc<Stream>,
}

impl Drop for OwnedWriteHalf {
    fn drop(&mut self) {
        if self.inner.world.owned_here("dropped") {
            let _ = shutdown(&self.inner);
        }
    }
}

/// `Debug` naming the connection, for a stream or one of its halves.
macro_rules! debug_by_label {
    ($($ty:ident),*) => {$(
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("conn", &&*self.inner.label())
                    .finish()
            }
        }
    )*};
}

/// futures' `AsyncRead` over the shared [`poll_read`].
macro_rules! async_read {
    ($($ty:ident),*) => {$(
        impl AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                poll_read(&self.inner, cx, buf)
            }
        }
    )*};
}

/// futures' `AsyncWrite` over the shared [`poll_write`]; closing shuts the
/// stream down for writing (a FIN).
macro_rules! async_write {
    ($($ty:ident),*) => {$(
        impl AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                poll_write(&self.inner, cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                Poll::Ready(Ok(()))
            }

            fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                shutdown(&self.inner)
            }
        }
    )*};
}

/// `peer_addr` for the halves.
macro_rules! peer_addr {
    ($($ty:ident),*) => {$(
        impl $ty {
            /// The peer's address.
            pub fn peer_addr(&self) -> io::Result<SocketAddr> {
                let s = &self.inner;
                Ok(s.world.read(|inner| inner.stream_addrs(s.conn, s.side)).1)
            }
        }
    )*};
}

debug_by_label!(TcpStream, OwnedReadHalf, OwnedWriteHalf);
async_read!(TcpStream, OwnedReadHalf);
async_write!(TcpStream, OwnedWriteHalf);
peer_addr!(OwnedReadHalf, OwnedWriteHalf);
