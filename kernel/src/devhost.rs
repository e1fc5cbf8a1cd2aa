//! `#Z`: a host directory as a device, confined below its root.
//!
//! Every fid holds an `O_PATH` fd of its file, got by `openat2` of one name
//! beneath its parent's fd with `RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS`, so
//! neither `..`, an absolute symlink nor a magic link such as
//! `/proc/self/root` can lead out. Walks never follow symlinks (`O_NOFOLLOW`
//! on an `O_PATH` open yields the link itself). Opens go through the parent
//! fd and the name with `RESOLVE_NO_SYMLINKS` as well, and an open fid keeps
//! a real host fd so data moves at host speed ([`Node::host_fd`]).
//!
//! A directory's name looked up in a directory the host watch covers (the
//! kernel's `hostwatch`) is vouched for while nothing changes there: walks
//! then take cached directories without looking at the host
//! ([`Node::vouched`]).

// struct stat's field types differ between architectures; the casts keep
// this code right on all of them.
#![allow(clippy::unnecessary_cast)]

use std::any::Any;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use ninep::types::*;
use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags, ResolveFlags, Timestamps};

use crate::chan::{Attr, DevId, Getattr, Node};
use crate::dev::Device;
use crate::dircache::{host_id, DirCache, HostId};
use crate::error::*;
use crate::hostwatch;
use crate::hostwatch::Watch;

pub(crate) const BENEATH: ResolveFlags = ResolveFlags::BENEATH.union(ResolveFlags::NO_MAGICLINKS);
pub(crate) const NOLINKS: ResolveFlags = BENEATH.union(ResolveFlags::NO_SYMLINKS);

/// A name a device may be asked to walk to or create: one element.
pub(crate) fn check_elem(name: &str) -> Result<()> {
    if name.is_empty() || name == "." || name == ".." || name.contains('/') || name.contains('\0') {
        return Err(EFILENAME);
    }
    Ok(())
}

/// `O_PATH` fd of `path` (one name or a relative path) beneath `dir`,
/// not following a final symlink.
pub(crate) fn open_path(dir: BorrowedFd, path: &str) -> Result<OwnedFd> {
    let p = if path.is_empty() { "." } else { path };
    Ok(rfs::openat2(
        dir,
        p,
        OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
        NOLINKS,
    )?)
}

/// Opens `path` beneath `dir` for I/O with 9P open mode `mode`.
pub(crate) fn open_io(dir: BorrowedFd, path: &str, mode: u32, is_dir: bool) -> Result<OwnedFd> {
    let p = if path.is_empty() { "." } else { path };
    let mut fl = OFlags::CLOEXEC | OFlags::NOFOLLOW | OFlags::NOCTTY;
    if is_dir {
        fl |= OFlags::DIRECTORY | OFlags::RDONLY;
    } else {
        fl |= match mode & 3 {
            1 => OFlags::WRONLY,
            2 => OFlags::RDWR,
            _ => OFlags::RDONLY,
        };
        if mode & OTRUNC as u32 != 0 {
            fl |= OFlags::TRUNC;
        }
        if mode & crate::ONONBLOCK != 0 {
            fl |= OFlags::NONBLOCK;
        }
    }
    Ok(rfs::openat2(dir, p, fl, Mode::empty(), NOLINKS)?)
}

/// Unix permission bits from 9P2000.u perm bits.
pub(crate) fn unix_perm(perm: u32) -> Mode {
    let mut m = perm & 0o777;
    for (dm, um) in [(DMSETUID, 0o4000), (DMSETGID, 0o2000), (DMSETVTX, 0o1000)] {
        if perm & dm != 0 {
            m |= um;
        }
    }
    Mode::from_bits_truncate(m)
}

/// The qid of a host file; inode numbers of other host file systems than the
/// root's are tagged with their device so they do not collide.
pub(crate) fn host_qid(st: &rfs::Stat, rootdev: u64) -> Qid {
    let ft = FileType::from_raw_mode(st.st_mode as _);
    let qtype = match ft {
        FileType::Directory => QTDIR,
        FileType::Symlink => QTSYMLINK,
        _ => QTFILE,
    };
    let mut path = st.st_ino as u64;
    if st.st_dev as u64 != rootdev {
        path ^= (st.st_dev as u64).rotate_left(40);
    }
    Qid {
        qtype,
        version: st.st_mtime as u32 ^ st.st_mtime_nsec as u32,
        path,
    }
}

/// A stat record from a host stat; `link` is the symlink target if any.
pub(crate) fn host_dir(
    st: &rfs::Stat,
    name: &str,
    qid: Qid,
    id: DevId,
    link: Option<String>,
) -> Dir {
    Dir {
        uid: st.st_uid.to_string(),
        gid: st.st_gid.to_string(),
        ..host_record(st, name, qid, id, link)
    }
}

