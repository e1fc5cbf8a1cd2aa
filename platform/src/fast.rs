//! The fast path (DESIGN.md, "The platform", point 3): a guest `syscall`
//! whose site was rewritten reaches [`on_fast_syscall`] through a plain
//! `call` from its trampoline and `ninux_fast_entry` (asm.rs), without a
//! signal. It builds the same [`Trap`] the SIGSYS path builds, so every
//! handler works unchanged, and differs from that path in three ways:
//!
//! - ninux runs with the guest's signal mask instead of the handler's
//!   all-blocked one (switching masks costs a syscall each way). A signal
//!   that arrives meanwhile is deferred, as when it interrupts a blocking
//!   host call on the SIGSYS path, and delivered on the way out.
//! - the guest's vector state is saved by the entry stub (ymm0-15, the
//!   upper halves of zmm0-15, MXCSR, the x87 control word: what ninux's
//!   code may change), not by the host kernel; a signal delivery builds
//!   the standard XSAVE form a signal frame holds from it
//!   ([`Trap::host_fp`]).
//! - syscalls that replace the context or the thread (rt_sigreturn, clone,
//!   execve, …, chosen by the personality with [`set_trapped`]) go back to
//!   the trampoline's own `syscall` instruction and through SIGSYS.

use crate::asm;
use crate::block::ThreadBlock;
use crate::signals::{KernelUcontext, Trap};
use abi::signal_frame::{reg::*, FPX_SW_OFFSET, FP_XSTATE_MAGIC1, FP_XSTATE_MAGIC2};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

/// Bytes of a standard-form XSAVE area for the enabled features, plus
/// alignment slack; read by the entry stub.
pub(crate) static XSAVE_SIZE: AtomicU64 = AtomicU64::new(0);
/// The state components the stub saves and restores in the layout a
/// signal frame's XSAVE area is built from: x87, SSE and AVX (xmm/ymm
/// 0-15, MXCSR, the x87 control word).
const SAVED_FEATURES: u64 = 0b111;
/// AVX-512's components (opmask, ZMM_Hi256, Hi16_ZMM) in XCR0.
const AVX512_FEATURES: u64 = 0b1110_0000;
const ZMM_HI256: u64 = 0b0100_0000;
/// Set when XCR0 enables AVX-512: the stub then also keeps the upper
/// halves of zmm0-15 (512 bytes), which ninux's own VEX code zeroes and a
/// guest may hold live across an inline `syscall`, as Linux preserves
/// them. zmm16-31 and the opmasks stay in their registers: no code of
/// ninux's names them (`link/sse2-string-functions.ld` keeps glibc's EVEX
/// string functions out; `tools/tests/vector_registers.rs` checks the
/// linked binary). A signal frame built on the fast path carries them all
/// ([`Trap::fast_fp`]).
pub(crate) static AVX512: AtomicBool = AtomicBool::new(false);
/// What the stub's XRSTOR loads from a standard-form area a delivery wrote,
/// and what `ninux_xsave` stores: [`XCR0`], and AVX-512's components when
/// [`AVX512`].
pub(crate) static RESTORE_MASK: AtomicU64 = AtomicU64::new(0);

/// Records whether the live XCR0 enables AVX-512, next to the saved `xcr0`.
fn set_avx512(live: u64, xcr0: u64) {
    let on = live & AVX512_FEATURES == AVX512_FEATURES;
    AVX512.store(on, Relaxed);
    RESTORE_MASK.store(xcr0 | if on { AVX512_FEATURES } else { 0 }, Relaxed);
}
/// The components the stub saves: XCR0 ∩ [`SAVED_FEATURES`].
pub(crate) static XCR0: AtomicU64 = AtomicU64::new(0);
/// The standard-form size without slack (the software bytes give it).
static XSTATE_SIZE: AtomicU64 = AtomicU64::new(0);
static AVAILABLE: AtomicBool = AtomicBool::new(false);

/// Syscall numbers that always take the SIGSYS path, one bit each.
static TRAPPED: [AtomicU64; 8] = [const { AtomicU64::new(0) }; 8];

/// Set by [`count_syscalls`]: only then are the counts kept (an atomic
/// add per syscall is a tenth of a fast one's cost).
pub(crate) static COUNTING: AtomicBool = AtomicBool::new(false);
static FAST_CALLS: AtomicU64 = AtomicU64::new(0);
pub(crate) static TRAPPED_CALLS: AtomicU64 = AtomicU64::new(0);

static CPU_CHECKED: std::sync::Once = std::sync::Once::new();

/// Checks the CPU once: the fast path needs AVX (ymm registers) and XSAVE
/// (signal frames hold the standard XSAVE form).
pub(crate) fn init() {
    CPU_CHECKED.call_once(check_cpu);
}

