//! Static syscall-site scan (iced-x86 stays inside): every `syscall`,
//! `int 0x80` and `sysenter` in a binary's executable sections, the syscall
//! number where a backward slice in the basic block recovers it, and for each
//! site the rewrite window the fast path could use (REWRITE-NOTES rules 1–3).
//!
//! Only sections with SHF_EXECINSTR are decoded, because linkers put data in
//! executable segments and data decodes as false sites. A file without
//! section headers falls back to its executable segments, and [`Scan::source`]
//! says so.
//!
//! Nothing here patches code. Branch targets this scan does not yet collect,
//! which the fast path must add before patching: bounded jump tables,
//! exception landing pads, Go's function table.

mod targets;

use iced_x86::{
    BlockEncoder, BlockEncoderOptions, Decoder, DecoderOptions, FlowControl, Instruction,
    InstructionBlock, InstructionInfoFactory, Mnemonic, OpAccess, OpKind, Register,
};

use crate::elf::{Image, LoadError};

/// The smallest window a rewrite can use: a `jmp rel32` is 5 bytes.
pub const MIN_WINDOW: u64 = 5;
/// How far a window reaches, in instructions, on each side of the site.
const MAX_WINDOW_INSTRUCTIONS: usize = 8;
/// How far the backward slice for the syscall number looks.
const MAX_SLICE: usize = 64;

/// Which instruction enters the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteKind {
    /// `syscall`: the x86-64 ABI, the only one ninux answers.
    Syscall,
    /// `int 0x80`: the i386 ABI, with i386 syscall numbers.
    Int80,
    /// `sysenter`: i386 fast entry; faults in 64-bit mode on Intel.
    Sysenter,
}

/// How the slice found, or failed to find, the number in eax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// `mov eax, imm` / `mov rax, imm`.
    Immediate,
    /// `xor eax, eax` or `sub eax, eax`.
    Zeroed,
    /// `lea eax, [disp]`, or `lea` from a register holding a constant.
    Lea,
    /// Moved from another register that was itself set to a constant.
    Copied,
    /// Not set in the basic block: it comes from the caller or another path,
    /// as in glibc's generic `syscall()` wrapper.
    FromOutside,
    /// Loaded from memory (a stack slot, a table).
    FromMemory,
    /// Computed, partially or conditionally written.
    Computed,
}

impl How {
    pub fn label(self) -> &'static str {
        match self {
            How::Immediate => "immediate",
            How::Zeroed => "zeroed",
            How::Lea => "lea",
            How::Copied => "copied",
            How::FromOutside => "from-outside-block",
            How::FromMemory => "from-memory",
            How::Computed => "computed",
        }
    }
}

/// Whole instructions around a site that a 5-byte jump could replace: no
/// branch target lies in it after its first byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub start: u64,
    /// Exclusive.
    pub end: u64,
    pub instructions: usize,
}

impl Window {
    /// Whether the window ends with the site's `syscall` and holds 5 bytes
    /// before it, so the rewrite's `jmp` leaves the `syscall` in place: a
    /// restart, or a signal frame resuming at the site, finds the original
    /// instruction there, exactly as on the SIGSYS path.
    pub fn keeps_site(&self, site: u64) -> bool {
        self.end == site + 2 && site >= self.start + MIN_WINDOW
    }
}

/// One instruction that enters the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyscallSite {
    pub addr: u64,
    pub kind: SiteKind,
    /// The syscall number, when the slice recovered it.
    pub number: Option<u64>,
    pub how: How,
    /// Where the value was set, when found.
    pub set_at: Option<u64>,
    /// Name of the section (or segment) holding the site.
    pub section: String,
    /// The rewrite window, or why there is none.
    pub window: Result<Window, &'static str>,
}

/// Where the decoded code came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeSource {
    /// SHF_EXECINSTR sections: code only.
    Sections,
    /// No section headers: whole executable segments, which may hold data
    /// that decodes as false sites.
    Segments,
}

