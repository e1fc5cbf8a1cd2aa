//! Rewritten text kept for the next exec (personality/src/rewrite/text.rs):
//! the first run of a program saves its rewritten text, the next maps that
//! file instead of patching a copy, and a damaged file is passed over.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const NINUX: &str = env!("CARGO_BIN_EXE_ninux");
const BUSYBOX: &str = "/bin/busybox";

/// Whether Debian's busybox-static is there (scripts/deps.sh installs it).
fn have_busybox() -> bool {
    let there = Path::new(BUSYBOX).exists();
    if !there {
        eprintln!("skipped: no {BUSYBOX}");
    }
    there
}

/// `ninux run` with its own temporary directory, so its caches start empty.
fn ninux(tmp: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(NINUX);
    c.env("TMPDIR", tmp).arg("run").arg("--").args(args);
    c
}

fn echo(tmp: &Path) -> Output {
    let out = ninux(tmp, &[BUSYBOX, "echo", "hi"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, b"hi\n");
    out
}

/// The rewritten texts saved under `tmp`.
fn saved(tmp: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for plans in std::fs::read_dir(tmp).unwrap().flatten() {
        for build in std::fs::read_dir(plans.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            for f in std::fs::read_dir(build.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                if f.path().extension().is_some_and(|e| e == "text") {
                    found.push(f.path());
                }
            }
        }
    }
    found
}

/// The one rewritten text saved under `tmp` (busybox's).
fn only_text(tmp: &Path) -> PathBuf {
    let texts = saved(tmp);
    assert_eq!(texts.len(), 1, "busybox's text is saved: {texts:?}");
    texts.into_iter().next().unwrap()
}

/// The host's view of the mappings of a busybox shell under ninux, taken
/// while it waits for a line.
fn host_maps_of_a_shell(tmp: &Path) -> String {
    let mut child = ninux(tmp, &[BUSYBOX, "sh", "-c", "echo ready; read x"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "ready\n");
    let maps = std::fs::read_to_string(format!("/proc/{}/maps", child.id())).unwrap();
    child.stdin.take().unwrap().write_all(b"\n").unwrap();
    assert!(child.wait().unwrap().success());
    maps
}

#[test]
fn the_second_run_of_a_program_maps_the_text_the_first_rewrote() {
    if !have_busybox() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    assert!(host_maps_of_a_shell(tmp.path())
        .lines()
        .all(|l| !l.ends_with(".text")));
    let text = only_text(tmp.path());
    let maps = host_maps_of_a_shell(tmp.path());
    let path = text.to_str().unwrap();
    assert!(
        maps.lines()
            .any(|l| l.ends_with(path) && l.contains(" r-xp ")),
        "the text is mapped from {path}:\n{maps}"
    );
    echo(tmp.path());
}

#[test]
fn a_damaged_saved_text_is_passed_over() {
    if !have_busybox() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    echo(tmp.path());
    let text = only_text(tmp.path());
    let good = std::fs::read(&text).unwrap();
    let mut other_magic = good.clone();
    other_magic[0] ^= 1;
    let mut other_segment = good.clone();
    // The first segment's image address (after magic, three u64s and the count).
    other_segment[21 + 24 + 4] ^= 0x10;
    for (what, bytes) in [
        ("cut after the header", good[..4096].to_vec()),
        ("cut short", good[..good.len() / 2].to_vec()),
        ("another magic", other_magic),
        ("another segment", other_segment),
        ("empty", Vec::new()),
    ] {
        std::fs::write(&text, &bytes).unwrap();
        let maps = host_maps_of_a_shell(tmp.path());
        assert!(
            !maps.contains(text.to_str().unwrap()),
            "{what}: the damaged text is not mapped"
        );
        echo(tmp.path());
    }
}

#[test]
fn saved_plans_and_texts_are_the_users_alone() {
    use std::os::unix::fs::PermissionsExt;
    if !have_busybox() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    // The guest's umask 0 is not what ninux's own files get.
    let out = ninux(tmp.path(), &[BUSYBOX, "sh", "-c", "umask 0; busybox true"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = only_text(tmp.path());
    let plan = text.with_extension("");
    for f in [&text, &plan] {
        let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", f.display());
    }
}

/// A static PIE loads at another address each run: its saved text and
/// trampolines, which hold no absolute address, serve every one of them.
#[test]
fn a_position_independent_program_runs_from_its_saved_text_wherever_it_loads() {
    let tmp = tempfile::tempdir().unwrap();
    let source = tmp.path().join("where.c");
    std::fs::write(
        &source,
        "#include <stdio.h>\n#include <unistd.h>\n\
         int main(void) { printf(\"%p %d\\n\", (void *)main, getppid() > 0); return 0; }\n",
    )
    .unwrap();
    let binary = tmp.path().join("where");
    let built = Command::new("cc")
        .args(["-O1", "-static-pie", "-o"])
        .arg(&binary)
        .arg(&source)
        .status();
    if !built.is_ok_and(|s| s.success()) {
        eprintln!("skipped: cc cannot link a static PIE here");
        return;
    }
    let cache = tmp.path().join("cache");
    std::fs::create_dir(&cache).unwrap();
    let mut seen = Vec::new();
    for _ in 0..4 {
        let out = ninux(&cache, &[binary.to_str().unwrap()]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = String::from_utf8(out.stdout).unwrap();
        assert!(line.ends_with(" 1\n"), "{line}");
        seen.push(line);
        assert_eq!(
            saved(&cache).len(),
            1,
            "the text is saved after the first run"
        );
    }
    seen.sort();
    seen.dedup();
    assert!(seen.len() > 1, "loaded at one address every time: {seen:?}");
}
