//! The `O_PATH` fds of host directories that `#Z` walked through, kept so
//! that a walk down a deep path costs one `fstatat` per directory instead of
//! an `openat2`, an `fstat` and a `close`: the part of Linux's dcache that a
//! device living outside the host kernel can play safely.
//!
//! An entry is used only after the walk's own `fstatat(parent, name,
//! AT_SYMLINK_NOFOLLOW)` shows the name still refers to the same directory (same device and inode
//! number; the cached fd keeps that inode alive, so its number cannot have
//! been reused). The cached fd is then exactly what `openat2` of that name
//! would return now. A name that became a symlink, a file or another
//! directory fails the check and is walked afresh.
//!
//! A speculative walk ([`crate::namespace::speculating`]) takes entries
//! without that check. Each entry carries the [`crate::hostwatch`] epoch in
//! which it was last seen to hold, looked up in a watched directory (0 if
//! not): while that epoch lasts, the walk relies on it with no look at the
//! host. Otherwise the walk checks the whole path it took once (`openat2`
//! with no symlinks, `fstat`) before it relies on it
//! ([`DirCache::speculate`]).

use std::collections::HashMap;
use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex};

use rustix::fs::{self as rfs, FileType};

/// More entries than this and the cache starts over: it bounds the host
/// fds ninux holds for walks.
const CAPACITY: usize = 512;

/// A directory's identity on the host.
pub(crate) type HostId = (u64, u64);

// struct stat's field types differ between architectures.
#[allow(clippy::unnecessary_cast)]
pub(crate) fn host_id(st: &rfs::Stat) -> HostId {
    (st.st_dev as u64, st.st_ino as u64)
}

/// A cached directory: its `O_PATH` fd, its stat when opened, and the
/// epoch in which its name was last seen to lead to it (0: none).
type Entry = (Arc<OwnedFd>, rfs::Stat, u64);

#[derive(Default)]
pub(crate) struct DirCache {
    /// (parent directory, name) → the child directory's fd and identity.
    map: Mutex<HashMap<(HostId, String), Entry>>,
}

impl DirCache {
    /// The cached fd of directory `name` in the directory `parent_id`,
    /// given `fresh`, the caller's stat of that name just now (not
    /// following a symlink): a hit only while the name still refers to the
    /// same directory. Costs no syscall. A hit is stamped with `epoch`, the
    /// caller's for its stat (0 if the parent was not watched before it).
    pub(crate) fn lookup(
        &self,
        parent_id: HostId,
        name: &str,
        fresh: &rfs::Stat,
        epoch: u64,
    ) -> Option<Arc<OwnedFd>> {
        if FileType::from_raw_mode(fresh.st_mode as _) != FileType::Directory {
            return None;
        }
        let mut map = self.map.lock().unwrap();
        let (fd, st, seen) = map.get_mut(&(parent_id, name.to_string()))?;
        if host_id(st) != host_id(fresh) {
            return None;
        }
        *seen = epoch;
        Some(fd.clone())
    }

    /// The cached fd and stat of directory `name` in `parent_id`, taken on
    /// trust: no syscall and no check, for a speculative walk
    /// ([`crate::namespace::speculating`]), which checks its path later.
    pub(crate) fn speculate(&self, parent_id: HostId, name: &str) -> Option<Entry> {
        self.map
            .lock()
            .unwrap()
            .get(&(parent_id, name.to_string()))
            .cloned()
    }

    /// Forgets every entry: a speculative walk found one stale.
    pub(crate) fn clear(&self) {
        self.map.lock().unwrap().clear();
    }

    /// Remembers `fd`, just opened as `name` in `parent`, if it is a
    /// directory, as seen in `epoch` (0: not vouched for).
    pub(crate) fn insert(
        &self,
        parent_id: HostId,
        name: &str,
        fd: &Arc<OwnedFd>,
        st: &rfs::Stat,
        epoch: u64,
    ) {
        if FileType::from_raw_mode(st.st_mode as _) != FileType::Directory {
            return;
        }
        let mut map = self.map.lock().unwrap();
        if map.len() >= CAPACITY {
            map.clear();
        }
        map.insert((parent_id, name.to_string()), (fd.clone(), *st, epoch));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::fs::{AtFlags, Mode, OFlags};
    use std::os::fd::{AsFd, BorrowedFd};

    fn open(dir: BorrowedFd, name: &str) -> (Arc<OwnedFd>, rfs::Stat) {
        let fd = rfs::openat(dir, name, OFlags::PATH | OFlags::NOFOLLOW, Mode::empty()).unwrap();
        let st = rfs::fstat(&fd).unwrap();
        (Arc::new(fd), st)
    }

    #[test]
    fn a_hit_only_while_the_name_is_the_same_directory() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("d")).unwrap();
        std::fs::write(tmp.path().join("f"), b"x").unwrap();
        let root = rfs::open(tmp.path(), OFlags::PATH, Mode::empty()).unwrap();
        let root_id = host_id(&rfs::fstat(&root).unwrap());
        let cache = DirCache::default();
        let look = |name: &str| {
            let st = rfs::statat(&root, name, AtFlags::SYMLINK_NOFOLLOW).ok()?;
            cache.lookup(root_id, name, &st, 0)
        };
        assert!(look("d").is_none(), "empty");

        let (d, st) = open(root.as_fd(), "d");
        cache.insert(root_id, "d", &d, &st, 0);
        let (f, fst) = open(root.as_fd(), "f");
        cache.insert(root_id, "f", &f, &fst, 0);
        let hit = look("d").expect("hit");
        assert!(Arc::ptr_eq(&hit, &d));
        assert_eq!(host_id(&rfs::fstat(&*hit).unwrap()), host_id(&st));
        assert!(look("f").is_none(), "files are not kept");

        // Replaced by another directory, then by a symlink: misses.
        std::fs::rename(tmp.path().join("d"), tmp.path().join("old")).unwrap();
        std::fs::create_dir(tmp.path().join("d")).unwrap();
        assert!(look("d").is_none());
        std::fs::remove_dir(tmp.path().join("d")).unwrap();
        std::os::unix::fs::symlink("old", tmp.path().join("d")).unwrap();
        assert!(look("d").is_none());
        // Renamed back: the same directory again, a hit.
        std::fs::remove_file(tmp.path().join("d")).unwrap();
        std::fs::rename(tmp.path().join("old"), tmp.path().join("d")).unwrap();
        assert!(look("d").is_some());
    }
}
