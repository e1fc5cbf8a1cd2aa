//! signalfd4 and signalfd: a host signalfd behind a guest fd. Signals are
//! host signals kept pending by the host kernel while the guest blocks them
//! (see `kill.rs`), so the host's signalfd reads exactly the guest's.

use crate::fs::{fd, from_host};
use crate::mem::In;
use crate::SysResult;
use abi::Errno;
use platform::{host, Trap};

const SFD_NONBLOCK: u64 = 0o4000;
const SFD_CLOEXEC: u64 = 0o2000000;

/// signalfd4(2). SIGSYS is ninux's trap signal and is left out of the
/// mask (SIGKILL and SIGSTOP the host leaves out itself, as Linux does).
pub fn signalfd4(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (guest, mask, size, flags) = (a[0] as i32, In::<u64>::new(a[1]), a[2], a[3]);
    if size != 8 || flags & !(SFD_NONBLOCK | SFD_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let mask = mask.read()? & !(1u64 << (libc::SIGSYS - 1));
    if guest == -1 {
        let host_flags = (flags & SFD_NONBLOCK) as i32 | libc::SFD_CLOEXEC;
        let h = host::signalfd4(-1, mask, host_flags).map_err(from_host)?;
        return fd::install(h, flags & SFD_CLOEXEC != 0);
    }
    // An existing signalfd gets the new mask; flags are ignored, as Linux does.
    let file = fd::get(guest as u64)?;
    if file.host < 0 {
        return Err(Errno::EINVAL);
    }
    host::signalfd4(file.host, mask, 0).map_err(from_host)?;
    Ok(guest as u64)
}

/// signalfd(2): signalfd4 without flags.
pub fn signalfd(t: &mut Trap, a: [u64; 6]) -> SysResult {
    signalfd4(t, [a[0], a[1], a[2], 0, 0, 0])
}