/// What the CPU check found, `(XCR0 ∩ saved features, XSAVE standard-form
/// size)`, `(0, 0)` when the fast path is unavailable: for a re-executed
/// ninux, which then need not ask again. CPUID is a trap to the hypervisor
/// in a VM (tens of µs each here, three of them), paid at every exec.
pub fn cpu_facts() -> (u64, u64) {
    init();
    if AVAILABLE.load(Relaxed) {
        (XCR0.load(Relaxed), XSTATE_SIZE.load(Relaxed))
    } else {
        (0, 0)
    }
}

/// Takes `cpu_facts` from the ninux that exec'd this one, instead of
/// checking the CPU. Trusted only as far as XCR0 (the enabled state
/// components, which XGETBV reads without a trap) still says the same;
/// else, or for `(0, 0)`, the CPU is checked as usual.
pub fn adopt_cpu_facts((xcr0, size): (u64, u64)) {
    CPU_CHECKED.call_once(|| {
        let osxsave = xcr0 != 0;
        // SAFETY: XGETBV with ecx = 0 is allowed when OSXSAVE is set, which
        // the old image's check established on this machine.
        let live = if osxsave {
            unsafe { std::arch::x86_64::_xgetbv(0) }
        } else {
            0
        };
        if !osxsave || live & SAVED_FEATURES != xcr0 || size == 0 || size > 1 << 20 {
            check_cpu();
            return;
        }
        set_avx512(live, xcr0);
        XCR0.store(xcr0, Relaxed);
        XSTATE_SIZE.store(size, Relaxed);
        XSAVE_SIZE.store((size + 4 + 64 + 63) & !63, Relaxed);
        AVAILABLE.store(true, Relaxed);
    });
}

fn check_cpu() {
    let leaf1 = std::arch::x86_64::__cpuid(1);
    let osxsave = leaf1.ecx & (1 << 27) != 0;
    if !osxsave {
        return;
    }
    // Leaf 0xd exists when XSAVE does.
    let d0 = std::arch::x86_64::__cpuid_count(0xd, 0);
    let avx = leaf1.ecx & (1 << 28) != 0;
    // SAFETY: XGETBV with ecx = 0 is allowed when OSXSAVE is set.
    let xcr0 = unsafe { std::arch::x86_64::_xgetbv(0) };
    let avx_offset = std::arch::x86_64::__cpuid_count(0xd, 2).ebx;
    if !avx || xcr0 & 0b111 != 0b111 || avx_offset != AVX_OFFSET as u32 {
        return;
    }
    let size = d0.ebx as u64;
    set_avx512(xcr0, xcr0 & SAVED_FEATURES);
    XCR0.store(xcr0 & SAVED_FEATURES, Relaxed);
    XSTATE_SIZE.store(size, Relaxed);
    // MAGIC2 after the area, and 64 bytes to align it.
    XSAVE_SIZE.store((size + 4 + 64 + 63) & !63, Relaxed);
    AVAILABLE.store(true, Relaxed);
}

/// Whether this CPU can run the fast path (else every site keeps SIGSYS).
pub fn fast_path_available() -> bool {
    init();
    AVAILABLE.load(Relaxed)
}

/// Where trampolines find the fast entry's address: its offset from the GS
/// base, in each guest thread's block (`loader::rewrite`'s `gate`).
pub fn fast_entry_gate() -> u32 {
    crate::block::OFF_FAST_ENTRY as u32
}

/// The address trampolines call.
pub(crate) fn fast_entry_address() -> u64 {
    asm::label(asm::ninux_fast_entry)
}

/// Syscalls that must take the SIGSYS path even from a rewritten site.
pub fn set_trapped(numbers: &[u64]) {
    for &nr in numbers.iter().filter(|&&n| n < 512) {
        TRAPPED[(nr / 64) as usize].fetch_or(1 << (nr % 64), Relaxed);
    }
}

fn is_trapped(nr: u64) -> bool {
    nr >= 512 || TRAPPED[(nr / 64) as usize].load(Relaxed) & (1 << (nr % 64)) != 0
}

/// Counts syscalls from now on, for [`syscall_counts`], when `on`.
pub fn count_syscalls(on: bool) {
    COUNTING.store(on, Relaxed);
}

/// Syscalls this process answered: (through rewritten sites, through
/// SIGSYS), counted while [`count_syscalls`] is on.
pub fn syscall_counts() -> (u64, u64) {
    (FAST_CALLS.load(Relaxed), TRAPPED_CALLS.load(Relaxed))
}

