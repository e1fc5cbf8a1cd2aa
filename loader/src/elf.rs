//! ELF images: `Image::parse` checks everything a loader relies on and turns
//! each problem into a `LoadError` naming the file.

use goblin::elf::{header, program_header, Elf};

// An Elf64_Phdr is 56 bytes.

/// Highest user address on x86-64 with 4-level paging (Linux's TASK_SIZE).
pub const USER_TOP: u64 = 0x7fff_ffff_f000;
/// Largest image span ninux accepts; anything bigger is a broken header.
const MAX_SPAN: u64 = 1 << 40;
const PAGE: u64 = abi::auxv::PAGE_SIZE;

/// What went wrong loading a file: always names the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub file: String,
    pub what: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.file, self.what)
    }
}

impl std::error::Error for LoadError {}

/// Static executables are `Exec` (fixed addresses) or `Dyn` (static-PIE, placed anywhere).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Exec,
    Dyn,
}

/// One PT_LOAD segment, in the image's own (unrelocated) addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub vaddr: u64,
    pub memsz: u64,
    pub offset: u64,
    pub filesz: u64,
    pub read: bool,
    pub write: bool,
    pub exec: bool,
}

/// An executable section (SHF_EXECINSTR), for decoding code without data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeSection {
    pub name: String,
    pub vaddr: u64,
    pub offset: u64,
    pub size: u64,
}

/// A parsed, checked ELF image.
#[derive(Debug, Clone)]
pub struct Image {
    pub kind: ImageKind,
    pub entry: u64,
    /// Program headers as the file has them, for AT_PHDR/AT_PHENT/AT_PHNUM.
    pub phoff: u64,
    pub phentsize: u64,
    pub phnum: u64,
    pub segments: Vec<Segment>,
    /// PT_INTERP's path, when the image is dynamically linked.
    pub interp: Option<String>,
    /// PT_GNU_STACK said the stack is executable.
    pub exec_stack: bool,
}

impl Image {
    /// Parses and checks `bytes`, the contents of `file`.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<Image, LoadError> {
        let err = |what: String| LoadError {
            file: file.to_string(),
            what,
        };
        precheck(bytes).map_err(err)?;
        // goblin is written to return errors, but a loader must never panic on
        // hostile input, so its parse is fenced as well.
        let parsed = std::panic::catch_unwind(|| parse_headers(bytes))
            .map_err(|_| err("malformed ELF (the parser gave up)".into()))?
            .map_err(|e| err(format!("malformed ELF: {e}")))?;
        let image = from_goblin(&parsed, bytes).map_err(err)?;
        Ok(image)
    }

    /// Lowest and highest (exclusive, page-rounded) addresses the segments cover.
    pub fn span(&self) -> (u64, u64) {
        let lo = self
            .segments
            .iter()
            .map(|s| page_down(s.vaddr))
            .min()
            .unwrap_or(0);
        let hi = self
            .segments
            .iter()
            .map(|s| page_up(s.vaddr + s.memsz))
            .max()
            .unwrap_or(0);
        (lo, hi)
    }

    /// The image address of the program headers once loaded, if a segment maps them.
    pub fn phdr_vaddr(&self) -> Option<u64> {
        let end = self.phoff + self.phentsize * self.phnum;
        self.segments
            .iter()
            .find(|s| s.offset <= self.phoff && end <= s.offset + s.filesz)
            .map(|s| s.vaddr + (self.phoff - s.offset))
    }
}

pub fn page_down(x: u64) -> u64 {
    x & !(PAGE - 1)
}

pub fn page_up(x: u64) -> u64 {
    x.saturating_add(PAGE - 1) & !(PAGE - 1)
}

/// The checks whose messages users should see, before goblin's own.
fn precheck(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() < 4 || &bytes[..4] != b"\x7fELF" {
        return Err("not an ELF file".into());
    }
    if bytes.len() < 64 {
        return Err(format!("truncated ELF header ({} bytes)", bytes.len()));
    }
    match bytes[4] {
        2 => {}
        1 => return Err("32-bit ELF: only x86-64 binaries are supported".into()),
        c => return Err(format!("bad ELF class {c}")),
    }
    if bytes[5] != 1 {
        return Err("big-endian ELF: only x86-64 binaries are supported".into());
    }
    let machine = u16::from_le_bytes([bytes[18], bytes[19]]);
    if machine != header::EM_X86_64 {
        return Err(format!(
            "ELF for another machine ({}): only x86-64 is supported",
            header::machine_to_str(machine)
        ));
    }
    let etype = u16::from_le_bytes([bytes[16], bytes[17]]);
    if etype != header::ET_EXEC && etype != header::ET_DYN {
        return Err(format!(
            "not an executable (ELF type {})",
            header::et_to_str(etype)
        ));
    }
    let phentsize = u16::from_le_bytes([bytes[54], bytes[55]]);
    if phentsize != 56 {
        return Err(format!("bad program header size {phentsize}"));
    }
    let phoff = u64::from_le_bytes(bytes[32..40].try_into().unwrap_or_default());
    let phnum = u16::from_le_bytes([bytes[56], bytes[57]]) as u64;
    if phnum == 0 {
        return Err("no program headers".into());
    }
    match phoff.checked_add(phnum * phentsize as u64) {
        Some(end) if end <= bytes.len() as u64 => Ok(()),
        _ => Err("truncated: program headers lie past the end of the file".into()),
    }
}

