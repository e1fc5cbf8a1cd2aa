//! The Linux fd table: lowest-free allocation, close-on-exec per fd, and open
//! files shared between dups (so dups share the offset, as in Linux).

use super::from_host;
use crate::state::lock;
use crate::SysResult;
use abi::Errno;
use platform::{host, Trap};
use std::sync::{Arc, Mutex};

/// An open file description, shared by dups. Either a plain host fd (stdio,
/// pipes) or a kernel chan from the namespace; a chan whose device keeps a
/// host fd (host directories, copy-on-write layers) exposes it as `host`, so
/// the data path goes straight to the host for both.
pub struct OpenFile {
    /// The host fd for data-path calls, or -1 when the chan has none.
    pub host: i32,
    /// Whether `host` is ours to close (a chan closes its own).
    owns_host: bool,
    pub chan: Option<kernel::Chan>,
    /// Linux status flags recorded for chans (O_APPEND, O_NONBLOCK, access mode).
    pub flags: Mutex<u32>,
    /// getdents64's position in the directory listing.
    pub dir_pos: Mutex<u64>,
    /// For a chan without a host fd: its stat when opened, so fstat still
    /// answers after the file is removed (as Linux does, with nlink 0).
    pub snapshot: Option<abi::structs::Stat>,
    /// F_NOTIFY on a directory without a host fd: a host fd of its host
    /// directory carrying the dnotify request, for as long as this file.
    notify: Mutex<Option<std::os::fd::OwnedFd>>,
}

impl std::fmt::Debug for OpenFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenFile")
            .field("host", &self.host)
            .field("chan", &self.chan)
            .finish()
    }
}

impl OpenFile {
    /// A plain host fd, owned.
    pub fn host(host: i32) -> OpenFile {
        OpenFile {
            host,
            owns_host: true,
            chan: None,
            flags: Mutex::new(0),
            dir_pos: Mutex::new(0),
            snapshot: None,
            notify: Mutex::new(None),
        }
    }

    /// A kernel chan, with its host fd if it has one.
    pub fn chan(chan: kernel::Chan, flags: u32) -> OpenFile {
        use std::os::fd::AsRawFd;
        let host = chan.host_fd().map_or(-1, |fd| fd.as_raw_fd());
        OpenFile {
            host,
            owns_host: false,
            chan: Some(chan),
            flags: Mutex::new(flags),
            dir_pos: Mutex::new(0),
            snapshot: None,
            notify: Mutex::new(None),
        }
    }
}

impl Drop for OpenFile {
    fn drop(&mut self) {
        if self.owns_host {
            host::close(self.host);
        }
    }
}

#[derive(Debug, Clone)]
struct Slot {
    file: Arc<OpenFile>,
    cloexec: bool,
}

/// Linux's default RLIMIT_NOFILE soft limit bounds the table.
const MAX_FDS: usize = 1024;

/// One past the highest fd the guest may open now: RLIMIT_NOFILE's soft
/// limit, within the table's size (as Linux's fd allocation honours it).
fn max_fds() -> usize {
    crate::state::try_process().map_or(MAX_FDS, |p| {
        let cur = lock(&p.rlimits)[libc::RLIMIT_NOFILE as usize].rlim_cur;
        usize::try_from(cur).unwrap_or(MAX_FDS).min(MAX_FDS)
    })
}

static FDS: Mutex<Vec<Option<Slot>>> = Mutex::new(Vec::new());

/// Host fds for ninux's copies sit high, out of the way of the host's own stdio.
const HOST_FD_BASE: i32 = 100;

/// The host fds above stdio that ninux was started with (`3<file`, a
/// make jobserver, a lock a script holds), recorded before ninux opens any
/// of its own.
static INHERITED: std::sync::OnceLock<Vec<i32>> = std::sync::OnceLock::new();

/// Records which of fds 3..1024 are open; call first thing in `main`, before
/// ninux opens a file of its own. Only a first start adopts them (see
/// `init_stdio`); a re-exec'd ninux gets its table from the exec state.
pub fn remember_inherited() {
    let resuming = std::env::args_os().nth(1).is_some_and(|a| {
        a.as_encoded_bytes()
            .starts_with(crate::exec::RESUME_ARG.as_bytes())
    });
    if resuming {
        return;
    }
    let open = match host::open_fds() {
        Some(mut fds) => {
            fds.retain(|&fd| (3..MAX_FDS as i32).contains(&fd));
            fds.sort_unstable();
            fds
        }
        // No /proc: ask each number.
        None => (3..MAX_FDS as i32)
            .filter(|&fd| host::fcntl(fd, F_GETFD, 0).is_ok())
            .collect(),
    };
    let _ = INHERITED.set(open);
}

