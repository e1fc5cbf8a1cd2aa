//! stat, fstat, lstat, newfstatat, statx: a Plan 9 stat record (plus the
//! device's extra attributes, when it has them) as Linux's struct stat.
//! Inode numbers are qid.path; device numbers name the kernel device.

use super::fd;
use super::from_host;
use super::open::base_at;
use super::path::{self, kerr, Base, Last};
use crate::mem::{read_path, Out};
use crate::SysResult;
use abi::flags::at;
use abi::structs::{Stat, Statx, StatxTimestamp, Timespec};
use abi::Errno;
use kernel::{Chan, DevId};
use ninep::Dir;
use platform::{host, Trap};

const S_IFIFO: u32 = 0o010000;
const S_IFCHR: u32 = 0o020000;
const S_IFDIR: u32 = 0o040000;
const S_IFBLK: u32 = 0o060000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;
const S_IFSOCK: u32 = 0o140000;

/// The Linux st_mode of a Plan 9 stat record (9P2000.u type bits included).
pub fn linux_mode(d: &Dir) -> u32 {
    mode_bits(d.mode, d.extension.starts_with('b'))
}

/// [`linux_mode`] of Plan 9 mode `mode`; `block` tells a block device file
/// from a character device file.
fn mode_bits(mode: u32, block: bool) -> u32 {
    let kind = if mode & ninep::DMDIR != 0 {
        S_IFDIR
    } else if mode & ninep::DMSYMLINK != 0 {
        S_IFLNK
    } else if mode & ninep::DMDEVICE != 0 {
        if block {
            S_IFBLK
        } else {
            S_IFCHR
        }
    } else if mode & ninep::DMNAMEDPIPE != 0 {
        S_IFIFO
    } else if mode & ninep::DMSOCKET != 0 {
        S_IFSOCK
    } else {
        S_IFREG
    };
    let mut linux = kind | (mode & 0o777);
    for (bit, l) in [
        (ninep::DMSETUID, 0o4000),
        (ninep::DMSETGID, 0o2000),
        (ninep::DMSETVTX, 0o1000),
    ] {
        if mode & bit != 0 {
            linux |= l;
        }
    }
    linux
}

/// The inode number of a qid. Linux never reports 0 (glibc's readdir skips
/// such entries as deleted), but devices may number their root 0.
pub fn linux_ino(qid_path: u64) -> u64 {
    if qid_path == 0 {
        u64::MAX >> 2
    } else {
        qid_path
    }
}

/// The device number of a kernel device.
fn dev_number(dev: DevId) -> u64 {
    ((dev.typ as u64) << 20) | dev.dev as u64
}

/// Linux's struct stat for a chan, from its stat record and the device's
/// extra attributes. Every path to a file (stat, fstat, getdents) gives the
/// same device and inode numbers: the kernel device's number and qid.path.
pub fn stat_of(chan: &Chan) -> Result<Stat, Errno> {
    stat_with(chan, Chan::stat_attr)
}

/// [`stat_of`] for a chan just walked to by the caller (stat(2) of a path),
/// which the device may answer from what the walk looked at.
fn stat_of_walked(chan: &Chan) -> Result<Stat, Errno> {
    stat_with(chan, Chan::walked_stat_attr)
}

type StatAttr = kernel::Result<(Dir, Option<kernel::Getattr>)>;

fn stat_with(chan: &Chan, stat_attr: fn(&Chan) -> StatAttr) -> Result<Stat, Errno> {
    use std::os::fd::AsRawFd;
    // An open host-backed file answers from its host fd, which stays valid
    // after a rename or unlink (the path would not), renumbered like the rest.
    if let Some(h) = chan.host_fd() {
        if let Ok(mut st) = host::fstat(h.as_raw_fd()) {
            st.st_dev = dev_number(chan.dev);
            st.st_ino = linux_ino(chan.qid.path);
            return Ok(st);
        }
    }
    let (d, attr) = stat_attr(chan).map_err(kerr)?;
    Ok(stat_from(chan.dev, &d, attr))
}

/// Linux's struct stat for a file of kernel device `dev` with stat record
/// `d` and the device's extra attributes.
fn stat_from(dev: DevId, d: &Dir, attr: Option<kernel::Getattr>) -> Stat {
    stat_of_attr(dev, &kernel::Attr::of(d, attr))
}

