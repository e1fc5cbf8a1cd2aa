//! clone, clone3, exit, exit_group and the thread bookkeeping Linux keeps in
//! the task: set_tid_address, robust lists, futex.

use super::vfork;
use crate::fs::from_host;
use crate::mem::{In, Out};
use crate::state::{process, with_thread};
use crate::SysResult;
use abi::flags::CloneFlags;
use abi::structs::CloneArgs;
use abi::Errno;
use platform::{host, uaccess, GuestRegs, ThreadSetup, Trap};
use std::sync::atomic::Ordering;

/// What both clone and clone3 ask for.
struct CloneRequest {
    flags: CloneFlags,
    /// New stack pointer, or 0 to keep the caller's.
    stack: u64,
    parent_tid: u64,
    child_tid: u64,
    tls: u64,
    /// CLONE_PIDFD: where the parent's new pidfd number goes.
    pidfd: u64,
}

/// clone(2): x86-64 argument order is flags, stack, parent_tid, child_tid, tls.
pub fn clone(t: &mut Trap, a: [u64; 6]) -> SysResult {
    // The low byte is the exit signal; the rest are CLONE_* flags.
    let flags = CloneFlags::from_bits_retain(a[0] & !0xff);
    clone_common(
        t,
        CloneRequest {
            flags,
            stack: a[1],
            parent_tid: a[2],
            child_tid: a[3],
            tls: a[4],
            // clone(2) returns the pidfd through the parent_tid pointer.
            pidfd: a[2],
        },
    )
}

/// clone3(2)
pub fn clone3(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (args, size) = (a[0], a[1]);
    const VER0: u64 = 64;
    let full = std::mem::size_of::<CloneArgs>() as u64;
    if !(VER0..=4096).contains(&size) {
        return Err(Errno::EINVAL);
    }
    // Fields past what we know must be zero (E2BIG otherwise), like Linux.
    if size > full {
        let tail = crate::mem::read_bytes(args + full, (size - full) as usize)?;
        if tail.iter().any(|&b| b != 0) {
            return Err(Errno::E2BIG);
        }
    }
    let mut buf = [0u8; 88];
    let n = size.min(full) as usize;
    uaccess::copy_in(&mut buf[..n], args).map_err(|_| Errno::EFAULT)?;
    let word = |i: usize| u64::from_le_bytes(buf[i * 8..i * 8 + 8].try_into().unwrap_or_default());
    let (flags, pidfd, child_tid, parent_tid, stack, stack_size, tls) = (
        word(0),
        word(1),
        word(2),
        word(3),
        word(5),
        word(6),
        word(7),
    );
    if (stack == 0) != (stack_size == 0) {
        return Err(Errno::EINVAL);
    }
    let flags = CloneFlags::from_bits(flags).ok_or(Errno::EINVAL)?;
    let stack = if stack == 0 {
        0
    } else {
        stack.checked_add(stack_size).ok_or(Errno::EINVAL)?
    };
    clone_common(
        t,
        CloneRequest {
            flags,
            stack,
            parent_tid,
            child_tid,
            tls,
            pidfd,
        },
    )
}

fn clone_common(t: &mut Trap, req: CloneRequest) -> SysResult {
    let f = req.flags;
    // The kernel's own consistency rules (copy_process).
    if f.contains(CloneFlags::THREAD) && !f.contains(CloneFlags::SIGHAND) {
        return Err(Errno::EINVAL);
    }
    if f.contains(CloneFlags::SIGHAND) && !f.contains(CloneFlags::VM) {
        return Err(Errno::EINVAL);
    }
    // clone(2) has one pointer for both; pidfds name processes here.
    if f.contains(CloneFlags::PIDFD)
        && (f.contains(CloneFlags::THREAD)
            || (f.contains(CloneFlags::PARENT_SETTID) && req.pidfd == req.parent_tid))
    {
        return Err(Errno::EINVAL);
    }
    if f.contains(CloneFlags::THREAD) {
        return clone_thread(t, req);
    }
    if !f.contains(CloneFlags::VM) || f.contains(CloneFlags::VFORK) {
        return fork_process(t, req);
    }
    log::warn!(
        "clone with CLONE_VM but neither CLONE_THREAD nor CLONE_VFORK ({f:?}) is not supported"
    );
    Err(Errno::ENOSYS)
}