/// Gives the guest the fds ninux was started with, at the same numbers:
/// 0, 1, 2 and whatever else was inherited open. Each is a copy moved up to
/// ninux's range, so a guest that closes fd 2 does not close ninux's own
/// diagnostics channel; the inherited originals are closed so that ninux's
/// own files never sit at numbers the guest believes are its own.
pub fn init_stdio() {
    let mut fds = lock(&FDS);
    fds.clear();
    let inherited = INHERITED.get().map_or(&[][..], |v| &v[..]);
    for fd in (0..3).chain(inherited.iter().copied()) {
        let Ok(h) = host::dup_above(fd, HOST_FD_BASE) else {
            continue;
        };
        if fd > 2 {
            host::close(fd);
        }
        let i = fd as usize;
        if fds.len() <= i {
            fds.resize(i + 1, None);
        }
        fds[i] = Some(Slot {
            file: Arc::new(OpenFile::host(h)),
            cloexec: false,
        });
    }
}

/// The open file behind guest fd `fd`.
pub fn get(fd: u64) -> Result<Arc<OpenFile>, Errno> {
    let fds = lock(&FDS);
    let i = usize::try_from(fd).map_err(|_| Errno::EBADF)?;
    fds.get(i)
        .and_then(|s| s.as_ref())
        .map(|s| s.file.clone())
        .ok_or(Errno::EBADF)
}

fn install_at_or_above(
    fds: &mut Vec<Option<Slot>>,
    min: usize,
    slot: Slot,
) -> Result<usize, Errno> {
    let free = (min..max_fds())
        .find(|&i| fds.get(i).is_none_or(|s| s.is_none()))
        .ok_or(Errno::EMFILE)?;
    if fds.len() <= free {
        fds.resize(free + 1, None);
    }
    fds[free] = Some(slot);
    Ok(free)
}

/// close(2)
pub fn close(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let fd = a[0] as i32;
    let mut fds = lock(&FDS);
    let slot = usize::try_from(fd)
        .ok()
        .and_then(|i| fds.get_mut(i))
        .and_then(|s| s.take());
    drop(fds);
    // Dropping the last reference closes the host fd, outside the lock.
    slot.map(|_| 0).ok_or(Errno::EBADF)
}

/// dup(2)
pub fn dup(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let file = get(a[0])?;
    let mut fds = lock(&FDS);
    install_at_or_above(
        &mut fds,
        0,
        Slot {
            file,
            cloexec: false,
        },
    )
    .map(|fd| fd as u64)
}

/// dup2(2): like dup3 without flags, except that oldfd == newfd is a no-op check.
pub fn dup2(t: &mut Trap, a: [u64; 6]) -> SysResult {
    if a[0] == a[1] {
        return get(a[0]).map(|_| a[1]);
    }
    dup3(t, [a[0], a[1], 0, 0, 0, 0])
}

/// dup3(2)
pub fn dup3(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (old, new, flags) = (a[0], a[1] as i32, a[2] as u32);
    let cloexec = match flags {
        0 => false,
        f if f == abi::flags::OpenFlags::CLOEXEC.bits() => true,
        _ => return Err(Errno::EINVAL),
    };
    if old == new as u64 {
        return Err(Errno::EINVAL);
    }
    let file = get(old)?;
    let new = usize::try_from(new)
        .ok()
        .filter(|&n| n < max_fds())
        .ok_or(Errno::EBADF)?;
    let mut fds = lock(&FDS);
    if fds.len() <= new {
        fds.resize(new + 1, None);
    }
    let previous = fds[new].replace(Slot { file, cloexec });
    drop(fds);
    drop(previous);
    Ok(new as u64)
}

/// Installs a new host-backed open file at the lowest free guest fd.
pub fn install(host: i32, cloexec: bool) -> Result<u64, Errno> {
    install_file(OpenFile::host(host), cloexec)
}

/// Installs an open file at the lowest free guest fd.
pub fn install_file(file: OpenFile, cloexec: bool) -> Result<u64, Errno> {
    let mut fds = lock(&FDS);
    let slot = Slot {
        file: Arc::new(file),
        cloexec,
    };
    install_at_or_above(&mut fds, 0, slot).map(|fd| fd as u64)
}

/// Closes a guest fd (used to undo half-finished calls).
pub fn remove(fd: u64) {
    let slot = usize::try_from(fd)
        .ok()
        .and_then(|i| lock(&FDS).get_mut(i).and_then(|s| s.take()));
    drop(slot);
}

const CLOSE_RANGE_UNSHARE: u32 = 2;
const CLOSE_RANGE_CLOEXEC: u32 = 4;

