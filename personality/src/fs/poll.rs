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

/// Linux's RLIMIT_NOFILE ceiling for nfds.
const MAX_NFDS: u64 = 1 << 20;

/// The shared part: read the guest's pollfds, wait on the host, write back.
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
    let raw = read_bytes(fds_addr, nfds as usize * 8)?;
    let guest: Vec<(i32, i16)> = raw
        .chunks_exact(8)
        .map(|c| {
            (
                i32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                i16::from_le_bytes([c[4], c[5]]),
            )
        })
        .collect();
    // Host pollfds for the fds that have a host fd; others are answered here.
    let mut revents = vec![0i16; guest.len()];
    let mut host_fds = Vec::new();
    let mut which = Vec::new();
    let mut ready = 0u64;
    for (i, &(gfd, events)) in guest.iter().enumerate() {
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
        if revents[i] != 0 {
            ready += 1;
        }
    }
    // Something is ready already: only look, do not wait.
    let wait = if ready > 0 {
        Some(Timespec::default())
    } else {
        timeout
    };
    let wait_mask = mask.unwrap_or_else(|| t.sigmask());
    let r = uaccess::unblocked(wait_mask, || host::ppoll(&mut host_fds, wait));
    if let Err(e) = r {
        if e == libc::EINTR {
            if let Some(m) = mask {
                // ppoll: the handler runs with the call's mask, as rt_sigsuspend.
                set_suspend_mask(m);
            }
        }
        return Err(from_host(e));
    }
    for (p, &i) in host_fds.iter().zip(&which) {
        revents[i] = p.revents;
        if p.revents != 0 {
            ready += 1;
        }
    }
    let mut out = raw;
    for (i, chunk) in out.chunks_exact_mut(8).enumerate() {
        chunk[6..8].copy_from_slice(&revents[i].to_le_bytes());
    }
    write_bytes(fds_addr, &out)?;
    Ok(ready)
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
    let mask = if sigmask == 0 {
        None
    } else {
        if setsize != 8 {
            return Err(Errno::EINVAL);
        }
        Some(
            SigSet(In::<u64>::new(sigmask).read()?)
                .without_unblockable()
                .0,
        )
    };
    poll_common(t, fds, nfds, timeout, mask)
}
