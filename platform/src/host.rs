//! Host syscalls made on the guest's behalf. Guest buffers are passed to the
//! host kernel as they are (the data path: no copies), after checking that
//! they are guest memory, so no guest argument can make the host kernel write
//! over ninux. Errors are host errno values.

use crate::mm;

pub type Errno = i32;

/// A raw return value as the host errno it carries, if negative.
pub(crate) fn result(r: i64) -> Result<u64, Errno> {
    if r < 0 {
        Err(last_errno())
    } else {
        Ok(r as u64)
    }
}

/// The host errno the last failed call left.
pub(crate) fn last_errno() -> Errno {
    std::io::Error::last_os_error()
        .raw_os_error()
        .unwrap_or(libc::EIO)
}

/// A fresh read-write `MAP_SHARED` mapping of `len` bytes of host file
/// `fd` from `offset`, placed by the host: no `MAP_FIXED`, so it replaces
/// nothing. The caller owns it (unmaps it, or keeps it for the process's
/// life).
pub(crate) fn map_shared(fd: i32, len: usize, offset: u64) -> Result<*mut libc::c_void, Errno> {
    // SAFETY: a new mapping the host places in free address space.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd,
            offset as libc::off_t,
        )
    };
    if p == libc::MAP_FAILED {
        return Err(last_errno());
    }
    Ok(p)
}

/// Claims `[addr, addr + len)` with a fresh private anonymous mapping of
/// `prot`, only if nothing is mapped there (`MAP_FIXED_NOREPLACE`). An
/// old kernel that takes the address as a hint maps elsewhere: that is
/// undone, and the claim refused.
pub(crate) fn claim_anon(addr: usize, len: usize, prot: i32) -> bool {
    claim(addr, len, prot, None)
}

/// [`claim_anon`] for a private mapping of host file `fd` from `offset`.
pub(crate) fn claim_file(addr: usize, len: usize, prot: i32, fd: i32, offset: u64) -> bool {
    claim(addr, len, prot, Some((fd, offset)))
}

fn claim(addr: usize, len: usize, prot: i32, file: Option<(i32, u64)>) -> bool {
    let (flags, fd, offset) = match file {
        Some((fd, offset)) => (libc::MAP_PRIVATE, fd, offset as libc::off_t),
        None => (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, -1, 0),
    };
    // SAFETY: MAP_FIXED_NOREPLACE never replaces an existing mapping.
    let p = unsafe {
        libc::mmap(
            addr as *mut libc::c_void,
            len,
            prot,
            flags | libc::MAP_FIXED_NOREPLACE,
            fd,
            offset,
        )
    };
    if p == libc::MAP_FAILED {
        return false;
    }
    if p as usize != addr {
        // SAFETY: unmaps the mapping just made elsewhere.
        unsafe { libc::munmap(p, len) };
        return false;
    }
    true
}

fn guest_buffer(addr: u64, len: u64) -> Result<(), Errno> {
    if len == 0 || mm::owns(addr, len) {
        Ok(())
    } else {
        Err(libc::EFAULT)
    }
}

/// read(2) into a guest buffer.
pub fn read(fd: i32, buf: u64, len: u64) -> Result<u64, Errno> {
    guest_buffer(buf, len)?;
    // SAFETY: the buffer is guest memory; the kernel checks it is writable.
    result(unsafe { libc::read(fd, buf as *mut libc::c_void, len as usize) } as i64)
}

/// write(2) from a guest buffer (reading any mapped memory harms nothing).
pub fn write(fd: i32, buf: u64, len: u64) -> Result<u64, Errno> {
    // SAFETY: the kernel only reads the buffer and checks it.
    result(unsafe { libc::write(fd, buf as *const libc::c_void, len as usize) } as i64)
}

/// pread64(2) into a guest buffer.
pub fn pread(fd: i32, buf: u64, len: u64, offset: i64) -> Result<u64, Errno> {
    guest_buffer(buf, len)?;
    // SAFETY: as in read.
    result(unsafe { libc::pread(fd, buf as *mut libc::c_void, len as usize, offset) } as i64)
}

/// pwrite64(2) from a guest buffer.
pub fn pwrite(fd: i32, buf: u64, len: u64, offset: i64) -> Result<u64, Errno> {
    // SAFETY: as in write.
    result(unsafe { libc::pwrite(fd, buf as *const libc::c_void, len as usize, offset) } as i64)
}

/// An I/O vector element as Linux defines it.
pub type Iovec = abi::structs::Iovec;

/// readv(2) into guest buffers.
pub fn readv(fd: i32, iov: &[Iovec]) -> Result<u64, Errno> {
    for v in iov {
        guest_buffer(v.iov_base, v.iov_len)?;
    }
    // SAFETY: every buffer is guest memory; Iovec has struct iovec's layout.
    result(unsafe { libc::readv(fd, iov.as_ptr().cast(), iov.len() as i32) } as i64)
}

/// writev(2) from guest buffers.
pub fn writev(fd: i32, iov: &[Iovec]) -> Result<u64, Errno> {
    // SAFETY: the kernel only reads the buffers; Iovec has struct iovec's layout.
    result(unsafe { libc::writev(fd, iov.as_ptr().cast(), iov.len() as i32) } as i64)
}

/// lseek(2).
pub fn lseek(fd: i32, offset: i64, whence: i32) -> Result<u64, Errno> {
    // SAFETY: no memory is involved.
    result(unsafe { libc::lseek(fd, offset, whence) })
}

/// fstat(2); the host is x86-64 Linux, so its struct stat is the guest's.
pub fn fstat(fd: i32) -> Result<abi::structs::Stat, Errno> {
    let mut st = abi::structs::Stat::default();
    const _: () =
        assert!(std::mem::size_of::<libc::stat>() == std::mem::size_of::<abi::structs::Stat>());
    // SAFETY: Stat has the kernel's struct stat layout (size asserted).
    result(unsafe { libc::fstat(fd, (&mut st as *mut abi::structs::Stat).cast()) } as i64)?;
    Ok(st)
}

