//! The index of a rootfs tar: one record per file with its metadata and the
//! offset of its data in the (plain) tar, built once by reading the archive
//! and cached in a file so a later process (an exec) loads it cheaply.
//!
//! The cache lives in `$XDG_CACHE_HOME/ninux`, else `/tmp/ninux-cache`, named
//! by a hash of the tar's path, size and mtime; the key is stored inside too
//! and checked on load. A `.tar.gz` is decompressed once into the cache as a
//! plain tar, so reads can seek.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::cursor::Cursor;
use crate::error::*;
use crate::namespace::cleanname;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    File = 0,
    Dir = 1,
    Symlink = 2,
    Char = 3,
    Block = 4,
    Fifo = 5,
}

impl Kind {
    fn from_u8(b: u8) -> Option<Kind> {
        Some(match b {
            0 => Kind::File,
            1 => Kind::Dir,
            2 => Kind::Symlink,
            3 => Kind::Char,
            4 => Kind::Block,
            5 => Kind::Fifo,
            _ => return None,
        })
    }
}

/// One file of the archive. A hard link is an entry of its own (its name)
/// whose `ino` is the linked file's, sharing its data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub parent: u32,
    pub kind: Kind,
    /// Permission bits incl. setuid/setgid/sticky (unix form).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub mtime: u64,
    pub size: u64,
    /// Offset of the data in the plain tar.
    pub offset: u64,
    /// Symlink target.
    pub link: String,
    pub rdev: (u32, u32),
    /// The entry whose identity this shares (itself unless a hard link).
    pub ino: u32,
}

/// The whole index: entry 0 is the root directory.
pub struct TarIndex {
    pub entries: Vec<Entry>,
    /// Per directory entry: (name, child) sorted by name.
    pub children: HashMap<u32, Vec<(String, u32)>>,
    /// Number of names pointing at each ino (hard link count).
    pub nlink: HashMap<u32, u32>,
}

const MAGIC: &[u8; 8] = b"NNXTIDX1";

fn cache_dir() -> PathBuf {
    match std::env::var_os("XDG_CACHE_HOME") {
        Some(d) if !d.is_empty() => PathBuf::from(d).join("ninux"),
        _ => PathBuf::from("/tmp/ninux-cache"),
    }
}

/// The cache key of a file: path, size, mtime.
fn key_of(path: &Path) -> Result<String> {
    let md = std::fs::metadata(path).map_err(|e| Error::from(e).context(path.display()))?;
    Ok(format!(
        "{}\0{}\0{}.{}",
        path.display(),
        md.len(),
        md.mtime(),
        md.mtime_nsec()
    ))
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

/// Writes `f` to `dst` atomically (temp file + rename), so concurrent
/// processes never see a partial cache file.
fn write_atomic(dst: &Path, f: impl FnOnce(&mut File) -> Result<()>) -> Result<()> {
    let dir = dst.parent().unwrap_or(Path::new("/tmp"));
    std::fs::create_dir_all(dir).map_err(|e| Error::from(e).context(dir.display()))?;
    let mut t =
        tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::from(e).context(dir.display()))?;
    f(t.as_file_mut())?;
    t.persist(dst)
        .map_err(|e| Error::from(e.error).context(dst.display()))?;
    Ok(())
}

/// The plain tar to read `path` through: itself, or its decompressed copy in
/// the cache when it is gzip-compressed.
pub fn plain_tar(path: &Path) -> Result<PathBuf> {
    let ctx = |e: std::io::Error| Error::from(e).context(path.display());
    let mut magic = [0u8; 2];
    let mut f = File::open(path).map_err(ctx)?;
    let n = f.read(&mut magic).map_err(ctx)?;
    if n < 2 || magic != [0x1f, 0x8b] {
        return Ok(path.to_path_buf());
    }
    let key = key_of(path)?;
    let dst = cache_dir().join(format!("{:016x}.tar", fnv(&key)));
    if dst.exists() {
        return Ok(dst);
    }
    let f = File::open(path).map_err(ctx)?;
    write_atomic(&dst, |out| {
        let mut gz = flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 16, f));
        std::io::copy(&mut gz, out)
            .map_err(|e| Error::msg(format!("{}: bad gzip data: {e}", path.display())))?;
        Ok(())
    })?;
    Ok(dst)
}

