//! The syscall table: every x86-64 Linux syscall with its handler, support
//! level and a note. Dispatch, tracing, `ninux syscalls` and `ninux scan` all
//! read this table; nothing else switches on syscall numbers.

use crate::{fs, mm, process, signal, sys, SysResult};
use abi::{nr, Errno};
use platform::Trap;
use std::sync::LazyLock;

/// A handler: the trap (for registers and the signal mask) and the six raw
/// arguments, which the handler decodes in its first lines.
pub type Handler = fn(&mut Trap, [u64; 6]) -> SysResult;

/// How completely ninux implements a syscall.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// As the man page says, error cases included.
    Full,
    /// The common uses work; the note says what does not.
    Partial,
    /// Deliberately answers this errno, as a kernel without the feature would.
    Stub(Errno),
    /// Not implemented: ENOSYS, with a one-time warning.
    Absent,
}

impl Support {
    pub fn label(self) -> &'static str {
        match self {
            Support::Full => "full",
            Support::Partial => "partial",
            Support::Stub(_) => "stub",
            Support::Absent => "absent",
        }
    }
}

/// One row of the table.
#[derive(Clone, Copy)]
pub struct Entry {
    pub nr: u32,
    pub name: &'static str,
    pub handler: Option<Handler>,
    pub support: Support,
    /// How many arguments the syscall takes (for traces).
    pub nargs: u8,
    pub note: &'static str,
}

use Support::*;

macro_rules! rows {
    ($( $name:ident : $handler:expr, $support:expr, $nargs:expr, $note:expr; )*) => {
        &[ $( Entry {
            nr: nr::$name,
            name: stringify!($name),
            handler: $handler,
            support: $support,
            nargs: $nargs,
            note: $note,
        } ),* ]
    };
}