/// An ioctl whose argument is a plain value or a buffer in ninux's memory.
pub fn ioctl<T: abi::structs::Pod>(fd: i32, request: u64, arg: &mut T) -> Result<u64, Errno> {
    // SAFETY: arg is a valid buffer of the size the request expects (callers
    // pair each request with its struct).
    result(unsafe { libc::ioctl(fd, request as _, arg as *mut T) } as i64)
}

/// ioctl(2) whose argument is a plain integer, not a pointer (TCSBRK,
/// TCFLSH, TIOCSCTTY and the like): the caller's list is the guard.
pub fn ioctl_value(fd: i32, request: u64, value: u64) -> Result<u64, Errno> {
    // SAFETY: the requests passed take their argument by value.
    result(unsafe { libc::ioctl(fd, request as _, value) } as i64)
}

/// fcntl(2) with an integer argument.
pub fn fcntl(fd: i32, cmd: i32, arg: u64) -> Result<u64, Errno> {
    // SAFETY: only integer-argument commands are passed.
    result(unsafe { libc::fcntl(fd, cmd, arg) } as i64)
}

/// close(2) of a host fd ninux owns.
pub fn close(fd: i32) {
    // SAFETY: the caller owns fd.
    unsafe { libc::close(fd) };
}

/// futex(2) on guest memory: the host kernel implements it for both.
pub fn futex(args: [u64; 6]) -> Result<u64, Errno> {
    guest_buffer(args[0], 4)?;
    let op = args[1] as i32 & 0x7f;
    // FUTEX_WAKE_OP and the requeue ops write a second futex word.
    if matches!(op, 3 | 4 | 5 | 11 | 12) {
        guest_buffer(args[4], 4)?;
    }
    // SAFETY: futex words are guest memory; timeouts are only read.
    result(unsafe {
        libc::syscall(
            libc::SYS_futex,
            args[0],
            args[1],
            args[2],
            args[3],
            args[4],
            args[5],
        )
    })
}

/// clock_nanosleep(2); `rem` (if any) is guest memory.
pub fn clock_nanosleep(
    clock: i32,
    flags: i32,
    req: &abi::structs::Timespec,
) -> Result<(), (Errno, abi::structs::Timespec)> {
    let mut rem = abi::structs::Timespec::default();
    // SAFETY: both timespecs are ninux's own.
    let r = unsafe {
        libc::syscall(
            libc::SYS_clock_nanosleep,
            clock,
            flags,
            req as *const _,
            &mut rem as *mut _,
        )
    };
    // The raw syscall, through libc's syscall(), reports -1 and errno (the
    // error number itself is what the libc clock_nanosleep wrapper returns).
    result(r).map(|_| ()).map_err(|e| (e, rem))
}

/// getrandom(2) into a guest buffer.
pub fn getrandom(buf: u64, len: u64, flags: u32) -> Result<u64, Errno> {
    guest_buffer(buf, len)?;
    // SAFETY: the buffer is guest memory.
    result(unsafe { libc::syscall(libc::SYS_getrandom, buf, len, flags) })
}

