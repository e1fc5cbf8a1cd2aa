//! The code of a rewritten syscall site (REWRITE-NOTES rules 3 and 5): the
//! `jmp` that replaces the site's window, and the trampoline it jumps to.
//! iced-x86 relocates the window's other instructions (RIP-relative
//! operands, relative branches); the rest is a fixed shape:
//!
//! ```text
//! T:  <the window's instructions before the syscall, relocated>
//!     lea rsp, [rsp-128]      ; step over the red zone
//!     call gs:[gate]          ; to the fast entry, pushing R
//! R:  syscall                 ; never reached by falling through: the fast
//!                             ; entry resumes here to take the SIGSYS path
//!                             ; (restarts, syscalls that replace the context)
//! E:  jmp short F             ; over the two words
//!     .quad <the return address to report, less E; or 0 for E>
//!     .quad <where a restart resumes, less E; or 0 for 2 bytes before that>
//! F:  <the window's instructions after the syscall, relocated>
//!     jmp <window end>
//! ```
//!
//! The fast entry returns to E (the trap's rip is E, as after a `syscall`
//! at R), restoring rsp, so the red zone and every register but rax, rcx
//! and r11 are as the guest left them. When the window ends with the
//! `syscall`, the trap reports the original return address instead (the
//! code after the window is untouched), so the guest's signal frames hold
//! the addresses they would hold on the SIGSYS path. When the window also
//! holds 5 bytes before the `syscall`, the `jmp` leaves it in place and a
//! restart resumes there, exactly as on the SIGSYS path; otherwise a
//! restart resumes at R.
//!
//! A trampoline holds no absolute address: the fast entry's is read from
//! the thread's block (at offset `gate` from the GS base), and the words
//! are relative to E. So trampolines built once for an image work wherever
//! the image and they are mapped at the same distance, in any ninux
//! process: a saved rewritten text keeps them (personality's `text.rs`).

use iced_x86::{
    BlockEncoder, BlockEncoderOptions, Decoder, DecoderOptions, InstructionBlock, OpKind,
};

/// Room for one trampoline: windows are at most 2 × 8 instructions.
pub const TRAMPOLINE_MAX: usize = 256;

const LEA_RSP_MINUS_128: [u8; 5] = [0x48, 0x8d, 0x64, 0x24, 0x80];
/// `call qword ptr gs:[disp32]`, the disp32 (the gate) to follow.
const CALL_GS: [u8; 4] = [0x65, 0xff, 0x14, 0x25];
/// From the `lea` to F: lea, call, syscall, the short jmp and the words.
const FIXED_LEN: usize = 5 + 8 + 2 + 2 + 16;
const SYSCALL: [u8; 2] = [0x0f, 0x05];
const INT3: u8 = 0xcc;

/// A site's rewrite: `code` goes at the trampoline address, `patch` over
/// the window (a `jmp` to the trampoline, the rest `int3` so mistakes trap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    pub code: Vec<u8>,
    pub patch: Vec<u8>,
}

fn rel32(from_end: u64, to: u64) -> Result<[u8; 4], &'static str> {
    let delta = to.wrapping_sub(from_end) as i64;
    i32::try_from(delta)
        .map(|d| d.to_le_bytes())
        .map_err(|_| "the trampoline is beyond ±2 GiB of the site")
}

/// The instructions of a window before its `syscall`, as they run
/// `offset` bytes after the window's start, and the offsets of their
/// 32-bit fields that reach outside (RIP-relative displacements, branch
/// displacements): moved to another address, only those fields change, by
/// the distance moved. So an exec can build trampolines from a cached plan
/// without iced, whose tables cost more to set up than the rest of the
/// rewrite. Relative to the window, it holds wherever the image is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub code: Vec<u8>,
    pub offset: u64,
    pub fixups: Vec<u8>,
}

