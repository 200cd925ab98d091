//! TCP and UDP over simloop's simulated network: `tokio::net`.
//!
//! The sockets are `simloop::net`'s: hosts, names, latencies, losses,
//! partitions and crashes all apply (see `simloop::net`). A task that is
//! not on a named host runs on the implicit host, `localhost`, at
//! `127.0.0.1`; a server and its clients there, or on named hosts, talk in
//! virtual time.
//!
//! simloop's sockets are values of the simulation's single thread, while
//! tokio's are `Send`: these wrappers are `Send + Sync` by asserting (with
//! `send_wrapper`, which checks it at run time) that they never leave that
//! thread, which a simulation guarantees. Using one outside its simulation
//! panics.
//!
//! ```
//! # extern crate simloop_tokio as tokio;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//! use tokio::net::{TcpListener, TcpStream};
//! # simloop::Sim::new(1).run(async {
//! let listener = TcpListener::bind("127.0.0.1:7000").await.unwrap();
//! let server = tokio::spawn(async move {
//!     let (mut socket, _) = listener.accept().await.unwrap();
//!     let mut buf = [0u8; 4];
//!     socket.read_exact(&mut buf).await.unwrap();
//!     socket.write_all(&buf).await.unwrap();
//! });
//! let mut client = TcpStream::connect("127.0.0.1:7000").await.unwrap();
//! client.write_all(b"ping").await.unwrap();
//! let mut back = [0u8; 4];
//! client.read_exact(&mut back).await.unwrap();
//! assert_eq!(&back, b"ping");
//! server.await.unwrap();
//! # }).unwrap();
//! ```

use std::cell::RefCell;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures::io::{AsyncRead as FuturesRead, AsyncWrite as FuturesWrite};
use send_wrapper::SendWrapper;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

pub use simloop::net::ToSocketAddrs;

/// Resolves `host` (`"name:port"`, `"ip:port"`, a `SocketAddr` or a
/// `(name, port)` pair) through the simulated network's names.
///
/// # Errors
///
/// If the address is malformed or names no simulated host.
///
/// # Cancel safety
///
/// Nothing to cancel: it resolves at once.
pub async fn lookup_host<T: ToSocketAddrs>(
    host: T,
) -> io::Result<impl Iterator<Item = SocketAddr>> {
    let addr = match host.to_target()? {
        simloop::net::Target::Ip(addr) => addr,
        simloop::net::Target::Name(name, port) => {
            SocketAddr::new(simloop::net::lookup_host(&name)?, port)
        }
    };
    Ok(std::iter::once(addr))
}

/// Reads from a simloop stream into tokio's `ReadBuf`.
fn read_into<S: FuturesRead + Unpin>(
    stream: &mut S,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
) -> Poll<io::Result<()>> {
    let n = ready!(Pin::new(stream).poll_read(cx, buf.initialize_unfilled()))?;
    buf.advance(n);
    Poll::Ready(Ok(()))
}

/// A TCP listener on a simulated host (`tokio::net::TcpListener`).
pub struct TcpListener {
    inner: SendWrapper<simloop::net::TcpListener>,
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpListener")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

impl TcpListener {
    /// Binds to `addr` on the calling task's host (port 0 picks a free one).
    ///
    /// # Errors
    ///
    /// If the address is taken or not the host's.
    ///
    /// # Cancel safety
    ///
    /// Nothing is bound if the future is dropped before it completes.
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        let inner = SendWrapper::new(simloop::net::TcpListener::bind(addr)).await?;
        Ok(TcpListener {
            inner: SendWrapper::new(inner),
        })
    }

    /// Waits for a connection.
    ///
    /// # Errors
    ///
    /// If the host crashed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: no connection is lost.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) = SendWrapper::new(self.inner.accept()).await?;
        Ok((TcpStream::wrap(stream), addr))
    }

    /// Polls for a connection; see [`accept`](TcpListener::accept).
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        self.inner
            .poll_accept(cx)
            .map(|r| r.map(|(s, a)| (TcpStream::wrap(s), a)))
    }

    /// The address the listener is bound to.
    ///
    /// # Errors
    ///
    /// If the listener is closed.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// A TCP connection between simulated hosts (`tokio::net::TcpStream`).