/// getrandom(2) into a ninux buffer, filled whole (AT_RANDOM, load
/// addresses): one host call where opening /dev/urandom takes three.
pub fn random_bytes(buf: &mut [u8]) -> Result<(), Errno> {
    let mut at = 0;
    while at < buf.len() {
        let rest = &mut buf[at..];
        // SAFETY: rest is ninux's own buffer of rest.len() bytes.
        match result(unsafe {
            libc::syscall(libc::SYS_getrandom, rest.as_mut_ptr(), rest.len(), 0)
        }) {
            Ok(0) => return Err(libc::EIO),
            Ok(n) => at += n as usize,
            Err(libc::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// sched_getaffinity(2) into a ninux buffer.
pub fn sched_getaffinity(pid: i32, mask: &mut [u8]) -> Result<u64, Errno> {
    // SAFETY: the buffer is ninux's own and of the given length.
    result(unsafe {
        libc::syscall(
            libc::SYS_sched_getaffinity,
            pid,
            mask.len(),
            mask.as_mut_ptr(),
        )
    })
}

/// This process's id, remembered: it changes only in a fork's child, which
/// forgets it ([`crate::fork`]). getpid is the syscall benchmarks and
/// loops make most, and the fast path answers it without a host syscall.
static PID: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

pub fn getpid() -> i32 {
    use std::sync::atomic::Ordering::Relaxed;
    match PID.load(Relaxed) {
        0 => {
            // SAFETY: getpid has no preconditions.
            let pid = unsafe { libc::getpid() };
            PID.store(pid, Relaxed);
            pid
        }
        pid => pid,
    }
}

/// In a fork's child: the next [`getpid`] asks the kernel.
pub(crate) fn forget_pid() {
    PID.store(0, std::sync::atomic::Ordering::Relaxed);
}

/// A syscall that takes and returns only integers (getpid, sched_yield, …).
pub fn plain(nr: i64, a: [u64; 3]) -> Result<u64, Errno> {
    const PLAIN: [i64; 10] = [
        libc::SYS_getpid,
        libc::SYS_getppid,
        libc::SYS_getuid,
        libc::SYS_geteuid,
        libc::SYS_getgid,
        libc::SYS_getegid,
        libc::SYS_getpgid,
        libc::SYS_getsid,
        libc::SYS_sched_yield,
        libc::SYS_umask,
    ];
    assert!(
        PLAIN.contains(&nr),
        "host::plain is only for integer syscalls"
    );
    // SAFETY: the syscalls listed take no pointers.
    result(unsafe { libc::syscall(nr, a[0], a[1], a[2]) })
}

/// A scheduling or System V IPC syscall whose one pointer argument,
/// `a[at]`, becomes ninux's `buf`. The caller gives a buffer as large as
/// the call reads or writes (a size argument is `buf.len()`;
/// sched_setattr's size is its first word).
pub fn with_buffer(nr: i64, mut a: [u64; 5], at: usize, buf: &mut [u8]) -> Result<u64, Errno> {
    const WITH_BUFFER: [i64; 13] = [
        libc::SYS_sched_getparam,
        libc::SYS_sched_setparam,
        libc::SYS_sched_setscheduler,
        libc::SYS_sched_rr_get_interval,
        libc::SYS_sched_setaffinity,
        libc::SYS_sched_getattr,
        libc::SYS_sched_setattr,
        libc::SYS_msgsnd,
        libc::SYS_msgrcv,
        libc::SYS_msgctl,
        libc::SYS_semop,
        libc::SYS_semctl,
        libc::SYS_shmctl,
    ];
    assert!(
        WITH_BUFFER.contains(&nr) && at < 5,
        "host::with_buffer: not a call with one buffer"
    );
    a[at] = buf.as_mut_ptr() as u64;
    // SAFETY: the one pointer argument is `buf`, ninux's own and as large as
    // the call uses (the caller's promise above).
    result(unsafe { libc::syscall(nr, a[0], a[1], a[2], a[3], a[4]) })
}

/// Ends the whole process now with `status` (exit_group).
pub fn exit_group(status: i32) -> ! {
    // SAFETY: _exit has no preconditions.
    unsafe { libc::_exit(status) }
}

/// The kernel's uname of the host.
pub fn uname() -> abi::structs::Utsname {
    let mut u: libc::utsname = unsafe_zeroed();
    // SAFETY: uname fills a utsname.
    unsafe { libc::uname(&mut u) };
    let mut out = abi::structs::Utsname {
        sysname: [0; 65],
        nodename: [0; 65],
        release: [0; 65],
        version: [0; 65],
        machine: [0; 65],
        domainname: [0; 65],
    };
    let copy = |dst: &mut [u8; 65], src: &[libc::c_char; 65]| {
        for (d, s) in dst.iter_mut().zip(src) {
            *d = *s as u8;
        }
    };
    copy(&mut out.sysname, &u.sysname);
    copy(&mut out.nodename, &u.nodename);
    copy(&mut out.release, &u.release);
    copy(&mut out.version, &u.version);
    copy(&mut out.machine, &u.machine);
    copy(&mut out.domainname, &u.domainname);
    out
}

/// The host's sysinfo.
pub fn sysinfo() -> abi::structs::Sysinfo {
    let mut s = abi::structs::Sysinfo::default();
    const _: () = assert!(
        std::mem::size_of::<libc::sysinfo>() == std::mem::size_of::<abi::structs::Sysinfo>()
    );
    // SAFETY: Sysinfo has the kernel's layout (size asserted).
    unsafe { libc::sysinfo((&mut s as *mut abi::structs::Sysinfo).cast()) };
    s
}

fn unsafe_zeroed<T: Copy>() -> T {
    // SAFETY: only used for libc C structs of integers, for which zero is valid.
    unsafe { std::mem::zeroed() }
}

/// The host's clock, for time(2) and friends.
pub fn clock_gettime(clock: i32) -> Result<abi::structs::Timespec, Errno> {
    let mut ts = abi::structs::Timespec::default();
    // SAFETY: a timespec of the kernel's layout.
    result(unsafe { libc::syscall(libc::SYS_clock_gettime, clock, &mut ts as *mut _) })?;
    Ok(ts)
}

/// clock_getres(2).
pub fn clock_getres(clock: i32) -> Result<abi::structs::Timespec, Errno> {
    let mut ts = abi::structs::Timespec::default();
    // SAFETY: as above.
    result(unsafe { libc::syscall(libc::SYS_clock_getres, clock, &mut ts as *mut _) })?;
    Ok(ts)
}

/// The fds this process has open, from /proc/self/fd (the directory's own
/// fd left out): a few host calls, where probing each possible number
/// with fcntl takes one per number. `None` when /proc is not there.
pub fn open_fds() -> Option<Vec<i32>> {
    // SAFETY: a NUL-terminated path; the fd is closed below.
    let dir = unsafe {
        libc::open(
            c"/proc/self/fd".as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    };
    if dir < 0 {
        return None;
    }
    let mut fds = Vec::new();
    let mut buf = vec![0u8; 8192];
    let complete = loop {
        // SAFETY: buf is ninux's own, of buf.len() bytes.
        let n = unsafe { libc::syscall(libc::SYS_getdents64, dir, buf.as_mut_ptr(), buf.len()) };
        if n <= 0 {
            break n == 0;
        }
        // linux_dirent64: ino u64, off i64, reclen u16, type u8, name.
        let mut at = 0;
        while at + 19 < n as usize {
            let reclen = u16::from_ne_bytes([buf[at + 16], buf[at + 17]]) as usize;
            if reclen == 0 || at + reclen > n as usize {
                break;
            }
            let name = &buf[at + 19..at + reclen];
            let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
            if let Some(fd) = std::str::from_utf8(name)
                .ok()
                .and_then(|s| s.parse::<i32>().ok())
            {
                if fd != dir {
                    fds.push(fd);
                }
            }
            at += reclen;
        }
    };
    close(dir);
    complete.then_some(fds)
}

/// Duplicates a host fd to a number at or above `min`, close-on-exec.
pub fn dup_above(fd: i32, min: i32) -> Result<i32, Errno> {
    fcntl(fd, libc::F_DUPFD_CLOEXEC, min as u64).map(|v| v as i32)
}

/// wait4(2) with ninux-side status and rusage.
pub fn wait4(pid: i32, options: i32) -> Result<(u64, i32, libc::rusage), Errno> {
    let mut status = 0i32;
    let mut ru: libc::rusage = unsafe_zeroed();
    // SAFETY: both out-parameters are ninux's own.
    let r = unsafe { libc::wait4(pid, &mut status, options, &mut ru) };
    result(r as i64).map(|p| (p, status, ru))
}

/// getcpu(2) into ninux-side integers.
pub fn getcpu() -> Result<(u32, u32), Errno> {
    let (mut cpu, mut node) = (0u32, 0u32);
    // SAFETY: two u32 out-parameters; the cache argument is unused by Linux.
    result(unsafe {
        libc::syscall(
            libc::SYS_getcpu,
            &mut cpu as *mut u32,
            &mut node as *mut u32,
            0usize,
        )
    })?;
    Ok((cpu, node))
}

/// pipe2(2): two new host fds, close-on-exec (ninux's copies never leak to
/// host children; the guest's own flag lives in its fd table).
pub fn pipe2(flags: i32) -> Result<[i32; 2], Errno> {
    let mut fds = [0i32; 2];
    // SAFETY: pipe2 writes two ints.
    result(unsafe { libc::pipe2(fds.as_mut_ptr(), flags | libc::O_CLOEXEC) } as i64)?;
    Ok(fds)
}

/// kill(2) / tgkill(2) towards another host process or thread.
pub fn kill(pid: i32, tid: Option<i32>, sig: i32) -> Result<u64, Errno> {
    // SAFETY: signals carry no memory.
    result(unsafe {
        match tid {
            Some(tid) => libc::syscall(libc::SYS_tgkill, pid, tid, sig),
            None => libc::kill(pid, sig) as i64,
        }
    })
}

/// ftruncate(2).
pub fn ftruncate(fd: i32, len: i64) -> Result<u64, Errno> {
    // SAFETY: no memory is involved.
    result(unsafe { libc::ftruncate(fd, len) } as i64)
}

/// fchmod(2).
pub fn fchmod(fd: i32, mode: u32) -> Result<u64, Errno> {
    // SAFETY: no memory is involved.
    result(unsafe { libc::fchmod(fd, mode) } as i64)
}

/// fsync(2).
pub fn fsync(fd: i32) -> Result<u64, Errno> {
    // SAFETY: no memory is involved.
    result(unsafe { libc::fsync(fd) } as i64)
}

/// sync(2).
pub fn sync() {
    // SAFETY: no arguments.
    unsafe { libc::sync() };
}

/// read(2) into a ninux buffer (sendfile and friends move data through ninux).
pub fn read_local(fd: i32, buf: &mut [u8], offset: Option<i64>) -> Result<usize, Errno> {
    // SAFETY: buf is ninux's own.
    let r = unsafe {
        match offset {
            Some(o) => libc::pread(fd, buf.as_mut_ptr().cast(), buf.len(), o),
            None => libc::read(fd, buf.as_mut_ptr().cast(), buf.len()),
        }
    };
    result(r as i64).map(|n| n as usize)
}

/// write(2) from a ninux buffer.
pub fn write_local(fd: i32, buf: &[u8], offset: Option<i64>) -> Result<usize, Errno> {
    // SAFETY: buf is ninux's own.
    let r = unsafe {
        match offset {
            Some(o) => libc::pwrite(fd, buf.as_ptr().cast(), buf.len(), o),
            None => libc::write(fd, buf.as_ptr().cast(), buf.len()),
        }
    };
    result(r as i64).map(|n| n as usize)
}

/// preadv(2) into guest buffers.
pub fn preadv(fd: i32, iov: &[Iovec], offset: i64) -> Result<u64, Errno> {
    for v in iov {
        guest_buffer(v.iov_base, v.iov_len)?;
    }
    // SAFETY: every buffer is guest memory; Iovec has struct iovec's layout.
    result(unsafe { libc::preadv(fd, iov.as_ptr().cast(), iov.len() as i32, offset) } as i64)
}

/// pwritev(2) from guest buffers.
pub fn pwritev(fd: i32, iov: &[Iovec], offset: i64) -> Result<u64, Errno> {
    // SAFETY: the kernel only reads the buffers.
    result(unsafe { libc::pwritev(fd, iov.as_ptr().cast(), iov.len() as i32, offset) } as i64)
}

/// fstatfs(2); the host's struct statfs is the guest's (x86-64 Linux both).
pub fn fstatfs(fd: i32) -> Result<abi::structs::Statfs, Errno> {
    let mut st = abi::structs::Statfs::default();
    const _: () =
        assert!(std::mem::size_of::<libc::statfs>() == std::mem::size_of::<abi::structs::Statfs>());
    // SAFETY: Statfs has the kernel's layout (size asserted).
    result(unsafe { libc::fstatfs(fd, (&mut st as *mut abi::structs::Statfs).cast()) } as i64)?;
    Ok(st)
}

/// statfs(2) of a host path.
pub fn statfs(path: &std::path::Path) -> Result<abi::structs::Statfs, Errno> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(|_| libc::EINVAL)?;
    let mut st = abi::structs::Statfs::default();
    // SAFETY: c is a C string; Statfs has the kernel's layout (asserted in
    // fstatfs).
    result(
        unsafe { libc::statfs(c.as_ptr(), (&mut st as *mut abi::structs::Statfs).cast()) } as i64,
    )?;
    Ok(st)
}

/// capget(2) with a version-3 header for `pid` into `data` (two sets of
/// effective, permitted and inheritable words).
pub fn capget(version: u32, pid: i32, data: &mut [u8; 24]) -> Result<u64, Errno> {
    let mut header = [version as i32, pid];
    // SAFETY: the header and data buffers are ninux's, of the sizes a
    // version-3 call uses.
    result(unsafe { libc::syscall(libc::SYS_capget, header.as_mut_ptr(), data.as_mut_ptr()) })
}

/// capset(2) of this process with a version-3 header.
pub fn capset(version: u32, data: &mut [u8; 24]) -> Result<u64, Errno> {
    let mut header = [version as i32, 0];
    // SAFETY: as in capget.
    result(unsafe { libc::syscall(libc::SYS_capset, header.as_mut_ptr(), data.as_mut_ptr()) })
}

/// inotify_init1(2); the host fd is close-on-exec whatever `flags` say.
pub fn inotify_init1(flags: i32) -> Result<i32, Errno> {
    // SAFETY: no memory is involved.
    result(unsafe { libc::inotify_init1(flags | libc::IN_CLOEXEC) } as i64).map(|fd| fd as i32)
}

/// inotify_add_watch(2) of a host path.
pub fn inotify_add_watch(fd: i32, path: &std::path::Path, mask: u32) -> Result<u64, Errno> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(|_| libc::EINVAL)?;
    // SAFETY: c is a C string that outlives the call.
    result(unsafe { libc::inotify_add_watch(fd, c.as_ptr(), mask) } as i64)
}

/// inotify_rm_watch(2).
pub fn inotify_rm_watch(fd: i32, wd: i32) -> Result<u64, Errno> {
    // SAFETY: no memory is involved.
    result(unsafe { libc::inotify_rm_watch(fd, wd) } as i64)
}

/// An optional offset of ninux's own as the pointer (or null) a syscall takes.
fn offset_ptr(o: Option<&mut i64>) -> *mut i64 {
    o.map_or(std::ptr::null_mut(), |o| o as *mut i64)
}

/// splice(2) between host fds, offsets (if any) ninux's own.
pub fn splice(
    fd_in: i32,
    off_in: Option<&mut i64>,
    fd_out: i32,
    off_out: Option<&mut i64>,
    len: usize,
    flags: u32,
) -> Result<u64, Errno> {
    let (off_in, off_out) = (offset_ptr(off_in), offset_ptr(off_out));
    // SAFETY: the offsets are ninux's i64s or null; no other memory.
    result(unsafe { libc::splice(fd_in, off_in, fd_out, off_out, len, flags) as i64 })
}

/// sendfile(2) between host fds; the offset (if any) is ninux's own.
pub fn sendfile(
    fd_out: i32,
    fd_in: i32,
    offset: Option<&mut i64>,
    count: usize,
) -> Result<u64, Errno> {
    let offset = offset_ptr(offset);
    // SAFETY: the offset is ninux's i64 or null; no other memory.
    result(unsafe { libc::sendfile(fd_out, fd_in, offset, count) } as i64)
}

/// copy_file_range(2) between host fds, offsets (if any) ninux's own.
pub fn copy_file_range(
    fd_in: i32,
    off_in: Option<&mut i64>,
    fd_out: i32,
    off_out: Option<&mut i64>,
    len: usize,
) -> Result<u64, Errno> {
    let (off_in, off_out) = (offset_ptr(off_in), offset_ptr(off_out));
    // SAFETY: the offsets are ninux's i64s or null; no other memory.
    result(unsafe { libc::copy_file_range(fd_in, off_in, fd_out, off_out, len, 0) } as i64)
}

/// tee(2) between host pipes.
pub fn tee(fd_in: i32, fd_out: i32, len: usize, flags: u32) -> Result<u64, Errno> {
    // SAFETY: no memory is involved.
    result(unsafe { libc::tee(fd_in, fd_out, len, flags) as i64 })
}

/// readahead(2).
pub fn readahead(fd: i32, offset: i64, count: usize) -> Result<u64, Errno> {
    // SAFETY: no memory is involved.
    result(unsafe { libc::readahead(fd, offset, count) as i64 })
}

/// sync_file_range(2).
pub fn sync_file_range(fd: i32, offset: i64, nbytes: i64, flags: u32) -> Result<u64, Errno> {
    // SAFETY: no memory is involved.
    result(unsafe { libc::sync_file_range(fd, offset, nbytes, flags) } as i64)
}

/// get_mempolicy(2) into ninux's buffers; `addr` (MPOL_F_ADDR) is only
/// looked up, never dereferenced.
pub fn get_mempolicy(
    mode: &mut i32,
    nodemask: &mut [u64],
    maxnode: u64,
    addr: u64,
    flags: u64,
) -> Result<u64, Errno> {
    let mask = if nodemask.is_empty() {
        std::ptr::null_mut()
    } else {
        nodemask.as_mut_ptr()
    };
    // SAFETY: mode and the mask are ninux's, the mask `maxnode` bits long
    // (the caller's promise); addr is an address the kernel looks up.
    result(unsafe {
        libc::syscall(
            libc::SYS_get_mempolicy,
            mode as *mut i32,
            mask,
            maxnode,
            addr,
            flags,
        )
    })
}

/// set_mempolicy(2) from ninux's buffer.
pub fn set_mempolicy(mode: i32, nodemask: &[u64], maxnode: u64) -> Result<u64, Errno> {
    let mask = if nodemask.is_empty() {
        std::ptr::null()
    } else {
        nodemask.as_ptr()
    };
    // SAFETY: the mask is ninux's and `maxnode` bits long.
    result(unsafe { libc::syscall(libc::SYS_set_mempolicy, mode, mask, maxnode) })
}

/// msgctl, semctl or shmctl with a command that takes no pointer (IPC_RMID,
/// GETVAL, SETVAL, SHM_LOCK, …): the caller's choice of command is the
/// guard.
pub fn ipc_value(nr: i64, a: [u64; 4]) -> Result<u64, Errno> {
    const CTL: [i64; 3] = [libc::SYS_msgctl, libc::SYS_semctl, libc::SYS_shmctl];
    assert!(
        CTL.contains(&nr),
        "host::ipc_value: not an IPC control call"
    );
    // SAFETY: the command passed takes no pointer.
    result(unsafe { libc::syscall(nr, a[0], a[1], a[2], a[3]) })
}

/// semtimedop(2) with ninux's operations and timeout.
pub fn semtimedop(
    id: i32,
    sops: &mut [u8],
    nsops: usize,
    timeout: Option<&[u8; 16]>,
) -> Result<u64, Errno> {
    let t = timeout.map_or(std::ptr::null(), |t| t.as_ptr());
    // SAFETY: sops holds `nsops` sembufs (the caller's promise), the
    // timeout a timespec; both ninux's.
    result(unsafe { libc::syscall(libc::SYS_semtimedop, id, sops.as_mut_ptr(), nsops, t) })
}

/// A host directory opened for reading (close-on-exec).
pub fn open_directory(path: &std::path::Path) -> Result<std::os::fd::OwnedFd, Errno> {
    use std::os::fd::FromRawFd;
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(|_| libc::EINVAL)?;
    // SAFETY: c is a C string; the fd returned is new and ours.
    let fd = result(unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        )
    } as i64)?;
    // SAFETY: a fresh fd nothing else owns.
    Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd as i32) })
}

