//! Host threads that run guest code: each has its own block, alternate signal
//! stack and Syscall User Dispatch (none of these is inherited by clone or
//! fork, PLATFORM-NOTES 4, 5a).

use crate::asm;
use crate::block::{GuestRegs, ThreadBlock, SELECTOR_ALLOW};
use std::cell::Cell;
use std::io;

/// The alternate signal stack, where every handler (and so all of ninux's
/// syscall work) runs. Reserved, not committed: only touched pages cost.
const ALTSTACK_SIZE: usize = 4 << 20;
const GUARD: usize = 4096;

const PR_SET_SYSCALL_USER_DISPATCH: i32 = 59;
const PR_SYS_DISPATCH_OFF: u64 = 0;
const PR_SYS_DISPATCH_ON: u64 = 1;
const ARCH_SET_GS: i32 = 0x1001;

thread_local! {
    static BLOCK: Cell<*mut ThreadBlock> = const { Cell::new(std::ptr::null_mut()) };
}

/// Does the calling thread run guest code (has it a block)?
pub(crate) fn is_guest_thread() -> bool {
    BLOCK.with(|b| !b.get().is_null())
}

fn os_err() -> io::Error {
    io::Error::last_os_error()
}

/// Gives the calling host thread a block, an alternate stack, a GS base
/// pointing at the block, and SUD; idempotent.
fn prepare_current_thread() -> io::Result<*mut ThreadBlock> {
    let existing = BLOCK.with(|b| b.get());
    if !existing.is_null() {
        return Ok(existing);
    }
    // SAFETY: fresh anonymous mappings owned by this thread; the block is
    // zero-initialised, which is a valid ThreadBlock (selector ALLOW).
    unsafe {
        let block = libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if block == libc::MAP_FAILED {
            return Err(os_err());
        }
        let block = block as *mut ThreadBlock;
        (*block).fast_entry = crate::fast::fast_entry_address();
        let stack = libc::mmap(
            std::ptr::null_mut(),
            ALTSTACK_SIZE + GUARD,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        );
        if stack == libc::MAP_FAILED {
            return Err(os_err());
        }
        libc::mprotect(stack, GUARD, libc::PROT_NONE);
        let ss = libc::stack_t {
            ss_sp: (stack as usize + GUARD) as *mut libc::c_void,
            ss_flags: 0,
            ss_size: ALTSTACK_SIZE,
        };
        if libc::sigaltstack(&ss, std::ptr::null_mut()) < 0 {
            return Err(os_err());
        }
        (*block).altstack = [stack as u64, (ALTSTACK_SIZE + GUARD) as u64];
        if libc::syscall(libc::SYS_arch_prctl, ARCH_SET_GS, block as u64) < 0 {
            return Err(os_err());
        }
        if arm_dispatch(block) < 0 {
            let e = os_err();
            return Err(io::Error::new(
                e.kind(),
                format!("Syscall User Dispatch unavailable: {e}"),
            ));
        }
        BLOCK.with(|b| b.set(block));
        Ok(block)
    }
}

/// Switches Syscall User Dispatch on for the calling thread, with `block`'s
/// selector and [`exempt_region`] allowed.
///
/// # Safety
/// `block` must stay mapped until dispatch is switched off (PLATFORM-NOTES 3).
unsafe fn arm_dispatch(block: *mut ThreadBlock) -> i32 {
    let (start, len) = exempt_region();
    // SAFETY: as the caller promises, the selector outlives dispatch.
    unsafe {
        libc::prctl(
            PR_SET_SYSCALL_USER_DISPATCH,
            PR_SYS_DISPATCH_ON,
            start,
            len,
            block as u64,
        )
    }
}

/// The code whose syscalls the kernel lets through without reading the
/// selector: all of ninux's executable segment, which holds the assembly
/// stubs and every host call ninux makes (its libc is linked in), and never
/// guest code. The kernel checks this range before it reads the selector
/// byte, so a host syscall costs about 37 ns more than without dispatch
/// instead of 93 ns (measured with `getppid` on this machine class). The
/// stubs' own region is the fallback if the segment is not found.
fn exempt_region() -> (u64, u64) {
    static REGION: std::sync::OnceLock<(u64, u64)> = std::sync::OnceLock::new();
    *REGION.get_or_init(|| {
        let (start, end) = (
            asm::label(asm::ninux_exempt_start),
            asm::label(asm::ninux_exempt_end),
        );
        crate::hugetext::read_only_segments()
            .into_iter()
            .find(|s| s.exec && s.start as u64 <= start && end <= s.end as u64)
            .map_or((start, end - start), |s| {
                (s.start as u64, (s.end - s.start) as u64)
            })
    })
}

/// Undoes `prepare_current_thread`: SUD off before the selector is unmapped
/// (PLATFORM-NOTES 3).
fn release_current_thread() {
    let block = BLOCK.with(|b| b.replace(std::ptr::null_mut()));
    if block.is_null() {
        return;
    }
    // SAFETY: block was mapped by prepare_current_thread; SUD, the GS base and
    // the alternate stack stop referring to it before it is unmapped.
    unsafe {
        libc::prctl(
            PR_SET_SYSCALL_USER_DISPATCH,
            PR_SYS_DISPATCH_OFF,
            0u64,
            0u64,
            0u64,
        );
        libc::syscall(libc::SYS_arch_prctl, ARCH_SET_GS, 0u64);
        let off = libc::stack_t {
            ss_sp: std::ptr::null_mut(),
            ss_flags: libc::SS_DISABLE,
            ss_size: 0,
        };
        libc::sigaltstack(&off, std::ptr::null_mut());
        let [stack, size] = (*block).altstack;
        libc::munmap(stack as *mut libc::c_void, size as usize);
        libc::munmap(block.cast(), 4096);
    }
}

