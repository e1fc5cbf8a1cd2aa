//! Host signal handling: installing ninux's handlers with its own restorer,
//! and the Rust side of the entry stub, which hands guest syscalls and guest
//! faults to the registered [`Handlers`] as a [`Trap`].

use crate::asm;
use crate::block::GuestRegs;
use crate::deferred::{defer, forward_to_guest_thread};
use std::sync::OnceLock;

pub(crate) use abi::signal_frame::Ucontext as KernelUcontext;
use abi::signal_frame::{reg::*, Siginfo};

const SYS_USER_DISPATCH: i32 = 2;
const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
const SIGSYS_BIT: u64 = 1 << (libc::SIGSYS - 1);

/// The interrupted guest context: registers, flags, signal mask. Changes are
/// applied when the handler returns to the guest.
pub struct Trap<'a> {
    pub(crate) uc: &'a mut KernelUcontext,
    /// Set when rt_sigreturn replaced the whole context: the syscall then
    /// has no result to write (it would clobber the restored rax, rcx, r11).
    pub(crate) context_replaced: bool,
    /// Where a restart resumes when not 2 bytes back: the trampoline's own
    /// `syscall` for a rewritten site whose `syscall` the `jmp` covers.
    pub(crate) restart_at: Option<u64>,
    /// Set on a trap that came through a rewritten site (fast.rs).
    pub(crate) fast: Option<crate::fast::FastFp>,
}

impl Trap<'_> {
    /// The syscall number (rax at the trap).
    pub fn nr(&self) -> u64 {
        self.uc.uc_mcontext.gregs[RAX]
    }
    /// The six syscall arguments: rdi, rsi, rdx, r10, r8, r9.
    pub fn args(&self) -> [u64; 6] {
        let g = &self.uc.uc_mcontext.gregs;
        [g[RDI], g[RSI], g[RDX], g[R10], g[R8], g[R9]]
    }
    /// Sets the syscall's result as the kernel would: rax, with rcx and r11
    /// clobbered the way the `syscall` instruction clobbers them.
    pub fn set_return(&mut self, value: u64) {
        self.uc.uc_mcontext.gregs[RAX] = value;
        self.uc.uc_mcontext.gregs[RCX] = self.uc.uc_mcontext.gregs[RIP];
        self.uc.uc_mcontext.gregs[R11] = self.uc.uc_mcontext.gregs[EFL];
    }
    pub fn rip(&self) -> u64 {
        self.uc.uc_mcontext.gregs[RIP]
    }
    /// All registers as they were at the trap.
    pub fn regs(&self) -> GuestRegs {
        let g = &self.uc.uc_mcontext.gregs;
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
        let g = &mut self.uc.uc_mcontext.gregs;
        (
            g[RAX], g[RBX], g[RCX], g[RDX], g[RSI], g[RDI], g[RBP], g[RSP],
        ) = (r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp);
        (g[R8], g[R9], g[R10], g[R11], g[R12], g[R13], g[R14], g[R15]) =
            (r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15);
        (g[RIP], g[EFL]) = (r.rip, r.rflags);
    }
    /// The guest's signal mask, restored when the trap returns.
    pub fn sigmask(&self) -> u64 {
        self.uc.uc_sigmask
    }
    /// Sets the mask the guest resumes with. SIGSYS can never be blocked in a
    /// guest thread: a trap with SIGSYS blocked kills the process (PLATFORM-NOTES 7).
    pub fn set_sigmask(&mut self, mask: u64) {
        self.uc.uc_sigmask = mask & !SIGSYS_BIT;
    }
}

/// A host signal that interrupted guest code, other than a guest syscall: a
/// synchronous fault in guest code, or any other signal (sent by a process,
/// a timer, the terminal) that ninux catches on the guest's behalf.
#[derive(Debug, Clone, Copy)]
pub struct Fault {
    pub signo: i32,
    pub code: i32,
    /// si_addr: the faulting data address (SIGSEGV/SIGBUS) or instruction.
    pub addr: u64,
    pub rip: u64,
    /// The whole siginfo as the host kernel gave it.
    pub info: Siginfo,
}

impl Fault {
    /// Raised by the CPU for the instruction at `rip` (si_code > 0 on a
    /// synchronous signal), as opposed to sent by kill and friends.
    pub fn is_synchronous(&self) -> bool {
        SYNCHRONOUS.contains(&self.signo) && self.code > 0
    }
}

/// What ninux does with guest events. Handlers run on the thread's alternate
/// stack with ninux's TLS, every asynchronous signal blocked.
pub struct Handlers {
    /// A guest `syscall`: decode `trap.nr()`/`trap.args()`, set the result.
    pub syscall: fn(&mut Trap),
    /// A signal that interrupted guest code: a fault (SIGSEGV, SIGBUS,
    /// SIGILL, SIGFPE, SIGTRAP) or any other signal ninux catches.
    pub signal: fn(&mut Trap, &Fault),
}

static HANDLERS: OnceLock<Handlers> = OnceLock::new();

