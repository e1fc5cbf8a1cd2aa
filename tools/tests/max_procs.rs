//! `ninux run --max-procs N`: a fork bomb stops at N live processes with
//! EAGAIN, the run ends promptly, and none of its processes is left running
//! after ninux exits.

use std::ffi::OsString;
use std::time::{Duration, Instant};

use testsuite::build::{build_c, BuildError};
use testsuite::case::Toolchain;
use testsuite::exec::{self, Spawn, StdinSource, Termination};

const NINUX: &str = env!("CARGO_BIN_EXE_ninux");

/// Whether `pid` is running: present and not a zombie (an orphan's zombie
/// waits for the host's init to reap it).
fn running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z') && !state.starts_with('X')
        }
        Err(_) => false,
    }
}

#[test]
fn fork_bomb_stops_at_the_limit_and_leaves_nothing_running() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("forkbomb.c");
    std::fs::write(&source, include_str!("forkbomb.c")).unwrap();
    let bomb = match build_c(&source, "forkbomb", Toolchain::Glibc, dir.path()) {
        Ok(b) => b,
        Err(BuildError::Missing(why)) => {
            eprintln!("skipped: {why}");
            return;
        }
        Err(BuildError::Failed(why)) => panic!("the fork bomb does not build: {why}"),
    };
    let argv: Vec<OsString> = vec![
        NINUX.into(),
        "run".into(),
        "--max-procs".into(),
        "16".into(),
        "--".into(),
        bomb.into(),
    ];
    let started = Instant::now();
    let run = exec::run(&Spawn {
        argv: &argv,
        env: &[],
        cwd: dir.path(),
        stdin: &StdinSource::Null,
        timeout: Duration::from_secs(60),
    })
    .expect("ninux starts");
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status, Termination::Exited(0), "{stdout}{stderr}");
    assert_eq!(stdout, "fork failed: Resource temporarily unavailable\n");
    let pids: Vec<u32> = stderr.lines().filter_map(|l| l.parse().ok()).collect();
    // The first process and 15 others: the limit counts the whole run.
    assert_eq!(pids.len(), 15, "{stderr}");
    assert!(took < Duration::from_secs(20), "the run took {took:?}");
    // Killed by the run's end; give the host a moment to tear them down.
    let deadline = Instant::now() + Duration::from_secs(5);
    while pids.iter().any(|&p| running(p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let left: Vec<u32> = pids.into_iter().filter(|&p| running(p)).collect();
    assert!(
        left.is_empty(),
        "still running after ninux exited: {left:?}"
    );
}

#[test]
fn max_procs_must_be_a_positive_number() {
    let argv: Vec<OsString> = vec![
        NINUX.into(),
        "run".into(),
        "--max-procs".into(),
        "0".into(),
        "--".into(),
        "/bin/true".into(),
    ];
    let run = exec::run(&Spawn {
        argv: &argv,
        env: &[],
        cwd: &std::env::temp_dir(),
        stdin: &StdinSource::Null,
        timeout: Duration::from_secs(30),
    })
    .expect("ninux starts");
    assert_ne!(run.status, Termination::Exited(0));
    assert!(String::from_utf8_lossy(&run.stderr).contains("max-procs"));
}
