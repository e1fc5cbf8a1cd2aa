//! Files the caller hands ninux beyond stdio (`7<in 8>out`, a jobserver, a
//! lock a script holds) reach the guest at the same numbers, as they reach a
//! program exec'd natively; and ninux's own files never show up there.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use testsuite::host::Tool;

const NINUX: &str = env!("CARGO_BIN_EXE_ninux");

fn busybox() -> Option<PathBuf> {
    Tool::Busybox.locate_or_skip()
}

/// Runs `script` under the host's sh, which opens the redirections and then
/// execs ninux with them.
fn host_sh(script: &str) -> (String, String, bool) {
    let out = Command::new("/bin/sh")
        .args(["-c", script])
        .stdin(Stdio::null())
        .output()
        .expect("/bin/sh starts");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

#[test]
fn fds_inherited_beyond_stdio_are_the_guests_at_the_same_numbers() {
    let Some(bb) = busybox() else { return };
    let t = tempfile::tempdir().unwrap();
    let input = t.path().join("in");
    std::fs::write(&input, "from fd 7\n").unwrap();
    // Native first, then ninux: the same fds, the same data through them.
    let mut seen = Vec::new();
    for runner in ["", &format!("{NINUX} run --")] {
        let output = t.path().join("out");
        let script = format!(
            "exec {runner} {bb} sh -c 'cat <&7; echo to fd 8 >&8; \
             ls /proc/self/fd; cat <&9' 7<{input} 8>{output} 9</dev/null",
            bb = bb.display(),
            input = input.display(),
            output = output.display(),
        );
        let (stdout, stderr, ok) = host_sh(&script);
        assert!(ok, "{runner}: stdout: {stdout}\nstderr: {stderr}");
        assert!(stdout.starts_with("from fd 7\n"), "{runner}: {stdout}");
        assert_eq!(std::fs::read_to_string(&output).unwrap(), "to fd 8\n");
        let mut fds: Vec<u32> = stdout
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect();
        fds.sort();
        seen.push(fds);
    }
    for fd in [0, 1, 2, 7, 8, 9] {
        assert!(
            seen[1].contains(&fd),
            "fd {fd} missing under ninux: {seen:?}"
        );
    }
    // ninux's own files never sit at numbers the guest can see.
    assert_eq!(seen[0], seen[1], "native, then ninux");
}
