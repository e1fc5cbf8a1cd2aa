//! The 9P server loop: any `FileServer` served over unix sockets or TCP,
//! one thread per connection. The loop owns the fid table, version and msize
//! negotiation, open-mode checks, directory reads and flush; a file server
//! only implements the file operations.
//!
//! Requests on one connection are served concurrently; `conn` holds the
//! per-connection machinery.

use crate::dial::{DialAddr, Listener, Stream, Transport};
use crate::errstr::errno_for;
use crate::types::{Dir, Qid};
use crate::wire::IOHDRSZ;
use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// A file server's answer: a Plan 9 error string on failure.
pub type FsResult<T> = Result<T, String>;

/// Any file server shaped like 9P. Fids are the loop's business: the server
/// sees only its own per-fid state, `Self::Fid`, which the loop clones for
/// Twalk with no names and hands back on clunk or remove.
pub trait FileServer: Send + Sync + 'static {
    type Fid: Clone + Send + 'static;

    /// Starts a session at the root of tree `aname` for `uname`.
    fn attach(&self, uname: &str, aname: &str) -> FsResult<(Self::Fid, Qid)>;

    /// Walks 1..=16 names from a directory. Returns one qid per name walked;
    /// `Some(fid)` only when every name was walked. Failing at the first
    /// name is an `Err`; failing later is a short `Ok` (walk(5)).
    fn walk(&self, fid: &Self::Fid, names: &[&str]) -> FsResult<(Vec<Qid>, Option<Self::Fid>)>;

    /// Opens for I/O; returns the qid and iounit (0: no preference).
    fn open(&self, fid: &mut Self::Fid, mode: u8) -> FsResult<(Qid, u32)>;

    /// Creates `name` in directory `fid`, which then stands for the new,
    /// opened file. A file that exists already is an error here; open-and-
    /// truncate semantics are the kernel's.
    fn create(
        &self,
        fid: &mut Self::Fid,
        name: &str,
        perm: u32,
        mode: u8,
        extension: &str,
    ) -> FsResult<(Qid, u32)>;

    /// Reads a file (not a directory: see `readdir`).
    fn read(&self, fid: &mut Self::Fid, offset: u64, count: u32) -> FsResult<Vec<u8>>;

    /// Lists a directory; the loop turns the list into whole stat records
    /// across successive reads.
    fn readdir(&self, fid: &mut Self::Fid) -> FsResult<Vec<Dir>>;

    fn write(&self, fid: &mut Self::Fid, offset: u64, data: &[u8]) -> FsResult<u32>;

    /// Forgets a fid. Cannot fail.
    fn clunk(&self, _fid: Self::Fid) {}

    /// Removes the file. The fid is gone afterwards either way.
    fn remove(&self, fid: Self::Fid) -> FsResult<()>;

    fn stat(&self, fid: &Self::Fid) -> FsResult<Dir>;

    fn wstat(&self, fid: &Self::Fid, dir: &Dir) -> FsResult<()>;

    /// Whether operations on this fid may wait indefinitely (a pipe, a
    /// console, a file on a remote mount). Such requests are served in
    /// threads of their own so that they hold up nothing else on the
    /// connection; all others are served in line, which is cheaper.
    fn may_block(&self, _fid: &Self::Fid) -> bool {
        false
    }

    /// The 9P2000.u errno sent with an error string.
    fn errno(&self, ename: &str) -> u32 {
        errno_for(ename)
    }
}

/// The largest msize this loop agrees to unless told otherwise.
pub const SERVER_MSIZE: u32 = 65536 + IOHDRSZ;

/// Serves one `FileServer` to any number of connections.
pub struct Server<F: FileServer> {
    pub(crate) fs: Arc<F>,
    pub(crate) max_msize: u32,
    pub(crate) dotu: bool,
}

impl<F: FileServer> Clone for Server<F> {
    fn clone(&self) -> Self {
        Server {
            fs: self.fs.clone(),
            max_msize: self.max_msize,
            dotu: self.dotu,
        }
    }
}

