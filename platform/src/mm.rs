//! The guest's address space inside the ninux process: host mappings made on
//! the guest's behalf, with bookkeeping of which ranges are the guest's, so
//! that guest `mmap(MAP_FIXED)`, `munmap`, `mprotect` and `mremap` can never
//! touch ninux's own memory (PLATFORM-NOTES 13).

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// Host errno values (the host is Linux, so they are Linux's).
pub type Errno = i32;

const PAGE: u64 = 4096;
/// Guest-owned ranges: start → end, disjoint and coalesced.
static OWNED: Mutex<BTreeMap<u64, u64>> = Mutex::new(BTreeMap::new());
/// Bumped, with [`OWNED`] locked, by every change to it: a thread's
/// [`LAST_OWNED`] stays good while the count is the one it was found at.
static OWNED_CHANGES: AtomicU64 = AtomicU64::new(0);
thread_local! {
    /// The owned range that last answered [`owns`] on this thread, and the
    /// [`OWNED_CHANGES`] count then: a guest's buffer is mostly in the
    /// range it was in last time, which spares the lock on each read.
    static LAST_OWNED: Cell<(u64, u64, u64)> = const { Cell::new((u64::MAX, 0, 0)) };
}
/// System V shared memory attached for the guest: address → length.
static SHM: Mutex<BTreeMap<u64, u64>> = Mutex::new(BTreeMap::new());

fn page_up(x: u64) -> Option<u64> {
    x.checked_add(PAGE - 1).map(|v| v & !(PAGE - 1))
}

fn errno() -> Errno {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

/// A request to map memory for the guest.
#[derive(Debug, Clone, Copy)]
pub struct MapRequest {
    pub addr: u64,
    pub len: u64,
    pub prot: i32,
    /// Host mmap flags (MAP_PRIVATE/SHARED, ANONYMOUS, FIXED, FIXED_NOREPLACE,
    /// NORESERVE, POPULATE, …), already validated by the caller.
    pub flags: i32,
    pub fd: i32,
    pub offset: u64,
}

/// [`OWNED`], to be changed: the change count moves on while it is held.
fn owned_for_change() -> MutexGuard<'static, BTreeMap<u64, u64>> {
    let owned = OWNED.lock().unwrap_or_else(|p| p.into_inner());
    OWNED_CHANGES.fetch_add(1, Ordering::Release);
    owned
}

/// Is all of `[addr, addr+len)` guest memory?
pub fn owns(addr: u64, len: u64) -> bool {
    let Some(end) = addr.checked_add(len) else {
        return false;
    };
    let (changes, start, stop) = LAST_OWNED.with(|c| c.get());
    if start <= addr && end <= stop && changes == OWNED_CHANGES.load(Ordering::Acquire) {
        return true;
    }
    let owned = OWNED.lock().unwrap_or_else(|p| p.into_inner());
    match covering(&owned, addr, end) {
        Some((s, e)) => {
            let changes = OWNED_CHANGES.load(Ordering::Acquire);
            LAST_OWNED.with(|c| c.set((changes, s, e)));
            true
        }
        None => false,
    }
}

fn owns_in(owned: &BTreeMap<u64, u64>, addr: u64, len: u64) -> bool {
    addr.checked_add(len)
        .is_some_and(|end| covering(owned, addr, end).is_some())
}

/// The owned range holding all of `[addr, end)`, if one does. Ranges are
/// coalesced, so that is the last range starting below `end`, or none.
fn covering(owned: &BTreeMap<u64, u64>, addr: u64, end: u64) -> Option<(u64, u64)> {
    owned
        .range(..end)
        .next_back()
        .filter(|(&s, &e)| s <= addr && e >= end)
        .map(|(&s, &e)| (s, e))
}

fn add(map: &mut BTreeMap<u64, u64>, start: u64, end: u64) {
    let (mut s, mut e) = (start, end);
    let overlapping: Vec<(u64, u64)> = map
        .range(..=e)
        .rev()
        .take_while(|(_, &re)| re >= s)
        .map(|(&a, &b)| (a, b))
        .collect();
    for (a, b) in overlapping {
        map.remove(&a);
        s = s.min(a);
        e = e.max(b);
    }
    map.insert(s, e);
}

