//! `#e`: environment variables as files, one per variable, shared by every
//! chan of the device instance (9front's environment group). Created from
//! the ninux process's environment on first attach; writes do not reach the
//! host environment.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use ninep::{Dir, Qid, DMDIR, OTRUNC, QTDIR, QTFILE};

use crate::chan::{DevId, Node};
use crate::dev::{synth_dir, Device};
use crate::error::*;

type Vars = Arc<RwLock<BTreeMap<String, Vec<u8>>>>;

pub struct EnvDev {
    id: DevId,
    vars: Vars,
}

impl EnvDev {
    /// An environment holding the ninux process's own.
    pub fn from_host() -> EnvDev {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_encoded_bytes())))
            .collect();
        EnvDev {
            id: DevId::new('e'),
            vars: Arc::new(RwLock::new(vars)),
        }
    }
    pub fn empty() -> EnvDev {
        EnvDev {
            id: DevId::new('e'),
            vars: Arc::default(),
        }
    }
}

impl Device for EnvDev {
    fn id(&self) -> DevId {
        self.id
    }
    fn attach(&self) -> Result<Box<dyn Node>> {
        Ok(Box::new(EnvNode {
            id: self.id,
            vars: self.vars.clone(),
            name: None,
        }))
    }
}

struct EnvNode {
    id: DevId,
    vars: Vars,
    /// None for the directory.
    name: Option<String>,
}

/// A stable qid.path per name (FNV-1a), so a variable keeps its identity.
fn qpath(name: &str) -> u64 {
    name.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    }) | 1
}

impl EnvNode {
    fn dir_of(&self, name: &str, len: u64) -> Dir {
        synth_dir(
            name,
            Qid {
                qtype: QTFILE,
                version: 0,
                path: qpath(name),
            },
            0o664,
            len,
            self.id,
        )
    }
    fn var(&self) -> Result<&str> {
        self.name.as_deref().ok_or(EISDIR)
    }
}

impl Node for EnvNode {
    fn qid(&self) -> Qid {
        match &self.name {
            None => Qid {
                qtype: QTDIR,
                version: 0,
                path: 0,
            },
            Some(n) => Qid {
                qtype: QTFILE,
                version: 0,
                path: qpath(n),
            },
        }
    }
    fn clone_node(&self) -> Result<Box<dyn Node>> {
        Ok(Box::new(EnvNode {
            id: self.id,
            vars: self.vars.clone(),
            name: self.name.clone(),
        }))
    }
    fn walk1(&self, name: &str) -> Result<Box<dyn Node>> {
        if self.name.is_some() {
            return Err(ENOTDIR);
        }
        if !self.vars.read().unwrap().contains_key(name) {
            return Err(ENONEXIST);
        }
        Ok(Box::new(EnvNode {
            id: self.id,
            vars: self.vars.clone(),
            name: Some(name.into()),
        }))
    }
    fn open(&mut self, mode: u32) -> Result<Qid> {
        if let Some(n) = &self.name {
            if mode & OTRUNC as u32 != 0 {
                if let Some(v) = self.vars.write().unwrap().get_mut(n) {
                    v.clear();
                }
            }
        } else if mode & 3 != 0 {
            return Err(EISDIR);
        }
        Ok(self.qid())
    }
    fn create(&mut self, name: &str, perm: u32, _mode: u32, _ext: &str) -> Result<Qid> {
        if self.name.is_some() {
            return Err(ENOTDIR);
        }
        if perm & DMDIR != 0 || name.is_empty() || name.contains('/') {
            return Err(EPERM);
        }
        let mut vars = self.vars.write().unwrap();
        if vars.contains_key(name) {
            return Err(EEXIST);
        }
        vars.insert(name.into(), Vec::new());
        self.name = Some(name.into());
        Ok(self.qid())
    }
    fn read(&self, buf: &mut [u8], off: u64) -> Result<usize> {
        let vars = self.vars.read().unwrap();
        let v = vars.get(self.var()?).ok_or(ENONEXIST)?;
        let off = (off as usize).min(v.len());
        let n = buf.len().min(v.len() - off);
        buf[..n].copy_from_slice(&v[off..off + n]);
        Ok(n)
    }
    fn readdir(&self) -> Result<Vec<Dir>> {
        let vars = self.vars.read().unwrap();
        Ok(vars
            .iter()
            .map(|(k, v)| self.dir_of(k, v.len() as u64))
            .collect())
    }
    fn write(&self, buf: &[u8], off: u64) -> Result<usize> {
        let mut vars = self.vars.write().unwrap();
        let v = vars.get_mut(self.var()?).ok_or(ENONEXIST)?;
        let end = off as usize + buf.len();
        if v.len() < end {
            v.resize(end, 0);
        }
        v[off as usize..end].copy_from_slice(buf);
        Ok(buf.len())
    }
    fn remove(&self) -> Result<()> {
        let name = self.var().map_err(|_| EPERM)?;
        self.vars
            .write()
            .unwrap()
            .remove(name)
            .map(|_| ())
            .ok_or(ENONEXIST)
    }
    fn stat(&self) -> Result<Dir> {
        match &self.name {
            None => Ok(synth_dir("/", self.qid(), DMDIR | 0o775, 0, self.id)),
            Some(n) => {
                let len = self
                    .vars
                    .read()
                    .unwrap()
                    .get(n)
                    .map(|v| v.len())
                    .ok_or(ENONEXIST)?;
                Ok(self.dir_of(n, len as u64))
            }
        }
    }
    fn wstat(&self, d: &Dir) -> Result<()> {
        let name = self.var()?;
        let mut vars = self.vars.write().unwrap();
        if d.length != !0 {
            vars.get_mut(name)
                .ok_or(ENONEXIST)?
                .resize(d.length as usize, 0);
        }
        if !d.name.is_empty() && d.name != name {
            // wstat cannot change which name this fid holds (&self); a rename
            // of an env variable is rare enough to refuse.
            return Err(EPERM);
        }
        Ok(())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_write_read_remove() {
        let dev = EnvDev::empty();
        let mut root = dev.attach().unwrap();
        root.create("HOME", 0o664, 2, "").unwrap();
        root.write(b"/home/glenda", 0).unwrap();
        let root2 = dev.attach().unwrap();
        let mut f = root2.walk1("HOME").unwrap();
        f.open(0).unwrap();
        let mut buf = [0u8; 64];
        let n = f.read(&mut buf, 0).unwrap();
        assert_eq!(&buf[..n], b"/home/glenda");
        assert_eq!(root2.readdir().unwrap()[0].name, "HOME");
        f.remove().unwrap();
        assert!(root2.walk1("HOME").is_err());
    }
}
