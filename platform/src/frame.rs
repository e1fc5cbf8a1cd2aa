//! Guest signal frames: Linux's x86-64 `rt_sigframe` built on the guest's
//! stack from a trap (signal delivery), and taken apart again for the
//! guest's `rt_sigreturn`. The guest's FP/XSAVE state is the one the host
//! kernel saved in ninux's own frame when the trap began: delivery copies it
//! out to the guest frame and resets it to the initial state the handler
//! starts with; sigreturn copies the guest frame's state back in. Either way
//! the host kernel loads it when ninux's handler returns.

use crate::block::GuestRegs;
use crate::signals::Trap;
use crate::uaccess::{self, BadAddress};
use abi::signal_frame::{reg::*, *};
use abi::structs::StackT;
use std::mem::{offset_of, size_of};

/// What the personality decided about one delivery.
#[derive(Clone, Copy, Debug)]
pub struct SignalFrame {
    pub info: Siginfo,
    /// sa_handler and sa_restorer.
    pub handler: u64,
    pub restorer: u64,
    /// The frame goes below this address: the interrupted rsp less the red
    /// zone, or the top of the alternate signal stack.
    pub stack_top: u64,
    /// The alternate stack `[lo, hi)` when the frame is on it: a frame that
    /// would not fit is an error (Linux's SIGSEGV), not a write below it.
    pub stack_bounds: Option<(u64, u64)>,
    /// The alternate-stack state rt_sigreturn restores (uc_stack).
    pub uc_stack: StackT,
    /// The mask rt_sigreturn restores (uc_sigmask).
    pub saved_mask: u64,
    /// The mask the handler runs with.
    pub handler_mask: u64,
}

fn get<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&b[at..at + N]);
    out
}
fn get_u32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(get(b, at))
}
fn get_u64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(get(b, at))
}
fn put(b: &mut [u8], at: usize, v: &[u8]) {
    b[at..at + v.len()].copy_from_slice(v);
}

/// The size of an FP state from its software bytes: the XSAVE area and
/// MAGIC2 when the magic says so, else the 512-byte FXSAVE image alone.
fn fp_len(legacy: &[u8]) -> usize {
    let magic1 = get_u32(legacy, FPX_SW_OFFSET);
    let extended = get_u32(legacy, FPX_SW_OFFSET + 4) as usize;
    let xstate = get_u32(legacy, FPX_SW_OFFSET + 16) as usize;
    let plausible = (XSAVE_HEADER_OFFSET + XSAVE_HEADER_SIZE..=1 << 20).contains(&xstate);
    if magic1 == FP_XSTATE_MAGIC1 && plausible && extended == xstate + 4 {
        extended
    } else {
        FXSAVE_SIZE
    }
}

/// The initial FP state Linux gives a signal handler: x87 and SSE registers
/// cleared, default control words, every XSAVE component in its init state.
fn reset_fp(fp: &mut [u8]) {
    fp[..FX_REGS.end].fill(0);
    put(fp, FX_FCW, &FCW_DEFAULT.to_le_bytes());
    put(fp, FX_MXCSR, &MXCSR_DEFAULT.to_le_bytes());
    if fp.len() > FXSAVE_SIZE {
        // XSTATE_BV = 0: XRSTOR initialises every component (MXCSR still
        // comes from the legacy area).
        put(fp, XSAVE_HEADER_OFFSET, &0u64.to_le_bytes());
    }
}

