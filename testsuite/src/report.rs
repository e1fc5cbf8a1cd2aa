//! The results of a suite run: per-case outcomes, a JSON report for tools,
//! and a human table per family.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::catalog::FAMILIES;

/// How one case came out.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Native and ninux agree.
    Pass,
    /// They disagree.
    Fail,
    /// They disagree in a way the case declares, with a reason.
    KnownDivergence,
    /// The case itself is broken: it did not build, or its native run did not
    /// show what it declares. Counted as a failure.
    Error,
    /// A tool it needs is missing; the reason says which.
    Skipped,
}

impl Outcome {
    /// The word the table (and `docs/coverage.tsv`) shows.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "FAIL",
            Outcome::KnownDivergence => "divergence",
            Outcome::Error => "ERROR",
            Outcome::Skipped => "skipped",
        }
    }
}

/// One process run, summarized.
#[derive(Serialize, Clone, Debug)]
pub struct RunSummary {
    pub status: String,
    pub wall_ms: f64,
    pub stdout_bytes: usize,
    pub stderr_bytes: usize,
}

/// One case's result.
#[derive(Serialize, Clone, Debug)]
pub struct CaseReport {
    pub id: String,
    pub family: String,
    pub name: String,
    /// The command line, for reproducing by hand.
    pub command: String,
    pub outcome: Outcome,
    /// Why it was skipped, broken, or a known divergence.
    pub reason: Option<String>,
    /// Each way the ninux run differed from the native run, or each native problem.
    pub findings: Vec<String>,
    pub native: Option<RunSummary>,
    pub ninux: Option<RunSummary>,
    /// ninux's own stderr lines (`ninux: …`), kept out of the comparison.
    pub ninux_diagnostics: Vec<String>,
    /// The syscalls the case's guests made under ninux (coverage).
    pub syscalls: Vec<String>,
}

/// Counts over all cases.
#[derive(Serialize, Clone, Debug, Default)]
pub struct Summary {
    pub total: usize,
    pub passed: usize,
    /// Failures and errors: both make the suite fail.
    pub failed: usize,
    pub errors: usize,
    pub skipped: usize,
    pub known_divergences: usize,
}

/// A whole suite run.
#[derive(Serialize, Clone, Debug)]
pub struct Report {
    pub ninux: String,
    pub cases: Vec<CaseReport>,
    pub summary: Summary,
}

impl Report {
    /// `ninux` names what was under test.
    pub fn new(ninux: String, cases: Vec<CaseReport>) -> Report {
        let mut summary = Summary {
            total: cases.len(),
            ..Summary::default()
        };
        for case in &cases {
            match case.outcome {
                Outcome::Pass => summary.passed += 1,
                Outcome::Fail => summary.failed += 1,
                Outcome::Error => {
                    summary.failed += 1;
                    summary.errors += 1;
                }
                Outcome::Skipped => summary.skipped += 1,
                Outcome::KnownDivergence => summary.known_divergences += 1,
            }
        }
        Report {
            ninux,
            cases,
            summary,
        }
    }

    /// True when no case failed or errored.
    pub fn is_success(&self) -> bool {
        self.summary.failed == 0
    }

    /// `conformance: N passed, M failed, K skipped`.
    pub fn summary_line(&self) -> String {
        let s = &self.summary;
        format!(
            "conformance: {} passed, {} failed, {} skipped",
            s.passed, s.failed, s.skipped
        )
    }

    /// What the summary line leaves out, if anything.
    pub fn summary_notes(&self) -> Option<String> {
        let s = &self.summary;
        let mut notes = Vec::new();
        if s.errors > 0 {
            notes.push(format!(
                "{} of the failed are errors (the case is broken natively)",
                s.errors
            ));
        }
        if s.known_divergences > 0 {
            notes.push(format!("{} known divergences", s.known_divergences));
        }
        (!notes.is_empty()).then(|| format!("({})", notes.join("; ")))
    }

