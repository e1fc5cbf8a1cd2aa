//! Memory for syscall-site trampolines (loader/src/rewrite.rs builds their
//! code): ninux's own, not the guest's, so it is absent from the guest's
//! /proc/self/maps and guest munmap/mprotect/MAP_FIXED cannot touch it; and
//! within ±2 GiB of the sites, for their `jmp rel32`.

use crate::mm::Errno;
use std::sync::Mutex;

/// Every area [`map_near`], [`map_at`] or [`map_file_at`] mapped, (start,
/// len): released by [`release_all`] when an execve in place ends the image
/// they serve.
static AREAS: Mutex<Vec<(u64, u64)>> = Mutex::new(Vec::new());

const PAGE: u64 = 4096;
/// How far from the code a trampoline area may start (well inside 2 GiB,
/// leaving room for the code's own size).
const REACH: u64 = 1 << 30;
const STEP: u64 = 1 << 20;

fn page_up(x: u64) -> u64 {
    (x + PAGE - 1) & !(PAGE - 1)
}

/// Maps `len` bytes of read-write memory whose every byte is within reach of
/// every byte of the code `[lo, hi)`: just below it if there is room, else
/// just above, probing with MAP_FIXED_NOREPLACE so nothing is replaced.
pub fn map_near(lo: u64, hi: u64, len: u64) -> Result<u64, Errno> {
    let len = page_up(len.max(1));
    if hi - lo > REACH {
        return Err(libc::E2BIG);
    }
    let below = (0..REACH / STEP).filter_map(|k| {
        (lo & !(PAGE - 1))
            .checked_sub(len + k * STEP)
            .filter(|&a| a >= 0x10000)
    });
    let above = (0..REACH / STEP).map(|k| page_up(hi) + k * STEP);
    for addr in below.chain(above) {
        if let Ok(at) = map_at(addr, len) {
            return Ok(at);
        }
    }
    Err(libc::ENOMEM)
}

/// Maps `len` bytes of read-write memory for trampolines at exactly `addr`
/// (where an earlier image's were: its rewritten text jumps there), if
/// nothing is there.
pub fn map_at(addr: u64, len: u64) -> Result<u64, Errno> {
    let len = page_up(len.max(1));
    let rw = libc::PROT_READ | libc::PROT_WRITE;
    if !crate::host::claim_anon(addr as usize, len as usize, rw) {
        return Err(libc::EEXIST);
    }
    remember((addr, len));
    Ok(addr)
}

/// Maps trampolines built and saved earlier: `len` bytes of host file
/// `fd` from `offset`, read-and-execute, at exactly `addr`, if nothing is
/// there. Nothing is written: the pages come from the page cache, shared
/// with every process running the same program.
pub fn map_file_at(addr: u64, len: u64, fd: i32, offset: u64) -> Result<(u64, u64), Errno> {
    let len = page_up(len.max(1));
    let rx = libc::PROT_READ | libc::PROT_EXEC;
    if !crate::host::claim_file(addr as usize, len as usize, rx, fd, offset) {
        return Err(libc::EEXIST);
    }
    remember((addr, len));
    Ok((addr, len))
}

fn remember(area: (u64, u64)) {
    AREAS.lock().unwrap_or_else(|p| p.into_inner()).push(area);
}

/// Unmaps one area that no code jumps to (its image's text was not
/// rewritten after all).
pub fn release(area: (u64, u64)) {
    let mut areas = AREAS.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(i) = areas.iter().position(|&(start, _)| start == area.0) {
        let (start, len) = areas.swap_remove(i);
        // SAFETY: the area was mapped for trampolines, and no code reaches it.
        unsafe { libc::munmap(start as *mut libc::c_void, len as usize) };
    }
}

/// Copies trampoline `code` into an area from [`map_near`] or [`map_at`] at `addr`; the
/// area must then be sealed with [`seal`] before guest code runs it.
pub fn write(area: (u64, u64), addr: u64, code: &[u8]) -> Result<(), Errno> {
    let (start, len) = area;
    if addr < start || addr + code.len() as u64 > start + len {
        return Err(libc::EINVAL);
    }
    // SAFETY: the range lies inside an area mapped read-write for
    // trampolines, which no guest thread runs until it is sealed.
    unsafe { std::ptr::copy_nonoverlapping(code.as_ptr(), addr as *mut u8, code.len()) };
    Ok(())
}

/// Copies the start of a trampoline area from [`map_near`] or [`map_at`]
/// into `out` (to save the trampolines as built).
pub fn read(area: (u64, u64), out: &mut [u8]) -> Result<(), Errno> {
    let mapped = AREAS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .any(|&(start, len)| start == area.0 && out.len() as u64 <= len);
    if !mapped {
        return Err(libc::EINVAL);
    }
    // SAFETY: the range lies inside an area mapped (readable) for
    // trampolines, which stays mapped while its image is loaded.
    unsafe { std::ptr::copy_nonoverlapping(area.0 as *const u8, out.as_mut_ptr(), out.len()) };
    Ok(())
}

/// Makes a trampoline area read-and-execute.
pub fn seal(area: (u64, u64)) -> Result<(), Errno> {
    // SAFETY: the area was mapped for trampolines.
    let r = unsafe {
        libc::mprotect(
            area.0 as *mut libc::c_void,
            page_up(area.1) as usize,
            libc::PROT_READ | libc::PROT_EXEC,
        )
    };
    if r < 0 {
        return Err(std::io::Error::last_os_error()
            .raw_os_error()
            .unwrap_or(libc::EIO));
    }
    Ok(())
}

/// Unmaps every trampoline area: the image whose sites jump to them is
/// gone (execve in place, after `mm::unmap_all`).
pub fn release_all() {
    let areas = std::mem::take(&mut *AREAS.lock().unwrap_or_else(|p| p.into_inner()));
    for (start, len) in areas {
        // SAFETY: the area was mapped for trampolines, which only the
        // old image's code (already unmapped) could reach.
        unsafe { libc::munmap(start as *mut libc::c_void, len as usize) };
    }
}