/// A guest thread: a host thread entering guest code with the parent's
/// registers, rax = 0, the new stack and TLS.
fn clone_thread(t: &mut Trap, req: CloneRequest) -> SysResult {
    let f = req.flags;
    let mut regs: GuestRegs = t.regs();
    regs.rax = 0;
    if req.stack != 0 {
        regs.rsp = req.stack;
    }
    let fs = if f.contains(CloneFlags::SETTLS) {
        req.tls
    } else {
        platform::guest_fs()
    };
    let clear_tid = if f.contains(CloneFlags::CHILD_CLEARTID) {
        req.child_tid
    } else {
        0
    };
    let set_child = f
        .contains(CloneFlags::CHILD_SETTID)
        .then_some(req.child_tid);
    let set_parent = f
        .contains(CloneFlags::PARENT_SETTID)
        .then_some(req.parent_tid);
    let altstack = abi::structs::StackT {
        ss_flags: abi::signal::SS_DISABLE,
        ..Default::default()
    };
    // Both tid words are written before the child runs, as copy_process does.
    let on_start = Box::new(move |tid: i32| {
        with_thread(|th| {
            th.tid = tid;
            th.clear_child_tid = clear_tid;
            th.altstack = altstack;
        });
        for addr in [set_child, set_parent].into_iter().flatten() {
            let _ = Out::<i32>::new(addr).write(&tid);
        }
    });
    let p = process();
    p.live_threads.fetch_add(1, Ordering::SeqCst);
    kernel::hostwatch::memory_shared();
    let setup = ThreadSetup {
        regs,
        fs,
        sigmask: t.sigmask(),
        on_start,
        on_exit: Box::new(|_| {}),
    };
    platform::spawn_guest_thread(setup)
        .map(|tid| tid as u64)
        .map_err(|e| {
            p.live_threads.fetch_sub(1, Ordering::SeqCst);
            log::warn!("cannot start a guest thread: {e}");
            Errno::EAGAIN
        })
}

/// fork, and vfork treated as fork: a real host fork of the whole process.
fn fork_process(t: &mut Trap, req: CloneRequest) -> SysResult {
    let slot = crate::process::run_limit::claim()?;
    // CLONE_VFORK: the parent waits until the child execs or exits, as on
    // Linux, and takes in what the child wrote (process::vfork).
    let vfork = if req.flags.contains(CloneFlags::VFORK) {
        vfork::Wait::new()
    } else {
        None
    };
    let pid = match platform::fork() {
        Ok(pid) => pid,
        Err(e) => {
            slot.release();
            if let Some(v) = vfork {
                v.abandon();
            }
            return Err(from_host(e.raw_os_error().unwrap_or(libc::EAGAIN)));
        }
    };
    if pid == 0 {
        // A vfork child's own children do not hold its parent up.
        vfork::forget_parent();
        if let Some(v) = vfork {
            v.in_child();
        }
        let tid = platform::gettid();
        // The child names itself first, so the run's end finds it even if
        // its parent dies before writing the slot.
        slot.fill(tid);
        // Only the calling thread lives on in the child, its leader.
        process().live_threads.store(1, Ordering::SeqCst);
        process().leader_tid.store(tid, Ordering::SeqCst);
        with_thread(|th| th.tid = tid);
        if req.stack != 0 {
            let mut regs = t.regs();
            regs.rsp = req.stack;
            t.set_regs(&regs);
        }
        if req.flags.contains(CloneFlags::CHILD_SETTID) {
            let _ = Out::<i32>::new(req.child_tid).write(&tid);
        }
        if req.flags.contains(CloneFlags::CHILD_CLEARTID) {
            with_thread(|th| th.clear_child_tid = req.child_tid);
        }
        return Ok(0);
    }
    slot.fill(pid);
    if let Some(v) = vfork {
        v.in_parent();
    }
    if req.flags.contains(CloneFlags::PARENT_SETTID) {
        let _ = Out::<i32>::new(req.parent_tid).write(&pid);
    }
    if req.flags.contains(CloneFlags::PIDFD) {
        // Made after the fork: the child is at worst a zombie, never reaped,
        // since only this process waits for it.
        if let Ok(fd) = crate::process::pidfd::open_for_child(pid) {
            let _ = Out::<i32>::new(req.pidfd).write(&(fd as i32));
        }
    }
    Ok(pid as u64)
}

