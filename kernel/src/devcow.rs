//! `#W`: a copy-on-write layer: a private, writable host directory (upper)
//! over any read-only device (lower: a host directory or a rootfs tar), so a
//! Linux program may write anywhere while the lower layer is never modified.
//!
//! - A file is copied up (parents first, mode and times kept) when opened for
//!   writing or truncation, or on wstat; directories are made in the upper
//!   layer as needed. Device nodes and fifos are opened in the lower layer
//!   as they are (writing to the host's `/dev/null` must not copy it).
//! - Remove of a name the lower layer has leaves a whiteout: an empty upper
//!   file `.wh.NAME` (names starting with `.wh.` are hidden and refused).
//!   A whiteout hides the lower name for good: a file or directory made
//!   there later is upper-only, so nothing from below shows through it.
//! - A directory lists upper entries, then lower ones not in the upper layer
//!   and not whited out.
//! - qid.path is the lower file's where there is one (stable across copy-up,
//!   so mount points on a lower directory survive writes beneath them), else
//!   the upper inode with the top bit set.
//! - Rename of a file copies it up, renames in the upper layer and whites
//!   out the old name. Rename of a directory with a lower part is refused
//!   with "cross-device link" (as overlayfs without redirect_dir), so `mv`
//!   copies instead.

use std::any::Any;
use std::collections::HashMap;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use ninep::types::*;
use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags, Timestamps};

use crate::chan::{Attr, DevId, Getattr, Node};
use crate::dev::Device;
use crate::devhost::{
    self, check_elem, host_dir, host_getattr, host_qid, open_io, open_path, NOLINKS,
};
use crate::error::*;
use crate::namespace::walk_epoch;
use platform::shared::SharedCounter;

const WH: &str = ".wh.";

struct Cow {
    id: DevId,
    upper: OwnedFd,
    updev: u64,
    lower: Arc<dyn Device>,
    /// Bumped by every ninux process of the run after it adds a name to the
    /// upper layer or removes one (only they write it), so what was found
    /// there, or missing there, stays known, across walks and processes,
    /// until it changes.
    /// `None` when the file cannot be mapped: then each walk looks afresh.
    generation: Option<SharedCounter>,
    /// Paths below the root with neither an upper file nor a whiteout, each
    /// with the generation it was seen at.
    absent: Mutex<HashMap<String, u64>>,
}

/// The generation counter's file in the upper root: the whiteout name of
/// `.`, which no walk looks up and every listing hides.
const GENERATION: &str = ".wh..";

/// More remembered absences than this and the memory starts over.
const ABSENT_CAPACITY: usize = 4096;

/// A copy-on-write device instance.
pub struct CowDev {
    c: Arc<Cow>,
    pub upper_path: PathBuf,
    pub lower_name: String,
}

impl CowDev {
    /// `upper` (a host directory, made if missing) over the device named
    /// `lower` (`#Z/…` or `#T/…`).
    pub fn new(upper: &Path, lower: &str) -> Result<CowDev> {
        let (ldev, _, rest) = crate::dev::device(lower)?;
        if !rest.is_empty() {
            return Err(EBADSPEC);
        }
        CowDev::over(upper, ldev, lower)
    }

    /// `upper` over the device `lower`, named `name`.
    pub fn over(upper: &Path, lower: Arc<dyn Device>, name: &str) -> Result<CowDev> {
        std::fs::create_dir_all(upper).map_err(|e| Error::from(e).context(upper.display()))?;
        let fd = rfs::open(
            upper,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| Error::from(e).context(upper.display()))?;
        let updev = rfs::fstat(&fd)?.st_dev as u64;
        let generation = {
            use std::os::fd::AsRawFd;
            // O_PATH cannot be openat's base for a create: reopen the directory.
            rfs::open(upper, OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())
                .ok()
                .and_then(|d| SharedCounter::open(d.as_raw_fd(), GENERATION).ok())
        };
        let c = Cow {
            id: DevId::new('W'),
            upper: fd,
            updev,
            lower,
            generation,
            absent: Mutex::new(HashMap::new()),
        };
        Ok(CowDev {
            c: Arc::new(c),
            upper_path: upper.into(),
            lower_name: name.into(),
        })
    }

    /// The `#W` spec `UPPER:LOWER`, e.g. `/tmp/up:#T/root.tar`.
    pub fn from_spec(spec: &str) -> Result<CowDev> {
        let (up, low) = spec.split_once(":#").ok_or(EBADSPEC)?;
        CowDev::new(Path::new(up), &format!("#{low}"))
    }
}