/// mlockall(2).
pub fn mlockall(flags: i32) -> Result<u64, Errno> {
    // SAFETY: no memory is involved.
    result(unsafe { libc::mlockall(flags) } as i64)
}

/// munlockall(2).
pub fn munlockall() -> Result<u64, Errno> {
    // SAFETY: no memory is involved.
    result(unsafe { libc::munlockall() } as i64)
}

/// flock(2).
pub fn flock(fd: i32, op: i32) -> Result<u64, Errno> {
    // SAFETY: no memory is involved.
    result(unsafe { libc::flock(fd, op) } as i64)
}

/// fcntl(2) record locks with a ninux-side struct flock.
pub fn fcntl_lock(fd: i32, cmd: i32, lock: &mut abi::structs::Flock) -> Result<u64, Errno> {
    const _: () =
        assert!(std::mem::size_of::<libc::flock>() == std::mem::size_of::<abi::structs::Flock>());
    // SAFETY: Flock has the kernel's struct flock layout (size asserted).
    result(unsafe {
        libc::fcntl(
            fd,
            cmd,
            (lock as *mut abi::structs::Flock).cast::<libc::flock>(),
        )
    } as i64)
}

/// fallocate(2).
pub fn fallocate(fd: i32, mode: i32, offset: i64, len: i64) -> Result<u64, Errno> {
    // SAFETY: no memory is involved.
    result(unsafe { libc::fallocate(fd, mode, offset, len) } as i64)
}

