//! Syscall-site rewriting at load time (DESIGN.md, "The platform", point 3;
//! REWRITE-NOTES.md): the loader's scan finds each `syscall` and a window
//! around it that no branch target enters, `loader::rewrite` builds the
//! trampoline, and this file puts both in memory, so the common syscall is
//! a plain call into the dispatcher (`platform`'s fast path) instead of a
//! SIGSYS. Anything not rewritten keeps the SIGSYS path, which stays on.
//!
//! Which sites are rewritten: `syscall` sites in SHF_EXECINSTR sections with
//! a window that ends with the `syscall`, so the guest sees the same return
//! addresses in its signal frames as through SIGSYS (restarts resume at the
//! original `syscall` when the window leaves it in place, else at the
//! trampoline's copy), and whose number, when the scan knows it, is not one of
//! [`TRAPPED`]. A binary without section headers is left alone (data in its
//! code segment could decode as false sites). Plans are cached per binary
//! (`cache.rs`), so an exec does not pay for the scan again.
//!
//! What a guest can still tell: its text holds the jumps (a program that
//! checksums its own code sees them; x86 has no execute-only pages to hide
//! them), and a signal that lands while a trampoline's own few instructions
//! run shows a PC in ninux's memory. A file the guest maps executable (a
//! shared library's text, mapped by the dynamic loader) is rewritten as it
//! is mapped ([`rewrite_mapping`]); code made executable otherwise
//! (mprotect, JIT, anonymous memory) keeps SIGSYS.

pub(crate) mod cache;
pub(crate) mod text;

use crate::table;
use loader::scan::{CodeSource, Scan, SyscallSite};
use loader::Image;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

/// Syscalls that replace the thread, or change the signal mask in ways the
/// guest observes right away: they always take the SIGSYS path
/// (REWRITE-NOTES rule 6). Sites that name one are not rewritten; sites
/// that take the number from a register check it at run time.
///
/// rt_sigreturn is not among them: the fast stub's exit loads every
/// register, the flags and (through `fp_ptr`) the FP state from the trap,
/// so a replaced context returns as well as through SIGSYS, and a signal
/// round trip costs one host signal instead of two. That matters to Go,
/// whose GC re-sends its preemption signal every 5 µs until the goroutine
/// stops: at ~8 µs a round trip, a gojq run now and then spent 0.2 s
/// re-sending (14,000 SIGURGs instead of ~300).
pub const TRAPPED: &[&str] = &[
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "pause",
    "clone",
    "clone3",
    "fork",
    "vfork",
    "execve",
    "execveat",
    "exit",
];

static ENABLED: AtomicBool = AtomicBool::new(true);
static STATS: AtomicBool = AtomicBool::new(false);

/// `ninux run --no-rewrite`: every syscall through SIGSYS.
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Relaxed);
}

pub fn enabled() -> bool {
    ENABLED.load(Relaxed)
}

/// `ninux run --stats`: each process reports its syscall counts at exit.
pub fn set_stats(on: bool) {
    STATS.store(on, Relaxed);
    platform::count_syscalls(on);
}

pub fn stats() -> bool {
    STATS.load(Relaxed)
}

fn trapped_numbers() -> Vec<u64> {
    abi::SYSCALLS
        .iter()
        .filter(|(_, name)| TRAPPED.contains(name))
        .map(|&(nr, _)| nr as u64)
        .collect()
}

/// Why a site is, or is not, rewritten (`ninux scan` prints it).
pub fn verdict(scan: &Scan, site: &SyscallSite) -> Result<(), String> {
    if scan.source != CodeSource::Sections {
        return Err("no section headers: code and data cannot be told apart".into());
    }
    let window = site.window.as_ref().map_err(|e| e.to_string())?;
    if window.end != site.addr + 2 {
        return Err("its window reaches past the syscall (not yet rewritten)".into());
    }
    if let Some(name) = site
        .number
        .and_then(table::lookup)
        .map(|e| e.name)
        .filter(|n| TRAPPED.contains(n))
    {
        return Err(format!("{name} stays on SIGSYS"));
    }
    Ok(())
}

/// What rewriting did to one image.
#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    pub rewritten: usize,
    pub kept: usize,
}

/// The file's bytes of the image addresses `[start, end)`.
fn file_bytes<'a>(image: &Image, bytes: &'a [u8], start: u64, end: u64) -> Option<&'a [u8]> {
    let s = image
        .segments
        .iter()
        .find(|s| s.vaddr <= start && end <= s.vaddr + s.filesz)?;
    let from = usize::try_from(s.offset + (start - s.vaddr)).ok()?;
    bytes.get(from..from + usize::try_from(end - start).ok()?)
}