impl TarIndex {
    /// The index of `tar` (a plain tar; `key_path` names the file the user
    /// gave, for the cache key): from the cache, else built and cached.
    pub fn load_or_build(tar: &Path, key_path: &Path) -> Result<TarIndex> {
        let key = key_of(key_path)?;
        let cache = cache_dir().join(format!("{:016x}.idx", fnv(&key)));
        if let Ok(bytes) = std::fs::read(&cache) {
            match decode(&bytes, &key) {
                Some(entries) => return Ok(TarIndex::from_entries(entries)),
                None => log::warn!(
                    "{}: stale or damaged tar index, rebuilding",
                    cache.display()
                ),
            }
        }
        let entries = build(tar)?;
        let bytes = encode(&entries, &key);
        if let Err(e) = write_atomic(&cache, |f| Ok(f.write_all(&bytes)?)) {
            // A read-only cache only costs time.
            log::warn!("cannot cache tar index: {e}");
        }
        Ok(TarIndex::from_entries(entries))
    }

    fn from_entries(entries: Vec<Entry>) -> TarIndex {
        let mut children: HashMap<u32, Vec<(String, u32)>> = HashMap::new();
        let mut nlink: HashMap<u32, u32> = HashMap::new();
        for (i, e) in entries.iter().enumerate().skip(1) {
            children
                .entry(e.parent)
                .or_default()
                .push((e.name.clone(), i as u32));
            *nlink.entry(e.ino).or_default() += 1;
        }
        for v in children.values_mut() {
            v.sort();
        }
        TarIndex {
            entries,
            children,
            nlink,
        }
    }

    pub fn lookup(&self, dir: u32, name: &str) -> Option<u32> {
        let v = self.children.get(&dir)?;
        v.binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()
            .map(|i| v[i].1)
    }
}

/// Reads the archive once and makes the entry list.
pub fn build(tar: &Path) -> Result<Vec<Entry>> {
    let name = tar.display();
    let bad = |e: std::io::Error| Error::msg(format!("{name}: bad tar: {e}"));
    let f = File::open(tar).map_err(|e| Error::from(e).context(&name))?;
    let mut ar = tar::Archive::new(f);
    let root = Entry {
        name: "/".into(),
        parent: 0,
        kind: Kind::Dir,
        mode: 0o755,
        uid: 0,
        gid: 0,
        mtime: 0,
        size: 0,
        offset: 0,
        link: String::new(),
        rdev: (0, 0),
        ino: 0,
    };
    let mut entries = vec![root];
    let mut by_path: HashMap<String, u32> = HashMap::new();
    by_path.insert(String::new(), 0);
    for ent in ar.entries_with_seek().map_err(bad)? {
        let ent = ent.map_err(bad)?;
        let h = ent.header();
        let raw = ent.path_bytes();
        let path = cleanname(&format!("/{}", String::from_utf8_lossy(&raw)));
        let rel = path.trim_start_matches('/').to_string();
        let et = h.entry_type();
        // Blank numeric fields (some writers leave uid, gid or mtime empty)
        // read as 0, as GNU tar reads them; a bad mode is an error.
        let mode = h.mode().map_err(bad)? & 0o7777;
        let link = ent
            .link_name_bytes()
            .map(|l| String::from_utf8_lossy(&l).into_owned())
            .unwrap_or_default();
        let mut e = Entry {
            name: rel.rsplit('/').next().unwrap_or("").to_string(),
            parent: 0,
            kind: Kind::File,
            mode,
            uid: h.uid().unwrap_or(0) as u32,
            gid: h.gid().unwrap_or(0) as u32,
            mtime: h.mtime().unwrap_or(0),
            size: 0,
            offset: 0,
            link: String::new(),
            rdev: (0, 0),
            ino: 0,
        };
        match et {
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
                e.size = ent.size();
                e.offset = ent.raw_file_position();
            }
            tar::EntryType::Directory => e.kind = Kind::Dir,
            tar::EntryType::Symlink => {
                e.kind = Kind::Symlink;
                e.link = link;
            }
            tar::EntryType::Link => {
                // A hard link names an earlier entry: share its identity.
                let target = cleanname(&format!("/{link}"));
                let Some(&t) = by_path.get(target.trim_start_matches('/')) else {
                    return Err(Error::msg(format!(
                        "{name}: hard link {rel} to missing {link}"
                    )));
                };
                let te = &entries[t as usize];
                if te.kind == Kind::Dir {
                    return Err(Error::msg(format!(
                        "{name}: hard link {rel} to directory {link}"
                    )));
                }
                e = Entry {
                    name: e.name,
                    ..te.clone()
                };
                e.ino = te.ino;
            }
            tar::EntryType::Char | tar::EntryType::Block => {
                e.kind = if et == tar::EntryType::Char {
                    Kind::Char
                } else {
                    Kind::Block
                };
                let maj = h.device_major().ok().flatten().unwrap_or(0);
                let min = h.device_minor().ok().flatten().unwrap_or(0);
                e.rdev = (maj, min);
            }
            tar::EntryType::Fifo => e.kind = Kind::Fifo,
            // PAX and GNU long-name headers are consumed by the tar crate;
            // anything else (volume labels…) has no file to show.
            _ => continue,
        }
        if rel.is_empty() {
            // "./" itself: the root's metadata.
            if e.kind == Kind::Dir {
                let r = &mut entries[0];
                (r.mode, r.uid, r.gid, r.mtime) = (e.mode, e.uid, e.gid, e.mtime);
            }
            continue;
        }
        // Parents a tar may leave implicit.
        let mut parent = 0u32;
        let mut prefix = String::new();
        let elems: Vec<&str> = rel.split('/').collect();
        for el in &elems[..elems.len() - 1] {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(el);
            parent = match by_path.get(&prefix) {
                Some(&p) if entries[p as usize].kind == Kind::Dir => p,
                _ => {
                    let i = entries.len() as u32;
                    let mut d = entries[0].clone();
                    (d.name, d.parent, d.ino, d.mode, d.mtime) =
                        (el.to_string(), parent, i, 0o755, 0);
                    entries.push(d);
                    by_path.insert(prefix.clone(), i);
                    i
                }
            };
        }
        e.parent = parent;
        match by_path.get(&rel).copied() {
            // A later entry for the same name wins, as when extracting; a
            // directory keeps its children.
            Some(old) => {
                if et != tar::EntryType::Link {
                    e.ino = old;
                }
                entries[old as usize] = e;
            }
            None => {
                let i = entries.len() as u32;
                if et != tar::EntryType::Link {
                    e.ino = i;
                }
                entries.push(e);
                by_path.insert(rel, i);
            }
        }
    }
    Ok(entries)
}

