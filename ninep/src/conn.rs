//! One server connection: its fid table, its in-flight tags, and how its
//! requests are scheduled.
//!
//! The connection's thread reads requests and serves them itself, so a
//! request costs no thread handoff beyond the socket's own. A request that
//! may wait indefinitely goes to a thread of its own instead, so it holds up
//! nothing else: one the file server marks with `may_block` (a pipe or a
//! console exported by the kernel, a file behind another 9P mount), and one
//! whose fid is still busy with such a request (a Tclunk after a Tflush).
//!
//! Tflush is answered at once and the flushed request's reply is dropped
//! when it comes (flush(5)); a flushed Tattach or Twalk leaves no new fid.
//! The operation itself runs to completion: file servers whose operations
//! can block forever must bound them themselves.

use crate::dial::Transport;
use crate::errstr::*;
use crate::messages::*;
use crate::server::{FileServer, FsResult, Server};
use crate::types::{Qid, DMDIR, NOFID, OEXEC, ORCLOSE, ORDWR, OTRUNC, OWRITE};
use crate::wire::{encode_dir, read_frame, Dialect, IOHDRSZ};
use std::collections::HashMap;
use std::io::{self, BufReader};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

/// Requests of one connection that may be waiting in threads of their own;
/// beyond this, further ones are served in line.
const MAX_WAITING: usize = 64;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One fid as the loop tracks it.
struct FidEntry<T> {
    fid: T,
    qid: Qid,
    /// The open mode, once opened.
    mode: Option<u8>,
    /// A directory being read: its encoded records, the next record, and
    /// the byte offset the next read must ask for.
    listing: Option<(Vec<Vec<u8>>, usize, u64)>,
}

impl<T> FidEntry<T> {
    fn new(fid: T, qid: Qid) -> Self {
        FidEntry {
            fid,
            qid,
            mode: None,
            listing: None,
        }
    }
}

/// A fid's entry is locked for the length of one operation on it; clunk
/// empties it, so a request that raced the clunk finds nothing.
type FidSlot<T> = Arc<Mutex<Option<FidEntry<T>>>>;

#[derive(Clone, Copy)]
struct Version {
    msize: u32,
    dialect: Option<Dialect>,
}

struct Conn<F: FileServer, T> {
    srv: Server<F>,
    writer: Mutex<T>,
    version: Mutex<Version>,
    fids: Mutex<HashMap<u32, FidSlot<F::Fid>>>,
    /// Tags being served; true once flushed (the reply is then dropped).
    inflight: Mutex<HashMap<u16, bool>>,
    /// Requests being served in threads of their own.
    waiting: AtomicUsize,
}

impl<F: FileServer, T> Drop for Conn<F, T> {
    /// The last one out (the connection's thread, or a request that was
    /// still waiting when the client left) clunks the fids left behind.
    fn drop(&mut self) {
        let fids: Vec<_> = lock(&self.fids).drain().collect();
        for (_, slot) in fids {
            if let Some(e) = lock(&slot).take() {
                close_fid(&*self.srv.fs, e);
            }
        }
    }
}

/// Clunks, or removes for ORCLOSE.
fn close_fid<F: FileServer>(fs: &F, e: FidEntry<F::Fid>) {
    match e.mode {
        Some(m) if m & ORCLOSE != 0 => {
            let _ = fs.remove(e.fid);
        }
        _ => fs.clunk(e.fid),
    }
}

