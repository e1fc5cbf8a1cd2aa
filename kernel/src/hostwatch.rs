//! Whether the names `#Z` looked up on the host still mean what they meant:
//! the coherence protocol behind its cached walks, as the dcache is the
//! host kernel's own.
//!
//! One inotify instance per ninux process watches every host directory that
//! a walk found a directory in, for names of directories that go or come
//! (renamed, removed, replaced), and `/proc/self/mountinfo` tells of mounts.
//! Anything of the kind ends the current **epoch**. A fact found in an
//! epoch ("`name` in this directory is that directory"), looked up in a
//! directory watched before the lookup, holds for as long as the epoch
//! lasts.
//!
//! Checking costs one `epoll_wait` (on an epoll instance holding both
//! fds), at most once per namespace walk, and usually not even that: a
//! [`Doorbell`] on the epoll instance rings (the kernel writes our memory)
//! when it has anything to report, and while it has not rung there is
//! nothing to ask. The doorbell vouches only for the thread that armed it:
//! the kernel rings it before that thread returns to user mode after the
//! event, so whatever the thread learns of a change through a syscall, the
//! bell rang first. A process that can learn of changes without a syscall
//! of its own, because it has a second thread or memory shared with
//! another process ([`memory_shared`]), asks the kernel at every walk.
//! Changes to files other than directories do not end the epoch, since no
//! cached walk depends on them.
//!
//! Each process keeps its own instance: a forked child that read from its
//! parent's would take events the parent needs. Without inotify (no
//! instance left for this user) nothing is ever vouched for, and walks fall
//! back to looking at the host.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, Once};

use platform::doorbell::Doorbell;

use rustix::event::epoll::{self, EventData, EventFlags};
use rustix::fs::inotify::{self, CreateFlags, ReadFlags, WatchFlags};
use rustix::fs::{Mode, OFlags};

use crate::dircache::HostId;

/// More watched directories than this and the instance starts over (all
/// watches gone, a new epoch): it bounds the kernel memory ninux pins.
const MAX_WATCHES: usize = 8192;

/// Lookups a process makes before it takes an inotify instance. Instances
/// are few (128 per user by default) and shared with everything else the
/// user runs; a short-lived process (a `true`, a `cat`) never needs one.
const LOOKUPS_BEFORE_WATCHING: u32 = 64;

/// The current epoch. Never 0: a stamp of 0 is never current.
static EPOCH: AtomicU64 = AtomicU64::new(1);
/// The namespace walk in which the watches were last checked.
static CHECKED_IN: AtomicU64 = AtomicU64::new(0);
/// Set in a forked child (pthread_atfork): the instance is the parent's.
static FORKED: AtomicBool = AtomicBool::new(false);
/// Lookups asked to be watched while there was no instance.
static LOOKUPS: AtomicU32 = AtomicU32::new(0);

/// Set once the process shares memory with another thread or process: then
/// no doorbell vouches for anything.
static SHARED_MEMORY: AtomicBool = AtomicBool::new(false);
/// The doorbells made so far, to tell them apart.
static BELLS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The doorbell this thread armed, if any.
    static ARMED: Cell<u64> = const { Cell::new(0) };
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

struct State {
    /// Rings when `ready` has something to report; with its number. Declared
    /// before `ready`, which it polls, so that it goes first.
    bell: Option<(Doorbell, u64)>,
    inotify: OwnedFd,
    /// Ready when the inotify instance has events or the mount table
    /// changed: one `epoll_wait` looks at both.
    ready: OwnedFd,
    /// Kept open: closing it would take it out of `ready`.
    _mounts: Option<OwnedFd>,
    /// The watched directories, and which watch is whose.
    watched: HashSet<HostId>,
    wds: HashMap<i32, HostId>,
}

/// What a watch reports: names of directories leaving or arriving (also
/// reported for other files, which [`relevant`] drops).
fn watch_mask() -> WatchFlags {
    WatchFlags::MOVED_FROM | WatchFlags::MOVED_TO | WatchFlags::DELETE | WatchFlags::ONLYDIR
}

fn relevant(ev: ReadFlags) -> bool {
    ev.intersects(
        ReadFlags::ISDIR | ReadFlags::IGNORED | ReadFlags::QUEUE_OVERFLOW | ReadFlags::UNMOUNT,
    )
}

extern "C" fn in_forked_child() {
    FORKED.store(true, Ordering::SeqCst);
}

fn new_epoch() {
    EPOCH.fetch_add(1, Ordering::SeqCst);
}

