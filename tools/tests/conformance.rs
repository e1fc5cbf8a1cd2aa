//! The conformance suite against the `ninux` binary: every case of
//! `testsuite::catalog` runs natively and under `ninux run`, and must agree.
//!
//! Prints a table per family, the details of every case that did not pass,
//! and the line `conformance: N passed, M failed, K skipped`; writes the JSON
//! report to `<target>/tmp/ninux-conformance/report.json` (failing runs' raw
//! output under `failures/` beside it). Fails if any case fails or errors.
//!
//! It runs twice: with syscall-site rewriting (the default) and with
//! `--no-rewrite`, whose summary line starts `conformance --no-rewrite:`.
//!
//! Environment: `NINUX_CONFORMANCE_FILTER=busybox,startup/hello` runs only
//! cases whose id contains one of the comma-separated strings;
//! `NINUX_CONFORMANCE_JOBS=N` runs N cases at once (default 2).
//!
//! A full run (no filter, nothing skipped, every case passing or a known
//! divergence) also checks `docs/coverage.tsv`, which syscalls each case
//! makes (see `testsuite::coverage`), and fails when it is stale;
//! `NINUX_UPDATE_COVERAGE=1` (or `=fresh`) rewrites it instead.

use std::io::Write;
use std::path::PathBuf;

use testsuite::coverage::Coverage;
use testsuite::{catalog, runner};

/// The two suites share the machine: one at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// With syscall-site rewriting (the default): rewritten sites take the fast path.
#[test]
fn conformance() {
    suite(&[], "ninux-conformance", "conformance");
}

/// With `ninux run --no-rewrite`: every syscall traps through SIGSYS, the
/// path that must stay correct for everything.
#[test]
fn conformance_no_rewrite() {
    suite(
        &["--no-rewrite"],
        "ninux-conformance-no-rewrite",
        "conformance --no-rewrite",
    );
}

fn suite(options: &[&str], dir: &str, label: &str) {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let ninux = PathBuf::from(env!("CARGO_BIN_EXE_ninux"));
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(dir);
    let filters: Vec<String> = std::env::var("NINUX_CONFORMANCE_FILTER")
        .map(|f| {
            f.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let mut config = runner::Config::new(ninux, work.clone());
    config.run_options = options.iter().map(Into::into).collect();
    if let Some(jobs) = std::env::var("NINUX_CONFORMANCE_JOBS")
        .ok()
        .and_then(|j| j.parse().ok())
    {
        config.jobs = jobs;
    }
    let all_ids: std::collections::BTreeSet<String> =
        catalog::all().iter().map(|c| c.id()).collect();
    let cases = runner::select(catalog::all(), &filters);
    assert!(
        !cases.is_empty(),
        "NINUX_CONFORMANCE_FILTER={filters:?} selects no case"
    );
    let report = runner::run(&config, cases);

    let json = work.join("report.json");
    let saved = report.write_json(&json);
    // Written past the test harness's capture, so the table and the summary
    // show on success too (`cargo test` hides captured output of passing tests).
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "\n{}", report.table());
    let details = report.details();
    if !details.is_empty() {
        let _ = write!(out, "\n{details}");
    }
    for case in report
        .cases
        .iter()
        .filter(|c| c.outcome == testsuite::Outcome::Skipped)
    {
        let _ = writeln!(
            out,
            "skipped {}: {}",
            case.id,
            case.reason.as_deref().unwrap_or("")
        );
    }
    match saved {
        Ok(()) => {
            let _ = writeln!(out, "report: {}", json.display());
        }
        Err(e) => {
            let _ = writeln!(out, "report not written: {}: {e}", json.display());
        }
    }
    // Only the default mode's line starts with `conformance: ` (CI greps it).
    let line = report.summary_line();
    let _ = writeln!(out, "{}", line.replacen("conformance", label, 1));
    if let Some(notes) = report.summary_notes() {
        let _ = writeln!(out, "{notes}");
    }
    let _ = out.flush();
    // Not the summary line again: CI greps for it at the start of a line.
    assert!(
        report.is_success(),
        "cases failed; see the table above and {}",
        json.display()
    );
    check_coverage(&report, &filters, &all_ids);
}

/// `docs/coverage.tsv` against this run, when the run was a full one.
fn check_coverage(
    report: &testsuite::report::Report,
    filters: &[String],
    catalog: &std::collections::BTreeSet<String>,
) {
    let skipped = report
        .cases
        .iter()
        .filter(|c| c.outcome == testsuite::Outcome::Skipped)
        .count();
    if !filters.is_empty() || skipped > 0 {
        println!("coverage: not judged (a filtered run or skipped cases)");
        return;
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/coverage.tsv");
    let committed = match std::fs::read_to_string(path) {
        Ok(text) => Coverage::parse(&text).unwrap_or_else(|e| panic!("{path}: {e}")),
        Err(_) => Coverage::default(),
    };
    let seen = Coverage::from_cases(&report.cases);
    match std::env::var("NINUX_UPDATE_COVERAGE").as_deref() {
        Ok("fresh") => write_coverage(path, &seen),
        Ok(_) => write_coverage(path, &committed.merged(&seen, catalog)),
        Err(_) => {
            let why = committed.stale(&seen, catalog);
            assert!(
                why.is_empty(),
                "docs/coverage.tsv is stale ({} differences, first: {}): run                  `NINUX_UPDATE_COVERAGE=1 cargo test --release -p tools --test conformance`,                  then `cargo build --release --bin ninux &&                  ./target/x86_64-unknown-linux-gnu/release/ninux syscalls --format md > docs/syscalls.md`",
                why.len(),
                why.iter().take(5).cloned().collect::<Vec<_>>().join("; ")
            );
        }
    }
}

fn write_coverage(path: &str, c: &Coverage) {
    std::fs::write(path, c.render()).unwrap_or_else(|e| panic!("{path}: {e}"));
    println!("coverage: wrote {path} ({} lines)", c.0.len());
}
