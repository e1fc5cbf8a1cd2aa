//! `RamFs`: a small in-memory file tree behind the `FileServer` trait, for
//! tests and for anything that needs a scratch 9P tree. It keeps Plan 9
//! semantics (create fails on an existing name, rename only within the
//! directory and never over another file, remove of a non-empty directory
//! fails, DMAPPEND writes at the end) but checks no permissions.

use crate::errstr::*;
use crate::server::{FileServer, FsResult};
use crate::types::{Dir, Qid, DMAPPEND, DMDIR, OTRUNC};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

struct Node {
    dir: Dir,
    data: Vec<u8>,
    parent: u64,
    children: BTreeMap<String, u64>,
}

struct Tree {
    nodes: HashMap<u64, Node>,
    next_path: u64,
}

/// The in-memory file server. Qid paths are never reused.
pub struct RamFs {
    tree: Mutex<Tree>,
}

/// A RamFs fid: the file's qid path and who attached.
#[derive(Clone, Debug)]
pub struct RamFid {
    path: u64,
    uname: String,
}

fn now() -> u32 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as u32)
}

fn qid_of(mode: u32, path: u64, version: u32) -> Qid {
    Qid {
        qtype: (mode >> 24) as u8,
        version,
        path,
    }
}

impl Default for RamFs {
    fn default() -> Self {
        Self::new()
    }
}