/// Starts the counts again: a new image (execve in place) reports its own.
pub fn reset_syscall_counts() {
    FAST_CALLS.store(0, Relaxed);
    TRAPPED_CALLS.store(0, Relaxed);
}

/// Where the standard XSAVE form keeps the upper halves of ymm0-15.
const AVX_OFFSET: usize = 576;
/// In the legacy (FXSAVE) part: the x87 control word, MXCSR, xmm0.
const FCW: usize = 0;
const MXCSR: usize = 24;
const XMM0: usize = 160;
const XSTATE_BV: usize = 512;

/// The guest's vector state on a fast trap: the stub's save (ymm i at
/// 32 i, MXCSR at 512, FCW at 516), its save of the upper halves of
/// zmm0-15 (null without AVX-512: asm.rs NX_SAVE_ZMM_HI256), and room for
/// the standard form once a signal frame needs it.
pub(crate) struct FastFp {
    vectors: *const u8,
    zmm_hi256: *const u8,
    standard: *mut u8,
    converted: bool,
}

/// Where the standard form keeps the upper halves of zmm0-15 (ZMM_Hi256,
/// 512 bytes), as CPUID leaf 0xd gives.
fn zmm_hi256_offset() -> usize {
    static AT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *AT.get_or_init(|| std::arch::x86_64::__cpuid_count(0xd, 6).ebx as usize)
}

impl Trap<'_> {
    /// Whether this trap came through a rewritten site (not SIGSYS).
    pub fn through_rewritten_site(&self) -> bool {
        self.fast.is_some()
    }

    /// On a fast trap, the guest's FP state in standard form (converted on
    /// first use, with the software bytes a kernel-built frame carries);
    /// else None.
    pub(crate) fn fast_fp(&mut self) -> Option<&mut [u8]> {
        let fp = self.fast.as_mut()?;
        let size = XSTATE_SIZE.load(Relaxed) as usize;
        // SAFETY: the stub reserved XSAVE_SIZE bytes, 64-aligned, at
        // `standard` on this thread's alternate stack, below the frames of
        // this call; nothing else uses them until the stub's exit.
        let area = unsafe { std::slice::from_raw_parts_mut(fp.standard, size + 4) };
        if !fp.converted {
            area.fill(0);
            // SAFETY: area is a zeroed (valid header), 64-aligned standard
            // area of the size CPUID gives. The live x87 registers, zmm16-31
            // and the opmasks are still the guest's (ninux's code does not
            // use them); the rest is replaced below with what the stub saved.
            unsafe { asm::ninux_xsave(fp.standard) };
            // SAFETY: the stub saved 520 bytes at `vectors`, on this thread's
            // alternate stack above this call's frames.
            let saved = unsafe { std::slice::from_raw_parts(fp.vectors, 520) };
            for i in 0..16 {
                let ymm = &saved[32 * i..32 * i + 32];
                area[XMM0 + 16 * i..XMM0 + 16 * i + 16].copy_from_slice(&ymm[..16]);
                area[AVX_OFFSET + 16 * i..AVX_OFFSET + 16 * i + 16].copy_from_slice(&ymm[16..]);
            }
            area[MXCSR..MXCSR + 4].copy_from_slice(&saved[512..516]);
            area[FCW..FCW + 2].copy_from_slice(&saved[516..518]);
            // SSE and AVX as saved, not in their initial state.
            area[XSTATE_BV] |= 0b110;
            let at = zmm_hi256_offset();
            if !fp.zmm_hi256.is_null() && at >= 576 && at + 512 <= size {
                // SAFETY: the stub saved 512 bytes at `zmm_hi256`, on this
                // thread's alternate stack above this call's frames.
                let saved = unsafe { std::slice::from_raw_parts(fp.zmm_hi256, 512) };
                area[at..at + 512].copy_from_slice(saved);
                area[XSTATE_BV] |= ZMM_HI256 as u8;
            }
            let features = RESTORE_MASK.load(Relaxed);
            let sw = FPX_SW_OFFSET;
            area[sw..sw + 4].copy_from_slice(&FP_XSTATE_MAGIC1.to_le_bytes());
            area[sw + 4..sw + 8].copy_from_slice(&(size as u32 + 4).to_le_bytes());
            area[sw + 8..sw + 16].copy_from_slice(&features.to_le_bytes());
            area[sw + 16..sw + 20].copy_from_slice(&(size as u32).to_le_bytes());
            area[size..size + 4].copy_from_slice(&FP_XSTATE_MAGIC2.to_le_bytes());
            fp.converted = true;
        }
        Some(area)
    }
}

