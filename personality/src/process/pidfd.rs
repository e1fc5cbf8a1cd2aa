//! pidfd_open and pidfd_send_signal: a guest pidfd holds a host pidfd, since
//! guest processes are host processes. clone's CLONE_PIDFD makes one too
//! (`thread.rs`); waitid's P_PIDFD reads one (`wait.rs`).

use crate::fs::{fd, from_host};
use crate::mem::read_bytes;
use crate::SysResult;
use abi::Errno;
use platform::{host, Trap};

/// PIDFD_NONBLOCK is O_NONBLOCK.
const PIDFD_NONBLOCK: u64 = 0o4000;

/// pidfd_open(2): close-on-exec, as Linux makes every pidfd.
pub fn pidfd_open(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (pid, flags) = (a[0] as i32, a[1]);
    if flags & !PIDFD_NONBLOCK != 0 || pid <= 0 {
        return Err(Errno::EINVAL);
    }
    let h = host::ints(libc::SYS_pidfd_open, [pid as u64, flags, 0, 0, 0, 0]).map_err(from_host)?;
    fd::install(h as i32, true)
}

/// A host pidfd for the child just forked, installed as a guest fd.
pub(crate) fn open_for_child(pid: i32) -> SysResult {
    pidfd_open_host(pid).and_then(|h| fd::install(h, true))
}

fn pidfd_open_host(pid: i32) -> Result<i32, Errno> {
    host::ints(libc::SYS_pidfd_open, [pid as u64, 0, 0, 0, 0, 0])
        .map(|h| h as i32)
        .map_err(from_host)
}

/// pidfd_send_signal(2): the siginfo, if any, is copied into ninux and
/// checked by the host kernel (its own rules on forged si_code).
pub fn pidfd_send_signal(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (pidfd, sig, info, flags) = (a[0], a[1] as i32, a[2], a[3] as u32);
    if !(0..=64).contains(&sig) {
        return Err(Errno::EINVAL);
    }
    let file = fd::get(pidfd)?;
    // A /proc/PID directory stands for its process too (the older way to
    // hold one): ninux's /proc is its own, so the host's is opened for it.
    let proc_dir = match &file.chan {
        Some(c) if file.host < 0 && c.dev.typ == 'P' && c.is_dir() => {
            let pid: u32 = c
                .name
                .strip_prefix("/proc/")
                .and_then(|p| p.parse().ok())
                .ok_or(Errno::EBADF)?;
            Some(
                host::open_directory(std::path::Path::new(&format!("/proc/{pid}")))
                    .map_err(|_| Errno::ESRCH)?,
            )
        }
        _ => None,
    };
    let target = match &proc_dir {
        Some(d) => std::os::fd::AsRawFd::as_raw_fd(d),
        None if file.host >= 0 => file.host,
        None => return Err(Errno::EBADF),
    };
    let info = if info == 0 {
        None
    } else {
        let bytes = read_bytes(info, 128)?;
        let mut buf = [0u8; 128];
        buf.copy_from_slice(&bytes);
        Some(buf)
    };
    host::pidfd_send_signal(target, sig, info.as_ref(), flags).map_err(from_host)
}
