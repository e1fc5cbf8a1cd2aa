//! read, write and their vector and positional forms. Host-backed fds take the
//! data path: the guest's buffer goes to the host kernel as it is.

use super::fd::OpenFile;
use super::path::kerr;
use super::{fd, from_host};
use crate::mem::{read_bytes, write_bytes, In};
use crate::SysResult;
use abi::structs::Iovec;
use abi::Errno;
use platform::{host, uaccess, Trap};

/// Linux caps one transfer at MAX_RW_COUNT.
const MAX_RW: u64 = 0x7fff_f000;
const IOV_MAX: u64 = 1024;

/// Chans without a host fd move data through a bounce buffer of at most this.
const BOUNCE: u64 = 1 << 20;
const O_APPEND: u32 = 0o2000;

/// Reads from a chan that has no host fd (tar files, synthesized files, 9P).
fn chan_read(file: &OpenFile, buf: u64, count: u64, off: Option<u64>) -> SysResult {
    let chan = file.chan.as_ref().ok_or(Errno::EBADF)?;
    if chan.is_dir() {
        return Err(Errno::EISDIR);
    }
    let mut tmp = vec![0u8; count.min(BOUNCE) as usize];
    let n = chan.pread(&mut tmp, off).map_err(kerr)?;
    write_bytes(buf, &tmp[..n])?;
    Ok(n as u64)
}

/// Writes to a chan that has no host fd; O_APPEND writes at the end.
fn chan_write(file: &OpenFile, buf: u64, count: u64, off: Option<u64>) -> SysResult {
    let chan = file.chan.as_ref().ok_or(Errno::EBADF)?;
    let data = read_bytes(buf, count.min(BOUNCE) as usize)?;
    let append = *crate::state::lock(&file.flags) & O_APPEND != 0;
    if off.is_none() && append {
        let end = chan.stat().map_err(kerr)?.length;
        chan.seek(end).map_err(kerr)?;
    }
    chan.pwrite(&data, off).map(|n| n as u64).map_err(kerr)
}

fn offset(o: i64) -> Result<u64, Errno> {
    u64::try_from(o).map_err(|_| Errno::EINVAL)
}

/// read(2)
pub fn read(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, buf, count) = (a[0], a[1], a[2].min(MAX_RW));
    let file = fd::get(fd)?;
    if file.host < 0 {
        return chan_read(&file, buf, count, None);
    }
    uaccess::unblocked(t.sigmask(), || host::read(file.host, buf, count)).map_err(from_host)
}

/// write(2)
pub fn write(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, buf, count) = (a[0], a[1], a[2].min(MAX_RW));
    let file = fd::get(fd)?;
    if file.host < 0 {
        return chan_write(&file, buf, count, None);
    }
    uaccess::unblocked(t.sigmask(), || host::write(file.host, buf, count)).map_err(from_host)
}

/// pread64(2)
pub fn pread64(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, buf, count, off) = (a[0], a[1], a[2].min(MAX_RW), a[3] as i64);
    let file = fd::get(fd)?;
    if file.host < 0 {
        return chan_read(&file, buf, count, Some(offset(off)?));
    }
    uaccess::unblocked(t.sigmask(), || host::pread(file.host, buf, count, off)).map_err(from_host)
}

/// pwrite64(2)
pub fn pwrite64(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, buf, count, off) = (a[0], a[1], a[2].min(MAX_RW), a[3] as i64);
    let file = fd::get(fd)?;
    if file.host < 0 {
        return chan_write(&file, buf, count, Some(offset(off)?));
    }
    uaccess::unblocked(t.sigmask(), || host::pwrite(file.host, buf, count, off)).map_err(from_host)
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
    if file.host < 0 {
        return each_iovec(&v, |base, len| chan_read(&file, base, len, None));
    }
    uaccess::unblocked(t.sigmask(), || host::readv(file.host, &v)).map_err(from_host)
}

/// writev(2)
pub fn writev(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, iov, count) = (a[0], a[1], a[2]);
    let file = fd::get(fd)?;
    let v = iovecs(iov, count)?;
    if file.host < 0 {
        return each_iovec(&v, |base, len| chan_write(&file, base, len, None));
    }
    uaccess::unblocked(t.sigmask(), || host::writev(file.host, &v)).map_err(from_host)
}

