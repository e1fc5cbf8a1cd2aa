//! Conversations of `#I`: one host socket each, numbered per protocol as
//! 9front numbers them (`/net/tcp/0`, `/net/tcp/1`, …), and the ctl
//! messages that drive them.
//!
//! A conversation lives as long as some fid of it (its ctl, data, …) is
//! open: the table only holds weak references, so closing the last file
//! closes the host socket, as 9front's conversation is freed with its last
//! file. Guest processes are forked host processes, so each process has its
//! own copy of the table; the host sockets themselves are shared by fork.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::{Arc, Mutex, Weak};

use rustix::net::{AddressFamily, SocketAddrAny, SocketAddrUnix, SocketFlags, SocketType};

use crate::error::*;

/// The protocol directories of `#I`. 9front's `tcp` and `udp` speak both
/// address families; here a conversation's host socket is made when it is
/// cloned, before any address is known, so the IPv6 ones have their own
/// directories. `unix`, `unixdgram` and `unixseqpacket` are a ninux extension: host AF_UNIX
/// sockets, whose addresses are host paths (the personality resolves guest
/// paths in the namespace first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Proto {
    Tcp,
    Udp,
    Tcp6,
    Udp6,
    Unix,
    UnixDgram,
    UnixSeqpacket,
}

pub const PROTOS: &[Proto] = &[
    Proto::Tcp,
    Proto::Udp,
    Proto::Tcp6,
    Proto::Udp6,
    Proto::Unix,
    Proto::UnixDgram,
    Proto::UnixSeqpacket,
];

impl Proto {
    pub fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Tcp6 => "tcp6",
            Proto::Udp6 => "udp6",
            Proto::Unix => "unix",
            Proto::UnixDgram => "unixdgram",
            Proto::UnixSeqpacket => "unixseqpacket",
        }
    }
    pub fn from_name(s: &str) -> Option<Proto> {
        PROTOS.iter().copied().find(|p| p.name() == s)
    }
    pub fn index(self) -> usize {
        PROTOS.iter().position(|&p| p == self).unwrap_or(0)
    }
    fn host(self) -> (AddressFamily, SocketType) {
        match self {
            Proto::Tcp => (AddressFamily::INET, SocketType::STREAM),
            Proto::Udp => (AddressFamily::INET, SocketType::DGRAM),
            Proto::Tcp6 => (AddressFamily::INET6, SocketType::STREAM),
            Proto::Udp6 => (AddressFamily::INET6, SocketType::DGRAM),
            Proto::Unix => (AddressFamily::UNIX, SocketType::STREAM),
            Proto::UnixDgram => (AddressFamily::UNIX, SocketType::DGRAM),
            Proto::UnixSeqpacket => (AddressFamily::UNIX, SocketType::SEQPACKET),
        }
    }
    pub fn is_unix(self) -> bool {
        matches!(self, Proto::Unix | Proto::UnixDgram | Proto::UnixSeqpacket)
    }
    /// Connection-oriented: listen and accept apply.
    pub fn is_stream(self) -> bool {
        matches!(
            self,
            Proto::Tcp | Proto::Tcp6 | Proto::Unix | Proto::UnixSeqpacket
        )
    }
}

/// One conversation: a host socket and what ctl made of it.
pub struct Conv {
    pub proto: Proto,
    pub id: usize,
    fd: OwnedFd,
    /// 9front's state word for `status`: Closed, Connected, Announced…
    state: Mutex<&'static str>,
    /// AF_UNIX names as the guest gave them (the host socket knows only the
    /// host path): (local, remote).
    names: Mutex<(String, String)>,
}

type Table = Mutex<Vec<Vec<Weak<Conv>>>>;

static CONVS: Table = Mutex::new(Vec::new());

fn insert(proto: Proto, at: Option<usize>, fd: OwnedFd) -> Arc<Conv> {
    let mut t = CONVS.lock().unwrap_or_else(|e| e.into_inner());
    if t.len() < PROTOS.len() {
        t.resize(PROTOS.len(), Vec::new());
    }
    let list = &mut t[proto.index()];
    let id = at.unwrap_or_else(|| {
        list.iter()
            .position(|w| w.strong_count() == 0)
            .unwrap_or(list.len())
    });
    if list.len() <= id {
        list.resize(id + 1, Weak::new());
    }
    let c = Arc::new(Conv {
        proto,
        id,
        fd,
        state: Mutex::new("Closed"),
        names: Mutex::new(Default::default()),
    });
    list[id] = Arc::downgrade(&c);
    c
}

