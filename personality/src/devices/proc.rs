//! `#P`: Linux's /proc, synthesized. The process ninux serves here (this
//! host process: guest pids are host pids) gets its own view, made from the
//! personality's state ([`super::procpid`]); every other pid, and the
//! system-wide files (cpuinfo, meminfo, uptime, …), are the host's, read
//! through when opened. Files are read-only, stat with size 0 like procfs,
//! and number their inodes by path so they stay stable across walks.
//!
//! The device is bound before (MBEFORE) the root's /proc, so with the host's
//! `/` as root the names it does not have (swaps, partitions, …) still show
//! the host's.
//!
//! Known divergences: another ninux-run process seen from here is the host's
//! view of it (its cmdline is ninux's own command line, its exe is ninux).
//! /proc/PID/fd entries of this process are symlinks here; the personality
//! makes them Linux's magic links when it resolves a path
//! ([`crate::fs::path::magic_fd`]): open and stat reach the fd's own file.

use super::procpid;
use kernel::chan::{DevId, Node};
use kernel::dev::{synth_dir, Device};
use kernel::error::{Error, Result, EISDIR, ENONEXIST, ENOTDIR, ENOTOPEN, EPERM};
use ninep::{Dir, Qid, DMDIR, DMSYMLINK, QTDIR, QTFILE, QTSYMLINK};
use std::any::Any;
use std::fs::File;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::PathBuf;

/// System-wide files that are the host's.
const HOST_FILES: &[&str] = &[
    "cpuinfo",
    "meminfo",
    "uptime",
    "loadavg",
    "version",
    "stat",
    "filesystems",
];

/// The /proc/sys files given (the host's values): (directory, names).
const SYS_FILES: &[(&str, &[&str])] = &[
    ("kernel", &["ostype", "osrelease", "hostname", "pid_max"]),
    ("vm", &["overcommit_memory"]),
];

/// What a path inside the device names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entry {
    /// A synthesized directory (its names come from [`children`]).
    Dir,
    Link(String),
    /// A synthesized file, generated when opened.
    File,
    /// A host file, directory or symlink, read through.
    Host(PathBuf),
}

/// This process's pid (after fork, the child's).
pub(crate) fn own_pid() -> u32 {
    std::process::id()
}

fn host_error(e: std::io::Error) -> Error {
    kernel::error::from_host_errno(e.raw_os_error().unwrap_or(libc::EIO))
}

/// A host path that exists (not followed if a symlink), as an entry.
pub(crate) fn host_entry(path: PathBuf) -> Result<Entry> {
    std::fs::symlink_metadata(&path).map_err(host_error)?;
    Ok(Entry::Host(path))
}

fn parse_pid(name: &str) -> Option<u32> {
    if name.is_empty() || name.starts_with('0') || !name.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    name.parse().ok()
}

/// Classifies a path (its names below /proc).
pub(crate) fn lookup(names: &[&str]) -> Result<Entry> {
    match names {
        [] | ["sys"] => Ok(Entry::Dir),
        ["self"] => Ok(Entry::Link(own_pid().to_string())),
        ["thread-self"] => Ok(Entry::Link(format!(
            "{}/task/{}",
            own_pid(),
            platform::gettid()
        ))),
        ["mounts"] => Ok(Entry::Link("self/mounts".into())),
        [name] if HOST_FILES.contains(name) => host_entry(format!("/proc/{name}").into()),
        ["sys", dir, rest @ ..] => {
            let (_, files) = SYS_FILES.iter().find(|(d, _)| d == dir).ok_or(ENONEXIST)?;
            match rest {
                [] => Ok(Entry::Dir),
                [f] if files.contains(f) => host_entry(format!("/proc/sys/{dir}/{f}").into()),
                _ => Err(ENONEXIST),
            }
        }
        [pid, rest @ ..] => {
            let pid = parse_pid(pid).ok_or(ENONEXIST)?;
            if procpid::is_ours(pid) {
                return procpid::lookup(pid, rest);
            }
            let mut path = PathBuf::from(format!("/proc/{pid}"));
            path.extend(rest);
            host_entry(path)
        }
    }
}

