//! arch_prctl and prctl.

use crate::fs::from_host;
use crate::mem::{read_bytes, write_bytes, Out};
use crate::state::{lock, process};
use crate::SysResult;
use abi::Errno;
use platform::Trap;

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
        PR_SET_CHILD_SUBREAPER => host_prctl(option, (arg2 != 0) as u64),
        PR_GET_PDEATHSIG | PR_GET_CHILD_SUBREAPER => {
            let v = platform::host::prctl_get_int(option as i32).map_err(from_host)?;
            Out::<i32>::new(arg2).write(&v)?;
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

fn host_prctl(option: u64, arg2: u64) -> SysResult {
    platform::host::ints(libc::SYS_prctl, [option, arg2, 0, 0, 0, 0]).map_err(from_host)
}
