//! ninux's own code and read-only data on anonymous huge pages, so that a
//! fork does not make the child fault them back in.
//!
//! A fork copies no page-table entries of a private file mapping that was
//! never written (it has no anon_vma), so every forked child faults ninux's
//! text back in, 64 KiB at a time: about 40 faults in the exec emulation of
//! a fork+exec, a tenth of its time. Copying the read-only segments into
//! 2 MiB transparent huge pages and moving those over the file mappings
//! makes them anonymous memory that a fork shares by copying one page-middle
//! entry per 2 MiB. This is the "huge page text" remapping of HHVM and
//! Chrome.
//!
//! The move costs about 0.6 ms (copying 6 MiB, and unmapping the file
//! pages), and up to tens of milliseconds on a virtual machine whose free
//! huge pages went back to the host (the first touch of each is slow), so
//! it is done at a process's [`MOVE_AT_FORK`]th fork, when the
//! guest has shown that it forks often; children inherit the moved text.
//! Only 2 MiB-aligned chunks move (the linker aligns the segments, see
//! `.cargo/config.toml`); a chunk may reach past its segment's end only into
//! the unmapped gap before the next segment, which is reserved first. A
//! profiler cannot name symbols in the moved text, so `NINUX_FILE_TEXT=1`
//! leaves it alone for profiling. Failure is quiet: the text then stays the
//! file mapping, which is correct, only slower.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

const HUGE: usize = 2 << 20;
const PAGE: usize = 4096;

/// The fork of a process at which its text moves.
pub const MOVE_AT_FORK: u32 = 8;

extern "C" {
    /// The ELF header of ninux's own image (the linker defines it).
    static __ehdr_start: u8;
}

/// A read-only segment of ninux's image, as mapped: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub start: usize,
    pub end: usize,
    pub exec: bool,
}

/// A 2 MiB-aligned `[start, end)` to move, whose first `bytes` are a
/// segment's (the rest is the claimed gap after it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    pub start: usize,
    pub end: usize,
    pub bytes: usize,
    pub exec: bool,
}

/// Set once the text is on huge pages (forked children carry it on).
static MOVED: AtomicBool = AtomicBool::new(false);

/// Whether ninux's text was moved to huge pages.
pub fn moved() -> bool {
    MOVED.load(Ordering::Relaxed)
}

/// Count a fork of this process (forked children carry the count on) and
/// move the text at the [`MOVE_AT_FORK`]th.
pub fn before_fork() {
    static FORKS: AtomicU32 = AtomicU32::new(0);
    if FORKS.fetch_add(1, Ordering::Relaxed) + 1 != MOVE_AT_FORK
        || std::env::var_os("NINUX_FILE_TEXT").is_some()
    {
        return;
    }
    let segments = read_only_segments();
    let moved: usize = plan(&segments, reserve_gap)
        .into_iter()
        .filter(move_chunk)
        .map(|chunk| chunk.end - chunk.start)
        .sum();
    MOVED.store(moved > 0, Ordering::Relaxed);
    log::debug!("ninux's text: {} MiB moved to huge pages", moved >> 20);
}

/// The non-writable PT_LOAD segments of ninux's own image, page-rounded.
pub(crate) fn read_only_segments() -> Vec<Segment> {
    let base = std::ptr::addr_of!(__ehdr_start) as usize;
    // SAFETY: __ehdr_start is the image's 64-byte ELF header, mapped
    // read-only with its program headers for the life of the process (the
    // first PT_LOAD starts at offset 0); both are only read.
    let ehdr = unsafe { std::slice::from_raw_parts(base as *const u8, 64) };
    let (phoff, phentsize, phnum) = (u64_at(ehdr, 32), u16_at(ehdr, 54), u16_at(ehdr, 56));
    if phentsize < 56 {
        return Vec::new();
    }
    const PT_LOAD: u32 = 1;
    const PF_X: u32 = 1;
    const PF_W: u32 = 2;
    let headers: Vec<&[u8]> = (0..phnum)
        .map(|i| {
            // SAFETY: the program headers lie inside the first PT_LOAD.
            unsafe { std::slice::from_raw_parts((base + phoff + i * phentsize) as *const u8, 56) }
        })
        .collect();
    // The load bias: the header's address less the link address of the
    // PT_LOAD that maps file offset 0 (0 for ninux's fixed-address link).
    let Some(bias) = headers
        .iter()
        .find(|ph| u32_at(ph, 0) == PT_LOAD && u64_at(ph, 8) == 0)
        .map(|ph| base.wrapping_sub(u64_at(ph, 16)))
    else {
        return Vec::new();
    };
    let mut segments = Vec::new();
    for ph in headers {
        let (kind, flags) = (u32_at(ph, 0), u32_at(ph, 4));
        if kind == PT_LOAD && flags & PF_W == 0 {
            let start = bias.wrapping_add(u64_at(ph, 16)) & !(PAGE - 1);
            let end = (bias.wrapping_add(u64_at(ph, 16)) + u64_at(ph, 40)).next_multiple_of(PAGE);
            segments.push(Segment {
                start,
                end,
                exec: flags & PF_X != 0,
            });
        }
    }
    segments
}

fn u16_at(b: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes([b[at], b[at + 1]]))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn u64_at(b: &[u8], at: usize) -> usize {
    let mut v = [0; 8];
    v.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(v) as usize
}

