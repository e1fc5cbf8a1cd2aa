//! Changing attributes: truncate, ftruncate, chmod, fchmod, fchmodat, and
//! the sync family. On a host fd they go straight to the host; on a chan they
//! become a Plan 9 wstat with every other field "don't touch".

use super::fd;
use super::from_host;
use super::open::{base_at, plan9_perm};
use super::path::{self, kerr, Base, Last};
use crate::mem::{read_path, In};
use crate::SysResult;
use abi::flags::at;
use abi::structs::{Timespec, Timeval};
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
    let chan = file.chan.as_ref().ok_or(Errno::EINVAL)?;
    // A directory fd is not open for writing: EINVAL, as Linux says.
    if chan.is_dir() {
        return Err(Errno::EINVAL);
    }
    set_length(chan, len)
}

/// truncate(2)
pub fn truncate(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (path, len) = (read_path(a[0])?, a[1] as i64);
    set_length(&path::resolve(&Base::Cwd, &path, Last::Follow)?.chan, len)
}

/// Only the owner (or root) may change a file's mode or times: EPERM.
fn owner_only(chan: &Chan) -> Result<(), Errno> {
    if crate::process::creds::privileged() {
        return Ok(());
    }
    let (uid, _) = crate::process::creds::fs_ids();
    if super::stat::stat_of(chan)?.st_uid != uid {
        return Err(Errno::EPERM);
    }
    Ok(())
}

