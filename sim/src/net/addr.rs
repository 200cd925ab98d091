//! Addresses the sockets accept: `"server:6379"`, `"127.0.0.1:0"`, a
//! [`SocketAddr`] or a `(host, port)` pair, resolved by the simulated
//! network's names.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// An address before resolution: a host name or an IP, and a port.
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A literal IP address.
    Ip(SocketAddr),
    /// A host name (`localhost` or a simulated host's name).
    Name(String, u16),
}

mod sealed {
    pub trait Sealed {}
}

/// Something that names a socket address in the simulated network, like
/// `std::net::ToSocketAddrs` but resolved by the simulation: host names are
/// the names given to [`host`](super::host), and `localhost` is the host the
/// calling task runs on.
///
/// Implemented for `&str` and `String` (`"name:port"` or `"ip:port"`),
/// [`SocketAddr`], and `(name or ip, port)` pairs.
pub trait ToSocketAddrs: sealed::Sealed {
    #[doc(hidden)]
    fn to_target(&self) -> io::Result<Target>;
}

fn parse(s: &str) -> io::Result<Target> {
    if let Ok(addr) = s.parse::<SocketAddr>() {
        return Ok(Target::Ip(addr));
    }
    let invalid = || {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("invalid socket address {s:?}: expected \"host:port\""),
        )
    };
    let (host, port) = s.rsplit_once(':').ok_or_else(invalid)?;
    let port = port.parse::<u16>().map_err(|_| invalid())?;
    name_target(host, port)
}

fn name_target(host: &str, port: u16) -> io::Result<Target> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(Target::Ip(SocketAddr::new(ip, port)));
    }
    if host.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "empty host name in socket address",
        ));
    }
    Ok(Target::Name(host.to_owned(), port))
}

impl sealed::Sealed for str {}
impl ToSocketAddrs for str {
    fn to_target(&self) -> io::Result<Target> {
        parse(self)
    }
}
impl sealed::Sealed for &str {}
impl ToSocketAddrs for &str {
    fn to_target(&self) -> io::Result<Target> {
        parse(self)
    }
}
impl sealed::Sealed for String {}
impl ToSocketAddrs for String {
    fn to_target(&self) -> io::Result<Target> {
        parse(self)
    }
}
impl sealed::Sealed for &String {}
impl ToSocketAddrs for &String {
    fn to_target(&self) -> io::Result<Target> {
        parse(self)
    }
}
impl sealed::Sealed for SocketAddr {}
impl ToSocketAddrs for SocketAddr {
    fn to_target(&self) -> io::Result<Target> {
        Ok(Target::Ip(*self))
    }
}
impl sealed::Sealed for &SocketAddr {}
impl ToSocketAddrs for &SocketAddr {
    fn to_target(&self) -> io::Result<Target> {
        Ok(Target::Ip(**self))
    }
}
impl sealed::Sealed for (&str, u16) {}
impl ToSocketAddrs for (&str, u16) {
    fn to_target(&self) -> io::Result<Target> {
        name_target(self.0, self.1)
    }
}
impl sealed::Sealed for (String, u16) {}
impl ToSocketAddrs for (String, u16) {
    fn to_target(&self) -> io::Result<Target> {
        name_target(&self.0, self.1)
    }
}
impl sealed::Sealed for (IpAddr, u16) {}
impl ToSocketAddrs for (IpAddr, u16) {
    fn to_target(&self) -> io::Result<Target> {
        Ok(Target::Ip(SocketAddr::new(self.0, self.1)))
    }
}
impl sealed::Sealed for (Ipv4Addr, u16) {}
impl ToSocketAddrs for (Ipv4Addr, u16) {
    fn to_target(&self) -> io::Result<Target> {
        Ok(Target::Ip(SocketAddr::new(IpAddr::V4(self.0), self.1)))
    }
}

/// The address of the `index`th host: 10.0.0.1 for the implicit host, then
/// 10.0.0.2, 10.0.0.3, ...
pub(crate) fn host_ip(index: u32) -> IpAddr {
    let n = index + 1;
    IpAddr::V4(Ipv4Addr::new(10, (n >> 16) as u8, (n >> 8) as u8, n as u8))
}
