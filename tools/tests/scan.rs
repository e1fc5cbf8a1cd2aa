//! `ninux scan`: numbers recovered from a C program's raw syscalls, the
//! footprint of Debian's busybox-static, JSON output, and clear errors for
//! files that are not binaries.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use testsuite::build::{build_c, BuildError};
use testsuite::case::Toolchain;
use testsuite::exec::{self, Run, Spawn, StdinSource, Termination};

const NINUX: &str = env!("CARGO_BIN_EXE_ninux");
const BUSYBOX: &str = "/bin/busybox";

fn ninux(args: &[&str]) -> Run {
    let mut argv: Vec<OsString> = vec![NINUX.into()];
    argv.extend(args.iter().map(OsString::from));
    let cwd = std::env::temp_dir();
    exec::run(&Spawn {
        argv: &argv,
        env: &[],
        cwd: &cwd,
        stdin: &StdinSource::Null,
        timeout: Duration::from_secs(120),
    })
    .expect("ninux starts")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// write(2) through `mov eax, 1`, and 600, which no Linux has, through `mov eax, 600`.
const RAW_SYSCALLS: &str = r#"
static long raw_write(long fd, const void *buf, long n) {
    long ret;
    __asm__ volatile("mov $1, %%eax\n\tsyscall"
                     : "=a"(ret) : "D"(fd), "S"(buf), "d"(n) : "rcx", "r11", "memory");
    return ret;
}
static long raw_600(void) {
    long ret;
    __asm__ volatile("mov $600, %%eax\n\tsyscall" : "=a"(ret) : : "rcx", "r11", "memory");
    return ret;
}
int main(void) {
    raw_write(1, "hi\n", 3);
    return raw_600() == -38 ? 0 : 1;
}
"#;

/// The C program built with `cc -static`, or None when there is no compiler.
fn raw_syscalls_binary(dir: &Path) -> Option<PathBuf> {
    let source = dir.join("raw.c");
    std::fs::write(&source, RAW_SYSCALLS).unwrap();
    match build_c(&source, "raw", Toolchain::Glibc, dir) {
        Ok(binary) => Some(binary),
        Err(BuildError::Missing(why)) => {
            eprintln!("skipped: {why}");
            None
        }
        Err(BuildError::Failed(why)) => panic!("the test program does not build: {why}"),
    }
}

fn scan_json(path: &Path) -> serde_json::Value {
    let run = ninux(&["scan", "--format", "json", path.to_str().unwrap()]);
    assert_eq!(run.status, Termination::Exited(0), "{}", text(&run.stderr));
    serde_json::from_slice(&run.stdout).expect("scan --format json prints JSON")
}

#[test]
fn finds_raw_syscalls_with_their_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let Some(binary) = raw_syscalls_binary(dir.path()) else {
        return;
    };
    let json = scan_json(&binary);
    let numbers: Vec<u64> = json["sites"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["number"].as_u64())
        .collect();
    assert!(
        numbers.contains(&1) && numbers.contains(&600),
        "{numbers:?}"
    );
    let unknown = json["syscalls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["number"] == 600)
        .expect("600 in the footprint");
    assert_eq!(unknown["group"], "missing");
    assert!(json["missing"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m == "unknown(600)"));
    assert_eq!(json["likely_to_run"], false);

    let run = ninux(&["scan", binary.to_str().unwrap()]);
    let out = text(&run.stdout);
    assert_eq!(run.status, Termination::Exited(0), "{}", text(&run.stderr));
    assert!(out.contains("rewritable: "), "{out}");
    let verdict = out.lines().find(|l| l.starts_with("verdict: ")).unwrap();
    assert!(
        verdict.starts_with("verdict: will hit missing: "),
        "{verdict}"
    );
    assert!(verdict.contains("unknown(600)"), "{verdict}");
    let write = out
        .lines()
        .find(|l| l.trim_start().starts_with("1  write "))
        .unwrap_or_else(|| panic!("no write row in {out}"));
    assert!(write.contains("full"), "{write}");
}

#[test]
fn busybox_footprint() {
    if !Path::new(BUSYBOX).exists() {
        eprintln!("skipped: {BUSYBOX} is not installed (busybox-static)");
        return;
    }
    let json = scan_json(Path::new(BUSYBOX));
    let sites = json["syscall_sites"].as_u64().unwrap();
    let resolved = json["resolved"].as_u64().unwrap();
    assert!(sites >= 150, "only {sites} sites");
    assert!(resolved * 10 >= sites * 8, "{resolved} of {sites} resolved");
    assert_eq!(json["code_source"], "sections");
    assert!(json["rewritable"].as_u64().unwrap() <= sites);
    // Every distinct number is judged against the table, in one of four groups.
    for row in json["syscalls"].as_array().unwrap() {
        let group = row["group"].as_str().unwrap();
        assert!(
            ["supported", "partial", "stub", "missing"].contains(&group),
            "{row}"
        );
    }
    let verdict = json["verdict"].as_str().unwrap();
    assert!(
        verdict == "likely to run" || verdict.starts_with("will hit missing: "),
        "{verdict}"
    );
}

#[test]
fn bad_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk");
    std::fs::write(&junk, b"\x7fELF\x02\x01\x01 this is not really an ELF file").unwrap();
    let script = dir.path().join("script");
    std::fs::write(&script, b"#!/bin/sh\necho hi\n").unwrap();
    let missing = dir.path().join("missing");
    for (path, what) in [
        (&junk, "truncated"),
        (&script, "not an ELF file"),
        (&missing, "No such file"),
    ] {
        let run = ninux(&["scan", path.to_str().unwrap()]);
        let err = text(&run.stderr);
        assert_eq!(run.status, Termination::Exited(125), "{err}");
        assert!(err.contains(path.to_str().unwrap()), "{err}");
        assert!(err.contains(what), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn without_section_headers_segments_are_decoded_and_the_output_says_so() {
    if !Path::new(BUSYBOX).exists() {
        eprintln!("skipped: {BUSYBOX} is not installed (busybox-static)");
        return;
    }
    let mut bytes = std::fs::read(BUSYBOX).unwrap();
    // e_shoff, then e_shnum and e_shstrndx: no section headers at all.
    bytes[0x28..0x30].fill(0);
    bytes[0x3c..0x40].fill(0);
    let dir = tempfile::tempdir().unwrap();
    let stripped = dir.path().join("busybox-no-sections");
    std::fs::write(&stripped, &bytes).unwrap();
    let json = scan_json(&stripped);
    assert_eq!(json["code_source"], "segments");
    assert!(json["syscall_sites"].as_u64().unwrap() >= 150);
    let run = ninux(&["scan", stripped.to_str().unwrap()]);
    assert!(
        text(&run.stdout).contains("no section headers"),
        "{}",
        text(&run.stdout)
    );
}

/// A static Go binary (Debian's gojq, installed by scripts/deps.sh): Go's
/// runtime stubs load the number with `mov eax, NR`, so nearly every site
/// resolves, and the runtime's own calls (clone, futex) are among them.
#[test]
fn go_binary_footprint() {
    const GOJQ: &str = "/usr/bin/gojq";
    if !Path::new(GOJQ).exists() {
        eprintln!("skipped: {GOJQ} is not installed (gojq: scripts/deps.sh)");
        return;
    }
    let json = scan_json(Path::new(GOJQ));
    let sites = json["syscall_sites"].as_u64().unwrap();
    let resolved = json["resolved"].as_u64().unwrap();
    assert!(sites >= 30, "only {sites} sites");
    assert!(resolved + 2 >= sites, "{resolved} of {sites} resolved");
    let names: Vec<&str> = json["syscalls"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    for needed in ["clone", "futex", "rt_sigaction", "mmap"] {
        assert!(names.contains(&needed), "{needed} not found in {names:?}");
    }
}
