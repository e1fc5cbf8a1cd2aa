//! wait4 and waitid: children are host processes, so the host's wait answers.

use crate::fs::from_host;
use crate::mem::Out;
use crate::SysResult;
use abi::Errno;
use platform::{host, uaccess, Trap};

const WNOHANG: u64 = 1;
const WUNTRACED: u64 = 2;
const WCONTINUED: u64 = 8;
const WALL: u64 = 0x4000_0000;
const WCLONE: u64 = 0x8000_0000;
const WNOTHREAD: u64 = 0x2000_0000;

/// wait4(2); rusage is left as the host reports it (same layout on x86-64).
pub fn wait4(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (pid, status, options, rusage) = (a[0] as i32, Out::<i32>::new(a[1]), a[2], a[3]);
    if options & !(WNOHANG | WUNTRACED | WCONTINUED | WALL | WCLONE | WNOTHREAD) != 0 {
        return Err(Errno::EINVAL);
    }
    let (child, st, ru) =
        uaccess::unblocked(t.sigmask(), || host::wait4(pid, options as i32)).map_err(from_host)?;
    if child != 0 && !status.is_null() {
        status.write(&st)?;
    }
    if child != 0 && rusage != 0 {
        crate::mem::write_bytes(rusage, &rusage_bytes(&ru))?;
    }
    Ok(child)
}

const WSTOPPED: u64 = 2;
const WEXITED: u64 = 4;
const WNOWAIT: u64 = 0x0100_0000;
const P_ALL: u64 = 0;
const P_PID: u64 = 1;
const P_PGID: u64 = 2;
const P_PIDFD: u64 = 3;

/// waitid(2): P_ALL, P_PID, P_PGID and P_PIDFD (the guest's pidfd names a
/// host pidfd). Linux fills only si_signo, si_errno, si_code, si_pid, si_uid
/// and si_status (zeros when WNOHANG finds nothing), so only those 28 bytes
/// of the guest's siginfo are written.
pub fn waitid(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (idtype, id, infop, options, rusage) = (a[0], a[1], a[2], a[3], a[4]);
    let known = WNOHANG | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT | WALL | WCLONE | WNOTHREAD;
    if options & !known != 0 || options & (WEXITED | WSTOPPED | WCONTINUED) == 0 {
        return Err(Errno::EINVAL);
    }
    let id = match idtype {
        P_ALL => 0,
        P_PID | P_PGID => {
            if id as i32 <= 0 && !(idtype == P_PGID && id == 0) {
                return Err(Errno::EINVAL);
            }
            id as u32 as u64
        }
        P_PIDFD => {
            let file = crate::fs::fd::get(id as u32 as u64)?;
            if file.host < 0 {
                return Err(Errno::EBADF);
            }
            file.host as u64
        }
        _ => return Err(Errno::EINVAL),
    };
    let (info, ru) = uaccess::unblocked(t.sigmask(), || {
        host::waitid(idtype as i32, id, options as i32)
    })
    .map_err(from_host)?;
    if infop != 0 {
        crate::mem::write_bytes(infop, &info[..28])?;
    }
    if rusage != 0 {
        crate::mem::write_bytes(rusage, &rusage_bytes(&ru))?;
    }
    Ok(0)
}

pub(crate) fn rusage_bytes(ru: &libc::rusage) -> Vec<u8> {
    // struct rusage: two timevals then fourteen longs, as on the host.
    let mut out = Vec::with_capacity(144);
    for v in [
        ru.ru_utime.tv_sec,
        ru.ru_utime.tv_usec,
        ru.ru_stime.tv_sec,
        ru.ru_stime.tv_usec,
    ] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for v in [
        ru.ru_maxrss,
        ru.ru_ixrss,
        ru.ru_idrss,
        ru.ru_isrss,
        ru.ru_minflt,
        ru.ru_majflt,
        ru.ru_nswap,
        ru.ru_inblock,
        ru.ru_oublock,
        ru.ru_msgsnd,
        ru.ru_msgrcv,
        ru.ru_nsignals,
        ru.ru_nvcsw,
        ru.ru_nivcsw,
    ] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}