/// close_range(2): the fd table is already private to this process, so
/// UNSHARE changes nothing.
pub fn close_range(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (first, last, flags) = (a[0] as u32, a[1] as u32, a[2] as u32);
    if flags & !(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) != 0 || first > last {
        return Err(Errno::EINVAL);
    }
    let mut fds = lock(&FDS);
    let end = (last as usize).saturating_add(1).min(fds.len());
    let mut closed = Vec::new();
    for slot in fds.iter_mut().take(end).skip(first as usize) {
        if flags & CLOSE_RANGE_CLOEXEC != 0 {
            if let Some(s) = slot.as_mut() {
                s.cloexec = true;
            }
        } else if let Some(s) = slot.take() {
            closed.push(s);
        }
    }
    drop(fds);
    drop(closed);
    Ok(0)
}

const F_GETLK: i32 = 5;
const F_SETLK: i32 = 6;
const F_SETLKW: i32 = 7;
const F_OFD_GETLK: i32 = 36;
const F_OFD_SETLK: i32 = 37;
const F_OFD_SETLKW: i32 = 38;
const F_UNLCK: i16 = 2;

/// Record locks: the host's on host-backed files; elsewhere recorded as
/// granted (the file has no other opener ninux could conflict with).
fn record_lock(t: &mut Trap, file: &OpenFile, cmd: i32, arg: u64) -> SysResult {
    let mut lock = crate::mem::In::<abi::structs::Flock>::new(arg).read()?;
    if !(0..=2).contains(&lock.l_type) {
        return Err(Errno::EINVAL);
    }
    if file.host >= 0 {
        let r = platform::uaccess::unblocked(t.sigmask(), || {
            host::fcntl_lock(file.host, cmd, &mut lock)
        });
        r.map_err(from_host)?;
    } else if matches!(cmd, F_GETLK | F_OFD_GETLK) {
        lock.l_type = F_UNLCK;
    }
    if matches!(cmd, F_GETLK | F_OFD_GETLK) {
        crate::mem::Out::new(arg).write(&lock)?;
    }
    Ok(0)
}

const F_DUPFD: i32 = 0;
const F_GETFD: i32 = 1;
const F_SETFD: i32 = 2;
const F_GETFL: i32 = 3;
const F_SETFL: i32 = 4;
const F_DUPFD_CLOEXEC: i32 = 1030;
const F_SETPIPE_SZ: i32 = 1031;
const F_GETPIPE_SZ: i32 = 1032;
const F_NOTIFY: i32 = 1026;
const F_ADD_SEALS: i32 = 1033;
const F_GET_SEALS: i32 = 1034;
const FD_CLOEXEC: u64 = 1;

