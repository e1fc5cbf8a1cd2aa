//! The ways to run a Linux binary that the benchmark puts side by side:
//! natively, under ninux (with and without syscall-site rewriting), under
//! qemu-user and under PRoot.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use testsuite::exec::{self, Spawn, StdinSource};
use testsuite::host::find_program;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runner {
    Native,
    /// `ninux run`: the default mode.
    Ninux,
    /// `ninux run --no-rewrite`: every syscall through SIGSYS.
    NinuxNoRewrite,
    /// `qemu-x86_64`: translates the first process only; children it
    /// executes run natively (no binfmt_misc here).
    Qemu,
    /// `proot`: ptrace, follows every child.
    Proot,
}

pub const ALL: [Runner; 5] = [
    Runner::Native,
    Runner::Ninux,
    Runner::NinuxNoRewrite,
    Runner::Qemu,
    Runner::Proot,
];

impl Runner {
    pub fn name(self) -> &'static str {
        match self {
            Runner::Native => "native",
            Runner::Ninux => "ninux",
            Runner::NinuxNoRewrite => "ninux-sigsys",
            Runner::Qemu => "qemu-user",
            Runner::Proot => "proot",
        }
    }

    pub fn parse(name: &str) -> Option<Runner> {
        ALL.into_iter().find(|r| r.name() == name)
    }
}

/// A runner resolved on this machine: the argv prefix that runs a program
/// under it, or why it is not available.
pub struct Resolved {
    pub runner: Runner,
    pub prefix: Result<Vec<OsString>, String>,
}

pub fn resolve(runner: Runner, ninux: &Path) -> Resolved {
    let prefix = match runner {
        Runner::Native => Ok(vec![]),
        Runner::Ninux => Ok(vec![ninux.into(), "run".into(), "--".into()]),
        Runner::NinuxNoRewrite => {
            if ninux_has_option(ninux, "--no-rewrite") {
                Ok(vec![
                    ninux.into(),
                    "run".into(),
                    "--no-rewrite".into(),
                    "--".into(),
                ])
            } else {
                Err("this ninux has no --no-rewrite: every syscall already traps".into())
            }
        }
        Runner::Qemu => {
            tool(&["qemu-x86_64", "qemu-x86_64-static"], "qemu-user").map(|p| vec![p.into()])
        }
        // -r / keeps the host's root; proot still intercepts every syscall
        // that takes a path, as it would for a real rootfs.
        Runner::Proot => tool(&["proot"], "proot").map(|p| vec![p.into(), "-r".into(), "/".into()]),
    };
    Resolved { runner, prefix }
}

fn tool(names: &[&str], package: &str) -> Result<PathBuf, String> {
    find_program(names).ok_or_else(|| format!("{package} not installed (scripts/deps.sh --bench)"))
}

fn ninux_has_option(ninux: &Path, option: &str) -> bool {
    Command::new(ninux)
        .args(["run", "--help"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains(option))
        .unwrap_or(false)
}

/// Runs a full argv (a runner's prefix and the program) the way every
/// benchmark run goes: a fixed PATH as the only environment, in the temp
/// directory. The caller judges the termination.
pub fn spawn(
    argv: &[OsString],
    stdin: &StdinSource,
    timeout: Duration,
) -> Result<exec::Run, String> {
    let env: Vec<(OsString, OsString)> =
        vec![("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into())];
    exec::run(&Spawn {
        argv,
        env: &env,
        cwd: &std::env::temp_dir(),
        stdin,
        timeout,
    })
}
