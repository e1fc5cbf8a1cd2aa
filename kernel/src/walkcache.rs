//! The directories a namespace walked to, kept by path so that the next
//! walk below one starts there: a stat of `/a/b/c/f` after one of
//! `/a/b/c/e` walks one name, not four. Linux's dcache does the same for
//! the host kernel.
//!
//! A kept walk is used only while it would still find the same directory:
//! - the mount table is as it was (a bind, mount or unmount forgets all);
//! - every name on the way was looked up in the first member of any union
//!   (a name found in a later member would depend on the earlier ones
//!   lacking it), and no mount point was crossed below the root (the
//!   mounted-on directory's own path is then not watched);
//! - the directory's device vouches that its path still leads to it
//!   ([`crate::chan::Node::vouched`]).

use std::sync::{Arc, Mutex};

use crate::chan::Chan;

/// More directories than this and the memory starts over.
const CAPACITY: usize = 256;

#[derive(Default)]
pub(crate) struct WalkCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Bumped when the mount table changes: a walk that began before may
    /// not keep what it found.
    version: u64,
    /// hashbrown's hasher: the lookup is on every stat of a deep path.
    dirs: hashbrown::HashMap<String, Arc<Chan>>,
}

impl WalkCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The mount table's version, for a walk about to begin.
    pub(crate) fn version(&self) -> u64 {
        self.lock().version
    }

    /// Forgets every directory: the mount table changed.
    pub(crate) fn invalidate(&self) {
        let mut g = self.lock();
        g.version += 1;
        g.dirs.clear();
    }

    /// The directory at `path`, if kept and still vouched for.
    pub(crate) fn get(&self, path: &str) -> Option<Arc<Chan>> {
        let c = self.lock().dirs.get(path)?.clone();
        if c.node().vouched() {
            return Some(c);
        }
        let mut g = self.lock();
        if g.dirs.get(path).is_some_and(|k| Arc::ptr_eq(k, &c)) {
            g.dirs.remove(path);
        }
        None
    }

    pub(crate) fn contains(&self, path: &str) -> bool {
        self.lock().dirs.contains_key(path)
    }

    /// Keeps directory `c`, reached by a walk that began at `version` of
    /// the mount table, under its name.
    pub(crate) fn insert(&self, c: Chan, version: u64) {
        let mut g = self.lock();
        if g.version != version {
            return;
        }
        if g.dirs.len() >= CAPACITY {
            g.dirs.clear();
        }
        g.dirs.insert(c.name.clone(), Arc::new(c));
    }
}
