//! Judging runs: what makes a native run sound, what makes a ninux run agree
//! with it, and a readable diff of the first differences between two byte
//! streams (lossy for display, exact for comparison).

use std::path::Path;

use crate::case::{Case, ExitExpect, Expect, Program};
use crate::exec::{Run, Termination};

/// What ninux prefixes its own messages with; such lines on ninux's stderr are
/// its diagnostics (warnings about unimplemented syscalls, the fatal-signal
/// line), not guest output, and are taken out before stderr is compared.
pub const NINUX_PREFIX: &[u8] = b"ninux: ";

/// How the finding that ninux's stderr lacks a required substring begins.
pub const NINUX_STDERR_LACKS: &str = "ninux stderr lacks";

/// Self-check markers a C case prints when behaviour differs from Linux (see
/// the crate docs); natively they mean the case itself is broken.
const SELF_CHECK_FAILURES: [&[u8]; 5] = [b": no\n", b": no ", b"=no\n", b"=no ", b": FAILED"];

/// A run's output as it is compared.
#[derive(Debug, Default)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// ninux's own lines, removed from stderr.
    pub diagnostics: Vec<String>,
    /// The syscalls a ninux run's guests made (its syscall log), sorted.
    pub syscalls: Vec<String>,
}

/// Replaces the run's working directory (a fresh temp dir, different for each
/// run) with `<cwd>`, and for ninux runs moves its diagnostics aside.
pub fn normalize(run: &Run, cwd: &Path, is_ninux: bool) -> Output {
    let cwd = cwd.as_os_str().as_encoded_bytes();
    let stdout = replace_all(&run.stdout, cwd, b"<cwd>");
    let mut stderr = replace_all(&run.stderr, cwd, b"<cwd>");
    let mut diagnostics = Vec::new();
    if is_ninux {
        let mut kept = Vec::with_capacity(stderr.len());
        for line in stderr.split_inclusive(|&b| b == b'\n') {
            if line.starts_with(NINUX_PREFIX) {
                diagnostics.push(String::from_utf8_lossy(line).trim_end().to_string());
            } else {
                kept.extend_from_slice(line);
            }
        }
        stderr = kept;
    }
    Output {
        syscalls: Vec::new(),
        stdout,
        stderr,
        diagnostics,
    }
}

