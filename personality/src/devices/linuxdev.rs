//! `#L`: Linux's /dev. The character devices (null, zero, full, random,
//! urandom, tty) are the host's own, opened when the guest opens them, so
//! their data path, ioctls and stat are exactly Linux's; stdin, stdout,
//! stderr and fd are the usual symlinks into /proc/self/fd.

use kernel::chan::{DevId, Getattr, Node};
use kernel::dev::{synth_dir, Device};
use kernel::error::{Error, Result};
use ninep::{Dir, Qid, DMDEVICE, DMDIR, DMSYMLINK, QTDIR, QTFILE, QTSYMLINK};
use std::any::Any;
use std::fs::File;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};

enum Entry {
    /// A host character device.
    Host(&'static str),
    Symlink(&'static str),
}

const ENTRIES: &[(&str, Entry)] = &[
    ("null", Entry::Host("/dev/null")),
    ("zero", Entry::Host("/dev/zero")),
    ("full", Entry::Host("/dev/full")),
    ("random", Entry::Host("/dev/random")),
    ("urandom", Entry::Host("/dev/urandom")),
    ("tty", Entry::Host("/dev/tty")),
    ("stdin", Entry::Symlink("/proc/self/fd/0")),
    ("stdout", Entry::Symlink("/proc/self/fd/1")),
    ("stderr", Entry::Symlink("/proc/self/fd/2")),
    ("fd", Entry::Symlink("/proc/self/fd")),
];

pub struct LinuxDev {
    id: DevId,
}

impl LinuxDev {
    pub fn new() -> LinuxDev {
        LinuxDev {
            id: DevId::new('L'),
        }
    }
}

impl Default for LinuxDev {
    fn default() -> Self {
        Self::new()
    }
}

impl Device for LinuxDev {
    fn id(&self) -> DevId {
        self.id
    }
    fn attach(&self) -> Result<Box<dyn Node>> {
        Ok(Box::new(LinuxNode {
            id: self.id,
            which: None,
            file: None,
        }))
    }
}

/// `which` None is the directory; Some(i) is `ENTRIES[i]`.
struct LinuxNode {
    id: DevId,
    which: Option<usize>,
    /// The host device, once opened.
    file: Option<File>,
}

fn host_error(e: std::io::Error) -> Error {
    kernel::error::from_host_errno(e.raw_os_error().unwrap_or(libc::EIO))
}

impl LinuxNode {
    fn entry(&self) -> Option<&'static (&'static str, Entry)> {
        self.which.map(|i| &ENTRIES[i])
    }

    fn dir_of(&self, which: Option<usize>) -> Dir {
        let Some(i) = which else {
            return synth_dir("dev", self.qid_of(None), DMDIR | 0o755, 0, self.id);
        };
        let (name, entry) = &ENTRIES[i];
        match entry {
            Entry::Symlink(target) => {
                let mut d = synth_dir(
                    name,
                    self.qid_of(which),
                    DMSYMLINK | 0o777,
                    target.len() as u64,
                    self.id,
                );
                d.extension = target.to_string();
                d
            }
            Entry::Host(path) => {
                let meta = std::fs::metadata(path).ok();
                let mode = meta.as_ref().map_or(0o666, |m| m.mode() & 0o777);
                let mut d = synth_dir(name, self.qid_of(which), DMDEVICE | mode, 0, self.id);
                let rdev = meta.map_or(0, |m| m.rdev());
                d.extension = format!("c {} {}", libc::major(rdev), libc::minor(rdev));
                d
            }
        }
    }

    fn qid_of(&self, which: Option<usize>) -> Qid {
        match which {
            None => Qid {
                qtype: QTDIR,
                version: 0,
                path: 0,
            },
            Some(i) => {
                let qtype = if matches!(ENTRIES[i].1, Entry::Symlink(_)) {
                    QTSYMLINK
                } else {
                    QTFILE
                };
                Qid {
                    qtype,
                    version: 0,
                    path: i as u64 + 1,
                }
            }
        }
    }
}

impl Node for LinuxNode {
    fn qid(&self) -> Qid {
        self.qid_of(self.which)
    }
    fn clone_node(&self) -> Result<Box<dyn Node>> {
        Ok(Box::new(LinuxNode {
            id: self.id,
            which: self.which,
            file: None,
        }))
    }
    fn walk1(&self, name: &str) -> Result<Box<dyn Node>> {
        if self.which.is_some() {
            return Err(kernel::error::ENOTDIR);
        }
        let i = ENTRIES
            .iter()
            .position(|(n, _)| *n == name)
            .ok_or(kernel::error::ENONEXIST)?;
        Ok(Box::new(LinuxNode {
            id: self.id,
            which: Some(i),
            file: None,
        }))
    }
    fn open(&mut self, mode: u32) -> Result<Qid> {
        match self.entry() {
            None if mode & 3 != 0 => Err(kernel::error::EISDIR),
            None => Ok(self.qid()),
            Some((_, Entry::Symlink(_))) => Err(kernel::error::ENONEXIST),
            Some((_, Entry::Host(path))) => {
                let (read, write) = match mode & 3 {
                    0 | 3 => (true, false),
                    1 => (false, true),
                    _ => (true, true),
                };
                let mut options = std::fs::OpenOptions::new();
                options.read(read).write(write);
                if mode & kernel::ONONBLOCK != 0 {
                    options.custom_flags(libc::O_NONBLOCK);
                }
                let file = options.open(path).map_err(host_error)?;
                self.file = Some(file);
                Ok(self.qid())
            }
        }
    }
    fn create(&mut self, _: &str, _: u32, _: u32, _: &str) -> Result<Qid> {
        Err(kernel::error::EPERM)
    }
    fn read(&self, buf: &mut [u8], off: u64) -> Result<usize> {
        let f = self.file.as_ref().ok_or(kernel::error::ENOTOPEN)?;
        // Character devices ignore the offset; read_at on them is a read.
        f.read_at(buf, off).map_err(host_error)
    }
    fn readdir(&self) -> Result<Vec<Dir>> {
        if self.which.is_some() {
            return Err(kernel::error::ENOTDIR);
        }
        Ok((0..ENTRIES.len()).map(|i| self.dir_of(Some(i))).collect())
    }
    fn write(&self, buf: &[u8], off: u64) -> Result<usize> {
        let f = self.file.as_ref().ok_or(kernel::error::ENOTOPEN)?;
        f.write_at(buf, off).map_err(host_error)
    }
    fn remove(&self) -> Result<()> {
        Err(kernel::error::EPERM)
    }
    fn stat(&self) -> Result<Dir> {
        Ok(self.dir_of(self.which))
    }
    fn wstat(&self, _: &Dir) -> Result<()> {
        Err(kernel::error::EPERM)
    }
    fn host_fd(&self) -> Option<BorrowedFd<'_>> {
        self.file.as_ref().map(|f| f.as_fd())
    }
    fn getattr(&self) -> Option<Getattr> {
        let Some((_, Entry::Host(path))) = self.entry() else {
            return None;
        };
        let m = std::fs::metadata(path).ok()?;
        Some(Getattr {
            nlink: 1,
            atime: (m.atime(), m.atime_nsec() as u32),
            mtime: (m.mtime(), m.mtime_nsec() as u32),
            ctime: (m.ctime(), m.ctime_nsec() as u32),
            rdev: (libc::major(m.rdev()), libc::minor(m.rdev())),
            blocks: 0,
            blksize: 4096,
            size: 0,
        })
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