/// The live conversation `id` of `proto`.
pub fn lookup(proto: Proto, id: usize) -> Option<Arc<Conv>> {
    let t = CONVS.lock().unwrap_or_else(|e| e.into_inner());
    t.get(proto.index())?.get(id)?.upgrade()
}

/// The live conversations of `proto`, by number.
pub fn live(proto: Proto) -> Vec<usize> {
    let t = CONVS.lock().unwrap_or_else(|e| e.into_inner());
    t.get(proto.index()).map_or(Vec::new(), |l| {
        (0..l.len()).filter(|&i| l[i].strong_count() > 0).collect()
    })
}

/// A new conversation with a fresh host socket (opening `clone`).
pub fn clone_conv(proto: Proto) -> Result<Arc<Conv>> {
    let (fam, typ) = proto.host();
    let fd = rustix::net::socket_with(fam, typ, SocketFlags::CLOEXEC, None)?;
    Ok(insert(proto, None, fd))
}

/// A conversation around a host socket made elsewhere: one inherited across
/// an exec (`at`: keep its number, so its path still names it), one passed
/// in an SCM_RIGHTS message, or one end of a socketpair.
pub fn adopt(proto: Proto, at: Option<usize>, fd: OwnedFd) -> Arc<Conv> {
    let c = insert(proto, at, fd);
    *c.state.lock().unwrap() = "Established";
    c
}

/// A connected pair of AF_UNIX conversations (socketpair(2); 9front's
/// pipe is the same idea).
pub fn pair(proto: Proto) -> Result<(Arc<Conv>, Arc<Conv>)> {
    let (fam, typ) = proto.host();
    if fam != AddressFamily::UNIX {
        return Err(ENOTSUP);
    }
    let (a, b) = rustix::net::socketpair(fam, typ, SocketFlags::CLOEXEC, None)?;
    Ok((adopt(proto, None, a), adopt(proto, None, b)))
}

/// A 9front address `host!port` (`*` for any host) as a host address.
pub fn parse_ip(proto: Proto, s: &str) -> Result<SocketAddr> {
    let (h, p) = s.rsplit_once('!').ok_or(EBADADDR)?;
    let port: u16 = p.parse().map_err(|_| EBADADDR)?;
    let v6 = matches!(proto, Proto::Tcp6 | Proto::Udp6);
    let ip: IpAddr = match h {
        "*" if v6 => Ipv6Addr::UNSPECIFIED.into(),
        "*" => Ipv4Addr::UNSPECIFIED.into(),
        _ => h.parse().map_err(|_| EBADADDR)?,
    };
    Ok(match (ip, v6) {
        (IpAddr::V4(a), false) => SocketAddr::new(a.into(), port),
        (IpAddr::V6(a), true) => SocketAddr::new(a.into(), port),
        (IpAddr::V4(a), true) => SocketAddr::new(a.to_ipv6_mapped().into(), port),
        (IpAddr::V6(_), false) => return Err(EBADADDR),
    })
}

/// A host address in 9front's `host!port` form.
pub fn format_ip(a: &SocketAddr) -> String {
    format!("{}!{}", a.ip(), a.port())
}

fn any_text(a: &SocketAddrAny) -> String {
    if let Ok(ip) = SocketAddr::try_from(a.clone()) {
        return format_ip(&ip);
    }
    match SocketAddrUnix::try_from(a.clone()) {
        Ok(u) => match (u.path(), u.abstract_name()) {
            (Some(p), _) => p.to_string_lossy().into_owned(),
            (None, Some(n)) => format!("@{}", String::from_utf8_lossy(n)),
            _ => String::new(),
        },
        Err(_) => String::new(),
    }
}

