//! The fast path's reach: for a few real third-party binaries, the share of
//! the syscalls they made that went through rewritten sites rather than
//! SIGSYS, summed over every process of the run, as `ninux run --stats`
//! counts them.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use testsuite::exec::{StdinSource, Termination};
use testsuite::host::Tool;

use crate::workloads::{tool, Setup};

/// A binary to count, and how to run it.
struct Probe {
    name: &'static str,
    argv: Result<Vec<OsString>, String>,
}

/// Counts for one run: (syscalls, through rewritten sites).
type Counts = (u64, u64);

pub fn print(ninux: &Path, setup: &Setup) {
    let n = if setup.quick { 2_000 } else { 20_000 };
    let count_loop = format!("i=0; while [ $i -lt {n} ]; do i=$((i+1)); done; echo $i");
    let probes = [
        Probe {
            name: "busybox (sh, find, ls, sha256sum)",
            argv: tool(
                Tool::Busybox,
                &[
                    "sh",
                    "-c",
                    "busybox find /usr/share -maxdepth 3 >/dev/null; \
                     busybox ls -lR /usr/include >/dev/null; busybox sha256sum /bin/busybox",
                ],
            ),
        },
        Probe {
            name: "bash-static (loop, subshells)",
            argv: tool(
                Tool::BashStatic,
                &[
                    "-c",
                    &format!("{count_loop}; for d in /usr/*; do x=$(echo $d); done"),
                ],
            ),
        },
        Probe {
            name: "gojq (Go)",
            argv: tool(Tool::Gojq, &["-n", "[range(300000)] | add"]),
        },
        Probe {
            name: "ruff (musl Rust, static-pie)",
            argv: ruff(setup),
        },
    ];
    println!();
    println!(
        "{:<34} {:>10} {:>12} {:>8}",
        "fast-path share", "syscalls", "rewritten", "share"
    );
    for p in probes {
        let counts = p.argv.and_then(|argv| count(ninux, &argv));
        match counts {
            Ok((total, fast)) if total > 0 => println!(
                "{:<34} {total:>10} {fast:>12} {:>7.1}%",
                p.name,
                100.0 * fast as f64 / total as f64
            ),
            Ok(_) => println!("{:<34} no syscalls counted", p.name),
            Err(why) => println!("{:<34} not run: {why}", p.name),
        }
    }
}

/// `ruff check` of a generated Python file with every rule on. The binary
/// is the one `scripts/deps.sh --bench` fetches (PyPI's musllinux wheel).
fn ruff(setup: &Setup) -> Result<Vec<OsString>, String> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .ok_or("no HOME")?;
    let ruff = cache.join("ninux/bench-tools/ruff-musl");
    if !ruff.exists() {
        return Err(format!(
            "{} missing (scripts/deps.sh --bench)",
            ruff.display()
        ));
    }
    let input = setup.work.join("inputs").join("ruff-input.py");
    let body: String = (0..300)
        .map(|i| {
            format!(
                "import os, sys\n\ndef f{i}(a, b):\n    x = [a+b for a in range(10)]\n    \
                 if a == None: return  x\n    return {{ 'k': a, 'v':b }}\n\n"
            )
        })
        .collect();
    std::fs::create_dir_all(setup.work.join("inputs")).map_err(|e| e.to_string())?;
    std::fs::write(&input, body).map_err(|e| format!("{}: {e}", input.display()))?;
    Ok(vec![
        ruff.into(),
        "check".into(),
        "--no-cache".into(),
        "--select".into(),
        "ALL".into(),
        input.into(),
    ])
}

/// Runs `argv` under `ninux run --stats` and sums its processes' counts.
/// The program's own exit status does not matter (ruff exits 1 when it
/// finds something), only that it was not killed.
fn count(ninux: &Path, argv: &[OsString]) -> Result<Counts, String> {
    let mut full: Vec<OsString> = vec![ninux.into(), "run".into(), "--stats".into(), "--".into()];
    full.extend(argv.iter().cloned());
    let done = crate::runners::spawn(&full, &StdinSource::Null, Duration::from_secs(120))?;
    if let Termination::Signaled(_) = done.status {
        return Err(format!("{}", done.status));
    }
    Ok(sum(&String::from_utf8_lossy(&done.stderr)))
}

/// Sums the `ninux: [PID] N syscalls, F through rewritten sites (…)` lines.
fn sum(stderr: &str) -> Counts {
    stderr
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("ninux: [")?.split_once("] ")?.1;
            let (total, rest) = rest.split_once(" syscalls, ")?;
            let fast = rest.split_once(" through rewritten sites")?.0;
            Some((total.parse::<u64>().ok()?, fast.parse::<u64>().ok()?))
        })
        .fold((0, 0), |(t, f), (a, b)| (t + a, f + b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_of_every_process_are_summed_and_other_lines_ignored() {
        let stderr = "warning: something\n\
            ninux: [12] 100 syscalls, 90 through rewritten sites (90.0%), 10 through SIGSYS\n\
            ninux: [13] 50 syscalls, 50 through rewritten sites (100.0%), 0 through SIGSYS\n\
            ninux: guest killed by SIGPIPE\n";
        assert_eq!(sum(stderr), (150, 140));
        assert_eq!(sum(""), (0, 0));
    }
}
