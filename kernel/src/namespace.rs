//! The name space: a root chan and a mount table, exactly as 9front's Pgrp.
//!
//! The mount table is keyed by the identity of the mounted-on file (device
//! type, device number, qid.path), never by path text. A mount head lists the
//! members of a union in lookup order. Paths are cleaned lexically before any
//! walk (cleanname(2)), so `..` follows the path as written, also across mount
//! points.
//!
//! Cloning ([`Namespace::fork`], RFNAMEG) is O(1): the table is an `Arc`ed map
//! of `Arc`ed heads, copied shallowly on the first change after a fork.

use hashbrown::HashMap;
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use ninep::{Dir, DMDIR, DMSYMLINK, OEXCL, OTRUNC};

use crate::chan::{Attr, Chan, DevId};
use crate::error::*;
use crate::trace;
use crate::walkcache::WalkCache;

/// bind(2) flags.
pub const MREPL: u32 = 0;
pub const MBEFORE: u32 = 1;
pub const MAFTER: u32 = 2;
pub const MORDER: u32 = 3;
pub const MCREATE: u32 = 4;
pub const MCACHE: u32 = 0x10;

/// Longest path element, as 9P servers commonly allow (and Linux NAME_MAX).
pub const MAXNAME: usize = 255;
/// Symlink hops [`Namespace::walk_follow`] allows (Linux MAXSYMLINKS).
pub const MAXSYMLINKS: usize = 40;

/// One member of a union.
#[derive(Clone)]
pub struct Mount {
    pub to: Arc<Chan>,
    pub flags: u32,
    /// Order of creation, for printing the namespace as it was built.
    pub id: u64,
    /// How the member was named when bound, for the namespace(6) printer:
    /// `Bind("/a/b")`, `Bind("#Z/home")`, `Mount("tcp!h!564", "spec")`. `None`
    /// for a mounted-on directory that a union keeps as a member.
    pub src: Option<Source>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    Bind(String),
    Mount(String, String),
}

/// A mount point: the file mounted on, and the union's members in order.
pub struct Mhead {
    pub on: String,
    pub mounts: Vec<Mount>,
}

type Key = (DevId, u64);

/// Where a walk starts.
enum From {
    /// The root, for an absolute path.
    Root(Chan),
    /// A directory kept from an earlier walk.
    Kept(Arc<Chan>),
    /// Any other chan (a device's root, a dirfd's directory).
    Chan(Chan),
}

/// The chan a walk is at: its own, or a kept one it has not left yet.
enum Held {
    Own(Chan),
    Kept(Arc<Chan>),
}

impl std::ops::Deref for Held {
    type Target = Chan;
    fn deref(&self) -> &Chan {
        match self {
            Held::Own(c) => c,
            Held::Kept(c) => c,
        }
    }
}

/// A namespace group. Share it (`Arc<Namespace>`) for 9front's shared
/// namespace; [`Namespace::fork`] for RFNAMEG.
pub struct Namespace {
    root: Arc<Chan>,
    table: RwLock<Arc<HashMap<Key, Arc<Mhead>>>>,
    /// Directories walked to, to start the next walk below one from.
    walks: WalkCache,
}

/// What [`Namespace::walk_nofollow`] reached.
#[derive(Debug)]
pub enum Walked {
    /// The whole path walked. The chan may itself be a symlink (lstat).
    Chan(Chan),
    /// `prefix` (cleaned absolute path) is a symlink with `target`; `rest`
    /// (never empty: only a symlink before the last element stops a walk) is
    /// what remained to walk after it.
    Symlink {
        prefix: String,
        target: String,
        rest: String,
    },
}

static MOUNTID: AtomicU64 = AtomicU64::new(1);

static WALK_EPOCH: AtomicU64 = AtomicU64::new(1);

/// A number that changes whenever any thread starts a namespace walk. A
/// device may trust, for the rest of a walk, what it found earlier in that
/// walk: nothing else in this process walked meanwhile, and what other
/// processes did meanwhile may as well have happened after the walk.
pub(crate) fn walk_epoch() -> u64 {
    WALK_EPOCH.load(Ordering::Relaxed)
}

