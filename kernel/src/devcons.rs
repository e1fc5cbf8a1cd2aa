//! `#c`: the cons-style device: `cons` (the ninux process's stdin and
//! stdout), `null`, `zero`, `random` (host getrandom) and `time` (9front
//! format: seconds, nanoseconds, clock ticks and tick frequency).

use std::any::Any;
use std::os::fd::BorrowedFd;
use std::time::{SystemTime, UNIX_EPOCH};

use ninep::{Dir, Qid, DMDIR, QTDIR, QTFILE};

use crate::chan::{DevId, Node};
use crate::dev::{synth_dir, Device};
use crate::error::*;

/// The files, by qid.path - 1.
pub const CONS_FILES: &[(&str, u32)] = &[
    ("cons", 0o660),
    ("null", 0o666),
    ("zero", 0o444),
    ("random", 0o444),
    ("time", 0o664),
];

pub struct ConsDev {
    id: DevId,
}

impl ConsDev {
    pub fn new() -> ConsDev {
        ConsDev {
            id: DevId::new('c'),
        }
    }
}

impl Default for ConsDev {
    fn default() -> Self {
        Self::new()
    }
}

impl Device for ConsDev {
    fn id(&self) -> DevId {
        self.id
    }
    fn attach(&self) -> Result<Box<dyn Node>> {
        Ok(Box::new(ConsNode {
            id: self.id,
            file: 0,
            mode: None,
        }))
    }
}

/// `file` 0 is the directory; i+1 is `CONS_FILES[i]`.
struct ConsNode {
    id: DevId,
    file: usize,
    mode: Option<u32>,
}

impl ConsNode {
    fn dir(&self, file: usize) -> Dir {
        if file == 0 {
            return synth_dir(
                "/",
                Qid {
                    qtype: QTDIR,
                    version: 0,
                    path: 0,
                },
                DMDIR | 0o555,
                0,
                self.id,
            );
        }
        let (name, perm) = CONS_FILES[file - 1];
        synth_dir(
            name,
            Qid {
                qtype: QTFILE,
                version: 0,
                path: file as u64,
            },
            perm,
            0,
            self.id,
        )
    }
    fn name(&self) -> &'static str {
        if self.file == 0 {
            "/"
        } else {
            CONS_FILES[self.file - 1].0
        }
    }
}

fn now() -> (u64, u32) {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    (d.as_secs(), d.subsec_nanos())
}

impl Node for ConsNode {
    fn qid(&self) -> Qid {
        self.dir(self.file).qid
    }
    fn clone_node(&self) -> Result<Box<dyn Node>> {
        Ok(Box::new(ConsNode {
            id: self.id,
            file: self.file,
            mode: None,
        }))
    }
    fn walk1(&self, name: &str) -> Result<Box<dyn Node>> {
        if self.file != 0 {
            return Err(ENOTDIR);
        }
        let i = CONS_FILES
            .iter()
            .position(|f| f.0 == name)
            .ok_or(ENONEXIST)?;
        Ok(Box::new(ConsNode {
            id: self.id,
            file: i + 1,
            mode: None,
        }))
    }
    fn open(&mut self, mode: u32) -> Result<Qid> {
        if self.file == 0 && mode & 3 != 0 {
            return Err(EISDIR);
        }
        self.mode = Some(mode);
        Ok(self.qid())
    }
    fn create(&mut self, _: &str, _: u32, _: u32, _: &str) -> Result<Qid> {
        Err(EPERM)
    }
    fn read(&self, buf: &mut [u8], off: u64) -> Result<usize> {
        match self.name() {
            "cons" => Ok(rustix::io::read(rustix::stdio::stdin(), buf)?),
            "null" => Ok(0),
            "zero" => {
                buf.fill(0);
                Ok(buf.len())
            }
            "random" => Ok(rustix::rand::getrandom(
                buf,
                rustix::rand::GetRandomFlags::empty(),
            )?),
            "time" => {
                let (s, ns) = now();
                let nsec = s as u128 * 1_000_000_000 + ns as u128;
                let text = format!(
                    "{:>11} {:>21} {:>21} {:>21} ",
                    s, nsec, nsec, 1_000_000_000u64
                );
                let b = text.as_bytes();
                let off = (off as usize).min(b.len());
                let n = buf.len().min(b.len() - off);
                buf[..n].copy_from_slice(&b[off..off + n]);
                Ok(n)
            }
            _ => Err(EISDIR),
        }
    }
    fn readdir(&self) -> Result<Vec<Dir>> {
        Ok((1..=CONS_FILES.len()).map(|i| self.dir(i)).collect())
    }
    fn write(&self, buf: &[u8], _off: u64) -> Result<usize> {
        match self.name() {
            "cons" => Ok(rustix::io::write(rustix::stdio::stdout(), buf)?),
            "null" | "zero" | "random" => Ok(buf.len()),
            _ => Err(EPERM),
        }
    }
    fn remove(&self) -> Result<()> {
        Err(EPERM)
    }
    fn stat(&self) -> Result<Dir> {
        Ok(self.dir(self.file))
    }
    fn wstat(&self, _: &Dir) -> Result<()> {
        Err(EPERM)
    }
    fn host_fd(&self) -> Option<BorrowedFd<'_>> {
        // cons is the ninux process's own stdio: pass it through.
        match (self.name(), self.mode.map(|m| m & 3)) {
            ("cons", Some(0)) => Some(rustix::stdio::stdin()),
            ("cons", Some(1)) => Some(rustix::stdio::stdout()),
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

    #[test]
    fn null_zero_random_time() {
        let root = ConsDev::new().attach().unwrap();
        let mut buf = [7u8; 32];
        let mut z = root.walk1("zero").unwrap();
        z.open(0).unwrap();
        assert_eq!(z.read(&mut buf, 0).unwrap(), 32);
        assert_eq!(buf, [0u8; 32]);
        let mut n = root.walk1("null").unwrap();
        n.open(2).unwrap();
        assert_eq!(n.read(&mut buf, 0).unwrap(), 0);
        assert_eq!(n.write(b"gone", 0).unwrap(), 4);
        let mut r = root.walk1("random").unwrap();
        r.open(0).unwrap();
        assert_eq!(r.read(&mut buf, 0).unwrap(), 32);
        let mut t = root.walk1("time").unwrap();
        t.open(0).unwrap();
        let k = t.read(&mut buf, 0).unwrap();
        let secs: u64 = std::str::from_utf8(&buf[..k])
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(secs > 1_600_000_000);
        assert_eq!(root.readdir().unwrap().len(), CONS_FILES.len());
        assert!(root.walk1("nope").is_err());
    }
}