/// What loading needs of an ELF file, as Linux reads it: the header and
/// the program headers. goblin's full parse also reads the section and
/// symbol tables, relocations and notes, which every exec would pay for
/// (allocations, and pages at the far end of the file touched) without
/// using; the scan reads what it needs itself ([`code_sections`]), and only
/// when a binary has no cached plan.
fn parse_headers(bytes: &[u8]) -> goblin::error::Result<Elf<'_>> {
    use goblin::container::{Container, Ctx, Endian};
    let header = Elf::parse_header(bytes)?;
    let mut elf = Elf::lazy_parse(header)?;
    // `precheck` has made sure of a 64-bit little-endian file.
    let ctx = Ctx::new(Container::Big, Endian::Little);
    elf.program_headers = program_header::ProgramHeader::parse(
        bytes,
        header.e_phoff as usize,
        header.e_phnum as usize,
        ctx,
    )?;
    Ok(elf)
}

/// The executable sections (SHF_EXECINSTR, PROGBITS, inside the file) of
/// the ELF file `bytes`, for decoding code without data; none when it has
/// no section headers or they do not parse (Linux never reads them, so a
/// program may well run without).
pub fn code_sections(bytes: &[u8]) -> Vec<CodeSection> {
    std::panic::catch_unwind(|| parse_sections(bytes))
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default()
}

fn parse_sections(bytes: &[u8]) -> goblin::error::Result<Vec<CodeSection>> {
    use goblin::container::{Container, Ctx, Endian};
    use goblin::elf::section_header::{SectionHeader, SHF_EXECINSTR, SHN_XINDEX, SHT_PROGBITS};
    use goblin::strtab::Strtab;
    if precheck(bytes).is_err() {
        return Ok(Vec::new());
    }
    let header = Elf::parse_header(bytes)?;
    let ctx = Ctx::new(Container::Big, Endian::Little);
    let sections =
        SectionHeader::parse(bytes, header.e_shoff as usize, header.e_shnum as usize, ctx)?;
    // The section names' index, or (past SHN_LORESERVE) section 0's link.
    let names = match header.e_shstrndx as u32 {
        SHN_XINDEX => sections.first().map(|s| s.sh_link as usize),
        i => Some(i as usize),
    };
    let mut strtab = Strtab::default();
    if let Some(sh) = names.and_then(|i| sections.get(i)) {
        sh.check_size(bytes.len())?;
        strtab = Strtab::parse(bytes, sh.sh_offset as usize, sh.sh_size as usize, 0)?;
    }
    let file_len = bytes.len() as u64;
    Ok(sections
        .iter()
        .filter(|sh| sh.sh_flags & SHF_EXECINSTR as u64 != 0 && sh.sh_type == SHT_PROGBITS)
        .filter(|sh| {
            sh.sh_offset
                .checked_add(sh.sh_size)
                .is_some_and(|e| e <= file_len)
        })
        .map(|sh| CodeSection {
            name: strtab.get_at(sh.sh_name).unwrap_or("?").to_string(),
            vaddr: sh.sh_addr,
            offset: sh.sh_offset,
            size: sh.sh_size,
        })
        .collect())
}

fn from_goblin(elf: &Elf, bytes: &[u8]) -> Result<Image, String> {
    let kind = match elf.header.e_type {
        header::ET_EXEC => ImageKind::Exec,
        _ => ImageKind::Dyn,
    };
    let mut segments = Vec::new();
    let mut interp = None;
    let mut exec_stack = false;
    for ph in &elf.program_headers {
        match ph.p_type {
            program_header::PT_LOAD => segments.push(check_segment(ph, bytes.len() as u64)?),
            program_header::PT_INTERP => {
                let range = ph.file_range();
                let raw = bytes
                    .get(range)
                    .ok_or("truncated: PT_INTERP lies past the end of the file")?;
                let path = raw.split(|&b| b == 0).next().unwrap_or_default();
                interp = Some(String::from_utf8_lossy(path).into_owned());
            }
            program_header::PT_GNU_STACK => exec_stack = ph.p_flags & program_header::PF_X != 0,
            _ => {}
        }
    }
    if segments.is_empty() {
        return Err("no loadable segments".into());
    }
    segments.sort_by_key(|s| s.vaddr);
    for pair in segments.windows(2) {
        if page_up(pair[0].vaddr + pair[0].memsz) > page_down(pair[1].vaddr)
            && pair[0].vaddr + pair[0].memsz > pair[1].vaddr
        {
            return Err(format!(
                "segments overlap: {:#x}+{:#x} and {:#x}",
                pair[0].vaddr, pair[0].memsz, pair[1].vaddr
            ));
        }
    }
    let image = Image {
        kind,
        entry: elf.header.e_entry,
        phoff: elf.header.e_phoff,
        phentsize: elf.header.e_phentsize as u64,
        phnum: elf.header.e_phnum as u64,
        segments,
        interp,
        exec_stack,
    };
    let (lo, hi) = image.span();
    if hi - lo > MAX_SPAN {
        return Err(format!(
            "absurd image size: segments span {:#x} bytes",
            hi - lo
        ));
    }
    if kind == ImageKind::Exec && (hi > USER_TOP || lo < PAGE) {
        return Err(format!(
            "segments at {lo:#x}..{hi:#x} lie outside user memory"
        ));
    }
    if !image
        .segments
        .iter()
        .any(|s| s.exec && s.vaddr <= image.entry && image.entry < s.vaddr + s.memsz)
    {
        return Err(format!(
            "entry point {:#x} is not in an executable segment",
            image.entry
        ));
    }
    Ok(image)
}

