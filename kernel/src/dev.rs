//! Devices by `#` name, and the root device `#/`.
//!
//! A name is `#` + a type character + a spec or a path inside the device:
//!
//! | name | device |
//! |---|---|
//! | `#/` | the root: empty directories `dev env mnt n net proc srv sys` to mount on |
//! | `#c` | cons-style: `cons null zero random time` ([`crate::devcons`]) |
//! | `#e` | environment variables as files ([`crate::devenv`]) |
//! | `#Z/host/dir` | the host directory `/host/dir`, confined below it ([`crate::devhost`]) |
//! | `#T/host/root.tar[.gz]` | a rootfs tar, read-only ([`crate::devtar`]) |
//! | `#I`, `#Iloopback` | the network, 9front's ip(3) over host sockets ([`crate::devip`]) |
//! | `#W/host/upper:LOWER` | copy-on-write: writable host dir `/host/upper` over the device `LOWER` (itself `#Z…` or `#T…`) ([`crate::devcow`]) |
//!
//! For `#Z`, `#T` and `#W` everything after the type character is the spec,
//! so `#Z/home/me` is a device rooted at `/home/me` (nothing above it can be
//! reached through it). For the others the rest is a path inside the device
//! (`#c/null`). Attaching the same name twice gives the same device instance
//! (the same device number), so mount points on it stay mount points.

use std::any::Any;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use ninep::{Dir, Qid, DMDIR, QTDIR};

use crate::chan::{Chan, DevId, Node};
use crate::error::*;

/// A device instance: attach gives a fid for its root.
pub trait Device: Send + Sync {
    fn id(&self) -> DevId;
    fn attach(&self) -> Result<Box<dyn Node>>;
}

type Registry = Mutex<HashMap<String, Arc<dyn Device>>>;

fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Installs a device under a `#` name (the personality's synthesized `/proc`
/// and `/dev`, tests). Replaces an earlier one of the same name.
pub fn install(name: &str, dev: Arc<dyn Device>) {
    registry().lock().unwrap().insert(name.into(), dev);
}

/// Holds the device registry while the caller forks the host process, so
/// the child cannot inherit it locked by a thread that does not exist there.
pub fn fork_guard() -> impl Drop {
    registry().lock().unwrap()
}

/// The `#Z` spec prefix of a read-only host directory (`#Zro:/dir`).
pub const READONLY: &str = "ro:";

/// Splits `#Xrest` into (registry key, path inside the device).
fn parse(name: &str) -> Result<(char, String, String)> {
    let mut it = name.strip_prefix('#').ok_or(EBADSHARP)?.chars();
    let typ = it.next().ok_or(EBADSHARP)?;
    let rest: String = it.collect();
    Ok(match typ {
        'Z' | 'T' => {
            // `#Zro:/dir`: the host directory, read-only.
            let (ro, path) = match rest.strip_prefix(READONLY) {
                Some(p) if typ == 'Z' => (READONLY, p),
                _ => ("", rest.as_str()),
            };
            let spec = if path.is_empty() {
                "/".into()
            } else {
                crate::namespace::cleanname(path)
            };
            (typ, format!("{ro}{spec}"), String::new())
        }
        // `#Wupper:#lower`: both halves in the form their own keys take, so
        // `#W/up:#Z/` and `#W/up:#Z` (a walked name, cleaned) are one device.
        'W' => match rest.split_once(":#") {
            Some((up, low)) => {
                let (ltyp, lspec, _) = parse(&format!("#{low}"))?;
                let up = crate::namespace::cleanname(up);
                (typ, format!("{up}:#{ltyp}{lspec}"), String::new())
            }
            None => (typ, rest, String::new()),
        },
        // `#Iloopback/tcp`: a spec before the first `/`.
        'I' => match rest.split_once('/') {
            Some((spec, path)) => (typ, spec.into(), format!("/{path}")),
            None => (typ, rest, String::new()),
        },
        _ => (typ, String::new(), rest),
    })
}

/// The device named `name` (`#Z/home`, `#c`, …), made on first use.
pub fn device(name: &str) -> Result<(Arc<dyn Device>, String, String)> {
    let (typ, spec, rest) = parse(name)?;
    let key = format!("#{typ}{spec}");
    if let Some(d) = registry().lock().unwrap().get(&key) {
        return Ok((d.clone(), key, rest));
    }
    // Made outside the lock: opening a tar may index it for a while.
    let d: Arc<dyn Device> = match typ {
        '/' => Arc::new(RootDev::new()),
        'c' => Arc::new(crate::devcons::ConsDev::new()),
        'e' => Arc::new(crate::devenv::EnvDev::from_host()),
        'Z' => {
            let (ro, path) = match spec.strip_prefix(READONLY) {
                Some(p) => (true, p),
                None => (false, spec.as_str()),
            };
            Arc::new(crate::devhost::HostDev::with_mode(
                std::path::Path::new(path),
                ro,
            )?)
        }
        'T' => Arc::new(crate::devtar::TarDev::open(std::path::Path::new(&spec))?),
        'W' => Arc::new(crate::devcow::CowDev::from_spec(&spec)?),
        'I' => Arc::new(crate::devip::IpDev::new(&spec)?),
        _ => return Err(EBADSHARP),
    };
    let mut r = registry().lock().unwrap();
    let d = r.entry(key.clone()).or_insert(d).clone();
    Ok((d, key, rest))
}

/// Attaches the device named at the start of `name`; returns its root chan
/// (named by the device name) and the path left to walk inside it.
pub fn attach(name: &str) -> Result<(Chan, String)> {
    let (d, key, rest) = device(name)?;
    let mut c = Chan::attach(d.id(), d.attach()?);
    c.name = key;
    Ok((c, rest))
}

/// A stat record for a synthesized file.
pub fn synth_dir(name: &str, qid: Qid, mode: u32, length: u64, dev: DevId) -> Dir {
    Dir {
        typ: dev.typ as u16,
        dev: dev.dev,
        qid,
        mode,
        atime: 0,
        mtime: 0,
        length,
        name: name.into(),
        uid: "none".into(),
        gid: "none".into(),
        muid: "none".into(),
        extension: String::new(),
        n_uid: 0,
        n_gid: 0,
        n_muid: 0,
    }
}

/// `#/`: the directories other things are mounted on.
pub struct RootDev {
    id: DevId,
}

/// The root's directories, in listing order.
pub const ROOT_DIRS: &[&str] = &["dev", "env", "mnt", "n", "net", "proc", "srv", "sys"];

impl RootDev {
    pub fn new() -> RootDev {
        RootDev {
            id: DevId::new('/'),
        }
    }
}

impl Default for RootDev {
    fn default() -> Self {
        Self::new()
    }
}

impl Device for RootDev {
    fn id(&self) -> DevId {
        self.id
    }
    fn attach(&self) -> Result<Box<dyn Node>> {
        Ok(Box::new(RootNode {
            id: self.id,
            which: 0,
        }))
    }
}

/// `which` 0 is the root, i+1 is `ROOT_DIRS[i]`.
struct RootNode {
    id: DevId,
    which: usize,
}

impl RootNode {
    fn dir(&self, which: usize) -> Dir {
        let name = if which == 0 {
            "/"
        } else {
            ROOT_DIRS[which - 1]
        };
        let qid = Qid {
            qtype: QTDIR,
            version: 0,
            path: which as u64,
        };
        synth_dir(name, qid, DMDIR | 0o555, 0, self.id)
    }
}

impl Node for RootNode {
    fn qid(&self) -> Qid {
        Qid {
            qtype: QTDIR,
            version: 0,
            path: self.which as u64,
        }
    }
    fn clone_node(&self) -> Result<Box<dyn Node>> {
        Ok(Box::new(RootNode {
            id: self.id,
            which: self.which,
        }))
    }
    fn walk1(&self, name: &str) -> Result<Box<dyn Node>> {
        if self.which != 0 {
            return Err(ENONEXIST);
        }
        let i = ROOT_DIRS.iter().position(|d| *d == name).ok_or(ENONEXIST)?;
        Ok(Box::new(RootNode {
            id: self.id,
            which: i + 1,
        }))
    }
    fn open(&mut self, mode: u32) -> Result<Qid> {
        if mode & 3 != 0 {
            return Err(EPERM);
        }
        Ok(self.qid())
    }
    fn create(&mut self, _: &str, _: u32, _: u32, _: &str) -> Result<Qid> {
        Err(EPERM)
    }
    fn read(&self, _: &mut [u8], _: u64) -> Result<usize> {
        Err(EISDIR)
    }
    fn readdir(&self) -> Result<Vec<Dir>> {
        if self.which != 0 {
            return Ok(Vec::new());
        }
        Ok((1..=ROOT_DIRS.len()).map(|i| self.dir(i)).collect())
    }
    fn write(&self, _: &[u8], _: u64) -> Result<usize> {
        Err(EISDIR)
    }
    fn remove(&self) -> Result<()> {
        Err(EPERM)
    }
    fn stat(&self) -> Result<Dir> {
        Ok(self.dir(self.which))
    }
    fn wstat(&self, _: &Dir) -> Result<()> {
        Err(EPERM)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A walked device name is cleaned (`#Z/` loses its slash); it must
    /// still find the device the same name made before, or a run's root
    /// would get a second copy-on-write layer with caches of its own.
    #[test]
    fn one_device_per_name_however_written() {
        let t = tempfile::tempdir().unwrap();
        let up = t.path().join("up");
        let (a, _, _) = device(&format!("#W{}:#Z/", up.display())).unwrap();
        let (b, _, _) = device(&format!("#W{}/:#Z", up.display())).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        let (c, _, _) = device("#Z/").unwrap();
        let (d, _, _) = device("#Z").unwrap();
        assert!(Arc::ptr_eq(&c, &d));
    }
}
