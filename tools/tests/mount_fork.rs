//! A 9P mount used by a forked child before any exec: the child has its own
//! connection (dialed on first use, its files re-walked and reopened), so
//! the parent's and the child's 9P replies never cross. busybox sh forks a
//! subshell without exec for `( … )` and runs `read` there.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use testsuite::exec::{self, Spawn, StdinSource, Termination};

const NINUX: &str = env!("CARGO_BIN_EXE_ninux");

#[test]
fn forked_children_use_a_mount_of_their_own() {
    if !Path::new("/bin/busybox").exists() {
        eprintln!("skipped: /bin/busybox is not installed (busybox-static)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("ram.sock");
    let fs = ninep::RamFs::new();
    fs.add_file("/file", b"first line\nsecond line\n");
    let server = ninep::Server::new(std::sync::Arc::new(fs));
    let _handle = server
        .spawn(&format!("unix!{}", sock.display()))
        .expect("9P server listens");
    let mnt = dir.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let nsfile = dir.path().join("ns");
    std::fs::write(
        &nsfile,
        format!(
            "bind / /\nmount -c unix!{} {}\n",
            sock.display(),
            mnt.display()
        ),
    )
    .unwrap();
    // The parent reads first (its connection is up), then subshells read a
    // fresh open, an fd inherited mid-file, and write a new file the parent
    // then reads; the parent's connection still works at the end.
    let script = format!(
        "cd {m}; read l < file; echo \"parent: $l\"
         (read l < file; echo \"child: $l\")
         exec 3< file; read l <&3
         (read l <&3; echo \"inherited fd: $l\")
         (echo made in a child > new; echo *)
         read l < new; echo \"parent reads: $l\"
         (cd /; (read l < {m}/new; echo \"grandchild: $l\"))
         read l < file; echo \"parent again: $l\"",
        m = mnt.display()
    );
    let argv: Vec<OsString> = vec![
        NINUX.into(),
        "run".into(),
        "--ns".into(),
        nsfile.clone().into(),
        "--".into(),
        "/bin/busybox".into(),
        "sh".into(),
        "-c".into(),
        script.into(),
    ];
    let run = exec::run(&Spawn {
        argv: &argv,
        env: &[("PATH".into(), "/usr/bin:/bin".into())],
        cwd: &std::env::temp_dir(),
        stdin: &StdinSource::Null,
        timeout: Duration::from_secs(60),
    })
    .expect("ninux starts");
    let out = String::from_utf8_lossy(&run.stdout);
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status, Termination::Exited(0), "{out}{err}");
    assert_eq!(
        out,
        "parent: first line\nchild: first line\ninherited fd: second line\n\
         file new\nparent reads: made in a child\ngrandchild: made in a child\n\
         parent again: first line\n",
        "{err}"
    );
}