/// Linux's struct stat for a file of kernel device `dev` with attributes
/// `a`.
fn stat_of_attr(dev: DevId, a: &kernel::Attr) -> Stat {
    let mut st = Stat {
        st_dev: dev_number(dev),
        st_ino: linux_ino(a.qid.path),
        st_nlink: if a.mode & ninep::DMDIR != 0 { 2 } else { 1 },
        st_mode: mode_bits(a.mode, a.block),
        st_uid: a.uid,
        st_gid: a.gid,
        st_size: a.length as i64,
        st_blksize: 4096,
        st_blocks: a.length.div_ceil(512) as i64,
        st_atime: Timespec {
            tv_sec: a.atime as i64,
            tv_nsec: 0,
        },
        st_mtime: Timespec {
            tv_sec: a.mtime as i64,
            tv_nsec: 0,
        },
        st_ctime: Timespec {
            tv_sec: a.mtime as i64,
            tv_nsec: 0,
        },
        ..Default::default()
    };
    if let Some(g) = a.extra {
        st.st_nlink = g.nlink;
        st.st_atime = Timespec {
            tv_sec: g.atime.0,
            tv_nsec: g.atime.1 as i64,
        };
        st.st_mtime = Timespec {
            tv_sec: g.mtime.0,
            tv_nsec: g.mtime.1 as i64,
        };
        st.st_ctime = Timespec {
            tv_sec: g.ctime.0,
            tv_nsec: g.ctime.1 as i64,
        };
        st.st_rdev = libc::makedev(g.rdev.0, g.rdev.1);
        st.st_blocks = g.blocks as i64;
        st.st_blksize = g.blksize as i64;
        st.st_size = g.size as i64;
    }
    st
}

/// Stat of a guest fd: host fds (stdio, pipes) ask the host.
fn stat_fd(fd: u64) -> Result<Stat, Errno> {
    let file = fd::get(fd)?;
    match &file.chan {
        // A removed file without a host fd answers from its stat at open.
        Some(chan) => stat_of(chan).or_else(|e| match (e, file.snapshot) {
            (Errno::ENOENT, Some(st)) => Ok(Stat { st_nlink: 0, ..st }),
            _ => Err(e),
        }),
        None => host::fstat(file.host).map_err(from_host),
    }
}

/// Resolves a `*at` path for stat-like calls (AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW).
fn stat_at(dirfd: u64, raw: &[u8], flags: u32) -> Result<Stat, Errno> {
    let valid = at::EMPTY_PATH | at::SYMLINK_NOFOLLOW | at::NO_AUTOMOUNT | 0x6000; /* AT_STATX_SYNC_* */
    if flags & !valid != 0 {
        return Err(Errno::EINVAL);
    }
    if raw.is_empty() {
        if flags & at::EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        if dirfd as i32 == at::FDCWD {
            return stat_of(&path::resolve(&Base::Cwd, b".", Last::Follow)?.chan);
        }
        return stat_fd(dirfd);
    }
    let base = base_at(dirfd, raw)?;
    let last = if flags & at::SYMLINK_NOFOLLOW != 0 {
        Last::NoFollow
    } else {
        Last::Follow
    };
    if last == Last::Follow {
        if let Some(n) = path::magic_fd(&base, raw)? {
            return stat_fd(n);
        }
    }
    if let Some(found) = path::stat_kept(&base, raw, last) {
        let (dev, attr) = found?;
        return Ok(stat_of_attr(dev, &attr));
    }
    stat_of_walked(&path::resolve(&base, raw, last)?.chan)
}

/// fstat(2)
pub fn fstat(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, buf) = (a[0], Out::<Stat>::new(a[1]));
    buf.write(&stat_fd(fd)?)?;
    Ok(0)
}

/// stat(2)
pub fn stat(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (path, buf) = (read_path(a[0])?, Out::<Stat>::new(a[1]));
    buf.write(&stat_at(at::FDCWD as u64, &path, 0)?)?;
    Ok(0)
}

