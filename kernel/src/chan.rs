//! Channels: a device's file as the kernel holds it, shaped like a 9P fid.
//!
//! A device implements [`Node`]; one `Node` value is one fid: `walk1` makes a
//! new fid for a child, `open`/`create` turn it into an open file, dropping it
//! is clunk. A [`Chan`] wraps a node with what the kernel adds: the device's
//! identity (the mount table key), the path the chan was reached by (for `..`
//! and fd2path), the open mode, the file offset and, for a union mount point,
//! the union it stands for.

use std::any::Any;
use std::os::fd::BorrowedFd;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use ninep::{Dir, Qid};

use crate::error::*;
use crate::namespace::Mhead;

/// A device instance's identity: device type character (as in `#Z`) and a
/// device number unique within this process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DevId {
    pub typ: char,
    pub dev: u32,
}

impl DevId {
    /// A fresh device number for a new device instance.
    pub fn new(typ: char) -> DevId {
        static NEXT: AtomicU32 = AtomicU32::new(1);
        DevId {
            typ,
            dev: NEXT.fetch_add(1, Ordering::Relaxed),
        }
    }
}

/// One fid of a device. Methods taking `&self` may be called from several
/// threads at once (pread/pwrite on a shared fd); `open`, `create` and
/// `wstat`-by-rename happen before a chan is shared.
///
/// Paths never reach a device: the namespace cleans them lexically, so `walk1`
/// never sees `..`, `.` or a name containing `/`.
pub trait Node: Send + Sync + 'static {
    fn qid(&self) -> Qid;
    /// A new fid for the same file (Twalk with no names).
    fn clone_node(&self) -> Result<Box<dyn Node>>;
    /// A new fid for the child `name` of this directory. Must not follow a
    /// symlink: a symlink is returned as itself (QTSYMLINK), and walking from
    /// a symlink fails with "not a directory".
    fn walk1(&self, name: &str) -> Result<Box<dyn Node>>;
    /// Opens this fid (OREAD, OWRITE, ORDWR, OEXEC, | OTRUNC).
    fn open(&mut self, mode: u32) -> Result<Qid>;
    /// Creates `name` in this directory and makes this fid the new file,
    /// opened with `mode`. `perm & DMDIR` makes a directory; `perm &
    /// DMSYMLINK` a symlink whose target is `ext` (9P2000.u). Fails with
    /// "file already exists" if the name exists (the namespace does the
    /// open-and-truncate of an existing file itself).
    fn create(&mut self, name: &str, perm: u32, mode: u32, ext: &str) -> Result<Qid>;
    /// Reads file data at `off` (open fid, not a directory).
    fn read(&self, buf: &mut [u8], off: u64) -> Result<usize>;
    /// The entries of this open directory, in the device's order.
    fn readdir(&self) -> Result<Vec<Dir>>;
    /// [`Node::readdir`] where each entry need only carry its name, qid and
    /// the file type bits of its mode (Linux getdents needs no more); a
    /// host-backed device then lists without a stat per entry.
    fn readdir_brief(&self) -> Result<Vec<Dir>> {
        self.readdir()
    }
    fn write(&self, buf: &[u8], off: u64) -> Result<usize>;
    /// Removes the file. The fid is clunked by the caller either way.
    fn remove(&self) -> Result<()>;
    fn stat(&self) -> Result<Dir>;
    /// wstat(5): fields that are "don't touch" (`!0`, empty strings) are left
    /// alone. A new name renames within the same directory.
    fn wstat(&self, d: &Dir) -> Result<()>;
    /// The host fd behind an open fid, for data-path syscalls straight on the
    /// host (read, write, pread, lseek, mmap, sendfile…).
    fn host_fd(&self) -> Option<BorrowedFd<'_>> {
        None
    }
    /// Where an open, read-only file's bytes lie in a host file when the
    /// device has no fd of its own for it: (fd, offset, length). The tar
    /// device gives its archive's fd and the member's extent, so reads (and
    /// copies for exec) can go straight to the host with pread.
    fn host_extent(&self) -> Option<(BorrowedFd<'_>, u64, u64)> {
        None
    }
    /// The host path of this file on devices that are host directories
    /// (AF_UNIX sockets live at host paths). `for_create`: the file is
    /// about to be changed at that path, or (a directory) have a name made
    /// in it, so a copy-on-write layer first copies it up or makes it in
    /// its upper layer.
    fn host_path(&self, _for_create: bool) -> Option<std::path::PathBuf> {
        None
    }
    /// A name was made in this directory at its host path, behind the
    /// device's back (a socket bound there): what the device knew to be
    /// absent may not be.
    fn made_at_host_path(&self) {}
    /// Renames this file into directory `newdir` (a fid of the same device)
    /// as `name`, replacing a file there (Linux rename(2)). 9P itself can only
    /// rename within a directory (wstat); devices that can do better say so.
    fn rename(&self, _newdir: &dyn Node, _name: &str) -> Result<()> {
        Err(EXDEV)
    }
    /// Swaps this file and `other` (a fid of the same device) atomically, each
    /// taking the other's name (Linux renameat2 RENAME_EXCHANGE). Devices
    /// that cannot say "bad arg" (EINVAL), as a Linux file system does.
    fn exchange(&self, _other: &dyn Node) -> Result<()> {
        Err(EBADARG)
    }
    /// Makes a hard link to this file as `name` in `newdir` (same device).
    fn link(&self, _newdir: &dyn Node, _name: &str) -> Result<()> {
        Err(EXDEV)
    }
    /// What a stat record cannot carry (like 9P2000.L's getattr): link
    /// count, nanosecond times, device numbers. Host-backed devices have it.
    fn getattr(&self) -> Option<Getattr> {
        None
    }
    /// [`Node::stat`] and [`Node::getattr`] at once, which a host-backed
    /// device answers from one host stat.
    fn stat_attr(&self) -> Result<(Dir, Option<Getattr>)> {
        Ok((self.stat()?, self.getattr()))
    }
    /// Whether this is a device, a named pipe or a socket (DMDEVICE,
    /// DMNAMEDPIPE, DMSOCKET): a file whose opening reaches something other
    /// than stored bytes.
    fn special(&self) -> Result<bool> {
        use ninep::types::{DMDEVICE, DMNAMEDPIPE, DMSOCKET};
        Ok(self.stat()?.mode & (DMDEVICE | DMNAMEDPIPE | DMSOCKET) != 0)
    }
    /// Holds on to the file itself from now on, not its name, as an open
    /// file would (a Linux `O_PATH` fd): a later rename or unlink of the
    /// name must not change what this fid reaches.
    fn pin(&self) -> Result<()> {
        Ok(())
    }
    /// [`Node::stat_attr`] for a caller that walked to this file just now
    /// (stat(2) of a path): a device may answer, once, from what the walk
    /// itself looked at.
    fn walked_stat_attr(&self) -> Result<(Dir, Option<Getattr>)> {
        self.stat_attr()
    }
    /// Whether walking this file's path again (from its device's root)
    /// would find this same file, known at little cost: no look at the
    /// file itself. The namespace then keeps the walk to reuse
    /// ([`crate::namespace`]'s walk cache). Devices that cannot tell say no.
    fn vouched(&self) -> bool {
        false
    }
    /// What `walk1(name)` and then `walked_stat_attr` of the result would
    /// say, for a device that can answer without a chan for the child (a
    /// stat of a path's last element, [`crate::Namespace::stat_kept`]).
    /// None: walk and ask the child.
    fn stat_child(&self, _name: &str) -> Option<Result<Attr>> {
        None
    }
    /// Whether the device refuses every change (`#Zro:`), for the calls
    /// that change a file through its host fd rather than wstat (futimens).
    fn readonly(&self) -> bool {
        false
    }
    /// For same-device checks in `rename` and `link`.
    fn as_any(&self) -> &dyn Any;
}

