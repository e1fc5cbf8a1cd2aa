//! Process, thread and group ids: the host's, since every guest process is a
//! host process and every guest thread a host thread. User and group ids
//! are the personality's ([`super::creds`]), which start as the host's.

use crate::fs::from_host;
use crate::mem::Out;
use crate::SysResult;
use platform::{host, Trap};

fn plain(nr: i64, a: [u64; 3]) -> SysResult {
    host::plain(nr, a).map_err(from_host)
}

/// gettid(2)
pub fn gettid(_t: &mut Trap, _a: [u64; 6]) -> SysResult {
    Ok(platform::gettid() as u64)
}
/// getpid(2)
pub fn getpid(_t: &mut Trap, _a: [u64; 6]) -> SysResult {
    Ok(host::getpid() as u64)
}
/// getppid(2)
pub fn getppid(_t: &mut Trap, _a: [u64; 6]) -> SysResult {
    plain(libc::SYS_getppid, [0; 3])
}
/// getuid(2)
pub fn getuid(_t: &mut Trap, _a: [u64; 6]) -> SysResult {
    Ok(super::creds::ids(true)[0] as u64)
}
/// geteuid(2)
pub fn geteuid(_t: &mut Trap, _a: [u64; 6]) -> SysResult {
    Ok(super::creds::ids(true)[1] as u64)
}
/// getgid(2)
pub fn getgid(_t: &mut Trap, _a: [u64; 6]) -> SysResult {
    Ok(super::creds::ids(false)[0] as u64)
}
/// getegid(2)
pub fn getegid(_t: &mut Trap, _a: [u64; 6]) -> SysResult {
    Ok(super::creds::ids(false)[1] as u64)
}
/// getpgid(2)
pub fn getpgid(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    plain(libc::SYS_getpgid, [a[0], 0, 0])
}
/// getpgrp(2): getpgid(0).
pub fn getpgrp(_t: &mut Trap, _a: [u64; 6]) -> SysResult {
    plain(libc::SYS_getpgid, [0; 3])
}
/// getsid(2)
pub fn getsid(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    plain(libc::SYS_getsid, [a[0], 0, 0])
}

fn write_three(a: [u64; 6], v: [u32; 3]) -> SysResult {
    for (ptr, value) in a[..3].iter().zip(v) {
        Out::<u32>::new(*ptr).write(&value)?;
    }
    Ok(0)
}

/// getresuid(2)
pub fn getresuid(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let [r, e, s, _] = super::creds::ids(true);
    write_three(a, [r, e, s])
}
/// getresgid(2)
pub fn getresgid(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let [r, e, s, _] = super::creds::ids(false);
    write_three(a, [r, e, s])
}

/// setpgid(2): process groups are the host's, so job control between guest
/// processes (a shell's pipelines, kill of -pgrp) is the host's too.
pub fn setpgid(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    host::ints(
        libc::SYS_setpgid,
        [a[0] as i32 as u64, a[1] as i32 as u64, 0, 0, 0, 0],
    )
    .map_err(from_host)
}

/// setsid(2): a new host session (EPERM for a group leader, as Linux).
pub fn setsid(_t: &mut Trap, _a: [u64; 6]) -> SysResult {
    host::ints(libc::SYS_setsid, [0; 6]).map_err(from_host)
}
