//! Fds whose last close is slow, closed by a helper after this process is
//! gone, and the teardown of an address space that is slow to undo.
//!
//! The last close of an inotify instance that watched anything waits for
//! an SRCU grace period (`fsnotify_destroy_group`): 5–20 ms on this machine
//! class. A process closes its fds as it exits, before its parent hears of
//! the exit, so a short `find` paid for its watches with a third of its run
//! time. [`hand_over`] starts a helper process sharing this one's memory
//! (`CLONE_VM`, so it costs no copy of the address space) but with its own
//! fd table: it closes every other fd at once, and this process goes on
//! only after that, so pipes, sockets and locks end with this process as
//! before. Then the helper waits for this process to be gone (a pidfd
//! polls readable), makes the slow last closes and exits, reaped by whoever
//! reaps orphans. Sharing the address space, it also takes over its
//! teardown: the last unmap of a file unlinked meanwhile (the shared
//! counter of a temporary copy-on-write layer) may wait for the disk to
//! discard its blocks.
//!
//! That teardown is reason enough for a helper while ninux's own text is
//! still the file mapping (before [`crate::hugetext`] moved it): faulted in
//! 64 KiB at a time, it leaves a thousand page-table entries and more to
//! undo, a fifth of the run of a `ninux run` of a hello world. Once the
//! text is on huge pages, as in the children of a process that forks
//! often, the teardown is cheaper than starting a helper.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU32, Ordering};

/// How much the helper may hold (the pidfd included); more slow fds than
/// this are closed here.
const MAX_FDS: usize = 4;
/// The helper's stack: it runs a few syscalls.
const STACK: usize = 64 << 10;
/// How long to wait for the helper to let go of the other fds.
const WAIT_NS: i64 = 100_000_000;
/// How long the helper waits for this process to go before it closes the
/// fds anyway.
const OUTLIVE_MS: i32 = 10_000;

#[repr(C)]
struct Job {
    /// Polls readable once this process is gone.
    pidfd: RawFd,
    /// The fds to keep and close, and `pidfd`, sorted.
    fds: [RawFd; MAX_FDS],
    n: usize,
    /// Set to 1 by the helper once it holds nothing else.
    ready: AtomicU32,
}

/// Hands `fds` to a helper that closes them after this process exits, and
/// the address space's teardown with them, when either is slow; the
/// caller must exit next, without touching them. Once a helper is
/// started, this thread's signals stay blocked (the helper starts with the
/// mask, and must not run ninux's handlers). Without a helper the fds are
/// simply left open, for the exit to close.
pub fn hand_over(fds: &[RawFd]) {
    if fds.len() >= MAX_FDS || (fds.is_empty() && crate::hugetext::moved()) {
        return;
    }
    // What others can see of the address space must end with the process:
    // a parent may count a segment's attachments as soon as it sees the
    // exit.
    crate::mm::detach_all_shm();
    // SAFETY: pidfd_open of this process; the fd is the helper's to close.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, libc::getpid(), 0) } as RawFd;
    if pidfd < 0 {
        return;
    }
    let mut job = Job {
        pidfd,
        fds: [-1; MAX_FDS],
        n: fds.len() + 1,
        ready: AtomicU32::new(0),
    };
    job.fds[..fds.len()].copy_from_slice(fds);
    job.fds[fds.len()] = pidfd;
    job.fds[..job.n].sort_unstable();
    // SAFETY: an anonymous private mapping at an address the kernel picks.
    let stack = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            STACK,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
            -1,
            0,
        )
    };
    if stack == libc::MAP_FAILED {
        return;
    }
    // Leaked on purpose: the helper's stack and the job live until the
    // address space dies with the helper.
    let job: &'static Job = Box::leak(Box::new(job));
    let mut all = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
    // SAFETY: sigfillset fills the local set, which pthread_sigmask reads.
    unsafe {
        libc::sigfillset(all.as_mut_ptr());
        libc::pthread_sigmask(libc::SIG_SETMASK, all.as_ptr(), std::ptr::null_mut());
    }
    // SAFETY: the child runs `helper` on its own stack (the top of the
    // mapping above) in this address space; the flags ask for no exit
    // signal, so nobody waits for it here.
    let pid = unsafe {
        libc::clone(
            helper,
            stack.cast::<u8>().add(STACK).cast(),
            libc::CLONE_VM,
            (job as *const Job).cast_mut().cast(),
        )
    };
    if pid <= 0 {
        crate::host::close(pidfd);
        return;
    }
    let timeout = libc::timespec {
        tv_sec: 0,
        tv_nsec: WAIT_NS,
    };
    while job.ready.load(Ordering::Acquire) == 0 {
        // SAFETY: a futex wait on a word of this address space, with a
        // timeout: it returns at the helper's wake, a spurious wake-up or
        // the timeout.
        let r = unsafe {
            libc::syscall(
                libc::SYS_futex,
                job.ready.as_ptr(),
                libc::FUTEX_WAIT | libc::FUTEX_PRIVATE_FLAG,
                0,
                &timeout,
            )
        };
        if r != 0 && crate::host::last_errno() == libc::ETIMEDOUT {
            break;
        }
    }
}

/// The helper: keeps the job's fds, closes every other one, says so, waits
/// for the process to go, then closes the job's. Raw syscalls only: it
/// shares the process's TLS.
extern "C" fn helper(arg: *mut libc::c_void) -> libc::c_int {
    // SAFETY: `hand_over` passed a leaked, never-freed Job.
    let job = unsafe { &*(arg as *const Job) };
    let keep = &job.fds[..job.n];
    let mut from: u32 = 0;
    for &fd in keep {
        let fd = fd as u32;
        if fd > from {
            // SAFETY: closes fds of the helper's own fd table.
            unsafe { libc::syscall(libc::SYS_close_range, from, fd - 1, 0) };
        }
        from = fd + 1;
    }
    // SAFETY: as above.
    unsafe { libc::syscall(libc::SYS_close_range, from, u32::MAX, 0) };
    job.ready.store(1, Ordering::Release);
    // SAFETY: wakes the waiter on the job's word.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            job.ready.as_ptr(),
            libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG,
            1,
        )
    };
    // Its own close would not be the last while the process holds the fd.
    let mut gone = libc::pollfd {
        fd: job.pidfd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: polls one pollfd on the helper's stack.
    unsafe { libc::syscall(libc::SYS_poll, &mut gone, 1, OUTLIVE_MS) };
    for &fd in keep {
        // SAFETY: the helper's copies of the fds it was given.
        unsafe { libc::syscall(libc::SYS_close, fd) };
    }
    0
}
