//! Mapping a program's image into the guest's address space and building
//! its initial stack, as Linux's binfmt_elf does: segments at their
//! addresses (a position-independent image where Linux would put it), the
//! break's reservation after the image, the stack with argv, envp and the
//! auxiliary vector.

use super::{Interp, ProgramFile};
use crate::state::Brk;
use abi::auxv::*;
use loader::stack::{AuxVal, StackSpec};
use loader::{Image, ImageKind, Strings};
use platform::mm::{self, MapRequest};
use platform::GuestRegs;

/// Room for the heap to grow (reserved, not committed).
const BRK_RESERVE: u64 = 1 << 30;
const STACK_DEFAULT: u64 = 8 << 20;
const STACK_MAX: u64 = 256 << 20;

/// Where an image landed.
pub(super) struct Loaded {
    /// Added to every image address.
    pub bias: u64,
    /// Highest mapped address (exclusive), for the break.
    pub end: u64,
}

fn load_error(file: &str, what: String) -> loader::LoadError {
    loader::LoadError {
        file: file.to_string(),
        what,
    }
}

/// Maps every segment read-write, copies the file bytes, then applies each
/// segment's protection. Pages between segments stay PROT_NONE.
pub(super) fn load_image(
    file: &str,
    image: &Image,
    program: &ProgramFile,
) -> Result<Loaded, loader::LoadError> {
    // Linux places a PIE program that has an interpreter at ELF_ET_DYN_BASE
    // plus a random page offset (mmap_rnd_bits = 28), and a static PIE, like
    // ld.so, where mmap would.
    let hint = if image.interp.is_some() {
        let mut r = [0u8; 8];
        let _ = getrandom_host(&mut r);
        ELF_ET_DYN_BASE + (u64::from_ne_bytes(r) & ((1 << 28) - 1)) * PAGE_SIZE
    } else {
        0
    };
    load_at(file, image, program, BRK_RESERVE, hint)
}

/// Where Linux places a dynamically linked PIE program before randomising:
/// two thirds of the 47-bit user address space.
const ELF_ET_DYN_BASE: u64 = 0x5555_5555_4000;