/// [`host_dir`] with the owner and group as numbers only (`n_uid`,
/// `n_gid`; the names empty): what a stat(2) reads, without formatting
/// two strings per file ([`crate::chan::Node::stat_child`]).
/// The Plan 9 mode of a host file: permissions, set-id and sticky bits,
/// and its kind (`DMDIR`, `DMSYMLINK`, …).
fn host_mode(st: &rfs::Stat) -> u32 {
    let mut mode = st.st_mode as u32 & 0o777;
    for (um, dm) in [(0o4000, DMSETUID), (0o2000, DMSETGID), (0o1000, DMSETVTX)] {
        if st.st_mode as u32 & um != 0 {
            mode |= dm;
        }
    }
    mode | match FileType::from_raw_mode(st.st_mode as _) {
        FileType::Directory => DMDIR,
        FileType::Symlink => DMSYMLINK,
        FileType::CharacterDevice | FileType::BlockDevice => DMDEVICE,
        FileType::Fifo => DMNAMEDPIPE,
        FileType::Socket => DMSOCKET,
        _ => 0,
    }
}

/// A directory has no length in Plan 9.
fn host_length(st: &rfs::Stat) -> u64 {
    if FileType::from_raw_mode(st.st_mode as _) == FileType::Directory {
        0
    } else {
        st.st_size as u64
    }
}

fn host_record(st: &rfs::Stat, name: &str, qid: Qid, id: DevId, link: Option<String>) -> Dir {
    let extension = match FileType::from_raw_mode(st.st_mode as _) {
        FileType::Symlink => link.unwrap_or_default(),
        ft @ (FileType::CharacterDevice | FileType::BlockDevice) => {
            let c = if ft == FileType::BlockDevice {
                'b'
            } else {
                'c'
            };
            format!(
                "{c} {} {}",
                rfs::major(st.st_rdev as _),
                rfs::minor(st.st_rdev as _)
            )
        }
        _ => String::new(),
    };
    Dir {
        typ: id.typ as u16,
        dev: id.dev,
        qid,
        mode: host_mode(st),
        atime: st.st_atime as u32,
        mtime: st.st_mtime as u32,
        length: host_length(st),
        name: name.into(),
        uid: String::new(),
        gid: String::new(),
        muid: String::new(),
        extension,
        n_uid: st.st_uid,
        n_gid: st.st_gid,
        n_muid: !0,
    }
}

/// What [`host_record`] and [`host_getattr`] say, as a stat of the name
/// needs it.
fn host_attr(st: &rfs::Stat, qid: Qid) -> Attr {
    Attr {
        qid,
        mode: host_mode(st),
        atime: st.st_atime as u32,
        mtime: st.st_mtime as u32,
        length: host_length(st),
        uid: st.st_uid,
        gid: st.st_gid,
        block: FileType::from_raw_mode(st.st_mode as _) == FileType::BlockDevice,
        extra: Some(host_getattr(st)),
    }
}

pub(crate) fn host_getattr(st: &rfs::Stat) -> Getattr {
    Getattr {
        nlink: st.st_nlink as u64,
        atime: (st.st_atime as i64, st.st_atime_nsec as u32),
        mtime: (st.st_mtime as i64, st.st_mtime_nsec as u32),
        ctime: (st.st_ctime as i64, st.st_ctime_nsec as u32),
        rdev: (rfs::major(st.st_rdev as _), rfs::minor(st.st_rdev as _)),
        blocks: st.st_blocks as u64,
        blksize: st.st_blksize as u32,
        size: st.st_size as u64,
    }
}

pub(crate) fn readlink(fd: BorrowedFd) -> Result<String> {
    let t = rfs::readlinkat(fd, "", Vec::new())?;
    Ok(String::from_utf8_lossy(t.as_bytes()).into_owned())
}

/// Lists a directory opened for reading: names other than `.` and `..`.
pub(crate) fn list_names(dirfd: BorrowedFd) -> Result<Vec<String>> {
    let mut names = Vec::new();
    each_entry(dirfd, |name, _, _| {
        names.push(String::from_utf8_lossy(name).into_owned());
    })?;
    Ok(names)
}

/// Calls `f` with the name, inode number and type of every entry of the
/// open host directory `dirfd` but `.` and `..`, from its start. The fd's
/// own position is used (rewound first), with a buffer that takes a
/// directory of a few hundred entries in one getdents: no second open
/// file description, as `rustix::fs::Dir` makes.
pub(crate) fn each_entry(dirfd: BorrowedFd, mut f: impl FnMut(&[u8], u64, FileType)) -> Result<()> {
    rustix::fs::seek(dirfd, rustix::fs::SeekFrom::Start(0))?;
    let mut buf = Vec::with_capacity(32 << 10);
    let mut entries = rfs::RawDir::new(dirfd, buf.spare_capacity_mut());
    while let Some(e) = entries.next() {
        let e = e?;
        let name = e.file_name().to_bytes();
        if name != b"." && name != b".." {
            f(name, e.ino(), e.file_type());
        }
    }
    Ok(())
}