/// Serves one connection until the peer hangs up.
pub(crate) fn serve<F: FileServer, T: Transport>(srv: Server<F>, stream: T) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(srv.max_msize as usize, stream.try_clone()?);
    let conn = Arc::new(Conn {
        writer: Mutex::new(stream),
        version: Mutex::new(Version {
            msize: srv.max_msize,
            dialect: None,
        }),
        srv,
        fids: Mutex::default(),
        inflight: Mutex::default(),
        waiting: AtomicUsize::new(0),
    });
    loop {
        let v = *lock(&conn.version);
        let frame = match read_frame(&mut reader, v.msize) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(e),
        };
        // The frame was delimited, so even a malformed one leaves the stream
        // in step: refuse it and carry on.
        let tag = u16::from_le_bytes([frame[5], frame[6]]);
        let req = decode_msg(&frame, v.dialect.unwrap_or(Dialect::Plain), v.msize)
            .map(|(_, m)| m)
            .map_err(|e| format!("bad 9P message: {e}"));
        match req {
            // Served in line: later requests are read with what it sets.
            Ok(Fcall::Tversion(t)) => {
                let reply = version(&conn, t);
                send(&conn, tag, reply);
            }
            Ok(Fcall::Tflush(f)) => flush(&conn, tag, f.oldtag),
            Ok(msg) => {
                lock(&conn.inflight).insert(tag, false);
                if may_wait(&conn, &msg) && conn.waiting.load(Ordering::Relaxed) < MAX_WAITING {
                    conn.waiting.fetch_add(1, Ordering::Relaxed);
                    let c = conn.clone();
                    let spawned =
                        std::thread::Builder::new()
                            .name("9p-request".into())
                            .spawn(move || {
                                serve_request(&c, tag, Ok(msg));
                                c.waiting.fetch_sub(1, Ordering::Relaxed);
                            });
                    if let Err(e) = spawned {
                        conn.waiting.fetch_sub(1, Ordering::Relaxed);
                        serve_request(&conn, tag, Err(format!("cannot start thread: {e}")));
                    }
                } else {
                    serve_request(&conn, tag, Ok(msg));
                }
            }
            Err(e) => {
                lock(&conn.inflight).insert(tag, false);
                serve_request(&conn, tag, Err(e));
            }
        }
    }
}

/// The fid a request operates on, if any.
fn fid_of(msg: &Fcall) -> Option<u32> {
    Some(match msg {
        Fcall::Twalk(t) => t.fid,
        Fcall::Topen(t) => t.fid,
        Fcall::Tcreate(t) => t.fid,
        Fcall::Tread(t) => t.fid,
        Fcall::Twrite(t) => t.fid,
        Fcall::Tclunk(t) => t.fid,
        Fcall::Tremove(t) => t.fid,
        Fcall::Tstat(t) => t.fid,
        Fcall::Twstat(t) => t.fid,
        _ => return None,
    })
}

/// Whether a request may wait indefinitely, and so needs its own thread:
/// its file says so, or its fid is held by a request that is waiting.
fn may_wait<F: FileServer, T>(conn: &Conn<F, T>, msg: &Fcall) -> bool {
    let Some(fid) = fid_of(msg) else { return false };
    let Some(slot) = lock(&conn.fids).get(&fid).cloned() else {
        return false;
    };
    let entry = match slot.try_lock() {
        Ok(g) => g,
        Err(TryLockError::Poisoned(p)) => p.into_inner(),
        Err(TryLockError::WouldBlock) => return true,
    };
    entry
        .as_ref()
        .is_some_and(|e| conn.srv.fs.may_block(&e.fid))
}

/// Answers a Tflush at once. The flushed request's reply, if not yet sent,
/// never will be: both happen under the inflight lock, so the Rflush cannot
/// overtake a reply already being written.
fn flush<F: FileServer, T: Transport>(conn: &Conn<F, T>, tag: u16, oldtag: u16) {
    if lock(&conn.version).dialect.is_none() {
        return send(conn, tag, Err(ENOVERSION.into()));
    }
    let mut inflight = lock(&conn.inflight);
    if let Some(flushed) = inflight.get_mut(&oldtag) {
        *flushed = true;
    }
    send(conn, tag, Ok((Rflush {}.into(), None)));
}

fn serve_request<F: FileServer, T: Transport>(conn: &Conn<F, T>, tag: u16, req: FsResult<Fcall>) {
    let reply = req.and_then(|msg| handle(conn, msg));
    let mut inflight = lock(&conn.inflight);
    if inflight.remove(&tag) == Some(true) {
        drop(inflight);
        undo_new_fid(conn, &reply);
        return;
    }
    send(conn, tag, reply);
}

