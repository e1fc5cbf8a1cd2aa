//! The `ninux` command line: the syscall table as JSON, and `ninux run` on
//! files it cannot run, which must fail clearly (naming the file, nonzero
//! exit, no panic, no crash, no hang).

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use testsuite::exec::{self, Run, Spawn, StdinSource, Termination};

const NINUX: &str = env!("CARGO_BIN_EXE_ninux");

fn ninux(args: &[&std::ffi::OsStr]) -> Run {
    let mut argv: Vec<OsString> = vec![NINUX.into()];
    argv.extend(args.iter().map(|a| a.to_os_string()));
    let env: Vec<(OsString, OsString)> = vec![("PATH".into(), "/usr/bin:/bin".into())];
    let cwd = std::env::temp_dir();
    let spawn = Spawn {
        argv: &argv,
        env: &env,
        cwd: &cwd,
        stdin: &StdinSource::Null,
        timeout: Duration::from_secs(60),
    };
    exec::run(&spawn).expect("ninux starts")
}

/// Every `__NR_name number` in the installed kernel headers, if they are there.
fn header_syscalls() -> Option<Vec<(String, u64)>> {
    let text = [
        "/usr/include/x86_64-linux-gnu/asm/unistd_64.h",
        "/usr/include/asm/unistd_64.h",
    ]
    .iter()
    .find_map(|p| std::fs::read_to_string(p).ok())?;
    let rows = text
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            (words.next()? == "#define").then_some(())?;
            let name = words.next()?.strip_prefix("__NR_")?;
            Some((name.to_string(), words.next()?.parse().ok()?))
        })
        .collect();
    Some(rows)
}

#[test]
fn syscalls_json_lists_every_x86_64_syscall_with_a_support_level() {
    let run = ninux(&["syscalls".as_ref(), "--format".as_ref(), "json".as_ref()]);
    assert_eq!(
        run.status,
        Termination::Exited(0),
        "stderr: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let value: serde_json::Value = serde_json::from_slice(&run.stdout).expect("stdout is JSON");
    let rows = value.as_array().expect("a JSON array of syscalls");
    assert!(rows.len() >= 360, "only {} syscalls listed", rows.len());
    let mut table = std::collections::HashMap::new();
    for row in rows {
        let number = row["number"]
            .as_u64()
            .unwrap_or_else(|| panic!("no number in {row}"));
        let name = row["name"]
            .as_str()
            .unwrap_or_else(|| panic!("no name in {row}"));
        let support = row["support"]
            .as_str()
            .unwrap_or_else(|| panic!("no support in {row}"));
        assert!(
            ["full", "partial", "stub", "absent"].contains(&support),
            "support level {support:?} in {row}"
        );
        assert!(
            table.insert(number, name.to_string()).is_none(),
            "syscall {number} listed twice"
        );
    }
    // The installed headers may be older than the table, never the other way.
    if let Some(header) = header_syscalls() {
        assert!(
            header.len() >= 300,
            "header parse found only {} syscalls",
            header.len()
        );
        for (name, number) in header {
            assert_eq!(
                table.get(&number),
                Some(&name),
                "syscall {number} ({name}) from asm/unistd_64.h"
            );
        }
    }
    for number in 0..=334u64 {
        assert!(table.contains_key(&number), "syscall {number} missing");
    }
}

/// `ninux run -- path` failed the way a bad file should make it fail.
fn assert_clear_failure(path: &Path, what: &str) {
    let run = ninux(&["run".as_ref(), "--".as_ref(), path.as_os_str()]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        !stderr.contains("panicked"),
        "{what}: ninux panicked: {stderr}"
    );
    match run.status {
        Termination::Exited(0) => panic!("{what}: ninux run succeeded"),
        Termination::Exited(101) => panic!("{what}: exit 101 is Rust's panic status: {stderr}"),
        Termination::Exited(_) => {}
        other => panic!("{what}: ninux {other}: {stderr}"),
    }
    let name = path.file_name().unwrap().to_string_lossy();
    assert!(
        stderr.contains(name.as_ref()),
        "{what}: the error does not name {name}: {stderr}"
    );
}

fn executable(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// A static ELF to cut up: the suite's hello if a compiler is present, else
/// busybox, else the ninux binary itself (an ELF all the same).
fn sample_elf() -> Vec<u8> {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ninux-cli");
    let source = testsuite::cases_dir().join("startup/hello.c");
    let built = testsuite::build::build_c(
        &source,
        "startup/hello",
        testsuite::case::Toolchain::Glibc,
        &out,
    )
    .ok();
    let path = built
        .or_else(|| testsuite::host::Tool::Busybox.locate().ok())
        .unwrap_or_else(|| PathBuf::from(NINUX));
    std::fs::read(path).unwrap()
}

#[test]
fn run_of_a_missing_file_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    assert_clear_failure(&dir.path().join("no-such-program"), "missing file");
}

#[test]
fn run_of_non_elf_files_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    assert_clear_failure(&executable(dir.path(), "empty-file", b""), "empty file");
    assert_clear_failure(
        &executable(dir.path(), "text-file", b"hello, this is not a program\n"),
        "text file",
    );
    assert_clear_failure(
        &executable(dir.path(), "random-bytes", &[0x5a; 4096]),
        "random bytes",
    );
    let sub = dir.path().join("a-directory");
    std::fs::create_dir(&sub).unwrap();
    assert_clear_failure(&sub, "directory");
}

#[test]
fn run_of_truncated_or_foreign_elf_fails_clearly() {
    let elf = sample_elf();
    assert!(elf.len() > 4096 && elf.starts_with(b"\x7fELF"));
    let dir = tempfile::tempdir().unwrap();
    let phnum = u16::from_le_bytes([elf[56], elf[57]]) as usize;
    let cuts = [
        ("elf-ident-only", 16),
        ("elf-header-only", 64),
        ("elf-headers-no-segments", 64 + 56 * phnum),
        ("elf-first-half", elf.len() / 2),
    ];
    for (name, len) in cuts {
        assert_clear_failure(&executable(dir.path(), name, &elf[..len]), name);
    }
    // The same image claiming to be for another machine (EM_AARCH64) and class.
    let mut foreign = elf.clone();
    foreign[18..20].copy_from_slice(&183u16.to_le_bytes());
    assert_clear_failure(
        &executable(dir.path(), "elf-aarch64", &foreign),
        "aarch64 ELF",
    );
    let mut elf32 = elf;
    elf32[4] = 1; // ELFCLASS32 with a 64-bit layout: nonsense headers
    assert_clear_failure(
        &executable(dir.path(), "elf-class32", &elf32),
        "32-bit class ELF",
    );
}