fn remove(map: &mut BTreeMap<u64, u64>, start: u64, end: u64) {
    let overlapping: Vec<(u64, u64)> = map
        .range(..end)
        .rev()
        .take_while(|(_, &re)| re > start)
        .map(|(&a, &b)| (a, b))
        .collect();
    for (a, b) in overlapping {
        map.remove(&a);
        if a < start {
            map.insert(a, start);
        }
        if b > end {
            map.insert(end, b);
        }
    }
}

/// The parts of `[start, end)` not owned by the guest.
fn gaps(map: &BTreeMap<u64, u64>, start: u64, end: u64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut at = start;
    if let Some((_, &e)) = map.range(..=start).next_back() {
        at = at.max(e.min(end));
    }
    for (&s, &e) in map.range(start..end) {
        if s > at {
            out.push((at, s));
        }
        at = at.max(e);
    }
    if at < end {
        out.push((at, end));
    }
    out
}

fn raw_mmap(
    addr: u64,
    len: u64,
    prot: i32,
    flags: i32,
    fd: i32,
    offset: u64,
) -> Result<u64, Errno> {
    // SAFETY: callers only pass MAP_FIXED for ranges that are guest-owned or
    // that were just claimed with MAP_FIXED_NOREPLACE, so no host memory is replaced.
    let p = unsafe {
        libc::mmap(
            addr as *mut libc::c_void,
            len as usize,
            prot,
            flags,
            fd,
            offset as i64,
        )
    };
    if p == libc::MAP_FAILED {
        Err(errno())
    } else {
        Ok(p as u64)
    }
}

fn raw_munmap(addr: u64, len: u64) {
    // SAFETY: only guest-owned ranges are passed.
    unsafe { libc::munmap(addr as *mut libc::c_void, len as usize) };
}

/// mmap for the guest. MAP_FIXED over memory ninux uses fails with ENOMEM
/// (Linux would silently replace it; here that would corrupt ninux).
pub fn map(req: MapRequest) -> Result<u64, Errno> {
    let len = page_up(req.len).filter(|&l| l > 0).ok_or(libc::EINVAL)?;
    let fixed = req.flags & (libc::MAP_FIXED | libc::MAP_FIXED_NOREPLACE) != 0;
    let mut owned = owned_for_change();
    if !fixed {
        // The host kernel picks a free place (the hint is only a hint).
        let flags = req.flags & !(libc::MAP_FIXED | libc::MAP_FIXED_NOREPLACE);
        let addr = raw_mmap(req.addr, len, req.prot, flags, req.fd, req.offset)?;
        add(&mut owned, addr, addr + len);
        return Ok(addr);
    }
    if !req.addr.is_multiple_of(PAGE) {
        return Err(libc::EINVAL);
    }
    let end = req
        .addr
        .checked_add(len)
        .filter(|&e| e <= 0x7fff_ffff_f000)
        .ok_or(libc::ENOMEM)?;
    let holes = gaps(&owned, req.addr, end);
    if req.flags & libc::MAP_FIXED_NOREPLACE != 0 && holes != [(req.addr, end)] {
        return Err(libc::EEXIST);
    }
    if holes == [(req.addr, end)] {
        // Nothing of it is the guest's yet: one host call both claims and
        // maps, refused if any host mapping is there.
        let flags = (req.flags & !libc::MAP_FIXED) | libc::MAP_FIXED_NOREPLACE;
        return match raw_mmap(req.addr, len, req.prot, flags, req.fd, req.offset) {
            Ok(addr) if addr == req.addr => {
                add(&mut owned, req.addr, end);
                Ok(addr)
            }
            // A kernel without MAP_FIXED_NOREPLACE took it as a hint.
            Ok(addr) => {
                raw_munmap(addr, len);
                Err(libc::ENOMEM)
            }
            Err(libc::EEXIST) => Err(libc::ENOMEM),
            Err(err) => Err(err),
        };
    }
    // Claim the parts the guest does not own yet; any host mapping there
    // makes MAP_FIXED_NOREPLACE fail and the whole request is refused.
    let mut claimed = Vec::new();
    for &(s, e) in &holes {
        let anon = libc::MAP_PRIVATE
            | libc::MAP_ANONYMOUS
            | libc::MAP_FIXED_NOREPLACE
            | libc::MAP_NORESERVE;
        match raw_mmap(s, e - s, libc::PROT_NONE, anon, -1, 0) {
            Ok(_) => claimed.push((s, e)),
            Err(err) => {
                for (cs, ce) in claimed {
                    raw_munmap(cs, ce - cs);
                }
                return Err(if err == libc::EEXIST {
                    libc::ENOMEM
                } else {
                    err
                });
            }
        }
    }
    let flags = (req.flags & !libc::MAP_FIXED_NOREPLACE) | libc::MAP_FIXED;
    match raw_mmap(req.addr, len, req.prot, flags, req.fd, req.offset) {
        Ok(addr) => {
            add(&mut owned, req.addr, end);
            Ok(addr)
        }
        Err(err) => {
            for (cs, ce) in claimed {
                raw_munmap(cs, ce - cs);
            }
            Err(err)
        }
    }
}

