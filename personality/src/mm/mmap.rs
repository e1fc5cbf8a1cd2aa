//! mmap, munmap, mprotect, mremap, madvise. Linux's flag values are the
//! host's (both are x86-64 Linux); the checks here are the man page's.

use super::{names, shared};
use crate::fs::{fd, from_host};
use crate::SysResult;
use abi::flags::{MapFlags, MremapFlags, Prot};
use abi::Errno;
use platform::mm::{self, MapRequest};
use platform::{host, Trap};

const PAGE: u64 = abi::auxv::PAGE_SIZE;

/// The page-rounded end of `[addr, addr+len)`, saturating: guest lengths
/// may be anything.
fn end_of(addr: u64, len: u64) -> u64 {
    addr.saturating_add(len.saturating_add(PAGE - 1) & !(PAGE - 1))
}

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
    if offset.checked_add(len).is_none() {
        return Err(Errno::EOVERFLOW);
    }
    // The host must not see flags it does not know as the guest meant them.
    let flags = flags & MapFlags::all() & !MapFlags::UNINITIALIZED;
    let host_fd = if flags.contains(MapFlags::ANONYMOUS) {
        None
    } else {
        Some(fd::get(fd as u64)?)
    };
    if flags.contains(MapFlags::FIXED) {
        // What the new mapping replaces is unmapped first, as Linux does.
        shared::release(addr, end_of(addr, len));
    }
    let at = match host_fd.as_ref() {
        Some(file) if file.host < 0 => map_copy(file, addr, len, prot, flags, offset)?,
        _ => mm::map(MapRequest {
            addr,
            len,
            prot: prot.bits() as i32,
            flags: flags.bits() as i32,
            fd: host_fd.as_ref().map_or(-1, |f| f.host),
            offset,
        })
        .map_err(from_host)?,
    };
    if kind != MapFlags::PRIVATE.bits() {
        // Another process may now tell this one things through memory.
        kernel::hostwatch::memory_shared();
    }
    let end = end_of(at, len);
    match host_fd.as_ref().and_then(|f| file_name(f, offset)) {
        Some(name) => names::record(at, end, name),
        None => names::forget(at, end),
    }
    // Newly mapped guest code is trapped like the image's (SUD covers all
    // guest code); a private host-backed file mapped executable (a
    // library's text) also has its syscall sites rewritten.
    if let Some(file) = host_fd.as_ref() {
        if prot.contains(Prot::EXEC) && file.host >= 0 && flags.contains(MapFlags::PRIVATE) {
            crate::rewrite::rewrite_mapping(file.host, at, end - at, offset, prot.bits() as i32);
        }
    }
    Ok(at)
}

/// How /proc/self/maps names a mapping of `file`: by its path in the
/// namespace (not the host's), when it is a namespace file.
fn file_name(file: &fd::OpenFile, offset: u64) -> Option<names::FileName> {
    let chan = file.chan.as_ref()?;
    let st = crate::fs::stat::stat_of(chan).ok()?;
    Some(names::FileName {
        path: chan.name.clone(),
        offset,
        dev: names::dev_text(st.st_dev),
        inode: st.st_ino,
    })
}

/// A file without a host fd (a rootfs tar member, a 9P file) cannot be
/// mapped by the host, so its mapping is anonymous memory filled with the
/// file's bytes: exact for MAP_PRIVATE and for read-only MAP_SHARED (whose
/// pages nobody else writes through ninux). A writable MAP_SHARED mapping
/// is shared anonymous memory written back to the file by `mm::shared`.
fn map_copy(
    file: &std::sync::Arc<fd::OpenFile>,
    addr: u64,
    len: u64,
    prot: Prot,
    flags: MapFlags,
    offset: u64,
) -> SysResult {
    let chan = file.chan.as_ref().ok_or(Errno::ENODEV)?;
    if chan.is_dir() {
        return Err(Errno::ENODEV);
    }
    let writes_back = !flags.contains(MapFlags::PRIVATE) && prot.contains(Prot::WRITE);
    let mode = *crate::state::lock(&file.flags) & 3;
    // Linux requires read access to the file for any file mapping, and
    // write access for a writable shared one.
    if mode == abi::flags::OpenFlags::WRONLY.bits()
        || (writes_back && mode != abi::flags::OpenFlags::RDWR.bits())
    {
        return Err(Errno::EACCES);
    }
    let kind = if writes_back {
        MapFlags::SHARED | MapFlags::ANONYMOUS
    } else {
        MapFlags::PRIVATE | MapFlags::ANONYMOUS
    };
    let keep = flags & (MapFlags::FIXED | MapFlags::FIXED_NOREPLACE | MapFlags::NORESERVE);
    let rw = (Prot::READ | Prot::WRITE).bits() as i32;
    let at = mm::map(MapRequest {
        addr,
        len,
        prot: rw,
        flags: (kind | keep).bits() as i32,
        fd: -1,
        offset: 0,
    })
    .map_err(from_host)?;
    let fill = || -> Result<(), Errno> {
        let mut buf = vec![0u8; len.min(1 << 20) as usize];
        let mut done = 0u64;
        while done < len {
            let want = (len - done).min(buf.len() as u64) as usize;
            let n = chan
                .pread(&mut buf[..want], Some(offset + done))
                .map_err(crate::fs::path::kerr)?;
            if n == 0 {
                // Past the end of the file the pages read as zero.
                break;
            }
            platform::uaccess::copy_out(at + done, &buf[..n]).map_err(|_| Errno::EFAULT)?;
            done += n as u64;
        }
        mm::protect(at, len, prot.bits() as i32).map_err(from_host)
    };
    if let Err(e) = fill() {
        let _ = mm::unmap(at, len);
        return Err(e);
    }
    if writes_back {
        shared::record(at, end_of(at, len), file.clone(), offset);
    }
    Ok(at)
}