/// A flushed Tattach or Twalk must not leave its new fid behind, since the
/// client never learned of it.
fn undo_new_fid<F: FileServer, T>(conn: &Conn<F, T>, reply: &FsResult<(Fcall, Option<u32>)>) {
    if let Ok((_, Some(newfid))) = reply {
        let slot = lock(&conn.fids).remove(newfid);
        if let Some(e) = slot.and_then(|s| lock(&s).take()) {
            close_fid(&*conn.srv.fs, e);
        }
    }
}

fn send<F: FileServer, T: Transport>(
    conn: &Conn<F, T>,
    tag: u16,
    reply: FsResult<(Fcall, Option<u32>)>,
) {
    let reply = reply.map(|(r, _)| r).unwrap_or_else(|ename| {
        let errno = conn.srv.fs.errno(&ename);
        Rerror { ename, errno }.into()
    });
    let dialect = lock(&conn.version).dialect.unwrap_or(Dialect::Plain);
    let bytes = to_bytes(tag, &reply, dialect);
    let mut w = lock(&conn.writer);
    if w.write_frame(&bytes).is_err() {
        // Make sure the reading side sees the hangup too.
        let _ = w.shutdown();
    }
}

fn version<F: FileServer, T>(conn: &Conn<F, T>, t: Tversion) -> FsResult<(Fcall, Option<u32>)> {
    // Tversion aborts everything: outstanding replies are dropped and all
    // fids clunked.
    lock(&conn.inflight).values_mut().for_each(|f| *f = true);
    let fids: Vec<_> = lock(&conn.fids).drain().collect();
    for (_, slot) in fids {
        match slot.try_lock() {
            Ok(mut g) => {
                if let Some(e) = g.take() {
                    close_fid(&*conn.srv.fs, e);
                }
            }
            // A request still waiting holds this fid: clunk it when that
            // request is done, without holding up the connection.
            Err(_) => {
                let fs = conn.srv.fs.clone();
                let slot = slot.clone();
                let _ = std::thread::Builder::new()
                    .name("9p-clunk".into())
                    .spawn(move || {
                        if let Some(e) = lock(&slot).take() {
                            close_fid(&*fs, e);
                        }
                    });
            }
        }
    }
    let msize = t.msize.min(conn.srv.max_msize);
    if msize < IOHDRSZ + 1 {
        return Err("msize too small".into());
    }
    // "9P2000.x" for any other x is answered with plain 9P2000.
    let dialect = match t.version.as_str() {
        "9P2000.u" if conn.srv.dotu => Some(Dialect::U),
        v if v == "9P2000" || v.starts_with("9P2000.") => Some(Dialect::Plain),
        _ => None,
    };
    *lock(&conn.version) = Version { msize, dialect };
    let version = dialect
        .map_or("unknown", Dialect::version_string)
        .to_string();
    Ok((Rversion { msize, version }.into(), None))
}

fn slot<F: FileServer, T>(conn: &Conn<F, T>, fid: u32) -> FsResult<FidSlot<F::Fid>> {
    lock(&conn.fids)
        .get(&fid)
        .cloned()
        .ok_or_else(|| EUNKNOWNFID.to_string())
}

/// Adds a fid; fails if the number is taken (it may have been taken while
/// the file server worked).
fn add_fid<F: FileServer, T>(conn: &Conn<F, T>, fid: u32, e: FidEntry<F::Fid>) -> FsResult<()> {
    let mut fids = lock(&conn.fids);
    if fids.contains_key(&fid) {
        drop(fids);
        conn.srv.fs.clunk(e.fid);
        return Err(EDUPFID.into());
    }
    fids.insert(fid, Arc::new(Mutex::new(Some(e))));
    Ok(())
}

