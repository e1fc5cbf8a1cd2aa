//! The mount driver: a 9P2000(.u) server as a device, through ninep's
//! multiplexing [`ninep::Client`]. Each [`Node`] is one fid of the
//! connection; dropping it clunks the fid. 9P2000.u symlinks arrive as
//! DMSYMLINK with the target in the stat extension, which the namespace
//! reports like any device's.
//!
//! A connection belongs to the process that dialed it: a forked child dials
//! its own on first use and re-walks (and reopens) what it inherited
//! (DESIGN.md), so the two never read each other's replies.

use rustix::process::Pid;
use std::any::Any;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

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
    /// The dialer's connection. Always `Some` but in Drop.
    client: Option<Arc<Client>>,
    /// The process that dialed. After a host fork the child shares the
    /// socket but not the reader thread: it must neither talk on the
    /// connection (the parent's reader would take the replies) nor shut it
    /// down. It dials its own instead (`own`), from `redial`.
    pid: Pid,
    /// The address and tree to dial again in a forked child; None for a
    /// connection handed to [`attach`], which a child cannot reproduce.
    redial: Option<(String, String)>,
    /// This process's own connection when it is not the dialer: its pid,
    /// the client and the root fid it attached.
    own: Mutex<Option<(Pid, Arc<Client>, Fid)>>,
}

fn me() -> Pid {
    rustix::process::getpid()
}

impl Mnt {
    /// The connection process `pid` (the caller, or a node's owner) talks
    /// on: the dialer's, or this process's own, dialed on first use.
    fn client_of(&self, pid: Pid) -> Result<Arc<Client>> {
        if pid == self.pid {
            return self.client.clone().ok_or(EHUNGUP);
        }
        if pid != me() {
            return Err(EHUNGUP);
        }
        self.own_conn().map(|(c, _)| c)
    }

    /// This (forked) process's own connection and root fid, dialing it the
    /// first time; one inherited from a parent that was itself a forked
    /// child is left alone, like the dialer's.
    fn own_conn(&self) -> Result<(Arc<Client>, Fid)> {
        let mut own = self.own.lock().unwrap_or_else(|p| p.into_inner());
        match own.as_ref() {
            Some((pid, c, root)) if *pid == me() => return Ok((c.clone(), *root)),
            Some(_) => std::mem::forget(own.take()),
            None => {}
        }
        let (addr, spec) = self.redial.as_ref().ok_or(EHUNGUP)?;
        let client = Client::dial(addr).map_err(err)?;
        let (root, _) = client
            .attach_uid(&user(), rustix::process::getuid().as_raw(), spec)
            .map_err(err)?;
        t9p(
            || format!("(forked child) dial {addr} and Tattach {spec:?}"),
            &Ok::<(), Error>(()),
            |_| format!("root fid {root}"),
        );
        let client = Arc::new(client);
        *own = Some((me(), client.clone(), root));
        Ok((client, root))
    }

    /// This process's own connection if it has one already (for clunks,
    /// which must not dial).
    fn existing_own(&self) -> Option<Arc<Client>> {
        let own = self.own.lock().unwrap_or_else(|p| p.into_inner());
        own.as_ref()
            .filter(|(pid, _, _)| *pid == me())
            .map(|(_, c, _)| c.clone())
    }
}

