//! A 9P client: version negotiation, fid allocation and one blocking method
//! per 9P request. Any number of threads may share one `Client`; their
//! requests are multiplexed over the connection by tag (`mux`).

use crate::dial::{DialAddr, Transport};
use crate::messages::*;
use crate::mux::{lock, Inner};
pub use crate::mux::{Pending, RequestId};
use crate::types::{Dir, Qid, NOFID, NOTAG};
use crate::wire::{parse_dirs, read_frame, DecodeError, Dialect, IOHDRSZ, NONUNAME};
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex};

/// A fid number on this connection.
pub type Fid = u32;

/// msize offered unless the caller asks otherwise: room for 64 KiB of data.
pub const DEFAULT_MSIZE: u32 = 65536 + IOHDRSZ;

/// Every way a client call can fail.
#[derive(Debug)]
pub enum Error {
    /// The server answered Rerror: a Plan 9 error string (and a .u errno).
    Remote {
        ename: String,
        errno: Option<u32>,
    },
    /// The request was flushed before the server answered it.
    Flushed,
    /// The connection failed or was closed; every outstanding and later
    /// request fails with this.
    Hungup(String),
    Io(io::Error),
    /// The server sent bytes that are not 9P, or the wrong reply.
    Protocol(String),
}

impl Error {
    /// The error as a Plan 9 error string, for errstr.
    pub fn ename(&self) -> String {
        match self {
            Error::Remote { ename, .. } => ename.clone(),
            Error::Flushed => "interrupted".into(),
            // 9front's Ehungup, so callers see the usual text.
            Error::Hungup(_) => "i/o on hungup channel".into(),
            Error::Io(e) => format!("i/o error: {e}"),
            Error::Protocol(s) => format!("mount rpc error: {s}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Hungup(why) => write!(f, "i/o on hungup channel ({why})"),
            other => f.write_str(&other.ename()),
        }
    }
}

impl std::error::Error for Error {}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        Error::Io(e)
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Error::Protocol(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Error>;

#[derive(Default)]
struct Fids {
    free: Vec<Fid>,
    next: Fid,
}

/// A 9P client connection. Methods block the calling thread only; any
/// number of threads may call them at once.
pub struct Client {
    inner: Arc<Inner>,
    fids: Mutex<Fids>,
}

/// Sends Tversion and reads Rversion before the reader thread exists, since
/// nothing else may be sent until the version is agreed.
fn negotiate<T: Transport>(stream: &mut T, msize: u32, dialect: Dialect) -> Result<(u32, Dialect)> {
    let offer = Tversion {
        msize,
        version: dialect.version_string().into(),
    };
    stream.write_frame(&to_bytes(NOTAG, &offer.into(), dialect))?;
    let frame = read_frame(stream, msize.max(4096))?;
    let (_, reply) = decode_msg(&frame, Dialect::Plain, msize)?;
    let r = match reply {
        Fcall::Rversion(r) => r,
        Fcall::Rerror(e) => {
            return Err(Error::Remote {
                ename: e.ename,
                errno: None,
            })
        }
        other => {
            return Err(Error::Protocol(format!(
                "{} in reply to Tversion",
                other.name()
            )))
        }
    };
    let agreed = match r.version.as_str() {
        "9P2000.u" if dialect == Dialect::U => Dialect::U,
        "9P2000" => Dialect::Plain,
        v => return Err(Error::Protocol(format!("server speaks {v:?}"))),
    };
    if r.msize > msize || r.msize < IOHDRSZ + 1 {
        return Err(Error::Protocol(format!(
            "server msize {} (offered {msize})",
            r.msize
        )));
    }
    Ok((r.msize, agreed))
}

impl Client {
    /// Dials a Plan 9 address (`unix!/path`, `tcp!host!port`) and negotiates
    /// 9P2000.u, falling back to 9P2000.
    pub fn dial(addr: &str) -> Result<Client> {
        let stream = DialAddr::parse(addr)?.connect()?;
        Client::new(stream, DEFAULT_MSIZE, Dialect::U)
    }

    /// Runs 9P over an already connected stream. `dialect` is the one
    /// offered; the server may answer with plain 9P2000 instead.
    pub fn new<T: Transport>(mut stream: T, msize: u32, dialect: Dialect) -> Result<Client> {
        let (msize, dialect) = negotiate(&mut stream, msize, dialect)?;
        let reader = Box::new(stream.try_clone()?);
        let inner = Arc::new(Inner::new(Box::new(stream), reader, msize, dialect));
        Ok(Client {
            inner,
            fids: Mutex::default(),
        })
    }

    pub fn msize(&self) -> u32 {
        self.inner.msize
    }
    pub fn dialect(&self) -> Dialect {
        self.inner.dialect
    }
    /// The most data one Tread or Twrite can carry on this connection.
    pub fn max_io(&self) -> u32 {
        self.inner.msize - IOHDRSZ
    }

    /// Sends a request without waiting; see `Pending`.
    pub fn start(&self, msg: impl Into<Fcall>) -> Result<Pending> {
        self.inner.send(&msg.into(), None)
    }

    /// Sends a request and waits for its reply.
    pub fn rpc(&self, msg: impl Into<Fcall>) -> Result<Fcall> {
        self.start(msg)?.wait()
    }

    /// Flushes a request started elsewhere (e.g. when a note interrupts the
    /// thread waiting on it). That waiter then gets its reply, if the server
    /// answered first, or `Error::Flushed`.
    pub fn flush(&self, id: RequestId) -> Result<()> {
        self.inner.flush(id)
    }

    /// Allocates a fid number for use in a hand-built request.
    pub fn alloc_fid(&self) -> Fid {
        let mut f = lock(&self.fids);
        if let Some(fid) = f.free.pop() {
            return fid;
        }
        f.next += 1;
        f.next - 1
    }

    /// Returns a fid number the server no longer knows.
    pub fn free_fid(&self, fid: Fid) {
        if fid != NOFID {
            lock(&self.fids).free.push(fid);
        }
    }

    /// Attaches to the server's tree `aname` as `uname`, without auth.
    pub fn attach(&self, uname: &str, aname: &str) -> Result<(Fid, Qid)> {
        self.attach_uid(uname, NONUNAME, aname)
    }

    /// As attach, also giving the 9P2000.u numeric uid.
    pub fn attach_uid(&self, uname: &str, n_uname: u32, aname: &str) -> Result<(Fid, Qid)> {
        let fid = self.alloc_fid();
        let msg = Tattach {
            fid,
            afid: NOFID,
            uname: uname.into(),
            aname: aname.into(),
            n_uname,
        };
        match self.rpc(msg) {
            Ok(Fcall::Rattach(r)) => Ok((fid, r.qid)),
            other => {
                self.free_fid(fid);
                Err(unexpected("Tattach", other))
            }
        }
    }

    /// Walks from `fid` along `names` (any number; sent 16 at a time) to a
    /// new fid. A partial walk returns the qids of the names that exist and
    /// no fid; a failure at the first name is an error, as in walk(5).
    /// With no names, clones `fid`.
    pub fn walk(&self, fid: Fid, names: &[&str]) -> Result<(Vec<Qid>, Option<Fid>)> {
        let newfid = self.alloc_fid();
        let mut qids = Vec::with_capacity(names.len());
        let mut from = fid;
        let mut chunks: Vec<&[&str]> = names.chunks(crate::types::MAXWELEM).collect();
        if chunks.is_empty() {
            chunks.push(&[]);
        }
        for chunk in chunks {
            let msg = Twalk {
                fid: from,
                newfid,
                wnames: chunk.iter().map(|s| s.to_string()).collect(),
            };
            let r = match self.rpc(msg) {
                Ok(Fcall::Rwalk(r)) if r.wqids.len() <= chunk.len() => r,
                Err(Error::Remote { .. }) if !qids.is_empty() => {
                    // A later chunk failed at its first name: a partial walk.
                    let _ = self.clunk(newfid);
                    return Ok((qids, None));
                }
                other => {
                    if from == newfid {
                        let _ = self.clunk(newfid);
                    } else {
                        self.free_fid(newfid);
                    }
                    return Err(unexpected("Twalk", other));
                }
            };
            let complete = r.wqids.len() == chunk.len();
            qids.extend(r.wqids);
            if !complete {
                // newfid was not set by this Twalk; it exists only if an
                // earlier chunk made it.
                if from == newfid {
                    let _ = self.clunk(newfid);
                } else {
                    self.free_fid(newfid);
                }
                return Ok((qids, None));
            }
            from = newfid;
        }
        Ok((qids, Some(newfid)))
    }

    /// Walks a slash-separated path (empty elements ignored).
    pub fn walk_path(&self, fid: Fid, path: &str) -> Result<(Vec<Qid>, Option<Fid>)> {
        let names: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        self.walk(fid, &names)
    }

    /// Opens `fid` with a Plan 9 open mode; returns the qid and iounit.
    pub fn open(&self, fid: Fid, mode: u8) -> Result<(Qid, u32)> {
        match self.rpc(Topen { fid, mode }) {
            Ok(Fcall::Ropen(r)) => Ok((r.qid, r.iounit)),
            other => Err(unexpected("Topen", other)),
        }
    }

    /// Creates `name` in the directory `fid`, which becomes the new open
    /// file. `extension` is sent only in 9P2000.u (symlink target, device).
    pub fn create(
        &self,
        fid: Fid,
        name: &str,
        perm: u32,
        mode: u8,
        extension: &str,
    ) -> Result<(Qid, u32)> {
        let msg = Tcreate {
            fid,
            name: name.into(),
            perm,
            mode,
            extension: extension.into(),
        };
        match self.rpc(msg) {
            Ok(Fcall::Rcreate(r)) => Ok((r.qid, r.iounit)),
            other => Err(unexpected("Tcreate", other)),
        }
    }

    /// Reads up to `count` bytes (at most `max_io`) at `offset`.
    pub fn read(&self, fid: Fid, offset: u64, count: u32) -> Result<Vec<u8>> {
        match self.rpc(Tread {
            fid,
            offset,
            count: count.min(self.max_io()),
        }) {
            Ok(Fcall::Rread(r)) => Ok(r.data),
            other => Err(unexpected("Tread", other)),
        }
    }

    /// Reads from `offset` until the server returns no data.
    pub fn read_all(&self, fid: Fid) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        loop {
            let chunk = self.read(fid, out.len() as u64, self.max_io())?;
            if chunk.is_empty() {
                return Ok(out);
            }
            out.extend_from_slice(&chunk);
        }
    }

    /// Reads a whole open directory as stat records.
    pub fn read_dir(&self, fid: Fid) -> Result<Vec<Dir>> {
        let mut dirs = Vec::new();
        let mut offset = 0u64;
        loop {
            let chunk = self.read(fid, offset, self.max_io())?;
            if chunk.is_empty() {
                return Ok(dirs);
            }
            offset += chunk.len() as u64;
            dirs.extend(parse_dirs(&chunk, self.dialect())?);
        }
    }

    /// Writes at most `max_io` bytes of `data`; returns how many were taken.
    pub fn write(&self, fid: Fid, offset: u64, data: &[u8]) -> Result<u32> {
        let n = data.len().min(self.max_io() as usize);
        match self.rpc(Twrite {
            fid,
            offset,
            data: data[..n].to_vec(),
        }) {
            Ok(Fcall::Rwrite(r)) if r.count as usize <= n => Ok(r.count),
            other => Err(unexpected("Twrite", other)),
        }
    }

    /// Forgets `fid`. The fid is free afterwards even if the server objects.
    pub fn clunk(&self, fid: Fid) -> Result<()> {
        let r = self.rpc(Tclunk { fid });
        self.free_fid(fid);
        match r {
            Ok(Fcall::Rclunk(_)) => Ok(()),
            other => Err(unexpected("Tclunk", other)),
        }
    }

    /// Removes the file; the fid is clunked whether or not that succeeds.
    pub fn remove(&self, fid: Fid) -> Result<()> {
        let r = self.rpc(Tremove { fid });
        self.free_fid(fid);
        match r {
            Ok(Fcall::Rremove(_)) => Ok(()),
            other => Err(unexpected("Tremove", other)),
        }
    }

    pub fn stat(&self, fid: Fid) -> Result<Dir> {
        match self.rpc(Tstat { fid }) {
            Ok(Fcall::Rstat(r)) => Ok(r.stat),
            other => Err(unexpected("Tstat", other)),
        }
    }

    /// Changes metadata; fields equal to `Dir::dont_touch()`'s are left alone.
    pub fn wstat(&self, fid: Fid, dir: &Dir) -> Result<()> {
        match self.rpc(Twstat {
            fid,
            stat: dir.clone(),
        }) {
            Ok(Fcall::Rwstat(_)) => Ok(()),
            other => Err(unexpected("Twstat", other)),
        }
    }
}

/// Passes errors through and turns a mismatched reply into a protocol error.
fn unexpected(req: &str, r: Result<Fcall>) -> Error {
    match r {
        Err(e) => e,
        Ok(reply) => Error::Protocol(format!("{} in reply to {req}", reply.name())),
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // Wakes a caller blocked reading on another thread (its requests
        // fail with Hungup); the descriptors close with the last Pending.
        self.inner.shutdown();
    }
}