/// The names in a synthesized directory.
pub(crate) fn children(names: &[&str]) -> Vec<String> {
    match names {
        [] => {
            let mut v: Vec<String> = ["self", "thread-self", "mounts", "sys"]
                .iter()
                .chain(HOST_FILES)
                .map(|s| s.to_string())
                .collect();
            // The live host processes, as Linux lists them (threads not).
            let mut pids: Vec<u32> = std::fs::read_dir("/proc")
                .map(|rd| {
                    rd.flatten()
                        .filter_map(|e| parse_pid(e.file_name().to_str()?))
                        .collect()
                })
                .unwrap_or_default();
            pids.sort_unstable();
            v.extend(pids.iter().map(|p| p.to_string()));
            v
        }
        ["sys"] => SYS_FILES.iter().map(|(d, _)| d.to_string()).collect(),
        ["sys", dir] => SYS_FILES
            .iter()
            .find(|(d, _)| d == dir)
            .map(|(_, f)| f.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default(),
        [pid, rest @ ..] => parse_pid(pid)
            .map(|p| procpid::children(p, rest))
            .unwrap_or_default(),
    }
}

/// A stable, non-zero inode number for a path (FNV-1a, folded to 32 bits:
/// procfs inode numbers are small, and so some programs expect them).
fn path_ino(path: &str) -> u64 {
    let h = path.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    });
    u64::from((h ^ (h >> 32)) as u32).max(1)
}

pub struct ProcDev {
    id: DevId,
}

impl ProcDev {
    pub fn new() -> ProcDev {
        ProcDev {
            id: DevId::new('P'),
        }
    }
}

impl Default for ProcDev {
    fn default() -> Self {
        Self::new()
    }
}

impl Device for ProcDev {
    fn id(&self) -> DevId {
        self.id
    }
    fn attach(&self) -> Result<Box<dyn Node>> {
        Ok(Box::new(ProcNode::new(self.id, String::new(), Entry::Dir)))
    }
}

/// What an open file reads from.
enum Opened {
    Bytes(Vec<u8>),
    Host(File),
}

/// A fid: `path` is the names below /proc joined by `/` ("" is the root).
struct ProcNode {
    id: DevId,
    path: String,
    entry: Entry,
    opened: Option<Opened>,
}

impl ProcNode {
    fn new(id: DevId, path: String, entry: Entry) -> ProcNode {
        ProcNode {
            id,
            path,
            entry,
            opened: None,
        }
    }

    fn names(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }

    fn qid_of(path: &str, entry: &Entry) -> Qid {
        let qtype = match entry {
            Entry::Dir => QTDIR,
            Entry::Link(_) => QTSYMLINK,
            Entry::File => QTFILE,
            Entry::Host(p) => match std::fs::symlink_metadata(p) {
                Ok(m) if m.is_dir() => QTDIR,
                Ok(m) if m.file_type().is_symlink() => QTSYMLINK,
                _ => QTFILE,
            },
        };
        Qid {
            qtype,
            version: 0,
            path: path_ino(path),
        }
    }