/// Attributes beyond the stat record, from devices that have them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Getattr {
    pub nlink: u64,
    /// Seconds and nanoseconds.
    pub atime: (i64, u32),
    pub mtime: (i64, u32),
    pub ctime: (i64, u32),
    /// Device number of a device file (major, minor).
    pub rdev: (u32, u32),
    pub blocks: u64,
    pub blksize: u32,
    /// The size Linux reports: as the stat record's length for files, but a
    /// directory has one too (Plan 9 says 0).
    pub size: u64,
}

/// What a stat of a name says when no chan is made for it
/// ([`Node::stat_child`]): the numbers of its stat record (a [`Dir`]
/// without its strings) and the device's extra attributes. Small and
/// `Copy`: a stat(2) of a path hands it up through every layer between the
/// host and the guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attr {
    pub qid: Qid,
    pub mode: u32,
    pub atime: u32,
    pub mtime: u32,
    pub length: u64,
    /// The owner and group by number: 9P2000.u's numbers, else the names
    /// when they are numbers, else 0.
    pub uid: u32,
    pub gid: u32,
    /// A device file (`DMDEVICE`) that is a block device (its extension
    /// says `b`).
    pub block: bool,
    pub extra: Option<Getattr>,
}

impl Attr {
    /// The attributes in stat record `d` and the device's `extra` ones.
    pub fn of(d: &Dir, extra: Option<Getattr>) -> Attr {
        let id = |n: u32, name: &str| {
            if n != !0 {
                n
            } else {
                name.parse().unwrap_or(0)
            }
        };
        Attr {
            qid: d.qid,
            mode: d.mode,
            atime: d.atime,
            mtime: d.mtime,
            length: d.length,
            uid: id(d.n_uid, &d.uid),
            gid: id(d.n_gid, &d.gid),
            block: d.extension.starts_with('b'),
            extra,
        }
    }
}

