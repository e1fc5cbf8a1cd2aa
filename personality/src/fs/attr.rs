//! Changing attributes: truncate, ftruncate, chmod, fchmod, fchmodat, and
//! the sync family. On a host fd they go straight to the host; on a chan they
//! become a Plan 9 wstat with every other field "don't touch".

use super::fd;
use super::from_host;
use super::open::{base_of, plan9_perm};
use super::path::{self, kerr, Base, Last};
use crate::mem::read_path;
use crate::SysResult;
use abi::Errno;
use kernel::Chan;
use ninep::Dir;
use platform::{host, Trap};

fn wstat(chan: &Chan, change: impl FnOnce(&mut Dir)) -> SysResult {
    let mut d = Dir::dont_touch();
    change(&mut d);
    chan.node().wstat(&d).map_err(kerr)?;
    Ok(0)
}

fn set_length(chan: &Chan, len: i64) -> SysResult {
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    if chan.is_dir() {
        return Err(Errno::EISDIR);
    }
    wstat(chan, |d| d.length = len as u64)
}

/// ftruncate(2)
pub fn ftruncate(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, len) = (a[0], a[1] as i64);
    let file = fd::get(fd)?;
    if file.host >= 0 {
        return host::ftruncate(file.host, len).map_err(from_host);
    }
    set_length(file.chan.as_ref().ok_or(Errno::EINVAL)?, len)
}

/// truncate(2)
pub fn truncate(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (path, len) = (read_path(a[0])?, a[1] as i64);
    set_length(&path::resolve(&Base::Cwd, &path, Last::Follow)?.chan, len)
}

fn chmod_chan(chan: &Chan, mode: u32) -> SysResult {
    let old = chan.stat().map_err(kerr)?.mode;
    // The file's type bits stay; only permissions (and set-id, sticky) change.
    let keep = old & !(0o777 | ninep::DMSETUID | ninep::DMSETGID | ninep::DMSETVTX);
    wstat(chan, |d| d.mode = keep | plan9_perm(mode & 0o7777))
}

/// chmod(2)
pub fn chmod(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (path, mode) = (read_path(a[0])?, a[1] as u32);
    chmod_chan(&path::resolve(&Base::Cwd, &path, Last::Follow)?.chan, mode)
}

/// fchmod(2)
pub fn fchmod(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let file = fd::get(a[0])?;
    match &file.chan {
        Some(chan) => chmod_chan(chan, a[1] as u32),
        None => host::fchmod(file.host, a[1] as u32).map_err(from_host),
    }
}

/// fchmodat(2)
pub fn fchmodat(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (path, mode) = (read_path(a[1])?, a[2] as u32);
    let base = if path.starts_with(b"/") {
        Base::Cwd
    } else {
        base_of(a[0])?
    };
    chmod_chan(&path::resolve(&base, &path, Last::Follow)?.chan, mode)
}

/// fsync(2) and fdatasync(2): the host's, for host-backed files; a chan
/// without a host fd has nothing buffered in ninux.
pub fn fsync(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let file = fd::get(a[0])?;
    if file.host >= 0 && file.chan.is_some() {
        return host::fsync(file.host).map_err(from_host);
    }
    Ok(0)
}

/// sync(2)
pub fn sync(_t: &mut Trap, _a: [u64; 6]) -> SysResult {
    host::sync();
    Ok(0)
}
