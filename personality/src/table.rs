//! The syscall table: every x86-64 Linux syscall with its handler, support
//! level and a note. Dispatch, tracing, `ninux syscalls` and `ninux scan` all
//! read this table; nothing else switches on syscall numbers.

pub use crate::trace::{Arg, Ret};
use crate::{fs, mm, net, process, signal, sys, SysResult};
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
    /// What each argument is, for traces: as many as the syscall takes.
    pub args: &'static [Arg],
    /// How traces show a successful result.
    pub ret: Ret,
    pub note: &'static str,
}

use Arg::*;
use Support::*;

/// `name: handler, support, [arg specs] (-> Ptr)?, note;` — `-> Ptr` for
/// calls whose result is an address, shown in hex.
macro_rules! rows {
    ($( $name:ident : $handler:expr, $support:expr, [$($arg:expr),*] $(-> $ret:ident)?, $note:expr; )*) => {
        &[ $( Entry {
            nr: nr::$name,
            name: stringify!($name),
            handler: $handler,
            support: $support,
            args: &[$($arg),*],
            ret: rows!(@ret $($ret)?),
            note: $note,
        } ),* ]
    };
    (@ret) => { Ret::Int };
    (@ret $ret:ident) => { Ret::$ret };
}

/// The implemented and deliberately stubbed syscalls; every other number is Absent.
const ROWS: &[Entry] = rows! {
    read: Some(fs::read_write::read), Full, [Fd, OutBuf(2), Size], "host-backed fds go straight to the host fd";
    write: Some(fs::read_write::write), Full, [Fd, Buf(2), Size], "host-backed fds go straight to the host fd";
    readv: Some(fs::read_write::readv), Full, [Fd, Struct("iovec"), Int], "";
    writev: Some(fs::read_write::writev), Full, [Fd, Struct("iovec"), Int], "";
    pread64: Some(fs::read_write::pread64), Full, [Fd, OutBuf(2), Size, Off], "";
    pwrite64: Some(fs::read_write::pwrite64), Full, [Fd, Buf(2), Size, Off], "";
    lseek: Some(fs::read_write::lseek), Full, [Fd, Off, Whence], "";
    close: Some(fs::fd::close), Full, [Fd], "";
    dup: Some(fs::fd::dup), Full, [Fd], "";
    dup2: Some(fs::fd::dup2), Full, [Fd, Fd], "";
    dup3: Some(fs::fd::dup3), Full, [Fd, Fd, OpenFlags], "";
    inotify_init: Some(fs::inotify::inotify_init), Full, [], "as inotify_init1";
    inotify_init1: Some(fs::inotify::inotify_init1), Full, [Hex], "a host inotify instance";
    inotify_add_watch: Some(fs::inotify::inotify_add_watch), Partial, [Fd, Path, Hex], "watches the host file behind the path (a copy-on-write directory's upper copy); files without one get a watch that never reports";
    inotify_rm_watch: Some(fs::inotify::inotify_rm_watch), Full, [Fd, Int], "";
    memfd_create: Some(fs::memfd::memfd_create), Full, [Str, Hex], "a host memfd: reads, writes, mmap, seals and its /proc/self/fd name are the host's";
    fcntl: Some(fs::fd::fcntl), Partial, [Fd, FcntlCmd, Hex], "DUPFD, DUPFD_CLOEXEC, GETFD, SETFD, GETFL, SETFL, GETPIPE_SZ, SETPIPE_SZ, ADD_SEALS, GET_SEALS (memfds), NOTIFY (directories with a host directory); record locks on host-backed files, granted elsewhere";
    open: Some(fs::open::open), Partial, [Path, OpenFlags, OpenMode], "through the namespace; /proc/self/fd/N, /dev/fd/N, /dev/std* reopen the fd's file (magic links; a file reopened for writing goes through its device, so an unlinked one is ENOENT); O_TMPFILE is EOPNOTSUPP";
    openat: Some(fs::open::openat), Partial, [Dirfd, Path, OpenFlags, OpenMode], "as open";
    openat2: Some(fs::open::openat2), Partial, [Dirfd, Path, Struct("open_how"), Size], "RESOLVE_* flags are EOPNOTSUPP";
    creat: Some(fs::open::creat), Full, [Path, Mode], "";
    fstat: Some(fs::stat::fstat), Full, [Fd, Struct("stat")], "host-backed files: the host's stat; others from the 9P stat record";
    stat: Some(fs::stat::stat), Full, [Path, Struct("stat")], "";
    lstat: Some(fs::stat::lstat), Full, [Path, Struct("stat")], "";
    newfstatat: Some(fs::stat::newfstatat), Full, [Dirfd, Path, Struct("stat"), AtFlags], "";
    statx: Some(fs::stat::statx), Partial, [Dirfd, Path, AtFlags, Hex, Struct("statx")], "STATX_BASIC_STATS only; no birth time";
    getdents64: Some(fs::dir::getdents64), Full, [Fd, Struct("linux_dirent64"), Size], "union duplicates dropped; . and .. first";
    getcwd: Some(fs::dir::getcwd), Full, [OutBuf(1), Size], "";
    chdir: Some(fs::dir::chdir), Full, [Path], "";
    fchdir: Some(fs::dir::fchdir), Full, [Fd], "";
    chroot: Some(fs::dir::chroot), Partial, [Path], "a bind of the directory over / in the process's namespace; the working directory's path is then looked up in the new root";
    mkdir: Some(fs::dir::mkdir), Full, [Path, Mode], "";
    mkdirat: Some(fs::dir::mkdirat), Full, [Dirfd, Path, Mode], "";
    rmdir: Some(fs::dir::rmdir), Full, [Path], "";
    unlink: Some(fs::dir::unlink), Full, [Path], "";
    unlinkat: Some(fs::dir::unlinkat), Full, [Dirfd, Path, AtFlags], "";
    rename: Some(fs::dir::rename), Full, [Path, Path], "";
    renameat: Some(fs::dir::renameat), Full, [Dirfd, Path, Dirfd, Path], "";
    renameat2: Some(fs::dir::renameat2), Partial, [Dirfd, Path, Dirfd, Path, Uint], "RENAME_NOREPLACE; RENAME_EXCHANGE on host directories and on the copy-on-write layer (there a directory of the lower layer is EXDEV, as on overlayfs), EINVAL on 9P mounts; RENAME_WHITEOUT is EINVAL";
    symlink: Some(fs::dir::symlink), Full, [Path, Path], "9P2000.u DMSYMLINK";
    symlinkat: Some(fs::dir::symlinkat), Full, [Path, Dirfd, Path], "";
    mknod: Some(fs::dir::mknod), Partial, [Path, Mode, Hex], "FIFOs, sockets, device nodes and regular files as the device allows (9P2000.u types)";
    mknodat: Some(fs::dir::mknodat), Partial, [Dirfd, Path, Mode, Hex], "as mknod";
    link: Some(fs::dir::link), Partial, [Path, Path], "within one device";
    linkat: Some(fs::dir::linkat), Partial, [Dirfd, Path, Dirfd, Path, AtFlags], "within one device";
    access: Some(fs::dir::access), Full, [Path, Int], "the real ids decide (see setuid)";
    truncate: Some(fs::attr::truncate), Full, [Path, Off], "wstat of the length";
    ftruncate: Some(fs::attr::ftruncate), Full, [Fd, Off], "";
    chmod: Some(fs::attr::chmod), Full, [Path, Mode], "wstat of the mode";
    fchmod: Some(fs::attr::fchmod), Full, [Fd, Mode], "";
    fchmodat: Some(fs::attr::fchmodat), Full, [Dirfd, Path, Mode], "";
    fsync: Some(fs::attr::fsync), Full, [Fd], "";
    fdatasync: Some(fs::attr::fsync), Full, [Fd], "as fsync";
    readahead: Some(fs::attr::readahead), Full, [Fd, Off, Size], "the host's for host-backed files; a hint taken as done for others";
    sync_file_range: Some(fs::attr::sync_file_range), Full, [Fd, Off, Off, Hex], "the host's for host-backed files";
    splice: Some(fs::xfer::splice), Full, [Fd, Ptr, Fd, Ptr, Size, Hex], "the host's between host fds; through ninux for a file without one";
    tee: Some(fs::xfer::tee), Full, [Fd, Fd, Size, Hex], "the host's: pipes are host pipes";
    fadvise64: Some(fs::attr::fadvise64), Partial, [Fd, Off, Size, Int], "checked, then ignored: advice is a hint";
    sync: Some(fs::attr::sync), Full, [], "";
    syncfs: Some(fs::attr::syncfs), Full, [Fd], "";
    chown: Some(fs::attr::chown), Partial, [Path, Int, Int], "numeric ids through 9P2000.u wstat; devices may refuse";
    lchown: Some(fs::attr::lchown), Partial, [Path, Int, Int], "as chown";
    fchown: Some(fs::attr::fchown), Partial, [Fd, Int, Int], "as chown";
    fchownat: Some(fs::attr::fchownat), Partial, [Dirfd, Path, Int, Int, AtFlags], "as chown";
    utimensat: Some(fs::attr::utimensat), Full, [Dirfd, Path, Struct("timespec[2]"), AtFlags], "nanoseconds on host-backed files; whole seconds through wstat elsewhere";
    futimesat: Some(fs::attr::futimesat), Full, [Dirfd, Path, Struct("timeval[2]")], "";
    utimes: Some(fs::attr::utimes), Full, [Path, Struct("timeval[2]")], "";
    fallocate: Some(fs::attr::fallocate), Partial, [Fd, Int, Off, Off], "mode 0 everywhere; other modes on host-backed files only";
    flock: Some(fs::attr::flock), Partial, [Fd, Int], "host locks on host-backed files; always granted elsewhere";
    statfs: Some(fs::stat::statfs), Full, [Path, Struct("statfs")], "the host's file system for host-backed files, V9FS_MAGIC elsewhere";
    fstatfs: Some(fs::stat::fstatfs), Full, [Fd, Struct("statfs")], "as statfs";
    close_range: Some(fs::fd::close_range), Full, [Uint, Uint, Uint], "";
    preadv: Some(fs::read_write::preadv), Full, [Fd, Struct("iovec"), Int, Off, Off], "";
    pwritev: Some(fs::read_write::pwritev), Full, [Fd, Struct("iovec"), Int, Off, Off], "";
    preadv2: Some(fs::read_write::preadv2), Partial, [Fd, Struct("iovec"), Int, Off, Off, Hex], "flags must be 0";
    pwritev2: Some(fs::read_write::pwritev2), Partial, [Fd, Struct("iovec"), Int, Off, Off, Hex], "flags must be 0";
    sendfile: Some(fs::xfer::sendfile), Full, [Fd, Fd, Struct("off_t"), Size], "the host's between host-backed fds, else through a ninux buffer";
    copy_file_range: Some(fs::xfer::copy_file_range), Full, [Fd, Struct("off_t"), Fd, Struct("off_t"), Size, Uint], "the host's between host-backed fds, else through a ninux buffer";
    faccessat: Some(fs::dir::faccessat), Full, [Dirfd, Path, Int], "";
    faccessat2: Some(fs::dir::faccessat2), Full, [Dirfd, Path, Int, AtFlags], "the real ids, or with AT_EACCESS the effective ones";
    ioctl: Some(fs::ioctl::ioctl), Partial, [Fd, IoctlReq, Hex], "terminals and ptys (TCGETS, TCSETS*, TCSBRK, TCXONC, TCFLSH, TIOC[GS]WINSZ, TIOC[GS]PGRP, TIOCSCTTY, TIOCNOTTY, TIOCGSID, TIOCOUTQ, TIOCM*, TIOC[GS]ETD, TIOCGPTN, TIOCSPTLCK; TIOCGPTPEER is EINVAL, as before Linux 4.13), FIONREAD, FIONBIO, FIOASYNC, FIOCLEX, FIONCLEX, on host fds; others ENOTTY";
    readlink: Some(fs::dir::readlink), Full, [Path, OutBuf(2), Size], "/proc/self/exe names the guest program";
    readlinkat: Some(fs::dir::readlinkat), Full, [Dirfd, Path, OutBuf(3), Size], "/proc/self/exe names the guest program";
    getxattr: Some(fs::xattr::getxattr), Partial, [Path, Str, Ptr, Size], "namespace files have no extended attributes: ENODATA";
    lgetxattr: Some(fs::xattr::lgetxattr), Partial, [Path, Str, Ptr, Size], "namespace files have no extended attributes: ENODATA";
    fgetxattr: Some(fs::xattr::fgetxattr), Partial, [Fd, Str, Ptr, Size], "namespace files have no extended attributes: ENODATA";
    listxattr: Some(fs::xattr::listxattr), Partial, [Path, Ptr, Size], "always an empty list";
    llistxattr: Some(fs::xattr::llistxattr), Partial, [Path, Ptr, Size], "always an empty list";
    flistxattr: Some(fs::xattr::flistxattr), Partial, [Fd, Ptr, Size], "always an empty list";
    setxattr: Some(fs::xattr::setxattr), Partial, [Path, Str, Buf(3), Size, Hex], "namespace files take no extended attributes: EOPNOTSUPP";
    lsetxattr: Some(fs::xattr::lsetxattr), Partial, [Path, Str, Buf(3), Size, Hex], "as setxattr";
    fsetxattr: Some(fs::xattr::fsetxattr), Partial, [Fd, Str, Buf(3), Size, Hex], "as setxattr";
    removexattr: Some(fs::xattr::removexattr), Partial, [Path, Str], "EOPNOTSUPP, as setxattr";
    lremovexattr: Some(fs::xattr::lremovexattr), Partial, [Path, Str], "as removexattr";
    fremovexattr: Some(fs::xattr::fremovexattr), Partial, [Fd, Str], "as removexattr";
    brk: Some(mm::brk::brk), Full, [Ptr] -> Ptr, "grows inside a reservation placed after the image";
    mmap: Some(mm::mmap::mmap), Partial, [Ptr, Size, MmapProt, MmapFlags, Fd, Off] -> Ptr, "anonymous and host-backed fds; files without a host fd (tar members, 9P) are copied in, written back at msync, munmap, execve and exit when MAP_SHARED (other processes see the writes only then); MAP_FIXED over ninux's own memory is ENOMEM";
    munmap: Some(mm::mmap::munmap), Full, [Ptr, Size], "";
    mprotect: Some(mm::mmap::mprotect), Full, [Ptr, Size, MmapProt], "";
    mremap: Some(mm::mmap::mremap), Full, [Ptr, Size, Size, Hex, Ptr] -> Ptr, "a copied-in shared file mapping is written back when moved, and no longer after";
    msync: Some(mm::mmap::msync), Full, [Ptr, Size, Hex], "copied-in shared file mappings are written back; host file mappings are the host's";
    mlock: Some(mm::mmap::mlock), Full, [Ptr, Size], "guest memory only";
    mlock2: Some(mm::mmap::mlock2), Full, [Ptr, Size, Hex], "MLOCK_ONFAULT locks at once";
    munlock: Some(mm::mmap::munlock), Full, [Ptr, Size], "";
    mlockall: Some(mm::mmap::mlockall), Full, [Hex], "the host's: ninux's memory is locked too";
    munlockall: Some(mm::mmap::munlockall), Full, [], "";
    mincore: Some(mm::mmap::mincore), Full, [Ptr, Size, Ptr], "guest memory only";
    madvise: Some(mm::mmap::madvise), Full, [Ptr, Size, Int], "";
    arch_prctl: Some(process::arch::arch_prctl), Partial, [Hex, Ptr], "ARCH_SET_FS, ARCH_GET_FS; GS belongs to ninux (EINVAL)";
    prctl: Some(process::arch::prctl), Partial, [Int, Hex, Hex, Hex, Hex], "PR_SET/GET_NAME, PR_SET/GET_DUMPABLE (the guest's own) and PR_GET_TID_ADDRESS; the host's PDEATHSIG, CHILD_SUBREAPER, NO_NEW_PRIVS, KEEPCAPS, CAPBSET_READ, TIMERSLACK, THP_DISABLE and GET_SECCOMP; others EINVAL";
    set_tid_address: Some(process::thread::set_tid_address), Full, [Ptr], "emulated: the host's glibc owns the real one";
    set_robust_list: Some(process::thread::set_robust_list), Partial, [Ptr, Size], "recorded; robust futexes are not released at thread death";
    get_robust_list: Some(process::thread::get_robust_list), Partial, [Int, Ptr, Ptr], "the calling thread only";
    rseq: None, Stub(Errno::ENOSYS), [Ptr, Uint, Int, Hex], "not offered: glibc runs without restartable sequences";
    clone: Some(process::thread::clone), Partial, [CloneFlags, Ptr, Ptr, Ptr, Hex], "threads (CLONE_VM|CLONE_THREAD) as host threads; other clones are host forks (CLONE_VFORK waits for the child's exec or exit, but CLONE_VM memory is copied: a child's writes, such as glibc posix_spawn's error code, are not seen by the parent); CLONE_PIDFD for processes; CLONE_VM alone is ENOSYS";
    clone3: Some(process::thread::clone3), Partial, [Struct("clone_args"), Size], "as clone; set_tid and cgroup are not offered";
    exit: Some(process::thread::exit), Full, [Int], "";
    exit_group: Some(process::thread::exit_group), Full, [Int], "";
    futex: Some(process::thread::futex), Full, [Ptr, Int, Uint, Ptr, Ptr, Uint], "passed to the host kernel: guest and host share one address space";
    gettid: Some(process::ids::gettid), Full, [], "";
    getpid: Some(process::ids::getpid), Full, [], "";
    getppid: Some(process::ids::getppid), Full, [], "";
    getuid: Some(process::ids::getuid), Full, [], "";
    geteuid: Some(process::ids::geteuid), Full, [], "";
    getgid: Some(process::ids::getgid), Full, [], "";
    getegid: Some(process::ids::getegid), Full, [], "";
    getresuid: Some(process::ids::getresuid), Full, [Ptr, Ptr, Ptr], "";
    getresgid: Some(process::ids::getresgid), Full, [Ptr, Ptr, Ptr], "";
    setuid: Some(process::creds::setuid), Full, [Uint], "the personality's credentials (the host process keeps its own; euid 0 stands for the capabilities). A guest that is not root gets EACCES from mode bits on path search, open, creating and removing names, exec, chdir and access, and EPERM from chmod, chown and utimensat of others' files; the files, directories, symlinks and nodes it makes are given to its fsuid/fsgid; sticky directories and protected_hardlinks are not modelled";
    setgid: Some(process::creds::setgid), Full, [Uint], "as setuid";
    setreuid: Some(process::creds::setreuid), Full, [Int, Int], "as setuid";
    setregid: Some(process::creds::setregid), Full, [Int, Int], "as setuid";
    setresuid: Some(process::creds::setresuid), Full, [Int, Int, Int], "as setuid";
    setresgid: Some(process::creds::setresgid), Full, [Int, Int, Int], "as setuid";
    setfsuid: Some(process::creds::setfsuid), Full, [Uint], "as setuid";
    setfsgid: Some(process::creds::setfsgid), Full, [Uint], "as setuid";
    getgroups: Some(process::creds::getgroups), Full, [Int, Ptr], "";
    setgroups: Some(process::creds::setgroups), Full, [Size, Ptr], "as setuid";
    getpgrp: Some(process::ids::getpgrp), Full, [], "";
    getpgid: Some(process::ids::getpgid), Full, [Int], "";
    getsid: Some(process::ids::getsid), Full, [Int], "";
    rt_sigaction: Some(signal::action::rt_sigaction), Full, [Signal, Struct("sigaction"), Struct("sigaction"), Size], "the host's disposition follows: ignored stays ignored, caught signals are delivered to guest handlers";
    rt_sigreturn: Some(signal::deliver::rt_sigreturn), Full, [], "restores registers, FP state, mask and alternate stack from the guest's rt_sigframe";
    rt_sigprocmask: Some(signal::action::rt_sigprocmask), Full, [SigHow, Struct("sigset_t"), Struct("sigset_t"), Size], "edits the mask restored at the end of the trap; SIGSYS stays deliverable to ninux";
    rt_sigpending: Some(signal::wait::rt_sigpending), Full, [Struct("sigset_t"), Size], "the host kernel holds pending signals";
    rt_sigsuspend: Some(signal::wait::rt_sigsuspend), Full, [Struct("sigset_t"), Size], "";
    rt_sigtimedwait: Some(signal::wait::rt_sigtimedwait), Full, [Struct("sigset_t"), Struct("siginfo_t"), Struct("timespec"), Size], "";
    rt_sigqueueinfo: Some(signal::kill::rt_sigqueueinfo), Full, [Int, Signal, Struct("siginfo_t")], "";
    rt_tgsigqueueinfo: Some(signal::kill::rt_tgsigqueueinfo), Full, [Int, Int, Signal, Struct("siginfo_t")], "";
    pause: Some(signal::wait::pause), Full, [], "";
    alarm: Some(signal::timer::alarm), Full, [Uint], "the host's timer";
    setitimer: Some(signal::timer::setitimer), Full, [Int, Struct("itimerval"), Struct("itimerval")], "the host's timers; virtual and profiling time include ninux's own";
    getitimer: Some(signal::timer::getitimer), Full, [Int, Struct("itimerval")], "";
    sigaltstack: Some(signal::action::sigaltstack), Full, [Struct("stack_t"), Struct("stack_t")], "used for SA_ONSTACK delivery; SS_AUTODISARM";
    pipe: Some(fs::pipe::pipe), Full, [Struct("int[2]")], "host pipes";
    pipe2: Some(fs::pipe::pipe2), Full, [Struct("int[2]"), OpenFlags], "host pipes; O_CLOEXEC, O_NONBLOCK, O_DIRECT";
    poll: Some(fs::poll::poll), Full, [Struct("pollfd[]"), Uint, Int], "host fds wait in the host kernel; other files are always ready";
    ppoll: Some(fs::poll::ppoll), Partial, [Struct("pollfd[]"), Uint, Struct("timespec"), Ptr, Size], "as poll, with the mask in force while waiting; the timeout is not updated";
    select: Some(fs::poll::select), Partial, [Int, Ptr, Ptr, Ptr, Struct("timeval")], "as poll over the three sets; the timeout is not updated";
    pselect6: Some(fs::poll::pselect6), Partial, [Int, Ptr, Ptr, Ptr, Struct("timespec"), Ptr], "as select, with the mask in force while waiting";
    socket: Some(net::socket::socket), Partial, [Int, Hex, Int], "AF_INET/AF_INET6 stream and datagram, AF_UNIX stream, datagram and seqpacket: opens /net/PROTO/clone; no raw or packet sockets";
    socketpair: Some(net::socket::socketpair), Partial, [Int, Hex, Int, Ptr], "AF_UNIX; two /net/unix* conversations over a host socketpair";
    connect: Some(net::socket::connect), Full, [Fd, Struct("sockaddr"), Uint], "ctl: connect ADDR; AF_UNIX paths through the namespace; EINPROGRESS when non-blocking";
    bind: Some(net::socket::bind), Full, [Fd, Struct("sockaddr"), Uint], "ctl: bind ADDR; AF_UNIX paths through the namespace, abstract names private to the run";
    listen: Some(net::socket::listen), Full, [Fd, Int], "ctl: listen BACKLOG (ninux's; 9front's announce binds and listens at once)";
    accept: Some(net::socket::accept), Full, [Fd, Struct("sockaddr"), Ptr], "opens N/listen";
    accept4: Some(net::socket::accept4), Full, [Fd, Struct("sockaddr"), Ptr, Hex], "opens N/listen";
    getsockname: Some(net::socket::getsockname), Full, [Fd, Struct("sockaddr"), Ptr], "the host socket's; AF_UNIX: the name bound, from N/local";
    getpeername: Some(net::socket::getpeername), Full, [Fd, Struct("sockaddr"), Ptr], "the host socket's; AF_UNIX: from N/remote";
    shutdown: Some(net::socket::shutdown), Full, [Fd, Int], "on the host socket";
    sendto: Some(net::msg::sendto), Full, [Fd, Buf(2), Size, Hex, Struct("sockaddr"), Uint], "straight on the host socket; --net none refuses non-loopback destinations";
    recvfrom: Some(net::msg::recvfrom), Full, [Fd, OutBuf(2), Size, Hex, Struct("sockaddr"), Ptr], "straight on the host socket";
    sendmsg: Some(net::msg::sendmsg), Full, [Fd, Struct("msghdr"), Hex], "SCM_RIGHTS guest fds sent as their host fds";
    recvmsg: Some(net::msg::recvmsg), Full, [Fd, Struct("msghdr"), Hex], "SCM_RIGHTS host fds received as new guest fds (sockets as /net conversations)";
    sendmmsg: Some(net::msg::sendmmsg), Full, [Fd, Struct("mmsghdr"), Uint, Hex], "one sendmsg per message";
    recvmmsg: Some(net::msg::recvmmsg), Partial, [Fd, Struct("mmsghdr"), Uint, Hex, Struct("timespec")], "the timeout is ignored; MSG_WAITFORONE honoured";
    setsockopt: Some(net::sockopt::setsockopt), Partial, [Fd, Int, Int, Ptr, Uint], "listed SOL_SOCKET, TCP, IP and IPv6 options on the host socket; others ENOPROTOOPT";
    getsockopt: Some(net::sockopt::getsockopt), Partial, [Fd, Int, Int, Ptr, Ptr], "as setsockopt, plus SO_ERROR, SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ACCEPTCONN, SO_PEERCRED";
    epoll_create: Some(fs::epoll::epoll_create), Full, [Int], "a host epoll instance";
    epoll_create1: Some(fs::epoll::epoll_create1), Full, [Hex], "a host epoll instance";
    epoll_ctl: Some(fs::epoll::epoll_ctl), Full, [Fd, Int, Fd, Struct("epoll_event")], "host fds; files without one are EPERM, as regular files are";
    epoll_wait: Some(fs::epoll::epoll_wait), Full, [Fd, Ptr, Int, Int], "";
    epoll_pwait: Some(fs::epoll::epoll_pwait), Full, [Fd, Ptr, Int, Int, Ptr, Size], "the mask is in force while waiting";
    epoll_pwait2: Some(fs::epoll::epoll_pwait2), Partial, [Fd, Ptr, Int, Struct("timespec"), Ptr, Size], "as epoll_pwait; the timeout is rounded up to milliseconds";
    eventfd: Some(fs::epoll::eventfd), Full, [Uint], "a host eventfd";
    eventfd2: Some(fs::epoll::eventfd2), Full, [Uint, Hex], "a host eventfd";
    kill: Some(signal::kill::kill), Full, [Int, Signal], "host signals, to itself too: the host keeps them pending and ninux delivers them";
    tgkill: Some(signal::kill::tgkill), Full, [Int, Int, Signal], "as kill";
    tkill: Some(signal::kill::tkill), Full, [Int, Signal], "as kill";
    wait4: Some(process::wait::wait4), Full, [Int, Ptr, Hex, Struct("rusage")], "host children; WNOHANG, WUNTRACED, WCONTINUED, __WALL";
    waitid: Some(process::wait::waitid), Full, [Int, Int, Struct("siginfo_t"), Hex, Struct("rusage")], "host children; P_ALL, P_PID, P_PGID, P_PIDFD";
    pidfd_open: Some(process::pidfd::pidfd_open), Full, [Int, Hex], "a host pidfd";
    pidfd_send_signal: Some(process::pidfd::pidfd_send_signal), Full, [Fd, Signal, Struct("siginfo_t"), Hex], "through the host pidfd";
    setpgid: Some(process::ids::setpgid), Full, [Int, Int], "host process groups";
    setsid: Some(process::ids::setsid), Full, [], "a host session";
    timerfd_create: Some(sys::timers::timerfd_create), Full, [Int, Hex], "a host timerfd";
    timerfd_settime: Some(sys::timers::timerfd_settime), Full, [Fd, Hex, Struct("itimerspec"), Struct("itimerspec")], "";
    timerfd_gettime: Some(sys::timers::timerfd_gettime), Full, [Fd, Struct("itimerspec")], "";
    timer_create: Some(sys::timers::timer_create), Full, [Int, Struct("sigevent"), Ptr], "host POSIX timers; their signals are delivered like any other (SIGSYS is refused: ninux's trap signal)";
    timer_settime: Some(sys::timers::timer_settime), Full, [Int, Hex, Struct("itimerspec"), Struct("itimerspec")], "";
    timer_gettime: Some(sys::timers::timer_gettime), Full, [Int, Struct("itimerspec")], "";
    timer_getoverrun: Some(sys::timers::timer_getoverrun), Full, [Int], "";
    timer_delete: Some(sys::timers::timer_delete), Full, [Int], "";
    signalfd: Some(signal::signalfd::signalfd), Full, [Fd, Struct("sigset_t"), Size], "as signalfd4";
    signalfd4: Some(signal::signalfd::signalfd4), Full, [Fd, Struct("sigset_t"), Size, Hex], "a host signalfd: the host holds the guest's pending signals; SIGSYS is left out of the mask";
    getrusage: Some(sys::timers::getrusage), Full, [Int, Struct("rusage")], "the host's accounting, ninux's work for the guest included";
    times: Some(sys::timers::times), Full, [Struct("tms")], "as getrusage";
    membarrier: Some(sys::timers::membarrier), Full, [Int, Hex, Int], "the host's: guest threads are host threads";
    fork: Some(process::thread::fork), Full, [], "a real host fork";
    vfork: Some(process::thread::vfork), Partial, [], "a host fork; the parent waits for the child's exec or exit, and a child that exits without exec hands the pages it wrote to a single-threaded parent (what it wrote before an exec is not seen)";
    execve: Some(process::exec::execve), Partial, [Path, Ptr, Ptr], "found in the namespace, #! scripts run by the personality; a one-thread process gets the new image in place (old memory, close-on-exec fds, POSIX timers and caught handlers go); otherwise ninux re-executes itself with the state to keep (fds without close-on-exec, namespace, cwd, umask, limits, ignored signals, mask)";
    execveat: Some(process::exec::execveat), Partial, [Dirfd, Path, Ptr, Ptr, AtFlags], "as execve; AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW";
    uname: Some(sys::info::uname), Full, [Struct("utsname")], "the host's, as Linux would report it";
    capget: Some(process::caps::capget), Full, [Struct("cap_user_header"), Struct("cap_user_data")], "the host's for ninux while the guest's euid is 0, none after it gives it up";
    capset: Some(process::caps::capset), Partial, [Struct("cap_user_header"), Struct("cap_user_data")], "the host's for a guest whose euid is 0; otherwise only empty sets";
    personality: Some(sys::info::personality), Partial, [Hex], "recorded and reported; PER_LINUX32 makes uname say i686, the flags change nothing";
    sysinfo: Some(sys::info::sysinfo), Full, [Struct("sysinfo")], "the host's";
    getrandom: Some(sys::info::getrandom), Full, [OutBuf(1), Size, Hex], "";
    prlimit64: Some(sys::info::prlimit64), Partial, [Int, Int, Struct("rlimit"), Struct("rlimit")], "this process only; NOFILE bounds fd allocation (EMFILE), NPROC is passed to the host (which exempts root, as Linux does), STACK sizes exec's argument room; AS and the others recorded, not enforced";
    getrlimit: Some(sys::info::getrlimit), Full, [Int, Struct("rlimit")], "";
    setrlimit: Some(sys::info::setrlimit), Partial, [Int, Struct("rlimit")], "as prlimit64";
    sched_getaffinity: Some(sys::info::sched_getaffinity), Full, [Int, Size, Ptr], "the host's";
    sched_yield: Some(sys::info::sched_yield), Full, [], "";
    msgget: Some(sys::ipc::msgget), Full, [Hex, Hex], "the host's System V IPC";
    msgsnd: Some(sys::ipc::msgsnd), Full, [Int, Ptr, Size, Hex], "the host's";
    msgrcv: Some(sys::ipc::msgrcv), Full, [Int, Ptr, Size, Int, Hex], "the host's";
    msgctl: Some(sys::ipc::msgctl), Full, [Int, Int, Struct("msqid_ds")], "the host's";
    semget: Some(sys::ipc::semget), Full, [Hex, Int, Hex], "the host's";
    semop: Some(sys::ipc::semop), Full, [Int, Struct("sembuf[]"), Size], "the host's";
    semtimedop: Some(sys::ipc::semtimedop), Full, [Int, Struct("sembuf[]"), Size, Struct("timespec")], "the host's";
    semctl: Some(sys::ipc::semctl), Full, [Int, Int, Int, Hex], "the host's";
    shmget: Some(sys::ipc::shmget), Full, [Hex, Size, Hex], "the host's";
    shmat: Some(sys::ipc::shmat), Full, [Int, Ptr, Hex] -> Ptr, "the host's segment, attached as guest memory";
    shmdt: Some(sys::ipc::shmdt), Full, [Ptr], "segments the guest attached";
    shmctl: Some(sys::ipc::shmctl), Full, [Int, Int, Struct("shmid_ds")], "the host's";
    getpriority: Some(sys::sched::getpriority), Full, [Int, Int], "the host's: guest processes are host processes";
    setpriority: Some(sys::sched::setpriority), Full, [Int, Int, Int], "the host's";
    sched_getscheduler: Some(sys::sched::sched_getscheduler), Full, [Int], "the host's";
    sched_setscheduler: Some(sys::sched::sched_setscheduler), Full, [Int, Int, Struct("sched_param")], "the host's";
    sched_getparam: Some(sys::sched::sched_getparam), Full, [Int, Struct("sched_param")], "the host's";
    sched_setparam: Some(sys::sched::sched_setparam), Full, [Int, Struct("sched_param")], "the host's";
    sched_get_priority_max: Some(sys::sched::sched_get_priority_max), Full, [Int], "";
    sched_get_priority_min: Some(sys::sched::sched_get_priority_min), Full, [Int], "";
    sched_rr_get_interval: Some(sys::sched::sched_rr_get_interval), Full, [Int, Struct("timespec")], "";
    sched_setaffinity: Some(sys::sched::sched_setaffinity), Full, [Int, Size, Ptr], "the host's";
    sched_getattr: Some(sys::sched::sched_getattr), Full, [Int, Struct("sched_attr"), Uint, Uint], "the host's";
    sched_setattr: Some(sys::sched::sched_setattr), Full, [Int, Struct("sched_attr"), Uint], "the host's";
    get_mempolicy: Some(sys::sched::get_mempolicy), Full, [Ptr, Ptr, Uint, Ptr, Hex], "the host's";
    set_mempolicy: Some(sys::sched::set_mempolicy), Full, [Int, Ptr, Uint], "the host's, for the calling thread";
    ioprio_get: Some(sys::sched::ioprio_get), Full, [Int, Int], "the host's";
    ioprio_set: Some(sys::sched::ioprio_set), Full, [Int, Int, Int], "the host's";
    getcpu: Some(sys::info::getcpu), Full, [Ptr, Ptr, Ptr], "";
    umask: Some(sys::info::umask), Full, [Mode], "";
    clock_gettime: Some(sys::time::clock_gettime), Full, [Int, Struct("timespec")], "usually answered by the vDSO without a trap";
    clock_getres: Some(sys::time::clock_getres), Full, [Int, Struct("timespec")], "";
    clock_settime: Some(sys::time::clock_settime), Partial, [Int, Struct("timespec")], "the host's clock is not the guest's to set: EPERM (EINVAL for clocks nobody sets)";
    settimeofday: Some(sys::time::settimeofday), Partial, [Struct("timeval"), Struct("timezone")], "as clock_settime";
    gettimeofday: Some(sys::time::gettimeofday), Full, [Struct("timeval"), Struct("timezone")], "";
    time: Some(sys::time::time), Full, [Ptr], "";
    nanosleep: Some(sys::time::nanosleep), Full, [Struct("timespec"), Struct("timespec")], "EINTR with the time left when a handler runs";
    clock_nanosleep: Some(sys::time::clock_nanosleep), Full, [Int, Int, Struct("timespec"), Struct("timespec")], "as nanosleep";
};

