//! An independent 9P client, py9p (PyPI, Python 2), against exportfs: the
//! driver ninep's tests use (`ninep/tests/py9p_driver.py`) reads, walks,
//! stats, creates, writes, lists and removes in a namespace whose root is a
//! copy-on-write layer over a host directory. Skipped (with a SKIP line) when
//! `ninep/tests/interop_setup.sh` cannot provide py9p.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;

use kernel::exportfs::ExportFs;
use kernel::Namespace;

fn ninep_tests() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ninep/tests")
}

fn py9p_python() -> Option<String> {
    let out = Command::new("sh")
        .arg(ninep_tests().join("interop_setup.sh"))
        .stderr(Stdio::inherit())
        .output()
        .ok()?;
    let py = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !py.is_empty()).then_some(py)
}

#[test]
fn py9p_client_against_exportfs() {
    let Some(py) = py9p_python() else {
        println!("SKIP interop with py9p: py9p unavailable");
        return;
    };
    for dotu in ["0", "1"] {
        let t = tempfile::tempdir().unwrap();
        let (lower, upper) = (t.path().join("lower"), t.path().join("upper"));
        std::fs::create_dir_all(lower.join("a/b")).unwrap();
        std::fs::create_dir_all(lower.join("empty")).unwrap();
        std::fs::write(lower.join("hello"), b"hello, world\n").unwrap();
        std::fs::write(lower.join("a/b/c"), b"deep").unwrap();
        let root = kernel::dev::attach(&format!("#W{}:#Z{}", upper.display(), lower.display()))
            .unwrap()
            .0;
        let ns = Arc::new(Namespace::new(root));
        let h = ninep::Server::new(Arc::new(ExportFs::new(ns)))
            .spawn("tcp!127.0.0.1!0")
            .unwrap();
        let port = h.dial_string().rsplit('!').next().unwrap().to_string();
        let out = Command::new(&py)
            .arg(ninep_tests().join("py9p_driver.py"))
            .args(["client", &port, dotu])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        print!("{stdout}");
        assert!(
            out.status.success(),
            "py9p client (dotu={dotu}) failed: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("ok remove gone"), "stopped early: {stdout}");
        // What py9p wrote went to the writable layer only.
        assert_eq!(std::fs::read(upper.join("made")).unwrap(), b"from py9p");
        assert!(!lower.join("made").exists());
    }
}