/// utimensat(2) of a host path, not following a final symlink.
pub fn utimens_path(
    path: &std::path::Path,
    times: &[abi::structs::Timespec; 2],
) -> Result<u64, Errno> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(|_| libc::EINVAL)?;
    // SAFETY: c is a C string; times is two timespecs in the kernel's layout.
    result(unsafe {
        libc::utimensat(
            libc::AT_FDCWD,
            c.as_ptr(),
            times.as_ptr().cast(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    } as i64)
}

/// futimens(2) with ninux-side times (UTIME_NOW/UTIME_OMIT pass through).
pub fn futimens(fd: i32, times: &[abi::structs::Timespec; 2]) -> Result<u64, Errno> {
    // SAFETY: two timespecs of the kernel's layout.
    result(unsafe { libc::futimens(fd, times.as_ptr().cast()) } as i64)
}

/// fchown(2).
pub fn fchown(fd: i32, uid: u32, gid: u32) -> Result<u64, Errno> {
    // SAFETY: no memory is involved.
    result(unsafe { libc::fchown(fd, uid, gid) } as i64)
}

/// syncfs(2).
pub fn syncfs(fd: i32) -> Result<u64, Errno> {
    // SAFETY: no memory is involved.
    result(unsafe { libc::syncfs(fd) } as i64)
}

/// memfd_create(2) without MFD_CLOEXEC: the file is meant to survive an
/// exec (ninux hands the guest's state to its re-exec'd self through it).
pub fn memfd_create(name: &std::ffi::CStr) -> Result<i32, Errno> {
    // SAFETY: `name` is a NUL-terminated string that outlives the call.
    result(unsafe { libc::syscall(libc::SYS_memfd_create, name.as_ptr(), 0) }).map(|fd| fd as i32)
}

/// memfd_create(2) for the guest: `flags` are its MFD_* flags, and the
/// host fd is close-on-exec whatever they say (the guest's own flag lives
/// in its fd table).
pub fn memfd_create_with(name: &std::ffi::CStr, flags: u32) -> Result<i32, Errno> {
    const MFD_CLOEXEC: u32 = 1;
    // SAFETY: `name` is a NUL-terminated string that outlives the call.
    result(unsafe { libc::syscall(libc::SYS_memfd_create, name.as_ptr(), flags | MFD_CLOEXEC) })
        .map(|fd| fd as i32)
}

/// execve(2) of a host program (ninux itself, re-exec'd): returns only on
/// failure, with the errno.
pub fn execve(
    path: &std::ffi::CStr,
    argv: &[std::ffi::CString],
    envp: &[std::ffi::CString],
) -> Errno {
    let nul_ended = |v: &[std::ffi::CString]| {
        let mut p: Vec<*const libc::c_char> = v.iter().map(|s| s.as_ptr()).collect();
        p.push(std::ptr::null());
        p
    };
    let (a, e) = (nul_ended(argv), nul_ended(envp));
    // SAFETY: every pointer names a live NUL-terminated string and both
    // arrays end with NULL; on success the call does not return.
    let r = unsafe { libc::syscall(libc::SYS_execve, path.as_ptr(), a.as_ptr(), e.as_ptr()) };
    result(r).err().unwrap_or(libc::EIO)
}

/// poll(2) on ninux-side pollfds of host fds; `timeout` None waits forever.
pub fn ppoll(
    fds: &mut [libc::pollfd],
    timeout: Option<abi::structs::Timespec>,
) -> Result<u64, Errno> {
    let ts = timeout.map(|t| libc::timespec {
        tv_sec: t.tv_sec,
        tv_nsec: t.tv_nsec,
    });
    let tp = ts
        .as_ref()
        .map_or(std::ptr::null(), |t| t as *const libc::timespec);
    // SAFETY: fds is ninux's own array; the signal mask is the thread's
    // (callers run this inside uaccess::unblocked).
    result(unsafe {
        libc::ppoll(
            fds.as_mut_ptr(),
            fds.len() as libc::nfds_t,
            tp,
            std::ptr::null(),
        )
    } as i64)
}

/// What Rust's runtime would do before `main` and ninux needs, for a
/// `main` that libc calls directly (tools/src/main.rs): fds 0-2 are open,
/// on `/dev/null` where they were closed, so that no file ninux opens
/// lands on them; and SIGPIPE is ignored, so a host write to a closed pipe
/// returns EPIPE (the personality raises the guest's SIGPIPE itself).
pub fn init_process() {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: poll reads and writes the three pollfds above.
    while unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) } < 0 {
        if last_errno() != libc::EINTR {
            return;
        }
    }
    for p in fds.iter().filter(|p| p.revents & libc::POLLNVAL != 0) {
        // SAFETY: a NUL-terminated path; the lowest free fd is p.fd, closed.
        let fd = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) };
        if fd != p.fd {
            crate::signals::write_stderr(b"ninux: cannot open /dev/null for a closed fd 0-2\n");
            exit_group(127);
        }
    }
    // SAFETY: SIG_IGN needs no handler or restorer.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
}

