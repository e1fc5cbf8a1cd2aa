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
use crate::trace;

/// One 9P exchange for `ninux trace --kernel`: the T-message and what came
/// back (the R-message's gist or the Rerror).
fn t9p<T>(msg: impl FnOnce() -> String, r: &Result<T>, ok: impl FnOnce(&T) -> String) {
    if trace::enabled() {
        trace::emit(match r {
            Ok(v) => format!("{} -> {}", msg(), ok(v)),
            Err(e) => format!("{} -> Rerror {e}", msg()),
        });
    }
}

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
                let r = c.clunk(self.fid).map_err(err);
                t9p(
                    || format!("Tclunk fid {}", self.fid),
                    &r,
                    |_| "Rclunk".into(),
                );
            }
        }
    }
}

impl MntNode {
    fn walk(&self, names: &[&str]) -> Result<MntNode> {
        let r = self.m.client()?.walk(self.fid, names).map_err(err);
        t9p(
            || format!("Twalk fid {} {:?}", self.fid, names),
            &r,
            |(qids, fid)| match fid {
                Some(f) => format!("Rwalk newfid {f} nwqid {}", qids.len()),
                None => format!("Rwalk nwqid {} (short: not found)", qids.len()),
            },
        );
        let (qids, fid) = r?;
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
        let r = self.m.client()?.open(self.fid, mode as u8).map_err(err);
        t9p(
            || format!("Topen fid {} mode {mode}", self.fid),
            &r,
            |_| "Ropen".into(),
        );
        let (q, _) = r?;
        self.qid = q;
        Ok(q)
    }
    fn create(&mut self, name: &str, perm: u32, mode: u32, ext: &str) -> Result<Qid> {
        let r = self
            .m
            .client()?
            .create(self.fid, name, perm, mode as u8, ext)
            .map_err(err);
        t9p(
            || {
                format!(
                    "Tcreate fid {} {name:?} perm {perm:#o} mode {mode}",
                    self.fid
                )
            },
            &r,
            |_| "Rcreate".into(),
        );
        let (q, _) = r?;
        self.qid = q;
        Ok(q)
    }
    fn read(&self, buf: &mut [u8], off: u64) -> Result<usize> {
        let n = (buf.len() as u32).min(self.m.client()?.max_io());
        let r = self.m.client()?.read(self.fid, off, n).map_err(err);
        t9p(
            || format!("Tread fid {} offset {off} count {n}", self.fid),
            &r,
            |d| format!("Rread {} bytes", d.len()),
        );
        let data = r?;
        let k = data.len().min(buf.len());
        buf[..k].copy_from_slice(&data[..k]);
        Ok(k)
    }
    fn readdir(&self) -> Result<Vec<Dir>> {
        let r = self.m.client()?.read_dir(self.fid).map_err(err);
        t9p(
            || format!("Tread fid {} (directory, to the end)", self.fid),
            &r,
            |d| format!("Rread {} entries", d.len()),
        );
        r
    }
    fn write(&self, buf: &[u8], off: u64) -> Result<usize> {
        let mut done = 0usize;
        while done < buf.len() {
            let at = off + done as u64;
            let r = self
                .m
                .client()?
                .write(self.fid, at, &buf[done..])
                .map_err(err);
            t9p(
                || {
                    format!(
                        "Twrite fid {} offset {at} count {}",
                        self.fid,
                        buf.len() - done
                    )
                },
                &r,
                |n| format!("Rwrite {n}"),
            );
            let n = r? as usize;
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
        let r = self.m.client()?.remove(c.fid).map_err(err);
        t9p(
            || format!("Tremove fid {}", c.fid),
            &r,
            |_| "Rremove".into(),
        );
        r
    }
    fn stat(&self) -> Result<Dir> {
        let r = self.m.client()?.stat(self.fid).map_err(err);
        t9p(
            || format!("Tstat fid {}", self.fid),
            &r,
            |d| format!("Rstat {:?}", d.name),
        );
        r
    }
    fn wstat(&self, d: &Dir) -> Result<()> {
        let r = self.m.client()?.wstat(self.fid, d).map_err(err);
        t9p(
            || format!("Twstat fid {}", self.fid),
            &r,
            |_| "Rwstat".into(),
        );
        r
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