/// The epoch to stamp a fact with that is about to be looked up: read
/// before the lookup, so a change between the two ends the epoch stamped.
pub(crate) fn stamp() -> u64 {
    EPOCH.load(Ordering::SeqCst)
}

/// The current epoch, after reading what the watches reported (at most once
/// per namespace walk: what happens during a walk may as well have happened
/// after it). A fact stamped with it still holds.
pub(crate) fn current() -> u64 {
    let walk = crate::namespace::walk_epoch();
    if CHECKED_IN.load(Ordering::SeqCst) == walk && !FORKED.load(Ordering::SeqCst) {
        return stamp();
    }
    let mut st = STATE.lock().unwrap_or_else(|e| e.into_inner());
    restart_if_forked(&mut st);
    if let Some(s) = st.as_mut() {
        if s.changed() {
            new_epoch();
        }
    }
    CHECKED_IN.store(walk, Ordering::SeqCst);
    stamp()
}

/// The process now shares memory with another thread or process (a guest
/// thread, a `MAP_SHARED` mapping, System V shared memory): it can learn of
/// another's changes without a syscall of its own, so from now on every
/// walk asks the kernel whether the watches saw anything.
pub fn memory_shared() {
    SHARED_MEMORY.store(true, Ordering::SeqCst);
}

/// The fds whose last close would hold up this process's exit: the
/// inotify instance, once it watches anything, waits for a grace period
/// as it goes. For [`platform::linger::hand_over`].
pub fn slow_to_close() -> Vec<RawFd> {
    let st = STATE.lock().unwrap_or_else(|e| e.into_inner());
    match st.as_ref() {
        // A forked child's instance is still its parent's.
        Some(s) if !FORKED.load(Ordering::SeqCst) && !s.watched.is_empty() => {
            vec![s.inotify.as_raw_fd()]
        }
        _ => Vec::new(),
    }
}

/// Whether a directory is watched, as [`watch`] found or left it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Watch {
    /// Watched before this call: a lookup made earlier was under the watch.
    Already,
    /// Watched from now on: an earlier lookup was not.
    Added,
    /// Not watched (no instance, or none to be had): nothing looked up in
    /// it may be vouched for.
    Unwatched,
}

/// Makes sure `dir` (an fd of the host directory `id`) is watched.
pub(crate) fn watch(dir: BorrowedFd, id: HostId) -> Watch {
    let mut st = STATE.lock().unwrap_or_else(|e| e.into_inner());
    restart_if_forked(&mut st);
    if st.as_ref().is_some_and(|s| s.watched.contains(&id)) {
        return Watch::Already;
    }
    if st.as_ref().is_some_and(|s| s.watched.len() >= MAX_WATCHES) {
        *st = None;
        new_epoch();
    }
    if st.is_none() {
        if LOOKUPS.fetch_add(1, Ordering::Relaxed) < LOOKUPS_BEFORE_WATCHING {
            return Watch::Unwatched;
        }
        *st = State::new();
    }
    match st.as_mut().is_some_and(|s| s.watch(dir, id)) {
        true => Watch::Added,
        false => Watch::Unwatched,
    }
}

/// In a forked child, the parent's instance is let go (its fds closed, the
/// parent keeps its own) and every fact of the parent's ends with an epoch.
fn restart_if_forked(st: &mut Option<State>) {
    if FORKED.swap(false, Ordering::SeqCst) {
        *st = None;
        LOOKUPS.store(0, Ordering::Relaxed);
        new_epoch();
    }
}

