//! The mount driver: a 9P2000(.u) server as a device, through ninep's
//! multiplexing [`ninep::Client`]. Each [`Node`] is one fid of the
//! connection; dropping it clunks the fid. 9P2000.u symlinks arrive as
//! DMSYMLINK with the target in the stat extension, which the namespace
//! reports like any device's.
//!
//! A connection belongs to the process that dialed it: a forked child dials
//! its own and re-walks what it inherited (DESIGN.md).

use std::any::Any;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use ninep::{Client, Dir, Fid, Qid};

use crate::chan::{Chan, DevId, Node};
use crate::error::*;

struct Mnt {
    id: DevId,
    /// Always `Some` but in Drop.
    client: Option<Client>,
    /// The process that dialed. After a host fork the child shares the
    /// socket but not the reader thread: it must neither talk on the
    /// connection (the parent's reader would take the replies) nor shut it
    /// down.
    pid: rustix::process::Pid,
}

impl Mnt {
    fn client(&self) -> Result<&Client> {
        match &self.client {
            Some(c) if rustix::process::getpid() == self.pid => Ok(c),
            _ => Err(EHUNGUP),
        }
    }
}

impl Drop for Mnt {
    fn drop(&mut self) {
        if rustix::process::getpid() != self.pid {
            // Leaked on purpose in a forked child: dropping the Client would
            // shut down the socket the parent still uses.
            std::mem::forget(self.client.take());
        }
    }
}

fn err(e: ninep::Error) -> Error {
    match e {
        ninep::Error::Remote { ename, .. } => Error::msg(ename),
        // A host socket error keeps its errno through the table.
        ninep::Error::Io(e) => Error::from(e),
        e => Error::msg(e.ename()),
    }
}

/// Dials `addr` (`tcp!HOST!PORT`, `unix!PATH`), attaches to tree `spec` and
/// returns the root chan, ready for [`crate::Namespace::mount`].
pub fn dial(addr: &str, spec: &str) -> Result<Chan> {
    let client = Client::dial(addr).map_err(err)?;
    attach(client, spec, addr)
}

/// Attaches over an established client.
pub fn attach(client: Client, spec: &str, name: &str) -> Result<Chan> {
    let user = std::env::var("USER").unwrap_or_else(|_| "none".into());
    let (fid, qid) = client
        .attach_uid(&user, rustix::process::getuid().as_raw(), spec)
        .map_err(err)?;
    let m = Arc::new(Mnt {
        id: DevId::new('M'),
        client: Some(client),
        pid: rustix::process::getpid(),
    });
    let mut c = Chan::attach(
        m.id,
        Box::new(MntNode {
            m: m.clone(),
            fid,
            qid,
            gone: AtomicBool::new(false),
        }),
    );
    c.name = name.into();
    Ok(c)
}

struct MntNode {
    m: Arc<Mnt>,
    fid: Fid,
    qid: Qid,
    /// Set once Tremove has consumed the fid.
    gone: AtomicBool,
}

impl Drop for MntNode {
    fn drop(&mut self) {
        if !self.gone.load(Ordering::Relaxed) {
            if let Ok(c) = self.m.client() {
                let _ = c.clunk(self.fid);
            }
        }
    }
}

impl MntNode {
    fn walk(&self, names: &[&str]) -> Result<MntNode> {
        let (qids, fid) = self.m.client()?.walk(self.fid, names).map_err(err)?;
        let fid = fid.ok_or(ENONEXIST)?;
        let qid = qids.last().copied().unwrap_or(self.qid);
        Ok(MntNode {
            m: self.m.clone(),
            fid,
            qid,
            gone: AtomicBool::new(false),
        })
    }
}

impl Node for MntNode {
    fn qid(&self) -> Qid {
        self.qid
    }
    fn clone_node(&self) -> Result<Box<dyn Node>> {
        Ok(Box::new(self.walk(&[])?))
    }
    fn walk1(&self, name: &str) -> Result<Box<dyn Node>> {
        if !self.qid.is_dir() {
            return Err(ENOTDIR);
        }
        Ok(Box::new(self.walk(&[name])?))
    }
    fn open(&mut self, mode: u32) -> Result<Qid> {
        let (q, _) = self.m.client()?.open(self.fid, mode as u8).map_err(err)?;
        self.qid = q;
        Ok(q)
    }
    fn create(&mut self, name: &str, perm: u32, mode: u32, ext: &str) -> Result<Qid> {
        let (q, _) = self
            .m
            .client()?
            .create(self.fid, name, perm, mode as u8, ext)
            .map_err(err)?;
        self.qid = q;
        Ok(q)
    }
    fn read(&self, buf: &mut [u8], off: u64) -> Result<usize> {
        let n = (buf.len() as u32).min(self.m.client()?.max_io());
        let data = self.m.client()?.read(self.fid, off, n).map_err(err)?;
        let k = data.len().min(buf.len());
        buf[..k].copy_from_slice(&data[..k]);
        Ok(k)
    }
    fn readdir(&self) -> Result<Vec<Dir>> {
        self.m.client()?.read_dir(self.fid).map_err(err)
    }
    fn write(&self, buf: &[u8], off: u64) -> Result<usize> {
        let mut done = 0usize;
        while done < buf.len() {
            let n = self
                .m
                .client()?
                .write(self.fid, off + done as u64, &buf[done..])
                .map_err(err)? as usize;
            if n == 0 {
                break;
            }
            done += n;
        }
        Ok(done)
    }
    fn remove(&self) -> Result<()> {
        // Tremove clunks the fid even when it fails; a clone keeps this
        // node's fid valid for whoever still holds it.
        let c = self.walk(&[])?;
        c.gone.store(true, Ordering::Relaxed);
        self.m.client()?.remove(c.fid).map_err(err)
    }
    fn stat(&self) -> Result<Dir> {
        self.m.client()?.stat(self.fid).map_err(err)
    }
    fn wstat(&self, d: &Dir) -> Result<()> {
        self.m.client()?.wstat(self.fid, d).map_err(err)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