/// The signals ninux always catches itself, whatever the guest's disposition.
pub const ALWAYS_CAUGHT: [i32; 6] = [
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

/// Every signal but the synchronous ones: the mask of ninux's handlers.
fn handler_mask() -> u64 {
    let mut mask = !0u64;
    for sig in SYNCHRONOUS {
        mask &= !(1u64 << (sig - 1));
    }
    mask
}

/// Installs ninux's signal handlers and the guest event handlers. Call once,
/// before any guest code runs.
pub fn install(handlers: Handlers) -> std::io::Result<()> {
    if HANDLERS.set(handlers).is_err() {
        return Err(std::io::Error::other("platform handlers installed twice"));
    }
    crate::fast::init();
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
    for sig in ALWAYS_CAUGHT {
        set_raw_action(sig, asm::label(asm::ninux_signal_entry), handler_mask())?;
    }
    Ok(())
}

/// What the host kernel does with a signal, chosen by the personality from
/// the guest's disposition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostAction {
    /// The host's default action (used where it equals the guest's: ignore,
    /// stop, continue), so such signals never interrupt ninux.
    Default,
    /// Discarded by the host kernel, exactly as Linux discards a guest-ignored signal.
    Ignore,
    /// ninux's handler: delivered to a guest handler or the guest's death.
    Catch,
}

/// Sets the host disposition of `sig`. Signals ninux always catches stay caught.
pub fn set_host_action(sig: i32, action: HostAction) {
    if ALWAYS_CAUGHT.contains(&sig) || sig == libc::SIGKILL || sig == libc::SIGSTOP {
        return;
    }
    let r = match action {
        HostAction::Default => set_raw_action_to(sig, libc::SIG_DFL as u64),
        HostAction::Ignore => set_raw_action_to(sig, libc::SIG_IGN as u64),
        HostAction::Catch => {
            set_raw_action(sig, asm::label(asm::ninux_signal_entry), handler_mask())
        }
    };
    if let Err(e) = r {
        log::warn!("host rt_sigaction({sig}) failed: {e}");
    }
}

/// The host's current disposition of `sig`, when it is one of ours:
/// default, ignored, or ninux's handler; `None` for another handler (one
/// the runtime installed) or when the query fails.
pub fn host_action_now(sig: i32) -> Option<HostAction> {
    let mut old = abi::structs::KernelSigaction::default();
    // SAFETY: rt_sigaction with a null new action only writes the old one.
    let r = unsafe {
        libc::syscall(
            libc::SYS_rt_sigaction,
            sig,
            std::ptr::null::<abi::structs::KernelSigaction>(),
            &mut old as *mut abi::structs::KernelSigaction,
            8usize,
        )
    };
    match old.handler {
        _ if r != 0 => None,
        h if h == libc::SIG_DFL as u64 => Some(HostAction::Default),
        h if h == libc::SIG_IGN as u64 => Some(HostAction::Ignore),
        h if h == asm::label(asm::ninux_signal_entry) => Some(HostAction::Catch),
        _ => None,
    }
}

/// rt_sigaction with ninux's restorer. glibc's sigaction() would substitute its
/// own restorer, which lies outside the exempt region (PLATFORM-NOTES 1).
/// Without SA_RESTART: a blocking host call that a caught signal interrupts
/// returns EINTR, and the dispatcher restarts it or not as the guest asked.
fn set_raw_action(sig: i32, handler: u64, mask: u64) -> std::io::Result<()> {
    let act = abi::structs::KernelSigaction {
        handler,
        flags: (libc::SA_SIGINFO | libc::SA_ONSTACK) as u64 | abi::flags::SaFlags::RESTORER.bits(),
        restorer: asm::label(asm::ninux_restorer),
        mask,
    };
    raw_sigaction(sig, &act)
}

fn set_raw_action_to(sig: i32, handler: u64) -> std::io::Result<()> {
    let act = abi::structs::KernelSigaction {
        handler,
        ..Default::default()
    };
    raw_sigaction(sig, &act)
}