/// munmap for the guest: only the guest's own parts of the range are unmapped;
/// the rest is, from the guest's view, not mapped anyway.
pub fn unmap(addr: u64, len: u64) -> Result<(), Errno> {
    if !addr.is_multiple_of(PAGE) || len == 0 {
        return Err(libc::EINVAL);
    }
    let end = page_up(len)
        .and_then(|l| addr.checked_add(l))
        .ok_or(libc::EINVAL)?;
    let mut owned = owned_for_change();
    let pieces: Vec<(u64, u64)> = owned
        .range(..end)
        .filter(|(_, &e)| e > addr)
        .map(|(&s, &e)| (s.max(addr), e.min(end)))
        .collect();
    for (s, e) in pieces {
        raw_munmap(s, e - s);
    }
    remove(&mut owned, addr, end);
    Ok(())
}

/// Unmaps every guest range: execve in place (the old image's memory ends,
/// as at Linux's exec_mmap). ninux's own memory is untouched.
pub fn unmap_all() {
    SHM.lock().unwrap_or_else(|p| p.into_inner()).clear();
    let ranges = std::mem::take(&mut *owned_for_change());
    for (s, e) in ranges {
        raw_munmap(s, e - s);
    }
}

/// mprotect for the guest: ENOMEM unless the whole range is the guest's.
pub fn protect(addr: u64, len: u64, prot: i32) -> Result<(), Errno> {
    if !addr.is_multiple_of(PAGE) {
        return Err(libc::EINVAL);
    }
    let len = page_up(len).ok_or(libc::ENOMEM)?;
    if len == 0 {
        return Ok(());
    }
    if !owns(addr, len) {
        return Err(libc::ENOMEM);
    }
    // SAFETY: the range is guest-owned.
    let r = unsafe { libc::mprotect(addr as *mut libc::c_void, len as usize, prot) };
    if r < 0 {
        Err(errno())
    } else {
        Ok(())
    }
}

/// Makes the guest's writable pages `[addr, addr+len)` present and private
/// (MADV_POPULATE_WRITE) in one host call, where writing them one by one
/// takes a page fault each (two for a file page that is read first): the
/// rewriter patches a few bytes in each of many text pages, and a fault is
/// several microseconds in a VM. Best effort: an older kernel says EINVAL
/// and the writes fault as before.
pub fn populate_write(addr: u64, len: u64) -> Result<(), Errno> {
    let start = addr & !(PAGE - 1);
    let len = page_up(addr.checked_add(len).ok_or(libc::ENOMEM)? - start).ok_or(libc::ENOMEM)?;
    if len == 0 {
        return Ok(());
    }
    if !owns(start, len) {
        return Err(libc::ENOMEM);
    }
    // SAFETY: the range is guest-owned; populating changes no contents.
    let r = unsafe {
        libc::madvise(
            start as *mut libc::c_void,
            len as usize,
            libc::MADV_POPULATE_WRITE,
        )
    };
    if r < 0 {
        Err(errno())
    } else {
        Ok(())
    }
}

