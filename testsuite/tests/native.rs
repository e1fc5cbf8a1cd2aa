//! Every case passes natively, and twice in a row with identical results:
//! the suite's own soundness check (a case that fails natively is a broken
//! case; one whose output changes between runs cannot judge ninux).

use std::io::Write;
use std::path::PathBuf;

use testsuite::{catalog, runner, Outcome};

#[test]
fn every_case_is_sound_and_stable_natively() {
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ninux-native-twice");
    let filters: Vec<String> = std::env::var("NINUX_CONFORMANCE_FILTER")
        .map(|f| f.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    let cases = runner::select(catalog::all(), &filters);
    let report = runner::run(&runner::Config::native_twice(work.clone()), cases);
    let _ = report.write_json(&work.join("report.json"));
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "{}{}", report.table(), report.details());
    let _ = writeln!(out, "native twice: {}", report.summary_line());
    for case in report
        .cases
        .iter()
        .filter(|c| c.outcome == Outcome::Skipped)
    {
        let _ = writeln!(
            out,
            "skipped {}: {}",
            case.id,
            case.reason.as_deref().unwrap_or("")
        );
    }
    assert!(
        report.is_success(),
        "cases unsound natively; see above and {}",
        work.display()
    );
}