/// getgroups(2): the ninux process's supplementary groups.
pub fn getgroups() -> Result<Vec<u32>, Errno> {
    rustix::process::getgroups()
        .map(|groups| groups.into_iter().map(|g| g.as_raw()).collect())
        .map_err(|e| e.raw_os_error())
}

/// getrlimit(2) of resource `resource` for the ninux process.
pub fn getrlimit(resource: u32) -> Result<abi::structs::Rlimit, Errno> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit.
    result(unsafe { libc::getrlimit(resource as _, &mut r) } as i64)?;
    Ok(abi::structs::Rlimit {
        rlim_cur: r.rlim_cur,
        rlim_max: r.rlim_max,
    })
}

/// epoll_create1(2): a host epoll instance (guest fds are host fds in it).
pub fn epoll_create1(flags: i32) -> Result<i32, Errno> {
    // SAFETY: no memory is involved.
    result(unsafe { libc::epoll_create1(flags | libc::EPOLL_CLOEXEC) } as i64).map(|f| f as i32)
}

/// epoll_ctl(2) with a ninux-side event (x86-64's packed struct epoll_event).
pub fn epoll_ctl(epfd: i32, op: i32, fd: i32, events: u32, data: u64) -> Result<u64, Errno> {
    let mut ev = libc::epoll_event { events, u64: data };
    // SAFETY: ev is ninux's own; DEL ignores it.
    result(unsafe { libc::epoll_ctl(epfd, op, fd, &mut ev) } as i64)
}