/// [`Moved`] for the window `bytes` (at `start`) that ends with its
/// `syscall` at `site`; None if it does not end there or does not relocate.
pub fn movable(bytes: &[u8], start: u64, site: u64) -> Option<Moved> {
    if start + bytes.len() as u64 != site + 2 || !bytes.ends_with(&SYSCALL) {
        return None;
    }
    let pre = &bytes[..bytes.len() - 2];
    let mut decoder = Decoder::with_ip(64, pre, start, DecoderOptions::NONE);
    let instrs: Vec<_> = decoder.iter().collect();
    if instrs.iter().any(|i| i.is_invalid()) {
        return None;
    }
    let branches = instrs
        .iter()
        .any(|i| i.flow_control() != iced_x86::FlowControl::Next);
    // Branches are encoded far from the original, so short ones become
    // near ones.
    let offset = if branches { 1 << 30 } else { 0 };
    let base = start.checked_add(offset)?;
    let code = if branches {
        let block = InstructionBlock::new(&instrs, base);
        BlockEncoder::encode(64, block, BlockEncoderOptions::NONE)
            .ok()?
            .code_buffer
    } else {
        pre.to_vec()
    };
    let mut fixups = Vec::new();
    let mut decoder = Decoder::with_ip(64, &code, base, DecoderOptions::NONE);
    let mut ins = iced_x86::Instruction::default();
    while decoder.can_decode() {
        decoder.decode_out(&mut ins);
        let offsets = decoder.get_constant_offsets(&ins);
        let at = ins.ip() - base;
        if ins.is_ip_rel_memory_operand() {
            if offsets.displacement_size() != 4 {
                return None;
            }
            fixups.push(u8::try_from(at + offsets.displacement_offset() as u64).ok()?);
        } else if ins.flow_control() != iced_x86::FlowControl::Next {
            if ins.op0_kind() != OpKind::NearBranch64 || offsets.immediate_size() != 4 {
                return None;
            }
            fixups.push(u8::try_from(at + offsets.immediate_offset() as u64).ok()?);
        }
    }
    Some(Moved {
        code,
        offset,
        fixups,
    })
}

/// Builds the rewrite of the window `bytes` (at `start`) whose `syscall` is
/// at `site`, with the trampoline at `at` calling the fast entry through
/// `gs:[gate]`: from `moved`
/// (what [`movable`] made of this window, remembered by the plan) without
/// decoding, else relocated by iced.
pub fn build(
    bytes: &[u8],
    start: u64,
    site: u64,
    at: u64,
    gate: u32,
    moved: Option<&Moved>,
) -> Result<Rewrite, &'static str> {
    if (bytes.len() as u64) < crate::scan::MIN_WINDOW {
        return Err("the window is shorter than a jmp");
    }
    if let Some(m) = moved {
        if !bytes.ends_with(&SYSCALL) {
            return Err("the window does not end with its syscall");
        }
        return build_moved(m, start, bytes.len(), site, at, gate);
    }
    build_relocated(bytes, start, site, at, gate)
}

/// [`build`] for a window of `len` bytes at `start` ending with its
/// `syscall` at `site`, from its [`Moved`] form alone: the window's bytes
/// need not be read.
pub fn build_moved(
    m: &Moved,
    start: u64,
    len: usize,
    site: u64,
    at: u64,
    gate: u32,
) -> Result<Rewrite, &'static str> {
    if len < crate::scan::MIN_WINDOW as usize {
        return Err("the window is shorter than a jmp");
    }
    if start + len as u64 != site + 2 {
        return Err("the window does not end with its syscall");
    }
    let mut pre = Vec::with_capacity(TRAMPOLINE_MAX);
    pre.extend_from_slice(&m.code);
    let moved = start.wrapping_add(m.offset).wrapping_sub(at) as i64;
    for &off in &m.fixups {
        let field = pre
            .get_mut(off as usize..off as usize + 4)
            .ok_or("a fixup lies outside the window")?;
        let disp = i32::from_le_bytes(field.try_into().map_err(|_| "bad fixup")?) as i64;
        let disp = i32::try_from(disp + moved).map_err(|_| "an operand is beyond ±2 GiB")?;
        field.copy_from_slice(&disp.to_le_bytes());
    }
    finish(pre, Vec::new, start, site, at, gate, len)
}

fn build_relocated(
    bytes: &[u8],
    start: u64,
    site: u64,
    at: u64,
    gate: u32,
) -> Result<Rewrite, &'static str> {
    if (bytes.len() as u64) < crate::scan::MIN_WINDOW {
        return Err("the window is shorter than a jmp");
    }
    let mut decoder = Decoder::with_ip(64, bytes, start, DecoderOptions::NONE);
    let (mut pre, mut post, mut seen) = (Vec::new(), Vec::new(), false);
    for ins in decoder.iter() {
        if ins.is_invalid() {
            return Err("the window does not decode");
        }
        if ins.ip() == site {
            if bytes[(site - start) as usize..].get(..2) != Some(&SYSCALL[..]) {
                return Err("no syscall at the site");
            }
            seen = true;
        } else if seen {
            post.push(ins);
        } else {
            pre.push(ins);
        }
    }
    if !seen {
        return Err("the site is not an instruction of the window");
    }
    let encode = |block: &[iced_x86::Instruction], ip: u64| -> Result<Vec<u8>, &'static str> {
        if block.is_empty() {
            return Ok(Vec::new());
        }
        BlockEncoder::encode(
            64,
            InstructionBlock::new(block, ip),
            BlockEncoderOptions::NONE,
        )
        .map(|r| r.code_buffer)
        .map_err(|_| "the window does not relocate")
    };
    let code = encode(&pre, at)?;
    let post_at = at + (code.len() + FIXED_LEN) as u64;
    let after = encode(&post, post_at)?;
    finish(code, || after, start, site, at, gate, bytes.len())
}