fn replace_all(hay: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    if needle.is_empty() {
        return hay.to_vec();
    }
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

fn expected_termination(expect: ExitExpect) -> Termination {
    match expect {
        ExitExpect::Code(code) => Termination::Exited(code),
        ExitExpect::Signal(sig) => Termination::Signaled(sig),
    }
}

/// Why the native run does not show what the case declares (empty: sound).
pub fn native_problems(case: &Case, run: &Run, out: &Output) -> Vec<String> {
    let mut problems = Vec::new();
    let want = expected_termination(case.expect.status);
    if run.status != want {
        problems.push(format!("native run: expected {want}, got {}", run.status));
    }
    if run.output_incomplete {
        problems.push("native run: output over the capture limit or left open".into());
    }
    if let Some(needle) = case.expect.native_stdout_contains {
        if !contains(&out.stdout, needle.as_bytes()) {
            problems.push(format!("native stdout lacks {needle:?}"));
        }
    }
    if matches!(case.program, Program::C { .. }) {
        for marker in SELF_CHECK_FAILURES {
            if let Some(line) = line_containing(&out.stdout, marker) {
                problems.push(format!("native self-check failed: {line}"));
            }
        }
    }
    if !problems.is_empty() && !out.stderr.is_empty() {
        problems.push(format!("native stderr: {}", excerpt(&out.stderr, 400)));
    }
    problems
}

/// How the ninux run differs from the native run (empty: they agree).
pub fn differences(case: &Case, native: (&Run, &Output), ninux: (&Run, &Output)) -> Vec<String> {
    differences_expecting(&case.expect, native, ninux)
}

/// [`differences`] for a run that is not a catalogued case (`ninux conform`):
/// `expect` says which parts are compared.
pub fn differences_expecting(
    expect: &Expect,
    native: (&Run, &Output),
    ninux: (&Run, &Output),
) -> Vec<String> {
    let mut found = Vec::new();
    let ((native_run, native_out), (ninux_run, ninux_out)) = (native, ninux);
    if native_run.status != ninux_run.status {
        found.push(format!(
            "exit status: native {}, ninux {}",
            native_run.status, ninux_run.status
        ));
    }
    if ninux_run.output_incomplete {
        found.push("ninux run: output over the capture limit or left open".into());
    }
    if native_out.stdout != ninux_out.stdout {
        found.push(stream_differs(
            "stdout",
            &native_out.stdout,
            &ninux_out.stdout,
        ));
    }
    if expect.compare_stderr && native_out.stderr != ninux_out.stderr {
        found.push(stream_differs(
            "stderr",
            &native_out.stderr,
            &ninux_out.stderr,
        ));
    }
    if let Some(needle) = expect.ninux_stderr_contains {
        if !contains(&ninux_run.stderr, needle.as_bytes()) {
            found.push(format!(
                "{NINUX_STDERR_LACKS} {needle:?}; it was: {}",
                excerpt(&ninux_run.stderr, 400)
            ));
        }
    }
    found
}

/// A finding whose first line (the table's note) says where and how the
/// streams part, followed by the diff.
fn stream_differs(stream: &str, native: &[u8], ninux: &[u8]) -> String {
    let (a, b) = (lines(native), lines(ninux));
    let at = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let first = match (a.get(at), b.get(at)) {
        // The ninux line alone: the two often share a long prefix.
        (Some(_), Some(y)) => format!("ninux has {:?}", excerpt(y, 60)),
        (Some(_), None) => format!("ninux stops after {at} lines of {}", a.len()),
        (None, Some(_)) => format!("ninux adds lines after {at}"),
        (None, None) => "final newline".to_string(),
    };
    format!(
        "{stream} differs at line {}: {first}\n{}",
        at + 1,
        diff(native, ninux)
    )
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

fn line_containing(hay: &[u8], needle: &[u8]) -> Option<String> {
    // Lines keep their newline, since the markers may end in one.
    hay.split_inclusive(|&b| b == b'\n')
        .find(|line| contains(line, needle))
        .map(|line| display_line(line.strip_suffix(b"\n").unwrap_or(line)))
}

/// At most `max` bytes of `bytes`, lossy, with control characters escaped.
pub fn excerpt(bytes: &[u8], max: usize) -> String {
    let mut s = display_line(&bytes[..bytes.len().min(max)]);
    if bytes.len() > max {
        s.push_str(&format!("… ({} bytes)", bytes.len()));
    }
    s
}

/// A line for display: lossy UTF-8, control characters other than tab as
/// `\xNN`, long lines cut.
fn display_line(line: &[u8]) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(&line[..line.len().min(MAX)]);
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch.is_control() && ch != '\t' {
            out.push_str(&format!("\\x{:02x}", ch as u32));
        } else {
            out.push(ch);
        }
    }
    if line.len() > MAX {
        out.push_str(&format!("… ({} bytes)", line.len()));
    }
    out
}

/// A unified-style diff of the first differing region of two byte streams:
/// common leading and trailing lines are skipped, up to 3 lines of context
/// and 20 lines per side are shown. Not a minimal diff, but cheap on
/// 100000-line outputs and clear about where the streams part.
pub fn diff(native: &[u8], ninux: &[u8]) -> String {
    const CONTEXT: usize = 3;
    const SHOWN: usize = 20;
    let a: Vec<&[u8]> = lines(native);
    let b: Vec<&[u8]> = lines(ninux);
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a_mid, b_mid) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut out = format!(
        "--- native ({} bytes, {} lines)\n+++ ninux ({} bytes, {} lines)\n@@ line {} @@\n",
        native.len(),
        a.len(),
        ninux.len(),
        b.len(),
        prefix + 1
    );
    for line in &a[prefix.saturating_sub(CONTEXT)..prefix] {
        out.push_str(&format!(" {}\n", display_line(line)));
    }
    for (sign, side) in [('-', a_mid), ('+', b_mid)] {
        for line in side.iter().take(SHOWN) {
            out.push_str(&format!("{sign}{}\n", display_line(line)));
        }
        if side.len() > SHOWN {
            out.push_str(&format!("{sign}… {} more lines\n", side.len() - SHOWN));
        }
    }
    if a_mid.is_empty() && b_mid.is_empty() {
        // Same lines, so the difference is a missing final newline.
        out.push_str("(the streams differ only in their final newline)\n");
    }
    out
}

