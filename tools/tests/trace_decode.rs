//! `ninux trace` end to end: decoded arguments, `-o FILE` leaving the
//! guest's stdout alone, and `--kernel` showing the namespace walks (and 9P
//! messages for a mounted server) under each syscall.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use testsuite::exec::{self, Spawn, StdinSource, Termination};

const NINUX: &str = env!("CARGO_BIN_EXE_ninux");

fn busybox() -> bool {
    let there = Path::new("/bin/busybox").exists();
    if !there {
        eprintln!("skipped: /bin/busybox is not installed (busybox-static)");
    }
    there
}

fn ninux(args: &[&str]) -> exec::Run {
    let mut argv: Vec<OsString> = vec![NINUX.into()];
    argv.extend(args.iter().map(OsString::from));
    exec::run(&Spawn {
        argv: &argv,
        env: &[("PATH".into(), "/usr/bin:/bin".into())],
        cwd: &std::env::temp_dir(),
        stdin: &StdinSource::Null,
        timeout: Duration::from_secs(60),
    })
    .expect("ninux starts")
}

#[test]
fn dash_o_writes_the_trace_to_a_file_and_leaves_stdout_alone() {
    if !busybox() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trace.txt");
    let run = ninux(&[
        "trace",
        "-o",
        file.to_str().unwrap(),
        "--",
        "/bin/busybox",
        "ls",
        "/",
    ]);
    assert_eq!(
        run.status,
        Termination::Exited(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let plain = ninux(&["run", "--", "/bin/busybox", "ls", "/"]);
    assert_eq!(run.stdout, plain.stdout, "the trace must not reach stdout");
    assert!(
        run.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let trace = std::fs::read_to_string(&file).unwrap();
    let open = trace
        .lines()
        .find(|l| l.contains(" openat(AT_FDCWD, \"/\", O_RDONLY|"))
        .unwrap_or_else(|| panic!("no openat of / in {trace}"));
    assert!(open.contains("O_DIRECTORY"), "{open}");
    let pid = open.trim_start_matches('[').split(']').next().unwrap();
    assert!(pid.parse::<u32>().is_ok(), "{open}");
    // An error result is named and described.
    let missing = ninux(&[
        "trace",
        "-o",
        file.to_str().unwrap(),
        "--",
        "/bin/busybox",
        "cat",
        "/nonexistent",
    ]);
    assert_eq!(missing.status, Termination::Exited(1));
    let trace = std::fs::read_to_string(&file).unwrap();
    assert!(
        trace.contains("\"/nonexistent\", O_RDONLY) = -1 ENOENT (No such file or directory)"),
        "{trace}"
    );
}

#[test]
fn kernel_shows_the_walk_under_the_syscall() {
    if !busybox() || !Path::new("/etc/hostname").exists() {
        return;
    }
    let run = ninux(&[
        "trace",
        "--kernel",
        "--",
        "/bin/busybox",
        "cat",
        "/etc/hostname",
    ]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status, Termination::Exited(0), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(" openat(AT_FDCWD, \"/etc/hostname\""))
        .unwrap_or_else(|| panic!("no openat in {err}"));
    let under: Vec<&str> = lines[at + 1..]
        .iter()
        .take_while(|l| l.contains("]     "))
        .copied()
        .collect();
    assert!(
        under.iter().any(|l| l.contains("walk /etc/hostname")),
        "no walk line under {}: {err}",
        lines[at]
    );
}

#[test]
fn kernel_shows_9p_messages_of_a_mounted_server() {
    if !busybox() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("ram.sock");
    let fs = ninep::RamFs::new();
    fs.add_file("/file", b"from 9p\n");
    let server = ninep::Server::new(std::sync::Arc::new(fs));
    let _handle = server
        .spawn(&format!("unix!{}", sock.display()))
        .expect("9P server listens");
    // The mount point must exist in the host tree bound at `/`.
    let mnt = dir.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let file = mnt.join("file");
    let nsfile = dir.path().join("ns");
    std::fs::write(
        &nsfile,
        format!(
            "bind / /\nmount unix!{} {}\n",
            sock.display(),
            mnt.display()
        ),
    )
    .unwrap();
    let run = ninux(&[
        "trace",
        "--kernel",
        "--ns",
        nsfile.to_str().unwrap(),
        "--",
        "/bin/busybox",
        "cat",
        file.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status, Termination::Exited(0), "{err}");
    assert_eq!(run.stdout, b"from 9p\n");
    assert!(
        err.contains("Twalk fid ") && err.contains("[\"file\"]"),
        "{err}"
    );
    assert!(err.contains("Topen fid "), "{err}");
    assert!(
        err.contains("Tread fid ") && err.contains("Rread 8 bytes"),
        "{err}"
    );
}
