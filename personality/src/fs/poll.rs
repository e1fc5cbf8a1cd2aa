//! poll and ppoll: guest fds become their host fds and the host kernel
//! waits; a file with no host fd (a tar member, a synthesized file, a 9P
//! file) is always ready, as regular files are on Linux.

use super::{fd, from_host};
use crate::mem::{read_bytes, write_bytes, In};
use crate::signal::deliver::set_suspend_mask;
use crate::SysResult;
use abi::signal::SigSet;
use abi::structs::Timespec;
use abi::Errno;
use platform::{host, uaccess, Trap};

const POLLIN: i16 = 0x1;
const POLLOUT: i16 = 0x4;
const POLLNVAL: i16 = 0x20;
const POLLRDNORM: i16 = 0x40;
const POLLWRNORM: i16 = 0x100;

/// The signal mask a ppoll-like call waits with (`None`: the current one),
/// read from the guest; SIGKILL and SIGSTOP cannot be blocked.
pub fn wait_mask(sigmask: u64, setsize: u64) -> Result<Option<u64>, Errno> {
    if sigmask == 0 {
        return Ok(None);
    }
    if setsize != 8 {
        return Err(Errno::EINVAL);
    }
    Ok(Some(
        SigSet(In::<u64>::new(sigmask).read()?)
            .without_unblockable()
            .0,
    ))
}

/// Linux's RLIMIT_NOFILE ceiling for nfds.
const MAX_NFDS: u64 = 1 << 20;

/// Waits for `want` — (guest fd, events) pairs, negative fds ignored — and
/// returns each one's revents. Files with a host fd wait in the host kernel;
/// others are ready at once; a closed fd is POLLNVAL.
fn wait_for(
    t: &mut Trap,
    want: &[(i32, i16)],
    timeout: Option<Timespec>,
    mask: Option<u64>,
) -> Result<Vec<i16>, Errno> {
    let mut revents = vec![0i16; want.len()];
    let mut host_fds = Vec::new();
    let mut which = Vec::new();
    let mut ready = false;
    for (i, &(gfd, events)) in want.iter().enumerate() {
        if gfd < 0 {
            continue;
        }
        match fd::get(gfd as u64) {
            Err(_) => revents[i] = POLLNVAL,
            Ok(file) if file.host >= 0 => {
                host_fds.push(libc::pollfd {
                    fd: file.host,
                    events,
                    revents: 0,
                });
                which.push(i);
            }
            Ok(_) => revents[i] = events & (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM),
        }
        ready |= revents[i] != 0;
    }
    // Something is ready already: only look, do not wait.
    let wait = if ready {
        Some(Timespec::default())
    } else {
        timeout
    };
    let wait_mask = mask.unwrap_or_else(|| t.sigmask());
    if let Err(e) = uaccess::unblocked(wait_mask, || host::ppoll(&mut host_fds, wait)) {
        if let (libc::EINTR, Some(m)) = (e, mask) {
            // ppoll and pselect: the handler runs with the call's mask, as rt_sigsuspend.
            set_suspend_mask(m);
        }
        return Err(from_host(e));
    }
    for (p, &i) in host_fds.iter().zip(&which) {
        revents[i] = p.revents;
    }
    Ok(revents)
}

/// The shared part of poll and ppoll: the guest's pollfd array in and out.
fn poll_common(
    t: &mut Trap,
    fds_addr: u64,
    nfds: u64,
    timeout: Option<Timespec>,
    mask: Option<u64>,
) -> SysResult {
    if nfds > MAX_NFDS {
        return Err(Errno::EINVAL);
    }
    let mut raw = read_bytes(fds_addr, nfds as usize * 8)?;
    let want: Vec<(i32, i16)> = raw
        .chunks_exact(8)
        .map(|c| {
            (
                i32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                i16::from_le_bytes([c[4], c[5]]),
            )
        })
        .collect();
    let revents = wait_for(t, &want, timeout, mask)?;
    for (chunk, r) in raw.chunks_exact_mut(8).zip(&revents) {
        chunk[6..8].copy_from_slice(&r.to_le_bytes());
    }
    write_bytes(fds_addr, &raw)?;
    Ok(revents.iter().filter(|&&r| r != 0).count() as u64)
}

const POLLPRI: i16 = 0x2;
const POLLERR: i16 = 0x8;
const POLLHUP: i16 = 0x10;
/// Linux's FD_SETSIZE for the guest's fd_set.
const FD_SETSIZE: u64 = 1024;