/// Lines without their newline; a final line without one is kept as a line.
fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut v: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if bytes.ends_with(b"\n") || bytes.is_empty() {
        v.pop();
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn diff_shows_the_first_difference_with_context() {
        let d = diff(b"a\nb\nc\nd\ne\n", b"a\nb\nX\nd\ne\n");
        assert!(d.contains("@@ line 3 @@"), "{d}");
        assert!(d.contains("-c\n+X\n"), "{d}");
        assert!(d.contains(" b\n"), "{d}");
        assert!(!d.contains(" e\n"), "{d}");
    }

    #[test]
    fn diff_handles_non_utf8_and_missing_newline() {
        let d = diff(b"ok\xff\n", b"ok\xfe");
        assert!(d.contains('\u{fffd}'));
        let d = diff(b"x\n", b"x");
        assert!(d.contains("final newline"), "{d}");
    }

    #[test]
    fn normalize_replaces_cwd_and_moves_ninux_lines() {
        let run = Run {
            status: Termination::Exited(0),
            stdout: b"cwd=/tmp/abc/x\n".to_vec(),
            stderr: b"guest\nninux: warning: unimplemented syscall foo\nmore\n".to_vec(),
            output_incomplete: false,
            wall: Default::default(),
        };
        let out = normalize(&run, Path::new("/tmp/abc"), true);
        assert_eq!(out.stdout, b"cwd=<cwd>/x\n");
        assert_eq!(out.stderr, b"guest\nmore\n");
        assert_eq!(
            out.diagnostics,
            vec!["ninux: warning: unimplemented syscall foo"]
        );
        let native = normalize(&run, Path::new("/tmp/abc"), false);
        assert!(native.diagnostics.is_empty());
        assert_eq!(native.stderr, run.stderr);
    }

    fn c_case() -> Case {
        Case {
            family: "startup",
            name: "x".into(),
            program: Program::C {
                source: "startup/x.c".into(),
                toolchain: crate::case::Toolchain::Glibc,
            },
            args: vec![],
            stdin: crate::case::Stdin::Null,
            expect: Default::default(),
            divergence: None,
            timeout: Default::default(),
            hooks: Default::default(),
        }
    }

    fn exited(code: i32, stdout: &[u8]) -> (Run, Output) {
        let run = Run {
            status: Termination::Exited(code),
            stdout: stdout.to_vec(),
            stderr: vec![],
            output_incomplete: false,
            wall: Default::default(),
        };
        let out = normalize(&run, Path::new("/nowhere"), false);
        (run, out)
    }

    #[test]
    fn a_native_self_check_failure_or_wrong_status_breaks_the_case() {
        let case = c_case();
        let (run, out) = exited(0, b"a: yes\nb: no\n");
        let problems = native_problems(&case, &run, &out);
        assert_eq!(
            problems,
            vec!["native self-check failed: b: no".to_string()]
        );
        let (run, out) = exited(1, b"fine: yes\n");
        assert!(native_problems(&case, &run, &out)[0].contains("expected exit 0, got exit 1"));
        let (run, out) = exited(0, b"fine: yes\nnot=nothing\n");
        assert!(native_problems(&case, &run, &out).is_empty());
    }

    proptest! {
        #[test]
        fn diff_never_panics(a in proptest::collection::vec(any::<u8>(), 0..300),
                             b in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = diff(&a, &b);
            let _ = excerpt(&a, 17);
        }

        #[test]
        fn replace_all_without_needle_is_identity(a in proptest::collection::vec(1u8..255, 0..100)) {
            prop_assert_eq!(replace_all(&a, b"\0\0", b"x"), a);
        }
    }
}
