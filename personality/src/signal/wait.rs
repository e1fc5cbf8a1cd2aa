//! Waiting for signals and looking at pending ones: rt_sigsuspend, pause,
//! rt_sigtimedwait, rt_sigpending. The host kernel holds the pending
//! signals (guest processes are host processes); a wait ends when a signal
//! reaches ninux's handler, which defers it to the dispatcher's exit path.

use super::deliver::set_suspend_mask;
use crate::fs::from_host;
use crate::mem::{In, Out};
use crate::SysResult;
use abi::signal::{SigSet, SIGSYS};
use abi::signal_frame::Siginfo;
use abi::structs::Timespec;
use abi::Errno;
use platform::Trap;

/// rt_sigsuspend(2): waits with `mask` until a signal is delivered; the
/// handler runs with that mask in force and rt_sigreturn restores the old one.
pub fn rt_sigsuspend(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (set, setsize) = (In::<u64>::new(a[0]), a[1]);
    if setsize != 8 {
        return Err(Errno::EINVAL);
    }
    let mask = SigSet(set.read()?).without_unblockable().0;
    platform::sigsuspend(mask);
    set_suspend_mask(mask);
    Err(Errno::EINTR)
}

/// pause(2)
pub fn pause(t: &mut Trap, _a: [u64; 6]) -> SysResult {
    platform::sigsuspend(t.sigmask());
    Err(Errno::EINTR)
}

/// rt_sigtimedwait(2)
pub fn rt_sigtimedwait(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (set, info, timeout, setsize) = (
        In::<u64>::new(a[0]),
        Out::<Siginfo>::new(a[1]),
        In::<Timespec>::new(a[2]),
        a[3],
    );
    if setsize != 8 {
        return Err(Errno::EINVAL);
    }
    // SIGSYS is ninux's own: a guest cannot take it from the host.
    let set = SigSet(set.read()?).without_unblockable().0 & !SigSet::bit(SIGSYS);
    let timeout = if timeout.is_null() {
        None
    } else {
        let ts = timeout.read()?;
        if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
            return Err(Errno::EINVAL);
        }
        Some(ts)
    };
    let got = platform::sigtimedwait(set, t.sigmask(), timeout).map_err(from_host)?;
    if !info.is_null() {
        info.write(&got)?;
    }
    Ok(got.signo as u64)
}

/// rt_sigpending(2): pending signals the thread blocks.
pub fn rt_sigpending(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (set, setsize) = (Out::<u64>::new(a[0]), a[1]);
    if setsize > 8 {
        return Err(Errno::EINVAL);
    }
    let pending = platform::sigpending() & t.sigmask();
    let bytes = pending.to_le_bytes();
    crate::mem::write_bytes(set.0, &bytes[..setsize as usize])?;
    Ok(0)
}
