//! The rewrite plans of binaries already scanned, so that an exec of a
//! program does not decode its whole text again (the scan costs several
//! milliseconds, most of an exec's time): one small file per binary in a
//! private directory of the user's, named by a hash of the binary's bytes
//! (or its file's identity), in a directory of the ninux build's own
//! (another build may plan differently).
//! Only a directory owned by this user and closed to others is trusted; a
//! file that does not parse is ignored and the binary scanned again.

use kernel::cursor::Cursor;
use loader::rewrite::Moved;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::PathBuf;

/// One site to rewrite, in image addresses: window start, window end, site,
/// and how the window moves without iced, if it can
/// (`loader::rewrite::movable`).
pub type PlannedSite = (u64, u64, u64, Option<Moved>);

/// What the scan decided for one binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub sites: Vec<PlannedSite>,
    /// Syscall sites left on SIGSYS.
    pub kept: usize,
}

const MAGIC: &[u8] = b"ninux-rewrite-plan 6\n";
/// Plans larger than this are not read (and so made again).
const MAX_PLAN: u64 = 64 << 20;

/// The plans' directory, made if missing, once per process: an exec looks
/// up one plan and a dynamically linked program one per library.
fn dir() -> Option<&'static PathBuf> {
    static DIR: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    DIR.get_or_init(|| kernel::build::users_own_dir(&std::env::temp_dir(), "ninux-rewrite"))
        .as_ref()
}

/// A fast 64-bit hash of `bytes` (FxHash's step, a word at a time): the
/// name only has to tell binaries apart, not resist a forger (a guest that
/// forged a collision would only confuse its own rewriting), and SipHash
/// over a megabyte costs a noticeable part of an exec.
pub(super) fn fx(bytes: &[u8]) -> u64 {
    let step = |h: u64, w: u64| (h.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    let mut words = bytes.chunks_exact(8);
    let mut h = 0u64;
    for w in words.by_ref() {
        h = step(h, u64::from_le_bytes(w.try_into().unwrap_or_default()));
    }
    let mut tail = [0u8; 8];
    tail[..words.remainder().len()].copy_from_slice(words.remainder());
    step(h, u64::from_le_bytes(tail))
}

/// What names a binary's plan: a hash of its bytes, or of the identity of
/// the host file holding them.
#[derive(Clone, Copy)]
pub struct Key {
    hash: u64,
    len: u64,
}

impl Key {
    /// From the bytes themselves (a program read whole for loading).
    pub fn of_bytes(bytes: &[u8]) -> Key {
        Key {
            hash: fx(bytes),
            len: bytes.len() as u64,
        }
    }

    /// From a host file's identity and change time, without reading it (a
    /// library the guest maps: hashing megabytes per mapping would cost
    /// more than the rewriting saves). A file rewritten in place gets a new
    /// change time, hence a new key.
    pub fn of_file(st: &abi::structs::Stat) -> Key {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (
            st.st_dev,
            st.st_ino,
            st.st_size,
            st.st_mtime.tv_sec,
            st.st_mtime.tv_nsec,
            st.st_ctime.tv_sec,
            st.st_ctime.tv_nsec,
        )
            .hash(&mut h);
        Key {
            hash: h.finish(),
            len: st.st_size as u64,
        }
    }
}

/// The file for `key`, among this ninux build's plans.
fn path(key: Key) -> Option<PathBuf> {
    Some(build_dir()?.join(format!("{:016x}-{}", key.hash, key.len)))
}

/// The file of `key`'s rewritten text (`text.rs`), beside its plan.
pub(super) fn text_path(key: Key) -> Option<PathBuf> {
    Some(path(key)?.with_extension("text"))
}

/// Plans of other builds left alone for this long are removed.
const STALE: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// This ninux build's plans: a directory of their own in [`dir`], named by
/// a hash of the ninux binary's identity (another build may plan
/// differently). The first run of a new build removes the plans of builds
/// not used for a day ([`STALE`]), so rebuilding ninux does not fill the
/// temp directory.
fn build_dir() -> Option<&'static PathBuf> {
    static BUILD: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    BUILD
        .get_or_init(|| {
            // The executable ninux keeps open for execve: an fstat, where the
            // path /proc/self/exe costs a walk through procfs.
            let me = match crate::exec::self_exe_file() {
                Some(f) => f.metadata().ok()?,
                None => std::fs::metadata("/proc/self/exe").ok()?,
            };
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (me.len(), me.mtime(), me.mtime_nsec(), me.ino()).hash(&mut h);
            let plans = dir()?;
            let build = plans.join(format!("{:016x}", h.finish()));
            if std::fs::symlink_metadata(&build).is_err() {
                let _ = std::fs::DirBuilder::new().mode(0o700).create(&build);
                remove_stale(plans, &build);
            }
            std::fs::symlink_metadata(&build)
                .is_ok_and(|m| m.is_dir())
                .then_some(build)
        })
        .as_ref()
}