const FUTEX_WAKE: u64 = 1;

/// exit(2): ends the calling thread; the process ends with its last thread.
pub fn exit(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let status = (a[0] & 0xff) as i32;
    let clear = with_thread(|th| std::mem::take(&mut th.clear_child_tid));
    if clear != 0 {
        // As the kernel does at thread death: zero the tid word, shared wake.
        if Out::<u32>::new(clear).write(&0).is_ok() {
            let _ = host::futex([clear, FUTEX_WAKE, 1, 0, 0, 0]);
        }
    }
    let p = process();
    let me = platform::gettid();
    let leader = me == p.leader_tid.load(Ordering::SeqCst);
    if leader {
        p.leader_status.store(status, Ordering::SeqCst);
    }
    if p.live_threads.fetch_sub(1, Ordering::SeqCst) == 1 {
        // The process's status is its leader's, whichever thread is last.
        crate::exec::exit_process(p.leader_status.load(Ordering::SeqCst));
    }
    if leader {
        // Linux keeps the leader as a zombie until the group ends; its host
        // thread must stay too, or the host process would end with it.
        loop {
            std::thread::park();
        }
    }
    platform::leave_guest(status as u64)
}

/// exit_group(2)
pub fn exit_group(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    crate::exec::exit_process((a[0] & 0xff) as i32)
}

/// set_tid_address(2): recorded, never passed to the host (PLATFORM-NOTES 8).
pub fn set_tid_address(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    with_thread(|th| th.clear_child_tid = a[0]);
    Ok(platform::gettid() as u64)
}

/// set_robust_list(2)
pub fn set_robust_list(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (head, len) = (a[0], a[1]);
    if len != 24 {
        return Err(Errno::EINVAL);
    }
    with_thread(|th| th.robust_list = (head, len));
    Ok(0)
}

/// get_robust_list(2)
pub fn get_robust_list(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (pid, head_ptr, len_ptr) = (a[0] as i32, Out::<u64>::new(a[1]), Out::<u64>::new(a[2]));
    if pid != 0 && pid != platform::gettid() {
        return Err(Errno::EPERM);
    }
    let (head, len) = with_thread(|th| th.robust_list);
    head_ptr.write(&head)?;
    len_ptr.write(&len.max(24))?;
    Ok(0)
}

/// futex(2): guest and ninux share one address space, so the host kernel's
/// futexes serve guest threads directly.
pub fn futex(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let _ = In::<u32>::new(a[0]);
    uaccess::unblocked(t.sigmask(), || host::futex(a)).map_err(from_host)
}

/// fork(2)
pub fn fork(t: &mut Trap, _a: [u64; 6]) -> SysResult {
    fork_process(
        t,
        CloneRequest {
            flags: CloneFlags::empty(),
            stack: 0,
            parent_tid: 0,
            child_tid: 0,
            tls: 0,
            pidfd: 0,
        },
    )
}

/// vfork(2): the parent waits for the child's exec or exit, and then sees
/// what the child wrote (process::vfork).
pub fn vfork(t: &mut Trap, _a: [u64; 6]) -> SysResult {
    fork_process(
        t,
        CloneRequest {
            flags: CloneFlags::VFORK,
            stack: 0,
            parent_tid: 0,
            child_tid: 0,
            tls: 0,
            pidfd: 0,
        },
    )
}
