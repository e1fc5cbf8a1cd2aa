//! `ninux-bench`: the same Linux workloads natively, under ninux (with and
//! without syscall-site rewriting), under qemu-user and under PRoot, in one
//! invocation, printed as a table of times and ratios to native.
//!
//! Not a test: it asserts nothing about speed. Each cell is the median of a
//! few timed runs after one untimed warm-up run; a runner whose output
//! differs from the native run's is marked `≠` (its time is not comparable).
//! Below the table, the share of syscalls that took the fast path, for a
//! few third-party binaries (`shares.rs`).
//!
//! Run: `scripts/deps.sh --bench && cargo build --release --bin ninux &&
//! cargo run --release -p testsuite --bin ninux-bench [-- OPTIONS]`
//! (it finds `ninux` next to its own executable, or takes `--ninux PATH`).

mod runners;
mod shares;
mod table;
mod workloads;

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use runners::{Resolved, Runner};
use testsuite::exec::{self, Spawn, StdinSource, Termination};
use workloads::{Job, Measure, Setup, Workload};

const USAGE: &str =
    "usage: ninux-bench [--ninux PATH] [--quick] [--only W1,W2…] [--runners R1,R2…] [--list]
  --quick      smaller inputs and fewer runs (a smoke test of the harness)
  --only       run only these workloads (see --list; `shares`: the fast-path shares)
  --runners    native, ninux, ninux-sigsys, qemu-user, proot (default: all)";

struct Options {
    ninux: PathBuf,
    quick: bool,
    only: Vec<String>,
    runners: Vec<Runner>,
}

fn main() {
    let options = parse_args().unwrap_or_else(|e| {
        eprintln!("ninux-bench: {e}\n{USAGE}");
        std::process::exit(2);
    });
    let setup = Setup {
        work: work_dir(),
        quick: options.quick,
    };
    let runners: Vec<Resolved> = options
        .runners
        .iter()
        .map(|&r| runners::resolve(r, &options.ninux))
        .collect();
    println!("ninux: {}", options.ninux.display());
    for r in &runners {
        if let Err(why) = &r.prefix {
            println!("{}: not run: {why}", r.runner.name());
        }
    }
    let mut rows = Vec::new();
    for workload in workloads::all() {
        if !options.only.is_empty() && !options.only.iter().any(|o| o == workload.name) {
            continue;
        }
        rows.push(bench(&workload, &setup, &runners));
    }
    if !rows.is_empty() {
        println!();
        table::print(&runners, &rows);
    }
    if options.only.is_empty() || options.only.iter().any(|o| o == "shares") {
        shares::print(&options.ninux, &setup);
    }
}

/// One workload's results, one cell per runner.
pub struct Row {
    pub name: &'static str,
    pub unit: &'static str,
    pub cells: Vec<Cell>,
}

pub enum Cell {
    /// Measured; `same` is false when the output differed from native's.
    Value {
        value: f64,
        same: bool,
    },
    Failed(String),
    NotRun,
}

fn bench(workload: &Workload, setup: &Setup, runners: &[Resolved]) -> Row {
    let unit = match workload.measure {
        Measure::Wall => "ms",
        Measure::Reported { unit, .. } => unit,
    };
    eprintln!("{}: preparing", workload.name);
    let job = match (workload.prepare)(setup) {
        Ok(job) => job,
        Err(why) => {
            let cells = runners.iter().map(|_| Cell::Failed(why.clone())).collect();
            return Row {
                name: workload.name,
                unit,
                cells,
            };
        }
    };
    let runs = if setup.quick {
        workload.runs.min(2)
    } else {
        workload.runs
    };
    let mut reference: Option<Vec<u8>> = None;
    let mut cells = Vec::new();
    for r in runners {
        let Ok(prefix) = &r.prefix else {
            cells.push(Cell::NotRun);
            continue;
        };
        eprintln!("{}: {} × {}", workload.name, runs, r.runner.name());
        cells.push(match measure(workload.measure, &job, prefix, runs) {
            Ok((value, stdout)) => {
                let same = match (&reference, workload.measure) {
                    (_, Measure::Reported { .. }) => true,
                    (None, _) => {
                        reference = Some(stdout);
                        true
                    }
                    (Some(native), _) => *native == stdout,
                };
                Cell::Value { value, same }
            }
            Err(why) => Cell::Failed(why),
        });
    }
    Row {
        name: workload.name,
        unit,
        cells,
    }
}

/// The median measurement of `runs` runs after a warm-up, and the stdout of
/// the last run.
fn measure(
    how: Measure,
    job: &Job,
    prefix: &[OsString],
    runs: usize,
) -> Result<(f64, Vec<u8>), String> {
    let argv: Vec<OsString> = prefix.iter().chain(&job.argv).cloned().collect();
    run(&argv, &job.stdin)?;
    let mut values = Vec::new();
    let mut stdout = Vec::new();
    for _ in 0..runs.max(1) {
        let done = run(&argv, &job.stdin)?;
        values.push(match how {
            Measure::Wall => done.wall.as_secs_f64() * 1e3,
            Measure::Reported { key, .. } => reported(&done.stdout, key)?,
        });
        stdout = done.stdout;
    }
    Ok((median(&mut values), stdout))
}

fn reported(stdout: &[u8], key: &str) -> Result<f64, String> {
    let text = String::from_utf8_lossy(stdout);
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| format!("no `{key} N` line in the output"))
}

fn run(argv: &[OsString], stdin: &StdinSource) -> Result<exec::Run, String> {
    let env: Vec<(OsString, OsString)> =
        vec![("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into())];
    let done = exec::run(&Spawn {
        argv,
        env: &env,
        cwd: &std::env::temp_dir(),
        stdin,
        timeout: Duration::from_secs(600),
    })?;
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

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        ninux: PathBuf::new(),
        quick: false,
        only: vec![],
        runners: runners::ALL.to_vec(),
    };
    let mut ninux = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--ninux" => ninux = Some(PathBuf::from(value()?)),
            "--quick" => options.quick = true,
            "--only" => options.only = value()?.split(',').map(str::to_string).collect(),
            "--runners" => {
                options.runners = value()?
                    .split(',')
                    .map(|n| Runner::parse(n).ok_or(format!("unknown runner {n}")))
                    .collect::<Result<_, _>>()?;
                if options.runners.first() != Some(&Runner::Native) {
                    options.runners.retain(|r| *r != Runner::Native);
                    options.runners.insert(0, Runner::Native); // ratios need it
                }
            }
            "--list" => {
                for w in workloads::all() {
                    println!("{}", w.name);
                }
                println!("shares");
                std::process::exit(0);
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    options.ninux = match ninux {
        Some(p) => p,
        None => std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(|d| d.join("ninux")))
            .filter(|p| p.exists())
            .ok_or("ninux not found next to ninux-bench; pass --ninux PATH")?,
    };
    Ok(options)
}

/// Builds and inputs live beside the executable, in the cargo target dir
/// (not `ninux-bench`: that name is the executable itself).
fn work_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("ninux-bench-work")))
        .unwrap_or_else(|| std::env::temp_dir().join("ninux-bench"))
}
