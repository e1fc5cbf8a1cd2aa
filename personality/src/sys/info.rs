//! uname, sysinfo, getrandom, resource limits, scheduling, umask.

use crate::fs::from_host;
use crate::mem::{In, Out};
use crate::state::{lock, process};
use crate::SysResult;
use abi::structs::{Rlimit, Sysinfo, Utsname};
use abi::Errno;
use platform::{host, Trap};
use std::sync::atomic::Ordering;

/// uname(2): the host kernel's identity, as a Linux guest would see it
/// there; under the PER_LINUX32 personality (setarch i686) the machine is
/// i686, as Linux says.
pub fn uname(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let mut u = host::uname();
    if PERSONA.load(Ordering::Relaxed) & 0xff == PER_LINUX32 {
        u.machine = [0; 65];
        u.machine[..4].copy_from_slice(b"i686");
    }
    Out::<Utsname>::new(a[0]).write(&u)?;
    Ok(0)
}

/// The process's execution domain and flags (personality(2)); kept across
/// fork and execve, as Linux keeps them.
static PERSONA: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
const PER_LINUX32: u32 = 0x0008;

/// personality(2): 0xffffffff asks; anything else is recorded and the old
/// value returned. Only PER_LINUX32 changes what ninux does (uname); the
/// flags (ADDR_NO_RANDOMIZE and the like) are kept for the asking.
pub fn personality(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let asked = a[0] as u32;
    let old = if asked == 0xffff_ffff {
        PERSONA.load(Ordering::Relaxed)
    } else {
        PERSONA.swap(asked, Ordering::Relaxed)
    };
    Ok(old as u64)
}

/// sysinfo(2)
pub fn sysinfo(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    Out::<Sysinfo>::new(a[0]).write(&host::sysinfo())?;
    Ok(0)
}

/// getrandom(2)
pub fn getrandom(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (buf, len, flags) = (a[0], a[1], a[2] as u32);
    const KNOWN: u32 = 0x1 | 0x2 | 0x4;
    if flags & !KNOWN != 0 || flags & 0x6 == 0x6 {
        return Err(Errno::EINVAL);
    }
    host::getrandom(buf, len.min(0x7fff_f000), flags).map_err(from_host)
}

const RLIM_NLIMITS: u32 = 16;

/// prlimit64(2), for the calling process.
pub fn prlimit64(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (pid, resource, new, old) = (
        a[0] as i32,
        a[1] as u32,
        In::<Rlimit>::new(a[2]),
        Out::<Rlimit>::new(a[3]),
    );
    if pid != 0 && pid != std::process::id() as i32 {
        return Err(Errno::ESRCH);
    }
    if resource >= RLIM_NLIMITS {
        return Err(Errno::EINVAL);
    }
    let new = if new.is_null() {
        None
    } else {
        Some(new.read()?)
    };
    if new.is_some_and(|n| n.rlim_cur > n.rlim_max) {
        return Err(Errno::EINVAL);
    }
    let mut limits = lock(&process().rlimits);
    let slot = &mut limits[resource as usize];
    if let Some(n) = new {
        // Raising the hard limit needs privilege the guest may not have.
        // SAFETY-free check: geteuid has no arguments.
        let root = host::plain(libc::SYS_geteuid, [0; 3]).unwrap_or(1) == 0;
        if n.rlim_max > slot.rlim_max && !root {
            return Err(Errno::EPERM);
        }
    }
    if !old.is_null() {
        old.write(slot)?;
    }
    if let Some(n) = new {
        // The number of processes is the host's to count (per user, root
        // exempt, as on Linux): the host process takes the limit too.
        if resource == libc::RLIMIT_NPROC {
            host::setrlimit(resource, n).map_err(from_host)?;
        }
        *slot = n;
    }
    Ok(0)
}

/// getrlimit(2)
pub fn getrlimit(t: &mut Trap, a: [u64; 6]) -> SysResult {
    prlimit64(t, [0, a[0], 0, a[1], 0, 0])
}

/// setrlimit(2)
pub fn setrlimit(t: &mut Trap, a: [u64; 6]) -> SysResult {
    prlimit64(t, [0, a[0], a[1], 0, 0, 0])
}

/// sched_getaffinity(2): returns the size of the mask the kernel wrote.
pub fn sched_getaffinity(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (pid, len, mask) = (a[0] as i32, a[1], a[2]);
    if len % 8 != 0 || len == 0 {
        return Err(Errno::EINVAL);
    }
    let mut buf = vec![0u8; len.min(8192) as usize];
    let n = host::sched_getaffinity(pid, &mut buf).map_err(from_host)?;
    crate::mem::write_bytes(mask, &buf[..n as usize])?;
    Ok(n)
}

/// sched_yield(2)
pub fn sched_yield(_t: &mut Trap, _a: [u64; 6]) -> SysResult {
    host::plain(libc::SYS_sched_yield, [0; 3]).map_err(from_host)
}

/// getcpu(2)
pub fn getcpu(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (cpu, node) = host::getcpu().map_err(from_host)?;
    if a[0] != 0 {
        Out::<u32>::new(a[0]).write(&cpu)?;
    }
    if a[1] != 0 {
        Out::<u32>::new(a[1]).write(&node)?;
    }
    Ok(0)
}

/// umask(2)
pub fn umask(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    Ok(process()
        .umask
        .swap((a[0] & 0o777) as i32, Ordering::SeqCst) as u64)
}