/// wstat(5) applied to the host file `name` in `dir` (whose `O_PATH` fd is
/// `fd`). The rename part is left to the caller.
pub(crate) fn host_wstat(dir: BorrowedFd, name: &str, fd: BorrowedFd, d: &Dir) -> Result<()> {
    let st = rfs::fstat(fd)?;
    let is_link = FileType::from_raw_mode(st.st_mode as _) == FileType::Symlink;
    if d.mode != !0 {
        if is_link {
            return Err(ENOTSUP);
        }
        // chmod through our own O_PATH fd: it names exactly the walked inode
        // (fchmod refuses O_PATH fds, and fchmodat would follow a symlink
        // swapped in under the name).
        let p = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&fd));
        rfs::chmod(p.as_str(), unix_perm(d.mode))?;
    }
    if d.length != !0 {
        let f = open_io(dir, name, OWRITE as u32, false)?;
        rfs::ftruncate(&f, d.length)?;
    }
    if d.mtime != !0 || d.atime != !0 {
        let ts = |t: u32| rfs::Timespec {
            tv_sec: t as i64,
            tv_nsec: if t == !0 { rfs::UTIME_OMIT } else { 0 },
        };
        let times = Timestamps {
            last_access: ts(d.atime),
            last_modification: ts(d.mtime),
        };
        rfs::utimensat(dir, name, &times, AtFlags::SYMLINK_NOFOLLOW)?;
    }
    let uid = (d.n_uid != !0).then(|| rustix::process::Uid::from_raw(d.n_uid));
    let gid = match (d.n_gid, d.gid.parse::<u32>()) {
        (g, _) if g != !0 => Some(g),
        (_, Ok(g)) => Some(g),
        _ => None,
    };
    let gid = gid.map(rustix::process::Gid::from_raw);
    if uid.is_some() || gid.is_some() {
        rfs::chownat(dir, name, uid, gid, AtFlags::SYMLINK_NOFOLLOW)?;
    }
    Ok(())
}

/// Creates `name` in `dir` per 9P2000.u perm bits; returns an I/O fd for a
/// plain file.
pub(crate) fn host_create(
    dir: BorrowedFd,
    name: &str,
    perm: u32,
    mode: u32,
    ext: &str,
) -> Result<Option<OwnedFd>> {
    check_elem(name)?;
    if perm & DMDIR != 0 {
        rfs::mkdirat(dir, name, unix_perm(perm))?;
        return Ok(None);
    }
    if perm & DMSYMLINK != 0 {
        rfs::symlinkat(ext, dir, name)?;
        return Ok(None);
    }
    if perm & (DMNAMEDPIPE | DMDEVICE | DMSOCKET) != 0 {
        let (ft, rdev) = if perm & DMNAMEDPIPE != 0 {
            (FileType::Fifo, 0)
        } else if perm & DMSOCKET != 0 {
            (FileType::Socket, 0)
        } else {
            let mut it = ext.split_whitespace();
            let ft = match it.next() {
                Some("b") => FileType::BlockDevice,
                Some("c") => FileType::CharacterDevice,
                _ => return Err(EBADARG),
            };
            let maj = it.next().and_then(|s| s.parse().ok()).ok_or(EBADARG)?;
            let min = it.next().and_then(|s| s.parse().ok()).ok_or(EBADARG)?;
            (ft, rfs::makedev(maj, min))
        };
        rfs::mknodat(dir, name, ft, unix_perm(perm), rdev)?;
        return Ok(None);
    }
    let mut fl = OFlags::CREATE | OFlags::EXCL | OFlags::CLOEXEC | OFlags::NOFOLLOW;
    fl |= match mode & 3 {
        1 => OFlags::WRONLY,
        2 => OFlags::RDWR,
        _ => OFlags::RDONLY,
    };
    Ok(Some(rfs::openat2(dir, name, fl, unix_perm(perm), NOLINKS)?))
}

/// A host directory device instance.
pub struct HostDev {
    id: DevId,
    root: Arc<OwnedFd>,
    rootdev: u64,
    dirs: Arc<DirCache>,
    /// `#Zro:` — every change is refused with EROFS (a `-b HOST:GUEST:ro`
    /// bind). Plan 9 has no read-only bind; the device refuses instead.
    readonly: bool,
}

impl HostDev {
    /// A device rooted at the host directory `path` (symlinks in `path`
    /// itself are followed: the user named it).
    pub fn new(path: &Path) -> Result<HostDev> {
        HostDev::with_mode(path, false)
    }

    /// As [`HostDev::new`], refusing every change when `readonly`.
    pub fn with_mode(path: &Path, readonly: bool) -> Result<HostDev> {
        let fd = rfs::open(
            path,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| Error::from(e).context(path.display()))?;
        let st = rfs::fstat(&fd)?;
        Ok(HostDev {
            id: DevId::new('Z'),
            root: Arc::new(fd),
            rootdev: st.st_dev as u64,
            dirs: Arc::default(),
            readonly,
        })
    }

    pub fn id(&self) -> DevId {
        self.id
    }

    /// The root fid.
    pub fn root(&self) -> Result<HostNode> {
        let st = rfs::fstat(&*self.root)?;
        Ok(HostNode {
            id: self.id,
            rootdev: self.rootdev,
            dirs: self.dirs.clone(),
            fd: OnceLock::from(self.root.clone()),
            host: host_id(&st),
            at: Mutex::new(None),
            qid: host_qid(&st, self.rootdev),
            io: None,
            readonly: self.readonly,
            walked: Mutex::new(None),
            kind: FileType::Directory,
            spec: None,
            vouch: ROOT,
        })
    }
}

