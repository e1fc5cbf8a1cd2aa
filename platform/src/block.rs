//! The per-thread block: the state the assembly stubs reach through GS.

use std::mem::offset_of;

/// A guest's general registers, flags and instruction pointer, in the order
/// the entry stub loads them.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GuestRegs {
    pub rax: u64,
    pub rbx: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub rsi: u64,
    pub rdi: u64,
    pub rbp: u64,
    pub rsp: u64,
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub rip: u64,
    pub rflags: u64,
}

/// SUD selector values (linux/prctl.h).
pub const SELECTOR_ALLOW: u8 = 0;
#[allow(dead_code)] // set by the assembly as the literal 1
pub const SELECTOR_BLOCK: u8 = 1;

/// One per host thread that runs guest code, page-aligned, mapped for the
/// thread's whole life (SUD kills a task whose selector is unmapped).
#[repr(C)]
pub struct ThreadBlock {
    /// The SUD selector byte; BLOCK exactly while guest code may run.
    pub selector: u8,
    _pad: [u8; 7],
    /// ninux's own FS base (its TLS), loaded on every entry into ninux.
    pub host_fs: u64,
    /// The guest's FS base while ninux code runs; authoritative only then.
    pub guest_fs: u64,
    /// Registers loaded when entering guest code.
    pub regs: GuestRegs,
    /// The host stack pointer saved by `ninux_enter_guest`.
    pub host_rsp: u64,
    /// Value `ninux_enter_guest` returns when the guest thread leaves.
    pub exit_value: u64,
    /// The alternate signal stack of this thread (base, size).
    pub altstack: [u64; 2],
    /// The block's own address, for Rust called from the fast entry.
    pub this: u64,
    /// The signal mask in force while guest code runs: the fast path runs
    /// ninux with it instead of switching masks (a syscall each way).
    pub guest_mask: u64,
    /// The guest's FP/vector state saved by the fast entry, restored by its exit.
    pub fp_ptr: u64,
    /// The fast entry's address: trampolines call it through GS
    /// (`call gs:[OFF_FAST_ENTRY]`), so they hold no address of ninux's.
    pub fast_entry: u64,
}

pub const OFF_SELECTOR: usize = offset_of!(ThreadBlock, selector);
pub const OFF_HOST_FS: usize = offset_of!(ThreadBlock, host_fs);
pub const OFF_GUEST_FS: usize = offset_of!(ThreadBlock, guest_fs);
pub const OFF_REGS: usize = offset_of!(ThreadBlock, regs);
pub const OFF_HOST_RSP: usize = offset_of!(ThreadBlock, host_rsp);
pub const OFF_ALTSTACK: usize = offset_of!(ThreadBlock, altstack);
pub const OFF_THIS: usize = offset_of!(ThreadBlock, this);
pub const OFF_FP_PTR: usize = offset_of!(ThreadBlock, fp_ptr);
pub const OFF_FAST_ENTRY: usize = offset_of!(ThreadBlock, fast_entry);

// The assembly in asm.rs hard-codes these offsets; keep both in step.
const _: () = assert!(OFF_SELECTOR == 0);
const _: () = assert!(OFF_HOST_FS == 8);
const _: () = assert!(OFF_GUEST_FS == 16);
const _: () = assert!(OFF_REGS == 24);
const _: () = assert!(core::mem::size_of::<GuestRegs>() == 18 * 8);
const _: () = assert!(OFF_HOST_RSP == 24 + 18 * 8);
const _: () = assert!(OFF_ALTSTACK == 184);
const _: () = assert!(OFF_THIS == 200);
const _: () = assert!(OFF_FP_PTR == 216);
const _: () = assert!(OFF_FAST_ENTRY == 224);
const _: () = assert!(offset_of!(GuestRegs, rip) == 16 * 8);
const _: () = assert!(offset_of!(GuestRegs, rflags) == 17 * 8);