/// The sites to rewrite in `image`: from the cache of plans, else scanned
/// (and the plan saved).
fn plan(image: &Image, bytes: &[u8], key: cache::Key) -> cache::Plan {
    if let Some(plan) = cache::load(key) {
        return plan;
    }
    let scan = loader::scan::scan(image, bytes);
    let mut plan = cache::Plan {
        sites: Vec::new(),
        kept: 0,
    };
    for site in scan.syscalls() {
        match (verdict(&scan, site), &site.window) {
            (Ok(()), Ok(w)) => {
                let movable = file_bytes(image, bytes, w.start, w.end)
                    .and_then(|b| loader::rewrite::movable(b, w.start, site.addr));
                plan.sites.push((w.start, w.end, site.addr, movable));
            }
            _ => plan.kept += 1,
        }
    }
    cache::store(key, &plan);
    plan
}

/// Rewrites the syscall sites of `image` (from `bytes`), loaded at `bias`,
/// while its segments are still writable; `key` names its cached plan.
/// Failures leave sites on SIGSYS.
///
/// With `save_text` (the segments are mapped from a host file, as the next
/// exec can map a saved text), and when every planned site was rewritten,
/// the text is saved as rewritten (`text.rs`).
pub fn rewrite_image(
    image: &Image,
    bytes: &[u8],
    key: cache::Key,
    bias: u64,
    save_text: bool,
) -> Summary {
    let (summary, done) = rewrite_within(image, bytes, key, bias, (0, u64::MAX));
    if let Some(done) = done.filter(|d| save_text && d.all) {
        text::store(image, key, bias, done);
    }
    summary
}

/// What [`rewrite_within`] did with its plan: where the trampolines went
/// (the area, and how much of it they fill), and whether every site was
/// rewritten.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Done {
    pub area: (u64, u64),
    pub used: u64,
    pub all: bool,
}

/// The largest shared library whose text is rewritten when mapped.
const MAX_LIBRARY: u64 = 256 << 20;

/// Rewrites the syscall sites a guest's executable file mapping shows: the
/// dynamic loader mapping a library's text (`mmap` of a host-backed file
/// with PROT_EXEC, [at, at+len) from file offset `offset`). The file is
/// read through its host fd and parsed like a program; the mapped segment
/// is the one whose page-aligned file offset is `offset`, which gives the
/// bias. Only windows inside the mapping are patched, with the pages made
/// writable meanwhile (a private mapping: the file is never written).
/// Anything unexpected leaves the mapping on SIGSYS.
pub fn rewrite_mapping(host_fd: i32, at: u64, len: u64, offset: u64, prot: i32) -> Summary {
    let none = Summary::default();
    if !enabled() || !platform::fast_path_available() {
        return none;
    }
    let Some((bytes, key)) = map_file(host_fd) else {
        return none;
    };
    let Ok(image) = Image::parse("mapped file", &bytes) else {
        return none;
    };
    let page_down = loader::elf::page_down;
    let Some(seg) = image
        .segments
        .iter()
        .find(|s| s.exec && page_down(s.offset) == offset)
    else {
        return none;
    };
    let bias = at.wrapping_sub(page_down(seg.vaddr));
    let end = at.saturating_add(len);
    let writable = prot | libc::PROT_WRITE;
    if platform::mm::protect(at, end - at, writable).is_err() {
        return none;
    }
    let (summary, _) = rewrite_within(&image, &bytes, key, bias, (at, end));
    if let Err(e) = platform::mm::protect(at, end - at, prot) {
        log::error!(
            "cannot restore the protection of rewritten code: {}",
            abi::Errno(e)
        );
    }
    summary
}

/// The file behind host fd `fd`, mapped read-only (only the headers, the
/// section table and, on a cache miss, the text are read), and the key of
/// its plan, if it is a regular file of a size worth scanning.
fn map_file(fd: i32) -> Option<(platform::mapped::MappedFile, cache::Key)> {
    let st = platform::host::fstat(fd).ok()?;
    let size = u64::try_from(st.st_size).ok()?;
    if st.st_mode & libc::S_IFMT != libc::S_IFREG || size == 0 || size > MAX_LIBRARY {
        return None;
    }
    let bytes = platform::mapped::MappedFile::new(fd, size as usize).ok()?;
    Some((bytes, cache::Key::of_file(&st)))
}