pub struct TcpStream {
    inner: SendWrapper<RefCell<simloop::net::TcpStream>>,
}

impl fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TcpStream")
            .field("local_addr", &self.local_addr().ok())
            .field("peer_addr", &self.peer_addr().ok())
            .finish()
    }
}

impl TcpStream {
    fn wrap(stream: simloop::net::TcpStream) -> TcpStream {
        TcpStream {
            inner: SendWrapper::new(RefCell::new(stream)),
        }
    }

    /// Connects to `addr`.
    ///
    /// # Errors
    ///
    /// If nobody listens there, the host is unreachable or the connection
    /// times out.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future abandons the connection attempt.
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        let stream = SendWrapper::new(simloop::net::TcpStream::connect(addr)).await?;
        Ok(TcpStream::wrap(stream))
    }

    /// This end's address.
    ///
    /// # Errors
    ///
    /// If the stream is closed.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.borrow().local_addr()
    }

    /// The other end's address.
    ///
    /// # Errors
    ///
    /// If the stream is closed.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.borrow().peer_addr()
    }

    /// Does nothing (segments are never coalesced in the simulation).
    ///
    /// # Errors
    ///
    /// Never.
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.inner.borrow().set_nodelay(nodelay)
    }

    /// Always `false`: segments are never delayed.
    ///
    /// # Errors
    ///
    /// Never.
    pub fn nodelay(&self) -> io::Result<bool> {
        Ok(false)
    }

    /// Splits the stream into halves borrowed from it.
    pub fn split(&mut self) -> (tcp::ReadHalf<'_>, tcp::WriteHalf<'_>) {
        (tcp::ReadHalf(self), tcp::WriteHalf(self))
    }

    /// Splits the stream into owned halves that can move to different
    /// tasks. Dropping the write half shuts down writing.
    pub fn into_split(self) -> (tcp::OwnedReadHalf, tcp::OwnedWriteHalf) {
        let (r, w) = self.inner.take().into_inner().into_split();
        (
            tcp::OwnedReadHalf {
                inner: SendWrapper::new(r),
            },
            tcp::OwnedWriteHalf {
                inner: SendWrapper::new(w),
            },
        )
    }

    fn poll_read_inner(&self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        read_into(&mut *self.inner.borrow_mut(), cx, buf)
    }

    fn poll_write_inner(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.inner.borrow_mut()).poll_write(cx, buf)
    }

    fn poll_flush_inner(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.inner.borrow_mut()).poll_flush(cx)
    }

    fn poll_shutdown_inner(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.inner.borrow_mut()).poll_close(cx)
    }
}

impl AsyncRead for TcpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.poll_read_inner(cx, buf)
    }
}

impl AsyncWrite for TcpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_inner(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_flush_inner(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.poll_shutdown_inner(cx)
    }
}

/// The halves of a split [`TcpStream`].
pub mod tcp {
    use super::*;