/// A decoded address range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRange {
    pub name: String,
    pub start: u64,
    pub size: u64,
}

impl CodeRange {
    fn contains(&self, addr: u64) -> bool {
        self.start <= addr && addr - self.start < self.size
    }
}

/// The result of scanning one binary.
#[derive(Debug, Clone)]
pub struct Scan {
    pub source: CodeSource,
    pub ranges: Vec<CodeRange>,
    pub instructions: usize,
    /// Distinct branch targets known (code and metadata).
    pub targets: usize,
    /// In address order.
    pub sites: Vec<SyscallSite>,
}

impl Scan {
    /// The `syscall` sites: the ones ninux answers.
    pub fn syscalls(&self) -> impl Iterator<Item = &SyscallSite> {
        self.sites.iter().filter(|s| s.kind == SiteKind::Syscall)
    }

    pub fn count(&self, kind: SiteKind) -> usize {
        self.sites.iter().filter(|s| s.kind == kind).count()
    }

    /// `syscall` sites whose number was recovered.
    pub fn resolved(&self) -> usize {
        self.syscalls().filter(|s| s.number.is_some()).count()
    }

    /// `syscall` sites with a rewrite window.
    pub fn rewritable(&self) -> usize {
        self.syscalls().filter(|s| s.window.is_ok()).count()
    }
}

/// Parses `bytes` (the contents of `file`) and scans it.
pub fn scan_file(file: &str, bytes: &[u8]) -> Result<Scan, LoadError> {
    let image = Image::parse(file, bytes)?;
    Ok(scan(&image, bytes))
}

/// Scans an image parsed from `bytes`.
pub fn scan(image: &Image, bytes: &[u8]) -> Scan {
    let sections = crate::elf::code_sections(bytes);
    let (source, ranges) = code_ranges(image, &sections);
    let mut code = Vec::new();
    for range in &ranges {
        let offset = if source == CodeSource::Sections {
            sections
                .iter()
                .find(|s| s.vaddr == range.start && s.name == range.name)
                .map(|s| s.offset)
        } else {
            image
                .segments
                .iter()
                .find(|s| s.vaddr == range.start)
                .map(|s| s.offset)
        };
        let Some(raw) = offset.and_then(|o| bytes.get(o as usize..(o + range.size) as usize))
        else {
            continue;
        };
        code.push((range.name.clone(), decode(raw, range.start)));
    }
    let mut known = targets::from_metadata(image, bytes, &ranges);
    for (_, instrs) in &code {
        known.extend(code_targets(instrs, &ranges));
    }
    let targets = Targets::new(known);
    Scan {
        source,
        instructions: code.iter().map(|(_, v)| v.len()).sum(),
        targets: targets.0.len(),
        sites: find_sites(&code, &targets),
        ranges,
    }
}

/// Every site in the decoded `code`, in address order, with its number and window.
fn find_sites(code: &[(String, Vec<Instruction>)], targets: &Targets) -> Vec<SyscallSite> {
    let mut factory = InstructionInfoFactory::new();
    let mut sites = Vec::new();
    for (name, instrs) in code {
        for (i, ins) in instrs.iter().enumerate() {
            let Some(kind) = site_kind(ins) else { continue };
            let (number, how, set_at) = slice_number(instrs, i, targets, &mut factory);
            sites.push(SyscallSite {
                addr: ins.ip(),
                kind,
                number,
                how,
                set_at,
                section: name.clone(),
                window: window(instrs, i, targets),
            });
        }
    }
    sites.sort_by_key(|s| s.addr);
    drop_overlaps(&mut sites);
    sites
}