/// mremap for the guest.
pub fn remap(
    old: u64,
    old_len: u64,
    new_len: u64,
    flags: i32,
    new_addr: u64,
) -> Result<u64, Errno> {
    let old_len = page_up(old_len).ok_or(libc::EINVAL)?;
    let new_len = page_up(new_len).filter(|&l| l > 0).ok_or(libc::EINVAL)?;
    if !old.is_multiple_of(PAGE) || !owns(old, old_len.max(PAGE)) {
        return Err(libc::EFAULT);
    }
    let mut owned = owned_for_change();
    let mut claimed = Vec::new();
    if flags & libc::MREMAP_FIXED != 0 {
        let end = new_addr.checked_add(new_len).ok_or(libc::EINVAL)?;
        for (s, e) in gaps(&owned, new_addr, end) {
            if !crate::host::claim_anon(s as usize, (e - s) as usize, libc::PROT_NONE) {
                for (cs, ce) in claimed {
                    raw_munmap(cs, ce - cs);
                }
                return Err(libc::ENOMEM);
            }
            claimed.push((s, e));
        }
    }
    // SAFETY: the old range is guest-owned; a fixed destination was claimed above.
    let p = unsafe {
        libc::mremap(
            old as *mut libc::c_void,
            old_len as usize,
            new_len as usize,
            flags,
            new_addr as *mut libc::c_void,
        )
    };
    if p == libc::MAP_FAILED {
        let e = errno();
        for (cs, ce) in claimed {
            raw_munmap(cs, ce - cs);
        }
        return Err(e);
    }
    let p = p as u64;
    if flags & libc::MREMAP_DONTUNMAP == 0 {
        remove(&mut owned, old, old + old_len);
    }
    add(&mut owned, p, p + new_len);
    Ok(p)
}

/// msync for the guest's own memory.
pub fn sync(addr: u64, len: u64, flags: i32) -> Result<(), Errno> {
    if len == 0 {
        return Ok(());
    }
    if !owns(addr, len) {
        return Err(libc::ENOMEM);
    }
    // SAFETY: the range is guest-owned; msync only flushes it.
    let r = unsafe { libc::msync(addr as *mut libc::c_void, len as usize, flags) };
    if r < 0 {
        Err(errno())
    } else {
        Ok(())
    }
}

/// madvise for the guest's own memory.
pub fn advise(addr: u64, len: u64, advice: i32) -> Result<(), Errno> {
    if !addr.is_multiple_of(PAGE) {
        return Err(libc::EINVAL);
    }
    let len = page_up(len).ok_or(libc::EINVAL)?;
    if len == 0 {
        return Ok(());
    }
    if !owns(addr, len) {
        return Err(libc::ENOMEM);
    }
    // SAFETY: the range is guest-owned; madvise cannot touch other memory.
    let r = unsafe { libc::madvise(addr as *mut libc::c_void, len as usize, advice) };
    if r < 0 {
        Err(errno())
    } else {
        Ok(())
    }
}

/// shmat for the guest: System V segment `id` (`len` bytes long) attached
/// where the host puts it or at `addr`. With SHM_REMAP the range must be
/// the guest's already (it replaces what is there); without, the host
/// refuses any overlap itself.
pub fn attach_shm(id: i32, addr: u64, flags: i32, len: u64) -> Result<u64, Errno> {
    let len = page_up(len).filter(|&l| l > 0).ok_or(libc::EINVAL)?;
    let mut owned = owned_for_change();
    if addr != 0 && flags & libc::SHM_REMAP != 0 && !owns_in(&owned, addr & !(PAGE - 1), len) {
        return Err(libc::EINVAL);
    }
    // SAFETY: the segment goes where the host finds room, or at a guest
    // range (SHM_REMAP, checked above), or fails on any overlap.
    let at = unsafe { libc::shmat(id, addr as *const libc::c_void, flags) };
    if at as isize == -1 {
        return Err(errno());
    }
    let at = at as u64;
    add(&mut owned, at, at + len);
    SHM.lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(at, len);
    Ok(at)
}

/// shmdt for the guest: only a segment it attached.
pub fn detach_shm(addr: u64) -> Result<(), Errno> {
    let mut shm = SHM.lock().unwrap_or_else(|p| p.into_inner());
    let len = *shm.get(&addr).ok_or(libc::EINVAL)?;
    // SAFETY: a segment shmat attached for the guest at this address.
    if unsafe { libc::shmdt(addr as *const libc::c_void) } < 0 {
        return Err(errno());
    }
    shm.remove(&addr);
    remove(&mut owned_for_change(), addr, addr + len);
    Ok(())
}

/// Detaches every System V segment the guest attached: at exit, before
/// the address space outlives the process in a helper
/// ([`crate::linger`]), since others count the attachments.
pub fn detach_all_shm() {
    let attached: Vec<u64> = SHM
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .keys()
        .copied()
        .collect();
    for addr in attached {
        let _ = detach_shm(addr);
    }
}

