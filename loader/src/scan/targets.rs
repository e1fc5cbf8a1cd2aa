//! Branch targets that machine code alone does not show: the entry point,
//! symbols, relocations, unwind-table function starts and code pointers
//! stored in data. A syscall-site window must not contain any of them after
//! its first byte (REWRITE-NOTES rule 2); collecting too many only makes a
//! few windows smaller, collecting too few would make a rewrite unsafe.

use goblin::elf::Elf;

use super::CodeRange;
use crate::elf::Image;

const R_X86_64_RELATIVE: u32 = 8;
const R_X86_64_IRELATIVE: u32 = 37;

/// Every address inside `ranges` that the ELF metadata and data name.
/// goblin has already accepted this file in `Image::parse`; its parse is
/// fenced again all the same, since a scan must never panic.
pub(super) fn from_metadata(image: &Image, bytes: &[u8], ranges: &[CodeRange]) -> Vec<u64> {
    let in_code = |addr: u64| ranges.iter().any(|r| r.contains(addr));
    let mut found = vec![image.entry];
    if let Ok(Ok(elf)) = std::panic::catch_unwind(|| Elf::parse(bytes)) {
        // Symbols of any type: local labels in assembly are NOTYPE.
        let values = elf
            .syms
            .iter()
            .chain(elf.dynsyms.iter())
            .map(|s| s.st_value);
        found.extend(values.filter(|&v| in_code(v)));
        // Static-PIE code pointers live in relocation addends; IRELATIVE
        // addends are ifunc resolvers (static non-PIE glibc has them too).
        let shdr_relocs = elf.shdr_relocs.iter().flat_map(|(_, r)| r.iter());
        for r in elf.dynrelas.iter().chain(shdr_relocs) {
            if matches!(r.r_type, R_X86_64_RELATIVE | R_X86_64_IRELATIVE) {
                let addr = r.r_addend.unwrap_or(0) as u64;
                if in_code(addr) {
                    found.push(addr);
                }
            }
        }
        found.extend(
            unwind_starts(&elf, bytes)
                .into_iter()
                .filter(|&a| in_code(a)),
        );
    }
    found.extend(code_pointers_in_data(image, bytes, ranges));
    found
}

/// Function starts from `.eh_frame_hdr`'s binary-search table, when it uses
/// the encoding every toolchain here emits (datarel | sdata4 pairs).
fn unwind_starts(elf: &Elf, bytes: &[u8]) -> Vec<u64> {
    const DW_EH_PE_OMIT: u8 = 0xff;
    const DATAREL_SDATA4: u8 = 0x3b;
    let Some(hdr) = elf
        .section_headers
        .iter()
        .find(|sh| elf.shdr_strtab.get_at(sh.sh_name) == Some(".eh_frame_hdr"))
    else {
        return Vec::new();
    };
    let start = hdr.sh_offset as usize;
    let Some(raw) = start
        .checked_add(hdr.sh_size as usize)
        .and_then(|end| bytes.get(start..end))
    else {
        return Vec::new();
    };
    if raw.len() < 12 || raw[0] != 1 || raw[3] != DATAREL_SDATA4 || raw[2] == DW_EH_PE_OMIT {
        return Vec::new();
    }
    // eh_frame_ptr and fde_count: 4 bytes each in the encodings we accept.
    let size4 = |enc: u8| matches!(enc & 0x0f, 0x03 | 0x0b);
    if !size4(raw[1]) || !size4(raw[2]) {
        return Vec::new();
    }
    let count = u32::from_le_bytes([raw[8], raw[9], raw[10], raw[11]]) as usize;
    raw[12..]
        .chunks_exact(8)
        .take(count)
        .map(|pair| {
            let rel = i32::from_le_bytes([pair[0], pair[1], pair[2], pair[3]]);
            hdr.sh_addr.wrapping_add(rel as i64 as u64)
        })
        .collect()
}

/// Every 8-byte-aligned word in the file's loaded bytes outside the code
/// ranges whose value is a code address: function-pointer tables such as
/// busybox's applet table, in non-PIE binaries.
fn code_pointers_in_data(image: &Image, bytes: &[u8], ranges: &[CodeRange]) -> Vec<u64> {
    let mut found = Vec::new();
    for seg in &image.segments {
        let Some(data) = bytes.get(seg.offset as usize..(seg.offset + seg.filesz) as usize) else {
            continue;
        };
        let skip = (8 - seg.vaddr % 8) % 8;
        let data = data.get(skip as usize..).unwrap_or_default();
        for (i, word) in data.chunks_exact(8).enumerate() {
            let at = seg.vaddr + skip + 8 * i as u64;
            if ranges.iter().any(|r| r.contains(at)) {
                continue;
            }
            let value = u64::from_le_bytes(word.try_into().unwrap_or_default());
            if ranges.iter().any(|r| r.contains(value)) {
                found.push(value);
            }
        }
    }
    found
}