/// epoll_pwait(2) into a ninux buffer; returns (events, data) pairs. Run
/// inside uaccess::unblocked, whose mask is then the one in force.
pub fn epoll_wait(epfd: i32, max: usize, timeout_ms: i32) -> Result<Vec<(u32, u64)>, Errno> {
    let mut evs = vec![libc::epoll_event { events: 0, u64: 0 }; max];
    // SAFETY: evs has room for `max` events.
    let n =
        result(unsafe { libc::epoll_wait(epfd, evs.as_mut_ptr(), max as i32, timeout_ms) } as i64)?;
    Ok(evs[..n as usize]
        .iter()
        .map(|e| (e.events, e.u64))
        .collect())
}

/// eventfd2(2).
pub fn eventfd(initval: u32, flags: i32) -> Result<i32, Errno> {
    // SAFETY: no memory is involved.
    result(unsafe { libc::eventfd(initval, flags | libc::EFD_CLOEXEC) } as i64).map(|f| f as i32)
}

/// A syscall that takes and returns only integers, with up to six of them
/// (setpgid, setsid, pidfd_open, timer_delete, membarrier, …).
pub fn ints(nr: i64, a: [u64; 6]) -> Result<u64, Errno> {
    const INTS: [i64; 18] = [
        libc::SYS_setpgid,
        libc::SYS_setsid,
        libc::SYS_pidfd_open,
        libc::SYS_timer_delete,
        libc::SYS_timer_getoverrun,
        libc::SYS_timerfd_create,
        libc::SYS_membarrier,
        libc::SYS_sched_get_priority_max,
        libc::SYS_sched_get_priority_min,
        libc::SYS_sched_getscheduler,
        libc::SYS_getpriority,
        libc::SYS_setpriority,
        libc::SYS_ioprio_get,
        libc::SYS_ioprio_set,
        libc::SYS_prctl,
        libc::SYS_msgget,
        libc::SYS_semget,
        libc::SYS_shmget,
    ];
    assert!(
        INTS.contains(&nr),
        "host::ints is only for integer syscalls"
    );
    // SAFETY: the syscalls listed take no pointers (prctl's callers pass
    // only options whose arguments are integers).
    result(unsafe { libc::syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]) })
}

/// prctl(2) options whose second argument is an `int *` the host fills in
/// (PR_GET_PDEATHSIG, PR_GET_CHILD_SUBREAPER), read into ninux.
pub fn prctl_get_int(option: i32) -> Result<i32, Errno> {
    let mut v = 0i32;
    // SAFETY: the callers pass options that write one int at arg2.
    result(unsafe { libc::prctl(option, &mut v as *mut i32, 0, 0, 0) } as i64)?;
    Ok(v)
}

/// waitid(2) with ninux-side siginfo and rusage: (siginfo bytes, rusage).
pub fn waitid(idtype: i32, id: u64, options: i32) -> Result<([u8; 128], libc::rusage), Errno> {
    let mut info = [0u8; 128];
    let mut ru: libc::rusage = unsafe_zeroed();
    // SAFETY: a 128-byte siginfo and a rusage, both ninux's own.
    result(unsafe {
        libc::syscall(
            libc::SYS_waitid,
            idtype,
            id,
            info.as_mut_ptr(),
            options,
            &mut ru as *mut libc::rusage,
        )
    })?;
    Ok((info, ru))
}