/// Every syscall, ascending by number. Built once per process (so at every
/// exec): the rows are indexed by number first, in one pass, rather than
/// searched once per syscall (a hundred microseconds at each exec).
pub static TABLE: LazyLock<Vec<Entry>> = LazyLock::new(|| {
    let max = abi::SYSCALLS.iter().map(|&(n, _)| n).max().unwrap_or(0) as usize;
    let mut rows: Vec<Option<&Entry>> = vec![None; max + 1];
    for r in ROWS {
        if let Some(slot @ None) = rows.get_mut(r.nr as usize) {
            *slot = Some(r);
        }
    }
    abi::SYSCALLS
        .iter()
        .map(|&(number, name)| {
            rows.get(number as usize)
                .copied()
                .flatten()
                .copied()
                .unwrap_or(Entry {
                    nr: number,
                    name,
                    handler: None,
                    support: Absent,
                    // Specs where listed, else all six registers in hex.
                    args: crate::absent_args::absent_args(name)
                        .unwrap_or(&[Hex, Hex, Hex, Hex, Hex, Hex]),
                    ret: Ret::Int,
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

/// The rows by number, for dispatch: a page of indexes into `ROWS`, so a
/// process (every exec) does not build the whole `TABLE` before its first
/// syscall; only a syscall without a row needs that.
static ROW_BY_NUMBER: LazyLock<Vec<Option<u16>>> = LazyLock::new(|| {
    let max = ROWS.iter().map(|r| r.nr).max().unwrap_or(0) as usize;
    let mut index = vec![None; max + 1];
    for (i, r) in ROWS.iter().enumerate() {
        if let Some(slot @ None) = index.get_mut(r.nr as usize) {
            *slot = Some(i as u16);
        }
    }
    index
});

/// The table row of syscall `number`.
pub fn lookup(number: u64) -> Option<&'static Entry> {
    let n = usize::try_from(number).ok()?;
    if let Some(&Some(i)) = ROW_BY_NUMBER.get(n) {
        return ROWS.get(i as usize);
    }
    let i = (*BY_NUMBER.get(n)?)?;
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
