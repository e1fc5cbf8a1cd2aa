//! The fast path's entry stub does not save zmm16-31 or the opmask
//! registers k0-7 (platform/src/fast.rs): while ninux answers a guest's
//! syscall they keep the guest's values only because no code of ninux's
//! touches them. This reads the linked ninux and checks that:
//!
//! - it has no IRELATIVE relocation, so no glibc IFUNC selector chose a
//!   string function by CPU at start-up (link/sse2-string-functions.ld
//!   fixes them at link time);
//! - the only functions whose instructions name those registers are
//!   glibc's EVEX/AVX-512 variants, which only the unused selectors name;
//! - no other function branches to one of those variants.
//!
//! The conformance case process/vector_registers checks the same thing
//! from a guest, for the paths it takes.

use goblin::elf::{reloc::R_X86_64_IRELATIVE, sym::STT_FUNC, Elf};
use iced_x86::{Decoder, DecoderOptions, OpKind, Register};

const NINUX: &str = env!("CARGO_BIN_EXE_ninux");

/// Whether `r` is one of the registers the stub leaves to ninux's code
/// not touching: xmm/ymm/zmm16-31 or an opmask.
fn left_alone(r: Register) -> bool {
    r.is_k() || (r.is_vector_register() && r.number() >= 16)
}

/// glibc's string-function variants that use those registers, chosen only
/// by IFUNC selectors (and `_dl_runtime_profile_avx512`, the dynamic
/// linker's LD_AUDIT trampoline).
fn glibc_variant(name: &str) -> bool {
    name.starts_with("__") && (name.contains("_evex") || name.contains("_avx512"))
        || name == "_dl_runtime_profile_avx512"
}

struct Function<'a> {
    name: &'a str,
    start: u64,
    code: &'a [u8],
}

/// The bytes at `addr..addr + len` in an executable segment.
fn code<'a>(elf: &Elf, bytes: &'a [u8], addr: u64, len: u64) -> Option<&'a [u8]> {
    let seg = elf.program_headers.iter().find(|p| {
        p.p_type == goblin::elf::program_header::PT_LOAD
            && p.is_executable()
            && p.p_vaddr <= addr
            && addr + len <= p.p_vaddr + p.p_filesz
    })?;
    let at = (addr - seg.p_vaddr + seg.p_offset) as usize;
    bytes.get(at..at + len as usize)
}

/// Every sized function symbol in an executable segment, with its bytes.
fn functions<'a>(elf: &'a Elf, bytes: &'a [u8]) -> Vec<Function<'a>> {
    elf.syms
        .iter()
        .filter(|s| s.st_type() == STT_FUNC && s.st_size > 0)
        .filter_map(|s| {
            Some(Function {
                name: elf.strtab.get_at(s.st_name).unwrap_or("?"),
                start: s.st_value,
                code: code(elf, bytes, s.st_value, s.st_size)?,
            })
        })
        .collect()
}

fn symbol(elf: &Elf, name: &str) -> u64 {
    elf.syms
        .iter()
        .find(|s| elf.strtab.get_at(s.st_name) == Some(name))
        .unwrap_or_else(|| panic!("{NINUX} has no symbol {name}"))
        .st_value
}

#[test]
fn ninux_code_leaves_zmm16_31_and_the_opmasks_alone() {
    let bytes = std::fs::read(NINUX).unwrap();
    let elf = Elf::parse(&bytes).unwrap();
    assert!(!elf.syms.is_empty(), "{NINUX} has no symbol table");

    let irelative = elf
        .shdr_relocs
        .iter()
        .flat_map(|(_, relocs)| relocs.iter())
        .filter(|r| r.r_type == R_X86_64_IRELATIVE)
        .count();
    assert_eq!(
        irelative, 0,
        "IFUNC selectors run at ninux's start-up: a string function of glibc's \
         is not in link/sse2-string-functions.ld"
    );

    let exempt = symbol(&elf, "ninux_exempt_start")..symbol(&elf, "ninux_exempt_end");
    let mut functions = functions(&elf, &bytes);
    assert!(
        functions.len() > 10_000,
        "only {} functions",
        functions.len()
    );
    // The stubs are labels in one asm block, without symbol sizes.
    functions.push(Function {
        name: "ninux_exempt_start",
        start: exempt.start,
        code: code(&elf, &bytes, exempt.start, exempt.end - exempt.start).unwrap(),
    });
    let mut offenders = Vec::new();
    let mut variants = std::collections::HashSet::new();
    let mut branches = Vec::new();
    // The stubs name zmm0-15 (they save their upper halves): the scan sees them.
    let mut stub_zmm = false;
    for f in &functions {
        let mut decoder = Decoder::with_ip(64, f.code, f.start, DecoderOptions::NONE);
        let mut touches = false;
        for insn in &mut decoder {
            let operands = (0..insn.op_count())
                .filter(|&i| insn.op_kind(i) == OpKind::Register)
                .map(|i| insn.op_register(i));
            let registers: Vec<_> = operands
                .chain([insn.op_mask(), insn.memory_index()])
                .collect();
            touches |= registers.iter().any(|&r| left_alone(r));
            stub_zmm |= exempt.contains(&f.start) && registers.iter().any(|r| r.is_zmm());
            if matches!(
                insn.op0_kind(),
                OpKind::NearBranch16 | OpKind::NearBranch32 | OpKind::NearBranch64
            ) {
                branches.push((f.name, insn.near_branch_target()));
            }
        }
        if !touches {
            continue;
        }
        if glibc_variant(f.name) {
            variants.insert(f.start);
        } else {
            offenders.push(f.name);
        }
    }
    assert!(stub_zmm, "the scan missed the stubs' zmm registers");
    assert!(
        offenders.is_empty(),
        "ninux code uses zmm16-31 or the opmasks, which the fast path does not save: {offenders:?}"
    );
    let callers: Vec<_> = branches
        .iter()
        .filter(|&&(from, to)| variants.contains(&to) && !glibc_variant(from))
        .collect();
    assert!(
        callers.is_empty(),
        "functions branch to glibc's EVEX variants: {callers:?}"
    );
}