fn code_ranges(
    image: &Image,
    sections: &[crate::elf::CodeSection],
) -> (CodeSource, Vec<CodeRange>) {
    if !sections.is_empty() {
        let ranges = sections
            .iter()
            .map(|s| CodeRange {
                name: s.name.clone(),
                start: s.vaddr,
                size: s.size,
            })
            .collect();
        return (CodeSource::Sections, ranges);
    }
    let ranges = image
        .segments
        .iter()
        .filter(|s| s.exec)
        .map(|s| CodeRange {
            name: format!("segment@{:#x}", s.vaddr),
            start: s.vaddr,
            size: s.filesz,
        })
        .collect();
    (CodeSource::Segments, ranges)
}

/// Linear sweep; an invalid byte decodes as a one-byte invalid instruction
/// and the sweep goes on.
fn decode(raw: &[u8], start: u64) -> Vec<Instruction> {
    let mut decoder = Decoder::with_ip(64, raw, start, DecoderOptions::NONE);
    let mut out = Vec::with_capacity(raw.len() / 4);
    let mut ins = Instruction::default();
    while decoder.can_decode() {
        decoder.decode_out(&mut ins);
        out.push(ins);
    }
    out
}

fn site_kind(ins: &Instruction) -> Option<SiteKind> {
    match ins.mnemonic() {
        Mnemonic::Syscall => Some(SiteKind::Syscall),
        Mnemonic::Sysenter => Some(SiteKind::Sysenter),
        Mnemonic::Int if ins.immediate8() == 0x80 => Some(SiteKind::Int80),
        _ => None,
    }
}

/// Targets the code itself names: direct branch and call targets, return
/// addresses (after every call and syscall: a signal or a trapped syscall
/// resumes there), and `lea`/immediate operands that hold code addresses.
fn code_targets<'a>(
    instrs: &'a [Instruction],
    ranges: &'a [CodeRange],
) -> impl Iterator<Item = u64> + 'a {
    let in_code = |a: u64| ranges.iter().any(|r| r.contains(a));
    instrs.iter().flat_map(move |ins| {
        let mut found = [None, None];
        if matches!(
            ins.op0_kind(),
            OpKind::NearBranch16 | OpKind::NearBranch32 | OpKind::NearBranch64
        ) {
            found[0] = Some(ins.near_branch_target());
        } else if ins.is_ip_rel_memory_operand() && ins.mnemonic() == Mnemonic::Lea {
            found[0] = Some(ins.ip_rel_memory_address());
        } else if ins.mnemonic() == Mnemonic::Mov && is_immediate(ins.op1_kind()) {
            found[0] = Some(ins.immediate(1)).filter(|&a| in_code(a));
        }
        if matches!(
            ins.flow_control(),
            FlowControl::Call | FlowControl::IndirectCall | FlowControl::Interrupt
        ) {
            found[1] = Some(ins.next_ip());
        }
        found.into_iter().flatten()
    })
}

fn is_immediate(kind: OpKind) -> bool {
    matches!(
        kind,
        OpKind::Immediate8
            | OpKind::Immediate16
            | OpKind::Immediate32
            | OpKind::Immediate64
            | OpKind::Immediate8to32
            | OpKind::Immediate8to64
            | OpKind::Immediate32to64
    )
}

/// Sorted, distinct branch targets.
struct Targets(Vec<u64>);

impl Targets {
    fn new(mut v: Vec<u64>) -> Targets {
        v.sort_unstable();
        v.dedup();
        Targets(v)
    }

    fn contains(&self, addr: u64) -> bool {
        self.0.binary_search(&addr).is_ok()
    }

    /// Whether a target other than `except` lies strictly inside `(lo, hi)`.
    fn inside(&self, lo: u64, hi: u64, except: u64) -> bool {
        let from = self.0.partition_point(|&t| t <= lo);
        self.0[from..]
            .iter()
            .take_while(|&&t| t < hi)
            .any(|&t| t != except)
    }
}

/// How an instruction changes the register the slice follows.
enum Write {
    None,
    /// All 64 bits (a 32-bit write zero-extends).
    Full,
    /// Some bits, or only on some condition.
    Partial,
}

