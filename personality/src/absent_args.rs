//! Argument specs for syscalls the table has no row for (Absent), so that
//! `ninux trace` decodes them like the others when a guest tries one: a
//! porter sees `socket(2, 1, 0) = -1 ENOSYS …` rather than six hex words.
//! A row in the table, once a syscall is implemented, takes precedence.

use crate::trace::Arg::{self, *};

/// (name, argument specs), as in the table's rows.
pub const ABSENT_ARGS: &[(&str, &[Arg])] = &[
    // Memory.
    ("msync", &[Ptr, Size, Hex]),
    ("membarrier", &[Int, Hex, Int]),
    ("pkey_mprotect", &[Ptr, Size, MmapProt, Int]),
    ("remap_file_pages", &[Ptr, Size, MmapProt, Size, Hex]),
    // Sockets.
    ("socket", &[Int, Hex, Int]),
    ("socketpair", &[Int, Hex, Int, Struct("int[2]")]),
    ("connect", &[Fd, Struct("sockaddr"), Uint]),
    ("bind", &[Fd, Struct("sockaddr"), Uint]),
    ("listen", &[Fd, Int]),
    ("accept", &[Fd, Struct("sockaddr"), Ptr]),
    ("accept4", &[Fd, Struct("sockaddr"), Ptr, Hex]),
    ("sendto", &[Fd, Buf(2), Size, Hex, Struct("sockaddr"), Uint]),
    (
        "recvfrom",
        &[Fd, OutBuf(2), Size, Hex, Struct("sockaddr"), Ptr],
    ),
    ("sendmsg", &[Fd, Struct("msghdr"), Hex]),
    ("recvmsg", &[Fd, Struct("msghdr"), Hex]),
    ("sendmmsg", &[Fd, Struct("mmsghdr[]"), Uint, Hex]),
    (
        "recvmmsg",
        &[Fd, Struct("mmsghdr[]"), Uint, Hex, Struct("timespec")],
    ),
    ("shutdown", &[Fd, Int]),
    ("getsockname", &[Fd, Struct("sockaddr"), Ptr]),
    ("getpeername", &[Fd, Struct("sockaddr"), Ptr]),
    ("setsockopt", &[Fd, Int, Int, Ptr, Uint]),
    ("getsockopt", &[Fd, Int, Int, Ptr, Ptr]),
    // Files.
    ("getdents", &[Fd, Struct("linux_dirent"), Size]),
    ("utime", &[Path, Struct("utimbuf")]),
    ("fadvise64", &[Fd, Off, Off, Int]),
    ("vmsplice", &[Fd, Struct("iovec"), Size, Hex]),
    ("getxattr", &[Path, Str, OutBuf(3), Size]),
    ("lgetxattr", &[Path, Str, OutBuf(3), Size]),
    ("fgetxattr", &[Fd, Str, OutBuf(3), Size]),
    ("listxattr", &[Path, OutBuf(2), Size]),
    ("llistxattr", &[Path, OutBuf(2), Size]),
    ("flistxattr", &[Fd, OutBuf(2), Size]),
    ("fanotify_init", &[Hex, OpenFlags]),
    ("fanotify_mark", &[Fd, Hex, Hex, Dirfd, Path]),
    (
        "name_to_handle_at",
        &[Dirfd, Path, Struct("file_handle"), Ptr, AtFlags],
    ),
    ("open_by_handle_at", &[Fd, Struct("file_handle"), OpenFlags]),
    ("mount", &[Str, Path, Str, Hex, Ptr]),
    ("umount2", &[Path, Hex]),
    ("pivot_root", &[Path, Path]),
    ("signalfd", &[Fd, Struct("sigset_t"), Size]),
    ("signalfd4", &[Fd, Struct("sigset_t"), Size, OpenFlags]),
    ("timerfd_create", &[Int, OpenFlags]),
    (
        "timerfd_settime",
        &[Fd, Hex, Struct("itimerspec"), Struct("itimerspec")],
    ),
    ("timerfd_gettime", &[Fd, Struct("itimerspec")]),
    (
        "epoll_pwait2",
        &[Fd, Ptr, Int, Struct("timespec"), Ptr, Size],
    ),
    ("io_uring_setup", &[Uint, Struct("io_uring_params")]),
    ("io_uring_enter", &[Fd, Uint, Uint, Hex, Ptr, Size]),
    ("io_uring_register", &[Fd, Uint, Ptr, Uint]),
    ("io_setup", &[Uint, Ptr]),
    ("io_destroy", &[Hex]),
    ("io_submit", &[Hex, Int, Ptr]),
    ("io_getevents", &[Hex, Int, Int, Ptr, Struct("timespec")]),
    ("io_cancel", &[Hex, Ptr, Ptr]),
    // Processes and credentials.
    (
        "waitid",
        &[Int, Int, Struct("siginfo_t"), Hex, Struct("rusage")],
    ),
    ("getrusage", &[Int, Struct("rusage")]),
    ("times", &[Struct("tms")]),
    ("ptrace", &[Int, Int, Ptr, Ptr]),
    ("setpgid", &[Int, Int]),
    ("setsid", &[]),
    ("unshare", &[CloneFlags]),
    ("setns", &[Fd, CloneFlags]),
    ("pidfd_open", &[Int, Hex]),
    ("pidfd_send_signal", &[Fd, Signal, Struct("siginfo_t"), Hex]),
    ("pidfd_getfd", &[Fd, Int, Hex]),
    (
        "process_vm_readv",
        &[Int, Struct("iovec"), Size, Struct("iovec"), Size, Hex],
    ),
    (
        "process_vm_writev",
        &[Int, Struct("iovec"), Size, Struct("iovec"), Size, Hex],
    ),
    ("kcmp", &[Int, Int, Int, Hex, Hex]),
    ("seccomp", &[Uint, Hex, Ptr]),
    // Time.
    ("timer_create", &[Int, Struct("sigevent"), Ptr]),
    (
        "timer_settime",
        &[Int, Hex, Struct("itimerspec"), Struct("itimerspec")],
    ),
    ("timer_gettime", &[Int, Struct("itimerspec")]),
    ("timer_getoverrun", &[Int]),
    ("timer_delete", &[Int]),
    ("adjtimex", &[Struct("timex")]),
    ("clock_adjtime", &[Int, Struct("timex")]),
    // Message queues.
    ("mq_open", &[Str, OpenFlags, OpenMode, Struct("mq_attr")]),
    ("mq_unlink", &[Str]),
    (
        "mq_timedsend",
        &[Fd, Buf(2), Size, Uint, Struct("timespec")],
    ),
    (
        "mq_timedreceive",
        &[Fd, OutBuf(2), Size, Ptr, Struct("timespec")],
    ),
    ("mq_notify", &[Fd, Struct("sigevent")]),
    ("mq_getsetattr", &[Fd, Struct("mq_attr"), Struct("mq_attr")]),
    // The machine.
    ("syslog", &[Int, OutBuf(2), Int]),
    ("sethostname", &[Buf(1), Size]),
    ("setdomainname", &[Buf(1), Size]),
    ("reboot", &[Hex, Hex, Hex, Ptr]),
    ("acct", &[Path]),
    ("swapon", &[Path, Hex]),
    ("swapoff", &[Path]),
    ("set_thread_area", &[Struct("user_desc")]),
    ("get_thread_area", &[Struct("user_desc")]),
    ("modify_ldt", &[Int, Ptr, Size]),
    ("iopl", &[Int]),
    ("ioperm", &[Hex, Hex, Int]),
    ("userfaultfd", &[OpenFlags]),
    (
        "perf_event_open",
        &[Struct("perf_event_attr"), Int, Int, Fd, Hex],
    ),
    ("bpf", &[Int, Ptr, Uint]),
    (
        "futex_waitv",
        &[Struct("futex_waitv[]"), Uint, Hex, Struct("timespec"), Int],
    ),
    ("landlock_create_ruleset", &[Ptr, Size, Hex]),
    ("landlock_add_rule", &[Fd, Int, Ptr, Hex]),
    ("landlock_restrict_self", &[Fd, Hex]),
];

/// The argument specs of absent syscall `name`, if listed.
pub fn absent_args(name: &str) -> Option<&'static [Arg]> {
    ABSENT_ARGS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, a)| *a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_syscalls_listed_once_with_at_most_six_args() {
        for (name, args) in ABSENT_ARGS {
            assert!(
                abi::SYSCALLS.iter().any(|(_, n)| n == name),
                "{name} is not a syscall"
            );
            assert_eq!(
                ABSENT_ARGS.iter().filter(|(n, _)| n == name).count(),
                1,
                "{name} twice"
            );
            assert!(args.len() <= 6, "{name}");
            for a in *args {
                if let Buf(n) | OutBuf(n) = a {
                    assert!((*n as usize) < args.len(), "{name}: length argument {n}");
                }
            }
        }
    }

    #[test]
    fn an_absent_syscall_is_traced_with_its_specs() {
        let e = crate::table::TABLE
            .iter()
            .find(|e| e.name == "sethostname")
            .unwrap();
        assert_eq!(e.args, &[Buf(1), Size]);
    }
}