/// lstat(2)
pub fn lstat(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (path, buf) = (read_path(a[0])?, Out::<Stat>::new(a[1]));
    buf.write(&stat_at(at::FDCWD as u64, &path, at::SYMLINK_NOFOLLOW)?)?;
    Ok(0)
}

/// newfstatat(2)
pub fn newfstatat(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (dirfd, path, buf, flags) = (a[0], read_path(a[1])?, Out::<Stat>::new(a[2]), a[3] as u32);
    buf.write(&stat_at(dirfd, &path, flags)?)?;
    Ok(0)
}

/// statx(2): the basic fields, from the same stat.
pub fn statx(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (dirfd, path, flags, _mask, buf) = (
        a[0],
        read_path(a[1])?,
        a[2] as u32,
        a[3] as u32,
        Out::<Statx>::new(a[4]),
    );
    let st = stat_at(dirfd, &path, flags)?;
    let ts = |t: Timespec| StatxTimestamp {
        tv_sec: t.tv_sec,
        tv_nsec: t.tv_nsec as u32,
        __reserved: 0,
    };
    let out = Statx {
        stx_mask: 0x7ff, // STATX_BASIC_STATS
        stx_blksize: st.st_blksize as u32,
        stx_nlink: st.st_nlink as u32,
        stx_uid: st.st_uid,
        stx_gid: st.st_gid,
        stx_mode: st.st_mode as u16,
        stx_ino: st.st_ino,
        stx_size: st.st_size as u64,
        stx_blocks: st.st_blocks as u64,
        stx_atime: ts(st.st_atime),
        stx_ctime: ts(st.st_ctime),
        stx_mtime: ts(st.st_mtime),
        stx_rdev_major: libc::major(st.st_rdev),
        stx_rdev_minor: libc::minor(st.st_rdev),
        stx_dev_major: libc::major(st.st_dev),
        stx_dev_minor: libc::minor(st.st_dev),
        ..Default::default()
    };
    buf.write(&out)?;
    Ok(0)
}

/// The file system of a chan: the host's for host-backed files (so `df`
/// reports real space); others report the 9P file system Linux would show.
fn statfs_of(chan: &Chan) -> Result<abi::structs::Statfs, Errno> {
    use std::os::fd::AsRawFd;
    let opened = match chan.host_fd() {
        Some(_) => None,
        None => chan
            .clone_chan()
            .and_then(|c| kernel::namespace::open_chan(c, ninep::OREAD as u32))
            .ok(),
    };
    let c = opened.as_ref().unwrap_or(chan);
    if let Some(h) = c.host_fd() {
        return host::fstatfs(h.as_raw_fd()).map_err(from_host);
    }
    // A directory of a host-backed device (the copy-on-write layer's, say)
    // opens no host fd, but lies in a host file system all the same.
    if let Some(st) = c
        .node()
        .host_path(false)
        .and_then(|p| host::statfs(&p).ok())
    {
        return Ok(st);
    }
    // Devices ninux makes up: /proc and /dev say what Linux's would.
    const V9FS_MAGIC: i64 = 0x0102_1997;
    const PROC_SUPER_MAGIC: i64 = 0x9fa0;
    const TMPFS_MAGIC: i64 = 0x0102_1994;
    Ok(abi::structs::Statfs {
        f_type: match chan.dev.typ {
            'P' => PROC_SUPER_MAGIC,
            'L' => TMPFS_MAGIC,
            _ => V9FS_MAGIC,
        },
        f_bsize: 4096,
        f_namelen: 255,
        f_frsize: 4096,
        ..Default::default()
    })
}

/// statfs(2)
pub fn statfs(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (path, buf) = (read_path(a[0])?, Out::<abi::structs::Statfs>::new(a[1]));
    buf.write(&statfs_of(
        &path::resolve(&Base::Cwd, &path, Last::Follow)?.chan,
    )?)?;
    Ok(0)
}

/// fstatfs(2)
pub fn fstatfs(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, buf) = (a[0], Out::<abi::structs::Statfs>::new(a[1]));
    let file = fd::get(fd)?;
    let st = match &file.chan {
        Some(chan) => statfs_of(chan)?,
        None => host::fstatfs(file.host).map_err(from_host)?,
    };
    buf.write(&st)?;
    Ok(0)
}