/// mlock (`lock`) or munlock of guest memory. Like Linux, the range is
/// widened to whole pages.
pub fn lock(addr: u64, len: u64, lock: bool) -> Result<(), Errno> {
    let start = addr & !(PAGE - 1);
    let end = addr
        .checked_add(len)
        .and_then(page_up)
        .ok_or(libc::ENOMEM)?;
    if end == start {
        return Ok(());
    }
    if !owns(start, end - start) {
        return Err(libc::ENOMEM);
    }
    let (p, n) = (start as *const libc::c_void, (end - start) as usize);
    // SAFETY: the range is guest-owned; locking changes no contents.
    let r = unsafe {
        if lock {
            libc::mlock(p, n)
        } else {
            libc::munlock(p, n)
        }
    };
    if r < 0 {
        Err(errno())
    } else {
        Ok(())
    }
}

/// mincore: one byte per page of `[addr, addr+len)`, bit 0 set when the
/// page is resident.
pub fn residency(addr: u64, len: u64) -> Result<Vec<u8>, Errno> {
    if !addr.is_multiple_of(PAGE) {
        return Err(libc::EINVAL);
    }
    let len = page_up(len).ok_or(libc::ENOMEM)?;
    if len == 0 {
        return Ok(Vec::new());
    }
    if !owns(addr, len) {
        return Err(libc::ENOMEM);
    }
    let mut vec = vec![0u8; (len / PAGE) as usize];
    // SAFETY: the range is guest-owned and `vec` has a byte per page.
    let r = unsafe { libc::mincore(addr as *mut libc::c_void, len as usize, vec.as_mut_ptr()) };
    if r < 0 {
        Err(errno())
    } else {
        Ok(vec)
    }
}

/// The guest-owned ranges as (start, end), in address order: what the
/// personality's /proc/self/maps keeps of the host's maps.
pub fn owned_ranges() -> Vec<(u64, u64)> {
    let owned = OWNED.lock().unwrap_or_else(|p| p.into_inner());
    owned.iter().map(|(&s, &e)| (s, e)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bookkeeping_coalesces_and_splits() {
        let mut m = BTreeMap::new();
        add(&mut m, 0x1000, 0x3000);
        add(&mut m, 0x3000, 0x5000);
        assert_eq!(m.len(), 1);
        remove(&mut m, 0x2000, 0x4000);
        assert_eq!(
            m.iter().map(|(&a, &b)| (a, b)).collect::<Vec<_>>(),
            vec![(0x1000, 0x2000), (0x4000, 0x5000)]
        );
        assert_eq!(
            gaps(&m, 0x0, 0x6000),
            vec![(0, 0x1000), (0x2000, 0x4000), (0x5000, 0x6000)]
        );
        assert_eq!(gaps(&m, 0x1800, 0x1900), vec![]);
    }

    #[test]
    fn an_unmapped_buffer_is_no_longer_owned_though_it_was_just_asked() {
        let req = MapRequest {
            addr: 0,
            len: 4 * PAGE,
            prot: libc::PROT_READ | libc::PROT_WRITE,
            flags: libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            fd: -1,
            offset: 0,
        };
        let at = map(req).unwrap();
        // The second answer comes from this thread's remembered range.
        assert!(owns(at + PAGE, PAGE));
        assert!(owns(at + 2 * PAGE, 16));
        assert!(!owns(at + 3 * PAGE, 2 * PAGE));
        unmap(at + 2 * PAGE, PAGE).unwrap();
        assert!(!owns(at + 2 * PAGE, 16));
        assert!(owns(at + PAGE, PAGE));
        unmap(at, 4 * PAGE).unwrap();
        assert!(!owns(at + PAGE, PAGE));
    }

    #[test]
    fn fixed_maps_never_replace_host_memory() {
        let host = vec![0u8; 1 << 20];
        let addr = (host.as_ptr() as u64 + PAGE) & !(PAGE - 1);
        let req = MapRequest {
            addr,
            len: PAGE,
            prot: libc::PROT_READ,
            flags: libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
            fd: -1,
            offset: 0,
        };
        assert_eq!(map(req), Err(libc::ENOMEM));
        let free = map(MapRequest {
            addr: 0,
            flags: libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            ..req
        })
        .unwrap();
        assert!(owns(free, PAGE));
        assert_eq!(map(MapRequest { addr: free, ..req }), Ok(free));
        assert_eq!(protect(addr, PAGE, libc::PROT_NONE), Err(libc::ENOMEM));
        unmap(free, PAGE).unwrap();
        assert!(!owns(free, PAGE));
        drop(host);
    }
}