/// Copies the FP state of a guest frame at `addr` into the host's FP area,
/// keeping what the host kernel will refuse out of it: the host's own
/// software bytes and header layout stay, unknown XSTATE_BV bits and MXCSR
/// reserved bits are dropped (Linux rejects or sanitises the same).
fn restore_fp(host: &mut [u8], addr: u64) -> Result<(), BadAddress> {
    let mut legacy = [0u8; FXSAVE_SIZE];
    uaccess::copy_in(&mut legacy, addr)?;
    let len = host.len();
    let host_xsave = len > FXSAVE_SIZE;
    let mut full = None;
    if host_xsave && fp_len(&legacy) == len {
        let mut all = vec![0u8; len];
        uaccess::copy_in(&mut all, addr)?;
        if get_u32(&all, len - 4) == FP_XSTATE_MAGIC2 {
            full = Some(all);
        }
    }
    let mxcsr_mask = match get_u32(host, FX_MXCSR_MASK) {
        0 => 0xffbf,
        m => m,
    };
    host[..FPX_SW_OFFSET].copy_from_slice(&legacy[..FPX_SW_OFFSET]);
    let mxcsr = get_u32(&legacy, FX_MXCSR) & mxcsr_mask;
    put(host, FX_MXCSR, &mxcsr.to_le_bytes());
    put(host, FX_MXCSR_MASK, &mxcsr_mask.to_le_bytes());
    if host_xsave {
        let xfeatures = get_u64(host, FPX_SW_OFFSET + 8);
        let xstate_bv = match &full {
            Some(all) => {
                let body = XSAVE_HEADER_OFFSET + XSAVE_HEADER_SIZE..len - 4;
                host[body.clone()].copy_from_slice(&all[body]);
                get_u64(all, XSAVE_HEADER_OFFSET) & xfeatures
            }
            // An FXSAVE-only frame: x87 and SSE from it, the rest initialised.
            None => 0b11 & xfeatures,
        };
        let header = XSAVE_HEADER_OFFSET..XSAVE_HEADER_OFFSET + XSAVE_HEADER_SIZE;
        host[header].fill(0);
        put(host, XSAVE_HEADER_OFFSET, &xstate_bv.to_le_bytes());
    }
    Ok(())
}

