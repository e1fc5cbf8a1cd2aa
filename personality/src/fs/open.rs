//! open, openat, openat2, creat: Linux open flags translated to Plan 9's
//! open and create on the namespace (`OREAD`/`OWRITE`/`ORDWR`, `OTRUNC`;
//! create for O_CREAT, failing on an existing file for O_EXCL).

use super::fd::{self, OpenFile};
use super::path::{self, kerr, Base, Last};
use crate::mem::{read_path, In};
use crate::state::process;
use crate::SysResult;
use abi::flags::{at, OpenFlags};
use abi::structs::OpenHow;
use abi::Errno;
use kernel::namespace::open_chan;
use ninep::{DMDIR, ORDWR, OREAD, OTRUNC, OWRITE};
use platform::Trap;
use std::sync::atomic::Ordering;

/// The base a `*at` call's `path` starts from: an absolute path ignores the
/// dirfd (even an invalid one), as Linux does.
pub fn base_at(dirfd: u64, path: &[u8]) -> Result<Base, Errno> {
    if path.starts_with(b"/") {
        return Ok(Base::Cwd);
    }
    base_of(dirfd)
}

/// The base a `*at` call's relative path starts from.
pub fn base_of(dirfd: u64) -> Result<Base, Errno> {
    if dirfd as i32 == at::FDCWD {
        return Ok(Base::Cwd);
    }
    let file = fd::get(dirfd)?;
    let chan = file.chan.as_ref().ok_or(Errno::ENOTDIR)?;
    if !chan.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    Ok(Base::Dir(chan.name.clone()))
}

fn plan9_mode(flags: OpenFlags) -> u32 {
    let access = match flags.bits() & 3 {
        0 => OREAD,
        1 => OWRITE,
        _ => ORDWR,
    } as u32;
    let trunc = if flags.contains(OpenFlags::TRUNC) && flags.bits() & 3 != 0 {
        OTRUNC as u32
    } else {
        0
    };
    // A FIFO opened O_NONBLOCK must not wait for its other end.
    let nonblock = if flags.contains(OpenFlags::NONBLOCK) {
        kernel::ONONBLOCK
    } else {
        0
    };
    access | trunc | nonblock
}

/// Linux permission bits (with setuid/setgid/sticky) as Plan 9 mode bits.
pub fn plan9_perm(mode: u32) -> u32 {
    let mut perm = mode & 0o777;
    if mode & 0o4000 != 0 {
        perm |= ninep::DMSETUID;
    }
    if mode & 0o2000 != 0 {
        perm |= ninep::DMSETGID;
    }
    if mode & 0o1000 != 0 {
        perm |= ninep::DMSETVTX;
    }
    perm
}

pub fn umask() -> u32 {
    process().umask.load(Ordering::Relaxed) as u32
}

/// The heart of every open: resolve, create or open, install in the fd table.
fn do_open(base: Base, raw: &[u8], flags: u32, mode: u32) -> SysResult {
    let flags = OpenFlags::from_bits_retain(flags);
    let cloexec = flags.contains(OpenFlags::CLOEXEC);
    let nofollow = flags.contains(OpenFlags::NOFOLLOW);
    // O_CREAT|O_EXCL never follows a final symlink: it exists, so EEXIST.
    let excl = flags.contains(OpenFlags::CREAT) && flags.contains(OpenFlags::EXCL);
    let last = if nofollow || excl {
        Last::NoFollow
    } else {
        Last::Follow
    };
    if flags.contains(OpenFlags::TMPFILE) {
        return Err(Errno::EOPNOTSUPP);
    }
    let creat = flags.contains(OpenFlags::CREAT);
    if creat && path::dot_elem(raw).is_some() {
        // `.`, `..` or the root: there already, and a directory, once the
        // directory holding it is.
        path::resolve_parent_elem(&base, raw)?;
        return Err(if excl { Errno::EEXIST } else { Errno::EISDIR });
    }
    if creat && raw.ends_with(b"/") {
        return Err(Errno::EISDIR);
    }
    if last == Last::Follow {
        if let Some(n) = path::magic_fd(&base, raw)? {
            return reopen(n, flags, cloexec);
        }
    }
    let found = match path::resolve(&base, raw, last) {
        Ok(r) => Some(r),
        Err(Errno::ENOENT) if creat => None,
        Err(e) => return Err(e),
    };
    let chan = match found {
        Some(r) => {
            if flags.contains(OpenFlags::CREAT) && flags.contains(OpenFlags::EXCL) {
                return Err(Errno::EEXIST);
            }
            if r.chan.qid.is_symlink() {
                // O_NOFOLLOW on a symlink (O_PATH would return it).
                return Err(Errno::ELOOP);
            }
            if flags.contains(OpenFlags::DIRECTORY) && !r.chan.is_dir() {
                return Err(Errno::ENOTDIR);
            }
            if r.chan.is_dir() && flags.bits() & 3 != 0 {
                return Err(Errno::EISDIR);
            }
            if !flags.contains(OpenFlags::PATH) && !crate::process::creds::privileged() {
                use crate::process::creds::{may, MAY_READ, MAY_WRITE};
                let mut want = match flags.bits() & 3 {
                    0 => MAY_READ,
                    1 => MAY_WRITE,
                    _ => MAY_READ | MAY_WRITE,
                };
                if flags.contains(OpenFlags::TRUNC) {
                    want |= MAY_WRITE;
                }
                may(&super::stat::stat_of(&r.chan)?, want)?;
            }
            if flags.contains(OpenFlags::PATH) {
                r.chan.pin().map_err(kerr)?;
                r.chan
            } else {
                open_chan(r.chan, plan9_mode(flags)).map_err(kerr)?
            }
        }
        None => {
            if flags.contains(OpenFlags::DIRECTORY) {
                return Err(Errno::EINVAL);
            }
            // O_CREAT through a dangling symlink creates the link's target.
            let target =
                path::dangling_target(&base, raw, flags.contains(OpenFlags::EXCL) || nofollow)?;
            // The name as written keeps its walk's start (permission checks
            // walk from the cwd for a relative name); a symlink's target is
            // absolute.
            let (dir, name) = if target == kernel::cleanname(&path::absolute(&base, raw)?) {
                path::resolve_parent(&base, raw)?
            } else {
                path::resolve_parent(&Base::Cwd, target.as_bytes())?
            };
            path::may_change(&dir)?;
            let target = format!("{}/{name}", dir.path.trim_end_matches('/'));
            let perm = plan9_perm(mode & !umask()) & !DMDIR;
            let ns = path::ns()?;
            let made = ns
                .create(&target, plan9_mode(flags) | ninep::OEXCL, perm)
                .map_err(kerr)?;
            super::attr::own_new(&made);
            made
        }
    };
    let status = flags.bits() & (3 | OpenFlags::APPEND.bits() | OpenFlags::NONBLOCK.bits());
    let mut file = OpenFile::chan(chan, status);
    if file.host < 0 {
        file.snapshot = file
            .chan
            .as_ref()
            .and_then(|c| super::stat::stat_of(c).ok());
    }
    if file.host >= 0 && flags.contains(OpenFlags::APPEND) {
        let _ = platform::host::fcntl(file.host, libc::F_SETFL, OpenFlags::APPEND.bits() as u64);
    }
    fd::install_file(file, cloexec)
}