/// Rewrites the sites of `image` whose windows lie inside `[lo, hi)` once
/// loaded at `bias`.
fn rewrite_within(
    image: &Image,
    bytes: &[u8],
    key: cache::Key,
    bias: u64,
    (lo, hi): (u64, u64),
) -> (Summary, Option<Done>) {
    let mut summary = Summary::default();
    if !enabled() || !platform::fast_path_available() {
        return (summary, None);
    }
    set_trapped();
    let mut plan = plan(image, bytes, key);
    plan.sites
        .retain(|s| s.0.wrapping_add(bias) >= lo && s.1.wrapping_add(bias) <= hi);
    summary.kept = plan.kept;
    let (Some(lo), Some(hi)) = (
        plan.sites.iter().map(|s| s.0).min(),
        plan.sites.iter().map(|s| s.1).max(),
    ) else {
        return (summary, None);
    };
    let size = area_size(&plan);
    let area = match platform::trampolines::map_near(lo + bias, hi + bias, size) {
        Ok(at) => (at, size),
        Err(e) => {
            log::warn!("no room for trampolines near the image: {}", abi::Errno(e));
            summary.kept += plan.sites.len();
            return (summary, None);
        }
    };
    // The pages the windows lie in, made private in a call per run of
    // them instead of a fault (or two) per page as each window is read and
    // patched.
    let mut pages: Vec<u64> = plan
        .sites
        .iter()
        .flat_map(|s| [(s.0 + bias) & !0xfff, (s.1 + bias - 1) & !0xfff])
        .collect();
    pages.sort_unstable();
    pages.dedup();
    for run in pages.chunk_by(|a, b| b - a == 0x1000) {
        let (first, last) = (run[0], run[run.len() - 1]);
        let _ = platform::mm::populate_write(first, last + 0x1000 - first);
    }
    let gate = platform::fast_entry_gate();
    let mut at = area.0;
    let planned_kept = summary.kept;
    for site in &plan.sites {
        match rewrite_site(site, bias, at, gate, area) {
            Ok(len) => {
                at += len;
                summary.rewritten += 1;
            }
            Err(why) => {
                log::debug!("site {:#x} stays on SIGSYS: {why}", site.2 + bias);
                summary.kept += 1;
            }
        }
    }
    if let Err(e) = platform::trampolines::seal(area) {
        // Unreachable trampolines would crash the guest: say so loudly.
        log::error!("cannot seal the trampolines: {}", abi::Errno(e));
    }
    let done = Done {
        area,
        used: at - area.0,
        all: summary.kept == planned_kept,
    };
    (summary, Some(done))
}

/// Room for the trampolines of `plan`'s sites.
fn area_size(plan: &cache::Plan) -> u64 {
    (plan.sites.len() * loader::rewrite::TRAMPOLINE_MAX) as u64
}

/// Tells the platform which syscall numbers always take the SIGSYS path.
fn set_trapped() {
    static TRAPPED_SET: std::sync::Once = std::sync::Once::new();
    TRAPPED_SET.call_once(|| platform::set_trapped(&trapped_numbers()));
}

/// Writes one site's trampoline at `at` and its jump over the window;
/// returns the trampoline's length.
fn rewrite_site(
    (start, end, site, movable): &cache::PlannedSite,
    bias: u64,
    at: u64,
    gate: u32,
    area: (u64, u64),
) -> Result<u64, String> {
    let mut bytes = vec![0u8; (end - start) as usize];
    platform::uaccess::copy_in(&mut bytes, start + bias).map_err(|_| "unreadable window")?;
    let r = loader::rewrite::build(
        &bytes,
        start + bias,
        site + bias,
        at,
        gate,
        movable.as_ref(),
    )?;
    let room = place(&r, at, area)?;
    platform::uaccess::copy_out(start + bias, &r.patch).map_err(|_| "unwritable window")?;
    Ok(room)
}

/// Writes the trampoline of rewrite `r` at `at` in `area`; returns the
/// room it takes.
fn place(r: &loader::rewrite::Rewrite, at: u64, area: (u64, u64)) -> Result<u64, String> {
    platform::trampolines::write(area, at, &r.code).map_err(|e| abi::Errno(e).to_string())?;
    Ok((r.code.len() as u64 + 15) & !15)
}

/// `--stats`: this process's syscall counts, on stderr, at its exit.
pub fn report_stats() {
    if !stats() {
        return;
    }
    let (fast, trapped) = platform::syscall_counts();
    let total = fast + trapped;
    let share = if total == 0 {
        0.0
    } else {
        100.0 * fast as f64 / total as f64
    };
    platform::write_stderr(
        format!(
            "ninux: [{}] {total} syscalls, {fast} through rewritten sites ({share:.1}%), {trapped} through SIGSYS\n",
            std::process::id()
        )
        .as_bytes(),
    );
}