pub(crate) fn next_walk_epoch() {
    WALK_EPOCH.fetch_add(1, Ordering::Relaxed);
}

thread_local! {
    static SPECULATE: Cell<bool> = const { Cell::new(false) };
    static EXACT: Cell<bool> = const { Cell::new(false) };
}

/// Whether the device walk under way is to a directory that is not the
/// walk's last element, so a device may take what it cached of it on trust
/// and skip looking at the host. The device then checks, before its first
/// real look (at the latest the walk's last element), that the path it
/// took still leads where its cache said, and fails with [`ESTALEWALK`]
/// if not; the namespace then walks again without speculation. A deep walk
/// thus costs the device a few host calls (four for a stat on `#Z`) instead
/// of one per element.
pub(crate) fn speculating() -> bool {
    SPECULATE.with(Cell::get)
}

/// Runs a walk, and again without speculation should it meet a stale
/// directory.
fn exact_on_stale<T>(walk: impl Fn() -> Result<T>) -> Result<T> {
    match walk() {
        Err(e) if e == ESTALEWALK => {
            struct Exact;
            impl Drop for Exact {
                fn drop(&mut self) {
                    EXACT.with(|x| x.set(false));
                }
            }
            EXACT.with(|x| x.set(true));
            let _exact = Exact;
            walk()
        }
        r => r,
    }
}

/// cleanname(2): makes `p` lexically clean: no `.` elements, `..` applied to
/// the element before it, no repeated or trailing slashes. A rooted `..`
/// stays at `/`. An empty path becomes `.`.
pub fn cleanname(p: &str) -> String {
    // Most paths are clean already: one scan, one copy.
    if is_clean(p) {
        return p.to_string();
    }
    clean(p)
}

/// [`cleanname`] of an owned path: `p` itself when it is clean already,
/// as most are (no second copy of every path a guest names).
pub fn cleaned(p: String) -> String {
    if is_clean(&p) {
        return p;
    }
    clean(&p)
}

/// Whether `p` is as cleanname leaves it: `/`, or names (none empty, `.`
/// or `..`) joined by single slashes, with at most a leading slash.
fn is_clean(p: &str) -> bool {
    if p == "/" {
        return true;
    }
    let body = p.strip_prefix('/').unwrap_or(p).as_bytes();
    // Every element non-empty and neither `.` nor `..`: a byte scan, as
    // this runs on every path a guest names.
    !body.is_empty()
        && body
            .split(|&b| b == b'/')
            .all(|e| !e.is_empty() && e != b"." && e != b"..")
}