/// getrusage(2) into ninux.
pub fn getrusage(who: i32) -> Result<libc::rusage, Errno> {
    let mut ru: libc::rusage = unsafe_zeroed();
    // SAFETY: one rusage, ninux's own.
    result(unsafe { libc::getrusage(who, &mut ru) } as i64)?;
    Ok(ru)
}

/// times(2) into ninux: (clock ticks, [utime, stime, cutime, cstime]).
pub fn times() -> Result<(u64, [i64; 4]), Errno> {
    let mut t = [0i64; 4];
    // SAFETY: struct tms is four clock_t (i64) on x86-64.
    let r = unsafe { libc::syscall(libc::SYS_times, t.as_mut_ptr()) };
    // times may legitimately return a "negative" tick count; only -1 with
    // errno is an error, and the host's only error is EFAULT.
    if r == -1 {
        return result(r).map(|_| (0, t));
    }
    Ok((r as u64, t))
}

/// An itimerspec as four i64: interval sec, nsec, value sec, nsec.
pub type Itimerspec = [i64; 4];

/// timerfd_settime(2) / timer_settime(2) with ninux-side values: `timerfd`
/// says which of the two. Returns the old value.
pub fn settime(timerfd: bool, id: i32, flags: i32, new: &Itimerspec) -> Result<Itimerspec, Errno> {
    let mut old = [0i64; 4];
    let nr = if timerfd {
        libc::SYS_timerfd_settime
    } else {
        libc::SYS_timer_settime
    };
    // SAFETY: two itimerspecs, ninux's own.
    result(unsafe { libc::syscall(nr, id, flags, new.as_ptr(), old.as_mut_ptr()) })?;
    Ok(old)
}

/// timerfd_gettime(2) / timer_gettime(2) into ninux.
pub fn gettime(timerfd: bool, id: i32) -> Result<Itimerspec, Errno> {
    let mut cur = [0i64; 4];
    let nr = if timerfd {
        libc::SYS_timerfd_gettime
    } else {
        libc::SYS_timer_gettime
    };
    // SAFETY: one itimerspec, ninux's own.
    result(unsafe { libc::syscall(nr, id, cur.as_mut_ptr()) })?;
    Ok(cur)
}

/// timer_create(2) with a ninux-side struct sigevent (64 bytes); `None`
/// asks for the default (SIGEV_SIGNAL, SIGALRM, the timer id as value).
pub fn timer_create(clock: i32, sigevent: Option<&[u8; 64]>) -> Result<i32, Errno> {
    let mut id = 0i32;
    let ev = sigevent.map_or(std::ptr::null(), |e| e.as_ptr());
    // SAFETY: a 64-byte sigevent (or NULL) in, one int out, both ninux's.
    result(unsafe { libc::syscall(libc::SYS_timer_create, clock, ev, &mut id as *mut i32) })?;
    Ok(id)
}

/// signalfd4(2) with a ninux-side mask.
pub fn signalfd4(fd: i32, mask: u64, flags: i32) -> Result<i32, Errno> {
    // SAFETY: an 8-byte sigset, ninux's own.
    result(unsafe { libc::syscall(libc::SYS_signalfd4, fd, &mask as *const u64, 8usize, flags) })
        .map(|v| v as i32)
}

/// pidfd_send_signal(2) with an optional ninux-side siginfo (128 bytes).
pub fn pidfd_send_signal(
    pidfd: i32,
    sig: i32,
    info: Option<&[u8; 128]>,
    flags: u32,
) -> Result<u64, Errno> {
    let info = info.map_or(std::ptr::null(), |i| i.as_ptr());
    // SAFETY: a 128-byte siginfo (or NULL), ninux's own.
    result(unsafe { libc::syscall(libc::SYS_pidfd_send_signal, pidfd, sig, info, flags) })
}

/// Maps `n` i32 slots of host fd `fd` (a memfd already `n * 4` bytes long)
/// shared, for counters every process of a run sees alike. The mapping is
/// never unmapped: it lives as long as the process.
pub fn map_shared_slots(
    fd: i32,
    n: usize,
) -> Result<&'static [std::sync::atomic::AtomicI32], Errno> {
    let len = n.checked_mul(4).filter(|&l| l > 0).ok_or(libc::EINVAL)?;
    let p = map_shared(fd, len, 0)?;
    // SAFETY: `len` bytes, page-aligned, mapped for the rest of the process;
    // AtomicI32 has i32's layout and every bit pattern is valid.
    Ok(unsafe { std::slice::from_raw_parts(p as *const std::sync::atomic::AtomicI32, n) })
}

/// setrlimit(2) of the host process, for limits the host kernel enforces on
/// the guest's behalf (RLIMIT_NPROC).
pub fn setrlimit(resource: u32, limit: abi::structs::Rlimit) -> Result<u64, Errno> {
    let r = libc::rlimit {
        rlim_cur: limit.rlim_cur,
        rlim_max: limit.rlim_max,
    };
    // SAFETY: setrlimit reads one rlimit.
    result(unsafe { libc::setrlimit(resource as _, &r) } as i64)
}

/// Opens host fd `fd` anew through /proc/self/fd, as Linux's open of
/// /proc/self/fd/N does for a pipe or socket: a new open file description
/// of the same object, with `flags` (close-on-exec on the host side).
pub fn reopen(fd: i32, flags: i32) -> Result<i32, Errno> {
    let path = std::ffi::CString::new(format!("/proc/self/fd/{fd}")).map_err(|_| libc::EINVAL)?;
    // SAFETY: a NUL-terminated path ninux owns.
    result(unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC) } as i64).map(|f| f as i32)
}
