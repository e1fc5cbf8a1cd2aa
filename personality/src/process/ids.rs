//! Process, thread, group and credential ids: the host's, since every guest
//! process is a host process and every guest thread a host thread.

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
    plain(libc::SYS_getuid, [0; 3])
}
/// geteuid(2)
pub fn geteuid(_t: &mut Trap, _a: [u64; 6]) -> SysResult {
    plain(libc::SYS_geteuid, [0; 3])
}
/// getgid(2)
pub fn getgid(_t: &mut Trap, _a: [u64; 6]) -> SysResult {
    plain(libc::SYS_getgid, [0; 3])
}
/// getegid(2)
pub fn getegid(_t: &mut Trap, _a: [u64; 6]) -> SysResult {
    plain(libc::SYS_getegid, [0; 3])
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

/// getresuid(2): real, effective and saved ids are one on the host side.
pub fn getresuid(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let uid = host::plain(libc::SYS_getuid, [0; 3]).map_err(from_host)? as u32;
    let euid = host::plain(libc::SYS_geteuid, [0; 3]).map_err(from_host)? as u32;
    write_three(a, [uid, euid, euid])
}
/// getresgid(2)
pub fn getresgid(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let gid = host::plain(libc::SYS_getgid, [0; 3]).map_err(from_host)? as u32;
    let egid = host::plain(libc::SYS_getegid, [0; 3]).map_err(from_host)? as u32;
    write_three(a, [gid, egid, egid])
}