/// munmap(2)
pub fn munmap(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (addr, len) = (a[0], a[1]);
    if addr % PAGE == 0 && len != 0 {
        shared::release(addr, end_of(addr, len));
    }
    mm::unmap(addr, len).map_err(from_host)?;
    names::forget(addr, end_of(addr, len));
    Ok(0)
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
    .map_err(from_host)?;
    // Memory that becomes executable is trapped like the image (SUD covers
    // all guest code); a syscall-site rewriter would scan it here when
    // `prot` has PROT_EXEC.
    Ok(0)
}

/// mremap(2)
pub fn mremap(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (old, old_len, new_len, flags, new_addr) = (a[0], a[1], a[2], a[3] as u32, a[4]);
    let flags = MremapFlags::from_bits(flags).ok_or(Errno::EINVAL)?;
    if flags.contains(MremapFlags::FIXED) && !flags.contains(MremapFlags::MAYMOVE) {
        return Err(Errno::EINVAL);
    }
    // A written-back copy is written back now and not after a move.
    shared::release(old, end_of(old, old_len));
    let at = mm::remap(old, old_len, new_len, flags.bits() as i32, new_addr).map_err(from_host)?;
    // A moved or resized file mapping keeps its file, from the same offset.
    let moved = names::at(old).filter(|(s, _, _)| *s == old);
    if !flags.contains(MremapFlags::DONTUNMAP) {
        names::forget(old, end_of(old, old_len));
    }
    let end = end_of(at, new_len);
    match moved {
        Some((_, _, name)) => names::record(at, end, name),
        None => names::forget(at, end),
    }
    Ok(at)
}

/// msync(2): a copied-in shared mapping is written back to its file; a
/// host file mapping is the host's to sync.
pub fn msync(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (addr, len, flags) = (a[0], a[1], a[2] as i32);
    let known = libc::MS_ASYNC | libc::MS_SYNC | libc::MS_INVALIDATE;
    if addr % PAGE != 0
        || flags & !known != 0
        || flags & (libc::MS_ASYNC | libc::MS_SYNC) == libc::MS_ASYNC | libc::MS_SYNC
    {
        return Err(Errno::EINVAL);
    }
    // Linux rounds the length up modulo 2^64 (so -1 becomes 0, a no-op).
    let len = len.wrapping_add(PAGE - 1) & !(PAGE - 1);
    let end = addr.checked_add(len).ok_or(Errno::ENOMEM)?;
    if end > addr && !mm::owns(addr, end - addr) {
        return Err(Errno::ENOMEM);
    }
    shared::write_back(addr, end)?;
    mm::sync(addr, end - addr, flags)
        .map(|_| 0)
        .map_err(from_host)
}

/// madvise(2)
pub fn madvise(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (addr, len, advice) = (a[0], a[1], a[2] as i32);
    mm::advise(addr, len, advice).map(|_| 0).map_err(from_host)
}

/// mlock(2)
pub fn mlock(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    mm::lock(a[0], a[1], true).map(|_| 0).map_err(from_host)
}

/// mlock2(2): MLOCK_ONFAULT locks pages as they are touched; ninux locks
/// them now, which holds what the flag promises and more.
pub fn mlock2(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    const MLOCK_ONFAULT: u64 = 1;
    if a[2] & !MLOCK_ONFAULT != 0 {
        return Err(Errno::EINVAL);
    }
    mm::lock(a[0], a[1], true).map(|_| 0).map_err(from_host)
}

/// munlock(2)
pub fn munlock(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    mm::lock(a[0], a[1], false).map(|_| 0).map_err(from_host)
}

/// mlockall(2) and munlockall(2) are the host's: they lock ninux's own
/// memory too, which a locked guest needs anyway.
pub fn mlockall(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    host::mlockall(a[0] as i32).map_err(from_host)
}

/// munlockall(2)
pub fn munlockall(_t: &mut Trap, _a: [u64; 6]) -> SysResult {
    host::munlockall().map_err(from_host)
}

/// mincore(2)
pub fn mincore(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let vec = mm::residency(a[0], a[1]).map_err(from_host)?;
    crate::mem::write_bytes(a[2], &vec)?;
    Ok(0)
}
