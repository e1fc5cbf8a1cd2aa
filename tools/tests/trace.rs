//! `ninux trace`: one strace-style line per syscall on stderr, and the
//! program's own output unchanged.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use testsuite::exec::{self, Spawn, StdinSource, Termination};

const NINUX: &str = env!("CARGO_BIN_EXE_ninux");

#[test]
fn trace_shows_write_and_the_output() {
    if !Path::new("/bin/busybox").exists() {
        eprintln!("skipped: /bin/busybox is not installed (busybox-static)");
        return;
    }
    let argv: Vec<OsString> = ["trace", "--", "/bin/busybox", "echo", "hi"]
        .iter()
        .map(OsString::from)
        .collect();
    let mut full: Vec<OsString> = vec![NINUX.into()];
    full.extend(argv);
    let cwd = std::env::temp_dir();
    let run = exec::run(&Spawn {
        argv: &full,
        env: &[("PATH".into(), "/usr/bin:/bin".into())],
        cwd: &cwd,
        stdin: &StdinSource::Null,
        timeout: Duration::from_secs(60),
    })
    .expect("ninux starts");
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status, Termination::Exited(0), "{err}");
    assert_eq!(run.stdout, b"hi\n");
    let write = err
        .lines()
        .find(|l| l.contains("] write(1, \"hi\\n\", 3)"))
        .unwrap_or_else(|| panic!("no write line in {err}"));
    assert!(write.starts_with('[') && write.ends_with(" = 3"), "{write}");
}