impl Device for HostDev {
    fn id(&self) -> DevId {
        self.id
    }
    fn attach(&self) -> Result<Box<dyn Node>> {
        Ok(Box::new(self.root()?))
    }
}

/// A fid of a host directory device.
pub struct HostNode {
    id: DevId,
    rootdev: u64,
    /// The device's directories walked through, shared by its fids.
    dirs: Arc<DirCache>,
    /// `O_PATH` fd of this file: a directory's from the walk, another
    /// file's opened when first needed ([`HostNode::fd`]), as most walks to
    /// a file only stat it, which the walk itself did.
    fd: OnceLock<Arc<OwnedFd>>,
    /// The file's host identity when walked to.
    host: HostId,
    /// The parent directory's `O_PATH` fd and this file's name in it; `None`
    /// for the root. Changes on rename.
    at: Mutex<Option<(Arc<OwnedFd>, String)>>,
    qid: Qid,
    /// The I/O fd once opened.
    io: Option<OwnedFd>,
    readonly: bool,
    /// The host stat the walk to this file took, for one `walked_stat_attr`.
    walked: Mutex<Option<rfs::Stat>>,
    /// The file's type (an inode's never changes).
    kind: FileType,
    /// Set on a directory a speculative walk took from the cache: the path
    /// to check before relying on it.
    spec: Option<Box<Spec>>,
    /// The [`hostwatch`] epoch in which every name on the walk from the
    /// root to this file was looked up in a watched directory: while it
    /// lasts, the walk would find this file again. [`ROOT`] for the root,
    /// 0 if not vouched for.
    vouch: u64,
}

/// The root's vouch: its fd, not a name, makes it the root.
const ROOT: u64 = u64::MAX;

/// The vouch of a file looked up in a directory vouched for by `parent`,
/// the lookup's fact stamped `fact`.
fn step_vouch(parent: u64, fact: u64) -> u64 {
    if fact != 0 && (parent == ROOT || parent == fact) {
        fact
    } else {
        0
    }
}

/// Where a speculatively walked directory should be: `rel` beneath
/// `anchor`, the last directory the walk looked at on the host.
#[derive(Clone)]
struct Spec {
    anchor: Arc<OwnedFd>,
    rel: String,
}

impl HostNode {
    /// A brief directory entry ([`Node::readdir_brief`]): the qid
    /// [`host_qid`] would give, and the type bits [`host_dir`] would.
    fn brief_entry(&self, name: String, ino: u64, ft: FileType, dev: u64) -> Dir {
        let mut path = ino;
        if dev != self.rootdev {
            path ^= dev.rotate_left(40);
        }
        let (qtype, mode, extension) = match ft {
            FileType::Directory => (QTDIR, DMDIR, ""),
            FileType::Symlink => (QTSYMLINK, DMSYMLINK, ""),
            FileType::CharacterDevice => (QTFILE, DMDEVICE, "c"),
            FileType::BlockDevice => (QTFILE, DMDEVICE, "b"),
            FileType::Fifo => (QTFILE, DMNAMEDPIPE, ""),
            FileType::Socket => (QTFILE, DMSOCKET, ""),
            _ => (QTFILE, 0, ""),
        };
        Dir {
            typ: self.id.typ as u16,
            dev: self.id.dev,
            qid: Qid {
                qtype,
                version: 0,
                path,
            },
            mode,
            name,
            extension: extension.into(),
            ..Dir::default()
        }
    }

    /// The stat record for this file from its host stat `st`.
    fn dir_of(&self, st: &rfs::Stat) -> Result<Dir> {
        let link = if self.qid.is_symlink() {
            Some(readlink(self.fd()?.as_fd())?)
        } else {
            None
        };
        let at = self.at.lock().unwrap();
        let name = at.as_ref().map_or("/", |(_, name)| name.as_str());
        Ok(host_dir(
            st,
            name,
            host_qid(st, self.rootdev),
            self.id,
            link,
        ))
    }

    fn parent(&self) -> Option<(Arc<OwnedFd>, String)> {
        self.at.lock().unwrap().clone()
    }

    /// (dir fd, name) to address this file by: the parent and the name, or
    /// the root itself as ".".
    fn addr(&self) -> Result<(Arc<OwnedFd>, String)> {
        match self.parent() {
            Some(p) => Ok(p),
            None => Ok((self.fd()?, ".".into())),
        }
    }

    /// This file's `O_PATH` fd, opened by name the first time a file that
    /// is not a directory needs one. A name that meanwhile came to hold
    /// another file says the walked one does not exist.
    fn fd(&self) -> Result<Arc<OwnedFd>> {
        if let Some(fd) = self.fd.get() {
            return Ok(fd.clone());
        }
        let (dir, name) = self.parent().ok_or(ENONEXIST)?;
        let fd = open_path(dir.as_fd(), &name)?;
        if host_id(&rfs::fstat(&fd)?) != self.host {
            return Err(ENONEXIST);
        }
        Ok(self.fd.get_or_init(|| Arc::new(fd)).clone())
    }

