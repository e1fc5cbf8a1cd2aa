//! exportfs: a [`Namespace`] served as a 9P file server (ninep's
//! [`FileServer`]). A fid is a path in the namespace (walks re-walk it, so
//! `..` is lexical, as in the namespace) plus, once opened, a chan. Union
//! directories are listed with later duplicate names dropped, since 9P
//! clients such as Linux v9fs expect a name once. Symlinks are reported
//! (9P2000.u DMSYMLINK) and never followed; clients resolve them.

use std::sync::{Arc, Mutex};

use ninep::{Dir, FileServer, FsResult, Qid};

use crate::chan::Chan;
use crate::namespace::{cleanname, open_chan, stat_chan, Namespace, Walked};

/// The exported name space.
pub struct ExportFs {
    ns: Arc<Namespace>,
    /// Only names below this path are served (the attach root).
    root: String,
}

impl ExportFs {
    pub fn new(ns: Arc<Namespace>) -> ExportFs {
        ExportFs {
            ns,
            root: "/".into(),
        }
    }
    /// Serves only the subtree at `root`.
    pub fn with_root(ns: Arc<Namespace>, root: &str) -> ExportFs {
        ExportFs {
            ns,
            root: cleanname(root),
        }
    }

    /// Whether `path` (cleaned) is the export root or below it.
    fn below_root(&self, path: &str) -> bool {
        self.root == "/" || path == self.root || path.starts_with(&format!("{}/", self.root))
    }

    fn walk(&self, path: &str) -> FsResult<Chan> {
        match self.ns.walk_nofollow(path).map_err(|e| e.to_string())? {
            Walked::Chan(c) => Ok(c),
            Walked::Symlink { .. } => Err(crate::error::ENOTDIR.to_string()),
        }
    }
}

/// One fid: the path it names and, once opened, the open chan.
pub struct XFid {
    path: Mutex<String>,
    open: Option<Arc<Chan>>,
}

impl XFid {
    fn new(path: String, open: Option<Arc<Chan>>) -> XFid {
        XFid {
            path: Mutex::new(path),
            open,
        }
    }
    fn path(&self) -> String {
        self.path.lock().unwrap().clone()
    }
}

impl Clone for XFid {
    /// A cloned fid (Twalk with no names) is a new, unopened fid.
    fn clone(&self) -> XFid {
        XFid::new(self.path(), None)
    }
}

fn join(dir: &str, name: &str) -> String {
    cleanname(&format!("{dir}/{name}"))
}

impl FileServer for ExportFs {
    type Fid = XFid;

    fn attach(&self, uname: &str, aname: &str) -> FsResult<(XFid, Qid)> {
        let path = if aname.is_empty() {
            self.root.clone()
        } else {
            join(&self.root, aname)
        };
        if !self.below_root(&path) {
            return Err(crate::error::EPERM.to_string());
        }
        let c = self.walk(&path)?;
        log::info!("exportfs: attach {uname:?} {path}");
        Ok((XFid::new(path, None), c.qid))
    }

    fn walk(&self, fid: &XFid, names: &[&str]) -> FsResult<(Vec<Qid>, Option<XFid>)> {
        let mut qids = Vec::new();
        let mut path = fid.path();
        for (i, n) in names.iter().enumerate() {
            let next = join(&path, n);
            // `..` at the export root stays there, as at a root.
            let next = if self.below_root(&next) {
                next
            } else {
                self.root.clone()
            };
            match self.walk(&next) {
                Ok(c) => qids.push(c.qid),
                Err(e) if i == 0 => return Err(e),
                Err(_) => return Ok((qids, None)),
            }
            path = next;
        }
        Ok((qids, Some(XFid::new(path, None))))
    }

    fn open(&self, fid: &mut XFid, mode: u8) -> FsResult<(Qid, u32)> {
        let c = self
            .ns
            .open(&fid.path(), mode as u32)
            .map_err(|e| e.to_string())?;
        let q = c.qid;
        fid.open = Some(Arc::new(c));
        Ok((q, 0))
    }

    fn create(
        &self,
        fid: &mut XFid,
        name: &str,
        perm: u32,
        mode: u8,
        ext: &str,
    ) -> FsResult<(Qid, u32)> {
        let path = join(&fid.path(), name);
        let c = self
            .ns
            .create_ext(&path, mode as u32 | ninep::OEXCL, perm, ext)
            .map_err(|e| e.to_string())?;
        let q = c.qid;
        *fid = XFid::new(path, Some(Arc::new(c)));
        Ok((q, 0))
    }

    fn read(&self, fid: &mut XFid, offset: u64, count: u32) -> FsResult<Vec<u8>> {
        let c = fid
            .open
            .as_ref()
            .ok_or_else(|| crate::error::ENOTOPEN.to_string())?;
        let mut buf = vec![0u8; count as usize];
        let n = c.pread(&mut buf, Some(offset)).map_err(|e| e.to_string())?;
        buf.truncate(n);
        Ok(buf)
    }

    fn readdir(&self, fid: &mut XFid) -> FsResult<Vec<Dir>> {
        let c = fid
            .open
            .as_ref()
            .ok_or_else(|| crate::error::ENOTOPEN.to_string())?;
        c.seek(0).map_err(|e| e.to_string())?;
        c.dirread_unique().map_err(|e| e.to_string())
    }

    fn write(&self, fid: &mut XFid, offset: u64, data: &[u8]) -> FsResult<u32> {
        let c = fid
            .open
            .as_ref()
            .ok_or_else(|| crate::error::ENOTOPEN.to_string())?;
        c.pwrite(data, Some(offset))
            .map(|n| n as u32)
            .map_err(|e| e.to_string())
    }

    fn remove(&self, fid: XFid) -> FsResult<()> {
        let path = fid.path();
        drop(fid);
        self.ns.remove(&path).map_err(|e| e.to_string())
    }

    fn stat(&self, fid: &XFid) -> FsResult<Dir> {
        // The open chan first (it may be removed from the tree but open),
        // else the file by name.
        let path = fid.path();
        if let Some(Ok(mut d)) = fid.open.as_ref().map(|c| c.stat()) {
            d.name = match path.rsplit_once('/') {
                Some((_, "")) | None => "/".into(),
                Some((_, n)) => n.into(),
            };
            return Ok(d);
        }
        let c = self.walk(&path)?;
        stat_chan(&c).map_err(|e| e.to_string())
    }

    fn wstat(&self, fid: &XFid, d: &Dir) -> FsResult<()> {
        let path = fid.path();
        match &fid.open {
            // Through the open chan, so it follows its file when renamed.
            Some(c) => c.node().wstat(d),
            None => self.ns.wstat(&path, d),
        }
        .map_err(|e| e.to_string())?;
        if !d.name.is_empty() {
            // The fid follows its file to the new name.
            if let Ok((dir, _)) = crate::namespace::split_path(&path) {
                *fid.path.lock().unwrap() = join(&dir, &d.name);
            }
        }
        Ok(())
    }

    fn errno(&self, ename: &str) -> u32 {
        crate::error::linux_errno(ename)
            .map(|n| n as u32)
            .unwrap_or(5)
    }
}

/// Opens a walked path's chan (used by tests and tools).
pub fn open_path(ns: &Namespace, path: &str, mode: u32) -> crate::Result<Chan> {
    open_chan(ns.walk(path)?, mode)
}
