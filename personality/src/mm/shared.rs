//! Writable MAP_SHARED mappings of files that have no host fd (rootfs tar
//! members are read-only, so in practice 9P files): the host cannot map
//! them, so the mapping is shared anonymous memory holding a copy of the
//! file (shared, so a forked child writes to the same pages), and the
//! guest's changes reach the file when Linux would make them durable:
//! msync, munmap, execve and process exit. Unlike Linux, another process
//! that maps or reads the file does not see the changes before then.

use crate::fs::fd::OpenFile;
use crate::state::lock;
use abi::Errno;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

struct Shared {
    end: u64,
    /// The open file the mapping holds, as Linux's mapping holds a reference.
    file: Arc<OpenFile>,
    /// The file offset of the mapping's first byte.
    offset: u64,
}

static SHARED: Mutex<BTreeMap<u64, Shared>> = Mutex::new(BTreeMap::new());

/// `[start, end)` is a writable shared copy of `file` from `offset`.
pub fn record(start: u64, end: u64, file: Arc<OpenFile>, offset: u64) {
    lock(&SHARED).insert(start, Shared { end, file, offset });
}

/// Writes the guest's view of `[start, end)` back to the files mapped
/// there. The file never grows: bytes past its end stay in memory only, as
/// Linux never extends a file through a mapping.
pub fn write_back(start: u64, end: u64) -> Result<(), Errno> {
    let shared = lock(&SHARED);
    let mut result = Ok(());
    for (&s, m) in shared.range(..end).filter(|(_, m)| m.end > start) {
        let Some(chan) = m.file.chan.as_ref() else {
            continue;
        };
        let (from, to) = (s.max(start), m.end.min(end));
        let at = m.offset.saturating_add(from - s);
        let size = chan.stat().map(|d| d.length).unwrap_or(0);
        let len = (to - from).min(size.saturating_sub(at));
        let mut buf = vec![0u8; len as usize];
        if len == 0 || platform::uaccess::copy_in(&mut buf, from).is_err() {
            continue;
        }
        if let Err(e) = chan.pwrite(&buf, Some(at)) {
            result = Err(crate::fs::path::kerr(e));
        }
    }
    result
}

/// Writes back and forgets `[start, end)` (munmap, or a mapping over it).
pub fn release(start: u64, end: u64) {
    let _ = write_back(start, end);
    let mut shared = lock(&SHARED);
    let hit: Vec<u64> = shared
        .range(..end)
        .filter(|(_, m)| m.end > start)
        .map(|(&s, _)| s)
        .collect();
    for s in hit {
        let Some(m) = shared.remove(&s) else {
            continue;
        };
        if s < start {
            shared.insert(
                s,
                Shared {
                    end: start,
                    file: m.file.clone(),
                    offset: m.offset,
                },
            );
        }
        if m.end > end {
            let offset = m.offset.saturating_add(end - s);
            shared.insert(end, Shared { offset, ..m });
        }
    }
}

/// Writes back every shared copy: the process is exiting or exec'ing.
pub fn write_back_all() {
    let _ = write_back(0, u64::MAX);
}

/// Writes back and forgets every shared copy: execve in place unmaps them
/// (the file keeps what the old image wrote, as at exit).
pub fn release_all() {
    release(0, u64::MAX);
}