    fn dir_of(&self, path: &str, entry: &Entry) -> Dir {
        let name = match path.rsplit_once('/') {
            Some((_, n)) => n,
            None if path.is_empty() => "proc",
            None => path,
        };
        let qid = Self::qid_of(path, entry);
        let (mode, target) = match entry {
            Entry::Dir => (DMDIR | 0o555, String::new()),
            Entry::Link(t) => (
                DMSYMLINK | procpid::fd_link_mode(path).unwrap_or(0o777),
                t.clone(),
            ),
            Entry::File => (procpid::file_mode(name), String::new()),
            Entry::Host(p) => match std::fs::symlink_metadata(p) {
                Ok(m) if m.is_dir() => (DMDIR | (m.mode() & 0o777), String::new()),
                Ok(m) if m.file_type().is_symlink() => {
                    let t = std::fs::read_link(p).unwrap_or_default();
                    (DMSYMLINK | 0o777, t.to_string_lossy().into_owned())
                }
                Ok(m) => (m.mode() & 0o777, String::new()),
                Err(_) => (0o444, String::new()),
            },
        };
        // procfs reports size 0 for files and for the links it makes up,
        // but 64 for an fd's; `mounts` is a plain symlink, its target's.
        let size = match entry {
            Entry::Link(_) if path == "mounts" => target.len() as u64,
            Entry::Link(_) if mode & 0o777 != 0o777 => 64,
            Entry::Link(_) => 0,
            _ => target.len() as u64,
        };
        let mut d = synth_dir(name, qid, mode, size, self.id);
        d.extension = target;
        let owner = match entry {
            Entry::Host(p) => std::fs::symlink_metadata(p).ok(),
            _ => std::fs::metadata("/proc/self").ok(),
        };
        if let Some(m) = owner {
            d.n_uid = m.uid();
            d.n_gid = m.gid();
            d.mtime = m.mtime().max(0) as u32;
            d.atime = d.mtime;
        }
        d
    }

    fn child_path(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_string()
        } else {
            format!("{}/{name}", self.path)
        }
    }
}