/// Serves one request. The second value names a fid the request created,
/// for `undo_new_fid`.
fn handle<F: FileServer, T>(conn: &Conn<F, T>, msg: Fcall) -> FsResult<(Fcall, Option<u32>)> {
    let v = *lock(&conn.version);
    let Some(dialect) = v.dialect else {
        return Err(ENOVERSION.into());
    };
    let fs = &*conn.srv.fs;
    let reply: Fcall = match msg {
        Fcall::Tauth(_) => return Err(ENOAUTH.into()),
        Fcall::Tattach(t) => {
            if t.afid != NOFID {
                return Err(ENOAUTH.into());
            }
            if lock(&conn.fids).contains_key(&t.fid) {
                return Err(EDUPFID.into());
            }
            let (fid, qid) = fs.attach(&t.uname, &t.aname)?;
            add_fid(conn, t.fid, FidEntry::new(fid, qid))?;
            return Ok((Rattach { qid }.into(), Some(t.fid)));
        }
        Fcall::Twalk(t) => return walk(conn, t),
        Fcall::Topen(t) => {
            let slot = slot(conn, t.fid)?;
            let mut g = lock(&slot);
            let e = g.as_mut().ok_or(EUNKNOWNFID)?;
            if e.mode.is_some() {
                return Err(EOPEN.into());
            }
            if e.qid.is_dir() && (t.mode & 3 != 0 || t.mode & (OTRUNC | ORCLOSE) != 0) {
                return Err(EISDIR.into());
            }
            let (qid, iounit) = fs.open(&mut e.fid, t.mode)?;
            e.qid = qid;
            e.mode = Some(t.mode);
            Ropen { qid, iounit }.into()
        }
        Fcall::Tcreate(t) => {
            let slot = slot(conn, t.fid)?;
            let mut g = lock(&slot);
            let e = g.as_mut().ok_or(EUNKNOWNFID)?;
            if e.mode.is_some() {
                return Err(EOPEN.into());
            }
            if !e.qid.is_dir() {
                return Err(ENOTDIR.into());
            }
            if t.name.is_empty() || t.name == "." || t.name == ".." || t.name.contains('/') {
                return Err(EBADNAME.into());
            }
            if t.perm & DMDIR != 0 && (t.mode & 3 != 0 || t.mode & OTRUNC != 0) {
                return Err(EISDIR.into());
            }
            let (qid, iounit) = fs.create(&mut e.fid, &t.name, t.perm, t.mode, &t.extension)?;
            e.qid = qid;
            e.mode = Some(t.mode);
            Rcreate { qid, iounit }.into()
        }
        Fcall::Tread(t) => {
            let slot = slot(conn, t.fid)?;
            let mut g = lock(&slot);
            let e = g.as_mut().ok_or(EUNKNOWNFID)?;
            match e.mode {
                Some(m) if m & 3 != OWRITE => {}
                Some(_) => return Err(EBADUSE.into()),
                None => return Err(ENOTOPEN.into()),
            }
            let count = t.count.min(v.msize - IOHDRSZ);
            let data = if e.qid.is_dir() {
                read_dir(fs, e, t.offset, count, dialect)?
            } else {
                let mut d = fs.read(&mut e.fid, t.offset, count)?;
                d.truncate(count as usize);
                d
            };
            Rread { data }.into()
        }
        Fcall::Twrite(t) => {
            let slot = slot(conn, t.fid)?;
            let mut g = lock(&slot);
            let e = g.as_mut().ok_or(EUNKNOWNFID)?;
            match e.mode {
                Some(m) if m & 3 == OWRITE || m & 3 == ORDWR => {}
                Some(m) if m & 3 == OEXEC => return Err(EBADUSE.into()),
                Some(_) => return Err(EBADUSE.into()),
                None => return Err(ENOTOPEN.into()),
            }
            let count = fs.write(&mut e.fid, t.offset, &t.data)?;
            Rwrite {
                count: count.min(t.data.len() as u32),
            }
            .into()
        }
        Fcall::Tclunk(t) => {
            let slot = lock(&conn.fids).remove(&t.fid).ok_or(EUNKNOWNFID)?;
            // Waits for an operation still using the fid.
            let e = lock(&slot).take().ok_or(EUNKNOWNFID)?;
            close_fid(fs, e);
            Rclunk {}.into()
        }
        Fcall::Tremove(t) => {
            // The fid is clunked even when the remove fails.
            let slot = lock(&conn.fids).remove(&t.fid).ok_or(EUNKNOWNFID)?;
            let e = lock(&slot).take().ok_or(EUNKNOWNFID)?;
            fs.remove(e.fid)?;
            Rremove {}.into()
        }
        Fcall::Tstat(t) => {
            let slot = slot(conn, t.fid)?;
            let g = lock(&slot);
            let e = g.as_ref().ok_or(EUNKNOWNFID)?;
            Rstat {
                stat: fs.stat(&e.fid)?,
            }
            .into()
        }
        Fcall::Twstat(t) => {
            let slot = slot(conn, t.fid)?;
            let g = lock(&slot);
            let e = g.as_ref().ok_or(EUNKNOWNFID)?;
            fs.wstat(&e.fid, &t.stat)?;
            Rwstat {}.into()
        }
        other => return Err(format!("unexpected {} from client", other.name())),
    };
    Ok((reply, None))
}