/// Records the signal mask guest code runs with, for the fast path.
pub(crate) fn note_guest_mask(mask: u64) {
    let block = BLOCK.with(|b| b.get());
    if !block.is_null() {
        // SAFETY: the block is this thread's and mapped.
        unsafe { (*block).guest_mask = mask };
    }
}

/// Sets the calling thread's signal mask; returns the old one.
pub(crate) fn set_thread_sigmask(mask: u64) -> u64 {
    let mut old = 0u64;
    // SAFETY: the kernel reads and writes 8-byte sigsets.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigprocmask,
            libc::SIG_SETMASK,
            &mask as *const u64,
            &mut old as *mut u64,
            8usize,
        )
    };
    old
}

/// Runs guest code on the calling thread: `regs` (rip, rsp, …), FS base `fs`
/// and signal mask `mask`, until the guest thread leaves through
/// [`leave_guest`]; returns the value given there.
pub fn enter_guest(regs: GuestRegs, fs: u64, mask: u64) -> io::Result<u64> {
    let block = prepare_current_thread()?;
    crate::deferred::note_guest_thread(crate::gettid());
    // SAFETY: the block belongs to this thread; ninux_enter_guest returns only
    // through ninux_leave_guest, on this thread, with our stack intact.
    let value = unsafe {
        (*block).regs = regs;
        (*block).guest_fs = fs;
        (*block).this = block as u64;
        (*block).guest_mask = mask & !(1 << (libc::SIGSYS - 1));
        let host_mask = set_thread_sigmask((*block).guest_mask);
        let value = asm::ninux_enter_guest(block);
        // We left from inside a signal handler: restore the mask explicitly.
        set_thread_sigmask(host_mask);
        value
    };
    Ok(value)
}

/// Ends guest execution on this thread: `enter_guest` returns `value`. Call
/// only from a handler, holding no locks (its frames are abandoned).
pub fn leave_guest(value: u64) -> ! {
    let block = BLOCK.with(|b| b.get());
    assert!(
        !block.is_null(),
        "leave_guest on a thread that never entered a guest"
    );
    // SAFETY: the block's host_rsp was saved by this thread's ninux_enter_guest,
    // whose frame is still live below us on the host stack.
    unsafe {
        debug_assert_eq!((*block).selector, SELECTOR_ALLOW);
        asm::ninux_leave_guest(block, value)
    }
}

/// Sets the FS base the guest resumes with (arch_prctl ARCH_SET_FS). Valid
/// inside a handler, where the block's guest_fs slot is authoritative.
pub fn set_guest_fs(fs: u64) {
    let block = BLOCK.with(|b| b.get());
    if !block.is_null() {
        // SAFETY: the block is this thread's and mapped.
        unsafe { (*block).guest_fs = fs };
    }
}

/// The guest's FS base, as saved at the current trap.
pub fn guest_fs() -> u64 {
    let block = BLOCK.with(|b| b.get());
    if block.is_null() {
        return 0;
    }
    // SAFETY: as above.
    unsafe { (*block).guest_fs }
}

/// What a new guest thread starts with.
pub struct ThreadSetup {
    pub regs: GuestRegs,
    pub fs: u64,
    pub sigmask: u64,
    /// Runs on the new thread, in ninux, before any guest code: records the
    /// thread in the personality and writes SETTID words.
    pub on_start: Box<dyn FnOnce(i32) + Send>,
    /// Runs on the new thread after its guest part left, with the value given
    /// to `leave_guest`.
    pub on_exit: Box<dyn FnOnce(u64) + Send>,
}

/// Starts a host thread that runs guest code (clone with CLONE_VM|CLONE_THREAD)
/// and returns its thread id once it is ready to enter the guest.
pub fn spawn_guest_thread(setup: ThreadSetup) -> io::Result<i32> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<io::Result<i32>>(1);
    std::thread::Builder::new()
        .name("guest".into())
        .stack_size(256 << 10)
        .spawn(move || {
            let tid = crate::gettid();
            if let Err(e) = prepare_current_thread() {
                let _ = tx.send(Err(e));
                return;
            }
            (setup.on_start)(tid);
            let _ = tx.send(Ok(tid));
            let value = enter_guest(setup.regs, setup.fs, setup.sigmask);
            release_current_thread();
            (setup.on_exit)(value.unwrap_or(0));
        })?;
    rx.recv()
        .map_err(|_| io::Error::other("guest thread died before starting"))?
}

/// A real host fork of the whole process, from a handler (fork-like clone).
/// In the child, Syscall User Dispatch is switched on again for this thread:
/// fork does not inherit it (PLATFORM-NOTES 5a); the block, GS base and
/// alternate stack are copied with the memory and thread state.
pub fn fork() -> io::Result<i32> {
    crate::hugetext::before_fork();
    // SAFETY: fork from a handler that interrupted guest code: no ninux lock
    // is held by this thread, and other guest threads do not exist in the child.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        return Err(os_err());
    }
    if pid == 0 {
        crate::host::forget_pid();
        crate::deferred::set_first_guest_thread(crate::gettid());
        let block = BLOCK.with(|b| b.get());
        if !block.is_null() {
            // SAFETY: the block is this thread's and stays mapped.
            if unsafe { arm_dispatch(block) } < 0 {
                crate::signals::write_stderr(
                    b"ninux: cannot re-arm Syscall User Dispatch after fork\n",
                );
                crate::host::exit_group(127);
            }
        }
    }
    Ok(pid)
}