impl Node for ProcNode {
    fn qid(&self) -> Qid {
        Self::qid_of(&self.path, &self.entry)
    }
    fn clone_node(&self) -> Result<Box<dyn Node>> {
        Ok(Box::new(ProcNode::new(
            self.id,
            self.path.clone(),
            self.entry.clone(),
        )))
    }
    fn walk1(&self, name: &str) -> Result<Box<dyn Node>> {
        match &self.entry {
            Entry::Dir => {}
            Entry::Host(p) if p.is_dir() && !p.is_symlink() => {}
            _ => return Err(ENOTDIR),
        }
        let path = self.child_path(name);
        let names: Vec<&str> = path.split('/').collect();
        let entry = lookup(&names)?;
        Ok(Box::new(ProcNode::new(self.id, path, entry)))
    }
    fn open(&mut self, mode: u32) -> Result<Qid> {
        let qid = self.qid();
        if mode & 3 != 0 && mode & 3 != 3 {
            // Linux: EISDIR for directories, EACCES for read-only files.
            return Err(if qid.is_dir() { EISDIR } else { EPERM });
        }
        self.opened = match &self.entry {
            Entry::Dir => None,
            Entry::Link(_) => return Err(ENONEXIST),
            Entry::File => Some(Opened::Bytes(procpid::generate(&self.names())?)),
            Entry::Host(_) if qid.is_dir() => None,
            Entry::Host(p) => Some(Opened::Host(File::open(p).map_err(host_error)?)),
        };
        Ok(qid)
    }
    fn create(&mut self, _: &str, _: u32, _: u32, _: &str) -> Result<Qid> {
        Err(EPERM)
    }
    fn read(&self, buf: &mut [u8], off: u64) -> Result<usize> {
        match self.opened.as_ref().ok_or(ENOTOPEN)? {
            Opened::Bytes(b) => {
                let start = usize::try_from(off).unwrap_or(usize::MAX).min(b.len());
                let n = buf.len().min(b.len() - start);
                buf[..n].copy_from_slice(&b[start..start + n]);
                Ok(n)
            }
            Opened::Host(f) => f.read_at(buf, off).map_err(host_error),
        }
    }
    fn readdir(&self) -> Result<Vec<Dir>> {
        let names: Vec<String> = match &self.entry {
            Entry::Dir => children(&self.names()),
            Entry::Host(p) => {
                let mut v: Vec<String> = std::fs::read_dir(p)
                    .map_err(host_error)?
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect();
                v.sort();
                v
            }
            _ => return Err(ENOTDIR),
        };
        Ok(names
            .iter()
            .filter_map(|n| {
                let path = self.child_path(n);
                let entry = lookup(&path.split('/').collect::<Vec<_>>()).ok()?;
                Some(self.dir_of(&path, &entry))
            })
            .collect())
    }
    fn write(&self, _: &[u8], _: u64) -> Result<usize> {
        Err(EPERM)
    }
    fn remove(&self) -> Result<()> {
        Err(EPERM)
    }
    fn stat(&self) -> Result<Dir> {
        Ok(self.dir_of(&self.path, &self.entry))
    }
    /// procfs files occupy no blocks, whatever size they report.
    fn getattr(&self) -> Option<kernel::Getattr> {
        let d = self.dir_of(&self.path, &self.entry);
        let t = (d.mtime as i64, 0);
        Some(kernel::Getattr {
            nlink: if d.qid.is_dir() { 2 } else { 1 },
            atime: (d.atime as i64, 0),
            mtime: t,
            ctime: t,
            rdev: (0, 0),
            blocks: 0,
            blksize: 1024,
            size: d.length,
        })
    }
    fn wstat(&self, _: &Dir) -> Result<()> {
        Err(EPERM)
    }
    fn host_fd(&self) -> Option<BorrowedFd<'_>> {
        // Host files read straight from the host (mem, pagemap, and the
        // system-wide files regenerate per read as Linux's do).
        match &self.opened {
            Some(Opened::Host(f)) => Some(f.as_fd()),
            _ => None,
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(path: &str) -> Result<Box<dyn Node>> {
        let mut n: Box<dyn Node> = ProcDev::new().attach()?;
        for name in path.split('/').filter(|s| !s.is_empty()) {
            n = n.walk1(name)?;
        }
        Ok(n)
    }

    fn read_all(path: &str) -> String {
        let mut n = node(path).unwrap();
        n.open(0).unwrap();
        let mut out = Vec::new();
        let mut buf = [0u8; 512];
        loop {
            let k = n.read(&mut buf, out.len() as u64).unwrap();
            if k == 0 {
                break;
            }
            out.extend_from_slice(&buf[..k]);
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn self_links_to_our_pid() {
        let d = node("self").unwrap().stat().unwrap();
        assert_eq!(d.extension, std::process::id().to_string());
        assert!(node("thread-self")
            .unwrap()
            .stat()
            .unwrap()
            .extension
            .contains("/task/"));
    }

    #[test]
    fn root_lists_names_and_pids() {
        let mut n = node("").unwrap();
        n.open(0).unwrap();
        let names: Vec<String> = n.readdir().unwrap().into_iter().map(|d| d.name).collect();
        for want in ["self", "cpuinfo", "sys", &std::process::id().to_string()] {
            assert!(names.iter().any(|n| n == want), "{want} missing");
        }
    }

    #[test]
    fn host_files_read_through() {
        assert_eq!(read_all("sys/kernel/ostype"), "Linux\n");
        assert!(read_all("cpuinfo").contains("processor"));
        assert!(node("sys/kernel/nonesuch").is_err());
        assert!(node("nonesuch").is_err());
    }

    #[test]
    fn read_only_and_stable_inodes() {
        let mut n = node("version").unwrap();
        assert_eq!(n.open(1).unwrap_err(), EPERM);
        assert_eq!(
            node("version").unwrap().qid(),
            node("version").unwrap().qid()
        );
        assert_ne!(
            node("version").unwrap().qid(),
            node("uptime").unwrap().qid()
        );
        assert_eq!(node("version").unwrap().stat().unwrap().length, 0);
    }

    #[test]
    fn other_pids_are_the_hosts() {
        // pid 1 always exists and is never ours.
        let n = node("1").unwrap();
        assert!(n.qid().is_dir());
        assert!(node("1/stat").is_ok());
        assert!(node("999999999").is_err());
    }
}