fn put_str(b: &mut Vec<u8>, s: &str) {
    b.extend_from_slice(&(s.len() as u32).to_le_bytes());
    b.extend_from_slice(s.as_bytes());
}

fn encode(entries: &[Entry], key: &str) -> Vec<u8> {
    let mut b = Vec::with_capacity(entries.len() * 64);
    b.extend_from_slice(MAGIC);
    put_str(&mut b, key);
    b.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    for e in entries {
        put_str(&mut b, &e.name);
        b.push(e.kind as u8);
        for v in [e.parent, e.mode, e.uid, e.gid, e.rdev.0, e.rdev.1, e.ino] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        for v in [e.mtime, e.size, e.offset] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        put_str(&mut b, &e.link);
    }
    b
}

/// A string as [`encode`] puts it: a `u32` length, then UTF-8.
fn get_str(c: &mut Cursor) -> Option<String> {
    let n = c.u32()? as usize;
    String::from_utf8(c.take(n)?.to_vec()).ok()
}

/// Decodes a cached index; `None` if it is for another key or damaged (every
/// length and index is checked, so a bad cache file is rebuilt, not trusted).
fn decode(bytes: &[u8], key: &str) -> Option<Vec<Entry>> {
    let mut c = Cursor::new(bytes);
    if c.take(8)? != MAGIC || get_str(&mut c)? != key {
        return None;
    }
    let n = c.u32()? as usize;
    if n == 0 || n > bytes.len() {
        return None;
    }
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let name = get_str(&mut c)?;
        let kind = Kind::from_u8(c.u8()?)?;
        let (parent, mode, uid, gid, maj, min, ino) = (
            c.u32()?,
            c.u32()?,
            c.u32()?,
            c.u32()?,
            c.u32()?,
            c.u32()?,
            c.u32()?,
        );
        let (mtime, size, offset) = (c.u64()?, c.u64()?, c.u64()?);
        let link = get_str(&mut c)?;
        if parent as usize >= n || ino as usize >= n {
            return None;
        }
        v.push(Entry {
            name,
            parent,
            kind,
            mode,
            uid,
            gid,
            mtime,
            size,
            offset,
            link,
            rdev: (maj, min),
            ino,
        });
    }
    c.is_empty().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_rejects_damage() {
        let e = vec![Entry {
            name: "/".into(),
            parent: 0,
            kind: Kind::Dir,
            mode: 0o755,
            uid: 0,
            gid: 0,
            mtime: 1,
            size: 0,
            offset: 0,
            link: String::new(),
            rdev: (0, 0),
            ino: 0,
        }];
        let b = encode(&e, "k");
        assert_eq!(decode(&b, "k"), Some(e));
        assert_eq!(decode(&b, "other"), None);
        for cut in 0..b.len() {
            assert_eq!(decode(&b[..cut], "k"), None);
        }
        let mut bad = b.clone();
        bad.push(0);
        assert_eq!(decode(&bad, "k"), None);
    }
}
