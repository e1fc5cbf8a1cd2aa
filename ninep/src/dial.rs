//! Plan 9 dial strings (`unix!/path`, `tcp!host!port`) and the byte streams
//! 9P runs over. dial(2) also accepts `net!` for "any network" and service
//! names for ports; of those only `9fs` (564) matters here.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;

/// The default 9P port (`9fs` in /lib/ndb/common).
pub const PORT_9FS: u16 = 564;

/// A parsed dial string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DialAddr {
    Unix(PathBuf),
    /// Host as written (`*` means every interface when listening).
    Tcp(String, u16),
}

impl DialAddr {
    /// Parses `unix!PATH`, `tcp!HOST!PORT`, `net!HOST!PORT` or `tcp!HOST`
    /// (port 564). A bare path starting with `/` is taken as a unix socket.
    pub fn parse(s: &str) -> io::Result<DialAddr> {
        let bad = || {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("bad dial string {s:?}"),
            )
        };
        if s.starts_with('/') {
            return Ok(DialAddr::Unix(s.into()));
        }
        let mut parts = s.splitn(3, '!');
        let net = parts.next().ok_or_else(bad)?;
        let rest = parts.next().ok_or_else(bad)?;
        match net {
            "unix" => {
                // A unix path may itself contain '!': take everything after "unix!".
                let path = &s["unix!".len()..];
                if path.is_empty() {
                    return Err(bad());
                }
                Ok(DialAddr::Unix(path.into()))
            }
            "tcp" | "net" => {
                if rest.is_empty() {
                    return Err(bad());
                }
                let port = match parts.next() {
                    None | Some("9fs") => PORT_9FS,
                    Some(p) => p.parse().map_err(|_| bad())?,
                };
                Ok(DialAddr::Tcp(rest.to_string(), port))
            }
            _ => Err(bad()),
        }
    }

    /// Connects to the address.
    pub fn connect(&self) -> io::Result<Stream> {
        match self {
            DialAddr::Unix(p) => UnixStream::connect(p).map(Stream::Unix),
            DialAddr::Tcp(host, port) => {
                let s = TcpStream::connect((host.as_str(), *port))?;
                // 9P is request/response with small messages: Nagle only adds latency.
                s.set_nodelay(true)?;
                Ok(Stream::Tcp(s))
            }
        }
    }

    /// Binds a listener at the address (`tcp!*!PORT` listens everywhere).
    pub fn listen(&self) -> io::Result<Listener> {
        match self {
            DialAddr::Unix(p) => UnixListener::bind(p).map(|l| Listener::Unix(l, p.clone())),
            DialAddr::Tcp(host, port) => {
                let host = if host == "*" { "0.0.0.0" } else { host };
                TcpListener::bind((host, *port)).map(Listener::Tcp)
            }
        }
    }
}

impl fmt::Display for DialAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DialAddr::Unix(p) => write!(f, "unix!{}", p.display()),
            DialAddr::Tcp(h, p) => write!(f, "tcp!{h}!{p}"),
        }
    }
}

/// A duplex byte stream 9P can run over: it must be cloneable into an
/// independent handle (reader and writer threads) and shut down from any
/// handle (to wake a blocked reader).
pub trait Transport: Read + Write + Send + 'static {
    fn try_clone(&self) -> io::Result<Self>
    where
        Self: Sized;
    fn shutdown(&self) -> io::Result<()>;
    /// Writes one whole frame. Sockets override this to send without
    /// SIGPIPE: a peer hanging up must be an error, not a signal to a
    /// process whose signals belong to its guest.
    fn write_frame(&mut self, frame: &[u8]) -> io::Result<()> {
        self.write_all(frame)
    }
}