thread_local! {
    /// The signal mask live on this thread while a fast trap runs ninux.
    static LIVE_MASK: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// The live signal mask when a fast trap runs with the guest's mask.
pub(crate) fn live_guest_mask() -> Option<u64> {
    LIVE_MASK.with(|m| m.get())
}

/// The return address a trampoline asks the trap to report (0: its own)
/// and where a restart resumes (0: 2 bytes before), from the two words
/// after the short `jmp` at `resume`, each relative to `resume`
/// (loader/src/rewrite.rs's layout).
fn trampoline_words(resume: u64) -> (u64, u64) {
    // SAFETY: `resume` is the return address (plus 2) of the `call` of a
    // trampoline ninux wrote (only they reach the fast entry), so its
    // `jmp` and words, 18 bytes from `resume`, are mapped and readable.
    let word = |at: u64| unsafe { std::ptr::read_unaligned(at as *const u64) };
    let absolute = |relative: u64| match relative {
        0 => 0,
        r => resume.wrapping_add(r),
    };
    (absolute(word(resume + 2)), absolute(word(resume + 10)))
}

/// Called by `ninux_fast_entry` with ninux's FS, the selector at ALLOW, on
/// the alternate stack, the guest's registers in the block.
pub(crate) extern "C" fn on_fast_syscall(
    block: *mut ThreadBlock,
    vectors: *const u8,
    standard: *mut u8,
    zmm_hi256: *const u8,
) {
    // SAFETY: the stub passes this thread's block, mapped for its whole life.
    let block = unsafe { &mut *block };
    let resume = block.regs.rip;
    if is_trapped(block.regs.rax) {
        // Back to the trampoline's own `syscall`: the SIGSYS path.
        block.regs.rip = resume - 2;
        return;
    }
    let (reported, restart) = trampoline_words(resume);
    if reported != 0 {
        // Unchanged, it is also where the guest resumes: the original code
        // after the site, which the trampoline would jump to anyway.
        block.regs.rip = reported;
    }
    if COUNTING.load(Relaxed) {
        FAST_CALLS.fetch_add(1, Relaxed);
    }
    let mut uc = KernelUcontext {
        uc_flags: 7,
        uc_sigmask: block.guest_mask,
        ..Default::default()
    };
    uc.uc_mcontext.gregs[CSGSFS] = 0x33 | (0x2b << 48);
    LIVE_MASK.with(|m| m.set(Some(block.guest_mask)));
    crate::deferred::hold_requeued(true);
    let mut trap = Trap {
        uc: &mut uc,
        context_replaced: false,
        restart_at: (restart != 0).then_some(restart),
        fast: Some(FastFp {
            vectors,
            zmm_hi256,
            standard,
            converted: false,
        }),
    };
    trap.set_regs(&block.regs);
    if !crate::signals::deliver_before_syscall(&mut trap) {
        crate::signals::run_syscall(&mut trap);
    }
    LIVE_MASK.with(|m| m.set(None));
    // The guest resumes with the trap's mask (rt_sigprocmask, or a signal
    // handler's): make it the live one. Signals pending for the signals it
    // unblocks are first taken off the host's queues one at a time, as
    // Linux's return to user mode does: lowest number first, every queued
    // instance of a real-time signal, and each delivery's handler mask
    // holding back what it blocks.
    loop {
        let mask = trap.sigmask();
        if mask == block.guest_mask {
            break;
        }
        let unblocked = block.guest_mask & !mask;
        while let Some(info) = take_pending(unblocked & !trap.sigmask()) {
            crate::signals::run_signal(&mut trap, &info);
        }
        let mask = trap.sigmask();
        crate::thread::set_thread_sigmask(mask);
        block.guest_mask = mask;
        // What arrived meanwhile (another thread's kill) was deferred.
        while let Some(info) = crate::deferred::take_deferred_signal() {
            crate::signals::run_signal(&mut trap, &info);
        }
    }
    crate::deferred::hold_requeued(false);
    block.regs = trap.regs();
    if trap.fast.as_ref().is_some_and(|f| f.converted) {
        // A delivery reset the state in the standard form: the exit loads it.
        block.fp_ptr = standard as u64;
    }
}

/// Takes one signal of `set` (blocked on the host at this point) off this
/// thread's or the process's pending queue, if one is there: the signal
/// Linux would deliver first (rt_sigtimedwait dequeues as delivery does).
fn take_pending(set: u64) -> Option<abi::signal_frame::Siginfo> {
    let set = set & !(1 << (libc::SIGSYS - 1));
    if set == 0 {
        return None;
    }
    let mut info = abi::signal_frame::Siginfo::default();
    let now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // A zero timeout never blocks.
    (crate::host_signal::raw_sigtimedwait(set, &mut info, &now) > 0).then_some(info)
}
