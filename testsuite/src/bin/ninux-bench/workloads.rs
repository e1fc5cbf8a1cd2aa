//! The benchmark's workloads: each a Linux program with arguments and
//! stdin, prepared once (built, inputs generated) and then run the same way
//! under every runner.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use testsuite::build::{build_c, build_go, BuildError};
use testsuite::case::Toolchain;
use testsuite::catalog::SHA256_INPUT;
use testsuite::exec::StdinSource;
use testsuite::host::{find_program, Tool};

/// What a workload's number is.
#[derive(Clone, Copy)]
pub enum Measure {
    /// The wall time of a run, in milliseconds.
    Wall,
    /// A figure the program prints itself as a line `KEY VALUE`.
    /// (Higher is better for rates: the table's ratio is then ninux's
    /// rate over native's.)
    Reported {
        key: &'static str,
        unit: &'static str,
    },
}

pub struct Workload {
    pub name: &'static str,
    pub measure: Measure,
    /// Counted rounds, each running the workload once under every runner
    /// (an uncounted warm-up round comes first).
    pub runs: usize,
    pub prepare: fn(&Setup) -> Result<Job, String>,
}

/// Where builds and inputs go, and how big to make things.
pub struct Setup {
    pub work: PathBuf,
    pub quick: bool,
}

/// A prepared workload: what to run.
pub struct Job {
    pub argv: Vec<OsString>,
    pub stdin: StdinSource,
}

impl Job {
    fn new(argv: Vec<OsString>) -> Job {
        Job {
            argv,
            stdin: StdinSource::Null,
        }
    }
}

pub fn all() -> Vec<Workload> {
    let wall = |name, runs, prepare| Workload {
        name,
        measure: Measure::Wall,
        runs,
        prepare,
    };
    vec![
        Workload {
            name: "getpid",
            measure: Measure::Reported {
                key: "ns_per_call",
                unit: "ns/call",
            },
            runs: 3,
            prepare: getpid,
        },
        Workload {
            name: "pread-4KiB",
            measure: Measure::Reported {
                key: "ns_per_call",
                unit: "ns/call",
            },
            runs: 3,
            prepare: pread,
        },
        wall("sh-count-200k", 3, sh_count),
        // Its goal (1.02x) is within a shared machine's noise: more rounds.
        wall("sha256sum-64MiB", 7, sha256),
        wall("find-10k-files", 5, find_tree),
        wall("tar-10k-files", 3, tar_tree),
        wall("fork-exec-1000", 3, fork_exec),
        wall("pipeline-4x256MiB", 3, pipeline),
        wall("hello-start-up", 20, hello),
        wall("gofmt-net", 3, gofmt),
        wall("go-chan-1M", 3, go_chan),
        Workload {
            name: "tcp-loopback",
            measure: Measure::Reported {
                key: "tcp loopback throughput:",
                unit: "MiB/s",
            },
            runs: 3,
            prepare: net_loopback,
        },
        Workload {
            name: "tcp-1byte-rr",
            measure: Measure::Reported {
                key: "tcp 1-byte request/response:",
                unit: "trips/s",
            },
            runs: 3,
            prepare: net_loopback,
        },
        wall("dyn-true-start-up", 20, dynamic_true),
        wall("python3-pass", 10, python_pass),
    ]
}

fn c(setup: &Setup, file: &str) -> Result<PathBuf, String> {
    let source = testsuite::bench_dir().join(file);
    let rel = format!("bench/{}", file.trim_end_matches(".c"));
    build_c(&source, &rel, Toolchain::Glibc, &setup.work.join("bin")).map_err(why)
}

fn why(e: BuildError) -> String {
    match e {
        BuildError::Missing(why) | BuildError::Failed(why) => why,
    }
}

fn busybox(args: &[&str]) -> Result<Vec<OsString>, String> {
    tool(Tool::Busybox, args)
}

/// The argv that runs installed `tool` with `args`.
pub fn tool(tool: Tool, args: &[&str]) -> Result<Vec<OsString>, String> {
    let mut argv: Vec<OsString> = vec![tool.locate()?.into()];
    argv.extend(args.iter().map(OsString::from));
    Ok(argv)
}

fn getpid(setup: &Setup) -> Result<Job, String> {
    let iters = if setup.quick { "100000" } else { "500000" };
    Ok(Job::new(vec![
        c(setup, "getpid_loop.c")?.into(),
        iters.into(),
    ]))
}

/// pread_loop reads its own executable: a file every runner can open.
fn pread(setup: &Setup) -> Result<Job, String> {
    let iters = if setup.quick { "50000" } else { "200000" };
    let exe = c(setup, "pread_loop.c")?;
    Ok(Job::new(vec![exe.clone().into(), exe.into(), iters.into()]))
}