/// Like `load_image`, with `extra` bytes of reservation after a
/// position-independent image (the break's room; none for an interpreter),
/// placed at `hint` when that is free (the host's mmap decides otherwise).
pub(super) fn load_at(
    file: &str,
    image: &Image,
    program: &ProgramFile,
    extra: u64,
    hint: u64,
) -> Result<Loaded, loader::LoadError> {
    let (lo, hi) = image.span();
    let span = hi - lo;
    let bias = match image.kind {
        ImageKind::Exec => {
            map_anon(lo, span, libc::PROT_NONE, libc::MAP_FIXED_NOREPLACE).map_err(|e| {
                load_error(
                    file,
                    format!(
                        "segments at {lo:#x}..{hi:#x} overlap memory ninux uses ({})",
                        abi::Errno(e)
                    ),
                )
            })?;
            0
        }
        ImageKind::Dyn => {
            // The break's reservation follows a program's image.
            let at = map_anon(hint, span + extra, libc::PROT_NONE, 0).map_err(|e| {
                load_error(
                    file,
                    format!("no room for {span:#x} bytes ({})", abi::Errno(e)),
                )
            })?;
            at - lo
        }
    };
    // Like Linux, map the file's pages (touched pages only are read) when
    // the host can: not when segments share a page, whose two halves may
    // come from different places in the file.
    let shares_pages = image.segments.windows(2).any(|w| {
        loader::elf::page_up(w[0].vaddr + w[0].memsz) > loader::elf::page_down(w[1].vaddr)
    });
    let host = program.host_fd().filter(|_| !shares_pages);
    // The text as an earlier exec rewrote it, when saved (a file mapping,
    // like the program's own): its trampolines are then already built.
    let text = host.and_then(|_| crate::rewrite::text::load(image, program.key, bias));
    let saved = |s: &loader::Segment| {
        let t = text.as_ref()?;
        s.exec
            .then(|| t.segment(loader::elf::page_down(s.vaddr)))
            .flatten()
    };
    // A segment gets its final rights when mapped, unless it is written
    // first: by the rewriter (code without a saved text), by copying from a
    // file the host cannot map, or by zeroing the bss in its last file page.
    let final_at_once = |s: &loader::Segment| {
        let zeroes_tail = s.memsz > s.filesz && !(s.vaddr + s.filesz).is_multiple_of(PAGE_SIZE);
        host.is_some() && !(s.exec && text.is_none()) && (s.write || !zeroes_tail)
    };
    for s in &image.segments {
        let start = loader::elf::page_down(s.vaddr) + bias;
        let end = loader::elf::page_up(s.vaddr + s.memsz) + bias;
        let cannot = |e| {
            load_error(
                file,
                format!("cannot map segment at {:#x}: {}", s.vaddr, abi::Errno(e)),
            )
        };
        if let (Some(t), Some(seg)) = (&text, saved(s)) {
            mm::map(MapRequest {
                addr: start,
                len: seg.len,
                prot: prot_of(s),
                flags: libc::MAP_PRIVATE | libc::MAP_FIXED,
                fd: t.fd(),
                offset: seg.offset,
            })
            .map_err(cannot)?;
            continue;
        }
        let prot_now = if final_at_once(s) {
            prot_of(s)
        } else {
            libc::PROT_READ | libc::PROT_WRITE
        };
        let file_end = s.vaddr + s.filesz + bias;
        let copied_to = match host {
            Some(fd) if s.filesz > 0 => {
                mm::map(MapRequest {
                    addr: start,
                    len: loader::elf::page_up(file_end) - start,
                    prot: prot_now,
                    flags: libc::MAP_PRIVATE | libc::MAP_FIXED,
                    fd,
                    offset: loader::elf::page_down(s.offset),
                })
                .map_err(cannot)?;
                // The rest of the last file page belongs to the bss: zero.
                if s.memsz > s.filesz {
                    let tail = vec![0u8; (loader::elf::page_up(file_end) - file_end) as usize];
                    platform::uaccess::copy_out(file_end, &tail).map_err(|_| {
                        load_error(file, format!("cannot fill segment at {:#x}", s.vaddr))
                    })?;
                }
                loader::elf::page_up(file_end)
            }
            _ => start,
        };
        if end > copied_to {
            mm::protect(copied_to, end - copied_to, prot_now).map_err(cannot)?;
        }
        if host.is_none() {
            let data = &program.bytes[s.offset as usize..(s.offset + s.filesz) as usize];
            platform::uaccess::copy_out(s.vaddr + bias, data)
                .map_err(|_| load_error(file, format!("cannot fill segment at {:#x}", s.vaddr)))?;
        }
    }
    // Patch syscall sites while the code is still writable.
    if text.is_none() {
        let save_text = host.is_some();
        crate::rewrite::rewrite_image(image, &program.bytes, program.key, bias, save_text);
    }
    for s in image
        .segments
        .iter()
        .filter(|s| saved(s).is_none() && !final_at_once(s))
    {
        let start = loader::elf::page_down(s.vaddr) + bias;
        let end = loader::elf::page_up(s.vaddr + s.memsz) + bias;
        // A page shared by two segments keeps the union of their rights.
        let prot = image
            .segments
            .iter()
            .filter(|o| {
                loader::elf::page_down(o.vaddr) + bias < end
                    && loader::elf::page_up(o.vaddr + o.memsz) + bias > start
            })
            .fold(0, |p, o| p | prot_of(o));
        mm::protect(start, end - start, prot).map_err(|e| {
            load_error(
                file,
                format!(
                    "cannot protect segment at {:#x}: {}",
                    s.vaddr,
                    abi::Errno(e)
                ),
            )
        })?;
    }
    Ok(Loaded {
        bias,
        end: hi + bias,
    })
}

/// Anonymous guest memory, reserved rather than committed; `flags` adds to
/// that (MAP_FIXED_NOREPLACE to place it exactly, refusing what is there).
fn map_anon(addr: u64, len: u64, prot: i32, flags: i32) -> Result<u64, mm::Errno> {
    let flags = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | flags;
    mm::map(MapRequest {
        addr,
        len,
        prot,
        flags,
        fd: -1,
        offset: 0,
    })
}

fn prot_of(s: &loader::Segment) -> i32 {
    (if s.read { libc::PROT_READ } else { 0 })
        | (if s.write { libc::PROT_WRITE } else { 0 })
        | (if s.exec { libc::PROT_EXEC } else { 0 })
}

/// Where the initial stack holds the argument and the environment strings.
pub(crate) type StringAreas = [std::ops::Range<u64>; 2];

