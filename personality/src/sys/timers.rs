//! timerfd_create/settime/gettime and the POSIX per-process timers
//! (timer_create, timer_settime, timer_gettime, timer_getoverrun,
//! timer_delete). Both are the host kernel's own: a timerfd is a host fd
//! behind a guest fd, and a POSIX timer's signal is a host signal that ninux
//! delivers to the guest like any other (its siginfo, SI_TIMER with the
//! timer id and value, is the host's). Guest threads are host threads, so
//! SIGEV_THREAD_ID names the same thread on both sides.

use crate::fs::{fd, from_host};
use crate::mem::{read_bytes, write_bytes};
use crate::SysResult;
use abi::Errno;
use platform::host::{self, Itimerspec};
use platform::Trap;

const TFD_NONBLOCK: u64 = 0o4000;
const TFD_CLOEXEC: u64 = 0o2000000;
const TFD_TIMER_ABSTIME: u64 = 1;
const TFD_TIMER_CANCEL_ON_SET: u64 = 2;
const TIMER_ABSTIME: u64 = 1;

fn read_itimerspec(addr: u64) -> Result<Itimerspec, Errno> {
    let raw = read_bytes(addr, 32)?;
    let mut v = [0i64; 4];
    for (i, slot) in v.iter_mut().enumerate() {
        *slot = i64::from_le_bytes(raw[i * 8..i * 8 + 8].try_into().unwrap_or_default());
    }
    Ok(v)
}

fn write_itimerspec(addr: u64, v: &Itimerspec) -> Result<(), Errno> {
    let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
    write_bytes(addr, &bytes)
}

/// timerfd_create(2): the host's timerfd, close-on-exec on the host side
/// (the guest's own flag lives in its fd table).
pub fn timerfd_create(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (clock, flags) = (a[0] as i32, a[1]);
    if flags & !(TFD_NONBLOCK | TFD_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let host_flags = (flags & TFD_NONBLOCK) | TFD_CLOEXEC;
    let h = host::ints(
        libc::SYS_timerfd_create,
        [clock as u64, host_flags, 0, 0, 0, 0],
    )
    .map_err(from_host)?;
    fd::install(h as i32, flags & TFD_CLOEXEC != 0)
}

/// The host timerfd behind guest fd `fd` (EBADF, or EINVAL when the file
/// has no host fd and so cannot be a timerfd).
fn host_timerfd(guest: u64) -> Result<i32, Errno> {
    let file = fd::get(guest)?;
    if file.host < 0 {
        return Err(Errno::EINVAL);
    }
    Ok(file.host)
}

/// timerfd_settime(2)
pub fn timerfd_settime(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (guest, flags, new, old) = (a[0], a[1], a[2], a[3]);
    if flags & !(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET) != 0 {
        return Err(Errno::EINVAL);
    }
    let h = host_timerfd(guest)?;
    let value = read_itimerspec(new)?;
    let prev = host::settime(true, h, flags as i32, &value).map_err(from_host)?;
    if old != 0 {
        write_itimerspec(old, &prev)?;
    }
    Ok(0)
}

/// timerfd_gettime(2)
pub fn timerfd_gettime(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let h = host_timerfd(a[0])?;
    let cur = host::gettime(true, h).map_err(from_host)?;
    write_itimerspec(a[1], &cur)?;
    Ok(0)
}

/// timer_create(2): the guest's struct sigevent (64 bytes) goes to the host
/// as it is; SIGEV_THREAD is glibc's business (it asks for SIGEV_THREAD_ID).
pub fn timer_create(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (clock, sevp, timerid) = (a[0] as i32, a[1], a[2]);
    let ev = if sevp == 0 {
        None
    } else {
        let raw = read_bytes(sevp, 64)?;
        let mut ev = [0u8; 64];
        ev.copy_from_slice(&raw);
        // sigev_signo at offset 8: SIGSYS is ninux's trap signal.
        let signo = i32::from_le_bytes([ev[8], ev[9], ev[10], ev[11]]);
        if signo == libc::SIGSYS {
            return Err(Errno::EINVAL);
        }
        Some(ev)
    };
    // Check the result pointer first, so no host timer is left behind.
    crate::mem::Out::<i32>::new(timerid).write(&0)?;
    let id = host::timer_create(clock, ev.as_ref()).map_err(from_host)?;
    crate::state::lock(&TIMERS).insert(id);
    crate::mem::Out::<i32>::new(timerid).write(&id)?;
    Ok(0)
}

/// The host POSIX timers the guest made (a forked child's copy may name
/// some it does not have: deleting those fails harmlessly).
static TIMERS: std::sync::Mutex<std::collections::BTreeSet<i32>> =
    std::sync::Mutex::new(std::collections::BTreeSet::new());

/// Deletes every POSIX timer: Linux's exec does (the host's exec would for
/// a re-exec'd ninux; an execve in place must).
pub fn delete_all() {
    let ids = std::mem::take(&mut *crate::state::lock(&TIMERS));
    for id in ids {
        let _ = host::ints(libc::SYS_timer_delete, [id as u64, 0, 0, 0, 0, 0]);
    }
}

/// timer_settime(2)
pub fn timer_settime(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (id, flags, new, old) = (a[0] as i32, a[1], a[2], a[3]);
    if flags & !TIMER_ABSTIME != 0 {
        return Err(Errno::EINVAL);
    }
    let value = read_itimerspec(new)?;
    let prev = host::settime(false, id, flags as i32, &value).map_err(from_host)?;
    if old != 0 {
        write_itimerspec(old, &prev)?;
    }
    Ok(0)
}

/// timer_gettime(2)
pub fn timer_gettime(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let cur = host::gettime(false, a[0] as i32).map_err(from_host)?;
    write_itimerspec(a[1], &cur)?;
    Ok(0)
}

/// timer_getoverrun(2)
pub fn timer_getoverrun(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    host::ints(
        libc::SYS_timer_getoverrun,
        [a[0] as i32 as u64, 0, 0, 0, 0, 0],
    )
    .map_err(from_host)
}

/// timer_delete(2)
pub fn timer_delete(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    host::ints(libc::SYS_timer_delete, [a[0] as i32 as u64, 0, 0, 0, 0, 0]).map_err(from_host)?;
    crate::state::lock(&TIMERS).remove(&(a[0] as i32));
    Ok(0)
}

/// getrusage(2): the host's accounting (ninux's own work on the guest's
/// behalf counts as the guest's, as a kernel's would).
pub fn getrusage(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let who = a[0] as i32;
    if ![0, -1, 1].contains(&who) {
        return Err(Errno::EINVAL);
    }
    let ru = host::getrusage(who).map_err(from_host)?;
    write_bytes(a[1], &crate::process::wait::rusage_bytes(&ru))?;
    Ok(0)
}

/// times(2)
pub fn times(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (ticks, tms) = host::times().map_err(from_host)?;
    if a[0] != 0 {
        let bytes: Vec<u8> = tms.iter().flat_map(|x| x.to_le_bytes()).collect();
        write_bytes(a[0], &bytes)?;
    }
    Ok(ticks)
}

/// membarrier(2): the host's, since guest threads are host threads.
pub fn membarrier(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    host::ints(
        libc::SYS_membarrier,
        [
            a[0] as i32 as u64,
            a[1] as u32 as u64,
            a[2] as i32 as u64,
            0,
            0,
            0,
        ],
    )
    .map_err(from_host)
}
