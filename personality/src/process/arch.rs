//! arch_prctl and prctl.

use crate::fs::from_host;
use crate::mem::{read_bytes, write_bytes, Out};
use crate::state::{lock, process};
use crate::SysResult;
use abi::Errno;
use platform::Trap;
use std::sync::atomic::{AtomicBool, Ordering};

const ARCH_SET_GS: u64 = 0x1001;
const ARCH_SET_FS: u64 = 0x1002;
const ARCH_GET_FS: u64 = 0x1003;
const ARCH_GET_GS: u64 = 0x1004;
const ARCH_GET_CPUID: u64 = 0x1011;

/// arch_prctl(2). The FS base is recorded and applied when the trap returns
/// (PLATFORM-NOTES 6); GS is ninux's (its per-thread block), so the guest may not set it.
pub fn arch_prctl(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (code, addr) = (a[0], a[1]);
    match code {
        ARCH_SET_FS => {
            if addr >= 0x0000_8000_0000_0000 {
                return Err(Errno::EPERM);
            }
            platform::set_guest_fs(addr);
            Ok(0)
        }
        ARCH_GET_FS => {
            Out::<u64>::new(addr).write(&platform::guest_fs())?;
            Ok(0)
        }
        ARCH_GET_GS => {
            Out::<u64>::new(addr).write(&0)?;
            Ok(0)
        }
        ARCH_SET_GS => Err(Errno::EINVAL),
        ARCH_GET_CPUID => Ok(1),
        _ => Err(Errno::EINVAL),
    }
}

const PR_SET_PDEATHSIG: u64 = 1;
const PR_GET_PDEATHSIG: u64 = 2;
const PR_SET_NAME: u64 = 15;
const PR_GET_NAME: u64 = 16;
const PR_SET_CHILD_SUBREAPER: u64 = 36;
const PR_GET_CHILD_SUBREAPER: u64 = 37;
const PR_GET_DUMPABLE: u64 = 3;
const PR_SET_DUMPABLE: u64 = 4;
const PR_GET_KEEPCAPS: u64 = 7;
const PR_SET_KEEPCAPS: u64 = 8;
const PR_GET_SECCOMP: u64 = 21;
const PR_CAPBSET_READ: u64 = 23;
const PR_SET_TIMERSLACK: u64 = 29;
const PR_GET_TIMERSLACK: u64 = 30;
const PR_SET_NO_NEW_PRIVS: u64 = 38;
const PR_GET_NO_NEW_PRIVS: u64 = 39;
const PR_GET_TID_ADDRESS: u64 = 40;
const PR_SET_THP_DISABLE: u64 = 41;
const PR_GET_THP_DISABLE: u64 = 42;

/// PR_SET_DUMPABLE's value, the guest's own: ninux's host process stays
/// dumpable, or its /proc/self would no longer be its own to read.
static DUMPABLE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Set once this process, or one it descends from in the run, asked the
/// host to reparent orphans to it (PR_SET_CHILD_SUBREAPER): then ninux
/// makes no orphans of its own, which that guest would reap.
static REAPS_ORPHANS: AtomicBool = AtomicBool::new(false);

pub fn guest_reaps_orphans() -> bool {
    REAPS_ORPHANS.load(Ordering::Relaxed)
}

pub fn set_guest_reaps_orphans() {
    REAPS_ORPHANS.store(true, Ordering::Relaxed);
}

/// prctl(2). The parent-death signal and the subreaper flag are the host
/// process's own: the host kernel sends the signal (which ninux then
/// delivers as any other) and reparents orphans, exactly as Linux would.
pub fn prctl(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (option, arg2) = (a[0], a[1]);
    match option {
        PR_SET_NAME => {
            // The name is at most 16 bytes with its NUL; longer ones are cut.
            let mut name = [0u8; 16];
            for (i, slot) in name.iter_mut().take(15).enumerate() {
                let b = read_bytes(arg2 + i as u64, 1)?[0];
                if b == 0 {
                    break;
                }
                *slot = b;
            }
            *lock(&process().comm) = name;
            Ok(0)
        }
        PR_GET_NAME => {
            let name = *lock(&process().comm);
            write_bytes(arg2, &name)?;
            Ok(0)
        }
        PR_SET_PDEATHSIG => {
            if arg2 > 64 {
                return Err(Errno::EINVAL);
            }
            host_prctl(option, arg2)
        }
        PR_SET_CHILD_SUBREAPER => {
            if arg2 != 0 {
                set_guest_reaps_orphans();
            }
            host_prctl(option, (arg2 != 0) as u64)
        }
        PR_GET_PDEATHSIG | PR_GET_CHILD_SUBREAPER => {
            let v = platform::host::prctl_get_int(option as i32).map_err(from_host)?;
            Out::<i32>::new(arg2).write(&v)?;
            Ok(0)
        }
        PR_GET_DUMPABLE => Ok(DUMPABLE.load(std::sync::atomic::Ordering::Relaxed)),
        PR_SET_DUMPABLE => match arg2 {
            0 | 1 => {
                DUMPABLE.store(arg2, std::sync::atomic::Ordering::Relaxed);
                Ok(0)
            }
            _ => Err(Errno::EINVAL),
        },
        PR_GET_TID_ADDRESS => {
            let addr = crate::state::with_thread(|th| th.clear_child_tid);
            Out::<u64>::new(arg2).write(&addr)?;
            Ok(0)
        }
        // The host's, for this thread or process: none of them changes what
        // ninux itself may do.
        PR_GET_KEEPCAPS | PR_SET_KEEPCAPS | PR_GET_SECCOMP | PR_CAPBSET_READ
        | PR_SET_TIMERSLACK | PR_GET_TIMERSLACK | PR_SET_NO_NEW_PRIVS | PR_GET_NO_NEW_PRIVS
        | PR_SET_THP_DISABLE | PR_GET_THP_DISABLE => {
            platform::host::ints(libc::SYS_prctl, [option, arg2, a[2], a[3], a[4], 0])
                .map_err(from_host)
        }
        _ => Err(Errno::EINVAL),
    }
}

fn host_prctl(option: u64, arg2: u64) -> SysResult {
    platform::host::ints(libc::SYS_prctl, [option, arg2, 0, 0, 0, 0]).map_err(from_host)
}
