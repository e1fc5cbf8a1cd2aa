//! sendto, recvfrom, sendmsg, recvmsg, sendmmsg, recvmmsg: the data path
//! of sockets, straight on the host socket with the guest's buffers. What
//! needs translating is what names things: destination addresses (AF_UNIX
//! paths through the namespace) and SCM_RIGHTS fds (guest fds to host fds
//! on the way out, host fds to new guest fds on the way in). Flags (MSG_PEEK,
//! MSG_DONTWAIT, MSG_WAITALL, MSG_NOSIGNAL, …) mean the same to the host.

use super::addr::{allowed, read_sockaddr, write_sockaddr};
use super::{sock, unix, Sock};
use crate::fs::{fd, from_host};
use crate::mem::{read_bytes, write_bytes, In, Out};
use crate::SysResult;
use abi::net::*;
use abi::structs::Iovec;
use abi::Errno;
use platform::{hostnet, uaccess, Trap};
use std::os::fd::OwnedFd;

const IOV_MAX: u64 = 1024;
/// Control data larger than this is refused (Linux's optmem_max is 20 KiB
/// by default; ENOBUFS past it).
const CONTROL_MAX: u64 = 64 << 10;
const VLEN_MAX: u64 = 1024;

fn iovecs(addr: u64, count: u64) -> Result<Vec<Iovec>, Errno> {
    if count > IOV_MAX {
        return Err(Errno::EMSGSIZE);
    }
    let arr = In::<Iovec>::new(addr);
    (0..count as usize).map(|i| arr.read_at(i)).collect()
}

/// A destination as the host socket needs it: IP addresses as they are
/// (after the `--net none` check), AF_UNIX paths resolved to host paths.
/// The fd holds open the directory a long path is reached through until
/// the send is done.
fn destination(s: &Sock, addr: u64, len: u32) -> Result<(Vec<u8>, Option<OwnedFd>), Errno> {
    if addr == 0 {
        return Ok((Vec::new(), None));
    }
    let raw = read_sockaddr(addr, len)?;
    if !s.proto.is_unix() {
        if !allowed(&raw) {
            return Err(Errno::ENETUNREACH);
        }
        return Ok((raw, None));
    }
    let text = unix::ctl_addr(&unix::decode(&raw)?)?;
    let host = text.split(' ').next().unwrap_or("");
    let (name, dir) = match host.strip_prefix('@') {
        Some(n) => (unix::UnixName::Abstract(n.as_bytes().to_vec()), None),
        None => {
            let (path, dir) = hostnet::unix_path(host).map_err(from_host)?;
            (unix::UnixName::Path(path.into_bytes()), dir)
        }
    };
    Ok((unix::encode(&name), dir))
}

/// One cmsghdr in a control buffer: (offset of data, data length, level, type).
fn cmsgs(buf: &[u8]) -> Vec<(usize, usize, i32, i32)> {
    let hdr = std::mem::size_of::<Cmsghdr>();
    let mut out = Vec::new();
    let mut at = 0;
    while at + hdr <= buf.len() {
        let len = u64::from_ne_bytes(buf[at..at + 8].try_into().unwrap_or_default()) as usize;
        let level = i32::from_ne_bytes(buf[at + 8..at + 12].try_into().unwrap_or_default());
        let typ = i32::from_ne_bytes(buf[at + 12..at + 16].try_into().unwrap_or_default());
        if len < hdr || at + len > buf.len() {
            break;
        }
        out.push((at + hdr, len - hdr, level, typ));
        at += cmsg_align(len);
    }
    out
}

/// Outgoing control data with SCM_RIGHTS guest fds made host fds. The
/// files are returned too, so the host fds stay open until the send.
fn control_out(buf: &mut [u8]) -> Result<Vec<std::sync::Arc<crate::fs::fd::OpenFile>>, Errno> {
    let mut keep = Vec::new();
    for (off, len, level, typ) in cmsgs(buf) {
        if level != SOL_SOCKET || typ != SCM_RIGHTS {
            continue;
        }
        for i in 0..len / 4 {
            let at = off + i * 4;
            let g = i32::from_ne_bytes(buf[at..at + 4].try_into().unwrap_or_default());
            let file = fd::get(g as u64)?;
            if file.host < 0 {
                // A file with no host object cannot travel to another process.
                return Err(Errno::EINVAL);
            }
            buf[at..at + 4].copy_from_slice(&file.host.to_ne_bytes());
            keep.push(file);
        }
    }
    Ok(keep)
}

/// Incoming control data with SCM_RIGHTS host fds made guest fds.
fn control_in(buf: &mut [u8], cloexec: bool) -> Result<(), Errno> {
    for (off, len, level, typ) in cmsgs(buf) {
        if level != SOL_SOCKET || typ != SCM_RIGHTS {
            continue;
        }
        for i in 0..len / 4 {
            let at = off + i * 4;
            let h = i32::from_ne_bytes(buf[at..at + 4].try_into().unwrap_or_default());
            let owned = hostnet::own_fd(h).ok_or(Errno::EBADF)?;
            let g = super::adopt_host(owned, cloexec)?;
            buf[at..at + 4].copy_from_slice(&(g as i32).to_ne_bytes());
        }
    }
    Ok(())
}