/// A fresh fid for the layer's root: the upper root over the lower device's.
fn root_node(c: &Arc<Cow>) -> Result<CowNode> {
    let lower = c.lower.attach()?;
    let up = c.up_stat("");
    let qid = c.qid(up.as_ref(), Some(&*lower));
    Ok(CowNode {
        c: c.clone(),
        st: Mutex::new(St {
            rel: String::new(),
            up,
            lower: Some(lower),
            missing_since: 0,
        }),
        qid,
        io: None,
        pinned: OnceLock::new(),
        seen: c.stamp(),
    })
}

impl Device for CowDev {
    fn id(&self) -> DevId {
        self.c.id
    }
    fn attach(&self) -> Result<Box<dyn Node>> {
        Ok(Box::new(root_node(&self.c)?))
    }
}

fn join(rel: &str, name: &str) -> String {
    if rel.is_empty() {
        name.into()
    } else {
        [rel, "/", name].concat()
    }
}

fn split(rel: &str) -> (&str, &str) {
    rel.rsplit_once('/').unwrap_or(("", rel))
}

fn is_dir(st: &rfs::Stat) -> bool {
    FileType::from_raw_mode(st.st_mode as _) == FileType::Directory
}

impl Cow {
    /// What a missing upper file is stamped with: the shared generation
    /// (top bit set, so it never equals a walk epoch), or, without one, the
    /// current walk's epoch (trusted for the rest of that walk only).
    fn stamp(&self) -> u64 {
        match &self.generation {
            Some(g) => g.get() | 1 << 63,
            None => walk_epoch(),
        }
    }

    /// Announces that a name was added to the upper layer or taken from it
    /// (after the change).
    fn changed(&self) {
        if let Some(g) = &self.generation {
            g.bump();
        }
    }

    /// Whether `rel` had neither an upper file nor a whiteout when the upper
    /// layer was last as it is now.
    fn known_absent(&self, rel: &str, stamp: u64) -> bool {
        self.generation.is_some() && self.absent.lock().unwrap().get(rel) == Some(&stamp)
    }

    fn note_absent(&self, rel: &str, stamp: u64) {
        if self.generation.is_none() {
            return;
        }
        let mut absent = self.absent.lock().unwrap();
        if absent.len() >= ABSENT_CAPACITY {
            absent.clear();
        }
        absent.insert(rel.to_string(), stamp);
    }

    fn up_stat(&self, rel: &str) -> Option<rfs::Stat> {
        let fd = open_path(self.upper.as_fd(), rel).ok()?;
        rfs::fstat(&fd).ok()
    }

    fn up_fd(&self, rel: &str) -> Result<OwnedFd> {
        open_path(self.upper.as_fd(), rel)
    }

    fn whiteout(&self, rel: &str) -> bool {
        let (d, n) = split(rel);
        self.up_stat(&join(d, &format!("{WH}{n}"))).is_some()
    }

    fn qid(&self, up: Option<&rfs::Stat>, lower: Option<&dyn Node>) -> Qid {
        let uq = up.map(|s| host_qid(s, self.updev));
        match (uq, lower) {
            (Some(u), Some(l)) => Qid {
                path: l.qid().path,
                ..u
            },
            (Some(u), None) => Qid {
                path: u.path | 1 << 63,
                ..u
            },
            (None, Some(l)) => l.qid(),
            (None, None) => Qid::default(),
        }
    }
}

struct St {
    /// Path below the layer's root ("" for the root).
    rel: String,
    /// The upper file's stat when last looked at.
    up: Option<rfs::Stat>,
    /// The lower file this name shows, if not whited out.
    lower: Option<Box<dyn Node>>,
    /// The namespace walk during which `up` was last found missing: within
    /// that same walk a child needs no second look (see [`walk_epoch`]).
    missing_since: u64,
}

enum Io {
    Upper(OwnedFd),
    Lower(Box<dyn Node>),
    Dir,
}

struct CowNode {
    c: Arc<Cow>,
    st: Mutex<St>,
    qid: Qid,
    io: Option<Io>,
    /// The upper file itself once pinned (an `O_PATH` fd): stat goes
    /// through it rather than by name.
    pinned: OnceLock<Arc<OwnedFd>>,
    /// The layer's stamp when this file was walked to: while the upper
    /// layer stays as it was then, so does what the walk found in it.
    seen: u64,
}

impl CowNode {
    /// The upper file's `O_PATH` fd: the pinned one, or opened by name.
    fn upper_fd(&self, st: &St) -> Result<Arc<OwnedFd>> {
        match self.pinned.get() {
            Some(fd) => Ok(fd.clone()),
            None => Ok(Arc::new(self.c.up_fd(&st.rel)?)),
        }
    }

