//! epoll and eventfd: host epoll instances and eventfds, holding the host
//! fds behind guest fds. A file with no host fd cannot be watched (EPERM,
//! which is also what Linux says for regular files).

use super::poll::wait_mask;
use super::{fd, from_host};
use crate::mem::{read_bytes, write_bytes};
use crate::signal::deliver::set_suspend_mask;
use crate::SysResult;
use abi::Errno;
use platform::{host, uaccess, Trap};

const EPOLL_CLOEXEC: u32 = 0o2000000;
const EPOLL_CTL_DEL: i32 = 2;
/// Linux's EP_MAX_EVENTS.
const MAX_EVENTS: u64 = (i32::MAX as u64) / 12;

/// epoll_create1(2)
pub fn epoll_create1(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let flags = a[0] as u32;
    if flags & !EPOLL_CLOEXEC != 0 {
        return Err(Errno::EINVAL);
    }
    let h = host::epoll_create1(0).map_err(from_host)?;
    fd::install(h, flags & EPOLL_CLOEXEC != 0)
}

/// epoll_create(2): the size is only checked.
pub fn epoll_create(t: &mut Trap, a: [u64; 6]) -> SysResult {
    if a[0] as i32 <= 0 {
        return Err(Errno::EINVAL);
    }
    epoll_create1(t, [0; 6])
}

/// epoll_ctl(2): the event's data word travels untouched.
pub fn epoll_ctl(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (epfd, op, target, event) = (a[0], a[1] as i32, a[2], a[3]);
    let ep = fd::get(epfd)?;
    let file = fd::get(target)?;
    if ep.host < 0 || ep.chan.is_some() {
        return Err(Errno::EINVAL);
    }
    if file.host < 0 {
        return Err(Errno::EPERM);
    }
    let (events, data) = if op == EPOLL_CTL_DEL {
        (0, 0)
    } else {
        // struct epoll_event is packed on x86-64: events[4] data[8].
        let raw = read_bytes(event, 12)?;
        (
            u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]),
            u64::from_le_bytes(raw[4..12].try_into().unwrap_or_default()),
        )
    };
    host::epoll_ctl(ep.host, op, file.host, events, data).map_err(from_host)
}

fn wait(
    t: &mut Trap,
    epfd: u64,
    events: u64,
    max: u64,
    timeout_ms: i32,
    mask: Option<u64>,
) -> SysResult {
    if max == 0 || max > MAX_EVENTS {
        return Err(Errno::EINVAL);
    }
    let ep = fd::get(epfd)?;
    if ep.host < 0 {
        return Err(Errno::EINVAL);
    }
    let wait_mask = mask.unwrap_or_else(|| t.sigmask());
    let got = match uaccess::unblocked(wait_mask, || {
        host::epoll_wait(ep.host, max.min(1024) as usize, timeout_ms)
    }) {
        Ok(v) => v,
        Err(e) => {
            if let (libc::EINTR, Some(m)) = (e, mask) {
                set_suspend_mask(m);
            }
            return Err(from_host(e));
        }
    };
    let mut out = Vec::with_capacity(got.len() * 12);
    for (ev, data) in &got {
        out.extend_from_slice(&ev.to_le_bytes());
        out.extend_from_slice(&data.to_le_bytes());
    }
    write_bytes(events, &out)?;
    Ok(got.len() as u64)
}

/// epoll_wait(2)
pub fn epoll_wait(t: &mut Trap, a: [u64; 6]) -> SysResult {
    wait(t, a[0], a[1], a[2], a[3] as i32, None)
}

/// epoll_pwait(2): the mask is in force while waiting.
pub fn epoll_pwait(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (sigmask, setsize) = (a[4], a[5]);
    let mask = wait_mask(sigmask, setsize)?;
    wait(t, a[0], a[1], a[2], a[3] as i32, mask)
}

/// epoll_pwait2(2): epoll_pwait with a timespec timeout (NULL: forever),
/// rounded up to whole milliseconds for the host's epoll_wait.
pub fn epoll_pwait2(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (timeout, sigmask, setsize) = (a[3], a[4], a[5]);
    let timeout_ms = if timeout == 0 {
        -1
    } else {
        let ts = crate::mem::In::<abi::structs::Timespec>::new(timeout).read()?;
        if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
            return Err(Errno::EINVAL);
        }
        let ms = (ts.tv_sec as u64)
            .saturating_mul(1000)
            .saturating_add((ts.tv_nsec as u64).div_ceil(1_000_000));
        ms.min(i32::MAX as u64) as i32
    };
    let mask = wait_mask(sigmask, setsize)?;
    wait(t, a[0], a[1], a[2], timeout_ms, mask)
}

const EFD_SEMAPHORE: u32 = 1;
const EFD_NONBLOCK: u32 = 0o4000;
const EFD_CLOEXEC: u32 = 0o2000000;

/// eventfd2(2)
pub fn eventfd2(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (initval, flags) = (a[0] as u32, a[1] as u32);
    if flags & !(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let h = host::eventfd(initval, (flags & (EFD_SEMAPHORE | EFD_NONBLOCK)) as i32)
        .map_err(from_host)?;
    fd::install(h, flags & EFD_CLOEXEC != 0)
}

/// eventfd(2)
pub fn eventfd(t: &mut Trap, a: [u64; 6]) -> SysResult {
    eventfd2(t, [a[0], 0, 0, 0, 0, 0])
}