/// Reserves the break and the stack and writes the initial stack; says
/// where it put the argument and environment strings.
pub(super) fn build_process(
    file: &str,
    exe: &[u8],
    (argv, envp): (&Strings, &Strings),
    (image, loaded): (&Image, &Loaded),
    interp: Option<&Interp>,
    limit: u64,
) -> Result<(GuestRegs, Brk, StringAreas), loader::LoadError> {
    let brk_start = loaded.end;
    if image.kind == ImageKind::Exec {
        map_anon(
            brk_start,
            BRK_RESERVE,
            libc::PROT_NONE,
            libc::MAP_FIXED_NOREPLACE,
        )
        .map_err(|e| {
            load_error(
                file,
                format!("no room for the heap after the image ({})", abi::Errno(e)),
            )
        })?;
    }
    let brk = Brk {
        start: brk_start,
        cur: brk_start,
        mapped_end: brk_start,
        reserved_end: brk_start + BRK_RESERVE,
    };

    let stack_size = if limit == abi::structs::RLIM_INFINITY {
        STACK_DEFAULT
    } else {
        limit.clamp(STACK_DEFAULT / 8, STACK_MAX)
    };
    let exec = if image.exec_stack { libc::PROT_EXEC } else { 0 };
    let stack = map_anon(
        0,
        stack_size,
        libc::PROT_READ | libc::PROT_WRITE | exec,
        libc::MAP_STACK,
    )
    .map_err(|e| load_error(file, format!("no room for the stack ({})", abi::Errno(e))))?;
    let top = stack + stack_size;

    let mut random = [0u8; 16];
    let _ = getrandom_host(&mut random);
    // The guest's own ids, which setuid and its kin may have changed.
    let (uid, euid, gid, egid) = crate::process::creds::auxv_ids();
    let phdr = image.phdr_vaddr().map_or(0, |p| p + loaded.bias);
    let vdso = platform::host_auxv(AT_SYSINFO_EHDR);
    let mut auxv = Vec::new();
    if vdso != 0 {
        auxv.push((AT_SYSINFO_EHDR, AuxVal::Value(vdso)));
    }
    auxv.extend([
        (
            AT_MINSIGSTKSZ,
            AuxVal::Value(platform::host_auxv(AT_MINSIGSTKSZ).max(abi::signal::MINSIGSTKSZ)),
        ),
        (AT_HWCAP, AuxVal::Value(platform::host_auxv(AT_HWCAP))),
        (AT_PAGESZ, AuxVal::Value(PAGE_SIZE)),
        (AT_CLKTCK, AuxVal::Value(100)),
        (AT_PHDR, AuxVal::Value(phdr)),
        (AT_PHENT, AuxVal::Value(image.phentsize)),
        (AT_PHNUM, AuxVal::Value(image.phnum)),
        (AT_BASE, AuxVal::Value(interp.map_or(0, |i| i.loaded.bias))),
        (AT_FLAGS, AuxVal::Value(0)),
        (AT_ENTRY, AuxVal::Value(image.entry + loaded.bias)),
        (AT_UID, AuxVal::Value(uid)),
        (AT_EUID, AuxVal::Value(euid)),
        (AT_GID, AuxVal::Value(gid)),
        (AT_EGID, AuxVal::Value(egid)),
        // Linux's secureexec: ninux never grants set-id rights, so this is
        // only set when the real and effective ids differ.
        (
            AT_SECURE,
            AuxVal::Value(u64::from(uid != euid || gid != egid)),
        ),
        (AT_RANDOM, AuxVal::Random),
        (AT_HWCAP2, AuxVal::Value(platform::host_auxv(AT_HWCAP2))),
        (AT_EXECFN, AuxVal::Execfn),
        (AT_PLATFORM, AuxVal::Platform),
    ]);
    let spec = StackSpec {
        argv,
        envp,
        execfn: exe,
        platform: b"x86_64",
        random,
        auxv,
    };
    // Linux allows arguments and environment up to a quarter of the stack limit.
    let built = loader::stack::build(&spec, top, stack_size / 4)
        .ok_or_else(|| load_error(file, "argument list too long".into()))?;
    platform::uaccess::copy_out(built.sp, &built.bytes)
        .map_err(|_| load_error(file, "cannot write the initial stack".into()))?;
    // The first guest instruction is the interpreter's entry, when there is one.
    let rip = match interp {
        Some(i) => i.image.entry + i.loaded.bias,
        None => image.entry + loaded.bias,
    };
    let regs = GuestRegs {
        rsp: built.sp,
        rip,
        rflags: 0x202,
        ..Default::default()
    };
    Ok((regs, brk, [built.args, built.env]))
}

fn getrandom_host(buf: &mut [u8]) -> Result<(), i32> {
    platform::host::random_bytes(buf)
}