    /// walk1, unboxed.
    fn walk_checked(&self, name: &str) -> Result<HostNode> {
        check_elem(name)?;
        if !self.qid.is_dir() {
            return Err(ENOTDIR);
        }
        self.child(name)
    }

    /// Walks to `name`: one host stat of the name, not following a final
    /// symlink (so it cannot leave the directory); a directory is then
    /// opened, or found open in the cache while the name still holds it.
    /// In a speculative walk a cached directory is taken with no syscall
    /// ([`HostNode::speculation`]).
    fn child(&self, name: &str) -> Result<HostNode> {
        if let Some((d, st, fact)) = self.speculation(name) {
            let dir = self.fd()?;
            let spec = match &self.spec {
                Some(s) => Spec {
                    anchor: s.anchor.clone(),
                    rel: [&s.rel, "/", name].concat(),
                },
                None => Spec {
                    anchor: dir.clone(),
                    rel: name.into(),
                },
            };
            let mut c = self.node_at(dir, name, st, OnceLock::from(d));
            c.spec = Some(Box::new(spec));
            c.vouch = step_vouch(self.vouch, fact);
            return Ok(c);
        }
        let (dir, st, epoch) = self.look_up(name)?;
        self.child_found(dir, name, st, epoch)
    }

    /// The host stat of `name` in this directory (its fd returned too),
    /// and the epoch read before the lookup: a change after it ends that
    /// epoch.
    fn look_up(&self, name: &str) -> Result<(Arc<OwnedFd>, rfs::Stat, u64)> {
        self.confirm()?;
        let dir = self.fd()?;
        let epoch = hostwatch::stamp();
        let st = rfs::statat(&*dir, name, AtFlags::SYMLINK_NOFOLLOW)?;
        Ok((dir, st, epoch))
    }

    /// The node for `name`, which [`HostNode::look_up`] found in `dir`
    /// with host stat `st` in `epoch`; a directory goes into the cache.
    fn child_found(
        &self,
        dir: Arc<OwnedFd>,
        name: &str,
        mut st: rfs::Stat,
        epoch: u64,
    ) -> Result<HostNode> {
        let is_dir =
            |st: &rfs::Stat| FileType::from_raw_mode(st.st_mode as _) == FileType::Directory;
        let mut fact = 0;
        // Only a directory found is remembered (in the cache), so only then
        // must this directory be watched: one holding nothing but files
        // costs no watch. A watch added just now did not see the lookup,
        // which is made again under it.
        if is_dir(&st) && self.vouch != 0 {
            match hostwatch::watch(dir.as_fd(), self.host) {
                Watch::Already => fact = epoch,
                Watch::Added => {
                    st = rfs::statat(&*dir, name, AtFlags::SYMLINK_NOFOLLOW)?;
                    fact = epoch;
                }
                Watch::Unwatched => {}
            }
        }
        let fd = OnceLock::new();
        if is_dir(&st) {
            let d = match self.dirs.lookup(self.host, name, &st, fact) {
                Some(d) => d,
                None => {
                    let d = Arc::new(open_path(dir.as_fd(), name)?);
                    // What was opened, should the name have changed since.
                    st = rfs::fstat(&*d)?;
                    self.dirs.insert(self.host, name, &d, &st, fact);
                    d
                }
            };
            let _ = fd.set(d);
        }
        let mut c = self.node_at(dir, name, st, fd);
        c.vouch = step_vouch(self.vouch, fact);
        Ok(c)
    }

    /// [`Node::stat_child`]: one host stat, and for a file that is neither
    /// a directory nor a symlink no node made, since nothing about such a
    /// file is cached. A directory goes into the cache and a symlink's
    /// record carries its target, as [`HostNode::child`] makes them, from
    /// the same stat.
    fn stat_entry(&self, name: &str) -> Result<Attr> {
        check_elem(name)?;
        if !self.qid.is_dir() {
            return Err(ENOTDIR);
        }
        let walked = |c: HostNode| c.walked_stat_attr().map(|(d, g)| Attr::of(&d, g));
        if crate::namespace::speculating() {
            return walked(self.child(name)?);
        }
        let (dir, st, epoch) = self.look_up(name)?;
        match FileType::from_raw_mode(st.st_mode as _) {
            FileType::Directory | FileType::Symlink => {
                walked(self.child_found(dir, name, st, epoch)?)
            }
            _ => Ok(host_attr(&st, host_qid(&st, self.rootdev))),
        }
    }

    /// What a speculative walk takes from the cache for `name`, if it is to
    /// take it. Below a path vouched for now, an entry that is not (seen
    /// in an earlier epoch, say before a fork, or in none) is looked up
    /// afresh instead, with one `fstatat`: from then on it is vouched for
    /// too, and later walks check their path with no host call.
    fn speculation(&self, name: &str) -> Option<(Arc<OwnedFd>, rfs::Stat, u64)> {
        if !crate::namespace::speculating() {
            return None;
        }
        let entry = self.dirs.speculate(self.host, name)?;
        let vouch = step_vouch(self.vouch, entry.2);
        let stale = vouch == 0 || vouch != hostwatch::current();
        if stale && self.vouched() {
            let dir = self.fd().ok()?;
            if hostwatch::watch(dir.as_fd(), self.host) != Watch::Unwatched {
                return None;
            }
        }
        Some(entry)
    }

