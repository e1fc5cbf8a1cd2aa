//! Timing one workload under every runner in interleaved rounds.
//!
//! Round 0 is a warm-up (page cache, rewrite cache, built binaries) and is
//! not counted; in each later round every runner runs the workload once,
//! in the table's order. A ratio is taken within a round (this runner's
//! figure over native's in the same round) and the cell's ratio is the
//! median of those: on a machine whose speed drifts by several percent
//! between seconds, as a shared VM's does, a ratio of medians taken
//! minutes apart measures the drift as much as the runner.

use std::ffi::OsString;
use std::time::Duration;

use testsuite::exec::{self, StdinSource, Termination};

use crate::runners::{self, Resolved};
use crate::workloads::{Job, Measure};
use crate::Cell;

/// One runner's runs of the workload.
struct Series {
    /// The full argv; `None` when the runner is not available here.
    argv: Option<Vec<OsString>>,
    /// The figure of each counted round, in round order.
    values: Vec<f64>,
    /// Why a run failed; the runner runs no more rounds then.
    failed: Option<String>,
    /// The last run's stdout, to compare with native's.
    stdout: Vec<u8>,
}

/// The cells of one workload's row: `rounds` counted rounds over
/// `runners`, the first of which is native.
pub fn measure(how: Measure, job: &Job, runners: &[Resolved], rounds: usize) -> Vec<Cell> {
    let mut series: Vec<Series> = runners
        .iter()
        .map(|r| Series {
            argv: r
                .prefix
                .as_ref()
                .ok()
                .map(|p| p.iter().chain(&job.argv).cloned().collect()),
            values: Vec::new(),
            failed: None,
            stdout: Vec::new(),
        })
        .collect();
    for round in 0..=rounds.max(1) {
        for s in &mut series {
            let Some(argv) = &s.argv else { continue };
            if s.failed.is_some() {
                continue;
            }
            match run(argv, &job.stdin).and_then(|done| Ok((figure(how, &done)?, done))) {
                Ok((value, done)) => {
                    if round > 0 {
                        s.values.push(value);
                    }
                    s.stdout = done.stdout;
                }
                Err(why) => s.failed = Some(why),
            }
        }
    }
    let native = &series[0];
    series
        .iter()
        .enumerate()
        .map(|(i, s)| match (&s.argv, &s.failed) {
            (None, _) => Cell::NotRun,
            (_, Some(why)) => Cell::Failed(why.clone()),
            (Some(_), None) => Cell::Value {
                value: median(&s.values),
                ratio: (i > 0 && native.failed.is_none() && native.argv.is_some())
                    .then(|| paired_ratio(&s.values, &native.values))
                    .flatten(),
                same: matches!(how, Measure::Reported { .. }) || s.stdout == native.stdout,
            },
        })
        .collect()
}

/// The median over rounds of `values[r] / native[r]`.
fn paired_ratio(values: &[f64], native: &[f64]) -> Option<f64> {
    let ratios: Vec<f64> = values
        .iter()
        .zip(native)
        .filter(|(_, n)| **n > 0.0)
        .map(|(v, n)| v / n)
        .collect();
    (!ratios.is_empty()).then(|| median(&ratios))
}

fn figure(how: Measure, done: &exec::Run) -> Result<f64, String> {
    match how {
        Measure::Wall => Ok(done.wall.as_secs_f64() * 1e3),
        Measure::Reported { key, .. } => reported(&done.stdout, key),
    }
}

fn reported(stdout: &[u8], key: &str) -> Result<f64, String> {
    let text = String::from_utf8_lossy(stdout);
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| format!("no `{key} N` line in the output"))
}

fn run(argv: &[OsString], stdin: &StdinSource) -> Result<exec::Run, String> {
    let done = runners::spawn(argv, stdin, Duration::from_secs(600))?;
    if done.status != Termination::Exited(0) {
        let first = String::from_utf8_lossy(&done.stderr)
            .lines()
            .next()
            .unwrap_or("")
            .to_string();
        return Err(format!("{}: {first}", done.status));
    }
    Ok(done)
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => v[n / 2],
        _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ratio_pairs_rounds_rather_than_medians() {
        // A machine that slows down by half in round 2 and 3: the medians'
        // ratio says 1.5, the rounds say 1.1 each time.
        let native = [100.0, 150.0, 150.0];
        let ninux = [110.0, 165.0, 165.0];
        assert!((paired_ratio(&ninux, &native).unwrap() - 1.1).abs() < 1e-9);
        assert_eq!(median(&[3.0, 1.0, 2.0, 10.0]), 2.5);
        assert_eq!(paired_ratio(&[1.0], &[0.0]), None);
    }
}