/// The implemented and deliberately stubbed syscalls; every other number is Absent.
const ROWS: &[Entry] = rows! {
    read: Some(fs::read_write::read), Full, 3, "host-backed fds go straight to the host fd";
    write: Some(fs::read_write::write), Full, 3, "host-backed fds go straight to the host fd";
    readv: Some(fs::read_write::readv), Full, 3, "";
    writev: Some(fs::read_write::writev), Full, 3, "";
    pread64: Some(fs::read_write::pread64), Full, 4, "";
    pwrite64: Some(fs::read_write::pwrite64), Full, 4, "";
    lseek: Some(fs::read_write::lseek), Full, 3, "";
    close: Some(fs::fd::close), Full, 1, "";
    dup: Some(fs::fd::dup), Full, 1, "";
    dup2: Some(fs::fd::dup2), Full, 2, "";
    dup3: Some(fs::fd::dup3), Full, 3, "";
    fcntl: Some(fs::fd::fcntl), Partial, 3, "DUPFD, DUPFD_CLOEXEC, GETFD, SETFD, GETFL, SETFL; record locks on host-backed files, granted elsewhere";
    open: Some(fs::open::open), Partial, 3, "through the namespace; O_TMPFILE is EOPNOTSUPP";
    openat: Some(fs::open::openat), Partial, 4, "through the namespace; O_TMPFILE is EOPNOTSUPP";
    openat2: Some(fs::open::openat2), Partial, 4, "RESOLVE_* flags are EOPNOTSUPP";
    creat: Some(fs::open::creat), Full, 2, "";
    fstat: Some(fs::stat::fstat), Full, 2, "host-backed files: the host's stat; others from the 9P stat record";
    stat: Some(fs::stat::stat), Full, 2, "";
    lstat: Some(fs::stat::lstat), Full, 2, "";
    newfstatat: Some(fs::stat::newfstatat), Full, 4, "";
    statx: Some(fs::stat::statx), Partial, 5, "STATX_BASIC_STATS only; no birth time";
    getdents64: Some(fs::dir::getdents64), Full, 3, "union duplicates dropped; . and .. first";
    getcwd: Some(fs::dir::getcwd), Full, 2, "";
    chdir: Some(fs::dir::chdir), Full, 1, "";
    fchdir: Some(fs::dir::fchdir), Full, 1, "";
    mkdir: Some(fs::dir::mkdir), Full, 2, "";
    mkdirat: Some(fs::dir::mkdirat), Full, 3, "";
    rmdir: Some(fs::dir::rmdir), Full, 1, "";
    unlink: Some(fs::dir::unlink), Full, 1, "";
    unlinkat: Some(fs::dir::unlinkat), Full, 3, "";
    rename: Some(fs::dir::rename), Full, 2, "";
    renameat: Some(fs::dir::renameat), Full, 4, "";
    renameat2: Some(fs::dir::renameat2), Partial, 5, "RENAME_NOREPLACE; RENAME_EXCHANGE is EINVAL";
    symlink: Some(fs::dir::symlink), Full, 2, "9P2000.u DMSYMLINK";
    symlinkat: Some(fs::dir::symlinkat), Full, 3, "";
    link: Some(fs::dir::link), Partial, 2, "within one device";
    linkat: Some(fs::dir::linkat), Partial, 5, "within one device";
    access: Some(fs::dir::access), Full, 2, "";
    truncate: Some(fs::attr::truncate), Full, 2, "wstat of the length";
    ftruncate: Some(fs::attr::ftruncate), Full, 2, "";
    chmod: Some(fs::attr::chmod), Full, 2, "wstat of the mode";
    fchmod: Some(fs::attr::fchmod), Full, 2, "";
    fchmodat: Some(fs::attr::fchmodat), Full, 3, "";
    fsync: Some(fs::attr::fsync), Full, 1, "";
    fdatasync: Some(fs::attr::fsync), Full, 1, "as fsync";
    sync: Some(fs::attr::sync), Full, 0, "";
    syncfs: Some(fs::attr::syncfs), Full, 1, "";
    chown: Some(fs::attr::chown), Partial, 3, "numeric ids through 9P2000.u wstat; devices may refuse";
    lchown: Some(fs::attr::lchown), Partial, 3, "as chown";
    fchown: Some(fs::attr::fchown), Partial, 3, "as chown";
    fchownat: Some(fs::attr::fchownat), Partial, 5, "as chown";
    utimensat: Some(fs::attr::utimensat), Full, 4, "nanoseconds on host-backed files; whole seconds through wstat elsewhere";
    futimesat: Some(fs::attr::futimesat), Full, 3, "";
    utimes: Some(fs::attr::utimes), Full, 2, "";
    fallocate: Some(fs::attr::fallocate), Partial, 4, "mode 0 everywhere; other modes on host-backed files only";
    flock: Some(fs::attr::flock), Partial, 2, "host locks on host-backed files; always granted elsewhere";
    statfs: Some(fs::stat::statfs), Full, 2, "the host's file system for host-backed files, V9FS_MAGIC elsewhere";
    fstatfs: Some(fs::stat::fstatfs), Full, 2, "as statfs";
    close_range: Some(fs::fd::close_range), Full, 3, "";
    preadv: Some(fs::read_write::preadv), Full, 5, "";
    pwritev: Some(fs::read_write::pwritev), Full, 5, "";
    preadv2: Some(fs::read_write::preadv2), Partial, 6, "flags must be 0";
    pwritev2: Some(fs::read_write::pwritev2), Partial, 6, "flags must be 0";
    sendfile: Some(fs::xfer::sendfile), Full, 4, "through a ninux buffer";
    copy_file_range: Some(fs::xfer::copy_file_range), Full, 6, "through a ninux buffer";
    faccessat: Some(fs::dir::faccessat), Full, 3, "";
    faccessat2: Some(fs::dir::faccessat2), Full, 4, "";
    ioctl: Some(fs::ioctl::ioctl), Partial, 3, "TCGETS, TCSETS*, TIOCGWINSZ, TIOCSWINSZ, TIOCGPGRP, FIONREAD, FIOCLEX, FIONCLEX; others ENOTTY";
    readlink: Some(fs::dir::readlink), Full, 3, "/proc/self/exe names the guest program";
    readlinkat: Some(fs::dir::readlinkat), Full, 4, "/proc/self/exe names the guest program";
    brk: Some(mm::brk::brk), Full, 1, "grows inside a reservation placed after the image";
    mmap: Some(mm::mmap::mmap), Partial, 6, "anonymous and host-backed fds; MAP_FIXED over ninux's own memory is ENOMEM";
    munmap: Some(mm::mmap::munmap), Full, 2, "";
    mprotect: Some(mm::mmap::mprotect), Full, 3, "";
    mremap: Some(mm::mmap::mremap), Full, 5, "";
    madvise: Some(mm::mmap::madvise), Full, 3, "";
    arch_prctl: Some(process::arch::arch_prctl), Partial, 2, "ARCH_SET_FS, ARCH_GET_FS; GS belongs to ninux (EINVAL)";
    prctl: Some(process::arch::prctl), Partial, 5, "PR_SET_NAME, PR_GET_NAME; others EINVAL";
    set_tid_address: Some(process::thread::set_tid_address), Full, 1, "emulated: the host's glibc owns the real one";
    set_robust_list: Some(process::thread::set_robust_list), Partial, 2, "recorded; robust futexes are not released at thread death";
    get_robust_list: Some(process::thread::get_robust_list), Partial, 3, "the calling thread only";
    rseq: None, Stub(Errno::ENOSYS), 4, "not offered: glibc runs without restartable sequences";
    clone: Some(process::thread::clone), Partial, 5, "threads (CLONE_VM|CLONE_THREAD) as host threads; fork-like clones come with processes";
    clone3: Some(process::thread::clone3), Partial, 2, "threads, as clone";
    exit: Some(process::thread::exit), Full, 1, "";
    exit_group: Some(process::thread::exit_group), Full, 1, "";
    futex: Some(process::thread::futex), Full, 6, "passed to the host kernel: guest and host share one address space";
    gettid: Some(process::ids::gettid), Full, 0, "";
    getpid: Some(process::ids::getpid), Full, 0, "";
    getppid: Some(process::ids::getppid), Full, 0, "";
    getuid: Some(process::ids::getuid), Full, 0, "";
    geteuid: Some(process::ids::geteuid), Full, 0, "";
    getgid: Some(process::ids::getgid), Full, 0, "";
    getegid: Some(process::ids::getegid), Full, 0, "";
    getresuid: Some(process::ids::getresuid), Full, 3, "";
    getresgid: Some(process::ids::getresgid), Full, 3, "";
    getpgrp: Some(process::ids::getpgrp), Full, 0, "";
    getpgid: Some(process::ids::getpgid), Full, 1, "";
    getsid: Some(process::ids::getsid), Full, 1, "";
    rt_sigaction: Some(signal::action::rt_sigaction), Full, 4, "the host's disposition follows: ignored stays ignored, caught signals are delivered to guest handlers";
    rt_sigreturn: Some(signal::deliver::rt_sigreturn), Full, 0, "restores registers, FP state, mask and alternate stack from the guest's rt_sigframe";
    rt_sigprocmask: Some(signal::action::rt_sigprocmask), Full, 4, "edits the mask restored at the end of the trap; SIGSYS stays deliverable to ninux";
    rt_sigpending: Some(signal::wait::rt_sigpending), Full, 2, "the host kernel holds pending signals";
    rt_sigsuspend: Some(signal::wait::rt_sigsuspend), Full, 2, "";
    rt_sigtimedwait: Some(signal::wait::rt_sigtimedwait), Full, 4, "";
    rt_sigqueueinfo: Some(signal::kill::rt_sigqueueinfo), Full, 3, "";
    rt_tgsigqueueinfo: Some(signal::kill::rt_tgsigqueueinfo), Full, 4, "";
    pause: Some(signal::wait::pause), Full, 0, "";
    alarm: Some(signal::timer::alarm), Full, 1, "the host's timer";
    setitimer: Some(signal::timer::setitimer), Full, 3, "the host's timers; virtual and profiling time include ninux's own";
    getitimer: Some(signal::timer::getitimer), Full, 2, "";
    sigaltstack: Some(signal::action::sigaltstack), Full, 2, "used for SA_ONSTACK delivery; SS_AUTODISARM";
    pipe: Some(fs::pipe::pipe), Full, 1, "host pipes";
    pipe2: Some(fs::pipe::pipe2), Full, 2, "host pipes; O_CLOEXEC, O_NONBLOCK, O_DIRECT";
    kill: Some(signal::kill::kill), Full, 2, "host signals, to itself too: the host keeps them pending and ninux delivers them";
    tgkill: Some(signal::kill::tgkill), Full, 3, "as kill";
    tkill: Some(signal::kill::tkill), Full, 2, "as kill";
    wait4: Some(process::wait::wait4), Partial, 4, "host children; WNOHANG, WUNTRACED, WCONTINUED, __WALL";
    fork: Some(process::thread::fork), Partial, 0, "a real host fork; processes are the next step";
    vfork: Some(process::thread::vfork), Partial, 0, "as fork: the parent does not wait for exec";
    uname: Some(sys::info::uname), Full, 1, "the host's, as Linux would report it";
    sysinfo: Some(sys::info::sysinfo), Full, 1, "the host's";
    getrandom: Some(sys::info::getrandom), Full, 3, "";
    prlimit64: Some(sys::info::prlimit64), Partial, 4, "this process only; limits recorded, not enforced";
    getrlimit: Some(sys::info::getrlimit), Full, 2, "";
    setrlimit: Some(sys::info::setrlimit), Partial, 2, "recorded, not enforced";
    sched_getaffinity: Some(sys::info::sched_getaffinity), Full, 3, "the host's";
    sched_yield: Some(sys::info::sched_yield), Full, 0, "";
    getcpu: Some(sys::info::getcpu), Full, 3, "";
    umask: Some(sys::info::umask), Full, 1, "";
    clock_gettime: Some(sys::time::clock_gettime), Full, 2, "usually answered by the vDSO without a trap";
    clock_getres: Some(sys::time::clock_getres), Full, 2, "";
    gettimeofday: Some(sys::time::gettimeofday), Full, 2, "";
    time: Some(sys::time::time), Full, 1, "";
    nanosleep: Some(sys::time::nanosleep), Full, 2, "EINTR with the time left when a handler runs";
    clock_nanosleep: Some(sys::time::clock_nanosleep), Full, 4, "as nanosleep";
};

