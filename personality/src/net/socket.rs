//! socket, socketpair, connect, bind, listen, accept, accept4,
//! getsockname, getpeername, shutdown: Linux socket calls as `#I` files
//! (ip(3)). socket opens `/net/PROTO/clone`; connect, bind and listen write
//! `connect ADDR`, `bind ADDR`, `listen N` to the conversation's ctl;
//! accept opens its `listen` file, which yields the new call's
//! conversation. Addresses read back come from the host socket itself.

use super::addr::{ip_text, proto_of, read_sockaddr, write_sockaddr};
use super::unix;
use super::{open, open_data, read_text, sock, Sock};
use crate::fs::fd;
use crate::fs::path::kerr;
use crate::mem::Out;
use crate::SysResult;
use abi::net::*;
use abi::Errno;
use kernel::devip::Proto;
use platform::{hostnet, uaccess, Trap};

/// Writes one ctl message to the socket's conversation. Blocking ones
/// (connect) wait with the guest's signal mask, so signals interrupt them.
fn ctl(t: &Trap, s: &Sock, msg: &str) -> Result<(), Errno> {
    let c = open(&format!("{}/ctl", s.dir), ninep::OWRITE)?;
    uaccess::unblocked(t.sigmask(), || c.pwrite(msg.as_bytes(), Some(0)))
        .map(|_| ())
        .map_err(kerr)
}

/// The ctl address for a guest sockaddr to connect to: `host!port`, or an
/// AF_UNIX host path followed by the guest's name.
fn ctl_addr(s: &Sock, raw: &[u8]) -> Result<String, Errno> {
    if s.proto.is_unix() {
        unix::ctl_addr(&unix::decode(raw)?)
    } else {
        ip_text(s.proto, raw)
    }
}

/// socket(2)
pub fn socket(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (domain, typ, protocol) = (a[0] as u32, a[1] as u32, a[2] as u32);
    let base = typ & !(SOCK_NONBLOCK | SOCK_CLOEXEC);
    let family = u16::try_from(domain).map_err(|_| Errno::EAFNOSUPPORT)?;
    if ![AF_INET, AF_INET6, AF_UNIX].contains(&family) {
        return Err(Errno::EAFNOSUPPORT);
    }
    let proto = proto_of(family, base).ok_or(if base > 10 {
        Errno::EINVAL
    } else {
        Errno::ESOCKTNOSUPPORT
    })?;
    let want = match proto {
        Proto::Tcp | Proto::Tcp6 => IPPROTO_TCP,
        Proto::Udp | Proto::Udp6 => IPPROTO_UDP,
        _ => 0,
    };
    if protocol != 0 && protocol as i32 != want {
        return Err(Errno::EPROTONOSUPPORT);
    }
    let ctl = open(&format!("/net/{}/clone", proto.name()), ninep::ORDWR)?;
    let n = read_text(&ctl)?;
    let file = open_data(proto, &n, typ & SOCK_NONBLOCK != 0)?;
    drop(ctl);
    fd::install_file(file, typ & SOCK_CLOEXEC != 0)
}

/// socketpair(2): AF_UNIX only, as Linux.
pub fn socketpair(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (domain, typ, protocol, sv) = (a[0] as u32, a[1] as u32, a[2], a[3]);
    let base = typ & !(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if domain != AF_UNIX as u32 {
        return Err(if matches!(domain as u16, AF_INET | AF_INET6) {
            Errno::EOPNOTSUPP
        } else {
            Errno::EAFNOSUPPORT
        });
    }
    let proto = proto_of(AF_UNIX, base).ok_or(Errno::ESOCKTNOSUPPORT)?;
    if protocol != 0 {
        return Err(Errno::EPROTONOSUPPORT);
    }
    let (x, y) = kernel::devip::conv::pair(proto).map_err(kerr)?;
    let nonblock = typ & SOCK_NONBLOCK != 0;
    let fx = open_data(proto, &x.id.to_string(), nonblock)?;
    let fy = open_data(proto, &y.id.to_string(), nonblock)?;
    let cloexec = typ & SOCK_CLOEXEC != 0;
    let gx = fd::install_file(fx, cloexec)?;
    let gy = match fd::install_file(fy, cloexec) {
        Ok(g) => g,
        Err(e) => {
            fd::remove(gx);
            return Err(e);
        }
    };
    if let Err(e) = Out::<[i32; 2]>::new(sv).write(&[gx as i32, gy as i32]) {
        fd::remove(gx);
        fd::remove(gy);
        return Err(e);
    }
    Ok(0)
}

/// connect(2): `connect ADDR` on ctl. A non-blocking socket answers
/// EINPROGRESS, and SO_ERROR tells the outcome later, as on Linux.
pub fn connect(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, addr, len) = (a[0], a[1], a[2] as u32);
    let s = sock(fd)?;
    let raw = read_sockaddr(addr, len)?;
    let text = ctl_addr(&s, &raw)?;
    ctl(t, &s, &format!("connect {text}"))?;
    Ok(0)
}