/// fcntl(2)
pub fn fcntl(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, cmd, arg) = (a[0], a[1] as i32, a[2]);
    if matches!(
        cmd,
        F_GETLK | F_SETLK | F_SETLKW | F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW
    ) {
        let file = get(fd)?;
        return record_lock(t, &file, cmd, arg);
    }
    let i = usize::try_from(fd).map_err(|_| Errno::EBADF)?;
    let mut fds = lock(&FDS);
    let slot = fds
        .get_mut(i)
        .and_then(|s| s.as_mut())
        .ok_or(Errno::EBADF)?;
    match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let min = usize::try_from(arg)
                .ok()
                .filter(|&m| m < max_fds())
                .ok_or(Errno::EINVAL)?;
            let new = Slot {
                file: slot.file.clone(),
                cloexec: cmd == F_DUPFD_CLOEXEC,
            };
            install_at_or_above(&mut fds, min, new).map(|fd| fd as u64)
        }
        F_GETFD => Ok(if slot.cloexec { FD_CLOEXEC } else { 0 }),
        F_SETFD => {
            slot.cloexec = arg & FD_CLOEXEC != 0;
            Ok(0)
        }
        F_GETFL | F_SETFL if slot.file.host >= 0 && slot.file.chan.is_none() => {
            let host = slot.file.host;
            drop(fds);
            host::fcntl(host, cmd, arg).map_err(from_host)
        }
        F_GETFL => Ok(*lock(&slot.file.flags) as u64),
        // Pipe sizes are the host pipe's; anything else is EBADF, as Linux
        // says for a file that is not a pipe.
        F_SETPIPE_SZ | F_GETPIPE_SZ if slot.file.host >= 0 => {
            let host = slot.file.host;
            drop(fds);
            host::fcntl(host, cmd, arg).map_err(from_host)
        }
        F_SETPIPE_SZ | F_GETPIPE_SZ => Err(Errno::EBADF),
        // Seals are a memfd's (a host fd); other files have none to add.
        F_ADD_SEALS | F_GET_SEALS if slot.file.host >= 0 && slot.file.chan.is_none() => {
            let host = slot.file.host;
            drop(fds);
            host::fcntl(host, cmd, arg).map_err(from_host)
        }
        F_ADD_SEALS | F_GET_SEALS => Err(Errno::EINVAL),
        F_NOTIFY => {
            let file = slot.file.clone();
            drop(fds);
            notify(&file, arg)
        }
        F_SETFL => {
            // Only O_APPEND, O_NONBLOCK, O_ASYNC, O_DIRECT, O_NOATIME change.
            const CHANGEABLE: u32 = 0o2000 | 0o4000 | 0o20000 | 0o40000 | 0o1000000;
            let file = slot.file.clone();
            let mut flags = lock(&file.flags);
            *flags = (*flags & !CHANGEABLE) | (arg as u32 & CHANGEABLE);
            if file.host >= 0 {
                let _ = host::fcntl(file.host, F_SETFL, (*flags & CHANGEABLE) as u64);
            }
            Ok(0)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// F_NOTIFY (dnotify): the host watches the host directory behind the
/// file and signals this process, which the guest receives as its own
/// SIGIO (or the F_SETSIG signal). A directory with no host directory
/// behind it (a tar member, a 9P directory) is EINVAL, as a kernel without
/// dnotify answers.
fn notify(file: &OpenFile, arg: u64) -> SysResult {
    if let Some(chan) = &file.chan {
        if !chan.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if file.host < 0 {
            let path = chan.node().host_path(true).ok_or(Errno::EINVAL)?;
            let mut held = lock(&file.notify);
            if held.is_none() {
                *held = Some(host::open_directory(&path).map_err(from_host)?);
            }
            let fd = held
                .as_ref()
                .map(std::os::fd::AsRawFd::as_raw_fd)
                .unwrap_or(-1);
            return host::fcntl(fd, F_NOTIFY, arg).map_err(from_host);
        }
    }
    host::fcntl(file.host, F_NOTIFY, arg).map_err(from_host)
}

/// One guest fd as execve hands it on: the fd table survives an exec,
/// close-on-exec fds excepted (execve(2)).
#[derive(Debug, Clone)]
pub struct Exported {
    pub guest: usize,
    /// Which open file: dups share one, and must share it after the exec too.
    pub file: usize,
    /// The host fd, or -1 for a chan without one.
    pub host: i32,
    pub cloexec: bool,
    /// A chan's namespace path, to reopen it in the new image.
    pub path: Option<String>,
    /// Linux status flags recorded for a chan.
    pub flags: u32,
    /// A chan's offset (a host fd keeps its own, shared through the host).
    pub offset: u64,
}

/// Closes every close-on-exec fd: execve in place.
pub fn close_on_exec() {
    let mut fds = lock(&FDS);
    let closed: Vec<Slot> = fds
        .iter_mut()
        .filter(|s| s.as_ref().is_some_and(|s| s.cloexec))
        .filter_map(Option::take)
        .collect();
    drop(fds);
    // Dropping the last references closes host fds, outside the lock.
    drop(closed);
}

/// The fd table as execve needs it, in guest fd order.
pub fn export() -> Vec<Exported> {
    let fds = lock(&FDS);
    let mut files: Vec<*const OpenFile> = Vec::new();
    let mut out = Vec::new();
    for (guest, slot) in fds.iter().enumerate() {
        let Some(s) = slot else { continue };
        let ptr = Arc::as_ptr(&s.file);
        let file = files.iter().position(|&p| p == ptr).unwrap_or_else(|| {
            files.push(ptr);
            files.len() - 1
        });
        out.push(Exported {
            guest,
            file,
            host: s.file.host,
            cloexec: s.cloexec,
            path: s.file.chan.as_ref().map(|c| c.name.clone()),
            flags: *lock(&s.file.flags),
            offset: s.file.chan.as_ref().map_or(0, |c| *lock(&c.offset)),
        });
    }
    out
}

impl OpenFile {
    /// A file inherited across a re-exec: the host fd the old image passed
    /// on (owned here, and still the same open description, so offsets stay
    /// shared with the other processes holding it) and the chan reopened
    /// from the namespace, when it has one.
    pub fn inherited(host: i32, chan: Option<kernel::Chan>, flags: u32) -> OpenFile {
        OpenFile {
            host,
            owns_host: host >= 0,
            chan,
            flags: Mutex::new(flags),
            dir_pos: Mutex::new(0),
            snapshot: None,
            notify: Mutex::new(None),
        }
    }
}

/// Gives a re-exec'd process the fd table it inherited: (guest fd, file).
pub fn restore(slots: Vec<(usize, Arc<OpenFile>)>) {
    let mut fds = lock(&FDS);
    fds.clear();
    for (guest, file) in slots {
        if guest >= MAX_FDS {
            continue;
        }
        if fds.len() <= guest {
            fds.resize(guest + 1, None);
        }
        fds[guest] = Some(Slot {
            file,
            cloexec: false,
        });
    }
}