/// Every syscall, ascending by number.
pub static TABLE: LazyLock<Vec<Entry>> = LazyLock::new(|| {
    abi::SYSCALLS
        .iter()
        .map(|&(number, name)| {
            ROWS.iter()
                .find(|r| r.nr == number)
                .copied()
                .unwrap_or(Entry {
                    nr: number,
                    name,
                    handler: None,
                    support: Absent,
                    nargs: 6,
                    note: "",
                })
        })
        .collect()
});

/// Index by number for dispatch (numbers run to about 460).
static BY_NUMBER: LazyLock<Vec<Option<u16>>> = LazyLock::new(|| {
    let max = TABLE.iter().map(|e| e.nr).max().unwrap_or(0) as usize;
    let mut index = vec![None; max + 1];
    for (i, e) in TABLE.iter().enumerate() {
        index[e.nr as usize] = Some(i as u16);
    }
    index
});

/// The table row of syscall `number`.
pub fn lookup(number: u64) -> Option<&'static Entry> {
    let i = (*BY_NUMBER.get(usize::try_from(number).ok()?)?)?;
    TABLE.get(i as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_named_like_linux_and_unique() {
        for r in ROWS {
            assert_eq!(abi::syscall_name(r.nr as u64), Some(r.name));
            assert_eq!(
                ROWS.iter().filter(|o| o.nr == r.nr).count(),
                1,
                "{} twice",
                r.name
            );
            assert!(
                r.handler.is_some() || matches!(r.support, Stub(_)),
                "{} has no handler",
                r.name
            );
        }
    }

    #[test]
    fn every_syscall_is_listed() {
        assert_eq!(TABLE.len(), abi::SYSCALLS.len());
        assert_eq!(lookup(0).unwrap().name, "read");
        assert_eq!(lookup(257).unwrap().name, "openat");
        assert!(lookup(600).is_none());
        assert!(lookup(u64::MAX).is_none());
    }
}
