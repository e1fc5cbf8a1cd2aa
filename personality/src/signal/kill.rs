//! kill, tkill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo. Guest processes
//! and threads are host ones, so every signal is a host signal, the guest
//! itself included: the host kernel keeps it pending while the guest blocks
//! it and delivers it through ninux's handler (a guest handler or the
//! default action) as soon as the trap returns, as Linux delivers a signal
//! sent to oneself before the sending syscall returns to user mode.

use crate::fs::from_host;
use crate::mem::In;
use crate::SysResult;
use abi::signal_frame::{Siginfo, SI_TKILL};
use abi::Errno;
use platform::{host, Trap};

fn check(sig: i32) -> Result<(), Errno> {
    if (0..=64).contains(&sig) {
        Ok(())
    } else {
        Err(Errno::EINVAL)
    }
}

/// kill(2)
pub fn kill(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (pid, sig) = (a[0] as i32, a[1] as i32);
    check(sig)?;
    host::kill(pid, None, sig).map_err(from_host)
}

/// tgkill(2)
pub fn tgkill(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (tgid, tid, sig) = (a[0] as i32, a[1] as i32, a[2] as i32);
    check(sig)?;
    if tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL);
    }
    host::kill(tgid, Some(tid), sig).map_err(from_host)
}

/// tkill(2)
pub fn tkill(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (tid, sig) = (a[0] as i32, a[1] as i32);
    check(sig)?;
    if tid <= 0 {
        return Err(Errno::EINVAL);
    }
    let _ = t;
    platform::tkill(tid, sig).map_err(from_host)
}

/// Reads a caller-made siginfo: only the caller's own process may be sent
/// one that pretends to come from the kernel or from kill (Linux's rule).
fn read_info(pid: i32, sig: i32, uinfo: In<Siginfo>) -> Result<Siginfo, Errno> {
    let mut info = uinfo.read()?;
    if (info.code >= 0 || info.code == SI_TKILL) && pid != std::process::id() as i32 {
        return Err(Errno::EPERM);
    }
    info.signo = sig;
    Ok(info)
}

/// rt_sigqueueinfo(2)
pub fn rt_sigqueueinfo(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (tgid, sig, uinfo) = (a[0] as i32, a[1] as i32, In::<Siginfo>::new(a[2]));
    check(sig)?;
    let info = read_info(tgid, sig, uinfo)?;
    platform::sigqueueinfo(tgid, None, &info).map_err(from_host)
}

/// rt_tgsigqueueinfo(2)
pub fn rt_tgsigqueueinfo(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (tgid, tid, sig, uinfo) = (
        a[0] as i32,
        a[1] as i32,
        a[2] as i32,
        In::<Siginfo>::new(a[3]),
    );
    check(sig)?;
    if tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL);
    }
    let info = read_info(tgid, sig, uinfo)?;
    platform::sigqueueinfo(tgid, Some(tid), &info).map_err(from_host)
}
