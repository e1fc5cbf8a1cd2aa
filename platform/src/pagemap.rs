//! Which guest pages this process wrote since it was forked, as
//! `/proc/self/pagemap` tells: after a host fork every private page is
//! shared with the parent until one of them writes it, and a page this
//! process wrote (or first touched by writing) is then mapped by it alone.
//!
//! A vfork child needs this: Linux's shares its parent's memory, ninux's is
//! a host fork whose memory is a copy, so what it wrote is carried to the
//! parent before it ends (the personality's `process::vfork`).

use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;

const PAGE: u64 = 4096;

/// pagemap(5) entry bits.
const PRESENT: u64 = 1 << 63;
/// A file page, or shared anonymous memory: never a private copy.
const FILE_OR_SHARED: u64 = 1 << 61;
const EXCLUSIVE: u64 = 1 << 56;

/// Entries read per pagemap read.
const BATCH: usize = 512;

/// The PAGEMAP_SCAN ioctl (Linux 6.7): `_IOWR('f', 16, struct pm_scan_arg)`.
const PAGEMAP_SCAN: u64 = 0xc060_6610;
/// Its page categories.
const PAGE_IS_FILE: u64 = 1 << 2;
const PAGE_IS_PRESENT: u64 = 1 << 3;
const PAGE_IS_PFNZERO: u64 = 1 << 5;

/// `struct pm_scan_arg`.
#[repr(C)]
#[derive(Default)]
struct PmScanArg {
    size: u64,
    flags: u64,
    start: u64,
    end: u64,
    walk_end: u64,
    vec: u64,
    vec_len: u64,
    max_pages: u64,
    category_inverted: u64,
    category_mask: u64,
    category_anyof_mask: u64,
    return_mask: u64,
}

/// `struct page_region`.
#[repr(C)]
#[derive(Default, Clone, Copy)]
struct PageRegion {
    start: u64,
    end: u64,
    categories: u64,
}

/// The guest pages this process alone maps privately, as (start, len)
/// runs in address order: after a fork, the ones it wrote.
pub fn written_since_fork() -> std::io::Result<Vec<(u64, u64)>> {
    let pagemap = File::open("/proc/self/pagemap")?;
    let mut runs: Vec<(u64, u64)> = Vec::new();
    let mut buf = vec![0u8; BATCH * 8];
    for (start, end) in crate::mm::owned_ranges() {
        // Only pages present, private and not the zero page can be the
        // child's own; the scan skips the rest (reservations, untouched
        // stack) without an entry per page.
        let present = match private_present(&pagemap, start, end) {
            Ok(p) => p,
            Err(_) => vec![(start, end)],
        };
        for (start, end) in present {
            exclusive_runs(&pagemap, start, end, &mut buf, &mut runs)?;
        }
    }
    Ok(runs)
}

/// The ranges of `[start, end)` holding present private pages, by
/// PAGEMAP_SCAN.
fn private_present(pagemap: &File, start: u64, end: u64) -> std::io::Result<Vec<(u64, u64)>> {
    let mut out = Vec::new();
    let mut regions = [PageRegion::default(); 64];
    let mut at = start;
    while at < end {
        let mut arg = PmScanArg {
            size: std::mem::size_of::<PmScanArg>() as u64,
            start: at,
            end,
            vec: regions.as_mut_ptr() as u64,
            vec_len: regions.len() as u64,
            category_mask: PAGE_IS_PRESENT | PAGE_IS_FILE | PAGE_IS_PFNZERO,
            category_inverted: PAGE_IS_FILE | PAGE_IS_PFNZERO,
            return_mask: PAGE_IS_PRESENT,
            ..Default::default()
        };
        // SAFETY: arg is a pm_scan_arg whose vec points at `regions`, of
        // vec_len entries, which the kernel fills.
        let n = unsafe { libc::ioctl(pagemap.as_raw_fd(), PAGEMAP_SCAN as _, &mut arg) };
        if n < 0 {
            return Err(std::io::Error::last_os_error());
        }
        out.extend(regions[..n as usize].iter().map(|r| (r.start, r.end)));
        if arg.walk_end <= at {
            break;
        }
        at = arg.walk_end;
    }
    Ok(out)
}

/// Appends to `runs` the pages of `[start, end)` this process alone maps,
/// privately: pagemap(5) says which.
fn exclusive_runs(
    pagemap: &File,
    start: u64,
    end: u64,
    buf: &mut [u8],
    runs: &mut Vec<(u64, u64)>,
) -> std::io::Result<()> {
    let mut page = start;
    while page < end {
        let n = (((end - page) / PAGE) as usize).min(buf.len() / 8);
        let bytes = &mut buf[..n * 8];
        pagemap.read_exact_at(bytes, page / PAGE * 8)?;
        for entry in bytes.chunks_exact(8) {
            let e = u64::from_ne_bytes(entry.try_into().unwrap_or_default());
            if e & (PRESENT | EXCLUSIVE | FILE_OR_SHARED) == PRESENT | EXCLUSIVE {
                match runs.last_mut() {
                    Some((s, len)) if *s + *len == page => *len += PAGE,
                    _ => runs.push((page, PAGE)),
                }
            }
            page += PAGE;
        }
    }
    Ok(())
}
