//! Which guest file each file mapping shows: /proc/self/maps names a file
//! mapping by the guest's path, device and inode, as Linux does, though the
//! host sees either a host path the guest must not see (a host directory
//! bound elsewhere, the copy-on-write layer's upper directory) or, for files
//! copied in, anonymous memory.

use crate::state::lock;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// What Linux shows for a file mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName {
    pub path: String,
    /// The file offset of the mapping's first page.
    pub offset: u64,
    /// `MM:mm` in hex, as maps prints it.
    pub dev: String,
    pub inode: u64,
}

/// start → (end, name), disjoint.
static NAMES: Mutex<BTreeMap<u64, (u64, FileName)>> = Mutex::new(BTreeMap::new());

/// Linux's split of a dev_t into major and minor, printed as maps does.
pub fn dev_text(dev: u64) -> String {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    format!("{major:02x}:{minor:02x}")
}

/// `[start, end)` now maps `name`.
pub fn record(start: u64, end: u64, name: FileName) {
    let mut names = lock(&NAMES);
    cut(&mut names, start, end);
    names.insert(start, (end, name));
}

/// `[start, end)` no longer maps a file (unmapped, or mapped over).
pub fn forget(start: u64, end: u64) {
    cut(&mut lock(&NAMES), start, end);
}

fn cut(names: &mut BTreeMap<u64, (u64, FileName)>, start: u64, end: u64) {
    let hit: Vec<u64> = names
        .range(..end)
        .filter(|(_, (e, _))| *e > start)
        .map(|(&s, _)| s)
        .collect();
    for s in hit {
        let Some((e, name)) = names.remove(&s) else {
            continue;
        };
        if s < start {
            names.insert(s, (start, name.clone()));
        }
        if e > end {
            let offset = name.offset.saturating_add(end - s);
            names.insert(end, (e, FileName { offset, ..name }));
        }
    }
}

/// Forgets every file mapping: execve in place unmapped them all.
pub fn forget_all() {
    lock(&NAMES).clear();
}

/// The file mapped at `addr`, as (start, end, name) of its mapping.
pub fn at(addr: u64) -> Option<(u64, u64, FileName)> {
    let names = lock(&NAMES);
    let (&s, (e, name)) = names.range(..=addr).next_back()?;
    (addr < *e).then(|| (s, *e, name.clone()))
}

/// Every recorded file mapping as (start, end, name), in address order.
pub fn all() -> Vec<(u64, u64, FileName)> {
    lock(&NAMES)
        .iter()
        .map(|(&s, (e, name))| (s, *e, name.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(offset: u64) -> FileName {
        FileName {
            path: "/lib/libc.so.6".into(),
            offset,
            dev: "00:2a".into(),
            inode: 7,
        }
    }

    #[test]
    fn overlapping_maps_split_the_old_name() {
        let mut m = BTreeMap::new();
        m.insert(0x1000, (0x5000, name(0)));
        cut(&mut m, 0x2000, 0x3000);
        assert_eq!(m.get(&0x1000), Some(&(0x2000, name(0))));
        assert_eq!(m.get(&0x3000), Some(&(0x5000, name(0x2000))));
        assert_eq!(m.len(), 2);
        cut(&mut m, 0, 0x10000);
        assert!(m.is_empty());
    }

    #[test]
    fn dev_numbers_print_as_linux_does() {
        assert_eq!(dev_text(libc::makedev(254, 1)), "fe:01");
        assert_eq!(dev_text(libc::makedev(0, 0x2a)), "00:2a");
    }
}