    /// `stat_attr`, asking the lower file with `lower` when only the lower
    /// layer has this name (the common case in a walk of a read-only tree:
    /// one look at the lower file answers both).
    fn stat_attr_with(
        &self,
        lower: impl Fn(&dyn Node) -> Result<(Dir, Option<Getattr>)>,
    ) -> Result<(Dir, Option<Getattr>)> {
        let mut st = self.st.lock().unwrap();
        self.refresh(&mut st);
        if let (None, Some(l)) = (&st.up, &st.lower) {
            let (mut d, g) = lower(&**l)?;
            let name = if st.rel.is_empty() {
                "/"
            } else {
                split(&st.rel).1
            };
            (d.typ, d.dev, d.qid, d.name) =
                (self.c.id.typ as u16, self.c.id.dev, self.qid, name.into());
            return Ok((d, g));
        }
        drop(st);
        Ok((self.stat()?, self.getattr()))
    }

    /// [`Node::stat_child`] in a directory the upper layer does not have
    /// (the common case in a walk of a read-only tree): no upper file can
    /// hide or whiteout the lower one, so the lower directory answers, as
    /// [`CowNode::child`] and [`CowNode::walked_stat_attr`] would, but
    /// with no node made. None where the upper layer has to be looked at.
    fn lower_stat_child(&self, name: &str) -> Option<Result<Attr>> {
        if self.c.generation.is_none() || !self.qid.is_dir() || name.starts_with(WH) {
            return None;
        }
        check_elem(name).ok()?;
        let mut st = self.st.lock().unwrap();
        if st.missing_since != self.c.stamp() {
            self.refresh(&mut st);
        }
        if st.up.as_ref().is_some_and(is_dir) {
            return None;
        }
        let lower = st.lower.as_ref()?;
        Some(match lower.stat_child(name)? {
            Ok(a) => Ok(a),
            Err(e) if e == ESTALEWALK => Err(e),
            Err(_) => Err(ENONEXIST),
        })
    }

    fn rel(&self) -> String {
        self.st.lock().unwrap().rel.clone()
    }

    /// The upper file's stat, looked up again while it is missing: another
    /// chan (or process) may have copied it up since this fid was walked.
    /// With a shared generation, a file found missing stays so until the
    /// upper layer changes.
    fn refresh(&self, st: &mut St) {
        if st.up.is_some() {
            return;
        }
        let stamp = self.c.stamp();
        if self.c.generation.is_some() && st.missing_since == stamp {
            return;
        }
        st.up = self.c.up_stat(&st.rel);
        if st.up.is_none() {
            st.missing_since = stamp;
        }
    }

    /// Makes sure directory `rel` exists in the upper layer, copying each
    /// missing directory's mode and times from the lower layer.
    fn upper_dirs(&self, rel: &str) -> Result<()> {
        if rel.is_empty() || self.c.up_stat(rel).is_some() {
            return Ok(());
        }
        let (parent, name) = split(rel);
        self.upper_dirs(parent)?;
        let lower = self.lower_at(rel);
        let (perm, times) = match &lower {
            Some(l) => {
                let d = l.stat()?;
                (d.mode, Some((d.atime, d.mtime)))
            }
            None => (0o755, None),
        };
        let pfd = self.c.up_fd(parent)?;
        match rfs::mkdirat(&pfd, name, devhost::unix_perm(perm)) {
            Ok(()) | Err(rustix::io::Errno::EXIST) => {}
            Err(e) => return Err(e.into()),
        }
        self.c.changed();
        if let Some((a, m)) = times {
            set_times(&pfd, name, a, m);
        }
        Ok(())
    }

    /// The lower file at `rel` from the lower root, if visible.
    fn lower_at(&self, rel: &str) -> Option<Box<dyn Node>> {
        let mut n = self.c.lower.attach().ok()?;
        let mut cur = String::new();
        for e in rel.split('/').filter(|e| !e.is_empty()) {
            cur = join(&cur, e);
            if self.c.whiteout(&cur) {
                return None;
            }
            n = n.walk1(e).ok()?;
        }
        Some(n)
    }

    /// Copies this file up if it is not in the upper layer yet.
    fn copy_up(&self) -> Result<()> {
        self.copy_up_data(true)
    }