/// `--net none`: whether `a` may be used.
fn loopback_ok(a: &SocketAddr) -> bool {
    match a.ip() {
        IpAddr::V4(v) => v.is_loopback(),
        IpAddr::V6(v) => v.is_loopback() || v.to_ipv4_mapped().is_some_and(|m| m.is_loopback()),
    }
}

impl Conv {
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// A local address for bind/announce, confined to loopback when the
    /// network is cut.
    fn local_addr(&self, s: &str, loopback: bool) -> Result<(SocketAddrAny, Option<OwnedFd>)> {
        if self.proto.is_unix() {
            return unix_addr(s);
        }
        let a = parse_ip(self.proto, s)?;
        // The unspecified address stays (so a v6 socket still takes v4
        // calls); accept turns away calls from elsewhere.
        if loopback && !a.ip().is_unspecified() && !loopback_ok(&a) {
            return Err(ENETUNREACH);
        }
        Ok((a.into(), None))
    }

    fn remote_addr(&self, s: &str, loopback: bool) -> Result<(SocketAddrAny, Option<OwnedFd>)> {
        if self.proto.is_unix() {
            return unix_addr(s);
        }
        let a = parse_ip(self.proto, s)?;
        if loopback && !loopback_ok(&a) {
            return Err(ENETUNREACH);
        }
        Ok((a.into(), None))
    }

    /// A ctl message (ip(3)): `connect ADDR`, `announce ADDR`, `bind ADDR`,
    /// `hangup`, `keepalive`, `ttl N`, and ninux's `listen BACKLOG` (Linux's
    /// listen on an address already bound, which announce cannot say).
    /// AF_UNIX names may follow the address after a space: the name the
    /// guest used, shown by `local`/`remote` instead of the host path.
    /// `loopback`: the run's network is cut (`--net none`).
    pub fn ctl(&self, msg: &str, loopback: bool) -> Result<()> {
        let msg = msg.trim_end_matches(['\n', '\0']);
        let (verb, arg) = msg.split_once(' ').unwrap_or((msg, ""));
        let (addr, name) = arg.split_once(' ').unwrap_or((arg, arg));
        match verb {
            "connect" => {
                let (a, _dir) = self.remote_addr(addr, loopback)?;
                let r = rustix::net::connect(&self.fd, &a);
                if self.proto.is_unix() && !matches!(r, Err(rustix::io::Errno::NOENT)) {
                    self.names.lock().unwrap().1 = name.into();
                }
                match r {
                    Ok(()) => self.set_state("Established"),
                    Err(e) => {
                        if e == rustix::io::Errno::INPROGRESS {
                            self.set_state("Connecting");
                        }
                        return Err(e.into());
                    }
                }
            }
            "bind" | "announce" => {
                let (a, _dir) = self.local_addr(addr, loopback)?;
                rustix::net::bind(&self.fd, &a)?;
                if self.proto.is_unix() {
                    self.names.lock().unwrap().0 = name.into();
                }
                if verb == "announce" {
                    rustix::net::listen(&self.fd, 128)?;
                    self.set_state("Announced");
                }
            }
            "listen" => {
                let backlog: i32 = if arg.is_empty() {
                    128
                } else {
                    arg.parse().map_err(|_| EBADCTL)?
                };
                rustix::net::listen(&self.fd, backlog)?;
                self.set_state("Announced");
            }
            "hangup" => {
                rustix::net::shutdown(&self.fd, rustix::net::Shutdown::Both)?;
                self.set_state("Closed");
            }
            "keepalive" => {
                rustix::net::sockopt::set_socket_keepalive(&self.fd, true)?;
            }
            "ttl" => {
                let n: u32 = arg.parse().map_err(|_| EBADCTL)?;
                match self.proto {
                    Proto::Tcp6 | Proto::Udp6 => {
                        rustix::net::sockopt::set_ipv6_unicast_hops(&self.fd, Some(n as u8))?
                    }
                    _ => rustix::net::sockopt::set_ip_ttl(&self.fd, n)?,
                }
            }
            _ => return Err(EBADCTL),
        }
        Ok(())
    }

    fn set_state(&self, s: &'static str) {
        *self.state.lock().unwrap() = s;
    }

