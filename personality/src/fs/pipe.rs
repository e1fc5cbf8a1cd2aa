//! pipe and pipe2: host pipes, so that data moves between processes at host
//! speed and a pipe outlives the process that made it.

use super::{fd, from_host};
use crate::mem::Out;
use crate::SysResult;
use abi::flags::OpenFlags;
use abi::Errno;
use platform::{host, Trap};

/// pipe2(2)
pub fn pipe2(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fds_out, flags) = (a[0], a[1] as u32);
    let flags = OpenFlags::from_bits(flags).ok_or(Errno::EINVAL)?;
    let allowed = OpenFlags::CLOEXEC | OpenFlags::NONBLOCK | OpenFlags::DIRECT;
    if !allowed.contains(flags) {
        return Err(Errno::EINVAL);
    }
    let host_flags = (flags & (OpenFlags::NONBLOCK | OpenFlags::DIRECT)).bits() as i32;
    let [r, w] = host::pipe2(host_flags).map_err(from_host)?;
    let cloexec = flags.contains(OpenFlags::CLOEXEC);
    let gr = fd::install(r, cloexec).inspect_err(|_| host::close(w))?;
    let gw = fd::install(w, cloexec).inspect_err(|_| fd::remove(gr))?;
    if let Err(e) = Out::<[i32; 2]>::new(fds_out).write(&[gr as i32, gw as i32]) {
        fd::remove(gr);
        fd::remove(gw);
        return Err(e);
    }
    Ok(0)
}

/// pipe(2)
pub fn pipe(t: &mut Trap, a: [u64; 6]) -> SysResult {
    pipe2(t, [a[0], 0, 0, 0, 0, 0])
}