impl<F: FileServer> Server<F> {
    pub fn new(fs: Arc<F>) -> Self {
        Server {
            fs,
            max_msize: SERVER_MSIZE,
            dotu: true,
        }
    }

    /// Caps the msize agreed with clients.
    pub fn with_max_msize(mut self, msize: u32) -> Self {
        self.max_msize = msize.max(IOHDRSZ + 128);
        self
    }

    /// Speaks only plain 9P2000, as 9front does.
    pub fn plain_only(mut self) -> Self {
        self.dotu = false;
        self
    }

    pub fn fs(&self) -> &Arc<F> {
        &self.fs
    }

    /// Binds `addr` (a dial string) and serves it on a background thread,
    /// one more thread per connection.
    pub fn spawn(&self, addr: &str) -> io::Result<ServerHandle> {
        let listener = DialAddr::parse(addr)?.listen()?;
        let dial = listener.dial_string()?;
        let stop = Arc::new(AtomicBool::new(false));
        let conns: Arc<Mutex<HashMap<u64, Stream>>> = Arc::default();
        let (srv, stop2, conns2) = (self.clone(), stop.clone(), conns.clone());
        log::info!("9P server listening on {dial}");
        let thread = std::thread::Builder::new()
            .name("9p-accept".into())
            .spawn(move || srv.accept_loop(listener, &stop2, &conns2))?;
        Ok(ServerHandle {
            dial,
            stop,
            conns,
            thread: Some(thread),
        })
    }

    /// Accepts and serves connections until the listener fails (blocking).
    pub fn serve(&self, listener: Listener) -> io::Result<()> {
        let conns = Arc::default();
        self.accept_loop(listener, &AtomicBool::new(false), &conns);
        Ok(())
    }

    fn accept_loop(
        &self,
        listener: Listener,
        stop: &AtomicBool,
        conns: &Arc<Mutex<HashMap<u64, Stream>>>,
    ) {
        static NEXT_CONN: AtomicU64 = AtomicU64::new(0);
        loop {
            let accepted = listener.accept();
            if stop.load(Ordering::SeqCst) {
                return;
            }
            let (stream, peer) = match accepted {
                Ok(s) => s,
                Err(e) => {
                    log::warn!("9P accept: {e}");
                    std::thread::sleep(std::time::Duration::from_millis(10));
                    continue;
                }
            };
            let id = NEXT_CONN.fetch_add(1, Ordering::Relaxed);
            if let Ok(c) = stream.try_clone() {
                conns
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(id, c);
            }
            let (srv, conns) = (self.clone(), conns.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("9p-conn-{id}"))
                .spawn(move || {
                    log::info!("9P connection {id} from {peer}");
                    if let Err(e) = srv.serve_stream(stream) {
                        log::info!("9P connection {id} ended: {e}");
                    } else {
                        log::info!("9P connection {id} closed");
                    }
                    conns.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
                });
            if let Err(e) = spawned {
                log::warn!("9P: cannot start connection thread: {e}");
            }
        }
    }

    /// Serves one connection until the peer hangs up (see `conn`). Fids
    /// still held are clunked once the last request on it is finished.
    pub fn serve_stream<T: Transport>(&self, stream: T) -> io::Result<()> {
        crate::conn::serve(self.clone(), stream)
    }
}

/// A server running in the background (see `Server::spawn`). Dropping it
/// stops accepting and hangs up every live connection.
pub struct ServerHandle {
    dial: String,
    stop: Arc<AtomicBool>,
    conns: Arc<Mutex<HashMap<u64, Stream>>>,
    thread: Option<JoinHandle<()>>,
}

impl ServerHandle {
    /// Where clients reach the server (the real port for `tcp!…!0`).
    pub fn dial_string(&self) -> &str {
        &self.dial
    }

