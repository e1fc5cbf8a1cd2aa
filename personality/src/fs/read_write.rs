//! read, write and their vector and positional forms. Host-backed fds take the
//! data path: the guest's buffer goes to the host kernel as it is.

use super::{fd, from_host};
use crate::mem::In;
use crate::SysResult;
use abi::structs::Iovec;
use abi::Errno;
use platform::{host, uaccess, Trap};

/// Linux caps one transfer at MAX_RW_COUNT.
const MAX_RW: u64 = 0x7fff_f000;
const IOV_MAX: u64 = 1024;

/// read(2)
pub fn read(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, buf, count) = (a[0], a[1], a[2].min(MAX_RW));
    let file = fd::get(fd)?;
    uaccess::unblocked(t.sigmask(), || host::read(file.host, buf, count)).map_err(from_host)
}

/// write(2)
pub fn write(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, buf, count) = (a[0], a[1], a[2].min(MAX_RW));
    let file = fd::get(fd)?;
    uaccess::unblocked(t.sigmask(), || host::write(file.host, buf, count)).map_err(from_host)
}

/// pread64(2)
pub fn pread64(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, buf, count, offset) = (a[0], a[1], a[2].min(MAX_RW), a[3] as i64);
    let file = fd::get(fd)?;
    uaccess::unblocked(t.sigmask(), || host::pread(file.host, buf, count, offset))
        .map_err(from_host)
}

/// pwrite64(2)
pub fn pwrite64(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, buf, count, offset) = (a[0], a[1], a[2].min(MAX_RW), a[3] as i64);
    let file = fd::get(fd)?;
    uaccess::unblocked(t.sigmask(), || host::pwrite(file.host, buf, count, offset))
        .map_err(from_host)
}

/// Reads a guest iovec array (EINVAL past IOV_MAX, as Linux).
fn iovecs(addr: u64, count: u64) -> Result<Vec<Iovec>, Errno> {
    if count > IOV_MAX {
        return Err(Errno::EINVAL);
    }
    let arr = In::<Iovec>::new(addr);
    let v: Vec<Iovec> = (0..count as usize)
        .map(|i| arr.read_at(i))
        .collect::<Result<_, _>>()?;
    let total = v.iter().try_fold(0u64, |acc, x| {
        acc.checked_add(x.iov_len).filter(|&s| s <= i64::MAX as u64)
    });
    total.ok_or(Errno::EINVAL)?;
    Ok(v)
}

/// readv(2)
pub fn readv(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, iov, count) = (a[0], a[1], a[2]);
    let file = fd::get(fd)?;
    let v = iovecs(iov, count)?;
    uaccess::unblocked(t.sigmask(), || host::readv(file.host, &v)).map_err(from_host)
}

/// writev(2)
pub fn writev(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, iov, count) = (a[0], a[1], a[2]);
    let file = fd::get(fd)?;
    let v = iovecs(iov, count)?;
    uaccess::unblocked(t.sigmask(), || host::writev(file.host, &v)).map_err(from_host)
}

/// lseek(2)
pub fn lseek(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, offset, whence) = (a[0], a[1] as i64, a[2] as i32);
    let file = fd::get(fd)?;
    host::lseek(file.host, offset, whence).map_err(from_host)
}
