//! setsockopt, getsockopt: the options real programs set, on the host
//! socket (the conversation's). Options are listed, so an option ninux has
//! not looked at is ENOPROTOOPT rather than whatever the host makes of it.

use super::sock;
use crate::fs::from_host;
use crate::mem::{read_bytes, write_bytes, In, Out};
use crate::SysResult;
use abi::net::*;
use abi::Errno;
use platform::{hostnet, Trap};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// An int (booleans too).
    Int,
    /// struct linger.
    Linger,
    /// struct timeval.
    Timeval,
    /// struct ucred (SO_PEERCRED): pid, uid, gid.
    Ucred,
}

impl Kind {
    fn size(self) -> usize {
        match self {
            Kind::Int => 4,
            Kind::Linger => 8,
            Kind::Timeval => 16,
            Kind::Ucred => 12,
        }
    }
}

/// (level, name, kind, settable).
const OPTIONS: &[(i32, i32, Kind, bool)] = &[
    (SOL_SOCKET, SO_REUSEADDR, Kind::Int, true),
    (SOL_SOCKET, SO_REUSEPORT, Kind::Int, true),
    (SOL_SOCKET, SO_KEEPALIVE, Kind::Int, true),
    (SOL_SOCKET, SO_RCVBUF, Kind::Int, true),
    (SOL_SOCKET, SO_SNDBUF, Kind::Int, true),
    (SOL_SOCKET, SO_BROADCAST, Kind::Int, true),
    (SOL_SOCKET, SO_OOBINLINE, Kind::Int, true),
    (SOL_SOCKET, SO_DONTROUTE, Kind::Int, true),
    (SOL_SOCKET, SO_RCVLOWAT, Kind::Int, true),
    (SOL_SOCKET, SO_SNDLOWAT, Kind::Int, true),
    (SOL_SOCKET, SO_PASSCRED, Kind::Int, true),
    (SOL_SOCKET, SO_LINGER, Kind::Linger, true),
    (SOL_SOCKET, SO_RCVTIMEO, Kind::Timeval, true),
    (SOL_SOCKET, SO_SNDTIMEO, Kind::Timeval, true),
    (SOL_SOCKET, SO_ERROR, Kind::Int, false),
    (SOL_SOCKET, SO_TYPE, Kind::Int, false),
    (SOL_SOCKET, SO_DOMAIN, Kind::Int, false),
    (SOL_SOCKET, SO_PROTOCOL, Kind::Int, false),
    (SOL_SOCKET, SO_ACCEPTCONN, Kind::Int, false),
    (SOL_SOCKET, SO_PEERCRED, Kind::Ucred, false),
    (IPPROTO_TCP, TCP_NODELAY, Kind::Int, true),
    (IPPROTO_TCP, TCP_MAXSEG, Kind::Int, true),
    (IPPROTO_TCP, TCP_KEEPIDLE, Kind::Int, true),
    (IPPROTO_TCP, TCP_KEEPINTVL, Kind::Int, true),
    (IPPROTO_TCP, TCP_KEEPCNT, Kind::Int, true),
    (IPPROTO_TCP, TCP_QUICKACK, Kind::Int, true),
    (IPPROTO_TCP, TCP_USER_TIMEOUT, Kind::Int, true),
    (IPPROTO_TCP, TCP_FASTOPEN, Kind::Int, true),
    (IPPROTO_IP, IP_TOS, Kind::Int, true),
    (IPPROTO_IP, IP_TTL, Kind::Int, true),
    (IPPROTO_IP, IP_RECVERR, Kind::Int, true),
    (IPPROTO_IP, IP_MULTICAST_TTL, Kind::Int, true),
    (IPPROTO_IP, IP_MULTICAST_LOOP, Kind::Int, true),
    (IPPROTO_IPV6, IPV6_V6ONLY, Kind::Int, true),
    (IPPROTO_IPV6, IPV6_UNICAST_HOPS, Kind::Int, true),
    (IPPROTO_IPV6, IPV6_RECVERR, Kind::Int, true),
    (IPPROTO_IPV6, IPV6_TCLASS, Kind::Int, true),
    (IPPROTO_IPV6, IPV6_MULTICAST_LOOP, Kind::Int, true),
];

fn option(level: i32, name: i32) -> Result<(Kind, bool), Errno> {
    OPTIONS
        .iter()
        .find(|o| o.0 == level && o.1 == name)
        .map(|o| (o.2, o.3))
        .ok_or(Errno::ENOPROTOOPT)
}

/// setsockopt(2)
pub fn setsockopt(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, level, name, val, len) = (a[0], a[1] as i32, a[2] as i32, a[3], a[4] as u32);
    let s = sock(fd)?;
    let (kind, settable) = option(level, name)?;
    if !settable {
        return Err(Errno::ENOPROTOOPT);
    }
    if (len as usize) < kind.size() {
        return Err(Errno::EINVAL);
    }
    let bytes = read_bytes(val, kind.size())?;
    hostnet::setsockopt(s.host, level, name, &bytes).map_err(from_host)
}

/// getsockopt(2)
pub fn getsockopt(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, level, name, val, lenp) = (a[0], a[1] as i32, a[2] as i32, a[3], a[4]);
    let s = sock(fd)?;
    let (kind, _) = option(level, name)?;
    let room = In::<i32>::new(lenp).read()?;
    if room < 0 {
        return Err(Errno::EINVAL);
    }
    let mut b = [0u8; 16];
    let got = hostnet::getsockopt(s.host, level, name, &mut b[..kind.size()]).map_err(from_host)?;
    let n = got.min(room as usize);
    write_bytes(val, &b[..n])?;
    Out::<i32>::new(lenp).write(&(n as i32))?;
    Ok(0)
}