    /// Copies this file up; without `data` only its metadata (an open with
    /// OTRUNC would throw the bytes away at once).
    fn copy_up_data(&self, data: bool) -> Result<()> {
        let mut st = self.st.lock().unwrap();
        self.refresh(&mut st);
        if st.up.is_some() {
            return Ok(());
        }
        let rel = st.rel.clone();
        let (parent, name) = split(&rel);
        let lower = st.lower.as_ref().ok_or(ENONEXIST)?;
        let d = lower.stat()?;
        self.upper_dirs(parent)?;
        let pfd = self.c.up_fd(parent)?;
        if d.mode & DMDIR != 0 {
            match rfs::mkdirat(&pfd, name, devhost::unix_perm(d.mode)) {
                Ok(()) | Err(rustix::io::Errno::EXIST) => {}
                Err(e) => return Err(e.into()),
            }
        } else if d.mode & (DMSYMLINK | DMDEVICE | DMNAMEDPIPE | DMSOCKET) != 0 {
            devhost::host_create(pfd.as_fd(), name, d.mode, 0, &d.extension)?;
        } else {
            // Copy into a hidden temp name, then rename into place, so other
            // processes never see half a file.
            let tmp = format!("{WH}tmp.{}.{name}", std::process::id());
            let _ = rfs::unlinkat(&pfd, tmp.as_str(), AtFlags::empty());
            let out = devhost::host_create(
                pfd.as_fd(),
                &tmp,
                d.mode & 0o7777 | 0o200,
                OWRITE as u32,
                "",
            )?
            .ok_or(EIO)?;
            if data {
                copy_data(&**lower, &out)?;
            }
            rfs::fchmod(&out, devhost::unix_perm(d.mode))?;
            rfs::renameat(&pfd, tmp.as_str(), &pfd, name)?;
        }
        self.c.changed();
        if d.mode & DMSYMLINK == 0 {
            set_times(&pfd, name, d.atime, d.mtime);
        }
        st.up = self.c.up_stat(&rel);
        Ok(())
    }

