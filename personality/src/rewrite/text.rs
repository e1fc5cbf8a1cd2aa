//! A program's text as rewritten, and its trampolines, kept beside its
//! plan, so that the next exec of the program maps both instead of
//! patching a copy and building the trampolines again.
//!
//! Patching costs each exec a private copy of every page holding a site
//! (a fork+exec of glibc's `true` copies about twenty) and two changes of
//! the pages' rights; building the trampolines costs reading the plan and
//! a few allocations per site. What an exec writes depends only on where
//! the trampolines are relative to the image (they hold no absolute
//! address, see `loader::rewrite`), so once an exec has rewritten every
//! site of a program, its executable segments and its trampolines are
//! saved as they are then, with that distance. The next exec maps the
//! trampolines at the same distance and the saved segments over the
//! image: read from the page cache like the original's, shared by every
//! process running the program, and never written.
//!
//! Anything that does not fit (other segments, the trampolines' place
//! taken) falls back to patching.

use super::{cache, Done};
use kernel::cursor::Cursor;
use loader::elf::{page_down, page_up};
use loader::Image;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;

const MAGIC: &[u8] = b"ninux-rewrite-text 2\n";
const PAGE: u64 = 4096;
/// Programs with more text than this are patched at each exec instead.
const MAX_TEXT: u64 = 64 << 20;
/// At most this many executable segments (the header is one page).
const MAX_SEGMENTS: usize = 64;

/// A run of pages in the file: their image address (for trampolines,
/// their distance after the image's bias), length and offset in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Seg {
    pub vaddr: u64,
    pub len: u64,
    pub offset: u64,
}

/// The header: the trampolines' pages (`vaddr` is their distance from the
/// image's bias) and the executable segments'.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Header {
    trampolines: Seg,
    segs: Vec<Seg>,
}

/// A rewritten text ready to be mapped: its trampolines are in place.
pub(crate) struct Text {
    file: std::fs::File,
    segs: Vec<Seg>,
}

impl Text {
    /// The host fd to map the segments from.
    pub fn fd(&self) -> i32 {
        self.file.as_raw_fd()
    }

    /// The saved pages of the segment whose pages start at image address
    /// `vaddr`.
    pub fn segment(&self, vaddr: u64) -> Option<Seg> {
        self.segs.iter().find(|s| s.vaddr == vaddr).copied()
    }
}

/// The executable segments of `image` as whole pages (image address and
/// length), when each is plain text a file mapping can hold: no bss, not
/// writable.
fn text_pages(image: &Image) -> Option<Vec<(u64, u64)>> {
    let mut pages = Vec::new();
    for s in image.segments.iter().filter(|s| s.exec) {
        if s.write || s.memsz != s.filesz || s.filesz == 0 {
            return None;
        }
        let start = page_down(s.vaddr);
        pages.push((start, page_up(s.vaddr + s.filesz) - start));
    }
    let total: u64 = pages.iter().map(|p| p.1).sum();
    (!pages.is_empty() && pages.len() <= MAX_SEGMENTS && total <= MAX_TEXT).then_some(pages)
}

/// Saves the executable segments of `image`, loaded at `bias` and just
/// rewritten as `done` says, and the trampolines, unless a text is saved
/// already.
pub(crate) fn store(image: &Image, key: cache::Key, bias: u64, done: Done) {
    let (Some(pages), Some(path)) = (text_pages(image), cache::text_path(key)) else {
        return;
    };
    if done.used == 0 || std::fs::symlink_metadata(&path).is_ok() {
        return;
    }
    let mut offset = PAGE;
    let mut run = |vaddr: u64, len: u64| {
        let s = Seg { vaddr, len, offset };
        offset += len;
        s
    };
    let segs: Vec<Seg> = pages.iter().map(|&(vaddr, len)| run(vaddr, len)).collect();
    let trampolines = run(done.area.0.wrapping_sub(bias), page_up(done.used));
    let header = Header { trampolines, segs };
    let mut bytes = encode(&header);
    bytes.resize(offset as usize, 0);
    for s in &header.segs {
        let to = &mut bytes[s.offset as usize..(s.offset + s.len) as usize];
        if platform::uaccess::copy_in(to, s.vaddr.wrapping_add(bias)).is_err() {
            return;
        }
    }
    let at = header.trampolines.offset as usize;
    if platform::trampolines::read(done.area, &mut bytes[at..at + done.used as usize]).is_err() {
        return;
    }
    cache::write_whole(&path, &bytes);
}