impl Drop for Mnt {
    fn drop(&mut self) {
        if me() != self.pid {
            // Leaked on purpose in a forked child: dropping the Client would
            // shut down the socket the parent still uses.
            std::mem::forget(self.client.take());
        }
        let own = self.own.get_mut().unwrap_or_else(|p| p.into_inner());
        if own.as_ref().is_some_and(|(pid, _, _)| *pid != me()) {
            std::mem::forget(own.take());
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

fn user() -> String {
    std::env::var("USER").unwrap_or_else(|_| "none".into())
}

/// Dials `addr` (`tcp!HOST!PORT`, `unix!PATH`), attaches to tree `spec` and
/// returns the root chan, ready for [`crate::Namespace::mount`].
pub fn dial(addr: &str, spec: &str) -> Result<Chan> {
    let client = Client::dial(addr).map_err(err)?;
    attach_with(client, spec, addr, Some((addr.into(), spec.into())))
}

/// Attaches over an established client.
pub fn attach(client: Client, spec: &str, name: &str) -> Result<Chan> {
    attach_with(client, spec, name, None)
}

fn attach_with(
    client: Client,
    spec: &str,
    name: &str,
    redial: Option<(String, String)>,
) -> Result<Chan> {
    let (fid, qid) = client
        .attach_uid(&user(), rustix::process::getuid().as_raw(), spec)
        .map_err(err)?;
    let m = Arc::new(Mnt {
        id: DevId::new('M'),
        client: Some(Arc::new(client)),
        pid: me(),
        redial,
        own: Mutex::new(None),
    });
    let mut c = Chan::attach(
        m.id,
        Box::new(MntNode {
            m: m.clone(),
            fid,
            owner: me(),
            path: Vec::new(),
            open_mode: None,
            local: Mutex::new(None),
            qid,
            gone: AtomicBool::new(false),
        }),
    );
    c.name = name.into();
    Ok(c)
}

/// Modes a reopen in a forked child must not repeat: the parent's open
/// already truncated the file, and only its fid removes it on clunk.
const REOPEN_DROPS: u8 = ninep::OTRUNC | ninep::ORCLOSE;

struct MntNode {
    m: Arc<Mnt>,
    /// The fid on `owner`'s connection.
    fid: Fid,
    owner: Pid,
    /// The names walked from the attach root, to walk again on another
    /// connection.
    path: Vec<String>,
    /// The mode it was opened (or created) with, to open again.
    open_mode: Option<u8>,
    /// In a process other than `owner`: its pid and the fid it walked (and
    /// opened) to the same file on its own connection.
    local: Mutex<Option<(Pid, Fid)>>,
    qid: Qid,
    /// Set once Tremove has consumed the fid.
    gone: AtomicBool,
}

impl Drop for MntNode {
    fn drop(&mut self) {
        if self.gone.load(Ordering::Relaxed) {
            return;
        }
        let fid = if me() == self.owner {
            Some(self.fid)
        } else {
            let local = self.local.get_mut().unwrap_or_else(|p| p.into_inner());
            local.filter(|(pid, _)| *pid == me()).map(|(_, f)| f)
        };
        let client = if me() == self.m.pid {
            self.m.client.clone()
        } else {
            self.m.existing_own()
        };
        if let (Some(fid), Some(c)) = (fid, client) {
            let r = c.clunk(fid).map_err(err);
            t9p(|| format!("Tclunk fid {fid}"), &r, |_| "Rclunk".into());
        }
    }
}

impl MntNode {
    /// The connection and fid this process uses for the node: its own fid,
    /// or in a forked child one walked (and opened) anew on the child's own
    /// connection, once.
    fn handle(&self) -> Result<(Arc<Client>, Fid)> {
        let me = me();
        if me == self.owner {
            return Ok((self.m.client_of(me)?, self.fid));
        }
        let mut local = self.local.lock().unwrap_or_else(|p| p.into_inner());
        let (client, root) = self.m.own_conn()?;
        if let Some((pid, fid)) = *local {
            if pid == me {
                return Ok((client, fid));
            }
        }
        let names: Vec<&str> = self.path.iter().map(String::as_str).collect();
        let r = client.walk(root, &names).map_err(err);
        t9p(
            || format!("Twalk fid {root} {names:?} (again, in a forked child)"),
            &r,
            |(qids, _)| format!("Rwalk nwqid {}", qids.len()),
        );
        let fid = r?.1.ok_or(ENONEXIST)?;
        if let Some(mode) = self.open_mode {
            if let Err(e) = client.open(fid, mode & !REOPEN_DROPS) {
                let _ = client.clunk(fid);
                return Err(err(e));
            }
        }
        *local = Some((me, fid));
        Ok((client, fid))
    }

    fn walk(&self, names: &[&str]) -> Result<MntNode> {
        let (client, from) = self.handle()?;
        let r = client.walk(from, names).map_err(err);
        t9p(
            || format!("Twalk fid {from} {names:?}"),
            &r,
            |(qids, fid)| match fid {
                Some(f) => format!("Rwalk newfid {f} nwqid {}", qids.len()),
                None => format!("Rwalk nwqid {} (short: not found)", qids.len()),
            },
        );
        let (qids, fid) = r?;
        let fid = fid.ok_or(ENONEXIST)?;
        let qid = qids.last().copied().unwrap_or(self.qid);
        let mut path = self.path.clone();
        for n in names {
            match *n {
                ".." => {
                    path.pop();
                }
                "." | "" => {}
                n => path.push(n.to_string()),
            }
        }
        Ok(MntNode {
            m: self.m.clone(),
            fid,
            owner: me(),
            path,
            open_mode: None,
            local: Mutex::new(None),
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
        let (client, fid) = self.handle()?;
        let r = client.open(fid, mode as u8).map_err(err);
        t9p(
            || format!("Topen fid {fid} mode {mode}"),
            &r,
            |_| "Ropen".into(),
        );
        let (q, _) = r?;
        self.qid = q;
        self.open_mode = Some(mode as u8);
        Ok(q)
    }
    fn create(&mut self, name: &str, perm: u32, mode: u32, ext: &str) -> Result<Qid> {
        let (client, fid) = self.handle()?;
        let r = client.create(fid, name, perm, mode as u8, ext).map_err(err);
        t9p(
            || format!("Tcreate fid {fid} {name:?} perm {perm:#o} mode {mode}"),
            &r,
            |_| "Rcreate".into(),
        );
        let (q, _) = r?;
        self.qid = q;
        // The fid now names the new file, open; so does this node.
        self.path.push(name.to_string());
        self.open_mode = Some(mode as u8);
        Ok(q)
    }
    fn read(&self, buf: &mut [u8], off: u64) -> Result<usize> {
        let (client, fid) = self.handle()?;
        let n = (buf.len() as u32).min(client.max_io());
        let r = client.read(fid, off, n).map_err(err);
        t9p(
            || format!("Tread fid {fid} offset {off} count {n}"),
            &r,
            |d| format!("Rread {} bytes", d.len()),
        );
        let data = r?;
        let k = data.len().min(buf.len());
        buf[..k].copy_from_slice(&data[..k]);
        Ok(k)
    }
    fn readdir(&self) -> Result<Vec<Dir>> {
        let (client, fid) = self.handle()?;
        let r = client.read_dir(fid).map_err(err);
        t9p(
            || format!("Tread fid {fid} (directory, to the end)"),
            &r,
            |d| format!("Rread {} entries", d.len()),
        );
        r
    }
    fn write(&self, buf: &[u8], off: u64) -> Result<usize> {
        let (client, fid) = self.handle()?;
        let mut done = 0usize;
        while done < buf.len() {
            let at = off + done as u64;
            let r = client.write(fid, at, &buf[done..]).map_err(err);
            t9p(
                || format!("Twrite fid {fid} offset {at} count {}", buf.len() - done),
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
        let r = c.handle()?.0.remove(c.fid).map_err(err);
        t9p(
            || format!("Tremove fid {}", c.fid),
            &r,
            |_| "Rremove".into(),
        );
        r
    }
    fn stat(&self) -> Result<Dir> {
        let (client, fid) = self.handle()?;
        let r = client.stat(fid).map_err(err);
        t9p(
            || format!("Tstat fid {fid}"),
            &r,
            |d| format!("Rstat {:?}", d.name),
        );
        r
    }
    fn wstat(&self, d: &Dir) -> Result<()> {
        let (client, fid) = self.handle()?;
        let r = client.wstat(fid, d).map_err(err);
        t9p(|| format!("Twstat fid {fid}"), &r, |_| "Rwstat".into());
        r
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
