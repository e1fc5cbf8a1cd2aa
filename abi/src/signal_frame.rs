//! The x86-64 Linux signal frame as the kernel builds it on a user stack
//! (arch/x86/include/uapi/asm/sigcontext.h, asm/sigframe.h, siginfo.h):
//! `rt_sigframe` = return address, `ucontext`, `siginfo`, with the FP/XSAVE
//! state placed separately, 64-byte aligned, above it.

use crate::structs::{Pod, StackT};

/// siginfo_t: signo, errno, code, then a union, 128 bytes in all.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Siginfo {
    pub signo: i32,
    pub errno: i32,
    pub code: i32,
    pub _pad: i32,
    /// The union: kill (pid, uid), timer, rt (pid, uid, value), sigchld, fault (addr), …
    pub fields: [u64; 14],
}

/// si_code values.
pub const SI_USER: i32 = 0;
pub const SI_KERNEL: i32 = 0x80;
pub const SI_QUEUE: i32 = -1;
pub const SI_TKILL: i32 = -6;

impl Siginfo {
    /// A signal sent by a process (kill, tgkill): si_pid, si_uid.
    pub fn sent(signo: i32, code: i32, pid: i32, uid: u32) -> Siginfo {
        let mut info = Siginfo {
            signo,
            code,
            ..Default::default()
        };
        info.fields[0] = (pid as u32 as u64) | ((uid as u64) << 32);
        info
    }
    /// A fault: si_addr.
    pub fn fault(signo: i32, code: i32, addr: u64) -> Siginfo {
        let mut info = Siginfo {
            signo,
            code,
            ..Default::default()
        };
        info.fields[0] = addr;
        info
    }
    /// si_pid of a sent signal.
    pub fn pid(&self) -> i32 {
        self.fields[0] as u32 as i32
    }
}

/// Indices into `Mcontext::gregs` (glibc's REG_* names, sys/ucontext.h).
pub mod reg {
    pub const R8: usize = 0;
    pub const R9: usize = 1;
    pub const R10: usize = 2;
    pub const R11: usize = 3;
    pub const R12: usize = 4;
    pub const R13: usize = 5;
    pub const R14: usize = 6;
    pub const R15: usize = 7;
    pub const RDI: usize = 8;
    pub const RSI: usize = 9;
    pub const RBP: usize = 10;
    pub const RBX: usize = 11;
    pub const RDX: usize = 12;
    pub const RAX: usize = 13;
    pub const RCX: usize = 14;
    pub const RSP: usize = 15;
    pub const RIP: usize = 16;
    pub const EFL: usize = 17;
    /// cs, gs, fs, ss as four u16.
    pub const CSGSFS: usize = 18;
    pub const ERR: usize = 19;
    pub const TRAPNO: usize = 20;
    pub const OLDMASK: usize = 21;
    pub const CR2: usize = 22;
}

/// struct sigcontext (x86-64), seen as glibc's mcontext_t: 23 registers, the
/// FP state pointer, reserved words.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Mcontext {
    pub gregs: [u64; 23],
    pub fpstate: u64,
    pub reserved: [u64; 8],
}

/// struct ucontext as the kernel writes it (uc_sigmask is the kernel's 8 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ucontext {
    pub uc_flags: u64,
    pub uc_link: u64,
    pub uc_stack: StackT,
    pub uc_mcontext: Mcontext,
    pub uc_sigmask: u64,
}

/// struct rt_sigframe (x86-64): the handler's return address (sa_restorer)
/// at the frame's lowest address, where the handler's rsp points on entry.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RtSigframe {
    pub pretcode: u64,
    pub uc: Ucontext,
    pub info: Siginfo,
}

/// uc_flags bits.
pub const UC_FP_XSTATE: u64 = 0x1;

/// The FP state: a 512-byte FXSAVE image whose software-reserved bytes
/// (offset 464) say whether an XSAVE area of `xstate_size` bytes follows,
/// ended by FP_XSTATE_MAGIC2.
pub const FXSAVE_SIZE: usize = 512;
pub const FPX_SW_OFFSET: usize = 464;
pub const XSAVE_HEADER_OFFSET: usize = 512;
pub const XSAVE_HEADER_SIZE: usize = 64;
pub const FP_XSTATE_MAGIC1: u32 = 0x4650_5853;
pub const FP_XSTATE_MAGIC2: u32 = 0x4650_5845;
/// Offsets in the FXSAVE image.
pub const FX_FCW: usize = 0;
pub const FX_MXCSR: usize = 24;
pub const FX_MXCSR_MASK: usize = 28;
/// x87 registers then XMM registers: 32..416.
pub const FX_REGS: std::ops::Range<usize> = 32..416;
/// Power-on values the kernel gives a signal handler.
pub const FCW_DEFAULT: u16 = 0x37f;
pub const MXCSR_DEFAULT: u32 = 0x1f80;

/// struct _fpx_sw_bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FpxSwBytes {
    pub magic1: u32,
    /// xstate_size + 4 (MAGIC2).
    pub extended_size: u32,
    pub xfeatures: u64,
    pub xstate_size: u32,
    pub padding: [u32; 7],
}

/// EFLAGS bits a signal handler may change through its frame (FIX_EFLAGS).
pub const FIX_EFLAGS: u64 =
    0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x10000;
/// DF, RF and TF are cleared on entry to a handler.
pub const HANDLER_CLEARS_EFLAGS: u64 = 0x400 | 0x10000 | 0x100;

const _: () = assert!(core::mem::size_of::<Siginfo>() == 128);
const _: () = assert!(core::mem::size_of::<Mcontext>() == 256);
const _: () = assert!(core::mem::size_of::<Ucontext>() == 304);
const _: () = assert!(core::mem::offset_of!(Ucontext, uc_mcontext) == 40);
const _: () = assert!(core::mem::offset_of!(Ucontext, uc_sigmask) == 296);
const _: () = assert!(core::mem::size_of::<RtSigframe>() == 440);
const _: () = assert!(core::mem::offset_of!(RtSigframe, uc) == 8);
const _: () = assert!(core::mem::offset_of!(RtSigframe, info) == 312);
const _: () = assert!(core::mem::size_of::<FpxSwBytes>() == 48);

// SAFETY: repr(C) aggregates of integers with explicit padding fields.
unsafe impl Pod for Siginfo {}
// SAFETY: as above.
unsafe impl Pod for Mcontext {}
// SAFETY: as above (StackT has its padding explicit).
unsafe impl Pod for Ucontext {}
// SAFETY: as above.
unsafe impl Pod for RtSigframe {}
// SAFETY: as above.
unsafe impl Pod for FpxSwBytes {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sent_siginfo_puts_pid_and_uid_where_glibc_reads_them() {
        let info = Siginfo::sent(10, SI_TKILL, 1234, 1000);
        // si_pid at byte 16, si_uid at byte 20 (the union's first two words).
        assert_eq!(info.fields[0], 1234 | (1000u64 << 32));
        assert_eq!(info.code, SI_TKILL);
        assert_eq!(info.pid(), 1234);
    }
}
