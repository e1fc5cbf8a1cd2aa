//! `ninux trace [-o FILE] [--kernel] [namespace options] -- PROG ARGS…`:
//! `ninux run` with one strace-style line per syscall.
//!
//! Lines are decoded from the syscall table's argument specs. They go to
//! stderr, mixed with the guest's own stderr, unless `-o FILE` names a file:
//! the file is opened here and its host fd handed to the personality, moved
//! above the fds the guest's table uses and close-on-exec, so the guest
//! never sees it while forked guest processes (host forks) share it.

use std::ffi::OsString;
use std::os::fd::AsRawFd;
use std::path::PathBuf;

use anyhow::Context;

use super::ns::NsArgs;
use super::run;

/// Where the trace fd goes: far above the guest's host-backed fds (which
/// start at 100) so that it never takes a number they would want.
const TRACE_FD_MIN: i32 = 900;

#[derive(clap::Args)]
#[command(after_help = "\
Each syscall is one line after it returns: `[pid] name(arg, …) = result`, \
with arguments decoded as the syscall table describes them (paths quoted, \
flags by name, buffers up to 32 bytes) and errors as `-1 ENAME (description)`; \
a thread other than the process's first shows as `[pid/tid]`. With --kernel \
the namespace walks, union members tried, creates, device opens and 9P \
messages each syscall became follow it, indented.")]
pub struct Args {
    /// Write the trace to FILE instead of stderr (the guest's stderr stays untouched).
    #[arg(short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also show the kernel operations (walks, unions, 9P messages) of each syscall.
    #[arg(long)]
    pub kernel: bool,
    #[command(flatten)]
    pub ns: NsArgs,
    /// The guest's working directory (as for `ninux run`).
    #[arg(short = 'w', long = "workdir", value_name = "DIR")]
    pub workdir: Option<String>,
    /// The program and its arguments (put `--` first if arguments start with `-`).
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "PROG ARGS"
    )]
    pub command: Vec<OsString>,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    if let Some(path) = &args.output {
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        // The dup is kept for the life of the process; `file` closes its
        // low-numbered original when dropped.
        let fd = platform::host::dup_above(file.as_raw_fd(), TRACE_FD_MIN).map_err(|errno| {
            anyhow::anyhow!("{}: cannot move the fd (errno {errno})", path.display())
        })?;
        personality::set_trace_output(fd);
    }
    personality::set_trace(if args.kernel {
        personality::TraceMode::Kernel
    } else {
        personality::TraceMode::Syscalls
    });
    run::run(run::Args {
        ns: args.ns,
        workdir: args.workdir,
        // Already set above, with the mode chosen here.
        trace: false,
        max_procs: None,
        no_rewrite: false,
        stats: false,
        command: args.command,
    })
}
