//! mmap, munmap, mprotect, mremap, madvise. Linux's flag values are the
//! host's (both are x86-64 Linux); the checks here are the man page's.

use crate::fs::{fd, from_host};
use crate::SysResult;
use abi::flags::{MapFlags, MremapFlags, Prot};
use abi::Errno;
use platform::mm::{self, MapRequest};
use platform::Trap;

const PAGE: u64 = abi::auxv::PAGE_SIZE;

/// mmap(2)
pub fn mmap(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (addr, len, prot, flags, fd, offset) =
        (a[0], a[1], a[2] as u32, a[3] as u32, a[4] as i32, a[5]);
    let prot = Prot::from_bits(prot).ok_or(Errno::EINVAL)?;
    let flags = MapFlags::from_bits_retain(flags);
    let kind = flags.bits() & 0xf;
    if len == 0 || offset % PAGE != 0 {
        return Err(Errno::EINVAL);
    }
    if kind == MapFlags::SHARED_VALIDATE.bits() && !MapFlags::all().contains(flags) {
        return Err(Errno::EOPNOTSUPP);
    }
    if kind != MapFlags::SHARED.bits()
        && kind != MapFlags::PRIVATE.bits()
        && kind != MapFlags::SHARED_VALIDATE.bits()
    {
        return Err(Errno::EINVAL);
    }
    if len > 0x7fff_ffff_f000 {
        return Err(Errno::ENOMEM);
    }
    // The host must not see flags it does not know as the guest meant them.
    let flags = flags & MapFlags::all() & !MapFlags::UNINITIALIZED;
    let host_fd = if flags.contains(MapFlags::ANONYMOUS) {
        None
    } else {
        Some(fd::get(fd as u64)?)
    };
    let req = MapRequest {
        addr,
        len,
        prot: prot.bits() as i32,
        flags: flags.bits() as i32,
        fd: host_fd.as_ref().map_or(-1, |f| f.host),
        offset,
    };
    mm::map(req).map_err(from_host)
}

/// munmap(2)
pub fn munmap(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (addr, len) = (a[0], a[1]);
    mm::unmap(addr, len).map(|_| 0).map_err(from_host)
}

/// mprotect(2)
pub fn mprotect(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (addr, len, prot) = (a[0], a[1], a[2] as u32);
    let prot = Prot::from_bits(prot).ok_or(Errno::EINVAL)?;
    if prot.contains(Prot::GROWSDOWN | Prot::GROWSUP) {
        return Err(Errno::EINVAL);
    }
    mm::protect(
        addr,
        len,
        (prot - Prot::GROWSDOWN - Prot::GROWSUP).bits() as i32,
    )
    .map(|_| 0)
    .map_err(from_host)
}

/// mremap(2)
pub fn mremap(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (old, old_len, new_len, flags, new_addr) = (a[0], a[1], a[2], a[3] as u32, a[4]);
    let flags = MremapFlags::from_bits(flags).ok_or(Errno::EINVAL)?;
    if flags.contains(MremapFlags::FIXED) && !flags.contains(MremapFlags::MAYMOVE) {
        return Err(Errno::EINVAL);
    }
    mm::remap(old, old_len, new_len, flags.bits() as i32, new_addr).map_err(from_host)
}

/// madvise(2)
pub fn madvise(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (addr, len, advice) = (a[0], a[1], a[2] as i32);
    mm::advise(addr, len, advice).map(|_| 0).map_err(from_host)
}
