//! `ninux-bench`: the same Linux workloads natively, under ninux (with and
//! without syscall-site rewriting), under qemu-user and under PRoot, in one
//! invocation, printed as a table of times and ratios to native.
//!
//! Not a test: it asserts nothing about speed. The runners take turns: each
//! round runs the workload once under every runner, after one untimed
//! warm-up round. A cell is the median of its rounds, and its ratio the
//! median of the per-round ratios to native (`rounds.rs`), so that a slow
//! spell of a noisy machine weighs on both sides of a ratio alike. A runner
//! whose output differs from the native run's is marked `≠` (its time is
//! not comparable).
//! Below the table, the share of syscalls that took the fast path, for a
//! few third-party binaries (`shares.rs`).
//!
//! Run: `scripts/deps.sh --bench && cargo build --release --bin ninux &&
//! cargo run --release -p testsuite --bin ninux-bench [-- OPTIONS]`
//! (it finds `ninux` next to its own executable, or takes `--ninux PATH`).

mod rounds;
mod runners;
mod shares;
mod table;
mod workloads;

use std::path::PathBuf;

use runners::{Resolved, Runner};
use workloads::{Measure, Setup, Workload};

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
    /// Measured: the median of the rounds, and the median over rounds of
    /// the round's figure over native's in the same round (`None` for
    /// native itself). `same` is false when the output differed from
    /// native's.
    Value {
        value: f64,
        ratio: Option<f64>,
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
    let cells = match (workload.prepare)(setup) {
        Ok(job) => {
            let rounds = if setup.quick {
                workload.runs.min(2)
            } else {
                workload.runs
            };
            eprintln!("{}: {rounds} rounds", workload.name);
            rounds::measure(workload.measure, &job, runners, rounds)
        }
        Err(why) => runners.iter().map(|_| Cell::Failed(why.clone())).collect(),
    };
    Row {
        name: workload.name,
        unit,
        cells,
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