/// bind(2): `bind ADDR` on ctl.
pub fn bind(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, addr, len) = (a[0], a[1], a[2] as u32);
    let s = sock(fd)?;
    let raw = read_sockaddr(addr, len)?;
    if s.proto.is_unix() {
        unix::bind(&unix::decode(&raw)?, |text| {
            ctl(t, &s, &format!("bind {text}"))
        })?;
    } else {
        ctl(t, &s, &format!("bind {}", ip_text(s.proto, &raw)?))?;
    }
    Ok(0)
}

/// listen(2): ninux's `listen BACKLOG` on ctl (9front's announce binds and
/// listens at once; Linux separates them).
pub fn listen(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, backlog) = (a[0], a[1] as i32);
    let s = sock(fd)?;
    if !s.proto.is_stream() {
        return Err(Errno::EOPNOTSUPP);
    }
    ctl(t, &s, &format!("listen {}", backlog.clamp(0, 4096)))?;
    Ok(0)
}

/// accept(2)
pub fn accept(t: &mut Trap, a: [u64; 6]) -> SysResult {
    accept4(t, [a[0], a[1], a[2], 0, 0, 0])
}

/// accept4(2): opens the conversation's `listen` file, which waits for a
/// call and gives the new conversation's ctl; the guest gets its data.
pub fn accept4(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, addr, len, flags) = (a[0], a[1], a[2], a[3] as u32);
    if flags & !(SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let s = sock(fd)?;
    if !s.proto.is_stream() {
        return Err(Errno::EOPNOTSUPP);
    }
    let listen = format!("{}/listen", s.dir);
    let ns = crate::fs::path::ns()?;
    let call =
        uaccess::unblocked(t.sigmask(), || ns.open(&listen, ninep::ORDWR as u32)).map_err(kerr)?;
    let n = read_text(&call)?;
    let file = open_data(s.proto, &n, flags & SOCK_NONBLOCK != 0)?;
    drop(call);
    let peer = peer_addr(&s.proto, file.host, &format!("/net/{}/{n}", s.proto.name()))?;
    let g = fd::install_file(file, flags & SOCK_CLOEXEC != 0)?;
    if let Err(e) = write_sockaddr(&peer, addr, len) {
        fd::remove(g);
        return Err(e);
    }
    Ok(g)
}

/// The peer's address as the guest should see it.
fn peer_addr(proto: &Proto, host: i32, dir: &str) -> Result<Vec<u8>, Errno> {
    let mut b = [0u8; 128];
    let n = hostnet::sockname(host, true, &mut b).map_err(crate::fs::from_host)?;
    if proto.is_unix() {
        let text = read_text(&open(&format!("{dir}/remote"), ninep::OREAD)?)?;
        return Ok(unix::encode(&unix::from_text(&text)));
    }
    Ok(b[..n.min(128)].to_vec())
}

/// getsockname(2): AF_UNIX names from the conversation's `local` file (the
/// name the guest bound, not the host path); IP addresses from the host.
pub fn getsockname(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, addr, len) = (a[0], a[1], a[2]);
    let s = sock(fd)?;
    let mut b = [0u8; 128];
    let n = hostnet::sockname(s.host, false, &mut b).map_err(crate::fs::from_host)?;
    let raw = if s.proto.is_unix() {
        let text = read_text(&open(&format!("{}/local", s.dir), ninep::OREAD)?)?;
        unix::encode(&unix::from_text(&text))
    } else {
        b[..n.min(128)].to_vec()
    };
    write_sockaddr(&raw, addr, len)?;
    Ok(0)
}

/// getpeername(2): ENOTCONN from the host when there is no peer.
pub fn getpeername(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, addr, len) = (a[0], a[1], a[2]);
    let s = sock(fd)?;
    let raw = peer_addr(&s.proto, s.host, &s.dir)?;
    write_sockaddr(&raw, addr, len)?;
    Ok(0)
}

/// shutdown(2), on the host socket.
pub fn shutdown(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, how) = (a[0], a[1]);
    let s = sock(fd)?;
    if how > SHUT_RDWR as u64 {
        return Err(Errno::EINVAL);
    }
    hostnet::shutdown(s.host, how as i32).map_err(crate::fs::from_host)
}