/// Removes what else is in `plans` (other builds' directories, an older
/// ninux's plan files) unchanged for [`STALE`]; best effort, as another
/// ninux may be at the same.
fn remove_stale(plans: &std::path::Path, keep: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(plans) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let stale = e
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > STALE));
        if path == keep || !stale {
            continue;
        }
        let _ = match e.file_type() {
            Ok(t) if t.is_dir() => std::fs::remove_dir_all(&path),
            _ => std::fs::remove_file(&path),
        };
    }
}

/// A plan file: [`MAGIC`], then little-endian `u32` kept and site count,
/// then per site its window start, end and site (`u64`s) and how it moves:
/// a 0 byte (by iced), or a 1 byte, the offset (`u64`), the code and the
/// fixups (each a `u16` length and its bytes). Binary rather than text: an
/// exec reads its program's plan every time, and parsing text cost tens of
/// microseconds of a fork+exec's few hundred.
fn encode(plan: &Plan) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&(plan.kept as u32).to_le_bytes());
    out.extend_from_slice(&(plan.sites.len() as u32).to_le_bytes());
    for (start, end, site, movable) in &plan.sites {
        for v in [start, end, site] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        match movable {
            None => out.push(0),
            Some(m) => {
                out.push(1);
                out.extend_from_slice(&m.offset.to_le_bytes());
                for bytes in [&m.code, &m.fixups] {
                    out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
                    out.extend_from_slice(bytes);
                }
            }
        }
    }
    out
}

/// Reads what [`encode`] wrote; None for anything else.
fn decode(bytes: &[u8]) -> Option<Plan> {
    let mut r = Cursor::new(bytes.strip_prefix(MAGIC)?);
    let kept = r.u32()? as usize;
    let count = r.u32()? as usize;
    let mut sites = Vec::with_capacity(count.min(bytes.len() / 25));
    for _ in 0..count {
        let (start, end, site) = (r.u64()?, r.u64()?, r.u64()?);
        let movable = match r.u8()? {
            0 => None,
            1 => Some(Moved {
                offset: r.u64()?,
                code: counted(&mut r)?.to_vec(),
                fixups: counted(&mut r)?.to_vec(),
            }),
            _ => return None,
        };
        if !(start <= site && site.checked_add(2)? <= end) {
            return None;
        }
        sites.push((start, end, site, movable));
    }
    r.is_empty().then_some(Plan { sites, kept })
}

/// A `u16` length and that many bytes.
fn counted<'a>(c: &mut Cursor<'a>) -> Option<&'a [u8]> {
    let n = c.u16()?;
    c.take(n as usize)
}

/// The plan saved for `key`.
pub fn load(key: Key) -> Option<Plan> {
    decode(&read_whole(&path(key)?)?)
}