    /// The node for `name` in this directory (whose fd is `dir`), with host
    /// stat `st`.
    fn node_at(
        &self,
        dir: Arc<OwnedFd>,
        name: &str,
        st: rfs::Stat,
        fd: OnceLock<Arc<OwnedFd>>,
    ) -> HostNode {
        HostNode {
            id: self.id,
            rootdev: self.rootdev,
            dirs: self.dirs.clone(),
            fd,
            host: host_id(&st),
            at: Mutex::new(Some((dir, name.into()))),
            qid: host_qid(&st, self.rootdev),
            io: None,
            readonly: self.readonly,
            walked: Mutex::new(Some(st)),
            kind: FileType::from_raw_mode(st.st_mode as _),
            spec: None,
            vouch: 0,
        }
    }

    /// For a directory a speculative walk took from the cache: checks that
    /// its path still leads to it, through no symlink. While the watches
    /// vouch for the path, that costs one look at them for the whole walk
    /// ([`hostwatch::current`]); otherwise an `openat2` as the exact walk's
    /// would, an `fstat`, a `close`: the same three calls at any depth.
    /// ESTALEWALK, and the cache forgotten, if not. A path that now
    /// passes a symlink, even one to the same directory, is stale too: the
    /// exact walk reports the symlink for the personality to resolve.
    fn confirm(&self) -> Result<()> {
        let Some(s) = &self.spec else {
            return Ok(());
        };
        if self.vouched() {
            return Ok(());
        }
        let same = open_path(s.anchor.as_fd(), &s.rel)
            .and_then(|fd| Ok(rfs::fstat(&fd)?))
            .is_ok_and(|st| host_id(&st) == self.host);
        if !same {
            self.dirs.clear();
            return Err(ESTALEWALK);
        }
        Ok(())
    }

    /// Whether a walk to this file would find it again now, with no look at
    /// the host beyond the watches' ([`hostwatch::current`]).
    fn vouched(&self) -> bool {
        self.vouch == ROOT || (self.vouch != 0 && hostwatch::current() == self.vouch)
    }

    /// EROFS on a read-only device, before any change is tried.
    fn writable(&self) -> Result<()> {
        if self.readonly {
            return Err(EROFS);
        }
        Ok(())
    }

    fn other<'a>(&self, n: &'a dyn Node) -> Result<&'a HostNode> {
        match n.as_any().downcast_ref::<HostNode>() {
            Some(h) if h.id == self.id => Ok(h),
            _ => Err(EXDEV),
        }
    }
}