impl RamFs {
    /// An empty tree whose root is a directory owned by "none", mode 0777.
    pub fn new() -> RamFs {
        let root = Node {
            dir: Dir {
                qid: qid_of(DMDIR, 0, 0),
                mode: DMDIR | 0o777,
                atime: now(),
                mtime: now(),
                name: "/".into(),
                uid: "none".into(),
                gid: "none".into(),
                muid: "none".into(),
                ..Dir::default()
            },
            data: Vec::new(),
            parent: 0,
            children: BTreeMap::new(),
        };
        RamFs {
            tree: Mutex::new(Tree {
                nodes: HashMap::from([(0, root)]),
                next_path: 1,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Tree> {
        self.tree.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a file (and any missing directories) at a slash path; replaces
    /// the contents of an existing file.
    pub fn add_file(&self, path: &str, data: &[u8]) {
        let mut t = self.lock();
        let mut names: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let Some(last) = names.pop() else { return };
        let mut at = 0;
        for n in names {
            at = match t.nodes[&at].children.get(n) {
                Some(&p) => p,
                None => t.insert(at, n, DMDIR | 0o777, "none"),
            };
        }
        let p = match t.nodes[&at].children.get(last) {
            Some(&p) => p,
            None => t.insert(at, last, 0o666, "none"),
        };
        if let Some(node) = t.nodes.get_mut(&p) {
            node.data = data.to_vec();
            node.dir.length = data.len() as u64;
        }
    }

    /// Adds a directory (and any missing parents).
    pub fn add_dir(&self, path: &str) {
        let mut t = self.lock();
        let mut at = 0;
        for n in path.split('/').filter(|s| !s.is_empty()) {
            at = match t.nodes[&at].children.get(n) {
                Some(&p) => p,
                None => t.insert(at, n, DMDIR | 0o777, "none"),
            };
        }
    }
}

impl Tree {
    fn node(&self, path: u64) -> FsResult<&Node> {
        self.nodes.get(&path).ok_or_else(|| ENONEXIST.to_string())
    }
    fn node_mut(&mut self, path: u64) -> FsResult<&mut Node> {
        self.nodes
            .get_mut(&path)
            .ok_or_else(|| ENONEXIST.to_string())
    }

    fn insert(&mut self, parent: u64, name: &str, mode: u32, uid: &str) -> u64 {
        let path = self.next_path;
        self.next_path += 1;
        let t = now();
        let gid = self
            .nodes
            .get(&parent)
            .map_or("none".to_string(), |p| p.dir.gid.clone());
        let dir = Dir {
            qid: qid_of(mode, path, 0),
            mode,
            atime: t,
            mtime: t,
            name: name.into(),
            uid: uid.into(),
            gid,
            muid: uid.into(),
            ..Dir::default()
        };
        self.nodes.insert(
            path,
            Node {
                dir,
                data: Vec::new(),
                parent,
                children: BTreeMap::new(),
            },
        );
        if let Some(p) = self.nodes.get_mut(&parent) {
            p.children.insert(name.into(), path);
            p.dir.mtime = t;
            p.dir.qid.version = p.dir.qid.version.wrapping_add(1);
        }
        path
    }

    /// A file was written: bump its version, times and length.
    fn modified(node: &mut Node, uname: &str) {
        node.dir.qid.version = node.dir.qid.version.wrapping_add(1);
        node.dir.mtime = now();
        node.dir.muid = uname.into();
        node.dir.length = node.data.len() as u64;
    }
}

impl FileServer for RamFs {
    type Fid = RamFid;

    fn attach(&self, uname: &str, _aname: &str) -> FsResult<(RamFid, Qid)> {
        let t = self.lock();
        Ok((
            RamFid {
                path: 0,
                uname: uname.into(),
            },
            t.node(0)?.dir.qid,
        ))
    }

    fn walk(&self, fid: &RamFid, names: &[&str]) -> FsResult<(Vec<Qid>, Option<RamFid>)> {
        let t = self.lock();
        let mut at = fid.path;
        let mut qids = Vec::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            let node = t.node(at)?;
            let next = match *name {
                ".." => Ok(node.parent),
                _ if !node.dir.is_dir() => Err(ENOTDIR),
                n => node.children.get(n).copied().ok_or(ENONEXIST),
            };
            match next {
                Ok(p) => {
                    at = p;
                    qids.push(t.node(p)?.dir.qid);
                }
                Err(e) if i == 0 => return Err(e.into()),
                Err(_) => return Ok((qids, None)),
            }
        }
        Ok((
            qids,
            Some(RamFid {
                path: at,
                uname: fid.uname.clone(),
            }),
        ))
    }

    fn open(&self, fid: &mut RamFid, mode: u8) -> FsResult<(Qid, u32)> {
        let mut t = self.lock();
        let node = t.node_mut(fid.path)?;
        if mode & OTRUNC != 0 && node.dir.mode & DMAPPEND == 0 {
            node.data.clear();
            Tree::modified(node, &fid.uname);
        }
        Ok((node.dir.qid, 0))
    }

    fn create(
        &self,
        fid: &mut RamFid,
        name: &str,
        perm: u32,
        _mode: u8,
        _ext: &str,
    ) -> FsResult<(Qid, u32)> {
        let mut t = self.lock();
        let parent = t.node(fid.path)?;
        if !parent.dir.is_dir() {
            return Err(ENOTDIR.into());
        }
        if parent.children.contains_key(name) {
            return Err(EEXIST.into());
        }
        // The parent's permission bits mask the new file's (open(5)).
        let pmode = parent.dir.mode;
        let mode = if perm & DMDIR != 0 {
            perm & (!0o777 | (pmode & 0o777))
        } else {
            perm & (!0o666 | (pmode & 0o666))
        };
        let path = t.insert(fid.path, name, mode, &fid.uname);
        fid.path = path;
        Ok((t.node(path)?.dir.qid, 0))
    }

    fn read(&self, fid: &mut RamFid, offset: u64, count: u32) -> FsResult<Vec<u8>> {
        let t = self.lock();
        let data = &t.node(fid.path)?.data;
        let start = offset.min(data.len() as u64) as usize;
        let end = start.saturating_add(count as usize).min(data.len());
        Ok(data[start..end].to_vec())
    }

    fn readdir(&self, fid: &mut RamFid) -> FsResult<Vec<Dir>> {
        let t = self.lock();
        let node = t.node(fid.path)?;
        node.children
            .values()
            .map(|p| t.node(*p).map(|n| n.dir.clone()))
            .collect()
    }

    fn write(&self, fid: &mut RamFid, offset: u64, data: &[u8]) -> FsResult<u32> {
        let mut t = self.lock();
        let node = t.node_mut(fid.path)?;
        let start = if node.dir.mode & DMAPPEND != 0 {
            node.data.len()
        } else {
            offset as usize
        };
        let end = start
            .checked_add(data.len())
            .filter(|&e| e <= 1 << 30)
            .ok_or("file too large")?;
        if node.data.len() < end {
            node.data.resize(end, 0);
        }
        node.data[start..end].copy_from_slice(data);
        Tree::modified(node, &fid.uname);
        Ok(data.len() as u32)
    }

    fn remove(&self, fid: RamFid) -> FsResult<()> {
        let mut t = self.lock();
        let node = t.node(fid.path)?;
        if fid.path == 0 {
            return Err(EPERM.into());
        }
        if !node.children.is_empty() {
            return Err(ENOTEMPTY.into());
        }
        let (parent, name) = (node.parent, node.dir.name.clone());
        t.nodes.remove(&fid.path);
        if let Some(p) = t.nodes.get_mut(&parent) {
            p.children.remove(&name);
            p.dir.qid.version = p.dir.qid.version.wrapping_add(1);
        }
        Ok(())
    }

    fn stat(&self, fid: &RamFid) -> FsResult<Dir> {
        Ok(self.lock().node(fid.path)?.dir.clone())
    }

    fn wstat(&self, fid: &RamFid, d: &Dir) -> FsResult<()> {
        let mut t = self.lock();
        let keep = Dir::dont_touch();
        let node = t.node(fid.path)?;
        // Check everything before changing anything: wstat is all or nothing.
        if d.mode != keep.mode && (d.mode & DMDIR) != (node.dir.mode & DMDIR) {
            return Err("can't change directory bit".into());
        }
        if d.length != keep.length && node.dir.is_dir() && d.length != 0 {
            return Err(EISDIR.into());
        }
        let rename = !d.name.is_empty() && d.name != node.dir.name;
        if rename {
            if fid.path == 0 || d.name.contains('/') || d.name == "." || d.name == ".." {
                return Err(EBADNAME.into());
            }
            if t.node(node.parent)?.children.contains_key(&d.name) {
                return Err(EEXIST.into());
            }
        }
        let (parent, old) = (node.parent, node.dir.name.clone());
        if rename {
            let p = t.node_mut(parent)?;
            if let Some(path) = p.children.remove(&old) {
                p.children.insert(d.name.clone(), path);
            }
        }
        let node = t.node_mut(fid.path)?;
        if rename {
            node.dir.name = d.name.clone();
        }
        if d.mode != keep.mode {
            node.dir.mode = d.mode;
            node.dir.qid.qtype = (d.mode >> 24) as u8;
        }
        if d.mtime != keep.mtime {
            node.dir.mtime = d.mtime;
        }
        if d.length != keep.length && !node.dir.is_dir() {
            node.data.resize(d.length.min(1 << 30) as usize, 0);
            node.dir.length = node.data.len() as u64;
        }
        if !d.gid.is_empty() {
            node.dir.gid = d.gid.clone();
        }
        Ok(())
    }
}