/// The 2 MiB chunks to move: each segment's whole chunks, and its last,
/// partial chunk when `gap_free` can claim the rest of it (the unmapped
/// bytes after the segment, which the move then covers too).
pub fn plan(segments: &[Segment], mut gap_free: impl FnMut(usize, usize) -> bool) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    for s in segments {
        let start = s.start.next_multiple_of(HUGE);
        let mut end = s.end & !(HUGE - 1);
        let rounded = s.end.next_multiple_of(HUGE);
        if rounded > end && end >= start && gap_free(s.end, rounded) {
            end = rounded;
        }
        if end > start {
            let bytes = end.min(s.end) - start;
            chunks.push(Chunk {
                start,
                end,
                bytes,
                exec: s.exec,
            });
        }
    }
    chunks
}

/// Claim the unmapped `[start, end)` after a segment, or say it is in use.
/// If the chunk then fails to move, the claim stays: an inaccessible gap.
fn reserve_gap(start: usize, end: usize) -> bool {
    crate::host::claim_anon(start, end - start, libc::PROT_NONE)
}

/// Copy one chunk into huge pages and move the copy over it.
fn move_chunk(chunk: &Chunk) -> bool {
    let len = chunk.end - chunk.start;
    // SAFETY: a fresh anonymous mapping, over-sized so that a 2 MiB-aligned
    // range of `len` bytes lies inside it.
    let raw = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len + HUGE,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if raw == libc::MAP_FAILED {
        return false;
    }
    let (raw, copy) = (raw as usize, (raw as usize).next_multiple_of(HUGE));
    let prot = libc::PROT_READ | if chunk.exec { libc::PROT_EXEC } else { 0 };
    // SAFETY: `copy..copy+len` lies inside the mapping just made. The
    // chunk's first `bytes` are its segment's, mapped readable; the rest is
    // the gap reserved PROT_NONE, which is not read.
    let ready = unsafe {
        libc::madvise(copy as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
        std::ptr::copy_nonoverlapping(chunk.start as *const u8, copy as *mut u8, chunk.bytes);
        libc::mprotect(copy as *mut libc::c_void, len, prot) == 0
    };
    // SAFETY: replaces the chunk with a byte-identical copy in one system
    // call, under the mm lock: a thread running the text (this one,
    // returning from mremap) finds the same instructions there.
    let moved = ready
        && unsafe {
            libc::mremap(
                copy as *mut libc::c_void,
                len,
                len,
                libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED,
                chunk.start as *mut libc::c_void,
            )
        } != libc::MAP_FAILED;
    // SAFETY: unmaps what is left of the scratch mapping (all of it if the
    // move failed), never the chunk.
    unsafe {
        if moved {
            if copy > raw {
                libc::munmap(raw as *mut libc::c_void, copy - raw);
            }
            libc::munmap((copy + len) as *mut libc::c_void, raw + HUGE - copy);
        } else {
            libc::munmap(raw as *mut libc::c_void, len + HUGE);
        }
    }
    moved
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: usize = 1 << 20;

    fn seg(start: usize, end: usize, exec: bool) -> Segment {
        Segment { start, end, exec }
    }

    fn chunk(start: usize, end: usize, bytes: usize, exec: bool) -> Chunk {
        Chunk {
            start,
            end,
            bytes,
            exec,
        }
    }

    #[test]
    fn whole_chunks_move_and_a_tail_only_into_a_free_gap() {
        let text = [seg(2 * M, 6 * M + 0x2d000, true)];
        assert_eq!(
            plan(&text, |_, _| false),
            vec![chunk(2 * M, 6 * M, 4 * M, true)]
        );
        let mut asked = Vec::new();
        let chunks = plan(&text, |s, e| {
            asked.push((s, e));
            true
        });
        assert_eq!(chunks, vec![chunk(2 * M, 8 * M, 4 * M + 0x2d000, true)]);
        assert_eq!(asked, vec![(6 * M + 0x2d000, 8 * M)]);
    }

    #[test]
    fn an_unaligned_start_loses_its_first_partial_chunk() {
        let rodata = [seg(0x1b0000, 0x6b0000, false)];
        assert_eq!(
            plan(&rodata, |_, _| false),
            vec![chunk(2 * M, 6 * M, 4 * M, false)]
        );
        assert_eq!(
            plan(&rodata, |_, _| true),
            vec![chunk(2 * M, 8 * M, 0x4b0000, false)]
        );
    }

    #[test]
    fn a_segment_inside_one_chunk_moves_only_with_its_gap() {
        let small = [seg(4 * M + 0x1000, 4 * M + 0x9000, false)];
        assert_eq!(plan(&small, |_, _| true), vec![]);
        let rodata = [seg(0, 0x1b0000, false)];
        assert_eq!(plan(&rodata, |_, _| false), vec![]);
        assert_eq!(
            plan(&rodata, |_, _| true),
            vec![chunk(0, 2 * M, 0x1b0000, false)]
        );
    }

    #[test]
    fn the_running_image_has_an_executable_segment() {
        let segments = read_only_segments();
        assert!(segments.iter().any(|s| s.exec), "{segments:x?}");
        let here = the_running_image_has_an_executable_segment as fn() as usize;
        assert!(segments
            .iter()
            .any(|s| s.exec && (s.start..s.end).contains(&here)));
    }
}
