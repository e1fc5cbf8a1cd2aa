//! The runner's judgement, checked with stand-ins for ninux written as shell
//! scripts: one that runs the program faithfully passes, and ones that break
//! the contract in known ways produce the findings they should.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use testsuite::{catalog, runner, Outcome, Report};

/// Writes an executable `ninux` stand-in whose `run -- PROG ARGS…` runs `body`
/// with the program as "$@".
fn fake_ninux(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    let script = format!(
        "#!/bin/sh\n[ \"$1\" = run ] || exit 125\nshift\n[ \"$1\" = -- ] && shift\n{body}\n"
    );
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn run_with(ninux: PathBuf, ids: &[&str]) -> Report {
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ninux-fake");
    let cases: Vec<_> = catalog::all()
        .into_iter()
        .filter(|c| ids.contains(&c.id().as_str()))
        .collect();
    assert_eq!(cases.len(), ids.len(), "case ids changed");
    let mut config = runner::Config::new(ninux, work);
    config.progress = false;
    runner::run(&config, cases)
}

fn outcome(report: &Report, id: &str) -> (Outcome, String) {
    let case = report.cases.iter().find(|c| c.id == id).unwrap();
    let text = format!("{:?} {}", case.reason, case.findings.join("\n"));
    (case.outcome, text)
}

#[test]
fn a_faithful_stand_in_passes_and_a_silent_one_misses_the_signal_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    // exec keeps the runner as the program's parent, as in-process ninux does.
    let ninux = fake_ninux(dir.path(), "exec-ninux", "exec \"$@\"");
    let report = run_with(
        ninux,
        &["startup/hello", "errors/exit_code", "errors/null_write"],
    );
    if report.cases.iter().any(|c| c.outcome == Outcome::Skipped) {
        return; // no C compiler on this host: nothing to judge
    }
    assert_eq!(
        outcome(&report, "startup/hello").0,
        Outcome::Pass,
        "{}",
        report.details()
    );
    assert_eq!(
        outcome(&report, "errors/exit_code").0,
        Outcome::Pass,
        "{}",
        report.details()
    );
    let (o, text) = outcome(&report, "errors/null_write");
    assert_eq!(o, Outcome::Fail);
    assert!(text.contains("lacks \"SIGSEGV\""), "{text}");
}

#[test]
fn wrong_output_status_and_stderr_are_each_caught() {
    let dir = tempfile::tempdir().unwrap();
    let ninux = fake_ninux(
        dir.path(),
        "bad-ninux",
        "echo 'ninux: warning: this line is a diagnostic and is ignored' >&2\n\
         \"$@\" | tr a-z A-Z\n\
         echo stray >&2\n\
         exit 3",
    );
    let report = run_with(ninux, &["startup/hello"]);
    if report.cases.iter().any(|c| c.outcome == Outcome::Skipped) {
        return;
    }
    let (o, text) = outcome(&report, "startup/hello");
    assert_eq!(o, Outcome::Fail);
    assert!(
        text.contains("exit status: native exit 0, ninux exit 3"),
        "{text}"
    );
    assert!(text.contains("-hello, world\n+HELLO, WORLD"), "{text}");
    assert!(
        text.contains("stderr differs") && text.contains("+stray"),
        "{text}"
    );
    assert!(!text.contains("+ninux: warning"), "{text}");
    let case = &report.cases[0];
    assert_eq!(case.ninux_diagnostics.len(), 1);
}

#[test]
fn a_stand_in_that_cannot_start_fails_every_case_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let report = run_with(
        dir.path().join("no-such-ninux"),
        &["startup/hello", "busybox/true"],
    );
    for case in &report.cases {
        assert!(
            matches!(case.outcome, Outcome::Error | Outcome::Skipped),
            "{:?}",
            case.outcome
        );
    }
}
