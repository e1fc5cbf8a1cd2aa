//! `ninux trace` across a guest's execve: the execve line, then the new
//! image's syscalls under the same pid, in the same `-o` file (the re-exec'd
//! ninux inherits the trace mode and its output fd).

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use testsuite::exec::{self, Spawn, StdinSource, Termination};

const NINUX: &str = env!("CARGO_BIN_EXE_ninux");

#[test]
fn trace_follows_execve() {
    if !Path::new("/bin/busybox").exists() {
        eprintln!("skipped: /bin/busybox is not installed (busybox-static)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("trace.txt");
    let full: Vec<OsString> = vec![
        NINUX.into(),
        "trace".into(),
        "-o".into(),
        out.clone().into(),
        "--".into(),
        "/bin/busybox".into(),
        "sh".into(),
        "-c".into(),
        "busybox cat /dev/null; echo done".into(),
    ];
    let run = exec::run(&Spawn {
        argv: &full,
        env: &[("PATH".into(), "/usr/bin:/bin".into())],
        cwd: dir.path(),
        stdin: &StdinSource::Null,
        timeout: Duration::from_secs(60),
    })
    .expect("ninux starts");
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status, Termination::Exited(0), "{err}");
    assert_eq!(run.stdout, b"done\n");
    let trace = std::fs::read_to_string(&out).expect("the trace file");
    let lines: Vec<&str> = trace.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("] execve(") && l.ends_with(" = 0"))
        .unwrap_or_else(|| panic!("no execve line in {trace}"));
    let who = &lines[at][..lines[at].find(']').unwrap() + 1];
    // The new image starts as every static program does: with brk(NULL).
    assert!(
        lines[at + 1..]
            .iter()
            .any(|l| l.starts_with(who) && l.contains("brk(NULL)")),
        "no line of the new image after the execve in {trace}"
    );
}