fn writes(ins: &Instruction, reg: Register, factory: &mut InstructionInfoFactory) -> Write {
    let mut result = Write::None;
    for used in factory.info(ins).used_registers() {
        if used.register().full_register() != reg {
            continue;
        }
        match used.access() {
            OpAccess::Write | OpAccess::ReadWrite if used.register().size() >= 4 => {
                result = Write::Full;
            }
            OpAccess::Write
            | OpAccess::ReadWrite
            | OpAccess::CondWrite
            | OpAccess::ReadCondWrite => return Write::Partial,
            _ => {}
        }
    }
    result
}

/// Follows eax backwards from the site at `i` through moves and `lea` to a
/// constant. Stops at the start of the basic block: a branch target, a call,
/// a jump or return, another syscall. Falling through a conditional branch
/// is fine, since the site is then reached only along that path.
fn slice_number(
    instrs: &[Instruction],
    i: usize,
    targets: &Targets,
    factory: &mut InstructionInfoFactory,
) -> (Option<u64>, How, Option<u64>) {
    let mut reg = Register::RAX;
    let mut addend = 0u64;
    let mut mask = u64::MAX;
    let mut copied = false;
    let mut via_lea = false;
    if targets.contains(instrs[i].ip()) {
        return (None, How::FromOutside, None);
    }
    for j in (i.saturating_sub(MAX_SLICE)..i).rev() {
        let ins = &instrs[j];
        if !matches!(
            ins.flow_control(),
            FlowControl::Next | FlowControl::ConditionalBranch
        ) {
            return (None, How::FromOutside, None);
        }
        match writes(ins, reg, factory) {
            Write::None => {}
            Write::Partial => return (None, How::Computed, Some(ins.ip())),
            Write::Full => {
                if ins.op0_register().size() == 4 {
                    mask &= 0xffff_ffff;
                }
                let constant = match ins.mnemonic() {
                    Mnemonic::Mov if is_immediate(ins.op1_kind()) => Some(ins.immediate(1)),
                    Mnemonic::Xor | Mnemonic::Sub
                        if ins.op0_kind() == OpKind::Register
                            && ins.op1_kind() == OpKind::Register
                            && ins.op0_register() == ins.op1_register() =>
                    {
                        Some(0)
                    }
                    Mnemonic::Mov if ins.op1_kind() == OpKind::Register => {
                        let from = ins.op1_register();
                        if from.is_gpr64() || from.is_gpr32() {
                            reg = from.full_register();
                            copied = true;
                            None
                        } else {
                            return (None, How::Computed, Some(ins.ip()));
                        }
                    }
                    Mnemonic::Lea if ins.memory_index() == Register::None => {
                        via_lea = true;
                        match ins.memory_base() {
                            Register::None => Some(ins.memory_displacement64()),
                            Register::RIP | Register::EIP => Some(ins.ip_rel_memory_address()),
                            base => {
                                addend = addend.wrapping_add(ins.memory_displacement64());
                                reg = base.full_register();
                                None
                            }
                        }
                    }
                    _ => {
                        let how = if (0..ins.op_count()).any(|k| ins.op_kind(k) == OpKind::Memory)
                            || ins.mnemonic() == Mnemonic::Pop
                        {
                            How::FromMemory
                        } else {
                            How::Computed
                        };
                        return (None, how, Some(ins.ip()));
                    }
                };
                if let Some(value) = constant {
                    let how = match ins.mnemonic() {
                        _ if via_lea => How::Lea,
                        _ if copied => How::Copied,
                        Mnemonic::Mov => How::Immediate,
                        _ => How::Zeroed,
                    };
                    return (Some(value.wrapping_add(addend) & mask), how, Some(ins.ip()));
                }
            }
        }
        if targets.contains(ins.ip()) {
            break;
        }
    }
    (None, How::FromOutside, None)
}

