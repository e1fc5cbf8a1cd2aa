//! Differential test of the file syscalls: proptest generates random
//! sequences of file operations, `cases/differential/fsops.c` performs them
//! and prints every result and a final dump of the tree, and the output
//! must be the same natively and under ninux, both (a) in a host directory
//! bound read-write (`ninux run -b DIR:/w`) and (b) on the copy-on-write
//! layer over a rootfs tar (`ninux run -r root.tar`). A mismatch is shrunk to
//! a minimal sequence, printed with both outputs.
//!
//! The `ninux` binary is `$NINUX_BIN`, else `ninux` beside this test's
//! target directory (`cargo build --bin ninux` or `cargo test --workspace`
//! puts it there); without one the tests say so and pass.
//! `NINUX_DIFF_CASES=N` runs N sequences per test (default 64).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use testsuite::build::build_c;
use testsuite::case::Toolchain;

/// Names the operations use: few, so sequences collide on them often.
const NAMES: [&str; 8] = ["a", "b", "c", "d", "e", "d/a", "d/b", "e/a"];

/// With [`Known::Avoided`], only these are opened, and they only ever hold
/// regular files (see [`Known`]).
const FILES: [&str; 3] = ["b", "c", "d/b"];

/// Which sequences to generate.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Known {
    /// Any sequence of operations on [`NAMES`].
    Included,
    /// Sequences that stay clear of the ninux bugs already reported, so the
    /// rest keeps being checked while they are fixed: names split into
    /// [`FILES`] (opened, created, linked from; only ever regular files) and
    /// the others (made directories and symlinks, renamed among themselves,
    /// never opened). That keeps away from O_CREAT through a dangling symlink
    /// (EEXIST), ftruncate and lseek on directory fds of the cow layer
    /// (EISDIR, EINVAL), and link(2) of a directory (EPERM before
    /// ENOENT/EEXIST); renames into the source's own subtree or onto its own
    /// ancestor are left out too (ENOTDIR and EISDIR before EINVAL and
    /// ENOTEMPTY).
    Avoided,
}

fn any_of(names: &'static [&'static str]) -> impl Strategy<Value = &'static str> + Clone {
    proptest::sample::select(names)
}

fn is_file(name: &str) -> bool {
    FILES.contains(&name)
}

/// One operation line for `fsops`.
fn op(known: Known) -> impl Strategy<Value = String> {
    let all = any_of(&NAMES);
    let (opened, others): (BoxedStrategy<&str>, BoxedStrategy<&str>) = match known {
        Known::Included => (all.clone().boxed(), all.clone().boxed()),
        Known::Avoided => (
            any_of(&FILES).boxed(),
            any_of(&["a", "d", "e", "d/a", "e/a"]).boxed(),
        ),
    };
    let avoided = known == Known::Avoided;
    let rename_ok = move |(a, b): &(&str, &str)| {
        !avoided
            || (!b.starts_with(&format!("{a}/"))
                && !a.starts_with(&format!("{b}/"))
                && (is_file(a) || !is_file(b)))
    };
    let slot = 0..4u8;
    let flags = any_of(&["r", "w", "rw", "wc", "rwc", "wct", "wca", "wcx", "rd", "rn"]);
    let len = 0..40u32;
    prop_oneof![
        4 => (slot.clone(), opened.clone(), flags).prop_map(|(s, n, f)| format!("open {s} {n} {f}")),
        1 => (slot.clone(), opened.clone()).prop_map(|(s, n)| format!("creat {s} {n}")),
        3 => (slot.clone(), len.clone()).prop_map(|(s, l)| format!("write {s} {l}")),
        2 => (slot.clone(), len.clone(), 0..50u32)
            .prop_map(|(s, l, o)| format!("pwrite {s} {l} {o}")),
        2 => (slot.clone(), -5..50i32, 0..3u8).prop_map(|(s, o, w)| format!("lseek {s} {o} {w}")),
        3 => (slot.clone(), len).prop_map(|(s, l)| format!("read {s} {l}")),
        1 => (slot.clone(), 0..50u32).prop_map(|(s, l)| format!("ftruncate {s} {l}")),
        1 => slot.clone().prop_map(|s| format!("fstat {s}")),
        1 => slot.prop_map(|s| format!("close {s}")),
        2 => (all.clone(), all.clone())
            .prop_filter("a known bug", rename_ok)
            .prop_map(|(a, b)| format!("rename {a} {b}")),
        1 => (opened.clone(), all.clone()).prop_map(|(a, b)| format!("link {a} {b}")),
        1 => (if avoided { opened.clone() } else { all.clone().boxed() }, others.clone())
            .prop_map(|(t, a)| format!("symlink {t} {a}")),
        1 => all.clone().prop_map(|a| format!("readlink {a}")),
        2 => all.clone().prop_map(|a| format!("unlink {a}")),
        2 => any_of(&["d", "e", "d/a", "a"]).prop_map(|a| format!("mkdir {a}")),
        1 => all.clone().prop_map(|a| format!("rmdir {a}")),
        1 => all.clone().prop_map(|a| format!("stat {a}")),
        1 => all.prop_map(|a| format!("lstat {a}")),
        1 => any_of(&[".", "d", "e"]).prop_map(|a| format!("getdents {a}")),
    ]
}

