//! `ninux-bench`: native versus ninux, side by side, in one invocation.
//!
//! - getpid: a C loop of raw getpid syscalls reports ns per call itself;
//! - sha256sum: `busybox sha256sum` of a 64 MiB generated file on stdin,
//!   median wall time;
//! - start-up: a static hello, median wall time of repeated runs.
//!
//! Not a test: it asserts nothing about speed, it prints a table.
//!
//! Run: `cargo build --release -p tools && cargo run --release -p testsuite --bin ninux-bench`
//! (it finds `ninux` next to its own executable, or takes `--ninux PATH`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use testsuite::build::{build_c, BuildError};
use testsuite::case::Toolchain;
use testsuite::catalog::SHA256_INPUT;
use testsuite::exec::{self, Run, Spawn, StdinSource, Termination};
use testsuite::host::Tool;

const USAGE: &str =
    "usage: ninux-bench [--ninux PATH] [--getpid-iters N] [--startup-runs N] [--sha-runs N]";

struct Options {
    ninux: PathBuf,
    getpid_iters: u64,
    startup_runs: usize,
    sha_runs: usize,
}

fn main() {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("ninux-bench: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let work = work_dir();
    println!("ninux: {}", options.ninux.display());
    let rows = vec![
        bench_getpid(&options, &work),
        bench_sha256(&options, &work),
        bench_startup(&options, &work),
    ];
    println!();
    print_table(&rows);
}

fn parse_args() -> Result<Options, String> {
    let mut ninux = None;
    let mut options = Options {
        ninux: PathBuf::new(),
        getpid_iters: 1_000_000,
        startup_runs: 20,
        sha_runs: 3,
    };
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        let arg = arg.to_string_lossy().into_owned();
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        let number = |v: OsString| {
            v.to_string_lossy()
                .parse::<u64>()
                .map_err(|e| format!("{arg}: {e}"))
        };
        match arg.as_str() {
            "--ninux" => ninux = Some(PathBuf::from(value()?)),
            "--getpid-iters" => options.getpid_iters = number(value()?)?.max(1),
            "--startup-runs" => options.startup_runs = number(value()?)?.max(1) as usize,
            "--sha-runs" => options.sha_runs = number(value()?)?.max(1) as usize,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    options.ninux = match ninux {
        Some(path) => path,
        None => {
            let me = std::env::current_exe().map_err(|e| e.to_string())?;
            let sibling = me.with_file_name("ninux");
            if !sibling.is_file() {
                return Err(format!(
                    "no ninux next to {} (build it with `cargo build --release -p tools`, or pass --ninux)",
                    me.display()
                ));
            }
            sibling
        }
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

/// One table row: a measurement natively and under ninux, or why it failed.
struct Row {
    name: String,
    unit: &'static str,
    native: Result<f64, String>,
    ninux: Result<f64, String>,
}

fn build(source: &Path, rel: &str, work: &Path) -> Result<PathBuf, String> {
    build_c(source, rel, Toolchain::Glibc, &work.join("bin")).map_err(|e| match e {
        BuildError::Missing(why) | BuildError::Failed(why) => why,
    })
}

/// Runs argv natively (`under_ninux` false) or as `ninux run -- argv…`.
fn run(
    options: &Options,
    argv: &[OsString],
    stdin: &StdinSource,
    under_ninux: bool,
) -> Result<Run, String> {
    let mut full: Vec<OsString> = Vec::new();
    if under_ninux {
        full.extend([
            options.ninux.clone().into_os_string(),
            "run".into(),
            "--".into(),
        ]);
    }
    full.extend(argv.iter().cloned());
    let cwd = std::env::temp_dir();
    let env: Vec<(OsString, OsString)> =
        vec![("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into())];
    let timeout = Duration::from_secs(600);
    let run = exec::run(&Spawn {
        argv: &full,
        env: &env,
        cwd: &cwd,
        stdin,
        timeout,
    })?;
    if run.status != Termination::Exited(0) {
        let first = String::from_utf8_lossy(&run.stderr)
            .lines()
            .next()
            .unwrap_or("")
            .to_string();
        return Err(format!("{}: {first}", run.status));
    }
    Ok(run)
}

fn bench_getpid(options: &Options, work: &Path) -> Row {
    eprintln!("getpid loop: {} calls each", options.getpid_iters);
    let measure = |under_ninux: bool| -> Result<f64, String> {
        let binary = build(
            &testsuite::bench_dir().join("getpid_loop.c"),
            "bench/getpid_loop",
            work,
        )?;
        let argv: Vec<OsString> = vec![binary.into(), options.getpid_iters.to_string().into()];
        let run = run(options, &argv, &StdinSource::Null, under_ninux)?;
        let text = String::from_utf8_lossy(&run.stdout);
        text.lines()
            .find_map(|l| l.strip_prefix("ns_per_call "))
            .and_then(|v| v.trim().parse().ok())
            .ok_or_else(|| format!("no ns_per_call in output: {text:?}"))
    };
    Row {
        name: "getpid syscall".into(),
        unit: "ns/call",
        native: measure(false),
        ninux: measure(true),
    }
}

fn bench_sha256(options: &Options, work: &Path) -> Row {
    eprintln!("sha256sum of 64 MiB: {} runs each", options.sha_runs);
    let name = "busybox sha256sum 64 MiB".to_string();
    let prepared = Tool::Busybox.locate().and_then(|busybox| {
        let input = SHA256_INPUT
            .ensure(&work.join("inputs"))
            .map_err(|e| e.to_string())?;
        Ok((busybox, input))
    });
    let (busybox, input) = match prepared {
        Ok(pair) => pair,
        Err(why) => {
            return Row {
                name,
                unit: "ms",
                native: Err(why.clone()),
                ninux: Err(why),
            }
        }
    };
    let argv: Vec<OsString> = vec![busybox.into(), "sha256sum".into()];
    let stdin = StdinSource::File(input);
    let mut digests = Vec::new();
    let mut measure = |under_ninux: bool| -> Result<f64, String> {
        let mut times = Vec::new();
        for _ in 0..options.sha_runs {
            let run = run(options, &argv, &stdin, under_ninux)?;
            digests.push(run.stdout.clone());
            times.push(run.wall.as_secs_f64() * 1e3);
        }
        Ok(median(&mut times))
    };
    let (native, ninux) = (measure(false), measure(true));
    if digests.windows(2).any(|w| w[0] != w[1]) {
        eprintln!("warning: sha256sum printed different digests natively and under ninux");
    }
    Row {
        name,
        unit: "ms",
        native,
        ninux,
    }
}

fn bench_startup(options: &Options, work: &Path) -> Row {
    eprintln!("hello start-up: {} runs each", options.startup_runs);
    let measure = |under_ninux: bool| -> Result<f64, String> {
        let binary = build(
            &testsuite::cases_dir().join("startup/hello.c"),
            "startup/hello",
            work,
        )?;
        let argv: Vec<OsString> = vec![binary.into()];
        let _ = run(options, &argv, &StdinSource::Null, under_ninux)?; // warm the page cache
        let mut times = Vec::new();
        for _ in 0..options.startup_runs {
            times.push(
                run(options, &argv, &StdinSource::Null, under_ninux)?
                    .wall
                    .as_secs_f64()
                    * 1e3,
            );
        }
        Ok(median(&mut times))
    };
    Row {
        name: "static hello start-up".into(),
        unit: "ms",
        native: measure(false),
        ninux: measure(true),
    }
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

fn print_table(rows: &[Row]) {
    let cell = |r: &Result<f64, String>| match r {
        Ok(v) => format!("{v:.2}"),
        Err(_) => "failed".to_string(),
    };
    println!(
        "{:<26} {:>8} {:>12} {:>12} {:>9}",
        "benchmark", "unit", "native", "ninux", "ninux/native"
    );
    for row in rows {
        let ratio = match (&row.native, &row.ninux) {
            (Ok(a), Ok(b)) if *a > 0.0 => format!("{:.2}x", b / a),
            _ => "-".to_string(),
        };
        println!(
            "{:<26} {:>8} {:>12} {:>12} {:>9}",
            row.name,
            row.unit,
            cell(&row.native),
            cell(&row.ninux),
            ratio
        );
    }
    for row in rows {
        for (side, result) in [("native", &row.native), ("ninux", &row.ninux)] {
            if let Err(why) = result {
                println!("  {} ({side}) failed: {why}", row.name);
            }
        }
    }
}
