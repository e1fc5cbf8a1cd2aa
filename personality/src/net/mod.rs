//! Sockets, translated onto `#I` (the kernel's `/net`), the Plan 9 way: a
//! Linux socket is a conversation. socket(2) opens `/net/PROTO/clone`;
//! connect, bind and listen are ctl messages; accept opens `N/listen`; the
//! guest fd holds the conversation's `data` file, whose host fd is the host
//! socket, so read, write, send, recv, poll and epoll go straight to the
//! host. Option and name calls act on that host socket directly.
//!
//! - `socket.rs`: socket, socketpair, connect, bind, listen, accept(4),
//!   getsockname, getpeername, shutdown;
//! - `msg.rs`: sendto, recvfrom, sendmsg, recvmsg (SCM_RIGHTS), sendmmsg,
//!   recvmmsg;
//! - `sockopt.rs`: setsockopt, getsockopt;
//! - `addr.rs`: Linux sockaddrs ↔ 9front `host!port` addresses;
//! - `unix.rs`: AF_UNIX names through the namespace.

pub mod addr;
pub mod msg;
pub mod socket;
pub mod sockopt;
pub mod unix;

use crate::fs::fd::{self, OpenFile};
use crate::fs::path::{self, kerr};
use abi::Errno;
use kernel::devip::Proto;
use kernel::Chan;
use std::sync::Arc;

/// A guest socket: its open file, the host socket and its conversation.
pub struct Sock {
    /// Held so the host socket stays open while the call runs, even if
    /// another thread closes the guest fd.
    _file: Arc<OpenFile>,
    pub host: i32,
    /// The conversation's directory in the namespace: `/net/tcp/3`.
    pub dir: String,
    pub proto: Proto,
}

/// The conversation directory and protocol a `…/PROTO/N/data` path names.
fn conv_of(name: &str) -> Option<(String, Proto)> {
    let dir = name.strip_suffix("/data")?;
    let (pdir, n) = dir.rsplit_once('/')?;
    n.parse::<usize>().ok()?;
    let proto = Proto::from_name(pdir.rsplit_once('/')?.1)?;
    Some((dir.to_string(), proto))
}

/// The socket behind guest fd `fd`: EBADF if none, ENOTSOCK if not a socket.
pub fn sock(fd: u64) -> Result<Sock, Errno> {
    let file = fd::get(fd)?;
    let (dir, proto) = file
        .chan
        .as_ref()
        .filter(|c| c.dev.typ == 'I')
        .and_then(|c| conv_of(&c.name))
        .ok_or(Errno::ENOTSOCK)?;
    let host = file.host;
    if host < 0 {
        return Err(Errno::ENOTSOCK);
    }
    Ok(Sock {
        _file: file,
        host,
        dir,
        proto,
    })
}

/// Opens a file of `/net` in the process's namespace.
fn open(path: &str, mode: u8) -> Result<Chan, Errno> {
    path::ns()?.open(path, mode as u32).map_err(kerr)
}

/// Reads a small text file of `/net` (ctl's number, local, remote).
fn read_text(c: &Chan) -> Result<String, Errno> {
    let mut b = [0u8; 256];
    let n = c.pread(&mut b, Some(0)).map_err(kerr)?;
    Ok(String::from_utf8_lossy(&b[..n]).trim().to_string())
}

/// The data file of conversation `n` of `proto`, as a guest open file.
fn open_data(proto: Proto, n: &str, nonblock: bool) -> Result<OpenFile, Errno> {
    let data = open(&format!("/net/{}/{n}/data", proto.name()), ninep::ORDWR)?;
    let file = OpenFile::chan(data, O_RDWR | if nonblock { O_NONBLOCK } else { 0 });
    if nonblock {
        platform::host::fcntl(file.host, libc::F_SETFL, O_NONBLOCK as u64)
            .map_err(crate::fs::from_host)?;
    }
    Ok(file)
}

const O_RDWR: u32 = 2;
const O_NONBLOCK: u32 = 0o4000;

/// A host socket that arrived from outside `/net` (an SCM_RIGHTS message)
/// made a conversation, so the guest sees a socket like any other.
pub fn adopt_host(host: std::os::fd::OwnedFd, cloexec: bool) -> Result<u64, Errno> {
    use std::os::fd::AsRawFd;
    let Some((dom, typ)) = platform::hostnet::socket_kind(host.as_raw_fd()) else {
        return fd::install_file(OpenFile::host(into_raw(host)), cloexec);
    };
    let Some(proto) = addr::proto_of(dom as u16, typ as u32) else {
        return fd::install_file(OpenFile::host(into_raw(host)), cloexec);
    };
    let c = kernel::devip::conv::adopt(proto, None, host);
    let file = open_data(proto, &c.id.to_string(), false)?;
    drop(c);
    fd::install_file(file, cloexec)
}

fn into_raw(fd: std::os::fd::OwnedFd) -> i32 {
    std::os::fd::IntoRawFd::into_raw_fd(fd)
}

/// execve: a socket inherited by a re-exec'd image gets its conversation
/// back under the same number, so its `/net/PROTO/N/data` path names it.
pub fn reopen(path: &str, host: i32, flags: u32) -> Option<OpenFile> {
    let (dir, proto) = conv_of(path)?;
    if host < 0 {
        return None;
    }
    let n: usize = dir.rsplit_once('/')?.1.parse().ok()?;
    // The fd was inherited for this file alone: the conversation owns it now.
    let owned = platform::hostnet::own_fd(host)?;
    let c = kernel::devip::conv::adopt(proto, Some(n), owned);
    let data = path::ns()
        .ok()?
        .open(path, ninep::ORDWR as u32)
        .map_err(|e| log::warn!("execve: {path}: {e}"))
        .ok()?;
    drop(c);
    Some(OpenFile::chan(data, flags))
}

/// Gives `/net/cs` the guest's /etc/hosts.
pub fn install() {
    kernel::devip::cs::set_hosts_reader(|| {
        let c = path::ns()
            .ok()?
            .open("/etc/hosts", ninep::OREAD as u32)
            .ok()?;
        let mut out = Vec::new();
        let mut b = [0u8; 4096];
        loop {
            match c.pread(&mut b, None) {
                Ok(0) | Err(_) => break,
                Ok(n) if out.len() < 1 << 20 => out.extend_from_slice(&b[..n]),
                Ok(_) => break,
            }
        }
        String::from_utf8(out).ok()
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversation_paths() {
        assert_eq!(
            conv_of("/net/tcp/3/data"),
            Some(("/net/tcp/3".to_string(), Proto::Tcp))
        );
        assert_eq!(
            conv_of("/n/other/udp6/12/data"),
            Some(("/n/other/udp6/12".to_string(), Proto::Udp6))
        );
        assert_eq!(conv_of("/net/tcp/3/ctl"), None);
        assert_eq!(conv_of("/net/tcp/x/data"), None);
        assert_eq!(conv_of("/net/ether/0/data"), None);
        assert_eq!(conv_of("/tmp/data"), None);
    }
}