impl Node for HostNode {
    fn qid(&self) -> Qid {
        self.qid
    }
    fn clone_node(&self) -> Result<Box<dyn Node>> {
        Ok(Box::new(HostNode {
            id: self.id,
            rootdev: self.rootdev,
            dirs: self.dirs.clone(),
            fd: self.fd.clone(),
            host: self.host,
            at: Mutex::new(self.parent()),
            qid: self.qid,
            io: None,
            readonly: self.readonly,
            walked: Mutex::new(None),
            kind: self.kind,
            spec: self.spec.clone(),
            vouch: self.vouch,
        }))
    }
    fn walk1(&self, name: &str) -> Result<Box<dyn Node>> {
        Ok(Box::new(self.walk_checked(name)?))
    }
    fn stat_child(&self, name: &str) -> Option<Result<Attr>> {
        Some(self.stat_entry(name))
    }
    fn vouched(&self) -> bool {
        HostNode::vouched(self)
    }
    fn open(&mut self, mode: u32) -> Result<Qid> {
        if mode & 3 == OWRITE as u32 || mode & 3 == ORDWR as u32 || mode & OTRUNC as u32 != 0 {
            self.writable()?;
        }
        let (dir, name) = self.addr()?;
        self.io = Some(open_io(dir.as_fd(), &name, mode, self.qid.is_dir())?);
        Ok(self.qid)
    }
    fn create(&mut self, name: &str, perm: u32, mode: u32, ext: &str) -> Result<Qid> {
        if !self.qid.is_dir() {
            return Err(ENOTDIR);
        }
        self.writable()?;
        let dir = self.fd()?;
        let io = host_create(dir.as_fd(), name, perm, mode, ext)?;
        let mut c = self.child(name)?;
        c.io = match io {
            Some(f) => Some(f),
            None if perm & DMDIR != 0 => Some(open_io(dir.as_fd(), name, OREAD as u32, true)?),
            None => None,
        };
        *self = c;
        Ok(self.qid)
    }
    fn read(&self, buf: &mut [u8], off: u64) -> Result<usize> {
        let f = self.io.as_ref().ok_or(ENOTOPEN)?;
        Ok(rustix::io::pread(f, buf, off)?)
    }
    fn readdir(&self) -> Result<Vec<Dir>> {
        let f = self.io.as_ref().ok_or(ENOTOPEN)?;
        let mut out = Vec::new();
        for name in list_names(f.as_fd())? {
            // One name beneath the dir, not following a final symlink: this
            // cannot leave the directory.
            let Ok(st) = rfs::statat(f, name.as_str(), AtFlags::SYMLINK_NOFOLLOW) else {
                continue;
            };
            let link = (FileType::from_raw_mode(st.st_mode as _) == FileType::Symlink)
                .then(|| rfs::readlinkat(f, name.as_str(), Vec::new()).ok())
                .flatten()
                .map(|t| String::from_utf8_lossy(t.as_bytes()).into_owned());
            out.push(host_dir(
                &st,
                &name,
                host_qid(&st, self.rootdev),
                self.id,
                link,
            ));
        }
        Ok(out)
    }
    fn readdir_brief(&self) -> Result<Vec<Dir>> {
        let f = self.io.as_ref().ok_or(ENOTOPEN)?;
        // Entries live on the directory's own file system (but for mount
        // points, whose d_ino is the covered directory's, as on Linux).
        let dir_dev = rfs::fstat(f)?.st_dev as u64;
        // Most directories hold a few dozen entries.
        let mut out = Vec::with_capacity(64);
        each_entry(f.as_fd(), |n, ino, ft| {
            let name = String::from_utf8_lossy(n).into_owned();
            if ft != FileType::Unknown {
                out.push(self.brief_entry(name, ino, ft, dir_dev));
            } else if let Ok(st) = rfs::statat(f, name.as_str(), AtFlags::SYMLINK_NOFOLLOW) {
                // A file system without d_type: one stat says.
                let qid = host_qid(&st, self.rootdev);
                out.push(host_dir(&st, &name, qid, self.id, None));
            }
        })?;
        Ok(out)
    }
    fn write(&self, buf: &[u8], off: u64) -> Result<usize> {
        let f = self.io.as_ref().ok_or(ENOTOPEN)?;
        Ok(rustix::io::pwrite(f, buf, off)?)
    }
    fn remove(&self) -> Result<()> {
        self.writable()?;
        let Some((dir, name)) = self.parent() else {
            return Err(EPERM);
        };
        let fl = if self.qid.is_dir() {
            AtFlags::REMOVEDIR
        } else {
            AtFlags::empty()
        };
        Ok(rfs::unlinkat(&*dir, name.as_str(), fl)?)
    }
    fn stat(&self) -> Result<Dir> {
        self.dir_of(&rfs::fstat(&*self.fd()?)?)
    }
    fn stat_attr(&self) -> Result<(Dir, Option<Getattr>)> {
        let st = rfs::fstat(&*self.fd()?)?;
        Ok((self.dir_of(&st)?, Some(host_getattr(&st))))
    }
    fn walked_stat_attr(&self) -> Result<(Dir, Option<Getattr>)> {
        match self.walked.lock().unwrap().take() {
            Some(st) => Ok((self.dir_of(&st)?, Some(host_getattr(&st)))),
            None => self.stat_attr(),
        }
    }
    fn wstat(&self, d: &Dir) -> Result<()> {
        self.writable()?;
        let (dir, name) = self.addr()?;
        host_wstat(dir.as_fd(), &name, self.fd()?.as_fd(), d)?;
        if !d.name.is_empty() && d.name != name {
            check_elem(&d.name)?;
            let Some((dir, _)) = self.parent() else {
                return Err(EPERM);
            };
            // 9P: a rename never overwrites.
            rfs::renameat_with(
                &*dir,
                name.as_str(),
                &*dir,
                d.name.as_str(),
                rfs::RenameFlags::NOREPLACE,
            )?;
            *self.at.lock().unwrap() = Some((dir, d.name.clone()));
        }
        Ok(())
    }
    fn host_fd(&self) -> Option<BorrowedFd<'_>> {
        self.io.as_ref().map(|f| f.as_fd())
    }
    fn host_path(&self, _for_create: bool) -> Option<std::path::PathBuf> {
        fd_path(self.fd().ok()?.as_fd())
    }
    fn pin(&self) -> Result<()> {
        self.fd().map(drop)
    }
    fn special(&self) -> Result<bool> {
        use FileType::*;
        Ok(matches!(
            self.kind,
            CharacterDevice | BlockDevice | Fifo | Socket
        ))
    }
    fn rename(&self, newdir: &dyn Node, name: &str) -> Result<()> {
        check_elem(name)?;
        self.writable()?;
        let nd = self.other(newdir)?;
        let Some((dir, old)) = self.parent() else {
            return Err(EINUSE);
        };
        let nfd = nd.fd()?;
        rfs::renameat(&*dir, old.as_str(), &*nfd, name)?;
        *self.at.lock().unwrap() = Some((nfd, name.into()));
        Ok(())
    }
    fn exchange(&self, other: &dyn Node) -> Result<()> {
        self.writable()?;
        let o = self.other(other)?;
        let (Some((d1, n1)), Some((d2, n2))) = (self.parent(), o.parent()) else {
            return Err(EINUSE);
        };
        rfs::renameat_with(
            &*d1,
            n1.as_str(),
            &*d2,
            n2.as_str(),
            rfs::RenameFlags::EXCHANGE,
        )?;
        *self.at.lock().unwrap() = Some((d2, n2));
        *o.at.lock().unwrap() = Some((d1, n1));
        Ok(())
    }
    fn link(&self, newdir: &dyn Node, name: &str) -> Result<()> {
        check_elem(name)?;
        self.writable()?;
        let nd = self.other(newdir)?;
        let (dir, old) = self.addr()?;
        Ok(rfs::linkat(
            &*dir,
            old.as_str(),
            &*nd.fd()?,
            name,
            AtFlags::empty(),
        )?)
    }
    fn getattr(&self) -> Option<Getattr> {
        rfs::fstat(&*self.fd().ok()?)
            .ok()
            .map(|st| host_getattr(&st))
    }
    fn readonly(&self) -> bool {
        self.readonly
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The host path an fd names now (its /proc/self/fd link).
pub(crate) fn fd_path(fd: BorrowedFd) -> Option<std::path::PathBuf> {
    use std::os::fd::AsRawFd;
    std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (tempfile::TempDir, HostNode) {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("root");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(t.path().join("secret"), b"outside").unwrap();
        std::fs::write(root.join("f"), b"inside").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", root.join("abs")).unwrap();
        std::os::unix::fs::symlink("../secret", root.join("up")).unwrap();
        std::os::unix::fs::symlink("/proc/self/root/etc/passwd", root.join("magic")).unwrap();
        std::fs::create_dir(root.join("d")).unwrap();
        std::os::unix::fs::symlink("/proc/self/root", root.join("d/rootlink")).unwrap();
        let dev = HostDev::new(&root).unwrap();
        let r = dev.root().unwrap();
        (t, r)
    }

    #[test]
    fn dotdot_is_refused() {
        let (_t, r) = setup();
        assert!(r.walk1("..").is_err());
        assert!(r.walk1("d/..").is_err());
        assert!(r.walk1("../secret").is_err());
    }

    #[test]
    fn symlinks_are_reported_not_followed() {
        let (_t, r) = setup();
        for (name, target) in [
            ("abs", "/etc/passwd"),
            ("up", "../secret"),
            ("magic", "/proc/self/root/etc/passwd"),
        ] {
            let mut n = r.walk1(name).unwrap();
            assert!(n.qid().is_symlink());
            let d = n.stat().unwrap();
            assert_eq!(d.mode & DMSYMLINK, DMSYMLINK);
            assert_eq!(d.extension, target);
            // Opening the link itself (which would follow it) is refused.
            assert!(n.open(OREAD as u32).is_err(), "{name} opened");
            // Walking through it is refused.
            assert!(n.walk1("x").is_err());
        }
    }

    #[test]
    fn host_opens_cannot_escape() {
        let (_t, r) = setup();
        // Direct probes of the helper with multi-element paths.
        assert!(open_path(r.fd().unwrap().as_fd(), "abs").is_ok()); // the link itself
        assert!(open_io(r.fd().unwrap().as_fd(), "abs", 0, false).is_err());
        assert!(open_io(r.fd().unwrap().as_fd(), "up", 0, false).is_err());
        assert!(open_io(r.fd().unwrap().as_fd(), "magic", 0, false).is_err());
        assert!(open_io(r.fd().unwrap().as_fd(), "../secret", 0, false).is_err());
        assert!(open_io(r.fd().unwrap().as_fd(), "/etc/passwd", 0, false).is_err());
        assert!(open_path(r.fd().unwrap().as_fd(), "d/rootlink/etc").is_err());
        assert!(rfs::openat2(
            &*r.fd().unwrap(),
            "d/rootlink/etc",
            OFlags::RDONLY,
            Mode::empty(),
            BENEATH
        )
        .is_err());
    }

    #[test]
    fn read_write_create_remove() {
        let (t, r) = setup();
        let mut f = r.walk1("f").unwrap();
        f.open(OREAD as u32).unwrap();
        let mut buf = [0u8; 16];
        let n = f.read(&mut buf, 0).unwrap();
        assert_eq!(&buf[..n], b"inside");
        assert!(f.host_fd().is_some());
        let mut d = r.walk1("d").unwrap();
        d.create("new", 0o644, ORDWR as u32, "").unwrap();
        d.write(b"hello", 0).unwrap();
        assert_eq!(
            std::fs::read(t.path().join("root/d/new")).unwrap(),
            b"hello"
        );
        let mut st = Dir::dont_touch();
        st.name = "renamed".into();
        d.wstat(&st).unwrap();
        assert!(t.path().join("root/d/renamed").exists());
        d.remove().unwrap();
        assert!(!t.path().join("root/d/renamed").exists());
        let mut dd = r.walk1("d").unwrap();
        dd.open(OREAD as u32).unwrap();
        let names: Vec<String> = dd.readdir().unwrap().into_iter().map(|d| d.name).collect();
        assert_eq!(names, vec!["rootlink".to_string()]);
    }
}