/// A kernel channel: a node plus the kernel's bookkeeping.
pub struct Chan {
    pub dev: DevId,
    /// The qid when the chan was walked to (or opened/created).
    pub qid: Qid,
    /// The cleaned absolute path the chan was reached by; `..` and fd2path use
    /// this, as 9front's `c->path` does.
    pub name: String,
    pub(crate) node: Box<dyn Node>,
    /// Set when this chan is a union (or mount point): its members, in order.
    pub(crate) umh: Option<Arc<Mhead>>,
    /// Open mode, once opened.
    pub mode: Option<u32>,
    /// The file offset for read/write without an explicit offset.
    pub offset: Mutex<u64>,
    /// An opened directory's entries, read once at open (or at seek to 0), so
    /// that offsets into the listing stay stable across dirread calls. (A
    /// chan is read either with dirread or with getdents, whose cache holds
    /// the unique listing.)
    pub(crate) dirents: Mutex<Option<Vec<Dir>>>,
    /// The same for [`Chan::dirread_brief`]'s listing.
    brief_dirents: Mutex<Option<Arc<Vec<Dir>>>>,
}

impl std::fmt::Debug for Chan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chan")
            .field("dev", &self.dev)
            .field("qid", &self.qid)
            .field("name", &self.name)
            .field("mode", &self.mode)
            .finish()
    }
}

impl Chan {
    /// A chan for a device's root (attach).
    pub fn attach(dev: DevId, node: Box<dyn Node>) -> Chan {
        Chan::new(dev, node, "/".into())
    }

    pub(crate) fn new(dev: DevId, node: Box<dyn Node>, name: String) -> Chan {
        Chan {
            dev,
            qid: node.qid(),
            name,
            node,
            umh: None,
            mode: None,
            offset: Mutex::new(0),
            dirents: Mutex::new(None),
            brief_dirents: Mutex::new(None),
        }
    }

    /// The mount-table key of the file this chan names.
    pub fn key(&self) -> (DevId, u64) {
        (self.dev, self.qid.path)
    }

    /// A new unopened chan for the same file and path.
    pub fn clone_chan(&self) -> Result<Chan> {
        let mut c = Chan::new(self.dev, self.node.clone_node()?, self.name.clone());
        c.qid = self.qid;
        c.umh = self.umh.clone();
        Ok(c)
    }

    /// Walks one name within the same device (no mount table lookup).
    pub fn walk1(&self, name: &str, path: String) -> Result<Chan> {
        let node = self.node.walk1(name)?;
        Ok(Chan::new(self.dev, node, path))
    }

    pub fn node(&self) -> &dyn Node {
        &*self.node
    }

    pub fn is_dir(&self) -> bool {
        self.qid.is_dir()
    }

    pub fn is_union(&self) -> bool {
        self.umh.is_some()
    }

