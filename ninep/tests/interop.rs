//! Interoperation with py9p (PyPI), a 9P2000/9P2000.u implementation written
//! independently of this crate: its server under our client, and its client
//! against our server, in both dialects.
//!
//! py9p needs Python 2; `interop_setup.sh` finds one and installs py9p when
//! missing. When that is impossible the test prints a SKIP line and returns
//! without checking anything.

use ninep::*;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn here() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests")
}

/// The Python 2 interpreter that imports py9p, or why there is none.
fn py9p_python() -> Result<String, String> {
    let out = Command::new("sh")
        .arg(here().join("interop_setup.sh"))
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run interop_setup.sh: {e}"))?;
    let py = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if out.status.success() && !py.is_empty() {
        Ok(py)
    } else {
        Err("py9p unavailable (see interop_setup.sh output above)".into())
    }
}

fn skip(why: &str) {
    // Visible with or without --nocapture: the test did not check interop.
    println!("SKIP interop with py9p: {why}");
    let _ = writeln!(std::io::stderr(), "SKIP interop with py9p: {why}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Kills the py9p server we started when the test ends, however it ends.
struct Reaper(Child);
impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn dial_retrying(addr: &str) -> Client {
    let start = Instant::now();
    loop {
        match Client::dial(addr) {
            Ok(c) => return c,
            Err(e) if start.elapsed() > Duration::from_secs(10) => {
                panic!("py9p server at {addr}: {e}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

fn our_client_against_py9p_server(py: &str, dotu: bool) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hello"), b"hello from a host file\n").unwrap();
    std::fs::create_dir_all(dir.path().join("sub/deeper")).unwrap();
    std::fs::write(dir.path().join("sub/deeper/f"), b"nested").unwrap();

    let port = free_port();
    let child = Command::new(py)
        .arg(here().join("py9p_driver.py"))
        .args([
            "server",
            &port.to_string(),
            &dir.path().display().to_string(),
            if dotu { "1" } else { "0" },
        ])
        .stdout(Stdio::null())
        .spawn()
        .expect("start py9p server");
    let _reaper = Reaper(child);

    let c = dial_retrying(&format!("tcp!127.0.0.1!{port}"));
    assert_eq!(c.dialect(), if dotu { Dialect::U } else { Dialect::Plain });
    assert_eq!(c.msize(), 8192, "py9p's msize caps ours");
    let (root, rq) = c.attach("glenda", "").unwrap();
    assert!(rq.is_dir());

    let (qids, f) = c.walk(root, &["hello"]).unwrap();
    let f = f.unwrap();
    assert_eq!(qids.len(), 1);
    let st = c.stat(f).unwrap();
    assert_eq!((st.name.as_str(), st.length), ("hello", 23));
    assert!(!st.is_dir());
    c.open(f, OREAD).unwrap();
    assert_eq!(c.read_all(f).unwrap(), b"hello from a host file\n");
    c.clunk(f).unwrap();

    let (qids, f) = c.walk_path(root, "sub/deeper/f").unwrap();
    assert_eq!(qids.len(), 3);
    assert!(qids[0].is_dir() && qids[1].is_dir() && !qids[2].is_dir());
    let f = f.unwrap();
    c.open(f, OREAD).unwrap();
    assert_eq!(c.read(f, 2, 100).unwrap(), b"sted");
    c.clunk(f).unwrap();

    assert!(matches!(
        c.walk(root, &["missing"]),
        Err(Error::Remote { .. })
    ));

    let (_, d) = c.walk(root, &[]).unwrap();
    let d = d.unwrap();
    c.open(d, OREAD).unwrap();
    let mut names: Vec<String> = c.read_dir(d).unwrap().into_iter().map(|d| d.name).collect();
    names.sort();
    assert_eq!(names, ["hello", "sub"]);
    c.clunk(d).unwrap();

    // Create and write through py9p into the host directory.
    let (_, d) = c.walk(root, &[]).unwrap();
    let d = d.unwrap();
    // OWRITE, not ORDWR: py9p 1.0.8's 9pfs fails ORDWR creates with a Python
    // exception ("local variable 'm' referenced before assignment").
    c.create(d, "made", 0o644, OWRITE, "").unwrap();
    assert_eq!(c.write(d, 0, b"written by ninep").unwrap(), 16);
    c.clunk(d).unwrap();
    assert_eq!(
        std::fs::read(dir.path().join("made")).unwrap(),
        b"written by ninep"
    );
    c.clunk(root).unwrap();
    println!(
        "ok: ninep client against py9p server ({})",
        if dotu { "9P2000.u" } else { "9P2000" }
    );
}

fn py9p_client_against_our_server(py: &str, dotu: bool) {
    let fs = RamFs::new();
    fs.add_file("hello", b"hello, world\n");
    fs.add_file("a/b/c", b"deep");
    fs.add_dir("empty");
    let fs = Arc::new(fs);
    let srv = Server::new(fs.clone()).spawn("tcp!127.0.0.1!0").unwrap();
    let port = srv.dial_string().rsplit('!').next().unwrap().to_string();
    let out = Command::new(py)
        .arg(here().join("py9p_driver.py"))
        .args(["client", &port, if dotu { "1" } else { "0" }])
        .output()
        .expect("run py9p client");
    let stdout = String::from_utf8_lossy(&out.stdout);
    print!("{stdout}");
    assert!(
        out.status.success(),
        "py9p client failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("ok remove gone"),
        "py9p client stopped early: {stdout}"
    );

    // What py9p wrote is really in the tree.
    let c = Client::dial(srv.dial_string()).unwrap();
    let (root, _) = c.attach("glenda", "").unwrap();
    let (_, f) = c.walk(root, &["made"]).unwrap();
    let f = f.unwrap();
    c.open(f, OREAD).unwrap();
    assert_eq!(c.read_all(f).unwrap(), b"from py9p");
    assert_eq!(c.stat(f).unwrap().uid, "glenda");
    println!(
        "ok: py9p client against ninep server ({})",
        if dotu { "9P2000.u" } else { "9P2000" }
    );
}

#[test]
fn interop_with_py9p() {
    let py = match py9p_python() {
        Ok(py) => py,
        Err(why) => return skip(&why),
    };
    assert!(Path::new(&here().join("py9p_driver.py")).exists());
    for dotu in [false, true] {
        our_client_against_py9p_server(&py, dotu);
        py9p_client_against_our_server(&py, dotu);
    }
}