/// send(2) with MSG_NOSIGNAL until the whole buffer is gone.
fn send_all(fd: impl std::os::fd::AsFd, mut buf: &[u8]) -> io::Result<()> {
    use rustix::net::{send, SendFlags};
    let fd = fd.as_fd();
    while !buf.is_empty() {
        match send(fd, buf, SendFlags::NOSIGNAL) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => buf = &buf[n..],
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

impl Transport for UnixStream {
    fn try_clone(&self) -> io::Result<Self> {
        UnixStream::try_clone(self)
    }
    fn shutdown(&self) -> io::Result<()> {
        UnixStream::shutdown(self, Shutdown::Both)
    }
    fn write_frame(&mut self, frame: &[u8]) -> io::Result<()> {
        send_all(&*self, frame)
    }
}

impl Transport for TcpStream {
    fn try_clone(&self) -> io::Result<Self> {
        TcpStream::try_clone(self)
    }
    fn shutdown(&self) -> io::Result<()> {
        TcpStream::shutdown(self, Shutdown::Both)
    }
    fn write_frame(&mut self, frame: &[u8]) -> io::Result<()> {
        send_all(&*self, frame)
    }
}

/// A connected unix or TCP stream, as `dial` returns it.
#[derive(Debug)]
pub enum Stream {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.read(buf),
            Stream::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.write(buf),
            Stream::Tcp(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Transport for Stream {
    fn try_clone(&self) -> io::Result<Self> {
        match self {
            Stream::Unix(s) => s.try_clone().map(Stream::Unix),
            Stream::Tcp(s) => s.try_clone().map(Stream::Tcp),
        }
    }
    fn shutdown(&self) -> io::Result<()> {
        match self {
            Stream::Unix(s) => Transport::shutdown(s),
            Stream::Tcp(s) => Transport::shutdown(s),
        }
    }
    fn write_frame(&mut self, frame: &[u8]) -> io::Result<()> {
        match self {
            Stream::Unix(s) => s.write_frame(frame),
            Stream::Tcp(s) => s.write_frame(frame),
        }
    }
}

/// A bound unix or TCP listener. A unix listener removes its socket file
/// when dropped, so a restarted server can bind the same path.
#[derive(Debug)]
pub enum Listener {
    Unix(UnixListener, PathBuf),
    Tcp(TcpListener),
}

impl Listener {
    /// Waits for the next connection and names its peer for the log.
    pub fn accept(&self) -> io::Result<(Stream, String)> {
        match self {
            Listener::Unix(l, p) => {
                let (s, _) = l.accept()?;
                Ok((Stream::Unix(s), format!("unix!{}", p.display())))
            }
            Listener::Tcp(l) => {
                let (s, peer) = l.accept()?;
                s.set_nodelay(true)?;
                Ok((Stream::Tcp(s), format!("tcp!{}!{}", peer.ip(), peer.port())))
            }
        }
    }

    /// The dial string a client would use to reach this listener (with the
    /// real port when bound to port 0).
    pub fn dial_string(&self) -> io::Result<String> {
        match self {
            Listener::Unix(_, p) => Ok(format!("unix!{}", p.display())),
            Listener::Tcp(l) => {
                let a = l.local_addr()?;
                let ip = if a.ip().is_unspecified() {
                    "127.0.0.1".to_string()
                } else {
                    a.ip().to_string()
                };
                Ok(format!("tcp!{ip}!{}", a.port()))
            }
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Listener::Unix(_, p) = self {
            let _ = std::fs::remove_file(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plan9_dial_strings() {
        let p = |s| DialAddr::parse(s).unwrap();
        assert_eq!(p("unix!/tmp/s"), DialAddr::Unix("/tmp/s".into()));
        assert_eq!(p("unix!/tmp/a!b"), DialAddr::Unix("/tmp/a!b".into()));
        assert_eq!(p("/srv/x"), DialAddr::Unix("/srv/x".into()));
        assert_eq!(p("tcp!host!5640"), DialAddr::Tcp("host".into(), 5640));
        assert_eq!(p("net!10.0.0.1!9fs"), DialAddr::Tcp("10.0.0.1".into(), 564));
        assert_eq!(p("tcp!host"), DialAddr::Tcp("host".into(), 564));
        assert_eq!(p("tcp!*!0"), DialAddr::Tcp("*".into(), 0));
        for bad in [
            "",
            "unix",
            "unix!",
            "tcp!",
            "tcp!h!port",
            "tcp!h!70000",
            "udp!h!1",
            "il!h!1",
        ] {
            assert!(DialAddr::parse(bad).is_err(), "{bad:?} should not parse");
        }
        assert_eq!(p("tcp!h!1").to_string(), "tcp!h!1");
    }
}