/// Runs a chan transfer per iovec until one comes up short, like Linux.
fn each_iovec(v: &[Iovec], mut f: impl FnMut(u64, u64) -> SysResult) -> SysResult {
    let mut total = 0;
    for iov in v.iter().filter(|i| i.iov_len > 0) {
        match f(iov.iov_base, iov.iov_len) {
            Ok(n) => {
                total += n;
                if n < iov.iov_len {
                    break;
                }
            }
            Err(e) if total == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(total)
}

const SEEK_SET: i32 = 0;
const SEEK_CUR: i32 = 1;
const SEEK_END: i32 = 2;

/// lseek(2)
pub fn lseek(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, offset, whence) = (a[0], a[1] as i64, a[2] as i32);
    let file = fd::get(fd)?;
    if file.host >= 0 {
        return host::lseek(file.host, offset, whence).map_err(from_host);
    }
    let chan = file.chan.as_ref().ok_or(Errno::ESPIPE)?;
    if chan.is_dir() {
        // A directory's offset is getdents' position (its d_off values).
        let mut pos = crate::state::lock(&file.dir_pos);
        let new = match whence {
            SEEK_SET => offset,
            SEEK_CUR => (*pos as i64).checked_add(offset).ok_or(Errno::EINVAL)?,
            // What ext4 (hashed directories) answers; a listing has no byte end.
            SEEK_END if offset == 0 => i64::MAX,
            _ => return Err(Errno::EINVAL),
        };
        *pos = u64::try_from(new).map_err(|_| Errno::EINVAL)?;
        return Ok(*pos);
    }
    let base = match whence {
        SEEK_SET => 0,
        SEEK_CUR => *chan.offset.lock().unwrap_or_else(|p| p.into_inner()) as i64,
        SEEK_END => chan.stat().map_err(kerr)?.length as i64,
        _ => return Err(Errno::EINVAL),
    };
    let new = base
        .checked_add(offset)
        .filter(|&n| n >= 0)
        .ok_or(Errno::EINVAL)?;
    chan.seek(new as u64).map_err(kerr)?;
    Ok(new as u64)
}

/// Reads into a ninux buffer from any open file (for sendfile and friends).
pub fn read_file(file: &OpenFile, buf: &mut [u8], off: Option<u64>) -> Result<usize, Errno> {
    if file.host >= 0 {
        return host::read_local(file.host, buf, off.map(|o| o as i64)).map_err(from_host);
    }
    let chan = file.chan.as_ref().ok_or(Errno::EBADF)?;
    if chan.is_dir() {
        return Err(Errno::EISDIR);
    }
    chan.pread(buf, off).map_err(kerr)
}

/// Writes a ninux buffer to any open file.
pub fn write_file(file: &OpenFile, buf: &[u8], off: Option<u64>) -> Result<usize, Errno> {
    if file.host >= 0 {
        return host::write_local(file.host, buf, off.map(|o| o as i64)).map_err(from_host);
    }
    let chan = file.chan.as_ref().ok_or(Errno::EBADF)?;
    chan.pwrite(buf, off).map_err(kerr)
}

/// preadv(2)
pub fn preadv(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, iov, count, off) = (a[0], a[1], a[2], a[3] as i64);
    let file = fd::get(fd)?;
    let v = iovecs(iov, count)?;
    if off < 0 {
        return Err(Errno::EINVAL);
    }
    if file.host < 0 {
        let mut at = off as u64;
        return each_iovec(&v, |base, len| {
            let n = chan_read(&file, base, len, Some(at))?;
            at += n;
            Ok(n)
        });
    }
    uaccess::unblocked(t.sigmask(), || host::preadv(file.host, &v, off)).map_err(from_host)
}

/// pwritev(2)
pub fn pwritev(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, iov, count, off) = (a[0], a[1], a[2], a[3] as i64);
    let file = fd::get(fd)?;
    let v = iovecs(iov, count)?;
    if off < 0 {
        return Err(Errno::EINVAL);
    }
    if file.host < 0 {
        let mut at = off as u64;
        return each_iovec(&v, |base, len| {
            let n = chan_write(&file, base, len, Some(at))?;
            at += n;
            Ok(n)
        });
    }
    uaccess::unblocked(t.sigmask(), || host::pwritev(file.host, &v, off)).map_err(from_host)
}

/// preadv2(2): flags other than 0 are EOPNOTSUPP; offset -1 means the file offset.
pub fn preadv2(t: &mut Trap, a: [u64; 6]) -> SysResult {
    if a[5] != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    if a[3] as i64 == -1 {
        return readv(t, a);
    }
    preadv(t, a)
}

/// pwritev2(2), as preadv2.
pub fn pwritev2(t: &mut Trap, a: [u64; 6]) -> SysResult {
    if a[5] != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    if a[3] as i64 == -1 {
        return writev(t, a);
    }
    pwritev(t, a)
}
