//! Directories that change on the host behind a running guest's back: the
//! guest's cached walks must not outlive the change once the guest can know
//! of it (`kernel/src/hostwatch.rs`). The guest here is one single-threaded
//! shell, so the watches' doorbell vouches for its walks; it hears of the
//! change through a fifo the host writes after making it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use testsuite::host::Tool;

const NINUX: &str = env!("CARGO_BIN_EXE_ninux");

#[test]
fn a_directory_renamed_on_the_host_is_seen_as_soon_as_the_guest_hears_of_it() {
    let Some(bb) = Tool::Busybox.locate_or_skip() else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let w = t.path().join("w");
    std::fs::create_dir_all(w.join("a/b")).unwrap();
    let fifo = w.join("fifo");
    let made = Command::new(&bb).arg("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    // Well past the lookups a process makes before it watches anything, so
    // that the walks below are cached and vouched for.
    let script =
        "i=0; while [ $i -lt 200 ]; do [ -d /w/a/b ] || echo missing early; i=$((i+1)); done; \
        [ -d /w/a/b ] && echo warm; \
        read go < /w/fifo; \
        [ -d /w/a/b ] && echo a/b still there || echo a/b gone; \
        [ -d /w/c/b ] && echo c/b there || echo c/b missing; \
        [ -d /w/a ] && echo a there again";
    let bind = format!("{}:/w", w.display());
    let mut child = Command::new(NINUX)
        .args(["run", "-b", &bind, "--"])
        .arg(&bb)
        .args(["sh", "-c", script])
        .env("TMPDIR", t.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("ninux starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "warm\n");

    std::fs::rename(w.join("a"), w.join("c")).unwrap();
    std::fs::create_dir(w.join("a")).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&fifo)
        .unwrap()
        .write_all(b"go\n")
        .unwrap();

    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(rest, "a/b gone\nc/b there\na there again\n");
}