    /// The reading half of [`TcpStream::split`].
    #[derive(Debug)]
    pub struct ReadHalf<'a>(pub(super) &'a TcpStream);

    /// The writing half of [`TcpStream::split`].
    #[derive(Debug)]
    pub struct WriteHalf<'a>(pub(super) &'a TcpStream);

    impl AsyncRead for ReadHalf<'_> {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            self.0.poll_read_inner(cx, buf)
        }
    }

    impl AsyncWrite for WriteHalf<'_> {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.0.poll_write_inner(cx, buf)
        }

        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.0.poll_flush_inner(cx)
        }

        fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            self.0.poll_shutdown_inner(cx)
        }
    }

    /// The owned reading half of [`TcpStream::into_split`].
    pub struct OwnedReadHalf {
        pub(super) inner: SendWrapper<simloop::net::OwnedReadHalf>,
    }

    /// The owned writing half of [`TcpStream::into_split`]; dropping it shuts
    /// down writing.
    pub struct OwnedWriteHalf {
        pub(super) inner: SendWrapper<simloop::net::OwnedWriteHalf>,
    }

    impl fmt::Debug for OwnedReadHalf {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("OwnedReadHalf").finish_non_exhaustive()
        }
    }

    impl fmt::Debug for OwnedWriteHalf {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("OwnedWriteHalf").finish_non_exhaustive()
        }
    }

    impl OwnedReadHalf {
        /// The other end's address.
        ///
        /// # Errors
        ///
        /// If the stream is closed.
        pub fn peer_addr(&self) -> io::Result<SocketAddr> {
            self.inner.peer_addr()
        }
    }

    impl OwnedWriteHalf {
        /// The other end's address.
        ///
        /// # Errors
        ///
        /// If the stream is closed.
        pub fn peer_addr(&self) -> io::Result<SocketAddr> {
            self.inner.peer_addr()
        }
    }

    impl AsyncRead for OwnedReadHalf {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            read_into(&mut *self.get_mut().inner, cx, buf)
        }
    }

    impl AsyncWrite for OwnedWriteHalf {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut *self.get_mut().inner).poll_write(cx, buf)
        }

        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut *self.get_mut().inner).poll_flush(cx)
        }

        fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut *self.get_mut().inner).poll_close(cx)
        }
    }
}

/// A UDP socket on a simulated host (`tokio::net::UdpSocket`).
pub struct UdpSocket {
    inner: SendWrapper<simloop::net::UdpSocket>,
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UdpSocket")
            .field("local_addr", &self.local_addr().ok())
            .finish()
    }
}

impl UdpSocket {
    /// Binds to `addr` on the calling task's host.
    ///
    /// # Errors
    ///
    /// If the address is taken or not the host's.
    ///
    /// # Cancel safety
    ///
    /// Nothing is bound if the future is dropped before it completes.
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<UdpSocket> {
        let inner = SendWrapper::new(simloop::net::UdpSocket::bind(addr)).await?;
        Ok(UdpSocket {
            inner: SendWrapper::new(inner),
        })
    }

    /// Sets the default peer of [`send`](UdpSocket::send) and
    /// [`recv`](UdpSocket::recv).
    ///
    /// # Errors
    ///
    /// If the address does not resolve.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn connect<A: ToSocketAddrs>(&self, addr: A) -> io::Result<()> {
        SendWrapper::new(self.inner.connect(addr)).await
    }

    /// Sends a datagram to `target`.
    ///
    /// # Errors
    ///
    /// If the address does not resolve or the socket is closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the datagram is sent whole or not at all.
    pub async fn send_to<A: ToSocketAddrs>(&self, buf: &[u8], target: A) -> io::Result<usize> {
        SendWrapper::new(self.inner.send_to(buf, target)).await
    }

    /// Sends a datagram to the connected peer.
    ///
    /// # Errors
    ///
    /// If the socket is not connected or is closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        SendWrapper::new(self.inner.send(buf)).await
    }

    /// Waits for a datagram and its sender.
    ///
    /// # Errors
    ///
    /// If the socket is closed (its host crashed).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: no datagram is lost.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        SendWrapper::new(self.inner.recv_from(buf)).await
    }

    /// Waits for a datagram from the connected peer.
    ///
    /// # Errors
    ///
    /// If the socket is closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        SendWrapper::new(self.inner.recv(buf)).await
    }

    /// The address the socket is bound to.
    ///
    /// # Errors
    ///
    /// If the socket is closed.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// The connected peer.
    ///
    /// # Errors
    ///
    /// If the socket is not connected.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.inner.peer_addr()
    }
}