impl State {
    fn new() -> Option<State> {
        static ATFORK: Once = Once::new();
        ATFORK.call_once(|| {
            // SAFETY: the handler only stores to an atomic, which is
            // async-signal-safe as a forked child's handlers must be.
            unsafe { libc::pthread_atfork(None, None, Some(in_forked_child)) };
        });
        let inotify = inotify::init(CreateFlags::CLOEXEC | CreateFlags::NONBLOCK).ok()?;
        let mounts = rustix::fs::open(
            "/proc/self/mountinfo",
            OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .ok();
        let ready = epoll::create(epoll::CreateFlags::CLOEXEC).ok()?;
        epoll::add(&ready, &inotify, EventData::new_u64(0), EventFlags::IN).ok()?;
        if let Some(m) = &mounts {
            // The mount table's changes read as "priority data" (proc(5)).
            epoll::add(&ready, m, EventData::new_u64(1), EventFlags::PRI).ok()?;
        }
        let bell = (!SHARED_MEMORY.load(Ordering::SeqCst))
            .then(|| Doorbell::new(ready.as_fd(), libc::POLLIN as u32))
            .flatten()
            .map(|b| {
                let id = BELLS.fetch_add(1, Ordering::Relaxed) + 1;
                ARMED.set(id);
                (b, id)
            });
        Some(State {
            bell,
            inotify,
            ready,
            _mounts: mounts,
            watched: HashSet::new(),
            wds: HashMap::new(),
        })
    }

    fn watch(&mut self, dir: BorrowedFd, id: HostId) -> bool {
        let path = format!("/proc/self/fd/{}", dir.as_raw_fd());
        match inotify::add_watch(&self.inotify, path.as_str(), watch_mask()) {
            Ok(wd) => {
                self.watched.insert(id);
                self.wds.insert(wd, id);
                true
            }
            Err(_) => false,
        }
    }

    /// Whether anything relevant was reported since the last look; reads
    /// the inotify queue empty.
    fn changed(&mut self) -> bool {
        if self.bell.as_ref().is_some_and(|(_, id)| ARMED.get() != *id) {
            // Another thread walks: it may learn of a change before the bell
            // rings, and tell the thread that armed it.
            memory_shared();
        }
        if SHARED_MEMORY.load(Ordering::SeqCst) {
            self.bell = None;
        }
        if let Some((bell, _)) = self.bell.as_mut() {
            if !bell.rang() {
                return false;
            }
            // What rings from now on is looked at next time.
            if !bell.answer() {
                self.bell = None;
            }
        }
        let mut buf = [std::mem::MaybeUninit::<epoll::Event>::uninit(); 2];
        let zero = rustix::time::Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        let Ok((events, _)) = epoll::wait(&self.ready, &mut buf, Some(&zero)) else {
            return true;
        };
        let mut changed = false;
        for e in events.iter() {
            if e.data.u64() == 1 {
                changed = true;
            } else {
                changed |= self.drain();
            }
        }
        changed
    }

    /// Reads every queued event; true if one concerns a directory.
    fn drain(&mut self) -> bool {
        let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 4096];
        let mut changed = false;
        let mut gone = Vec::new();
        {
            let mut r = inotify::Reader::new(self.inotify.as_fd(), &mut buf);
            loop {
                match r.next() {
                    Ok(ev) => {
                        let flags = ev.events();
                        changed |= relevant(flags);
                        if flags.contains(ReadFlags::IGNORED) {
                            gone.push(ev.wd());
                        }
                    }
                    Err(rustix::io::Errno::INTR) => continue,
                    Err(rustix::io::Errno::AGAIN) => break,
                    Err(_) => {
                        changed = true;
                        break;
                    }
                }
            }
        }
        for wd in gone {
            if let Some(id) = self.wds.remove(&wd) {
                self.watched.remove(&id);
            }
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_fd(p: &std::path::Path) -> (OwnedFd, HostId) {
        let fd = rustix::fs::open(p, OFlags::PATH | OFlags::DIRECTORY, Mode::empty()).unwrap();
        let id = crate::dircache::host_id(&rustix::fs::fstat(&fd).unwrap());
        (fd, id)
    }

    // A State of its own: the process's is shared with the other tests.
    #[test]
    fn directories_going_are_changes_files_going_are_not() {
        let tmp = tempfile::tempdir().unwrap();
        let mut s = State::new().expect("inotify");
        let (fd, id) = dir_fd(tmp.path());
        assert!(s.watch(fd.as_fd(), id));
        std::fs::create_dir(tmp.path().join("d")).unwrap();
        std::fs::write(tmp.path().join("f"), b"x").unwrap();
        assert!(!s.changed(), "names arriving are not watched");

        std::fs::rename(tmp.path().join("f"), tmp.path().join("g")).unwrap();
        std::fs::remove_file(tmp.path().join("g")).unwrap();
        assert!(!s.changed(), "a file's name going is not a change");

        std::fs::rename(tmp.path().join("d"), tmp.path().join("e")).unwrap();
        assert!(s.changed(), "a directory renamed");
        assert!(!s.changed(), "reported once");

        std::fs::remove_dir(tmp.path().join("e")).unwrap();
        assert!(s.changed(), "a directory removed");

        // The watched directory itself going: its watch ends.
        drop(fd);
        let path = tmp.path().to_path_buf();
        drop(tmp);
        assert!(!path.exists());
        assert!(s.changed(), "the watched directory removed");
        assert!(!s.watched.contains(&id));
    }
}
