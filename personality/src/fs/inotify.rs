//! inotify: a host inotify instance behind a guest fd, watching the host
//! files behind namespace paths. Reads, poll and epoll are the host's.
//!
//! A path is watched at the host file its device names
//! ([`kernel::Node::host_path`]): a host directory, or in the
//! copy-on-write layer the upper copy (made for a directory, so that what
//! the guest creates there is seen; a file not yet copied up is watched
//! in the lower layer). A file no host file stands for (a rootfs tar
//! member, a 9P file, /proc) gets a watch that never reports, as Linux's
//! watch on a network file system does not report changes made elsewhere.
//! What ninux itself keeps in the upper layer shows through: removing a
//! lower file reports the whiteout `.wh.NAME` made for it.

use super::path::{self, Base, Last};
use super::{fd, from_host};
use crate::mem::read_path;
use crate::SysResult;
use abi::Errno;
use platform::{host, Trap};
use std::sync::atomic::{AtomicI32, Ordering};

const IN_NONBLOCK: u64 = 0o4000;
const IN_CLOEXEC: u64 = 0o2000000;
const IN_DONT_FOLLOW: u32 = 0x0200_0000;
const IN_ONLYDIR: u32 = 0x0100_0000;
const IN_MASK_ADD: u32 = 0x2000_0000;
const IN_MASK_CREATE: u32 = 0x1000_0000;
const IN_ALL_EVENTS: u32 = 0xfff;

/// Watch descriptors for files without a host file: above any the host
/// hands out (it counts up from 1 per instance).
const QUIET_WD_BASE: i32 = 1 << 30;
static QUIET_WDS: AtomicI32 = AtomicI32::new(QUIET_WD_BASE);

/// inotify_init1(2)
pub fn inotify_init1(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let flags = a[0];
    if flags & !(IN_NONBLOCK | IN_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    let h = host::inotify_init1((flags & IN_NONBLOCK) as i32).map_err(from_host)?;
    fd::install(h, flags & IN_CLOEXEC != 0)
}

/// inotify_init(2)
pub fn inotify_init(t: &mut Trap, _a: [u64; 6]) -> SysResult {
    inotify_init1(t, [0; 6])
}

/// The host fd of guest fd `n` if it can be an inotify instance's.
fn instance(n: u64) -> Result<i32, Errno> {
    let file = fd::get(n)?;
    if file.host < 0 || file.chan.is_some() {
        return Err(Errno::EINVAL);
    }
    Ok(file.host)
}

/// inotify_add_watch(2)
pub fn inotify_add_watch(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (n, raw, mask) = (a[0], read_path(a[1])?, a[2] as u32);
    let h = instance(n)?;
    if mask & IN_ALL_EVENTS == 0 || (mask & IN_MASK_ADD != 0 && mask & IN_MASK_CREATE != 0) {
        return Err(Errno::EINVAL);
    }
    let last = if mask & IN_DONT_FOLLOW != 0 {
        Last::NoFollow
    } else {
        Last::Follow
    };
    let found = path::resolve(&Base::Cwd, &raw, last)?;
    if mask & IN_ONLYDIR != 0 && !found.chan.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    let is_dir = found.chan.is_dir();
    match found.chan.node().host_path(is_dir) {
        Some(p) => host::inotify_add_watch(h, &p, mask).map_err(from_host),
        None => Ok(QUIET_WDS.fetch_add(1, Ordering::Relaxed) as u64),
    }
}

/// inotify_rm_watch(2)
pub fn inotify_rm_watch(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (n, wd) = (a[0], a[1] as i32);
    let h = instance(n)?;
    if wd >= QUIET_WD_BASE && wd < QUIET_WDS.load(Ordering::Relaxed) {
        return Ok(0);
    }
    host::inotify_rm_watch(h, wd).map_err(from_host)
}
