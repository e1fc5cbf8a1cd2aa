//! Our client against our server (RamFs), over unix sockets and TCP.

use ninep::errstr::*;
use ninep::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn tree() -> Arc<RamFs> {
    let fs = RamFs::new();
    fs.add_file("hello", b"hello, world\n");
    fs.add_file("a/b/c", b"deep");
    fs.add_dir("empty");
    Arc::new(fs)
}

fn unix_addr(tag: &str) -> String {
    let p = std::env::temp_dir().join(format!("ninep-test-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_file(&p);
    format!("unix!{}", p.display())
}

fn remote_ename(r: Result<impl std::fmt::Debug, Error>) -> String {
    match r {
        Err(Error::Remote { ename, .. }) => ename,
        other => panic!("expected Rerror, got {other:?}"),
    }
}

/// The same session over any transport: every operation once, plus errors.
fn exercise(c: &Client) {
    let (root, rq) = c.attach("glenda", "").unwrap();
    assert!(rq.is_dir());

    // walk + open + read
    let (qids, f) = c.walk(root, &["hello"]).unwrap();
    let f = f.unwrap();
    assert_eq!(qids.len(), 1);
    c.open(f, OREAD).unwrap();
    assert_eq!(c.read_all(f).unwrap(), b"hello, world\n");
    assert_eq!(c.read(f, 7, 5).unwrap(), b"world");
    c.clunk(f).unwrap();

    // Partial walk: qids for what exists, no fid; a first-name failure is an error.
    let (qids, f) = c.walk(root, &["a", "b", "nope", "x"]).unwrap();
    assert_eq!((qids.len(), f), (2, None));
    assert_eq!(remote_ename(c.walk(root, &["nope"])), ENONEXIST);
    // More than 16 names goes out in several Twalks.
    let mut long: Vec<&str> = ["a", ".."].repeat(9);
    long.extend(["a", "b", "c"]);
    let (qids, f) = c.walk(root, &long).unwrap();
    assert_eq!(qids.len(), 21);
    let f = f.unwrap();
    c.open(f, OREAD).unwrap();
    assert_eq!(c.read_all(f).unwrap(), b"deep");
    c.clunk(f).unwrap();

    // create, write, stat, wstat (rename, truncate), directory listing
    let (_, d) = c.walk(root, &[]).unwrap();
    let d = d.unwrap();
    c.create(d, "new", 0o644, ORDWR, "").unwrap();
    assert_eq!(c.write(d, 0, b"0123456789").unwrap(), 10);
    let st = c.stat(d).unwrap();
    assert_eq!(
        (st.name.as_str(), st.length, st.uid.as_str()),
        ("new", 10, "glenda")
    );
    let mut w = Dir::dont_touch();
    w.name = "renamed".into();
    w.length = 4;
    c.wstat(d, &w).unwrap();
    assert_eq!(c.read_all(d).unwrap(), b"0123");
    c.clunk(d).unwrap();
    let mut w = Dir::dont_touch();
    w.name = "hello".into();
    let (_, r) = c.walk(root, &["renamed"]).unwrap();
    let r = r.unwrap();
    assert_eq!(
        remote_ename(c.wstat(r, &w)),
        EEXIST,
        "a rename never overwrites"
    );
    c.clunk(r).unwrap();

    let (_, d) = c.walk(root, &[]).unwrap();
    let d = d.unwrap();
    c.open(d, OREAD).unwrap();
    let mut names: Vec<String> = c.read_dir(d).unwrap().into_iter().map(|d| d.name).collect();
    names.sort();
    assert_eq!(names, ["a", "empty", "hello", "renamed"]);
    c.clunk(d).unwrap();

    // Creating an existing name fails; a directory cannot be opened for writing.
    let (_, d) = c.walk(root, &[]).unwrap();
    let d = d.unwrap();
    assert_eq!(
        remote_ename(c.create(d, "hello", 0o644, OWRITE, "")),
        EEXIST
    );
    assert_eq!(remote_ename(c.open(d, OWRITE)), EISDIR);
    c.clunk(d).unwrap();

    // remove: a non-empty directory fails, and the fid is gone anyway.
    let (_, a) = c.walk(root, &["a"]).unwrap();
    let a = a.unwrap();
    assert_eq!(remote_ename(c.remove(a)), ENOTEMPTY);
    assert_eq!(remote_ename(c.rpc(Tclunk { fid: a })), EUNKNOWNFID);
    let (_, r) = c.walk(root, &["renamed"]).unwrap();
    c.remove(r.unwrap()).unwrap();
    assert_eq!(remote_ename(c.walk(root, &["renamed"])), ENONEXIST);
    c.clunk(root).unwrap();
}

#[test]
fn unix_socket_session() {
    let srv = Server::new(tree()).spawn(&unix_addr("session")).unwrap();
    let c = Client::dial(srv.dial_string()).unwrap();
    assert_eq!(c.dialect(), Dialect::U);
    exercise(&c);
}

#[test]
fn tcp_session() {
    let srv = Server::new(tree()).spawn("tcp!127.0.0.1!0").unwrap();
    assert!(srv.dial_string().starts_with("tcp!127.0.0.1!"));
    let c = Client::dial(srv.dial_string()).unwrap();
    exercise(&c);
}

#[test]
fn plain_server_makes_client_fall_back() {
    let srv = Server::new(tree())
        .plain_only()
        .spawn(&unix_addr("plain"))
        .unwrap();
    let c = Client::dial(srv.dial_string()).unwrap();
    assert_eq!(c.dialect(), Dialect::Plain);
    exercise(&c);
}

#[test]
fn rerror_carries_errno_in_dotu() {
    let srv = Server::new(tree()).spawn(&unix_addr("errno")).unwrap();
    let c = Client::dial(srv.dial_string()).unwrap();
    let (root, _) = c.attach("glenda", "").unwrap();
    match c.walk(root, &["nope"]) {
        Err(Error::Remote { ename, errno }) => {
            assert_eq!((ename.as_str(), errno), (ENONEXIST, Some(2)))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn tversion_resets_fids_and_refuses_unknown_versions() {
    let srv = Server::new(tree()).spawn(&unix_addr("version")).unwrap();
    let c = Client::dial(srv.dial_string()).unwrap();
    let (root, _) = c.attach("glenda", "").unwrap();
    let r = c
        .rpc(Tversion {
            msize: 8192,
            version: "9P2000.u".into(),
        })
        .unwrap();
    assert_eq!(
        r,
        Fcall::Rversion(Rversion {
            msize: 8192,
            version: "9P2000.u".into()
        })
    );
    assert_eq!(remote_ename(c.rpc(Tstat { fid: root })), EUNKNOWNFID);
    let r = c
        .rpc(Tversion {
            msize: 8192,
            version: "9P3000".into(),
        })
        .unwrap();
    assert_eq!(
        r,
        Fcall::Rversion(Rversion {
            msize: 8192,
            version: "unknown".into()
        })
    );
    // Nothing but Tversion is served on an unversioned connection.
    let mut raw = DialAddr::parse(srv.dial_string())
        .unwrap()
        .connect()
        .unwrap();
    use std::io::Write;
    raw.write_all(&to_bytes(1, &Tflush { oldtag: 2 }.into(), Dialect::Plain))
        .unwrap();
    let frame = read_frame(&mut raw, 8192).unwrap();
    let want = Fcall::Rerror(Rerror {
        ename: ENOVERSION.into(),
        errno: 0,
    });
    assert_eq!(decode_msg(&frame, Dialect::Plain, 8192).unwrap(), (1, want));
}

/// Counts this process's open descriptors.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn eight_clients_ten_thousand_reads_each() {
    let fs = RamFs::new();
    for i in 0..8 {
        // Each client's file differs at every offset, so a reply delivered to
        // the wrong caller shows up as wrong bytes.
        let data: Vec<u8> = (0..4096u32).map(|k| (k * 7 + i * 31) as u8).collect();
        fs.add_file(&format!("f{i}"), &data);
    }
    let srv = Server::new(Arc::new(fs)).spawn(&unix_addr("many")).unwrap();
    let addr = srv.dial_string().to_string();
    // Let the accept thread settle before counting.
    std::thread::sleep(Duration::from_millis(50));
    let before = open_fds();
    let workers: Vec<_> = (0..8u32)
        .map(|i| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let c = Arc::new(Client::dial(&addr).unwrap());
                let (root, _) = c.attach("glenda", "").unwrap();
                let (_, f) = c.walk(root, &[&format!("f{i}")]).unwrap();
                let f = f.unwrap();
                c.open(f, OREAD).unwrap();
                // Two threads share each client, so replies are multiplexed.
                let halves: Vec<_> = (0..2u32)
                    .map(|h| {
                        let c = c.clone();
                        std::thread::spawn(move || {
                            for n in 0..5000u32 {
                                let off = (n * 13 + h * 1000) % 4000;
                                let got = c.read(f, off as u64, 16).unwrap();
                                let want: Vec<u8> =
                                    (off..off + 16).map(|k| (k * 7 + i * 31) as u8).collect();
                                assert_eq!(got, want, "client {i} thread {h} read {n}");
                            }
                        })
                    })
                    .collect();
                for h in halves {
                    h.join().unwrap();
                }
                c.clunk(f).unwrap();
                c.clunk(root).unwrap();
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    // Server-side connection threads close their descriptors when they see
    // the hangup; give them a moment.
    let mut after = open_fds();
    for _ in 0..100 {
        if after <= before && srv.connections() == 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        after = open_fds();
    }
    assert!(after <= before, "descriptors grew from {before} to {after}");
    assert_eq!(srv.connections(), 0);
}

/// A RamFs whose file "slow" takes a while to walk to and to read.
struct Slow(RamFs);

impl FileServer for Slow {
    type Fid = <RamFs as FileServer>::Fid;
    fn attach(&self, u: &str, a: &str) -> FsResult<(Self::Fid, Qid)> {
        self.0.attach(u, a)
    }
    fn walk(&self, f: &Self::Fid, n: &[&str]) -> FsResult<(Vec<Qid>, Option<Self::Fid>)> {
        if n.contains(&"slow") {
            std::thread::sleep(Duration::from_millis(300));
        }
        self.0.walk(f, n)
    }
    fn open(&self, f: &mut Self::Fid, m: u8) -> FsResult<(Qid, u32)> {
        self.0.open(f, m)
    }
    fn create(&self, f: &mut Self::Fid, n: &str, p: u32, m: u8, e: &str) -> FsResult<(Qid, u32)> {
        self.0.create(f, n, p, m, e)
    }
    fn read(&self, f: &mut Self::Fid, o: u64, c: u32) -> FsResult<Vec<u8>> {
        if self.0.stat(f)?.name == "slow" {
            std::thread::sleep(Duration::from_millis(300));
        }
        self.0.read(f, o, c)
    }
    fn readdir(&self, f: &mut Self::Fid) -> FsResult<Vec<Dir>> {
        self.0.readdir(f)
    }
    fn write(&self, f: &mut Self::Fid, o: u64, d: &[u8]) -> FsResult<u32> {
        self.0.write(f, o, d)
    }
    fn remove(&self, f: Self::Fid) -> FsResult<()> {
        self.0.remove(f)
    }
    fn stat(&self, f: &Self::Fid) -> FsResult<Dir> {
        self.0.stat(f)
    }
    fn wstat(&self, f: &Self::Fid, d: &Dir) -> FsResult<()> {
        self.0.wstat(f, d)
    }
    /// Everything but "fast" may be slow, as the loop is told.
    fn may_block(&self, f: &Self::Fid) -> bool {
        self.0.stat(f).is_ok_and(|d| d.name != "fast")
    }
}

#[test]
fn flush_consumes_the_flushed_reply() {
    let fs = RamFs::new();
    fs.add_file("slow", b"tortoise");
    fs.add_file("fast", b"hare");
    let srv = Server::new(Arc::new(Slow(fs)))
        .spawn(&unix_addr("flush"))
        .unwrap();
    let c = Arc::new(Client::dial(srv.dial_string()).unwrap());
    let (root, _) = c.attach("glenda", "").unwrap();
    let open = |name: &str| {
        let (_, f) = c.walk(root, &[name]).unwrap();
        let f = f.unwrap();
        c.open(f, OREAD).unwrap();
        f
    };
    let (slow, fast) = (open("slow"), open("fast"));

    let read = |fid| Tread {
        fid,
        offset: 0,
        count: 100,
    };

    // A blocked request holds up nothing else on the connection.
    let t = Instant::now();
    let p = c.start(read(slow)).unwrap();
    for _ in 0..10 {
        assert_eq!(c.read(fast, 0, 100).unwrap(), b"hare");
    }
    assert!(
        t.elapsed() < Duration::from_millis(250),
        "fast reads waited for the slow one"
    );
    match p.wait().unwrap() {
        Fcall::Rread(r) => assert_eq!(r.data, b"tortoise"),
        other => panic!("{other:?}"),
    }

    // The caller cancels its own blocked request: Rflush comes at once and
    // the late Rread is dropped by the server.
    let t = Instant::now();
    let p = c.start(read(slow)).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(p.flush().unwrap(), None);
    assert!(
        t.elapsed() < Duration::from_millis(250),
        "flush waited for the request"
    );

    // Flushing a request already answered hands its reply back.
    let p = c.start(read(fast)).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    assert!(matches!(p.flush().unwrap(), Some(Fcall::Rread(_))));

    // Another thread flushes a request while its caller waits on it.
    let p = c.start(read(slow)).unwrap();
    let id = p.id();
    let c2 = c.clone();
    let flusher = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        c2.flush(id).unwrap()
    });
    assert!(matches!(p.wait(), Err(Error::Flushed)));
    flusher.join().unwrap();

    // A flushed id cannot cancel whatever reuses its tag later.
    c.flush(id).unwrap();
    // A request dropped unwaited leaves nothing behind: later replies still
    // reach the right callers.
    drop(
        c.start(Tread {
            fid: slow,
            offset: 0,
            count: 100,
        })
        .unwrap(),
    );
    for _ in 0..50 {
        assert_eq!(c.read(fast, 0, 100).unwrap(), b"hare");
    }
    assert_eq!(c.read(slow, 4, 100).unwrap(), b"oise");
}

#[test]
fn hangup_fails_outstanding_and_later_calls() {
    let srv = Server::new(tree()).spawn(&unix_addr("hangup")).unwrap();
    let c = Client::dial(srv.dial_string()).unwrap();
    let (root, _) = c.attach("glenda", "").unwrap();
    drop(srv);
    // The server hung up every connection; the client sees it, not a hang.
    let r = c.stat(root);
    assert!(
        matches!(r, Err(Error::Hungup(_)) | Err(Error::Io(_))),
        "{r:?}"
    );
    assert!(matches!(c.stat(root), Err(Error::Hungup(_))));
}

#[test]
fn flushed_walk_leaves_no_fid() {
    let fs = RamFs::new();
    fs.add_file("slow", b"tortoise");
    let srv = Server::new(Arc::new(Slow(fs)))
        .spawn(&unix_addr("flushwalk"))
        .unwrap();
    let c = Client::dial(srv.dial_string()).unwrap();
    let (root, _) = c.attach("glenda", "").unwrap();
    let newfid = 1000;
    let walk = Twalk {
        fid: root,
        newfid,
        wnames: vec!["slow".into()],
    };
    let p = c.start(walk.clone()).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(p.flush().unwrap(), None);
    // Once the walk has finished on the server, the number is still free.
    std::thread::sleep(Duration::from_millis(400));
    assert!(matches!(c.rpc(walk), Ok(Fcall::Rwalk(r)) if r.wqids.len() == 1));
    c.clunk(newfid).unwrap();
}

#[test]
fn client_survives_a_hostile_server() {
    use std::io::Write;
    use std::os::unix::net::UnixStream;
    // Each reply after Rversion is broken differently: garbage inside a
    // well-sized frame, then a frame far above msize.
    for bad in [
        vec![9u8, 0, 0, 0, 200, 1, 0, 0xff, 0xff],
        vec![0xff, 0xff, 0xff, 0x7f],
    ] {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        let server = std::thread::spawn(move || {
            let f = read_frame(&mut theirs, 1 << 20).unwrap();
            let (tag, _) = decode_msg(&f, Dialect::U, 1 << 20).unwrap();
            let r = Rversion {
                msize: 8192,
                version: "9P2000".into(),
            };
            theirs
                .write_all(&to_bytes(tag, &r.into(), Dialect::Plain))
                .unwrap();
            read_frame(&mut theirs, 1 << 20).unwrap();
            theirs.write_all(&bad).unwrap();
            theirs
        });
        let c = Client::new(ours, 8192, Dialect::U).unwrap();
        assert_eq!(
            c.dialect(),
            Dialect::Plain,
            "fell back to what the server speaks"
        );
        assert!(matches!(c.stat(0), Err(Error::Hungup(_))));
        assert!(matches!(c.stat(0), Err(Error::Hungup(_))));
        drop(server.join().unwrap());
    }
}