/// The saved text of `image` (to be loaded at `bias`), with its
/// trampolines mapped; None if there is none or it cannot be used here.
pub(crate) fn load(image: &Image, key: cache::Key, bias: u64) -> Option<Text> {
    if !super::enabled() || !platform::fast_path_available() {
        return None;
    }
    let pages = text_pages(image)?;
    let file = std::fs::File::open(cache::text_path(key)?).ok()?;
    let mut head = [0u8; PAGE as usize];
    let n = file.read_at(&mut head, 0).ok()?;
    let header = decode(&head[..n])?;
    let saved: Vec<(u64, u64)> = header.segs.iter().map(|s| (s.vaddr, s.len)).collect();
    // A file cut short would fault where the guest runs it.
    let size = file.metadata().ok()?.len();
    let tramp = header.trampolines;
    if saved != pages || tramp.offset + tramp.len > size {
        return None;
    }
    super::set_trapped();
    let at = bias.wrapping_add(tramp.vaddr);
    if let Err(e) =
        platform::trampolines::map_file_at(at, tramp.len, file.as_raw_fd(), tramp.offset)
    {
        log::debug!(
            "saved text not used: no room for its trampolines ({})",
            abi::Errno(e)
        );
        return None;
    }
    Some(Text {
        file,
        segs: header.segs,
    })
}

/// The header page: [`MAGIC`], the trampolines' distance, length and file
/// offset (little-endian `u64`s), a `u32` segment count and per segment
/// its image address, length and file offset; zeros to the page's end.
fn encode(h: &Header) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    let t = &h.trampolines;
    for v in [t.vaddr, t.len, t.offset] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&(h.segs.len() as u32).to_le_bytes());
    for s in &h.segs {
        for v in [s.vaddr, s.len, s.offset] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out.resize(PAGE as usize, 0);
    out
}

/// Reads what [`encode`] wrote; None for anything else, or for runs of
/// pages not page-aligned, overlapping the header or each other, or
/// trampolines before the segments.
fn decode(bytes: &[u8]) -> Option<Header> {
    if bytes.len() != PAGE as usize {
        return None;
    }
    let mut c = Cursor::new(bytes.strip_prefix(MAGIC)?);
    let trampolines = read_run(&mut c)?;
    let n = c.u32()? as usize;
    if n == 0 || n > MAX_SEGMENTS {
        return None;
    }
    let segs = (0..n)
        .map(|_| read_run(&mut c))
        .collect::<Option<Vec<Seg>>>()?;
    // In file order: the segments, then the trampolines.
    let mut next = PAGE;
    for s in segs.iter().chain([&trampolines]) {
        let aligned = [s.vaddr, s.len, s.offset].iter().all(|v| v % PAGE == 0);
        if !aligned || s.len == 0 || s.offset < next {
            return None;
        }
        next = s.offset.checked_add(s.len)?;
    }
    Some(Header { trampolines, segs })
}

fn read_run(c: &mut Cursor) -> Option<Seg> {
    Some(Seg {
        vaddr: c.u64()?,
        len: c.u64()?,
        offset: c.u64()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_round_trip_and_bad_ones_are_refused() {
        let h = Header {
            trampolines: Seg {
                vaddr: 0u64.wrapping_sub(0x10_0000),
                len: 0x6000,
                offset: PAGE + 0x79000,
            },
            segs: vec![
                Seg {
                    vaddr: 0x401000,
                    len: 0x78000,
                    offset: PAGE,
                },
                Seg {
                    vaddr: 0x600000,
                    len: 0x1000,
                    offset: PAGE + 0x78000,
                },
            ],
        };
        let bytes = encode(&h);
        assert_eq!(bytes.len(), PAGE as usize);
        assert_eq!(decode(&bytes), Some(h.clone()));
        assert_eq!(decode(&bytes[..100]), None, "cut short");
        let mut other = bytes.clone();
        other[MAGIC.len() - 2] ^= 1;
        assert_eq!(decode(&other), None, "another magic");
        for (what, seg) in [
            (
                "unaligned",
                Seg {
                    len: 0x78001,
                    ..h.segs[0]
                },
            ),
            (
                "over the header",
                Seg {
                    offset: 0,
                    ..h.segs[0]
                },
            ),
            (
                "empty",
                Seg {
                    len: 0,
                    ..h.segs[0]
                },
            ),
        ] {
            let bad = Header {
                segs: vec![seg],
                ..h.clone()
            };
            assert_eq!(decode(&encode(&bad)), None, "{what}");
        }
        let overlapping = Header {
            segs: vec![
                h.segs[0],
                Seg {
                    offset: PAGE,
                    ..h.segs[1]
                },
            ],
            ..h.clone()
        };
        assert_eq!(decode(&encode(&overlapping)), None, "overlapping");
        for (what, trampolines) in [
            (
                "trampolines over a segment",
                Seg {
                    offset: PAGE + 0x78000,
                    ..h.trampolines
                },
            ),
            (
                "no trampolines",
                Seg {
                    len: 0,
                    ..h.trampolines
                },
            ),
            (
                "trampolines unaligned",
                Seg {
                    vaddr: 0x10,
                    ..h.trampolines
                },
            ),
        ] {
            let bad = Header {
                trampolines,
                ..h.clone()
            };
            assert_eq!(decode(&encode(&bad)), None, "{what}");
        }
    }
}
