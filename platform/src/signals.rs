//! Host signal handling: installing ninux's handlers with its own restorer,
//! and the Rust side of the entry stub, which hands guest syscalls and guest
//! faults to the registered [`Handlers`] as a [`Trap`].

use crate::asm;
use crate::block::GuestRegs;
use std::sync::OnceLock;

/// The kernel's ucontext as x86-64 Linux lays it out in a signal frame.
#[repr(C)]
pub(crate) struct KernelUcontext {
    uc_flags: u64,
    uc_link: u64,
    uc_stack: [u64; 3],
    gregs: [u64; 23],
    fpstate: u64,
    reserved: [u64; 8],
    sigmask: u64,
}
const _: () = assert!(std::mem::offset_of!(KernelUcontext, gregs) == 40);
const _: () = assert!(std::mem::offset_of!(KernelUcontext, sigmask) == 296);

// Indices into gregs (sys/ucontext.h).
const R8: usize = 0;
const R9: usize = 1;
const R10: usize = 2;
const R11: usize = 3;
const R12: usize = 4;
const R13: usize = 5;
const R14: usize = 6;
const R15: usize = 7;
const RDI: usize = 8;
const RSI: usize = 9;
const RBP: usize = 10;
const RBX: usize = 11;
const RDX: usize = 12;
const RAX: usize = 13;
const RCX: usize = 14;
const RSP: usize = 15;
const RIP: usize = 16;
const EFL: usize = 17;

/// siginfo_t, read by offsets: signo 0, errno 4, code 8, then the union at 16
/// (si_addr for faults; call_addr, syscall, arch for SIGSYS).
#[repr(C)]
pub(crate) struct RawSiginfo {
    signo: i32,
    errno: i32,
    code: i32,
    _pad: i32,
    union: [u64; 14],
}

const SYS_USER_DISPATCH: i32 = 2;
const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
const SIGSYS_BIT: u64 = 1 << (libc::SIGSYS - 1);

/// The interrupted guest context: registers, flags, signal mask. Changes are
/// applied when the handler returns to the guest.
pub struct Trap<'a> {
    uc: &'a mut KernelUcontext,
}

impl Trap<'_> {
    /// The syscall number (rax at the trap).
    pub fn nr(&self) -> u64 {
        self.uc.gregs[RAX]
    }
    /// The six syscall arguments: rdi, rsi, rdx, r10, r8, r9.
    pub fn args(&self) -> [u64; 6] {
        let g = &self.uc.gregs;
        [g[RDI], g[RSI], g[RDX], g[R10], g[R8], g[R9]]
    }
    /// Sets the syscall's result as the kernel would: rax, with rcx and r11
    /// clobbered the way the `syscall` instruction clobbers them.
    pub fn set_return(&mut self, value: u64) {
        self.uc.gregs[RAX] = value;
        self.uc.gregs[RCX] = self.uc.gregs[RIP];
        self.uc.gregs[R11] = self.uc.gregs[EFL];
    }
    pub fn rip(&self) -> u64 {
        self.uc.gregs[RIP]
    }
    /// All registers as they were at the trap.
    pub fn regs(&self) -> GuestRegs {
        let g = &self.uc.gregs;
        GuestRegs {
            rax: g[RAX],
            rbx: g[RBX],
            rcx: g[RCX],
            rdx: g[RDX],
            rsi: g[RSI],
            rdi: g[RDI],
            rbp: g[RBP],
            rsp: g[RSP],
            r8: g[R8],
            r9: g[R9],
            r10: g[R10],
            r11: g[R11],
            r12: g[R12],
            r13: g[R13],
            r14: g[R14],
            r15: g[R15],
            rip: g[RIP],
            rflags: g[EFL],
        }
    }
    /// Replaces every register (used by rt_sigreturn and signal delivery).
    pub fn set_regs(&mut self, r: &GuestRegs) {
        let g = &mut self.uc.gregs;
        (
            g[RAX], g[RBX], g[RCX], g[RDX], g[RSI], g[RDI], g[RBP], g[RSP],
        ) = (r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp);
        (g[R8], g[R9], g[R10], g[R11], g[R12], g[R13], g[R14], g[R15]) =
            (r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15);
        (g[RIP], g[EFL]) = (r.rip, r.rflags);
    }
    /// The guest's signal mask, restored when the trap returns.
    pub fn sigmask(&self) -> u64 {
        self.uc.sigmask
    }
    /// Sets the mask the guest resumes with. SIGSYS can never be blocked in a
    /// guest thread: a trap with SIGSYS blocked kills the process (PLATFORM-NOTES 7).
    pub fn set_sigmask(&mut self, mask: u64) {
        self.uc.sigmask = mask & !SIGSYS_BIT;
    }
}