fn sh_count(_: &Setup) -> Result<Job, String> {
    let script = "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo $i";
    Ok(Job::new(busybox(&["sh", "-c", script])?))
}

fn sha256(setup: &Setup) -> Result<Job, String> {
    let input = SHA256_INPUT
        .ensure(&setup.work.join("inputs"))
        .map_err(|e| e.to_string())?;
    Ok(Job {
        argv: busybox(&["sha256sum"])?,
        stdin: StdinSource::File(input),
    })
}

/// 100 directories of 100 small files, made once.
fn tree(setup: &Setup) -> Result<PathBuf, String> {
    let root = setup.work.join("inputs").join("tree10k");
    let done = root.join(".complete");
    if done.exists() {
        return Ok(root);
    }
    let io = |e: std::io::Error| format!("{}: {e}", root.display());
    for d in 0..100 {
        let dir = root.join(format!("d{d:02}"));
        std::fs::create_dir_all(&dir).map_err(io)?;
        for f in 0..100 {
            let body = format!("file {d}/{f}\n").repeat(1 + (f % 7));
            std::fs::write(dir.join(format!("f{f:03}.txt")), body).map_err(io)?;
        }
    }
    std::fs::write(&done, b"").map_err(io)?;
    Ok(root)
}

fn find_tree(setup: &Setup) -> Result<Job, String> {
    let root = tree(setup)?;
    let root = root.to_string_lossy();
    Ok(Job::new(busybox(&[
        "find", &root, "-name", "f0*", "-type", "f",
    ])?))
}

fn tar_tree(setup: &Setup) -> Result<Job, String> {
    let root = tree(setup)?;
    let script = format!("busybox tar -cf - -C {} . | busybox wc -c", root.display());
    Ok(Job::new(busybox(&["sh", "-c", &script])?))
}

fn fork_exec(setup: &Setup) -> Result<Job, String> {
    let n = if setup.quick { "200" } else { "1000" };
    let driver = c(setup, "forkexec.c")?;
    let child = c(setup, "true.c")?;
    Ok(Job::new(vec![driver.into(), n.into(), child.into()]))
}

fn pipeline(setup: &Setup) -> Result<Job, String> {
    let bytes = if setup.quick { 64 << 20 } else { 256 << 20 };
    let script = format!(
        "busybox head -c {bytes} /dev/zero | busybox tr '\\0' a | busybox cat | busybox wc -c"
    );
    Ok(Job::new(busybox(&["sh", "-c", &script])?))
}

fn hello(setup: &Setup) -> Result<Job, String> {
    let source = testsuite::cases_dir().join("startup/hello.c");
    let binary = build_c(
        &source,
        "startup/hello",
        Toolchain::Glibc,
        &setup.work.join("bin"),
    )
    .map_err(why)?;
    Ok(Job::new(vec![binary.into()]))
}

/// Debian's gofmt (a static Go program) listing the unformatted files of
/// Go's own `net` package.
fn gofmt(_: &Setup) -> Result<Job, String> {
    let root = Path::new("/usr/lib/go/src/net");
    let gofmt = find_program(&["gofmt"])
        .or_else(|| Some(PathBuf::from("/usr/lib/go/bin/gofmt")).filter(|p| p.exists()))
        .ok_or("gofmt not found (golang-go: scripts/deps.sh)")?;
    if !root.is_dir() {
        return Err(format!("{} not found (golang-go)", root.display()));
    }
    Ok(Job::new(vec![gofmt.into(), "-l".into(), root.into()]))
}

fn go_chan(setup: &Setup) -> Result<Job, String> {
    let package = testsuite::bench_dir().join("chanpingpong");
    let binary = build_go(&package, "bench/chanpingpong", &setup.work.join("bin")).map_err(why)?;
    let n = if setup.quick { "200000" } else { "1000000" };
    Ok(Job::new(vec![binary.into(), n.into()]))
}

/// A forked server and client on loopback, timing themselves: bulk
/// throughput, then 1-byte request/response round trips.
fn net_loopback(setup: &Setup) -> Result<Job, String> {
    let (mib, trips) = if setup.quick {
        ("64", "5000")
    } else {
        ("512", "20000")
    };
    Ok(Job::new(vec![
        c(setup, "net_loopback.c")?.into(),
        mib.into(),
        trips.into(),
    ]))
}

/// The host's own dynamically linked `true`.
fn dynamic_true(_: &Setup) -> Result<Job, String> {
    let t = find_program(&["true"]).ok_or("no true on PATH")?;
    Ok(Job::new(vec![t.into()]))
}

fn python_pass(_: &Setup) -> Result<Job, String> {
    let python = find_program(&["python3"]).ok_or("python3 not found")?;
    // Debian's python3, not a pyenv shim: a shim is a shell script.
    Ok(Job::new(vec![
        python.into(),
        "-I".into(),
        "-c".into(),
        "pass".into(),
    ]))
}
