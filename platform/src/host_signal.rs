//! Host signal syscalls made on the guest's behalf: waiting for signals,
//! pending sets and the interval timers. Guest processes are host processes,
//! so the host kernel keeps the pending signals and runs the timers; these
//! run inside the dispatcher, where ninux's handler mask blocks every
//! asynchronous signal, and set the waiting mask themselves.

use abi::signal::Itimerval;
use abi::signal_frame::Siginfo;
use abi::structs::Timespec;

pub type Errno = i32;

use crate::host::result;

const SIGSYS_BIT: u64 = 1 << (libc::SIGSYS - 1);

/// rt_sigsuspend with the guest's temporary `mask` (SIGSYS kept blocked:
/// this is ninux code). Returns once a caught signal ran ninux's handler,
/// which deferred it for the dispatcher: always EINTR.
pub fn sigsuspend(mask: u64) -> Errno {
    let mask = mask | SIGSYS_BIT;
    // SAFETY: an 8-byte kernel sigset.
    let r = unsafe { libc::syscall(libc::SYS_rt_sigsuspend, &mask as *const u64, 8usize) };
    result(r).err().unwrap_or(libc::EINTR)
}

/// rt_sigtimedwait for `set` while the guest's `mask` is in force, so a
/// signal outside the set that the guest does not block interrupts the wait
/// (EINTR, deferred for delivery) as on Linux.
pub fn sigtimedwait(set: u64, mask: u64, timeout: Option<Timespec>) -> Result<Siginfo, Errno> {
    let mut info = Siginfo::default();
    let ts = timeout.map(|t| libc::timespec {
        tv_sec: t.tv_sec,
        tv_nsec: t.tv_nsec,
    });
    let ts_ptr = ts
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const libc::timespec);
    let r = crate::uaccess::unblocked(mask, || raw_sigtimedwait(set, &mut info, ts_ptr));
    result(r)?;
    Ok(info)
}

/// The rt_sigtimedwait syscall itself, under whatever mask is live.
pub(crate) fn raw_sigtimedwait(
    set: u64,
    info: &mut Siginfo,
    timeout: *const libc::timespec,
) -> i64 {
    // SAFETY: an 8-byte kernel sigset and a 128-byte siginfo, valid for the
    // call; `timeout` is null or points at a timespec the caller keeps alive.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigtimedwait,
            &set as *const u64,
            info as *mut Siginfo,
            timeout,
            8usize,
        )
    }
}

/// The signals pending for this thread or its process (rt_sigpending;
/// ninux's handler mask blocks them all, so all are reported).
pub fn sigpending() -> u64 {
    let mut set = 0u64;
    // SAFETY: an 8-byte kernel sigset.
    unsafe { libc::syscall(libc::SYS_rt_sigpending, &mut set as *mut u64, 8usize) };
    set
}

/// alarm(2): the host's SIGALRM timer of this process.
pub fn alarm(seconds: u32) -> u64 {
    // SAFETY: alarm takes an integer.
    unsafe { libc::syscall(libc::SYS_alarm, seconds as u64) as u64 }
}

/// setitimer(2) on the host: returns the old value.
pub fn setitimer(which: i32, new: &Itimerval) -> Result<Itimerval, Errno> {
    let mut old = Itimerval::default();
    // SAFETY: both point to valid itimervals.
    let r = unsafe {
        libc::syscall(
            libc::SYS_setitimer,
            which,
            new as *const Itimerval,
            &mut old as *mut Itimerval,
        )
    };
    result(r)?;
    Ok(old)
}

/// getitimer(2) on the host.
pub fn getitimer(which: i32) -> Result<Itimerval, Errno> {
    let mut cur = Itimerval::default();
    // SAFETY: writes one itimerval.
    let r = unsafe { libc::syscall(libc::SYS_getitimer, which, &mut cur as *mut Itimerval) };
    result(r)?;
    Ok(cur)
}

/// tkill(2): the host kernel finds the thread's group.
pub fn tkill(tid: i32, sig: i32) -> Result<u64, Errno> {
    // SAFETY: signals carry no memory.
    result(unsafe { libc::syscall(libc::SYS_tkill, tid, sig) })
}

/// rt_sigqueueinfo(2), or rt_tgsigqueueinfo(2) with a thread.
pub fn sigqueueinfo(tgid: i32, tid: Option<i32>, info: &Siginfo) -> Result<u64, Errno> {
    // SAFETY: the kernel reads one siginfo.
    result(unsafe {
        match tid {
            Some(tid) => libc::syscall(
                libc::SYS_rt_tgsigqueueinfo,
                tgid,
                tid,
                info.signo,
                info as *const Siginfo,
            ),
            None => libc::syscall(
                libc::SYS_rt_sigqueueinfo,
                tgid,
                info.signo,
                info as *const Siginfo,
            ),
        }
    })
}