/// A synchronous fault in guest code.
#[derive(Debug, Clone, Copy)]
pub struct Fault {
    pub signo: i32,
    pub code: i32,
    /// si_addr: the faulting data address (SIGSEGV/SIGBUS) or instruction.
    pub addr: u64,
    pub rip: u64,
}

/// What ninux does with guest events. Handlers run on the thread's alternate
/// stack with ninux's TLS, every asynchronous signal blocked.
pub struct Handlers {
    /// A guest `syscall`: decode `trap.nr()`/`trap.args()`, set the result.
    pub syscall: fn(&mut Trap),
    /// A guest fault (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP).
    pub fault: fn(&mut Trap, &Fault),
}

static HANDLERS: OnceLock<Handlers> = OnceLock::new();

/// The signals ninux catches itself.
const CAUGHT: [i32; 6] = [
    libc::SIGSYS,
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGILL,
    libc::SIGFPE,
    libc::SIGTRAP,
];
/// Synchronous signals stay unblocked in handlers so guest-memory copies can fault.
const SYNCHRONOUS: [i32; 5] = [
    libc::SIGSEGV,
    libc::SIGBUS,
    libc::SIGILL,
    libc::SIGFPE,
    libc::SIGTRAP,
];

/// Installs ninux's signal handlers and the guest event handlers. Call once,
/// before any guest code runs.
pub fn install(handlers: Handlers) -> std::io::Result<()> {
    if HANDLERS.set(handlers).is_err() {
        return Err(std::io::Error::other("platform handlers installed twice"));
    }
    let have = crate::have_fsgsbase();
    asm::HAVE_FSGSBASE.store(have as u8, std::sync::atomic::Ordering::Relaxed);
    log::debug!(
        "platform: FSGSBASE {}",
        if have {
            "in use"
        } else {
            "absent: arch_prctl fallback"
        }
    );
    let mut mask = !0u64;
    for sig in SYNCHRONOUS {
        mask &= !(1u64 << (sig - 1));
    }
    for sig in CAUGHT {
        set_raw_action(sig, asm::label(asm::ninux_signal_entry), mask)?;
    }
    Ok(())
}

/// rt_sigaction with ninux's restorer. glibc's sigaction() would substitute its
/// own restorer, which lies outside the exempt region (PLATFORM-NOTES 1).
fn set_raw_action(sig: i32, handler: u64, mask: u64) -> std::io::Result<()> {
    let act = abi::structs::KernelSigaction {
        handler,
        flags: (libc::SA_SIGINFO | libc::SA_ONSTACK) as u64 | abi::flags::SaFlags::RESTORER.bits(),
        restorer: asm::label(asm::ninux_restorer),
        mask,
    };
    // SAFETY: act is a valid kernel sigaction; the handler and restorer are our stubs.
    let r = unsafe {
        libc::syscall(
            libc::SYS_rt_sigaction,
            sig,
            &act as *const _,
            0usize,
            8usize,
        )
    };
    if r < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Restores the default action of `sig`, so the process can die by it.
pub fn set_default_action(sig: i32) {
    let act = abi::structs::KernelSigaction::default();
    // SAFETY: SIG_DFL with an empty mask is always valid.
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigaction,
            sig,
            &act as *const _,
            0usize,
            8usize,
        )
    };
}