fn ops(known: Known) -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec(op(known), 1..40)
}

fn work_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("differential")
}

/// The fsops binary (glibc, static), built once.
fn fsops() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let source = testsuite::cases_dir().join("differential/fsops.c");
        build_c(
            &source,
            "differential/fsops",
            Toolchain::Glibc,
            &work_dir().join("bin"),
        )
        .unwrap_or_else(|e| panic!("building fsops: {e:?}"))
    })
}

/// The ninux binary under test, or None (the test then has nothing to compare).
fn ninux() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("NINUX_BIN") {
        return Some(PathBuf::from(path));
    }
    // target/<profile>/deps/differential-HASH → target/<profile>/ninux
    let exe = std::env::current_exe().ok()?;
    let candidate = exe.parent()?.parent()?.join("ninux");
    candidate.is_file().then_some(candidate)
}

/// Runs `argv` in `cwd` with `input` on stdin; stdout, then stderr and status
/// when they are not clean (so they are part of what is compared).
fn run(argv: &[&std::ffi::OsStr], cwd: &Path, input: &str) -> String {
    let mut child = Command::new(argv[0])
        .args(&argv[1..])
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{:?}: {e}", argv[0]));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    // ninux's own warnings (unimplemented syscalls) are not the guest's output.
    let stderr: String = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.starts_with("ninux: "))
        .map(|l| format!("stderr: {l}\n"))
        .collect();
    text.push_str(&stderr);
    if !out.status.success() {
        text.push_str(&format!("status: {}\n", out.status));
    }
    text
}

fn native(input: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("w");
    run(&[fsops().as_os_str(), w.as_os_str()], dir.path(), input)
}

/// (a): the temp dir bound read-write at /w; fsops works in /w/w.
fn ninux_bound(ninux: &Path, input: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let bind = format!("{}:/w", dir.path().display());
    let argv: Vec<&std::ffi::OsStr> = vec![
        ninux.as_os_str(),
        "run".as_ref(),
        "-b".as_ref(),
        bind.as_ref(),
        "--".as_ref(),
        fsops().as_os_str(),
        "/w/w".as_ref(),
    ];
    run(&argv, dir.path(), input)
}

/// A rootfs tar holding only /tmp and the fsops binary, made once.
fn root_tar() -> &'static Path {
    static TAR: OnceLock<PathBuf> = OnceLock::new();
    TAR.get_or_init(|| {
        let root = work_dir().join("root");
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("tmp")).unwrap();
        std::fs::copy(fsops(), root.join("fsops")).unwrap();
        let tar = work_dir().join("root.tar");
        let ok = Command::new("tar")
            .arg("-cf")
            .arg(&tar)
            .arg("-C")
            .arg(&root)
            .arg(".")
            .status()
            .unwrap()
            .success();
        assert!(ok, "tar failed");
        tar
    })
}

/// (b): the copy-on-write layer over the tar; fsops works in /tmp/w.
fn ninux_tar(ninux: &Path, input: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    // The program is the tar's own /fsops: programs come from the namespace.
    let argv: Vec<&std::ffi::OsStr> = vec![
        ninux.as_os_str(),
        "run".as_ref(),
        "-r".as_ref(),
        root_tar().as_os_str(),
        "--".as_ref(),
        "/fsops".as_ref(),
        "/tmp/w".as_ref(),
    ];
    run(&argv, dir.path(), input)
}

fn cases() -> u32 {
    std::env::var("NINUX_DIFF_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64)
}

/// Runs the property: every generated sequence gives the same output natively
/// and through `under_ninux`.
fn differential(label: &str, known: Known, under_ninux: fn(&Path, &str) -> String) {
    let Some(ninux) = ninux() else {
        eprintln!("differential {label}: no ninux binary (build it, or set NINUX_BIN): skipped");
        return;
    };
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&ops(known), |ops| {
        let input: String = ops.iter().map(|l| format!("{l}\n")).collect();
        let want = native(&input);
        let got = under_ninux(&ninux, &input);
        prop_assert!(
            want == got,
            "ops:\n{input}\n--- native\n{want}\n--- ninux ({label})\n{got}"
        );
        Ok(())
    });
    if let Err(e) = result {
        panic!("differential {label}: {e}");
    }
}

#[test]
fn native_is_deterministic() {
    // The oracle itself: two native runs of one sequence agree.
    let mut runner = TestRunner::new(Config {
        cases: 16,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&ops(Known::Included), |ops| {
            let input: String = ops.iter().map(|l| format!("{l}\n")).collect();
            prop_assert_eq!(native(&input), native(&input));
            Ok(())
        })
        .unwrap();
}

#[test]
fn bound_host_directory_matches_linux() {
    differential("-b DIR:/w", Known::Avoided, ninux_bound);
}

#[test]
fn cow_layer_over_tar_matches_linux() {
    differential("-r root.tar", Known::Avoided, ninux_tar);
}

#[test]
fn bound_host_directory_matches_linux_all_sequences() {
    differential("-b DIR:/w", Known::Included, ninux_bound);
}

#[test]
fn cow_layer_over_tar_matches_linux_all_sequences() {
    differential("-r root.tar", Known::Included, ninux_tar);
}