/// Opens the file behind guest fd `n` anew, as Linux does for a magic link
/// (`/dev/stdin`, `/proc/self/fd/N`): a new open file description with its
/// own offset and flags, of the same file even when it has been renamed or
/// unlinked. A host fd (a host file, pipe, terminal, socket) is reopened by
/// the host through its own magic link, which refuses what Linux refuses (a
/// socket: ENXIO); a chan without one (a directory, a synthesized or 9P
/// file) is opened again through its device. So is any chan opened for
/// writing: the host fd of a copy-on-write file may be its read-only lower
/// copy, and only the device knows to copy it up (or to refuse, read-only).
fn reopen(n: u64, flags: OpenFlags, cloexec: bool) -> SysResult {
    let old = fd::get(n)?;
    let status = flags.bits() & (3 | OpenFlags::APPEND.bits() | OpenFlags::NONBLOCK.bits());
    let is_dir = old.chan.as_ref().is_some_and(|c| c.is_dir());
    if flags.contains(OpenFlags::DIRECTORY) && old.chan.is_some() && !is_dir {
        return Err(Errno::ENOTDIR);
    }
    if is_dir && flags.bits() & 3 != 0 {
        return Err(Errno::EISDIR);
    }
    let file = match &old.chan {
        Some(c)
            if is_dir
                || old.host < 0
                || flags.contains(OpenFlags::PATH)
                || flags.bits() & 3 != 0
                || flags.contains(OpenFlags::TRUNC) =>
        {
            let fresh = c.clone_chan().map_err(kerr)?;
            let chan = if flags.contains(OpenFlags::PATH) {
                fresh.pin().map_err(kerr)?;
                fresh
            } else {
                open_chan(fresh, plan9_mode(flags)).map_err(kerr)?
            };
            OpenFile::chan(chan, status)
        }
        chan => {
            let host = reopen_host(old.host, flags)?;
            let chan = chan.as_ref().and_then(|c| c.clone_chan().ok());
            OpenFile::inherited(host, chan, status)
        }
    };
    fd::install_file(file, cloexec)
}

/// A new host open file description for host fd `host`, through the host's
/// /proc/self/fd (the same file, so nothing outside the namespace is reached).
fn reopen_host(host: i32, flags: OpenFlags) -> Result<i32, Errno> {
    let keep = OpenFlags::APPEND | OpenFlags::NONBLOCK | OpenFlags::DIRECTORY | OpenFlags::TRUNC;
    let access = flags.bits() & 3;
    platform::host::reopen(
        host,
        ((flags & keep).bits() | access) as i32 | libc::O_NOCTTY,
    )
    .map_err(super::from_host)
}

/// open(2)
pub fn open(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (path, flags, mode) = (read_path(a[0])?, a[1] as u32, a[2] as u32);
    do_open(Base::Cwd, &path, flags, mode)
}

/// openat(2)
pub fn openat(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (dirfd, path, flags, mode) = (a[0], read_path(a[1])?, a[2] as u32, a[3] as u32);
    let base = base_at(dirfd, &path)?;
    do_open(base, &path, flags, mode)
}

/// creat(2): open with O_CREAT|O_WRONLY|O_TRUNC.
pub fn creat(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (path, mode) = (read_path(a[0])?, a[1] as u32);
    let flags = OpenFlags::CREAT | OpenFlags::WRONLY | OpenFlags::TRUNC;
    do_open(Base::Cwd, &path, flags.bits(), mode)
}

/// openat2(2): the RESOLVE_* restrictions are refused rather than ignored.
pub fn openat2(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (dirfd, path, how, size) = (a[0], read_path(a[1])?, In::<OpenHow>::new(a[2]), a[3]);
    if size < 24 {
        return Err(Errno::EINVAL);
    }
    let how = how.read()?;
    if how.flags >> 32 != 0 || (how.flags & OpenFlags::CREAT.bits() as u64 == 0 && how.mode != 0) {
        return Err(Errno::EINVAL);
    }
    if how.resolve != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let base = base_at(dirfd, &path)?;
    do_open(base, &path, how.flags as u32, how.mode as u32)
}