    /// Takes the next call on an announced conversation (opening `listen`):
    /// a new conversation for it. Blocks unless the socket is non-blocking.
    /// `loopback`: the network is cut, so calls from other than loopback
    /// addresses are hung up on, as if they never came.
    pub fn accept(&self, loopback: bool) -> Result<Arc<Conv>> {
        let fd = loop {
            let (fd, from) = rustix::net::acceptfrom_with(&self.fd, SocketFlags::CLOEXEC)?;
            let outside = from
                .and_then(|a| SocketAddr::try_from(a).ok())
                .is_some_and(|a| !loopback_ok(&a));
            if !(loopback && outside) {
                break fd;
            }
        };
        let c = adopt(self.proto, None, fd);
        if self.proto.is_unix() {
            c.names.lock().unwrap().0 = self.names.lock().unwrap().0.clone();
        }
        Ok(c)
    }

    /// The `local` file: `host!port`, or an AF_UNIX name.
    pub fn local(&self) -> String {
        if self.proto.is_unix() {
            let n = self.names.lock().unwrap().0.clone();
            if !n.is_empty() {
                return n;
            }
        }
        rustix::net::getsockname(&self.fd).map_or(String::new(), |a| any_text(&a))
    }

    /// The `remote` file.
    pub fn remote(&self) -> String {
        if self.proto.is_unix() {
            let n = self.names.lock().unwrap().1.clone();
            if !n.is_empty() {
                return n;
            }
        }
        match rustix::net::getpeername(&self.fd) {
            Ok(Some(a)) => any_text(&a),
            _ => String::new(),
        }
    }

    /// The `status` file: `tcp/3 Established`.
    pub fn status(&self) -> String {
        format!(
            "{}/{} {}\n",
            self.proto.name(),
            self.id,
            self.state.lock().unwrap()
        )
    }
}

/// An AF_UNIX address: a host path, or `@name` for the abstract namespace.
/// The fd, if any, holds open the directory a long path is reached
/// through (`platform::hostnet::unix_path`) until the call is made.
fn unix_addr(s: &str) -> Result<(SocketAddrAny, Option<OwnedFd>)> {
    let (a, dir) = match s.strip_prefix('@') {
        Some(n) => (SocketAddrUnix::new_abstract_name(n.as_bytes())?, None),
        None => {
            let (path, dir) = platform::hostnet::unix_path(s).map_err(from_host_errno)?;
            (SocketAddrUnix::new(path)?, dir)
        }
    };
    Ok((a.into(), dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        let a = parse_ip(Proto::Tcp, "127.0.0.1!80").unwrap();
        assert_eq!(format_ip(&a), "127.0.0.1!80");
        assert_eq!(format_ip(&parse_ip(Proto::Udp6, "*!53").unwrap()), "::!53");
        assert!(parse_ip(Proto::Tcp, "::1!80").is_err());
        assert!(parse_ip(Proto::Tcp, "127.0.0.1").is_err());
        assert!(parse_ip(Proto::Tcp, "127.0.0.1!99999").is_err());
        assert!(loopback_ok(&parse_ip(Proto::Tcp6, "127.0.0.1!1").unwrap()));
        assert!(!loopback_ok(&parse_ip(Proto::Tcp, "10.0.0.1!1").unwrap()));
    }

    #[test]
    fn announce_connect_accept() {
        let srv = clone_conv(Proto::Tcp).unwrap();
        srv.ctl("announce 127.0.0.1!0", true).unwrap();
        let local = srv.local();
        assert!(local.starts_with("127.0.0.1!"), "{local}");
        let cli = clone_conv(Proto::Tcp).unwrap();
        cli.ctl(&format!("connect {local}"), true).unwrap();
        let got = srv.accept(true).unwrap();
        assert_eq!(got.remote(), cli.local());
        assert!(cli.status().ends_with("Established\n"));
        assert!(cli.ctl("frobnicate", false).is_err());
        let other = clone_conv(Proto::Tcp).unwrap();
        let e = other.ctl("connect 192.0.2.1!80", true).unwrap_err();
        assert_eq!(e.linux_errno(), Some(101));
        assert!(lookup(Proto::Tcp, got.id).is_some());
    }
}
