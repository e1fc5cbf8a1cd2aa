//! Host socket calls made on the guest's behalf: the data path of sockets
//! (sendmsg/recvmsg with the guest's own buffers) and the option and name
//! calls, whose small buffers are ninux's. Errors are host errno values.

use crate::host::{result, Errno, Iovec};
use crate::mm;

fn guest_iovecs(iov: &[Iovec]) -> Result<(), Errno> {
    for v in iov {
        if v.iov_len != 0 && !mm::owns(v.iov_base, v.iov_len) {
            return Err(libc::EFAULT);
        }
    }
    Ok(())
}

fn msghdr(iov: &[Iovec], name: &[u8], control: &[u8]) -> libc::msghdr {
    // SAFETY: msghdr is plain data; all-zero is a valid empty header.
    let mut m: libc::msghdr = unsafe { std::mem::zeroed() };
    m.msg_iov = iov.as_ptr() as *mut libc::iovec;
    m.msg_iovlen = iov.len();
    if !name.is_empty() {
        m.msg_name = name.as_ptr() as *mut libc::c_void;
        m.msg_namelen = name.len() as u32;
    }
    if !control.is_empty() {
        m.msg_control = control.as_ptr() as *mut libc::c_void;
        m.msg_controllen = control.len();
    }
    m
}

/// sendmsg(2) of guest buffers to `name` (empty: the connected peer) with
/// ninux-built control data (fds already translated to host fds).
pub fn sendmsg(
    fd: i32,
    iov: &[Iovec],
    name: &[u8],
    control: &[u8],
    flags: u32,
) -> Result<u64, Errno> {
    // Iovec is layout-compatible with libc::iovec (two u64s).
    let m = msghdr(iov, name, control);
    // SAFETY: the kernel only reads the header, the iovecs' guest memory
    // (any mapped memory), the name and the control buffer.
    result(unsafe { libc::sendmsg(fd, &m, flags as i32) } as i64)
}

/// What recvmsg(2) filled in besides the data.
#[derive(Debug, Default, Clone, Copy)]
pub struct Received {
    pub len: u64,
    pub namelen: usize,
    pub controllen: usize,
    pub flags: u32,
}

/// recvmsg(2) into guest buffers; the source address and control data go
/// to ninux's `name` and `control`.
pub fn recvmsg(
    fd: i32,
    iov: &[Iovec],
    name: &mut [u8],
    control: &mut [u8],
    flags: u32,
) -> Result<Received, Errno> {
    guest_iovecs(iov)?;
    let mut m = msghdr(iov, name, control);
    // SAFETY: the iovecs are guest memory (checked above); name and control
    // are ninux's buffers of the lengths given.
    let n = result(unsafe { libc::recvmsg(fd, &mut m, flags as i32) } as i64)?;
    Ok(Received {
        len: n,
        namelen: (m.msg_namelen as usize).min(name.len().max(m.msg_namelen as usize)),
        controllen: m.msg_controllen.min(control.len()),
        flags: m.msg_flags as u32,
    })
}

/// setsockopt(2) with a ninux buffer.
pub fn setsockopt(fd: i32, level: i32, name: i32, val: &[u8]) -> Result<u64, Errno> {
    // SAFETY: the kernel reads val.len() bytes.
    result(unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            val.as_ptr() as *const libc::c_void,
            val.len() as u32,
        )
    } as i64)
}

/// getsockopt(2) into a ninux buffer; returns the option's length.
pub fn getsockopt(fd: i32, level: i32, name: i32, val: &mut [u8]) -> Result<usize, Errno> {
    let mut len = val.len() as u32;
    // SAFETY: the kernel writes at most len bytes and updates len.
    result(unsafe {
        libc::getsockopt(
            fd,
            level,
            name,
            val.as_mut_ptr() as *mut libc::c_void,
            &mut len,
        )
    } as i64)?;
    Ok(len as usize)
}

/// getsockname(2) (`peer`: getpeername) into a ninux buffer; the address's
/// full length.
pub fn sockname(fd: i32, peer: bool, buf: &mut [u8]) -> Result<usize, Errno> {
    let mut len = buf.len() as u32;
    let p = buf.as_mut_ptr() as *mut libc::sockaddr;
    // SAFETY: the kernel writes at most len bytes and updates len.
    let r = unsafe {
        if peer {
            libc::getpeername(fd, p, &mut len)
        } else {
            libc::getsockname(fd, p, &mut len)
        }
    };
    result(r as i64)?;
    Ok(len as usize)
}

/// shutdown(2).
pub fn shutdown(fd: i32, how: i32) -> Result<u64, Errno> {
    // SAFETY: no memory is involved.
    result(unsafe { libc::shutdown(fd, how) } as i64)
}

/// Whether a host fd is a socket, and if so its (domain, type).
pub fn socket_kind(fd: i32) -> Option<(i32, i32)> {
    let mut b = [0u8; 4];
    getsockopt(fd, libc::SOL_SOCKET, libc::SO_DOMAIN, &mut b).ok()?;
    let dom = i32::from_ne_bytes(b);
    getsockopt(fd, libc::SOL_SOCKET, libc::SO_TYPE, &mut b).ok()?;
    Some((dom, i32::from_ne_bytes(b)))
}

/// Takes ownership of host fd `fd`, which the caller owns and hands over
/// (an fd inherited across exec, one received in SCM_RIGHTS). None for a
/// negative number.
pub fn own_fd(fd: i32) -> Option<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    if fd < 0 {
        return None;
    }
    // SAFETY: the caller hands over an open fd that nothing else will close.
    Some(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) })
}

/// What `sun_path` holds: 108 bytes, one of them the NUL.
pub const SUN_PATH_MAX: usize = 107;

/// A host AF_UNIX path that fits `sun_path`. Short paths stay as they are.
/// A longer one is reached through its directory, `/proc/self/fd/N/NAME`,
/// with the directory's fd returned: hold it until the bind, connect or
/// send is done. Linux resolves a socket path like any other, so this names
/// the same file: natively a relative name is short whatever the current
/// directory, and under ninux the host directory behind it may be deep.
pub fn unix_path(path: &str) -> Result<(String, Option<std::os::fd::OwnedFd>), Errno> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    if path.len() <= SUN_PATH_MAX {
        return Ok((path.to_string(), None));
    }
    let p = std::path::Path::new(path);
    let (Some(dir), Some(name)) = (p.parent(), p.file_name()) else {
        return Err(libc::ENAMETOOLONG);
    };
    let dir = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC)
        .open(dir)
        .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))?;
    let short = format!(
        "/proc/self/fd/{}/{}",
        dir.as_raw_fd(),
        name.to_string_lossy()
    );
    if short.len() > SUN_PATH_MAX {
        return Err(libc::ENAMETOOLONG);
    }
    Ok((short, Some(dir.into())))
}
