//! The rewrite plans of binaries already scanned, so that an exec of a
//! program does not decode its whole text again (the scan costs several
//! milliseconds, most of an exec's time): one small file per binary in a
//! private directory of the user's, named by a hash of the binary's bytes
//! and of the ninux binary itself (another build may plan differently).
//! Only a directory owned by this user and closed to others is trusted; a
//! file that does not parse is ignored and the binary scanned again.

use loader::rewrite::Moved;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
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

const MAGIC: &str = "ninux-rewrite-plan 4";

/// The plans' directory, made if missing, once per process: an exec looks
/// up one plan and a dynamically linked program one per library.
fn dir() -> Option<&'static PathBuf> {
    static DIR: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        // SAFETY: getuid has no preconditions.
        let uid = unsafe { libc::getuid() };
        let dir = std::env::temp_dir().join(format!("ninux-rewrite-{uid}"));
        let meta = match std::fs::symlink_metadata(&dir) {
            Ok(meta) => meta,
            Err(_) => {
                let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
                std::fs::symlink_metadata(&dir).ok()?
            }
        };
        (meta.is_dir() && meta.uid() == uid && meta.mode() & 0o077 == 0).then_some(dir)
    })
    .as_ref()
}

/// A fast 64-bit hash of `bytes` (FxHash's step, a word at a time): the
/// name only has to tell binaries apart, not resist a forger (a guest that
/// forged a collision would only confuse its own rewriting), and SipHash
/// over a megabyte costs a noticeable part of an exec.
fn fx(bytes: &[u8]) -> u64 {
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

/// The file for `key`, with the ninux binary's identity.
fn path(key: Key) -> Option<PathBuf> {
    static ME: std::sync::OnceLock<Option<(u64, i64, i64, u64)>> = std::sync::OnceLock::new();
    let me = ME.get_or_init(|| {
        // The executable ninux keeps open for execve: an fstat, where the
        // path /proc/self/exe costs a walk through procfs.
        let me = match crate::exec::self_exe_file() {
            Some(f) => f.metadata().ok()?,
            None => std::fs::metadata("/proc/self/exe").ok()?,
        };
        Some((me.len(), me.mtime(), me.mtime_nsec(), me.ino()))
    });
    let mut h = std::collections::hash_map::DefaultHasher::new();
    ((*me)?, key.hash).hash(&mut h);
    Some(dir()?.join(format!("{:016x}-{}", h.finish(), key.len)))
}

fn parse(text: &str) -> Option<Plan> {
    let mut lines = text.lines();
    if lines.next()? != MAGIC {
        return None;
    }
    let kept = lines.next()?.strip_prefix("kept ")?.parse().ok()?;
    let mut sites = Vec::new();
    for line in lines {
        let mut words = line.split(' ');
        let mut f = words
            .by_ref()
            .take(3)
            .map(|w| u64::from_str_radix(w, 16).ok());
        let (start, end, site) = (f.next()??, f.next()??, f.next()??);
        // `-`: relocated by iced; else base, code (hex), fixups (`-` or 3,12).
        let movable = match words.next()? {
            "-" => None,
            base => Some(Moved {
                base: u64::from_str_radix(base, 16).ok()?,
                code: unhex(words.next()?)?,
                fixups: match words.next()? {
                    "-" => Vec::new(),
                    list => list
                        .split(',')
                        .map(|o| o.parse().ok())
                        .collect::<Option<Vec<u8>>>()?,
                },
            }),
        };
        if words.next().is_some() || !(start <= site && site + 2 <= end) {
            return None;
        }
        sites.push((start, end, site, movable));
    }
    Some(Plan { sites, kept })
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 512 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn format(plan: &Plan) -> String {
    let mut out = format!("{MAGIC}\nkept {}\n", plan.kept);
    for (start, end, site, movable) in &plan.sites {
        let how = match movable {
            None => "-".to_string(),
            Some(m) => {
                let code: String = m.code.iter().map(|b| format!("{b:02x}")).collect();
                let fixups: Vec<String> = m.fixups.iter().map(u8::to_string).collect();
                let fixups = if fixups.is_empty() {
                    "-".to_string()
                } else {
                    fixups.join(",")
                };
                format!("{:x} {code} {fixups}", m.base)
            }
        };
        out.push_str(&format!("{start:x} {end:x} {site:x} {how}\n"));
    }
    out
}

/// The plan saved for `key`, if any.
pub fn load(key: Key) -> Option<Plan> {
    parse(&std::fs::read_to_string(path(key)?).ok()?)
}

/// Saves a plan (written aside and renamed in, so a reader sees all or nothing).
pub fn store(key: Key, plan: &Plan) {
    let Some(path) = path(key) else { return };
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let written = std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(format(plan).as_bytes()))
        .and_then(|()| std::fs::rename(&tmp, &path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
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
    fn plans_round_trip_and_bad_files_are_refused() {
        let plan = Plan {
            sites: vec![
                (
                    0x401000,
                    0x401007,
                    0x401005,
                    Some(Moved {
                        code: vec![0xb8, 39, 0, 0, 0],
                        base: 0x401000,
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
                        base: 0x4340_3000,
                        fixups: vec![3, 5],
                    }),
                ),
            ],
            kept: 3,
        };
        assert_eq!(parse(&format(&plan)), Some(plan));
        assert_eq!(
            parse("ninux-rewrite-plan 4\nkept 0\n"),
            Some(Plan {
                sites: vec![],
                kept: 0
            })
        );
        assert_eq!(parse("something else\nkept 0\n"), None);
        assert_eq!(parse("ninux-rewrite-plan 4\nkept x\n"), None);
        // The site must lie inside its window.
        assert_eq!(parse("ninux-rewrite-plan 4\nkept 0\n10 17 20 -\n"), None);
        assert_eq!(
            parse("ninux-rewrite-plan 4\nkept 0\n10 17 15 10 b8 x\n"),
            None
        );
        assert_eq!(
            parse("ninux-rewrite-plan 4\nkept 0\n10 17 15 10 b8f 1\n"),
            None
        );
        assert_eq!(parse("ninux-rewrite-plan 4\nkept 0\n10 17\n"), None);
    }
}