    /// See [`Node::host_fd`].
    pub fn host_fd(&self) -> Option<BorrowedFd<'_>> {
        self.node.host_fd()
    }

    /// See [`Node::host_extent`].
    pub fn host_extent(&self) -> Option<(BorrowedFd<'_>, u64, u64)> {
        self.node.host_extent()
    }

    pub fn stat(&self) -> Result<Dir> {
        self.node.stat()
    }

    /// See [`Node::getattr`].
    pub fn getattr(&self) -> Option<Getattr> {
        self.node.getattr()
    }

    /// See [`Node::stat_attr`].
    pub fn stat_attr(&self) -> Result<(Dir, Option<Getattr>)> {
        self.node.stat_attr()
    }

    /// See [`Node::pin`].
    pub fn pin(&self) -> Result<()> {
        self.node.pin()
    }

    /// See [`Node::walked_stat_attr`].
    pub fn walked_stat_attr(&self) -> Result<(Dir, Option<Getattr>)> {
        self.node.walked_stat_attr()
    }

    /// See [`Node::readonly`].
    pub fn readonly(&self) -> bool {
        self.node.readonly()
    }

    /// The symlink target if this chan names a symlink (readlink).
    pub fn readlink(&self) -> Result<String> {
        let d = self.node.stat()?;
        if d.mode & ninep::DMSYMLINK == 0 {
            return Err(ENOTSYMLINK);
        }
        Ok(d.extension)
    }

    fn check_open(&self, write: bool) -> Result<()> {
        let m = self.mode.ok_or(ENOTOPEN)?;
        let ok = match m & 3 {
            0 | 3 => !write,
            1 => write,
            _ => true,
        };
        if ok {
            Ok(())
        } else {
            Err(EOPENMODE)
        }
    }

    /// pread(2): reads at `off`, or at the chan's offset (advancing it) when
    /// `off` is `None`. Directories read as stat records, like 9front;
    /// [`Chan::dirread`] is the structured form.
    pub fn pread(&self, buf: &mut [u8], off: Option<u64>) -> Result<usize> {
        self.check_open(false)?;
        if self.is_dir() {
            return self.dirread_bytes(buf, off);
        }
        match off {
            Some(o) => self.node.read(buf, o),
            None => {
                let mut pos = self.offset.lock().unwrap();
                let n = self.node.read(buf, *pos)?;
                *pos += n as u64;
                Ok(n)
            }
        }
    }

    /// pwrite(2), as [`Chan::pread`].
    pub fn pwrite(&self, buf: &[u8], off: Option<u64>) -> Result<usize> {
        self.check_open(true)?;
        if self.is_dir() {
            return Err(EISDIR);
        }
        match off {
            Some(o) => self.node.write(buf, o),
            None => {
                let mut pos = self.offset.lock().unwrap();
                let n = self.node.write(buf, *pos)?;
                *pos += n as u64;
                Ok(n)
            }
        }
    }

    /// dirread(2): the next entries of an open directory, or an empty vector
    /// at the end. A union lists its members' entries concatenated,
    /// duplicates kept (see [`Chan::dirread_unique`] for Linux).
    pub fn dirread(&self) -> Result<Vec<Dir>> {
        self.check_open(false)?;
        if !self.is_dir() {
            return Err(ENOTDIR);
        }
        let mut pos = self.offset.lock().unwrap();
        let all = self.entries()?;
        let start = (*pos as usize).min(all.len());
        *pos = all.len() as u64;
        Ok(all[start..].to_vec())
    }

    /// Every entry of this open directory, computed once per open or rewind.
    pub fn entries(&self) -> Result<Vec<Dir>> {
        let mut cache = self.dirents.lock().unwrap();
        if cache.is_none() {
            *cache = Some(self.list()?);
        }
        Ok(cache.clone().unwrap_or_default())
    }

    /// Linux getdents view: the listing with later duplicates (by name)
    /// dropped, so a name shows once, as the member that lookup would find.
    pub fn dirread_unique(&self) -> Result<Vec<Dir>> {
        Ok(unique_by_name(self.entries()?))
    }

    /// [`Chan::dirread_unique`] with brief entries ([`Node::readdir_brief`]:
    /// name, qid and file type), which is all getdents returns. Computed once
    /// per open or rewind, like [`Chan::entries`].
    pub fn dirread_brief(&self) -> Result<Arc<Vec<Dir>>> {
        let mut cache = self.brief_dirents.lock().unwrap();
        if let Some(all) = &*cache {
            return Ok(all.clone());
        }
        let listed = self.list_with(true)?;
        // Only a union's members can repeat a name.
        let all = Arc::new(if self.umh.is_some() {
            unique_by_name(listed)
        } else {
            listed
        });
        *cache = Some(all.clone());
        Ok(all)
    }

    /// Linux getdents: up to `max` entries of the unique listing from the
    /// chan's offset, which counts entries and advances by those returned.
    /// Entry `i` may be given `d_off = i + 1`; [`Chan::seek_dirent`] goes
    /// back to such a position (seekdir), and seek(0) rereads the directory.
    pub fn getdents(&self, max: usize) -> Result<Vec<Dir>> {
        self.check_open(false)?;
        if !self.is_dir() {
            return Err(ENOTDIR);
        }
        let mut pos = self.offset.lock().unwrap();
        let mut cache = self.dirents.lock().unwrap();
        if cache.is_none() {
            *cache = Some(unique_by_name(self.list()?));
        }
        let all = cache.as_ref().map(|v| v.as_slice()).unwrap_or(&[]);
        let start = (*pos as usize).min(all.len());
        let end = start.saturating_add(max).min(all.len());
        *pos = end as u64;
        Ok(all[start..end].to_vec())
    }

    /// Sets an open directory's position to a `d_off` from
    /// [`Chan::getdents`] without rereading it (Linux seekdir/lseek).
    pub fn seek_dirent(&self, index: u64) -> Result<()> {
        if !self.is_dir() {
            return Err(ENOTDIR);
        }
        *self.offset.lock().unwrap() = index;
        Ok(())
    }

    /// Rewinds an open directory (the only seek 9front allows on one) or sets
    /// a file's offset.
    pub fn seek(&self, off: u64) -> Result<()> {
        if self.is_dir() {
            if off != 0 {
                return Err(EDIRSEEK);
            }
            *self.dirents.lock().unwrap() = None;
            *self.brief_dirents.lock().unwrap() = None;
        }
        *self.offset.lock().unwrap() = off;
        Ok(())
    }

    fn list(&self) -> Result<Vec<Dir>> {
        self.list_with(false)
    }

    /// The listing, of brief entries when `brief`.
    fn list_with(&self, brief: bool) -> Result<Vec<Dir>> {
        let read = |n: &dyn Node| {
            if brief {
                n.readdir_brief()
            } else {
                n.readdir()
            }
        };
        let Some(umh) = &self.umh else {
            return read(&*self.node);
        };
        let mut all = Vec::new();
        for m in umh.mounts.iter() {
            // As 9front: a member that fails to list is skipped.
            let r = m.to.clone_chan().and_then(|mut c| {
                c.node.open(ninep::OREAD as u32)?;
                read(&*c.node)
            });
            match r {
                Ok(v) => all.extend(v),
                Err(e) => log::debug!("union member {} skipped: {e}", m.to.name),
            }
        }
        Ok(all)
    }

    /// Directory reads as bytes: whole plain 9P2000 stat records; the chan's
    /// offset counts records (not bytes) so a short buffer never splits one.
    fn dirread_bytes(&self, buf: &mut [u8], off: Option<u64>) -> Result<usize> {
        let all = self.entries()?;
        let mut pos = self.offset.lock().unwrap();
        // Readers of directories read sequentially; only 0 restarts.
        let mut i = if off == Some(0) { 0 } else { *pos as usize };
        let mut n = 0;
        while i < all.len() {
            let rec = ninep::encode_dir(&all[i], ninep::Dialect::Plain);
            if n + rec.len() > buf.len() {
                if n == 0 {
                    return Err(Error::new("read or write too small"));
                }
                break;
            }
            buf[n..n + rec.len()].copy_from_slice(&rec);
            n += rec.len();
            i += 1;
        }
        *pos = i as u64;
        Ok(n)
    }
}

/// Drops later entries whose name was already seen.
pub fn unique_by_name(v: Vec<Dir>) -> Vec<Dir> {
    let mut seen = std::collections::HashSet::new();
    v.into_iter()
        .filter(|d| seen.insert(d.name.clone()))
        .collect()
}