    fn other<'a>(&self, n: &'a dyn Node) -> Result<&'a CowNode> {
        match n.as_any().downcast_ref::<CowNode>() {
            Some(o) if Arc::ptr_eq(&o.c, &self.c) => Ok(o),
            _ => Err(EXDEV),
        }
    }

    /// Leaves a whiteout for `rel` if the lower layer has it.
    fn white_out(&self, rel: &str) -> Result<()> {
        if self.lower_at(rel).is_none() {
            return Ok(());
        }
        let (parent, name) = split(rel);
        self.upper_dirs(parent)?;
        let pfd = self.c.up_fd(parent)?;
        let w = format!("{WH}{name}");
        match rfs::openat2(
            &pfd,
            w.as_str(),
            OFlags::CREATE | OFlags::WRONLY | OFlags::CLOEXEC,
            Mode::from_bits_truncate(0o600),
            NOLINKS,
        ) {
            Ok(_) => {
                self.c.changed();
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The merged listing.
    fn list(&self) -> Result<Vec<Dir>> {
        self.list_with(false)
    }

    /// The merged listing; the lower layer's entries brief when `brief`
    /// (see [`Node::readdir_brief`]).
    fn list_with(&self, brief: bool) -> Result<Vec<Dir>> {
        let mut st = self.st.lock().unwrap();
        self.refresh(&mut st);
        let mut lower: Vec<Dir> = Vec::new();
        if let Some(l) = &st.lower {
            let mut l = l.clone_node()?;
            l.open(OREAD as u32)?;
            lower = if brief {
                l.readdir_brief()?
            } else {
                l.readdir()?
            };
        }
        let mut out = Vec::new();
        let mut hidden = std::collections::HashSet::new();
        if st.up.as_ref().is_some_and(is_dir) {
            let f = open_io(self.c.upper.as_fd(), &st.rel, OREAD as u32, true)?;
            for name in devhost::list_names(f.as_fd())? {
                if let Some(w) = name.strip_prefix(WH) {
                    hidden.insert(w.to_string());
                    continue;
                }
                let Ok(s) = rfs::statat(&f, name.as_str(), AtFlags::SYMLINK_NOFOLLOW) else {
                    continue;
                };
                let link = (FileType::from_raw_mode(s.st_mode as _) == FileType::Symlink)
                    .then(|| rfs::readlinkat(&f, name.as_str(), Vec::new()).ok())
                    .flatten()
                    .map(|t| String::from_utf8_lossy(t.as_bytes()).into_owned());
                let mut q = host_qid(&s, self.c.updev);
                q.path |= 1 << 63;
                hidden.insert(name.clone());
                out.push(host_dir(&s, &name, q, self.c.id, link));
            }
        }
        // Upper entries that shadow a (not whited-out) lower one keep the
        // lower qid, as walk gives them.
        for d in out.iter_mut() {
            if let Some(l) = lower.iter().find(|l| l.name == d.name) {
                if !self.c.whiteout(&join(&st.rel, &d.name)) {
                    d.qid.path = l.qid.path;
                }
            }
        }
        // The lower entries stay where they are (a directory of thousands
        // is not moved entry by entry); the upper ones go first.
        lower.retain(|d| !hidden.contains(&d.name));
        for d in lower.iter_mut() {
            (d.typ, d.dev) = (self.c.id.typ as u16, self.c.id.dev);
        }
        if out.is_empty() {
            return Ok(lower);
        }
        out.append(&mut lower);
        Ok(out)
    }
}

/// Copies a lower file's bytes into `out`.
fn copy_data(lower: &dyn Node, out: &OwnedFd) -> Result<()> {
    let mut src = lower.clone_node()?;
    src.open(OREAD as u32)?;
    let mut buf = vec![0u8; 128 * 1024];
    let mut off = 0u64;
    loop {
        let n = src.read(&mut buf, off)?;
        if n == 0 {
            return Ok(());
        }
        let mut w = 0;
        while w < n {
            w += rustix::io::pwrite(out, &buf[w..n], off + w as u64)?;
        }
        off += n as u64;
    }
}

fn set_times(dir: &OwnedFd, name: &str, atime: u32, mtime: u32) {
    let ts = |t: u32| rfs::Timespec {
        tv_sec: t as i64,
        tv_nsec: 0,
    };
    let times = Timestamps {
        last_access: ts(atime),
        last_modification: ts(mtime),
    };
    let _ = rfs::utimensat(dir, name, &times, AtFlags::SYMLINK_NOFOLLOW);
}

impl CowNode {
    /// The node for `name` in this directory (walk1, unboxed).
    fn child(&self, name: &str) -> Result<CowNode> {
        check_elem(name)?;
        if name.starts_with(WH) {
            return Err(ENONEXIST);
        }
        if !self.qid.is_dir() {
            return Err(ENOTDIR);
        }
        let mut st = self.st.lock().unwrap();
        // A missing upper directory found missing earlier (in this same walk,
        // or at this generation of the layer) is not looked for again: a
        // deep walk then costs no failing lookup per element in the upper
        // layer, and neither does the next walk down the same path.
        let stamp = self.c.stamp();
        if st.missing_since != stamp {
            self.refresh(&mut st);
        }
        let rel = join(&st.rel, name);
        let up_dir = st.up.as_ref().is_some_and(is_dir);
        let (up, whited) = if !up_dir || self.c.known_absent(&rel, stamp) {
            (None, false)
        } else {
            let up = self.c.up_stat(&rel);
            let whited = self.c.whiteout(&rel);
            if up.is_none() && !whited {
                self.c.note_absent(&rel, stamp);
            }
            (up, whited)
        };
        // A lower file under an upper non-directory cannot show. A stale
        // speculative walk below is the walk's to redo, not a missing file.
        let lower_walk = |l: &dyn Node| match l.walk1(name) {
            Ok(n) => Ok(Some(n)),
            Err(e) if e == ESTALEWALK => Err(e),
            Err(_) => Ok(None),
        };
        let lower = match (&st.lower, whited, &up) {
            (Some(l), false, None) => lower_walk(&**l)?,
            (Some(l), false, Some(u)) if is_dir(u) => {
                lower_walk(&**l)?.filter(|n| n.qid().is_dir())
            }
            (Some(l), false, Some(_)) => lower_walk(&**l)?.filter(|n| !n.qid().is_dir()),
            _ => None,
        };
        if up.is_none() && lower.is_none() {
            return Err(ENONEXIST);
        }
        let qid = self.c.qid(up.as_ref(), lower.as_deref());
        Ok(CowNode {
            c: self.c.clone(),
            st: Mutex::new(St {
                rel,
                up,
                lower,
                missing_since: stamp,
            }),
            qid,
            io: None,
            pinned: OnceLock::new(),
            seen: stamp,
        })
    }
}

impl Node for CowNode {
    fn qid(&self) -> Qid {
        self.qid
    }
    fn clone_node(&self) -> Result<Box<dyn Node>> {
        let st = self.st.lock().unwrap();
        let lower = match &st.lower {
            Some(l) => Some(l.clone_node()?),
            None => None,
        };
        let st = St {
            rel: st.rel.clone(),
            up: st.up,
            lower,
            missing_since: st.missing_since,
        };
        Ok(Box::new(CowNode {
            c: self.c.clone(),
            st: Mutex::new(st),
            qid: self.qid,
            io: None,
            pinned: OnceLock::new(),
            seen: self.seen,
        }))
    }
    fn vouched(&self) -> bool {
        // The upper layer as it was (only ninux changes it, and says so),
        // and a lower file that its own device vouches for. A file only
        // the upper layer has is not vouched for: the lower layer's lack of
        // it is a fact no watch covers.
        self.c.generation.is_some()
            && self.seen == self.c.stamp()
            && (self.st.lock().unwrap().lower.as_ref()).is_some_and(|l| l.vouched())
    }
    fn walk1(&self, name: &str) -> Result<Box<dyn Node>> {
        Ok(Box::new(self.child(name)?))
    }
    fn stat_child(&self, name: &str) -> Option<Result<Attr>> {
        if let Some(r) = self.lower_stat_child(name) {
            return Some(r);
        }
        let walked = self.child(name).and_then(|c| c.walked_stat_attr());
        Some(walked.map(|(d, g)| Attr::of(&d, g)))
    }
    fn open(&mut self, mode: u32) -> Result<Qid> {
        let writing = mode & 3 == 1 || mode & 3 == 2 || mode & OTRUNC as u32 != 0;
        if self.qid.is_dir() {
            self.io = Some(Io::Dir);
            return Ok(self.qid);
        }
        let (has_up, special) = {
            let st = self.st.lock().unwrap();
            let special = st
                .lower
                .as_ref()
                .is_some_and(|l| l.special().unwrap_or(false));
            (st.up.is_some(), special)
        };
        if !has_up && (!writing || special) {
            let mut l = self
                .st
                .lock()
                .unwrap()
                .lower
                .as_ref()
                .ok_or(ENONEXIST)?
                .clone_node()?;
            l.open(mode)?;
            self.io = Some(Io::Lower(l));
            return Ok(self.qid);
        }
        if writing {
            self.copy_up_data(mode & OTRUNC as u32 == 0)?;
        }
        let rel = self.rel();
        self.io = Some(Io::Upper(open_io(self.c.upper.as_fd(), &rel, mode, false)?));
        Ok(self.qid)
    }
    fn create(&mut self, name: &str, perm: u32, mode: u32, ext: &str) -> Result<Qid> {
        check_elem(name)?;
        if name.starts_with(WH) {
            return Err(EPERM);
        }
        if !self.qid.is_dir() {
            return Err(ENOTDIR);
        }
        if self.walk1(name).is_ok() {
            return Err(EEXIST);
        }
        self.copy_up()?;
        let rel = self.rel();
        let dfd = self.c.up_fd(&rel)?;
        let io = devhost::host_create(dfd.as_fd(), name, perm, mode, ext)?;
        self.c.changed();
        let child = self.walk1(name)?;
        let child = child.as_any().downcast_ref::<CowNode>().ok_or(EIO)?;
        let st = std::mem::replace(
            &mut *child.st.lock().unwrap(),
            St {
                rel: String::new(),
                up: None,
                lower: None,
                missing_since: 0,
            },
        );
        self.qid = child.qid;
        self.st = Mutex::new(st);
        self.io = match io {
            Some(f) => Some(Io::Upper(f)),
            None if perm & DMDIR != 0 => Some(Io::Dir),
            None => None,
        };
        Ok(self.qid)
    }
    fn read(&self, buf: &mut [u8], off: u64) -> Result<usize> {
        match self.io.as_ref().ok_or(ENOTOPEN)? {
            Io::Upper(f) => Ok(rustix::io::pread(f, buf, off)?),
            Io::Lower(l) => l.read(buf, off),
            Io::Dir => Err(EISDIR),
        }
    }
    fn readdir(&self) -> Result<Vec<Dir>> {
        self.list()
    }
    fn readdir_brief(&self) -> Result<Vec<Dir>> {
        self.list_with(true)
    }
    fn write(&self, buf: &[u8], off: u64) -> Result<usize> {
        match self.io.as_ref().ok_or(ENOTOPEN)? {
            Io::Upper(f) => Ok(rustix::io::pwrite(f, buf, off)?),
            Io::Lower(l) => l.write(buf, off),
            Io::Dir => Err(EISDIR),
        }
    }
    fn remove(&self) -> Result<()> {
        let rel = self.rel();
        if rel.is_empty() {
            return Err(EPERM);
        }
        if self.qid.is_dir() && !self.list()?.is_empty() {
            return Err(ENOTEMPTY);
        }
        let (parent, name) = split(&rel);
        let up = self.st.lock().unwrap().up;
        if let Some(u) = up {
            let pfd = self.c.up_fd(parent)?;
            if is_dir(&u) {
                // Only whiteouts can be left inside: they go with it.
                let d = open_io(self.c.upper.as_fd(), &rel, OREAD as u32, true)?;
                for n in devhost::list_names(d.as_fd())? {
                    rfs::unlinkat(&d, n.as_str(), AtFlags::empty())?;
                }
                rfs::unlinkat(&pfd, name, AtFlags::REMOVEDIR)?;
            } else {
                rfs::unlinkat(&pfd, name, AtFlags::empty())?;
            }
        }
        if self.st.lock().unwrap().lower.is_some() {
            self.white_out(&rel)?;
        }
        // A name gone from the upper layer: walks that found it are stale.
        self.c.changed();
        Ok(())
    }
    fn stat(&self) -> Result<Dir> {
        let mut st = self.st.lock().unwrap();
        self.refresh(&mut st);
        let name = if st.rel.is_empty() {
            "/"
        } else {
            split(&st.rel).1
        };
        let mut d = match (&st.up, &st.lower) {
            // The upper root is the layer's own private directory, never a
            // copy of the lower root: its times and link count mean nothing
            // to the guest, so `/` looks like the lower root (as `ls -la /etc`
            // shows it for `..`).
            (Some(_), Some(l)) if st.rel.is_empty() => l.stat()?,
            (Some(_), _) => {
                let fd = self.upper_fd(&st)?;
                let s = rfs::fstat(&fd)?;
                let link = if self.qid.is_symlink() {
                    Some(devhost::readlink(fd.as_fd())?)
                } else {
                    None
                };
                host_dir(&s, name, self.qid, self.c.id, link)
            }
            (None, Some(l)) => l.stat()?,
            (None, None) => return Err(ENONEXIST),
        };
        (d.typ, d.dev, d.qid, d.name) =
            (self.c.id.typ as u16, self.c.id.dev, self.qid, name.into());
        Ok(d)
    }
    fn wstat(&self, d: &Dir) -> Result<()> {
        let mut touch = d.clone();
        touch.name = String::new();
        let nothing = touch == Dir::dont_touch();
        if !nothing {
            self.copy_up()?;
            let rel = self.rel();
            let (parent, name) = split(&rel);
            let pfd = self.c.up_fd(parent)?;
            let fd = self.c.up_fd(&rel)?;
            devhost::host_wstat(pfd.as_fd(), name, fd.as_fd(), &touch)?;
        }
        let rel = self.rel();
        if !d.name.is_empty() && d.name != split(&rel).1 {
            check_elem(&d.name)?;
            if d.name.starts_with(WH) {
                return Err(EPERM);
            }
            let (parent, _) = split(&rel);
            if self.c.up_stat(&join(parent, &d.name)).is_some()
                || self.lower_at(&join(parent, &d.name)).is_some()
            {
                return Err(EEXIST);
            }
            self.rename_to(parent, &d.name)?;
        }
        Ok(())
    }
    fn host_fd(&self) -> Option<BorrowedFd<'_>> {
        match self.io.as_ref()? {
            Io::Upper(f) => Some(f.as_fd()),
            Io::Lower(l) => l.host_fd(),
            Io::Dir => None,
        }
    }
    fn host_path(&self, for_create: bool) -> Option<PathBuf> {
        let rel = self.rel();
        if for_create && self.qid.is_dir() {
            self.upper_dirs(&rel).ok()?;
        } else if for_create {
            // About to be changed at its host path: the lower file never is.
            self.copy_up().ok()?;
        }
        let mut st = self.st.lock().unwrap();
        self.refresh(&mut st);
        if st.up.is_some() {
            let up = devhost::fd_path(self.c.upper.as_fd())?;
            return Some(if rel.is_empty() { up } else { up.join(&rel) });
        }
        st.lower.as_ref()?.host_path(false)
    }
    fn made_at_host_path(&self) {
        self.c.changed();
    }
    fn host_extent(&self) -> Option<(BorrowedFd<'_>, u64, u64)> {
        match self.io.as_ref()? {
            Io::Lower(l) => l.host_extent(),
            _ => None,
        }
    }
    fn rename(&self, newdir: &dyn Node, name: &str) -> Result<()> {
        check_elem(name)?;
        if name.starts_with(WH) {
            return Err(EPERM);
        }
        let nd = self.other(newdir)?;
        if !nd.qid.is_dir() {
            return Err(ENOTDIR);
        }
        let dir = nd.rel();
        self.rename_to(&dir, name)
    }
    /// Both names keep existing, so copying both files up and swapping
    /// them in the upper layer is the whole exchange: the upper files hide
    /// the lower ones of those names. A directory with a lower part cannot
    /// move without merging into the lower directory of its new name: EXDEV,
    /// as for rename (and as overlayfs answers).
    fn exchange(&self, other: &dyn Node) -> Result<()> {
        let o = self.other(other)?;
        let (ra, rb) = (self.rel(), o.rel());
        if ra.is_empty() || rb.is_empty() {
            return Err(EINUSE);
        }
        for n in [self, o] {
            if n.qid.is_dir() && n.st.lock().unwrap().lower.is_some() {
                return Err(EXDEV);
            }
        }
        self.copy_up()?;
        o.copy_up()?;
        let ((pa, na), (pb, nb)) = (split(&ra), split(&rb));
        let (fa, fb) = (self.c.up_fd(pa)?, self.c.up_fd(pb)?);
        rfs::renameat_with(&fa, na, &fb, nb, rfs::RenameFlags::EXCHANGE)?;
        self.c.changed();
        for (n, rel) in [(self, &rb), (o, &ra)] {
            let mut st = n.st.lock().unwrap();
            st.rel = rel.clone();
            st.up = self.c.up_stat(rel);
            st.lower = None;
        }
        Ok(())
    }
    fn link(&self, newdir: &dyn Node, name: &str) -> Result<()> {
        check_elem(name)?;
        let nd = self.other(newdir)?;
        let dir = nd.rel();
        self.copy_up()?;
        nd.copy_up()?;
        let rel = self.rel();
        let (p, n) = split(&rel);
        let (sfd, dfd) = (self.c.up_fd(p)?, self.c.up_fd(&dir)?);
        rfs::linkat(&sfd, n, &dfd, name, AtFlags::empty())?;
        self.c.changed();
        Ok(())
    }
    fn stat_attr(&self) -> Result<(Dir, Option<Getattr>)> {
        self.stat_attr_with(|l| l.stat_attr())
    }
    fn walked_stat_attr(&self) -> Result<(Dir, Option<Getattr>)> {
        self.stat_attr_with(|l| l.walked_stat_attr())
    }
    fn pin(&self) -> Result<()> {
        let mut st = self.st.lock().unwrap();
        self.refresh(&mut st);
        match (&st.up, &st.lower) {
            (Some(_), _) => {
                let fd = Arc::new(self.c.up_fd(&st.rel)?);
                let _ = self.pinned.set(fd);
                Ok(())
            }
            (None, Some(l)) => l.pin(),
            (None, None) => Err(ENONEXIST),
        }
    }
    fn getattr(&self) -> Option<Getattr> {
        let st = self.st.lock().unwrap();
        let merged_dir = self.qid.is_dir() && st.up.is_some() && st.lower.is_some();
        let mut g = match (&st.up, &st.lower) {
            // As in `stat`: the upper root is the layer's, not the guest's.
            (Some(_), Some(l)) if st.rel.is_empty() => l.getattr(),
            (Some(_), _) => rfs::fstat(&*self.upper_fd(&st).ok()?)
                .ok()
                .map(|s| host_getattr(&s)),
            (None, Some(l)) => l.getattr(),
            _ => None,
        }?;
        drop(st);
        // A directory in both layers links its subdirectories of both, as
        // the same tree extracted on a Linux disk would: 2 + the merged
        // listing's directories (the upper copy alone counts only its own).
        if merged_dir {
            if let Ok(entries) = self.list_with(true) {
                g.nlink = 2 + entries.iter().filter(|d| d.is_dir()).count() as u64;
            }
        }
        Some(g)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl CowNode {
    /// Moves this file to `dir/name` (paths below the layer root).
    fn rename_to(&self, dir: &str, name: &str) -> Result<()> {
        let rel = self.rel();
        if rel.is_empty() {
            return Err(EINUSE);
        }
        let target = join(dir, name);
        if target == rel {
            return Ok(());
        }
        if target.starts_with(&format!("{rel}/")) {
            return Err(EBADARG);
        }
        let has_lower = self.st.lock().unwrap().lower.is_some();
        if self.qid.is_dir() && has_lower {
            return Err(EXDEV);
        }
        // What the target name holds now decides what Linux allows.
        let tup = self.c.up_stat(&target);
        let tlow = if tup.is_none() {
            self.lower_at(&target)
        } else {
            None
        };
        let tdir = tup
            .as_ref()
            .map(is_dir)
            .or(tlow.as_ref().map(|l| l.qid().is_dir()));
        match (self.qid.is_dir(), tdir) {
            (false, Some(true)) => return Err(EISDIR),
            (true, Some(false)) => return Err(ENOTDIR),
            (true, Some(true)) => {
                // Linux replaces only an empty directory.
                let t = self.walk_rel(&target)?;
                if !t.list()?.is_empty() {
                    return Err(ENOTEMPTY);
                }
                t.remove()?;
            }
            _ => {}
        }
        self.copy_up()?;
        self.upper_dirs(dir)?;
        let (p, n) = split(&rel);
        let (sfd, dfd) = (self.c.up_fd(p)?, self.c.up_fd(dir)?);
        if let Some(u) = self.c.up_stat(&target) {
            if is_dir(&u) {
                rfs::unlinkat(&dfd, name, AtFlags::REMOVEDIR)?;
            }
        }
        rfs::renameat(&sfd, n, &dfd, name)?;
        self.c.changed();
        // The lower file under the old name must not show again, and one
        // under the new name must not show through.
        if has_lower {
            self.white_out(&rel)?;
        }
        if self.lower_at(&target).is_some() {
            self.white_out(&target)?;
        }
        let mut st = self.st.lock().unwrap();
        st.rel = target.clone();
        st.up = self.c.up_stat(&target);
        st.lower = None;
        Ok(())
    }

    fn walk_rel(&self, rel: &str) -> Result<CowNode> {
        let mut n: Box<dyn Node> = Box::new(root_node(&self.c)?);
        for e in rel.split('/').filter(|e| !e.is_empty()) {
            n = n.walk1(e)?;
        }
        let c = n.as_any().downcast_ref::<CowNode>().ok_or(EIO)?;
        let st = std::mem::replace(
            &mut *c.st.lock().unwrap(),
            St {
                rel: String::new(),
                up: None,
                lower: None,
                missing_since: 0,
            },
        );
        Ok(CowNode {
            c: self.c.clone(),
            st: Mutex::new(st),
            qid: c.qid,
            io: None,
            pinned: OnceLock::new(),
            seen: 0,
        })
    }
}