fn walk<F: FileServer, T>(conn: &Conn<F, T>, t: Twalk) -> FsResult<(Fcall, Option<u32>)> {
    let slot = slot(conn, t.fid)?;
    let mut g = lock(&slot);
    let e = g.as_mut().ok_or(EUNKNOWNFID)?;
    if e.mode.is_some() {
        return Err(ECLONEOPEN.into());
    }
    if t.newfid != t.fid && lock(&conn.fids).contains_key(&t.newfid) {
        return Err(EDUPFID.into());
    }
    let (wqids, newfid) = if t.wnames.is_empty() {
        (vec![], Some(e.fid.clone()))
    } else {
        if !e.qid.is_dir() {
            return Err(EWALKNODIR.into());
        }
        if t.wnames.iter().any(|n| n.is_empty() || n.contains('/')) {
            return Err(EBADNAME.into());
        }
        let names: Vec<&str> = t.wnames.iter().map(String::as_str).collect();
        let (mut wqids, newfid) = conn.srv.fs.walk(&e.fid, &names)?;
        wqids.truncate(names.len());
        if wqids.is_empty() {
            // A server that walked nothing yet did not say why.
            return Err(ENONEXIST.into());
        }
        let whole = wqids.len() == names.len();
        (wqids, newfid.filter(|_| whole))
    };
    let Some(fid) = newfid else {
        return Ok((Rwalk { wqids }.into(), None));
    };
    let qid = *wqids.last().unwrap_or(&e.qid);
    if t.newfid == t.fid {
        // Walking a fid onto itself replaces it; no new fid to undo.
        let old = std::mem::replace(e, FidEntry::new(fid, qid));
        conn.srv.fs.clunk(old.fid);
        return Ok((Rwalk { wqids }.into(), None));
    }
    drop(g);
    add_fid(conn, t.newfid, FidEntry::new(fid, qid))?;
    Ok((Rwalk { wqids }.into(), Some(t.newfid)))
}

/// Serves a directory read: a read at offset 0 takes a fresh listing; later
/// reads must continue where the previous one ended. Only whole stat records
/// are returned.
fn read_dir<F: FileServer>(
    fs: &F,
    e: &mut FidEntry<F::Fid>,
    offset: u64,
    count: u32,
    dialect: Dialect,
) -> FsResult<Vec<u8>> {
    if offset == 0 {
        let dirs = fs.readdir(&mut e.fid)?;
        e.listing = Some((dirs.iter().map(|d| encode_dir(d, dialect)).collect(), 0, 0));
    }
    let (records, next, at) = e.listing.as_mut().ok_or(EBADOFFSET)?;
    if offset != *at {
        return Err(EBADOFFSET.into());
    }
    let mut out = Vec::new();
    while let Some(r) = records.get(*next) {
        if out.len() + r.len() > count as usize {
            break;
        }
        out.extend_from_slice(r);
        *next += 1;
    }
    if out.is_empty() && *next < records.len() {
        return Err("read count too small for a directory entry".into());
    }
    *at += out.len() as u64;
    Ok(out)
}
