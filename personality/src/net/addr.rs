//! Linux socket addresses (sockaddr_in, sockaddr_in6) as 9front's
//! `host!port` text for ctl messages, and addresses written back to the
//! guest with Linux's truncation rules.

use crate::mem::{read_bytes, write_bytes, In, Out};
use abi::net::*;
use abi::Errno;
use kernel::devip::Proto;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Which `#I` protocol a Linux (family, type) is, as rows.
const PROTOS: &[(u16, u32, Proto)] = &[
    (AF_INET, SOCK_STREAM, Proto::Tcp),
    (AF_INET, SOCK_DGRAM, Proto::Udp),
    (AF_INET6, SOCK_STREAM, Proto::Tcp6),
    (AF_INET6, SOCK_DGRAM, Proto::Udp6),
    (AF_UNIX, SOCK_STREAM, Proto::Unix),
    (AF_UNIX, SOCK_DGRAM, Proto::UnixDgram),
    (AF_UNIX, SOCK_SEQPACKET, Proto::UnixSeqpacket),
];

pub fn proto_of(family: u16, typ: u32) -> Option<Proto> {
    PROTOS
        .iter()
        .find(|r| r.0 == family && r.1 == typ)
        .map(|r| r.2)
}

/// The Linux (family, type) of a protocol.
pub fn linux_of(p: Proto) -> (u16, u32) {
    PROTOS
        .iter()
        .find(|r| r.2 == p)
        .map_or((AF_UNSPEC, 0), |r| (r.0, r.1))
}

/// The largest sockaddr (sockaddr_storage).
const SOCKADDR_MAX: u32 = 128;

/// A guest sockaddr's bytes: EINVAL for a length Linux refuses.
pub fn read_sockaddr(addr: u64, len: u32) -> Result<Vec<u8>, Errno> {
    if !(2..=SOCKADDR_MAX).contains(&len) {
        return Err(Errno::EINVAL);
    }
    read_bytes(addr, len as usize)
}

pub fn family(raw: &[u8]) -> u16 {
    u16::from_ne_bytes([raw[0], raw.get(1).copied().unwrap_or(0)])
}

/// (address, port) of an AF_INET sockaddr (16 bytes at least).
fn v4(raw: &[u8]) -> Result<(Ipv4Addr, u16), Errno> {
    if raw.len() < std::mem::size_of::<SockaddrIn>() {
        return Err(Errno::EINVAL);
    }
    let ip: [u8; 4] = raw[4..8].try_into().map_err(|_| Errno::EINVAL)?;
    Ok((ip.into(), u16::from_be_bytes([raw[2], raw[3]])))
}

/// (address, port) of an AF_INET6 sockaddr (24 bytes at least, as Linux).
fn v6(raw: &[u8]) -> Result<(Ipv6Addr, u16), Errno> {
    if raw.len() < 24 {
        return Err(Errno::EINVAL);
    }
    let ip: [u8; 16] = raw[8..24].try_into().map_err(|_| Errno::EINVAL)?;
    Ok((ip.into(), u16::from_be_bytes([raw[2], raw[3]])))
}

/// An IP sockaddr as `host!port` for a conversation of `proto`: EAFNOSUPPORT
/// when the family is not the socket's (as Linux), EINVAL when short.
pub fn ip_text(proto: Proto, raw: &[u8]) -> Result<String, Errno> {
    let (fam, _) = linux_of(proto);
    if family(raw) != fam {
        return Err(Errno::EAFNOSUPPORT);
    }
    match fam {
        AF_INET => v4(raw).map(|(ip, port)| format!("{ip}!{port}")),
        AF_INET6 => v6(raw).map(|(ip, port)| format!("{ip}!{port}")),
        _ => Err(Errno::EAFNOSUPPORT),
    }
}

/// `--net none`: may a datagram go to `raw` (sendto's address)?
pub fn allowed(raw: &[u8]) -> bool {
    if !kernel::devip::loopback_only() {
        return true;
    }
    match family(raw) {
        AF_INET => v4(raw).is_ok_and(|(ip, _)| ip.is_loopback()),
        AF_INET6 => v6(raw).is_ok_and(|(ip, _)| {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|m| m.is_loopback())
        }),
        _ => true,
    }
}

/// Writes an address the Linux way: at most `*len` bytes of it, and its
/// full length back in `*len`. A null `addr` means the caller wants none.
pub fn write_sockaddr(raw: &[u8], addr: u64, len: u64) -> Result<(), Errno> {
    if addr == 0 {
        return Ok(());
    }
    let room = In::<u32>::new(len).read()?;
    if room > i32::MAX as u32 {
        return Err(Errno::EINVAL);
    }
    let n = (room as usize).min(raw.len());
    write_bytes(addr, &raw[..n])?;
    Out::<u32>::new(len).write(&(raw.len() as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockaddrs_as_text() {
        let mut v4 = vec![2, 0, 0x1f, 0x90, 127, 0, 0, 1];
        v4.extend([0; 8]);
        assert_eq!(ip_text(Proto::Tcp, &v4).unwrap(), "127.0.0.1!8080");
        assert_eq!(ip_text(Proto::Tcp6, &v4), Err(Errno::EAFNOSUPPORT));
        assert_eq!(ip_text(Proto::Tcp, &v4[..8]), Err(Errno::EINVAL));
        let mut v6 = vec![10, 0, 0, 80, 0, 0, 0, 0];
        v6.extend(Ipv6Addr::LOCALHOST.octets());
        v6.extend([0; 4]);
        assert_eq!(ip_text(Proto::Udp6, &v6).unwrap(), "::1!80");
        assert_eq!(proto_of(AF_INET6, SOCK_DGRAM), Some(Proto::Udp6));
        assert_eq!(linux_of(Proto::Unix), (AF_UNIX, SOCK_STREAM));
    }
}