fn send_one(t: &Trap, s: &Sock, hdr: &Msghdr, flags: u32) -> SysResult {
    let iov = iovecs(hdr.msg_iov, hdr.msg_iovlen)?;
    let (name, _dir) = destination(s, hdr.msg_name, hdr.msg_namelen)?;
    if hdr.msg_controllen > CONTROL_MAX {
        return Err(Errno::ENOBUFS);
    }
    let mut control = if hdr.msg_controllen > 0 {
        read_bytes(hdr.msg_control, hdr.msg_controllen as usize)?
    } else {
        Vec::new()
    };
    let _keep = control_out(&mut control)?;
    uaccess::unblocked(t.sigmask(), || {
        hostnet::sendmsg(s.host, &iov, &name, &control, flags)
    })
    .map_err(from_host)
}

/// Receives one message; fills in the header's name and control lengths
/// and flags, and returns the byte count.
fn recv_one(t: &Trap, s: &Sock, hdr: &mut Msghdr, flags: u32) -> SysResult {
    let iov = iovecs(hdr.msg_iov, hdr.msg_iovlen)?;
    let mut name = [0u8; 128];
    let want_name = hdr.msg_name != 0;
    let mut control = vec![0u8; hdr.msg_controllen.min(CONTROL_MAX) as usize];
    let r = uaccess::unblocked(t.sigmask(), || {
        hostnet::recvmsg(
            s.host,
            &iov,
            if want_name { &mut name } else { &mut [] },
            &mut control,
            flags & !MSG_CMSG_CLOEXEC,
        )
    })
    .map_err(from_host)?;
    control.truncate(r.controllen);
    control_in(&mut control, flags & MSG_CMSG_CLOEXEC != 0)?;
    if !control.is_empty() {
        write_bytes(hdr.msg_control, &control)?;
    }
    hdr.msg_controllen = control.len() as u64;
    if want_name {
        let n = r.namelen.min(name.len());
        let k = (hdr.msg_namelen as usize).min(n);
        write_bytes(hdr.msg_name, &name[..k])?;
        hdr.msg_namelen = n as u32;
    } else {
        hdr.msg_namelen = 0;
    }
    hdr.msg_flags = r.flags;
    Ok(r.len)
}

/// sendto(2)
pub fn sendto(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, buf, len, flags, addr, alen) = (a[0], a[1], a[2], a[3] as u32, a[4], a[5] as u32);
    let s = sock(fd)?;
    let hdr = Msghdr {
        msg_name: addr,
        msg_namelen: alen,
        ..Default::default()
    };
    let iov = [Iovec {
        iov_base: buf,
        iov_len: len,
    }];
    let (name, _dir) = destination(&s, hdr.msg_name, hdr.msg_namelen)?;
    uaccess::unblocked(t.sigmask(), || {
        hostnet::sendmsg(s.host, &iov, &name, &[], flags)
    })
    .map_err(from_host)
}

/// recvfrom(2)
pub fn recvfrom(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, buf, len, flags, addr, alen) = (a[0], a[1], a[2], a[3] as u32, a[4], a[5]);
    let s = sock(fd)?;
    let iov = [Iovec {
        iov_base: buf,
        iov_len: len,
    }];
    let mut name = [0u8; 128];
    let want = addr != 0 && alen != 0;
    let r = uaccess::unblocked(t.sigmask(), || {
        hostnet::recvmsg(
            s.host,
            &iov,
            if want { &mut name } else { &mut [] },
            &mut [],
            flags,
        )
    })
    .map_err(from_host)?;
    if want {
        write_sockaddr(&name[..r.namelen.min(name.len())], addr, alen)?;
    }
    Ok(r.len)
}

/// sendmsg(2)
pub fn sendmsg(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, msg, flags) = (a[0], a[1], a[2] as u32);
    let s = sock(fd)?;
    let hdr = In::<Msghdr>::new(msg).read()?;
    send_one(t, &s, &hdr, flags)
}

/// recvmsg(2)
pub fn recvmsg(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, msg, flags) = (a[0], a[1], a[2] as u32);
    let s = sock(fd)?;
    let mut hdr = In::<Msghdr>::new(msg).read()?;
    let n = recv_one(t, &s, &mut hdr, flags)?;
    Out::<Msghdr>::new(msg).write(&hdr)?;
    Ok(n)
}

/// sendmmsg(2): each message in turn; an error after the first ends the
/// batch with the count sent, as Linux.
pub fn sendmmsg(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, vec, vlen, flags) = (a[0], a[1], a[2].min(VLEN_MAX), a[3] as u32);
    let s = sock(fd)?;
    let arr = In::<Mmsghdr>::new(vec);
    let mut done = 0;
    for i in 0..vlen as usize {
        let mut m = arr.read_at(i)?;
        match send_one(t, &s, &m.msg_hdr, flags) {
            Ok(n) => {
                m.msg_len = n as u32;
                Out::<Mmsghdr>::new(vec + (i * std::mem::size_of::<Mmsghdr>()) as u64).write(&m)?;
                done += 1;
            }
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(done)
}

/// recvmmsg(2). The timeout is not implemented: the call returns when
/// the batch is full or, with MSG_WAITFORONE, when no more is waiting.
pub fn recvmmsg(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, vec, vlen, mut flags) = (a[0], a[1], a[2].min(VLEN_MAX), a[3] as u32);
    let s = sock(fd)?;
    let arr = In::<Mmsghdr>::new(vec);
    let mut done = 0;
    for i in 0..vlen as usize {
        let mut m = arr.read_at(i)?;
        match recv_one(t, &s, &mut m.msg_hdr, flags & !MSG_WAITFORONE) {
            Ok(n) => {
                m.msg_len = n as u32;
                Out::<Mmsghdr>::new(vec + (i * std::mem::size_of::<Mmsghdr>()) as u64).write(&m)?;
                done += 1;
                if flags & MSG_WAITFORONE != 0 {
                    flags |= MSG_DONTWAIT;
                }
            }
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(done)
}