    /// How many connections are being served right now.
    pub fn connections(&self) -> usize {
        self.conns.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // accept() has no timeout: wake it with a connection of our own.
        if let Ok(a) = DialAddr::parse(&self.dial) {
            let _ = a.connect();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        for (_, c) in self.conns.lock().unwrap_or_else(|p| p.into_inner()).drain() {
            let _ = c.shutdown();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::*;
    use crate::ramfs::RamFs;
    use crate::types::{NOFID, NOTAG};
    use crate::wire::{read_frame, Dialect};
    use proptest::prelude::*;
    use std::io::Write;
    use std::os::unix::net::UnixStream;

    /// Requests over a few fids and names, so that they meet each other.
    fn request() -> impl Strategy<Value = Fcall> {
        let fid = 0u32..4;
        let name = prop_oneof![Just("a"), Just(".."), Just("x"), Just("b"), Just("")]
            .prop_map(String::from);
        let names = proptest::collection::vec(name.clone(), 0..4);
        prop_oneof![
            (fid.clone(), "[a-z]{0,3}").prop_map(|(fid, uname)| Tattach {
                fid,
                afid: NOFID,
                uname,
                aname: String::new(),
                n_uname: 0
            }
            .into()),
            (fid.clone(), fid.clone(), names).prop_map(|(fid, newfid, wnames)| Twalk {
                fid,
                newfid,
                wnames
            }
            .into()),
            (fid.clone(), any::<u8>()).prop_map(|(fid, mode)| Topen { fid, mode }.into()),
            (fid.clone(), name, any::<u32>(), any::<u8>()).prop_map(|(fid, name, perm, mode)| {
                Tcreate {
                    fid,
                    name,
                    perm,
                    mode,
                    extension: String::new(),
                }
                .into()
            }),
            (fid.clone(), any::<u64>(), any::<u32>()).prop_map(|(fid, offset, count)| Tread {
                fid,
                offset: offset % 300,
                count
            }
            .into()),
            (
                fid.clone(),
                any::<u64>(),
                proptest::collection::vec(any::<u8>(), 0..40)
            )
                .prop_map(|(fid, offset, data)| Twrite {
                    fid,
                    offset: offset % 300,
                    data
                }
                .into()),
            fid.clone().prop_map(|fid| Tclunk { fid }.into()),
            fid.clone().prop_map(|fid| Tremove { fid }.into()),
            fid.clone().prop_map(|fid| Tstat { fid }.into()),
            (fid, any::<u32>(), any::<u64>()).prop_map(|(fid, mode, length)| {
                let mut stat = Dir::dont_touch();
                stat.mode = mode;
                stat.length = length % 100;
                Twstat { fid, stat }.into()
            }),
            any::<u16>().prop_map(|oldtag| Tflush { oldtag }.into()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Any sequence of requests gets one well-formed reply each, with its
        /// tag and either its R-type or Rerror, and the loop never panics.
        #[test]
        fn every_request_gets_its_reply(dotu in any::<bool>(), reqs in proptest::collection::vec(request(), 1..40)) {
            let fs = RamFs::new();
            fs.add_file("a/b", b"data");
            let (mut ours, theirs) = UnixStream::pair().unwrap();
            let server = Server::new(Arc::new(fs));
            let t = std::thread::spawn(move || server.serve_stream(theirs));
            let d = if dotu { Dialect::U } else { Dialect::Plain };
            ours.write_all(&to_bytes(NOTAG, &Tversion { msize: 8192, version: d.version_string().into() }.into(), d)).unwrap();
            read_frame(&mut ours, 8192).unwrap();
            for (i, req) in reqs.iter().enumerate() {
                let tag = i as u16;
                ours.write_all(&to_bytes(tag, req, d)).unwrap();
                let frame = read_frame(&mut ours, 8192).unwrap();
                let (rtag, reply) = decode_msg(&frame, d, 8192).unwrap();
                prop_assert_eq!(rtag, tag);
                prop_assert!(reply.msg_type() == req.msg_type() + 1 || reply.msg_type() == Rerror::TYPE, "{:?} -> {:?}", req, reply);
            }
            drop(ours);
            prop_assert!(t.join().unwrap().is_ok());
        }
    }
}