/// Called by the entry stub for a signal that interrupted guest code, with
/// ninux's FS loaded and the selector at ALLOW.
pub(crate) extern "C" fn on_guest_signal(sig: i32, info: *mut RawSiginfo, uc: *mut KernelUcontext) {
    // SAFETY: the kernel passes valid siginfo and ucontext pointers to an
    // SA_SIGINFO handler; they live on this thread's alternate stack.
    let (info, uc) = unsafe { (&*info, &mut *uc) };
    let Some(handlers) = HANDLERS.get() else {
        return;
    };
    let mut trap = Trap { uc };
    if sig == libc::SIGSYS && info.code == SYS_USER_DISPATCH {
        let arch = (info.union[1] >> 32) as u32;
        if arch != AUDIT_ARCH_X86_64 {
            // `int 0x80` also arrives here (PLATFORM-NOTES 5): the 32-bit ABI is not emulated.
            log::warn!(
                "guest used the 32-bit syscall ABI (int 0x80) at {:#x}: ENOSYS",
                trap.rip()
            );
            trap.set_return(-(libc::ENOSYS as i64) as u64);
            return;
        }
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            (handlers.syscall)(&mut trap)
        }));
        if outcome.is_err() {
            // A bug in ninux must never reach the guest as anything but an errno.
            log::error!(
                "ninux bug: syscall {} panicked; the guest gets EIO",
                trap.nr()
            );
            trap.set_return(-(libc::EIO as i64) as u64);
        }
        return;
    }
    let fault = Fault {
        signo: info.signo,
        code: info.code,
        addr: info.union[0],
        rip: trap.rip(),
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        (handlers.fault)(&mut trap, &fault)
    }));
    if outcome.is_err() {
        die_of_internal_error("the fault handler panicked");
    }
}

/// Called by the entry stub for a signal that hit ninux's own code.
pub(crate) extern "C" fn on_host_signal(sig: i32, info: *mut RawSiginfo, uc: *mut KernelUcontext) {
    // SAFETY: as in on_guest_signal.
    let (info, uc) = unsafe { (&*info, &mut *uc) };
    let rip = uc.gregs[RIP];
    if (sig == libc::SIGSEGV || sig == libc::SIGBUS) && rip == asm::label(asm::ninux_copy_insn) {
        // A guest pointer was bad: the copy returns -1 and the caller says EFAULT.
        uc.gregs[RIP] = asm::label(asm::ninux_copy_fault);
        return;
    }
    let msg = format!(
        "ninux: internal error: {} at {:#x} (address {:#x}) in ninux's own code\n",
        abi::signal::name(sig),
        rip,
        info.union[0]
    );
    write_stderr(msg.as_bytes());
    // Returning re-executes the faulting instruction under the default action.
    set_default_action(sig);
}

fn die_of_internal_error(what: &str) -> ! {
    write_stderr(format!("ninux: internal error: {what}\n").as_bytes());
    std::process::abort();
}

/// Writes to fd 2 without locks (safe in any context).
pub fn write_stderr(bytes: &[u8]) {
    // SAFETY: writing a valid buffer to fd 2.
    unsafe { libc::write(2, bytes.as_ptr().cast(), bytes.len()) };
}

/// Makes the process die by `sig` as seen from its parent: default action,
/// unblocked, sent to this thread. Used when the guest dies of a signal.
pub fn die_by_signal(sig: i32) -> ! {
    set_default_action(sig);
    // SAFETY: plain signal-mask and kill syscalls on our own thread.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::syscall(libc::SYS_tgkill, libc::getpid(), libc::gettid(), sig);
    }
    // Signals like SIGCHLD are ignored by default: fall back to an exit code.
    std::process::exit(128 + sig);
}