    /// A table per family: case, outcome, native and ninux wall time, note.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let width = self
            .cases
            .iter()
            .map(|c| c.name.len())
            .max()
            .unwrap_or(4)
            .max(4);
        let mut families: Vec<&str> = FAMILIES.to_vec();
        for case in &self.cases {
            if !families.contains(&case.family.as_str()) {
                families.push(&case.family);
            }
        }
        for family in families {
            let cases: Vec<&CaseReport> =
                self.cases.iter().filter(|c| c.family == family).collect();
            if cases.is_empty() {
                continue;
            }
            let passed = cases.iter().filter(|c| c.outcome == Outcome::Pass).count();
            let _ = writeln!(out, "== {family}: {passed}/{} pass", cases.len());
            let _ = writeln!(
                out,
                "  {:width$}  {:10}  {:>9}  {:>9}  note",
                "case", "outcome", "native", "ninux"
            );
            for case in cases {
                let _ = writeln!(
                    out,
                    "  {:width$}  {:10}  {:>9}  {:>9}  {}",
                    case.name,
                    case.outcome.label(),
                    millis(&case.native),
                    millis(&case.ninux),
                    note(case)
                );
            }
        }
        out
    }

    /// The findings of every case that did not pass, in full.
    pub fn details(&self) -> String {
        let mut out = String::new();
        for case in self
            .cases
            .iter()
            .filter(|c| !matches!(c.outcome, Outcome::Pass | Outcome::Skipped))
        {
            let _ = writeln!(
                out,
                "---- {} [{}]\n  command: {}",
                case.id,
                case.outcome.label(),
                case.command
            );
            if let Some(reason) = &case.reason {
                let _ = writeln!(out, "  reason: {reason}");
            }
            for finding in &case.findings {
                for line in finding.lines() {
                    let _ = writeln!(out, "  {line}");
                }
            }
            for line in case.ninux_diagnostics.iter().take(10) {
                let _ = writeln!(out, "  diagnostic: {line}");
            }
        }
        out
    }

    pub fn write_json(&self, path: &Path) -> std::io::Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(path, json)
    }
}

fn millis(run: &Option<RunSummary>) -> String {
    match run {
        Some(r) => format!("{:.1} ms", r.wall_ms),
        None => "-".into(),
    }
}

/// The first line of the reason or first finding, cut to fit a table row.
fn note(case: &CaseReport) -> String {
    let text = case
        .reason
        .as_deref()
        .or(case.findings.first().map(String::as_str))
        .unwrap_or("");
    let first = text.lines().next().unwrap_or("");
    if first.chars().count() > 90 {
        format!("{}…", first.chars().take(90).collect::<String>())
    } else {
        first.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(family: &str, name: &str, outcome: Outcome) -> CaseReport {
        CaseReport {
            id: format!("{family}/{name}"),
            family: family.into(),
            name: name.into(),
            command: name.into(),
            outcome,
            reason: (outcome == Outcome::Skipped).then(|| "busybox not found".into()),
            findings: vec![],
            native: None,
            ninux: None,
            ninux_diagnostics: vec![],
            syscalls: vec![],
        }
    }

    #[test]
    fn summary_counts_errors_as_failures() {
        let report = Report::new(
            "/x/ninux".into(),
            vec![
                case("startup", "a", Outcome::Pass),
                case("startup", "b", Outcome::Fail),
                case("busybox", "c", Outcome::Skipped),
                case("errors", "d", Outcome::Error),
                case("errors", "e", Outcome::KnownDivergence),
            ],
        );
        assert_eq!(
            report.summary_line(),
            "conformance: 1 passed, 2 failed, 1 skipped"
        );
        assert!(!report.is_success());
        assert!(report
            .summary_notes()
            .unwrap()
            .contains("1 known divergences"));
        let table = report.table();
        assert!(table.contains("== startup: 1/2 pass"), "{table}");
        assert!(table.contains("busybox not found"), "{table}");
        let json: serde_json::Value = serde_json::to_value(&report).unwrap();
        assert_eq!(json["cases"][4]["outcome"], "known-divergence");
    }
}