/// A small file's bytes: open, read, read (its end), close. Every exec
/// of a rewritten program reads its plan; `std::fs::read` would also stat
/// it. The buffer is not zeroed first: in a forked child each heap page
/// written is a page copied.
fn read_whole(path: &std::path::Path) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::with_capacity(16 << 10);
    // Through `take`, which has no size hint to stat the file for.
    std::fs::File::open(path)
        .ok()?
        .take(MAX_PLAN)
        .read_to_end(&mut bytes)
        .ok()?;
    Some(bytes)
}

/// Saves a plan.
pub fn store(key: Key, plan: &Plan) {
    if let Some(path) = path(key) {
        write_whole(&path, &encode(plan));
    }
}

/// Writes a file aside and renames it in, so a reader sees all or nothing.
pub(super) fn write_whole(path: &std::path::Path, bytes: &[u8]) -> bool {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    // The guest's umask is not ninux's: the mode is set here.
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes))
        .and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_sees_every_byte() {
        let a = vec![7u8; 1001];
        for i in [0, 500, 999, 1000] {
            let mut b = a.clone();
            b[i] ^= 1;
            assert_ne!(fx(&a), fx(&b), "byte {i}");
        }
    }

    #[test]
    fn other_builds_plans_go_once_unused_for_a_day() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path();
        let old = std::time::SystemTime::now() - STALE - std::time::Duration::from_secs(60);
        for d in ["ours", "recent", "old"] {
            std::fs::create_dir(p.join(d)).unwrap();
            std::fs::write(p.join(d).join("plan"), b"x").unwrap();
        }
        std::fs::write(p.join("old-flat-plan"), b"x").unwrap();
        for stale in ["ours", "old", "old-flat-plan"] {
            std::fs::File::open(p.join(stale))
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        remove_stale(p, &p.join("ours"));
        let mut left: Vec<_> = std::fs::read_dir(p)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["ours", "recent"]);
    }

    #[test]
    fn plans_round_trip_and_bad_files_are_refused() {
        let plan = Plan {
            sites: vec![
                (
                    0x401000,
                    0x401007,
                    0x401005,
                    Some(Moved {
                        code: vec![0xb8, 39, 0, 0, 0],
                        offset: 0,
                        fixups: vec![],
                    }),
                ),
                (0x402000, 0x402008, 0x402004, None),
                (
                    0x403000,
                    0x403009,
                    0x403007,
                    Some(Moved {
                        code: vec![1, 2, 3, 4, 5, 6, 7],
                        offset: 1 << 30,
                        fixups: vec![3, 5],
                    }),
                ),
            ],
            kept: 3,
        };
        let bytes = encode(&plan);
        assert_eq!(decode(&bytes), Some(plan));
        let empty = Plan {
            sites: vec![],
            kept: 0,
        };
        assert_eq!(decode(&encode(&empty)), Some(empty));
        assert_eq!(decode(b"ninux-rewrite-plan 4\nkept 0\n"), None);
        // Cut anywhere, or with a byte more, it is refused.
        for n in 0..bytes.len() {
            assert_eq!(decode(&bytes[..n]), None, "cut at {n}");
        }
        assert_eq!(decode(&[&bytes[..], &[0]].concat()), None);
        // The site must lie inside its window.
        let mut outside = MAGIC.to_vec();
        outside.extend_from_slice(&[0, 0, 0, 0, 1, 0, 0, 0]);
        for v in [0x10u64, 0x17, 0x20] {
            outside.extend_from_slice(&v.to_le_bytes());
        }
        outside.push(0);
        assert_eq!(decode(&outside), None);
        // Inside, it reads; with a kind of move that does not exist, not.
        let site = outside.len() - 9;
        outside[site..site + 8].copy_from_slice(&0x15u64.to_le_bytes());
        assert!(decode(&outside).is_some());
        let last = outside.len() - 1;
        outside[last] = 2;
        assert_eq!(decode(&outside), None, "an unknown kind");
    }
}