/// Appends the fixed part to the relocated instructions before the site
/// (`code`) and after it (`post`), and makes the patch.
fn finish(
    mut code: Vec<u8>,
    post: impl FnOnce() -> Vec<u8>,
    start: u64,
    site: u64,
    at: u64,
    gate: u32,
    len: usize,
) -> Result<Rewrite, &'static str> {
    code.extend_from_slice(&LEA_RSP_MINUS_128);
    code.extend_from_slice(&CALL_GS);
    code.extend_from_slice(&gate.to_le_bytes());
    let r = at + code.len() as u64;
    code.extend_from_slice(&SYSCALL);
    let e = r + 2;
    let end = start + len as u64;
    // The return address the fast path reports: the original one when the
    // window ends with the `syscall` (the code after it is untouched); 0,
    // meaning E, when relocated instructions follow it.
    let reported = if end == site + 2 { site + 2 } else { 0 };
    // Where a restart resumes: the site itself when the `jmp` left the
    // `syscall` there (scan's `Window::keeps_site`), else R; 0 means
    // 2 bytes before the reported address, as the kernel does.
    let moved = reported != 0 && site < start + crate::scan::MIN_WINDOW;
    let restart = if moved { r } else { 0 };
    code.extend_from_slice(&[0xeb, 16]);
    for word in [reported, restart] {
        let relative = if word == 0 { 0 } else { word.wrapping_sub(e) };
        code.extend_from_slice(&relative.to_le_bytes());
    }
    code.extend_from_slice(&post());
    code.push(0xe9);
    code.extend_from_slice(&rel32(at + code.len() as u64 + 4, end)?);
    if code.len() > TRAMPOLINE_MAX {
        return Err("the trampoline is too long");
    }
    let mut patch = vec![0xe9];
    patch.extend_from_slice(&rel32(start + 5, at)?);
    patch.resize(len, INT3);
    if site >= start + 5 {
        // Left in place: a restart or a frame resuming at the site traps.
        let at = (site - start) as usize;
        patch[at..at + 2].copy_from_slice(&SYSCALL);
    }
    Ok(Rewrite { code, patch })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mov_eax_syscall_becomes_a_jump_and_a_trampoline() {
        // mov eax, 39; syscall
        let window = [0xb8, 39, 0, 0, 0, 0x0f, 0x05];
        let r = build(&window, 0x401000, 0x401005, 0x3ff000, 224, None).unwrap();
        // jmp rel32 to 0x3ff000 from 0x401005, then int3 fill.
        let rel = (0x3ff000i64 - 0x401005) as i32;
        let mut patch = vec![0xe9];
        patch.extend_from_slice(&rel.to_le_bytes());
        patch.extend_from_slice(&SYSCALL);
        assert_eq!(r.patch, patch);
        // mov eax, 39 ; lea rsp,[rsp-128] ; call gs:[224] ; syscall ;
        // jmp short over the words ; the words ; jmp back
        assert_eq!(&r.code[..5], &window[..5]);
        assert_eq!(&r.code[5..10], &LEA_RSP_MINUS_128);
        assert_eq!(&r.code[10..18], &[0x65, 0xff, 0x14, 0x25, 224, 0, 0, 0]);
        assert_eq!(&r.code[18..20], &SYSCALL);
        let e = 0x3ff000u64 + 20;
        assert_eq!(&r.code[20..22], &[0xeb, 16]);
        // The syscall stays in place: the fast path reports its own return
        // address, and restarts resume at the site.
        let word = |at: usize| u64::from_le_bytes(r.code[at..at + 8].try_into().unwrap());
        assert_eq!(e.wrapping_add(word(22)), 0x401007);
        assert_eq!(word(30), 0);
        assert_eq!(r.code[38], 0xe9);
        let back = i32::from_le_bytes(r.code[39..43].try_into().unwrap()) as i64;
        assert_eq!(0x3ff000 + 43 + back, 0x401007);
        assert_eq!(r.code.len(), 43);
        // mov rax, rsi; syscall: the jmp covers the syscall, so restarts
        // resume at R, the trampoline's own syscall.
        let window = [0x48, 0x89, 0xf0, 0x0f, 0x05];
        let r = build(&window, 0x401560, 0x401563, 0x3ff000, 224, None).unwrap();
        assert_eq!(&r.code[3..8], &LEA_RSP_MINUS_128);
        assert_eq!(&r.code[16..18], &SYSCALL);
        let e = 0x3ff000u64 + 18;
        let word = |at: usize| u64::from_le_bytes(r.code[at..at + 8].try_into().unwrap());
        assert_eq!(e.wrapping_add(word(20)), 0x401565);
        assert_eq!(e.wrapping_add(word(28)), e - 2);
    }

    #[test]
    fn trampolines_hold_no_absolute_address() {
        // glibc's read: cmp byte [rip+x], 0; je short; xor eax, eax; syscall.
        let read = [
            0x80, 0x3d, 0x51, 0x4a, 0x07, 0x00, 0x00, 0x74, 0x17, 0x31, 0xc0, 0x0f, 0x05,
        ];
        // A window whose syscall is followed by code: mov edi, eax; syscall; mov edx, eax.
        let after = [0x89, 0xc7, 0x0f, 0x05, 0x89, 0xc2, 0x90];
        for (window, site_at) in [(&read[..], 11), (&after[..], 2)] {
            let built = |bias: u64| {
                let start = 0x40_0600 + bias;
                build(window, start, start + site_at, start - 0x10_0000, 224, None).unwrap()
            };
            assert_eq!(built(0), built(0x5555_0000_0000), "{window:x?}");
        }
    }

    #[test]
    fn moved_windows_need_no_decoding_and_match_iced() {
        let check = |window: &[u8], start: u64, site: u64| {
            let m = movable(window, start, site).unwrap();
            let below = start.checked_sub(0x1000_0000).unwrap_or(0x1000);
            for at in [0x3ff000, start + 0x7000_0000, below] {
                let copied = build(window, start, site, at, 224, Some(&m)).unwrap();
                let relocated = build(window, start, site, at, 224, None).unwrap();
                assert_eq!(copied, relocated, "{window:x?} at {at:#x}");
            }
            // Planned at the image's addresses, built where a PIE loads.
            let bias = 0x5555_5555_0000;
            let (start, site, at) = (start + bias, site + bias, start + bias - 0x10_0000);
            let copied = build(window, start, site, at, 224, Some(&m)).unwrap();
            let relocated = build(window, start, site, at, 224, None).unwrap();
            assert_eq!(copied, relocated, "{window:x?} loaded at {bias:#x}");
            m
        };
        // mov eax, 39; syscall: copied as it is.
        let m = check(&[0xb8, 39, 0, 0, 0, 0x0f, 0x05], 0x40_1000, 0x40_1005);
        assert_eq!((m.offset, m.fixups.len()), (0, 0));
        // lea rsi, [rip+0x758d1]; syscall: the displacement is fixed up.
        let m = check(
            &[0x48, 0x8d, 0x35, 0xd1, 0x58, 0x07, 0x00, 0x0f, 0x05],
            0x40_3b80,
            0x40_3b87,
        );
        assert_eq!(m.fixups, vec![3]);
        // glibc's read: cmp byte [rip+x], 0; je short; xor eax, eax; syscall.
        let read = [
            0x80, 0x3d, 0x51, 0x4a, 0x07, 0x00, 0x00, 0x74, 0x17, 0x31, 0xc0, 0x0f, 0x05,
        ];
        let m = check(&read, 0x43_0600, 0x43_060b);
        assert_eq!(m.fixups.len(), 2);
        // Not ending with the syscall: no.
        assert_eq!(
            movable(&[0x0f, 0x05, 0x90, 0x90, 0x90], 0x1000, 0x1000),
            None
        );
    }

    #[test]
    fn relative_operands_are_relocated() {
        // je +0x10 (short); xor eax, eax; syscall  — as glibc's read path.
        let window = [0x74, 0x10, 0x31, 0xc0, 0x0f, 0x05];
        let r = build(&window, 0x401000, 0x401004, 0x7000_0000, 0, None).unwrap();
        // The relocated je reaches the original target 0x401012.
        let mut d = Decoder::with_ip(64, &r.code, 0x7000_0000, DecoderOptions::NONE);
        let je = d.decode();
        assert_eq!(je.near_branch_target(), 0x401012);
    }

    #[test]
    fn refuses_far_trampolines_and_windows_without_the_site() {
        let window = [0xb8, 39, 0, 0, 0, 0x0f, 0x05];
        assert!(build(
            &window,
            0x401000,
            0x401005,
            0x1_0000_0000_0000,
            0,
            movable(&window, 0x401000, 0x401005).as_ref()
        )
        .is_err());
        assert!(build(&window, 0x401000, 0x401003, 0x3ff000, 0, None).is_err());
        assert!(build(&window[..4], 0x401000, 0x401005, 0x3ff000, 0, None).is_err());
    }
}
