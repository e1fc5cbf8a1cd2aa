//! `docs/syscalls.md` is `ninux syscalls --format md`, regenerated with the
//! built binary: a table change without the regenerated report fails here.

use std::process::Command;

const NINUX: &str = env!("CARGO_BIN_EXE_ninux");

#[test]
fn docs_syscalls_md_is_current() {
    let out = Command::new(NINUX)
        .args(["syscalls", "--format", "md"])
        .output()
        .expect("ninux runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/syscalls.md");
    let committed = std::fs::read(path).unwrap_or_default();
    assert!(
        committed == out.stdout,
        "docs/syscalls.md is stale: run `ninux syscalls --format md > docs/syscalls.md`"
    );
}
