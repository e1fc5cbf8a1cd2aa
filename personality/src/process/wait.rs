//! wait4: children are host processes, so the host's wait answers.

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

fn rusage_bytes(ru: &libc::rusage) -> Vec<u8> {
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