impl Trap<'_> {
    /// The FP state area of the host's frame, which the host kernel loads
    /// when ninux's handler returns.
    fn host_fp(&mut self) -> Option<&mut [u8]> {
        if self.fast.is_some() {
            return self.fast_fp();
        }
        let ptr = self.uc.uc_mcontext.fpstate;
        if ptr == 0 {
            return None;
        }
        // SAFETY: the host kernel put the FP state of the interrupted context
        // in this handler's frame on ninux's alternate stack, valid until the
        // handler returns; it is at least the FXSAVE image, and its software
        // bytes give its full size.
        let len = fp_len(unsafe { std::slice::from_raw_parts(ptr as *const u8, FXSAVE_SIZE) });
        // SAFETY: as above; `self` is borrowed mutably for the slice's life,
        // so nothing else in ninux touches the area meanwhile.
        Some(unsafe { std::slice::from_raw_parts_mut(ptr as *mut u8, len) })
    }

    /// Builds Linux's rt_sigframe for a delivery and points the trap at the
    /// handler: rip = handler, rdi = signo, rsi = &siginfo, rdx = &ucontext,
    /// rax = 0, rsp = the frame (its first word the restorer), DF/RF/TF
    /// cleared, the handler's mask and a fresh FP state. Err if the frame
    /// does not fit or the stack is not writable; the trap is then unchanged.
    pub fn push_signal_frame(&mut self, f: &SignalFrame) -> Result<(), BadAddress> {
        let fp = self.host_fp().map(|b| b.to_vec()).unwrap_or_default();
        let fp_addr = if fp.is_empty() {
            f.stack_top
        } else {
            f.stack_top.checked_sub(fp.len() as u64).ok_or(BadAddress)? & !63
        };
        let frame = (fp_addr
            .checked_sub(size_of::<RtSigframe>() as u64)
            .ok_or(BadAddress)?
            & !15)
            .checked_sub(8)
            .ok_or(BadAddress)?;
        if let Some((lo, hi)) = f.stack_bounds {
            if frame <= lo || fp_addr + fp.len() as u64 > hi {
                return Err(BadAddress);
            }
        }
        let mut mcontext = self.uc.uc_mcontext;
        mcontext.fpstate = if fp.is_empty() { 0 } else { fp_addr };
        mcontext.gregs[OLDMASK] = f.saved_mask;
        mcontext.reserved = [0; 8];
        let sigframe = RtSigframe {
            pretcode: f.restorer,
            uc: Ucontext {
                uc_flags: self.uc.uc_flags,
                uc_link: 0,
                uc_stack: f.uc_stack,
                uc_mcontext: mcontext,
                uc_sigmask: f.saved_mask,
            },
            info: f.info,
        };
        uaccess::copy_out(fp_addr, &fp)?;
        uaccess::write(frame, &sigframe)?;
        let g = &mut self.uc.uc_mcontext.gregs;
        g[RIP] = f.handler;
        g[RDI] = f.info.signo as u64;
        g[RSI] = frame + offset_of!(RtSigframe, info) as u64;
        g[RDX] = frame + offset_of!(RtSigframe, uc) as u64;
        g[RAX] = 0;
        g[RSP] = frame;
        g[EFL] &= !HANDLER_CLEARS_EFLAGS;
        self.set_sigmask(f.handler_mask);
        if let Some(fp) = self.host_fp() {
            reset_fp(fp);
        }
        Ok(())
    }

    /// rt_sigreturn: restores the registers, flags (the user-changeable
    /// ones), FP state and signal mask saved in the frame whose ucontext is
    /// at the trap's rsp (the handler's `ret` popped the restorer address),
    /// and returns the saved alternate-stack state for the caller to apply.
    /// The syscall then writes no result. Err (nothing changed) if the frame
    /// cannot be read.
    pub fn pop_signal_frame(&mut self) -> Result<(StackT, u64), BadAddress> {
        let uc: Ucontext = uaccess::read(self.regs().rsp)?;
        let saved = uc.uc_mcontext.gregs;
        match (uc.uc_mcontext.fpstate, self.host_fp()) {
            (0, Some(host)) => reset_fp(host),
            (addr, Some(host)) => restore_fp(host, addr)?,
            (_, None) => {}
        }
        let g = &mut self.uc.uc_mcontext.gregs;
        g[..=RIP].copy_from_slice(&saved[..=RIP]);
        g[EFL] = (g[EFL] & !FIX_EFLAGS) | (saved[EFL] & FIX_EFLAGS);
        self.context_replaced = true;
        Ok((uc.uc_stack, uc.uc_sigmask))
    }

    /// execve in place: the trap returns into a new image with `regs` and a
    /// fresh FP state, as Linux's exec starts a program; the syscall then
    /// writes no result. Only a SIGSYS trap can (the fast path restores the
    /// vector state it saved): false, nothing changed, on a fast one.
    pub fn start_image(&mut self, regs: &GuestRegs) -> bool {
        if self.fast.is_some() {
            return false;
        }
        self.set_regs(regs);
        if let Some(fp) = self.host_fp() {
            reset_fp(fp);
        }
        self.context_replaced = true;
        true
    }

    /// Whether rt_sigreturn replaced the context, so no result is written.
    pub fn context_replaced(&self) -> bool {
        self.context_replaced
    }

    /// Makes the interrupted syscall run again when the trap returns (Linux's
    /// restart after -ERESTARTSYS): rip back over the 2-byte `syscall` (or
    /// to a rewritten site's relocated one), rax the syscall number again.
    pub fn restart_syscall(&mut self, nr: u64) {
        let g = &mut self.uc.uc_mcontext.gregs;
        g[RIP] = self.restart_at.unwrap_or(g[RIP].wrapping_sub(2));
        g[RAX] = nr;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xsave_image(xstate: usize) -> Vec<u8> {
        let mut b = vec![0u8; xstate + 4];
        put(&mut b, FPX_SW_OFFSET, &FP_XSTATE_MAGIC1.to_le_bytes());
        put(
            &mut b,
            FPX_SW_OFFSET + 4,
            &((xstate + 4) as u32).to_le_bytes(),
        );
        put(&mut b, FPX_SW_OFFSET + 8, &7u64.to_le_bytes());
        put(&mut b, FPX_SW_OFFSET + 16, &(xstate as u32).to_le_bytes());
        put(&mut b, xstate, &FP_XSTATE_MAGIC2.to_le_bytes());
        b
    }

    #[test]
    fn fp_len_follows_the_software_bytes() {
        assert_eq!(fp_len(&xsave_image(832)), 836);
        assert_eq!(fp_len(&[0u8; 512]), 512);
        let mut bad = xsave_image(832);
        put(&mut bad, FPX_SW_OFFSET + 4, &900u32.to_le_bytes());
        assert_eq!(fp_len(&bad), 512);
    }

    #[test]
    fn reset_gives_the_handler_default_control_words() {
        let mut fp = xsave_image(832);
        fp[200] = 0xaa;
        put(&mut fp, XSAVE_HEADER_OFFSET, &7u64.to_le_bytes());
        reset_fp(&mut fp);
        assert_eq!(get_u32(&fp, FX_MXCSR), MXCSR_DEFAULT);
        assert_eq!(u16::from_le_bytes(get(&fp, FX_FCW)), FCW_DEFAULT);
        assert_eq!(fp[200], 0);
        assert_eq!(get_u64(&fp, XSAVE_HEADER_OFFSET), 0);
        assert_eq!(get_u32(&fp, FPX_SW_OFFSET), FP_XSTATE_MAGIC1);
    }
}