fn clean(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for e in p.split('/') {
        match e {
            "" | "." => {}
            ".." => {
                if matches!(out.last(), Some(&l) if l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            _ => out.push(e),
        }
    }
    let body = out.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

fn join(dir: &str, name: &str) -> String {
    // concat, not format!: one exact allocation on every walked element.
    if dir.ends_with('/') {
        [dir, name].concat()
    } else {
        [dir, "/", name].concat()
    }
}

fn check_name(e: &str) -> Result<()> {
    if e.len() > MAXNAME {
        return Err(ETOOLONG);
    }
    if e.bytes().any(|b| b == 0) {
        return Err(EBADCHAR);
    }
    Ok(())
}

/// Splits a cleaned absolute path into (parent, last element).
pub fn split_path(p: &str) -> Result<(String, String)> {
    let p = cleanname(p);
    match p.rsplit_once('/') {
        Some((_, "")) | None => Err(EFILENAME),
        Some(("", name)) => Ok(("/".into(), name.into())),
        Some((dir, name)) => Ok((dir.into(), name.into())),
    }
}

impl Namespace {
    /// A namespace with `root` as `/` and no mounts (RFCNAMEG starts here).
    pub fn new(root: Chan) -> Namespace {
        Namespace {
            root: Arc::new(root),
            table: RwLock::new(Arc::new(HashMap::new())),
            walks: WalkCache::default(),
        }
    }

    /// A copy that later binds and mounts do not share (RFNAMEG). O(1).
    pub fn fork(&self) -> Namespace {
        Namespace {
            root: self.root.clone(),
            table: RwLock::new(self.table.read().unwrap().clone()),
            walks: WalkCache::default(),
        }
    }

    /// A fresh chan for the root, named `/` whatever device it is.
    fn root_chan(&self) -> Result<Chan> {
        let mut c = self.root.clone_chan()?;
        c.name = "/".into();
        Ok(c)
    }

    fn mhead(&self, key: Key) -> Option<Arc<Mhead>> {
        self.table.read().unwrap().get(&key).cloned()
    }

    /// If `c` is a mount point, the chan of the union's first member standing
    /// at `c`'s path, carrying the union.
    fn domount(&self, c: Chan) -> Result<Chan> {
        let Some(mh) = self.mhead(c.key()) else {
            return Ok(c);
        };
        let first = mh.mounts.first().ok_or(ENOTMOUNTED)?;
        let mut nc = first.to.clone_chan()?;
        nc.name = c.name;
        nc.umh = Some(mh);
        Ok(nc)
    }

    /// Looks `name` up in directory `c`: in each union member in order, the
    /// first that holds it wins. Also says whether that was the first
    /// member (or `c` is no union): what was found then does not depend on
    /// other members lacking the name.
    fn walk1(&self, c: &Chan, name: &str, path: String) -> Result<(Chan, bool)> {
        check_name(name)?;
        if !c.is_dir() {
            return Err(ENOTDIR);
        }
        let Some(umh) = &c.umh else {
            return Ok((c.walk1(name, path)?, true));
        };
        let mut first_err = None;
        for (i, m) in umh.mounts.iter().enumerate() {
            match m.to.walk1(name, path.clone()) {
                Ok(nc) => {
                    if trace::enabled() {
                        trace::emit(format!(
                            "union {}: {name} in member {} of {} ({})",
                            umh.on,
                            i + 1,
                            umh.mounts.len(),
                            member_label(m)
                        ));
                    }
                    return Ok((nc, i == 0));
                }
                Err(e) if e == ESTALEWALK => return Err(e),
                Err(e) => {
                    if trace::enabled() {
                        trace::emit(format!(
                            "union {}: {name} not in member {} of {} ({}): {e}",
                            umh.on,
                            i + 1,
                            umh.mounts.len(),
                            member_label(m)
                        ));
                    }
                    first_err.get_or_insert(e);
                }
            }
        }
        Err(first_err.unwrap_or(ENONEXIST))
    }

    fn start(&self, path: &str) -> Result<(Chan, String)> {
        if let Some(dev) = path.strip_prefix('#') {
            // `#Xspec/rest`: the device's root, then the rest within it.
            return crate::dev::attach(&format!("#{dev}"));
        }
        if !path.starts_with('/') {
            return Err(EFILENAME);
        }
        let root = self.root_chan()?;
        let root = self.domount(root)?;
        Ok((root, cleanname(path)))
    }

    /// Walks `rest` from `from`, stopping at a non-final symlink.
    /// `domount_last` false leaves the final chan as the mounted-on file
    /// (for bind's `old`). A walk from the root or from a kept directory
    /// keeps the directory holding its last element ([`WalkCache`]).
    fn walk_elems(&self, from: From, rest: &str, domount_last: bool) -> Result<Walked> {
        let version = self.walks.version();
        let mut keep = !matches!(from, From::Chan(_));
        let mut c = match from {
            From::Root(c) | From::Chan(c) => Held::Own(c),
            From::Kept(c) => Held::Kept(c),
        };
        let elems: Vec<&str> = rest.split('/').filter(|e| !e.is_empty()).collect();
        for (i, e) in elems.iter().enumerate() {
            if c.qid.is_symlink() {
                let target = c.readlink()?;
                return Ok(Walked::Symlink {
                    prefix: c.name.clone(),
                    target,
                    rest: elems[i..].join("/"),
                });
            }
            let last = i + 1 == elems.len();
            let path = join(&c.name, e);
            SPECULATE.with(|s| s.set(!last && !EXACT.with(Cell::get)));
            let nc = self.walk1(&c, e, path);
            SPECULATE.with(|s| s.set(false));
            let (nc, first_member) = nc?;
            keep &= first_member;
            let nc = if !last || domount_last {
                let nc = self.domount(nc)?;
                // A mount point crossed: the mounted-on file's own path is
                // not what the new chan's device vouches for.
                keep &= nc.umh.is_none();
                nc
            } else {
                nc
            };
            let dir = std::mem::replace(&mut c, Held::Own(nc));
            if last && keep {
                if let Held::Own(d) = dir {
                    self.keep(d, version);
                }
            }
        }
        Ok(Walked::Chan(match c {
            Held::Own(c) => c,
            Held::Kept(c) => c.clone_chan()?,
        }))
    }

    /// Keeps `d`, the directory a walk's last element was found in, if its
    /// device vouches for it and it is not kept already.
    fn keep(&self, d: Chan, version: u64) {
        if d.is_dir() && d.name != "/" && !self.walks.contains(&d.name) && d.node().vouched() {
            self.walks.insert(d, version);
        }
    }

    /// A walk of the cleaned absolute `path` from the kept directory
    /// holding its last element, if there is one.
    fn walk_kept(&self, path: &str, domount_last: bool) -> Option<Result<Walked>> {
        if !domount_last || EXACT.with(Cell::get) {
            return None;
        }
        let (dir, last) = path.rsplit_once('/')?;
        if dir.is_empty() {
            return None;
        }
        let d = self.walks.get(dir)?;
        Some(self.walk_elems(From::Kept(d), last, domount_last))
    }

    /// The stat of the cleaned absolute `path` (its last element as it is,
    /// a symlink included) when the directory holding it was kept and its
    /// device answers for the name without a chan ([`Node::stat_child`]):
    /// the device and the stat, as a walk and `walked_stat_attr` would
    /// give them, at a fraction of the cost (no chan, node or path made).
    /// None, for the caller to walk, whenever anything is not plain: no
    /// kept directory, a union, a mount point, a failed lookup, tracing.
    pub fn stat_kept(&self, path: &str) -> Option<(DevId, Attr)> {
        if trace::enabled() {
            return None;
        }
        let (dir, last) = path.rsplit_once('/')?;
        if dir.is_empty() || check_name(last).is_err() || last == "." || last == ".." {
            return None;
        }
        next_walk_epoch();
        let d = self.walks.get(dir)?;
        if d.umh.is_some() {
            return None;
        }
        let attr = d.node().stat_child(last)?.ok()?;
        // Something mounted on it: the walk crosses to the mount.
        if self.mhead((d.dev, attr.qid.path)).is_some() {
            return None;
        }
        Some((d.dev, attr))
    }

    fn walk_inner(&self, path: &str, domount_last: bool) -> Result<Walked> {
        let walked = self.walk_inner_untraced(path, domount_last);
        if trace::enabled() {
            trace::emit(match &walked {
                Ok(Walked::Chan(c)) => format!(
                    "walk {path}: #{}{} qid {:#x}",
                    c.dev.typ, c.dev.dev, c.qid.path
                ),
                Ok(Walked::Symlink { prefix, target, .. }) => {
                    format!("walk {path}: symlink at {prefix} -> {target}")
                }
                Err(e) => format!("walk {path}: {e}"),
            });
        }
        walked
    }

    fn walk_inner_untraced(&self, path: &str, domount_last: bool) -> Result<Walked> {
        exact_on_stale(|| {
            next_walk_epoch();
            let absolute = path.starts_with('/');
            if absolute {
                if let Some(w) = self.walk_kept(&cleanname(path), domount_last) {
                    return w;
                }
            }
            let (c, rest) = self.start(path)?;
            if rest.is_empty() || rest == "/" {
                // The root itself: with domount_last false, the mounted-on root.
                let c = if domount_last { c } else { self.root_chan()? };
                return Ok(Walked::Chan(c));
            }
            let from = if absolute {
                From::Root(c)
            } else {
                From::Chan(c)
            };
            self.walk_elems(from, &rest, domount_last)
        })
    }

    /// Walks an absolute path without following symlinks. A symlink as the
    /// last element is returned as itself; one before it ends the walk with
    /// [`Walked::Symlink`] so the caller (the Linux personality) can resolve
    /// it in its own way and walk on.
    pub fn walk_nofollow(&self, path: &str) -> Result<Walked> {
        self.walk_inner(path, true)
    }

    /// Walks an absolute path; a symlink before the last element is
    /// "not a directory" (as for a 9P client that knows no symlinks).
    pub fn walk(&self, path: &str) -> Result<Chan> {
        match self.walk_nofollow(path)? {
            Walked::Chan(c) => Ok(c),
            Walked::Symlink { .. } => Err(ENOTDIR),
        }
    }

    /// Walks `rel` from the chan `base` (a directory chan, e.g. dot or an
    /// openat dirfd). A path that climbs out of `base` (`..` first after
    /// cleaning) or is absolute is walked from the root by its full name,
    /// which is what lexical `..` means.
    pub fn walk_at(&self, base: &Chan, rel: &str) -> Result<Walked> {
        if rel.starts_with('/') || rel.starts_with('#') {
            return self.walk_nofollow(rel);
        }
        let r = cleanname(rel);
        if r == ".." || r.starts_with("../") || base.name.starts_with('#') {
            return self.walk_nofollow(&cleanname(&join(&base.name, rel)));
        }
        if r == "." {
            return Ok(Walked::Chan(base.clone_chan()?));
        }
        exact_on_stale(|| {
            next_walk_epoch();
            self.walk_elems(From::Chan(base.clone_chan()?), &r, true)
        })
    }

    /// Walks following every symlink (at most [`MAXSYMLINKS`] hops), resolving
    /// relative targets against the symlink's directory and absolute ones in
    /// this namespace. Used for namespace files and tools; the personality does
    /// its own resolution with [`Namespace::walk_nofollow`].
    pub fn walk_follow(&self, path: &str) -> Result<Chan> {
        let mut path = cleanname(path);
        for _ in 0..MAXSYMLINKS {
            let (link, target, rest) = match self.walk_nofollow(&path)? {
                Walked::Chan(c) if !c.qid.is_symlink() => return Ok(c),
                Walked::Chan(c) => {
                    let t = c.readlink()?;
                    (c.name, t, String::new())
                }
                Walked::Symlink {
                    prefix,
                    target,
                    rest,
                } => (prefix, target, rest),
            };
            let dir = split_path(&link)
                .map(|(d, _)| d)
                .unwrap_or_else(|_| "/".into());
            let base = if target.starts_with('/') {
                target
            } else {
                join(&dir, &target)
            };
            path = cleanname(&join(&base, &rest));
        }
        Err(ELOOP)
    }

    /// open(2).
    pub fn open(&self, path: &str, mode: u32) -> Result<Chan> {
        let c = self.walk(path)?;
        open_chan(c, mode)
    }

    /// The directory in `d` (a walked directory chan) where `name` is to be
    /// created or renamed to: the member holding `name` if any, else the
    /// first MCREATE member; a mount point with neither forbids creation.
    fn create_dir(&self, d: &Chan, name: &str) -> Result<Chan> {
        let Some(umh) = &d.umh else {
            return d.clone_chan();
        };
        for m in &umh.mounts {
            if m.to.walk1(name, String::new()).is_ok() {
                if trace::enabled() {
                    trace::emit(format!(
                        "create {name} in {}: the member holding it ({})",
                        d.name,
                        member_label(m)
                    ));
                }
                return self.member_at(m, &d.name);
            }
        }
        match umh.mounts.iter().find(|m| m.flags & MCREATE != 0) {
            Some(m) => {
                if trace::enabled() {
                    trace::emit(format!(
                        "create {name} in {}: first MCREATE member ({})",
                        d.name,
                        member_label(m)
                    ));
                }
                self.member_at(m, &d.name)
            }
            None => Err(ENOCREATE),
        }
    }

    fn member_at(&self, m: &Mount, name: &str) -> Result<Chan> {
        let mut c = m.to.clone_chan()?;
        c.name = name.into();
        Ok(c)
    }

    /// create(2): an existing file (found in any union member) is opened and
    /// truncated, unless `mode` has OEXCL; otherwise the file is made in the
    /// first MCREATE member ("mounted directory forbids creation" without one).
    pub fn create(&self, path: &str, mode: u32, perm: u32) -> Result<Chan> {
        self.create_ext(path, mode, perm, "")
    }

    /// create(2) with a 9P2000.u extension (`perm & DMSYMLINK`: the target).
    pub fn create_ext(&self, path: &str, mode: u32, perm: u32, ext: &str) -> Result<Chan> {
        let (dir, name) = split_path(path)?;
        check_name(&name)?;
        let d = self.walk(&dir)?;
        if !d.is_dir() {
            return Err(ENOTDIR);
        }
        let full = join(&d.name, &name);
        if let Ok((c, _)) = self.walk1(&d, &name, full.clone()) {
            if mode & OEXCL != 0 || perm & (DMDIR | DMSYMLINK) != 0 {
                return Err(EEXIST);
            }
            let c = self.domount(c)?;
            return open_chan(c, (mode & !OEXCL) | OTRUNC as u32);
        }
        let mut target = self.create_dir(&d, &name)?;
        let qid = target.node.create(&name, perm, mode & !OEXCL, ext)?;
        target.qid = qid;
        target.name = full;
        target.umh = None;
        target.mode = Some(mode & !OEXCL);
        Ok(target)
    }

    /// remove(2).
    pub fn remove(&self, path: &str) -> Result<()> {
        let c = self.walk(path)?;
        c.node.remove()
    }

    /// stat(2). The name is the last element of the path as walked (a
    /// mounted root would otherwise report its own name, e.g. `/`).
    pub fn stat(&self, path: &str) -> Result<Dir> {
        let c = self.walk(path)?;
        stat_chan(&c)
    }

    /// wstat(2).
    pub fn wstat(&self, path: &str, d: &Dir) -> Result<()> {
        self.walk(path)?.node.wstat(d)
    }

    /// Linux-style rename across directories on one device, replacing the
    /// target. The new parent's member is chosen as for create.
    pub fn rename(&self, old: &str, new: &str) -> Result<()> {
        let c = self.walk(old)?;
        let (dir, name) = split_path(new)?;
        check_name(&name)?;
        let d = self.walk(&dir)?;
        if !d.is_dir() {
            return Err(ENOTDIR);
        }
        let d = self.create_dir(&d, &name)?;
        if d.dev != c.dev {
            return Err(EXDEV);
        }
        c.node.rename(d.node(), &name)
    }

    /// Swaps the files at `a` and `b` (Linux RENAME_EXCHANGE): both must
    /// exist, on one device that can.
    pub fn exchange(&self, a: &str, b: &str) -> Result<()> {
        let (ca, cb) = (self.walk(a)?, self.walk(b)?);
        if ca.dev != cb.dev {
            return Err(EXDEV);
        }
        ca.node.exchange(cb.node())
    }

    /// Hard link `new` to the file at `old` (same device).
    pub fn link(&self, old: &str, new: &str) -> Result<()> {
        let c = self.walk(old)?;
        let (dir, name) = split_path(new)?;
        check_name(&name)?;
        let d = self.walk(&dir)?;
        if !d.is_dir() {
            return Err(ENOTDIR);
        }
        if self.walk1(&d, &name, String::new()).is_ok() {
            return Err(EEXIST);
        }
        let d = self.create_dir(&d, &name)?;
        if d.dev != c.dev {
            return Err(EXDEV);
        }
        c.node.link(d.node(), &name)
    }

    /// bind(2): makes `new` (a path in this namespace or a `#` device name)
    /// visible at `old`.
    pub fn bind(&self, new: &str, old: &str, flags: u32) -> Result<()> {
        let c = self.walk_follow(new)?;
        self.mount_chan(c, old, flags, Source::Bind(new.into()))
    }

    /// mount(2) of a file server's root (from [`crate::devmnt`] or any
    /// device) on `old`; `src` and `spec` are kept for printing.
    pub fn mount(&self, root: Chan, old: &str, flags: u32, src: &str, spec: &str) -> Result<()> {
        self.mount_chan(root, old, flags, Source::Mount(src.into(), spec.into()))
    }

    /// cmount: adds `new` to the union at `old`'s file.
    pub fn mount_chan(&self, new: Chan, old: &str, flags: u32, src: Source) -> Result<()> {
        let old_c = match self.walk_inner(old, false)? {
            Walked::Chan(c) => c,
            Walked::Symlink { .. } => self.walk_follow(old)?,
        };
        if old_c.is_dir() != new.is_dir() || (flags & MORDER != MREPL && !old_c.is_dir()) {
            return Err(EMOUNT);
        }
        let order = flags & MORDER;
        let key = old_c.key();
        // Unions are one level deep: binding a union adds its members.
        let mut added: Vec<Mount> = match &new.umh {
            Some(umh) => umh
                .mounts
                .iter()
                .map(|m| Mount {
                    to: m.to.clone(),
                    // Order bits are kept for printing; MCREATE from either.
                    flags: flags | (m.flags & MCREATE),
                    id: MOUNTID.fetch_add(1, Ordering::Relaxed),
                    src: Some(src.clone()),
                })
                .collect(),
            None => vec![Mount {
                to: Arc::new(new),
                flags,
                id: MOUNTID.fetch_add(1, Ordering::Relaxed),
                src: Some(src),
            }],
        };
        let mut guard = self.table.write().unwrap();
        self.walks.invalidate();
        let table = Arc::make_mut(&mut guard);
        let mut mounts = match (order, table.get(&key)) {
            (MREPL, _) => Vec::new(),
            (_, Some(mh)) => mh.mounts.clone(),
            // A fresh union keeps the mounted-on directory as a member, as
            // 9front's cmount does; it is not MCREATE.
            (_, None) => vec![Mount {
                to: Arc::new(old_c.clone_chan()?),
                flags: 0,
                id: 0,
                src: None,
            }],
        };
        if order == MBEFORE {
            added.extend(mounts);
            mounts = added;
        } else {
            mounts.extend(added);
        }
        table.insert(
            key,
            Arc::new(Mhead {
                on: old_c.name.clone(),
                mounts,
            }),
        );
        Ok(())
    }

    /// unmount(2): with `new`, removes that member from the union at `old`;
    /// without, removes every mount at `old`.
    pub fn unmount(&self, new: Option<&str>, old: &str) -> Result<()> {
        let old_c = match self.walk_inner(old, false)? {
            Walked::Chan(c) => c,
            Walked::Symlink { .. } => return Err(ENOTMOUNTED),
        };
        let key = old_c.key();
        let newkey = match new {
            Some(n) => {
                let c = self.walk_follow(n)?;
                let c = match &c.umh {
                    // An unmounted union's name resolves to its first member.
                    Some(u) => u.mounts.first().map(|m| m.to.key()).unwrap_or(c.key()),
                    None => c.key(),
                };
                Some(c)
            }
            None => None,
        };
        let mut guard = self.table.write().unwrap();
        self.walks.invalidate();
        let table = Arc::make_mut(&mut guard);
        let mh = table.get(&key).cloned().ok_or(ENOTMOUNTED)?;
        let Some(nk) = newkey else {
            table.remove(&key);
            return Ok(());
        };
        let mounts: Vec<Mount> = mh
            .mounts
            .iter()
            .filter(|m| m.to.key() != nk)
            .cloned()
            .collect();
        if mounts.len() == mh.mounts.len() {
            return Err(ENOTUNION);
        }
        if mounts.iter().all(|m| m.src.is_none()) {
            table.remove(&key);
        } else {
            table.insert(
                key,
                Arc::new(Mhead {
                    on: mh.on.clone(),
                    mounts,
                }),
            );
        }
        Ok(())
    }

    /// fd2path(2): the name a chan was reached by.
    pub fn fd2path(c: &Chan) -> String {
        c.name.clone()
    }

    /// Every bind and mount in creation order, as (flags, source, on).
    pub fn mounts(&self) -> Vec<(u32, Source, String)> {
        let table = self.table.read().unwrap();
        let mut v: Vec<(u64, u32, Source, String)> = table
            .values()
            .flat_map(|mh| {
                mh.mounts.iter().filter_map(|m| {
                    let src = m.src.clone()?;
                    Some((m.id, m.flags, src, mh.on.clone()))
                })
            })
            .collect();
        v.sort_by_key(|e| e.0);
        // Members added together by a union bind print once, with the union's
        // flags for the order; later members of the same bind are dropped.
        let mut out: Vec<(u32, Source, String)> = Vec::new();
        let mut last: Option<(Source, String)> = None;
        for (_, flags, src, on) in v {
            let k = (src.clone(), on.clone());
            if last.as_ref() != Some(&k) {
                out.push((flags, src, on));
            }
            last = Some(k);
        }
        out
    }

    /// Holds the mount table still (no bind or mount can be half done)
    /// while the caller forks the host process; drop it in both parent and
    /// child afterwards. See also [`crate::dev::fork_guard`].
    pub fn fork_guard(&self) -> impl Drop + '_ {
        self.table.read().unwrap()
    }

    /// The root chan (for printing and exportfs).
    pub fn root(&self) -> &Chan {
        &self.root
    }
}

/// Opens a walked chan; a union directory lists all its members.
pub fn open_chan(mut c: Chan, mode: u32) -> Result<Chan> {
    let m = mode & !(OEXCL | ninep::OCEXEC as u32 | ninep::ORCLOSE as u32);
    if c.is_dir() && (m & 3 != ninep::OREAD as u32 || m & OTRUNC as u32 != 0) {
        return Err(EISDIR);
    }
    c.qid = c.node.open(m)?;
    c.mode = Some(m);
    if trace::enabled() {
        trace::emit(format!(
            "open {} mode {m:#x} on #{}{}",
            c.name, c.dev.typ, c.dev.dev
        ));
    }
    Ok(c)
}

/// How a union member is named in traces: as it was bound or mounted.
fn member_label(m: &Mount) -> String {
    match &m.src {
        Some(Source::Bind(from)) => format!("bind {from}"),
        Some(Source::Mount(srv, spec)) if spec.is_empty() => format!("mount {srv}"),
        Some(Source::Mount(srv, spec)) => format!("mount {srv} {spec}"),
        None => format!("mounted-on {}", m.to.name),
    }
}

/// stat of a chan with the name set from the path it was reached by.
pub fn stat_chan(c: &Chan) -> Result<Dir> {
    let mut d = c.stat()?;
    if let Some((_, last)) = c.name.rsplit_once('/') {
        if !last.is_empty() {
            d.name = last.into();
        } else {
            d.name = "/".into();
        }
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The shortcut for clean paths changes nothing.
        #[test]
        fn cleanname_shortcut(p in "[/.a]{0,12}") {
            prop_assert_eq!(cleanname(&p), clean(&p));
        }
    }

    #[test]
    fn cleanname_examples() {
        for (p, want) in [
            ("/", "/"),
            ("", "."),
            ("/a/b", "/a/b"),
            ("a/b", "a/b"),
            ("/a//b/", "/a/b"),
            ("/a/./b/..", "/a"),
            ("/..", "/"),
            ("../a", "../a"),
            ("a/../..", ".."),
        ] {
            assert_eq!(cleanname(p), want, "{p}");
        }
    }
}
