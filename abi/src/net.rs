//! Linux socket vocabulary: address families, socket types, message flags,
//! option levels and names, and the structs socket calls exchange
//! (sockaddr_in, sockaddr_in6, sockaddr_un, msghdr, cmsghdr, mmsghdr,
//! linger).

use crate::structs::Pod;

pub const AF_UNSPEC: u16 = 0;
pub const AF_UNIX: u16 = 1;
pub const AF_INET: u16 = 2;
pub const AF_INET6: u16 = 10;

pub const SOCK_STREAM: u32 = 1;
pub const SOCK_DGRAM: u32 = 2;
pub const SOCK_SEQPACKET: u32 = 5;
/// Flags or'd into socket(2)'s type.
pub const SOCK_NONBLOCK: u32 = 0o4000;
pub const SOCK_CLOEXEC: u32 = 0o2000000;

pub const MSG_OOB: u32 = 1;
pub const MSG_PEEK: u32 = 2;
pub const MSG_DONTROUTE: u32 = 4;
pub const MSG_CTRUNC: u32 = 8;
pub const MSG_TRUNC: u32 = 0x20;
pub const MSG_DONTWAIT: u32 = 0x40;
pub const MSG_EOR: u32 = 0x80;
pub const MSG_WAITALL: u32 = 0x100;
pub const MSG_NOSIGNAL: u32 = 0x4000;
pub const MSG_MORE: u32 = 0x8000;
pub const MSG_WAITFORONE: u32 = 0x10000;
pub const MSG_CMSG_CLOEXEC: u32 = 0x4000_0000;

pub const SHUT_RD: u32 = 0;
pub const SHUT_WR: u32 = 1;
pub const SHUT_RDWR: u32 = 2;

pub const SOL_SOCKET: i32 = 1;
pub const IPPROTO_IP: i32 = 0;
pub const IPPROTO_TCP: i32 = 6;
pub const IPPROTO_UDP: i32 = 17;
pub const IPPROTO_IPV6: i32 = 41;

pub const SO_REUSEADDR: i32 = 2;
pub const SO_TYPE: i32 = 3;
pub const SO_ERROR: i32 = 4;
pub const SO_DONTROUTE: i32 = 5;
pub const SO_BROADCAST: i32 = 6;
pub const SO_SNDBUF: i32 = 7;
pub const SO_RCVBUF: i32 = 8;
pub const SO_KEEPALIVE: i32 = 9;
pub const SO_OOBINLINE: i32 = 10;
pub const SO_LINGER: i32 = 13;
pub const SO_REUSEPORT: i32 = 15;
pub const SO_PASSCRED: i32 = 16;
pub const SO_PEERCRED: i32 = 17;
pub const SO_RCVLOWAT: i32 = 18;
pub const SO_SNDLOWAT: i32 = 19;
pub const SO_RCVTIMEO: i32 = 20;
pub const SO_SNDTIMEO: i32 = 21;
pub const SO_ACCEPTCONN: i32 = 30;
pub const SO_PROTOCOL: i32 = 38;
pub const SO_DOMAIN: i32 = 39;

pub const TCP_NODELAY: i32 = 1;
pub const TCP_MAXSEG: i32 = 2;
pub const TCP_KEEPIDLE: i32 = 4;
pub const TCP_KEEPINTVL: i32 = 5;
pub const TCP_KEEPCNT: i32 = 6;
pub const TCP_QUICKACK: i32 = 12;
pub const TCP_USER_TIMEOUT: i32 = 18;
pub const TCP_FASTOPEN: i32 = 23;

pub const IP_TOS: i32 = 1;
pub const IP_TTL: i32 = 2;
pub const IP_RECVERR: i32 = 11;
pub const IP_MULTICAST_TTL: i32 = 33;
pub const IP_MULTICAST_LOOP: i32 = 34;
pub const IPV6_UNICAST_HOPS: i32 = 16;
pub const IPV6_MULTICAST_LOOP: i32 = 19;
pub const IPV6_V6ONLY: i32 = 26;
pub const IPV6_RECVERR: i32 = 25;
pub const IPV6_TCLASS: i32 = 67;

/// cmsg types at SOL_SOCKET.
pub const SCM_RIGHTS: i32 = 1;
pub const SCM_CREDENTIALS: i32 = 2;

/// struct sockaddr_in; port and address in network byte order.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SockaddrIn {
    pub sin_family: u16,
    pub sin_port: u16,
    pub sin_addr: [u8; 4],
    pub sin_zero: [u8; 8],
}

/// struct sockaddr_in6.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SockaddrIn6 {
    pub sin6_family: u16,
    pub sin6_port: u16,
    pub sin6_flowinfo: u32,
    pub sin6_addr: [u8; 16],
    pub sin6_scope_id: u32,
}

/// struct sockaddr_un: a path (NUL-terminated unless it fills sun_path) or,
/// with a leading NUL, an abstract name as long as the address length says.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SockaddrUn {
    pub sun_family: u16,
    pub sun_path: [u8; 108],
}

impl Default for SockaddrUn {
    fn default() -> Self {
        SockaddrUn {
            sun_family: AF_UNIX,
            sun_path: [0; 108],
        }
    }
}

/// struct msghdr.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Msghdr {
    pub msg_name: u64,
    pub msg_namelen: u32,
    pub _pad1: u32,
    pub msg_iov: u64,
    pub msg_iovlen: u64,
    pub msg_control: u64,
    pub msg_controllen: u64,
    pub msg_flags: u32,
    pub _pad2: u32,
}

/// struct mmsghdr (sendmmsg, recvmmsg).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Mmsghdr {
    pub msg_hdr: Msghdr,
    pub msg_len: u32,
    pub _pad: u32,
}

/// struct cmsghdr, the header of each control message; data follows,
/// and each message is padded to 8 bytes (CMSG_ALIGN).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Cmsghdr {
    pub cmsg_len: u64,
    pub cmsg_level: i32,
    pub cmsg_type: i32,
}

/// struct linger (SO_LINGER).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Linger {
    pub l_onoff: i32,
    pub l_linger: i32,
}

/// CMSG_ALIGN.
pub const fn cmsg_align(n: usize) -> usize {
    (n + 7) & !7
}

const _: () = assert!(core::mem::size_of::<SockaddrIn>() == 16);
const _: () = assert!(core::mem::size_of::<SockaddrIn6>() == 28);
const _: () = assert!(core::mem::size_of::<SockaddrUn>() == 110);
const _: () = assert!(core::mem::size_of::<Msghdr>() == 56);
const _: () = assert!(core::mem::size_of::<Mmsghdr>() == 64);
const _: () = assert!(core::mem::size_of::<Cmsghdr>() == 16);
const _: () = assert!(core::mem::size_of::<Linger>() == 8);

// SAFETY: repr(C) aggregates of integers and byte arrays, padding explicit.
unsafe impl Pod for SockaddrIn {}
// SAFETY: as above.
unsafe impl Pod for SockaddrIn6 {}
// SAFETY: as above.
unsafe impl Pod for SockaddrUn {}
// SAFETY: as above.
unsafe impl Pod for Msghdr {}
// SAFETY: as above.
unsafe impl Pod for Mmsghdr {}
// SAFETY: as above.
unsafe impl Pod for Cmsghdr {}
// SAFETY: as above.
unsafe impl Pod for Linger {}