fn raw_sigaction(sig: i32, act: &abi::structs::KernelSigaction) -> std::io::Result<()> {
    // SAFETY: act is a valid kernel sigaction; a handler is one of our stubs.
    let r = unsafe {
        libc::syscall(
            libc::SYS_rt_sigaction,
            sig,
            act as *const abi::structs::KernelSigaction,
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
    let _ = set_raw_action_to(sig, libc::SIG_DFL as u64);
}

/// Called by the entry stub for a signal that interrupted guest code, with
/// ninux's FS loaded and the selector at ALLOW.
pub(crate) extern "C" fn on_guest_signal(sig: i32, info: *mut Siginfo, uc: *mut KernelUcontext) {
    // SAFETY: the kernel passes valid siginfo and ucontext pointers to an
    // SA_SIGINFO handler; they live on this thread's alternate stack.
    let (info, uc) = unsafe { (&*info, &mut *uc) };
    guest_signal(sig, info, uc);
    // The fast path runs ninux with the mask the guest resumes with.
    crate::thread::note_guest_mask(uc.uc_sigmask);
}

fn guest_signal(sig: i32, info: &Siginfo, uc: &mut KernelUcontext) {
    let Some(handlers) = HANDLERS.get() else {
        return;
    };
    let mut trap = Trap {
        uc,
        context_replaced: false,
        restart_at: None,
        fast: None,
    };
    if sig == libc::SIGSYS && info.code == SYS_USER_DISPATCH {
        let arch = (info.fields[1] >> 32) as u32;
        if arch != AUDIT_ARCH_X86_64 {
            // `int 0x80` also arrives here (PLATFORM-NOTES 5): the 32-bit ABI is not emulated.
            log::warn!(
                "guest used the 32-bit syscall ABI (int 0x80) at {:#x}: ENOSYS",
                trap.rip()
            );
            trap.set_return(-(libc::ENOSYS as i64) as u64);
            return;
        }
        if crate::fast::COUNTING.load(std::sync::atomic::Ordering::Relaxed) {
            crate::fast::TRAPPED_CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        if !deliver_before_syscall(&mut trap) {
            run_syscall(&mut trap);
        }
        return;
    }
    let fault = Fault {
        signo: info.signo,
        code: info.code,
        addr: info.fields[0],
        rip: trap.rip(),
        info: *info,
    };
    if !fault.is_synchronous() && in_exempt_region(trap.rip()) {
        // The selector said BLOCK but ninux's entry trampoline was still
        // running (between the mask switch and the jump to the guest): there
        // is no guest context to build a frame from yet. Deliver at the next trap.
        defer(info);
        return;
    }
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        (handlers.signal)(&mut trap, &fault)
    }));
    if outcome.is_err() {
        die_of_internal_error("the guest signal handler panicked");
    }
}

/// Signals deferred since the last syscall (they hit an entry or exit stub
/// on their way, with no guest context to deliver on) come first, as if
/// they had arrived just before the `syscall` instruction: the syscall is
/// made to run again when the handlers return, and does not run now. Else a
/// blocking syscall could wait for ever with a signal on hand.
pub(crate) fn deliver_before_syscall(trap: &mut Trap) -> bool {
    if !crate::deferred::any_deferred() {
        return false;
    }
    trap.restart_syscall(trap.nr());
    while let Some(info) = crate::deferred::take_deferred_signal() {
        run_signal(trap, &info);
    }
    true
}

/// Delivers a signal that arrived while ninux ran for a fast trap, as if it
/// had interrupted the guest where the trap resumes.
pub(crate) fn run_signal(trap: &mut Trap, info: &Siginfo) {
    let Some(handlers) = HANDLERS.get() else {
        return;
    };
    let fault = Fault {
        signo: info.signo,
        code: info.code,
        addr: info.fields[0],
        rip: trap.rip(),
        info: *info,
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        (handlers.signal)(trap, &fault)
    }));
    if outcome.is_err() {
        die_of_internal_error("the guest signal handler panicked");
    }
}

/// Runs the syscall handler on a trap, from either path.
pub(crate) fn run_syscall(trap: &mut Trap) {
    let Some(handlers) = HANDLERS.get() else {
        return;
    };
    let outcome =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (handlers.syscall)(trap)));
    if outcome.is_err() {
        // A bug in ninux must never reach the guest as anything but an errno.
        log::error!(
            "ninux bug: syscall {} panicked; the guest gets EIO",
            trap.nr()
        );
        trap.set_return(-(libc::EIO as i64) as u64);
    }
}

fn in_exempt_region(rip: u64) -> bool {
    (asm::label(asm::ninux_exempt_start)..asm::label(asm::ninux_exempt_end)).contains(&rip)
}

/// Called by the entry stub for a signal that hit ninux's own code.
pub(crate) extern "C" fn on_host_signal(sig: i32, info: *mut Siginfo, uc: *mut KernelUcontext) {
    // SAFETY: as in on_guest_signal.
    let (info, uc) = unsafe { (&*info, &mut *uc) };
    let rip = uc.uc_mcontext.gregs[RIP];
    let synchronous = SYNCHRONOUS.contains(&sig) && info.code > 0;
    if (sig == libc::SIGSEGV || sig == libc::SIGBUS) && rip == asm::label(asm::ninux_copy_insn) {
        // A guest pointer was bad: the copy returns -1 and the caller says EFAULT.
        uc.uc_mcontext.gregs[RIP] = asm::label(asm::ninux_copy_fault);
        return;
    }
    if !synchronous {
        if crate::thread::is_guest_thread() {
            // Mostly inside `uaccess::unblocked`: the blocking host call
            // returns EINTR and the dispatcher delivers on the way out.
            defer(info);
        } else {
            forward_to_guest_thread(info);
            // This thread is no place for guest signals: keep them off it.
            uc.uc_sigmask |= handler_mask();
        }
        return;
    }
    let msg = format!(
        "ninux: internal error: {} at {:#x} (address {:#x}) in ninux's own code\n",
        abi::signal::name(sig),
        rip,
        info.fields[0]
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

/// Stops the whole process as a stop signal's default action would, so the
/// parent (a shell) sees it stopped; returns once continued.
pub fn stop_self() {
    // SAFETY: SIGSTOP to our own process; it cannot be caught.
    unsafe { libc::kill(libc::getpid(), libc::SIGSTOP) };
}