fn chmod_chan(chan: &Chan, mode: u32) -> SysResult {
    owner_only(chan)?;
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
    let base = base_at(a[0], &path)?;
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

/// fadvise64(2): advice is only a hint, so it is checked and dropped;
/// a pipe answers ESPIPE as on Linux.
pub fn fadvise64(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (file, advice) = (fd::get(a[0])?, a[3]);
    // POSIX_FADV_NORMAL … POSIX_FADV_NOREUSE
    if advice > 5 {
        return Err(Errno::EINVAL);
    }
    if file.chan.is_none() && file.host >= 0 {
        if let Ok(st) = host::fstat(file.host) {
            if st.st_mode & 0o170000 == 0o010000 {
                return Err(Errno::ESPIPE);
            }
        }
    }
    Ok(0)
}

/// readahead(2): the host's for a host-backed file; a file without a host
/// fd has no page cache here to fill, and the hint is taken as done.
pub fn readahead(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (file, offset, count) = (fd::get(a[0])?, a[1] as i64, a[2] as usize);
    if file.host >= 0 {
        return host::readahead(file.host, offset, count).map_err(from_host);
    }
    match &file.chan {
        Some(c) if !c.is_dir() => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}

/// sync_file_range(2): the host's for a host-backed file; others have no
/// dirty pages in ninux to write.
pub fn sync_file_range(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (file, offset, nbytes, flags) = (fd::get(a[0])?, a[1] as i64, a[2] as i64, a[3] as u32);
    // SYNC_FILE_RANGE_WAIT_BEFORE | WRITE | WAIT_AFTER
    if flags & !7 != 0 || offset < 0 || nbytes < 0 {
        return Err(Errno::EINVAL);
    }
    if file.host >= 0 {
        return host::sync_file_range(file.host, offset, nbytes, flags).map_err(from_host);
    }
    Ok(0)
}

/// sync(2)
pub fn sync(_t: &mut Trap, _a: [u64; 6]) -> SysResult {
    host::sync();
    Ok(0)
}

fn chown_chan(chan: &Chan, uid: u32, gid: u32) -> SysResult {
    may_chown(chan, uid, gid)?;
    set_owner(chan, uid, gid)
}

fn set_owner(chan: &Chan, uid: u32, gid: u32) -> SysResult {
    // -1 means "leave it"; 9P2000.u carries numeric ids in n_uid/n_gid.
    wstat(chan, |d| {
        d.n_uid = uid;
        d.n_gid = gid;
    })
}

/// chown by a guest that is not root: only the owner, leaving the owner as
/// it is, to a group it belongs to (Linux without CAP_CHOWN).
fn may_chown(chan: &Chan, uid: u32, gid: u32) -> Result<(), Errno> {
    use crate::process::creds;
    if creds::privileged() {
        return Ok(());
    }
    let st = super::stat::stat_of(chan)?;
    let c = creds::current();
    let (fsuid, fsgid) = creds::fs_ids();
    let owner_kept = uid == u32::MAX || uid == st.st_uid;
    let group_ok = gid == u32::MAX || gid == st.st_gid || gid == fsgid || c.groups.contains(&gid);
    if st.st_uid != fsuid || !owner_kept || !group_ok {
        return Err(Errno::EPERM);
    }
    Ok(())
}

/// A file the guest just made belongs to its file-system ids, as on Linux,
/// not to whoever runs ninux: given to them when they differ from the host
/// process's own. Best effort: a ninux that is not root cannot give files
/// away, and a device may refuse.
pub(crate) fn own_new(chan: &Chan) {
    let (uid, gid) = crate::process::creds::fs_ids();
    let host_id = |nr| platform::host::plain(nr, [0; 3]).unwrap_or(0) as u32;
    if uid == host_id(libc::SYS_geteuid) && gid == host_id(libc::SYS_getegid) {
        return;
    }
    if let Err(e) = set_owner(chan, uid, gid) {
        log::debug!(
            "new file {}: cannot give it to {uid}:{gid}: {e:?}",
            chan.name
        );
    }
}

fn chown_at(base: Base, raw: &[u8], uid: u32, gid: u32, last: Last) -> SysResult {
    chown_chan(&path::resolve(&base, raw, last)?.chan, uid, gid)
}

/// chown(2)
pub fn chown(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    chown_at(
        Base::Cwd,
        &read_path(a[0])?,
        a[1] as u32,
        a[2] as u32,
        Last::Follow,
    )
}

/// lchown(2)
pub fn lchown(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    chown_at(
        Base::Cwd,
        &read_path(a[0])?,
        a[1] as u32,
        a[2] as u32,
        Last::NoFollow,
    )
}

/// fchown(2)
pub fn fchown(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let file = fd::get(a[0])?;
    match &file.chan {
        Some(chan) => chown_chan(chan, a[1] as u32, a[2] as u32),
        None => host::fchown(file.host, a[1] as u32, a[2] as u32).map_err(from_host),
    }
}

/// fchownat(2)
pub fn fchownat(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (path, uid, gid, flags) = (read_path(a[1])?, a[2] as u32, a[3] as u32, a[4] as u32);
    if flags & !(at::SYMLINK_NOFOLLOW | at::EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    if path.is_empty() && flags & at::EMPTY_PATH != 0 {
        return fchown(_t, [a[0], a[2], a[3], 0, 0, 0]);
    }
    let base = base_at(a[0], &path)?;
    let last = if flags & at::SYMLINK_NOFOLLOW != 0 {
        Last::NoFollow
    } else {
        Last::Follow
    };
    chown_at(base, &path, uid, gid, last)
}

const UTIME_NOW: i64 = (1 << 30) - 1;
const UTIME_OMIT: i64 = (1 << 30) - 2;

/// Sets times on a chan: exactly on the host when the chan can be opened to a
/// host fd, else through wstat (whole seconds; Plan 9 keeps no nanoseconds).
fn set_times(chan: &Chan, times: [Timespec; 2]) -> SysResult {
    for t in &times {
        if t.tv_nsec != UTIME_NOW
            && t.tv_nsec != UTIME_OMIT
            && !(0..1_000_000_000).contains(&t.tv_nsec)
        {
            return Err(Errno::EINVAL);
        }
    }
    if chan.readonly() {
        return Err(Errno::EROFS);
    }
    if !crate::process::creds::privileged() {
        // Explicit times are the owner's to set; "now" also needs only write
        // permission (Linux: EPERM, respectively EACCES).
        let now = times
            .iter()
            .all(|t| t.tv_nsec == UTIME_NOW || t.tv_nsec == UTIME_OMIT);
        if owner_only(chan).is_err() {
            if !now {
                return Err(Errno::EPERM);
            }
            let st = super::stat::stat_of(chan)?;
            crate::process::creds::may(&st, crate::process::creds::MAY_WRITE)?;
        }
    }
    // A file with a host file behind it takes them to the nanosecond, by
    // path: no open (a FIFO's would wait for a writer), and a
    // copy-on-write file is copied up first (its lower file never
    // changes).
    if let Some(p) = chan.node().host_path(true) {
        let r = host::utimens_path(&p, &times).map_err(from_host);
        chan.node().made_at_host_path();
        return r;
    }
    let now = host::clock_gettime(libc::CLOCK_REALTIME)
        .map_err(from_host)?
        .tv_sec;
    let pick = |t: &Timespec| match t.tv_nsec {
        UTIME_OMIT => !0u32,
        UTIME_NOW => now as u32,
        _ => t.tv_sec as u32,
    };
    let (atime, mtime) = (pick(&times[0]), pick(&times[1]));
    wstat(chan, |d| {
        d.atime = atime;
        d.mtime = mtime;
    })
}

const NOW: [Timespec; 2] = [
    Timespec {
        tv_sec: 0,
        tv_nsec: UTIME_NOW,
    },
    Timespec {
        tv_sec: 0,
        tv_nsec: UTIME_NOW,
    },
];

/// utimensat(2); a NULL path with a dirfd is futimens.
pub fn utimensat(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (dirfd, path_ptr, times_ptr, flags) = (a[0], a[1], a[2], a[3] as u32);
    if flags & !(at::SYMLINK_NOFOLLOW | at::EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let times = if times_ptr == 0 {
        NOW
    } else {
        In::<[Timespec; 2]>::new(times_ptr).read()?
    };
    let path = if path_ptr == 0 {
        Vec::new()
    } else {
        read_path(path_ptr)?
    };
    if path.is_empty() {
        if path_ptr != 0 && flags & at::EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        let file = fd::get(dirfd)?;
        return match &file.chan {
            Some(chan) => set_times(chan, times),
            None => host::futimens(file.host, &times).map_err(from_host),
        };
    }
    let base = base_at(dirfd, &path)?;
    let last = if flags & at::SYMLINK_NOFOLLOW != 0 {
        Last::NoFollow
    } else {
        Last::Follow
    };
    set_times(&path::resolve(&base, &path, last)?.chan, times)
}

fn timevals(p: u64) -> Result<[Timespec; 2], Errno> {
    if p == 0 {
        return Ok(NOW);
    }
    let tv = In::<[Timeval; 2]>::new(p).read()?;
    let conv = |t: &Timeval| -> Result<Timespec, Errno> {
        if !(0..1_000_000).contains(&t.tv_usec) {
            return Err(Errno::EINVAL);
        }
        Ok(Timespec {
            tv_sec: t.tv_sec,
            tv_nsec: t.tv_usec * 1000,
        })
    };
    Ok([conv(&tv[0])?, conv(&tv[1])?])
}

/// futimesat(2): utimes relative to a dirfd.
pub fn futimesat(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (dirfd, path, times) = (a[0], read_path(a[1])?, timevals(a[2])?);
    let base = base_at(dirfd, &path)?;
    set_times(&path::resolve(&base, &path, Last::Follow)?.chan, times)
}

/// utimes(2)
pub fn utimes(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (path, times) = (read_path(a[0])?, timevals(a[1])?);
    set_times(&path::resolve(&Base::Cwd, &path, Last::Follow)?.chan, times)
}

/// fallocate(2): mode 0 only; on a chan without a host fd it extends the length.
pub fn fallocate(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, mode, off, len) = (a[0], a[1] as i32, a[2] as i64, a[3] as i64);
    if off < 0 || len <= 0 {
        return Err(Errno::EINVAL);
    }
    let file = fd::get(fd)?;
    if file.host >= 0 {
        return host::fallocate(file.host, mode, off, len).map_err(from_host);
    }
    if mode != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let chan = file.chan.as_ref().ok_or(Errno::ENODEV)?;
    let end = off.checked_add(len).ok_or(Errno::EFBIG)?;
    if chan.stat().map_err(kerr)?.length < end as u64 {
        set_length(chan, end)?;
    }
    Ok(0)
}

/// flock(2): host locks on host-backed files; elsewhere a lock always succeeds
/// (one process holds the only reference).
pub fn flock(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, op) = (a[0], a[1] as i32);
    let file = fd::get(fd)?;
    if op & !(libc::LOCK_SH | libc::LOCK_EX | libc::LOCK_UN | libc::LOCK_NB) != 0 {
        return Err(Errno::EINVAL);
    }
    if file.host >= 0 {
        return host::flock(file.host, op).map_err(from_host);
    }
    Ok(0)
}

/// syncfs(2)
pub fn syncfs(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let file = fd::get(a[0])?;
    if file.host >= 0 {
        return host::syncfs(file.host).map_err(from_host);
    }
    Ok(0)
}
