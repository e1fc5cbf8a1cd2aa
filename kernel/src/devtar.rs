//! `#T`: a rootfs tar (plain or gzip-compressed, e.g. a `docker export`) as
//! a read-only device. Regular files, directories, symlinks (DMSYMLINK with
//! the target in the extension), hard links (one qid for all names), device
//! nodes and fifos (metadata only), modes, numeric owners, mtimes, long names.
//! The index comes from `tarindex.rs`; data is read straight from the
//! plain tar with pread.

use std::any::Any;
use std::fs::File;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

use ninep::types::*;

use crate::chan::{DevId, Getattr, Node};
use crate::dev::Device;
use crate::error::*;
use crate::tarindex::{Kind, TarIndex};

struct Tar {
    id: DevId,
    file: File,
    index: TarIndex,
}

/// A tar device instance.
pub struct TarDev {
    t: Arc<Tar>,
}

impl TarDev {
    /// Opens (and, the first time, indexes) the tar at `path`.
    pub fn open(path: &Path) -> Result<TarDev> {
        let plain = crate::tarindex::plain_tar(path)?;
        let index = TarIndex::load_or_build(&plain, path)?;
        let file = File::open(&plain).map_err(|e| Error::from(e).context(plain.display()))?;
        Ok(TarDev {
            t: Arc::new(Tar {
                id: DevId::new('T'),
                file,
                index,
            }),
        })
    }

    pub fn entries(&self) -> usize {
        self.t.index.entries.len()
    }
}

impl Device for TarDev {
    fn id(&self) -> DevId {
        self.t.id
    }
    fn attach(&self) -> Result<Box<dyn Node>> {
        Ok(Box::new(TarNode {
            t: self.t.clone(),
            i: 0,
            open: false,
        }))
    }
}

struct TarNode {
    t: Arc<Tar>,
    i: u32,
    open: bool,
}

impl Tar {
    fn qid(&self, i: u32) -> Qid {
        let e = &self.index.entries[i as usize];
        let qtype = match e.kind {
            Kind::Dir => QTDIR,
            Kind::Symlink => QTSYMLINK,
            _ => QTFILE,
        };
        Qid {
            qtype,
            version: 0,
            path: e.ino as u64,
        }
    }

    fn dir(&self, i: u32) -> Dir {
        let e = &self.index.entries[i as usize];
        let mut mode = e.mode & 0o777;
        for (um, dm) in [(0o4000, DMSETUID), (0o2000, DMSETGID), (0o1000, DMSETVTX)] {
            if e.mode & um != 0 {
                mode |= dm;
            }
        }
        let mut extension = String::new();
        mode |= match e.kind {
            Kind::File => 0,
            Kind::Dir => DMDIR,
            Kind::Symlink => {
                extension = e.link.clone();
                DMSYMLINK
            }
            Kind::Char | Kind::Block => {
                let c = if e.kind == Kind::Char { 'c' } else { 'b' };
                extension = format!("{c} {} {}", e.rdev.0, e.rdev.1);
                DMDEVICE
            }
            Kind::Fifo => DMNAMEDPIPE,
        };
        let length = match e.kind {
            Kind::File => e.size,
            Kind::Symlink => e.link.len() as u64,
            _ => 0,
        };
        Dir {
            typ: self.id.typ as u16,
            dev: self.id.dev,
            qid: self.qid(i),
            mode,
            atime: e.mtime as u32,
            mtime: e.mtime as u32,
            length,
            name: e.name.clone(),
            uid: e.uid.to_string(),
            gid: e.gid.to_string(),
            muid: String::new(),
            extension,
            n_uid: e.uid,
            n_gid: e.gid,
            n_muid: !0,
        }
    }
}

impl Node for TarNode {
    fn qid(&self) -> Qid {
        self.t.qid(self.i)
    }
    fn clone_node(&self) -> Result<Box<dyn Node>> {
        Ok(Box::new(TarNode {
            t: self.t.clone(),
            i: self.i,
            open: false,
        }))
    }
    fn walk1(&self, name: &str) -> Result<Box<dyn Node>> {
        if !self.qid().is_dir() {
            return Err(ENOTDIR);
        }
        let i = self.t.index.lookup(self.i, name).ok_or(ENONEXIST)?;
        Ok(Box::new(TarNode {
            t: self.t.clone(),
            i,
            open: false,
        }))
    }
    fn open(&mut self, mode: u32) -> Result<Qid> {
        if mode & 3 == 1 || mode & 3 == 2 || mode & OTRUNC as u32 != 0 {
            return Err(EROFS);
        }
        if self.qid().is_symlink() {
            return Err(ELOOP);
        }
        self.open = true;
        Ok(self.qid())
    }
    fn create(&mut self, _: &str, _: u32, _: u32, _: &str) -> Result<Qid> {
        Err(EROFS)
    }
    fn vouched(&self) -> bool {
        // The archive never changes: a path leads where it always did.
        true
    }
    fn read(&self, buf: &mut [u8], off: u64) -> Result<usize> {
        if !self.open {
            return Err(ENOTOPEN);
        }
        let e = &self.t.index.entries[self.i as usize];
        if e.kind != Kind::File {
            return Err(if e.kind == Kind::Dir { EISDIR } else { EBADUSE });
        }
        if off >= e.size {
            return Ok(0);
        }
        let n = buf.len().min((e.size - off) as usize);
        let mut got = 0;
        while got < n {
            let k = self
                .t
                .file
                .read_at(&mut buf[got..n], e.offset + off + got as u64)?;
            if k == 0 {
                // The tar is shorter than its headers claim.
                return Err(EIO);
            }
            got += k;
        }
        Ok(n)
    }
    fn readdir(&self) -> Result<Vec<Dir>> {
        let kids = self.t.index.children.get(&self.i);
        Ok(kids
            .into_iter()
            .flatten()
            .map(|&(_, c)| self.t.dir(c))
            .collect())
    }
    fn write(&self, _: &[u8], _: u64) -> Result<usize> {
        Err(EROFS)
    }
    fn remove(&self) -> Result<()> {
        Err(EROFS)
    }
    fn stat(&self) -> Result<Dir> {
        Ok(self.t.dir(self.i))
    }
    fn wstat(&self, _: &Dir) -> Result<()> {
        Err(EROFS)
    }
    fn host_extent(&self) -> Option<(BorrowedFd<'_>, u64, u64)> {
        let e = &self.t.index.entries[self.i as usize];
        (self.open && e.kind == Kind::File).then(|| (self.t.file.as_fd(), e.offset, e.size))
    }
    fn getattr(&self) -> Option<Getattr> {
        let e = &self.t.index.entries[self.i as usize];
        let t = (e.mtime as i64, 0);
        let nlink = match e.kind {
            Kind::Dir => {
                2 + self.t.index.children.get(&self.i).map_or(0, |k| {
                    k.iter()
                        .filter(|(_, c)| self.t.index.entries[*c as usize].kind == Kind::Dir)
                        .count() as u64
                })
            }
            _ => *self.t.index.nlink.get(&e.ino).unwrap_or(&1) as u64,
        };
        Some(Getattr {
            nlink,
            atime: t,
            mtime: t,
            ctime: t,
            rdev: e.rdev,
            // An extracted directory on a Linux disk file system reports a
            // block: 4096 bytes, 8 of stat's 512-byte blocks.
            blocks: if e.kind == Kind::Dir {
                8
            } else {
                e.size.div_ceil(512)
            },
            blksize: 4096,
            size: if e.kind == Kind::Dir { 4096 } else { e.size },
        })
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