fn check_segment(ph: &program_header::ProgramHeader, file_len: u64) -> Result<Segment, String> {
    let s = Segment {
        vaddr: ph.p_vaddr,
        memsz: ph.p_memsz,
        offset: ph.p_offset,
        filesz: ph.p_filesz,
        read: ph.p_flags & program_header::PF_R != 0,
        write: ph.p_flags & program_header::PF_W != 0,
        exec: ph.p_flags & program_header::PF_X != 0,
    };
    if s.filesz > s.memsz {
        return Err(format!(
            "segment at {:#x}: file size exceeds memory size",
            s.vaddr
        ));
    }
    if s.memsz > MAX_SPAN
        || s.vaddr
            .checked_add(s.memsz)
            .is_none_or(|end| end > USER_TOP)
    {
        return Err(format!(
            "segment at {:#x}: absurd size {:#x}",
            s.vaddr, s.memsz
        ));
    }
    if s.offset
        .checked_add(s.filesz)
        .is_none_or(|end| end > file_len)
    {
        return Err(format!(
            "truncated: segment at {:#x} lies past the end of the file",
            s.vaddr
        ));
    }
    if s.vaddr % PAGE != s.offset % PAGE {
        return Err(format!(
            "segment at {:#x}: address and file offset disagree modulo the page size",
            s.vaddr
        ));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn own_binary() -> Vec<u8> {
        std::fs::read(std::env::current_exe().unwrap()).unwrap()
    }

    #[test]
    fn parses_a_real_binary() {
        // Test binaries are static and linked at a fixed address
        // (.cargo/config.toml), with no interpreter.
        let bytes = own_binary();
        let image = Image::parse("self", &bytes).unwrap();
        assert_eq!(image.kind, ImageKind::Exec);
        assert_eq!(image.interp, None);
        assert!(image.phdr_vaddr().is_some());
        assert!(code_sections(&bytes).iter().any(|s| s.name == ".text"));
        // A dynamically linked program names its interpreter.
        let Ok(env) = std::fs::read("/usr/bin/env") else {
            return;
        };
        let image = Image::parse("env", &env).unwrap();
        let interp = image.interp.expect("Debian's env is dynamically linked");
        assert!(interp.contains("ld-linux"), "{interp}");
    }

    #[test]
    fn section_headers_are_not_needed_to_load() {
        // As for Linux: a program whose section table is gone still loads;
        // only the scan loses its sections.
        let mut bytes = own_binary();
        bytes[40..48].copy_from_slice(&u64::MAX.to_le_bytes()); // e_shoff
        let image = Image::parse("self", &bytes).unwrap();
        assert!(image.segments.iter().any(|s| s.exec));
        assert_eq!(code_sections(&bytes), vec![]);
    }

    #[test]
    fn clear_errors() {
        let e = Image::parse("f", b"hello").unwrap_err();
        assert_eq!(e.to_string(), "f: not an ELF file");
        let mut bytes = own_binary();
        assert!(Image::parse("f", &bytes[..40])
            .unwrap_err()
            .what
            .contains("truncated"));
        assert!(Image::parse("f", &bytes[..200])
            .unwrap_err()
            .what
            .contains("truncated"));
        bytes[4] = 1;
        assert!(Image::parse("f", &bytes)
            .unwrap_err()
            .what
            .contains("32-bit"));
        bytes[4] = 2;
        bytes[18] = 0xb7; // EM_AARCH64
        bytes[19] = 0;
        assert!(Image::parse("f", &bytes)
            .unwrap_err()
            .what
            .contains("another machine"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        /// Mutating a real ELF's headers yields an image or an error, never a panic.
        #[test]
        fn mutated_elves_never_panic(edits in proptest::collection::vec((0usize..4096, any::<u8>()), 1..16),
                                     cut in proptest::option::of(0usize..8192)) {
            let mut bytes = own_binary();
            for (at, byte) in edits {
                let at = at % bytes.len();
                bytes[at] = byte;
            }
            if let Some(cut) = cut {
                bytes.truncate(cut);
            }
            if let Ok(image) = Image::parse("m", &bytes) {
                let (lo, hi) = image.span();
                prop_assert!(lo <= hi);
            }
            for s in code_sections(&bytes) {
                prop_assert!(s.offset + s.size <= bytes.len() as u64);
            }
        }
    }
}