/// select and pselect6 as a poll: the three fd_sets become pollfds and the
/// results become bits again, as Linux's select is defined over poll events.
fn select_common(
    t: &mut Trap,
    nfds: u64,
    sets: [u64; 3],
    timeout: Option<Timespec>,
    mask: Option<u64>,
) -> SysResult {
    if nfds > FD_SETSIZE {
        return Err(Errno::EINVAL);
    }
    let bytes = nfds.div_ceil(64) as usize * 8;
    let read_set = |addr: u64| -> Result<Vec<u8>, Errno> {
        if addr == 0 {
            Ok(vec![0; bytes])
        } else {
            read_bytes(addr, bytes)
        }
    };
    let (rd, wr, ex) = (read_set(sets[0])?, read_set(sets[1])?, read_set(sets[2])?);
    let bit = |set: &[u8], fd: usize| set[fd / 8] & (1 << (fd % 8)) != 0;
    let mut want = Vec::new();
    for fd in 0..nfds as usize {
        let mut events = 0;
        if bit(&rd, fd) {
            events |= POLLIN;
        }
        if bit(&wr, fd) {
            events |= POLLOUT;
        }
        if bit(&ex, fd) {
            events |= POLLPRI;
        }
        if events != 0 {
            want.push((fd as i32, events));
        }
    }
    let revents = wait_for(t, &want, timeout, mask)?;
    if revents.iter().any(|&r| r & POLLNVAL != 0) {
        return Err(Errno::EBADF);
    }
    let (mut ord, mut owr, mut oex) = (vec![0u8; bytes], vec![0u8; bytes], vec![0u8; bytes]);
    let mut count = 0;
    for (&(fd, events), &r) in want.iter().zip(&revents) {
        let fd = fd as usize;
        let mut mark = |set: &mut Vec<u8>| {
            set[fd / 8] |= 1 << (fd % 8);
            count += 1;
        };
        if events & POLLIN != 0 && r & (POLLIN | POLLHUP | POLLERR) != 0 {
            mark(&mut ord);
        }
        if events & POLLOUT != 0 && r & (POLLOUT | POLLERR) != 0 {
            mark(&mut owr);
        }
        if events & POLLPRI != 0 && r & POLLPRI != 0 {
            mark(&mut oex);
        }
    }
    for (addr, set) in sets.iter().zip([&ord, &owr, &oex]) {
        if *addr != 0 {
            write_bytes(*addr, set)?;
        }
    }
    Ok(count)
}

/// select(2): a timeval timeout, NULL waits forever.
pub fn select(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let timeout = if a[4] == 0 {
        None
    } else {
        let tv = In::<abi::structs::Timeval>::new(a[4]).read()?;
        if tv.tv_sec < 0 || !(0..1_000_000).contains(&tv.tv_usec) {
            return Err(Errno::EINVAL);
        }
        Some(Timespec {
            tv_sec: tv.tv_sec,
            tv_nsec: tv.tv_usec * 1000,
        })
    };
    select_common(t, a[0], [a[1], a[2], a[3]], timeout, None)
}

/// pselect6(2): a timespec timeout and, in the sixth argument, a pointer to
/// { const sigset_t *mask; size_t size }.
pub fn pselect6(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let timeout = if a[4] == 0 {
        None
    } else {
        Some(In::<Timespec>::new(a[4]).read()?)
    };
    if timeout.is_some_and(|t| t.tv_sec < 0 || !(0..1_000_000_000).contains(&t.tv_nsec)) {
        return Err(Errno::EINVAL);
    }
    let mask = if a[5] == 0 {
        None
    } else {
        let (ptr, size) = (
            In::<u64>::new(a[5]).read()?,
            In::<u64>::new(a[5] + 8).read()?,
        );
        if ptr == 0 {
            None
        } else if size != 8 {
            return Err(Errno::EINVAL);
        } else {
            Some(SigSet(In::<u64>::new(ptr).read()?).without_unblockable().0)
        }
    };
    select_common(t, a[0], [a[1], a[2], a[3]], timeout, mask)
}

/// poll(2): timeout in milliseconds, negative waits forever.
pub fn poll(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fds, nfds, ms) = (a[0], a[1], a[2] as i32);
    let timeout = (ms >= 0).then(|| Timespec {
        tv_sec: (ms / 1000) as i64,
        tv_nsec: (ms % 1000) as i64 * 1_000_000,
    });
    poll_common(t, fds, nfds, timeout, None)
}

/// ppoll(2): a timespec timeout (updated with the time left is not done:
/// glibc does not rely on it) and a signal mask for the wait.
pub fn ppoll(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fds, nfds, tmo, sigmask, setsize) = (a[0], a[1], a[2], a[3], a[4]);
    let timeout = if tmo == 0 {
        None
    } else {
        Some(In::<Timespec>::new(tmo).read()?)
    };
    if timeout.is_some_and(|t| t.tv_sec < 0 || !(0..1_000_000_000).contains(&t.tv_nsec)) {
        return Err(Errno::EINVAL);
    }
    let mask = wait_mask(sigmask, setsize)?;
    poll_common(t, fds, nfds, timeout, mask)
}