/// Instructions a window may never include (REWRITE-NOTES rule 3): control
/// that leaves the block, padding, other kernel entries, undecodable bytes.
/// Conditional branches may be included: they are relocated.
fn is_barrier(ins: &Instruction) -> bool {
    ins.is_invalid()
        || !matches!(
            ins.flow_control(),
            FlowControl::Next | FlowControl::ConditionalBranch
        )
        || matches!(ins.mnemonic(), Mnemonic::Nop | Mnemonic::Int3)
}

/// The smallest window of whole instructions of at least [`MIN_WINDOW`]
/// bytes around the site at `i`, preferring one that ends with the site.
/// The site's own return address is not a target for its own window: once
/// rewritten, the relocated syscall returns inside the trampoline.
fn window(instrs: &[Instruction], i: usize, targets: &Targets) -> Result<Window, &'static str> {
    let own_return = instrs[i].next_ip();
    let span = |a: usize, b: usize| instrs[b].next_ip() - instrs[a].ip();
    let entered =
        |a: usize, b: usize| targets.inside(instrs[a].ip(), instrs[b].next_ip(), own_return);
    let first = (i.saturating_sub(MAX_WINDOW_INSTRUCTIONS)..i)
        .rev()
        .take_while(|&k| !is_barrier(&instrs[k]))
        .last()
        .unwrap_or(i);
    let last = (i + 1..instrs.len().min(i + 1 + MAX_WINDOW_INSTRUCTIONS))
        .take_while(|&k| !is_barrier(&instrs[k]))
        .last()
        .unwrap_or(i);
    let mut found = None;
    // Best: preceding instructions of 5 bytes or more, so the jump leaves the
    // `syscall` itself in place (see [`Window::keeps_site`]).
    for a in (first..i).rev() {
        if entered(a, i) {
            break;
        }
        if span(a, i - 1) >= MIN_WINDOW {
            found = Some((a, i));
            break;
        }
    }
    // Else preceding instructions only: `mov rdi, rbx; syscall`.
    if found.is_none() {
        for a in (first..=i).rev() {
            if entered(a, i) {
                break;
            }
            if span(a, i) >= MIN_WINDOW {
                found = Some((a, i));
                break;
            }
        }
    }
    // Otherwise take following instructions too (`xor eax,eax; syscall; cmp`).
    if found.is_none() {
        'outer: for a in (first..=i).rev() {
            if entered(a, i) {
                break;
            }
            for b in i + 1..=last {
                if entered(a, b) {
                    break;
                }
                if span(a, b) >= MIN_WINDOW {
                    found = Some((a, b));
                    break 'outer;
                }
            }
        }
    }
    let Some((a, b)) = found else {
        return Err(if first == i && last == i {
            "no room: barriers on both sides"
        } else {
            "a branch target enters every window of 5 bytes"
        });
    };
    // The relocated copy must encode somewhere within ±2 GiB (rule 3).
    let block = &instrs[a..=b];
    let at = instrs[a].ip().wrapping_add(1 << 30);
    BlockEncoder::encode(
        64,
        InstructionBlock::new(block, at),
        BlockEncoderOptions::NONE,
    )
    .map_err(|_| "the window does not relocate")?;
    Ok(Window {
        start: instrs[a].ip(),
        end: instrs[b].next_ip(),
        instructions: b - a + 1,
    })
}

/// Two windows must not share a byte (rule 3): the one reaching past its own
/// site gives way.
fn drop_overlaps(sites: &mut [SyscallSite]) {
    for k in 1..sites.len() {
        let (before, after) = sites.split_at_mut(k);
        let (prev, next) = (&mut before[k - 1], &mut after[0]);
        if let (Ok(p), Ok(n)) = (&prev.window, &next.window) {
            if p.end > n.start {
                if p.end > prev.addr + 2 {
                    prev.window = Err("its window overlaps the next site's");
                } else {
                    next.window = Err("its window overlaps the previous site's");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
