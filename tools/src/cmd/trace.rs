//! `ninux trace [run options] -- PROG ARGS…`: `ninux run --trace`.
//!
//! The trace goes to stderr, interleaved with the guest's own stderr, and
//! there is no `-o FILE`: the personality writes each trace line to host fd 2,
//! and the guest's fd 2 is a copy of that same host fd made when the guest
//! starts, so from outside the personality the two cannot be told apart.
//! Writing the trace elsewhere needs a trace sink in the personality.

use std::ffi::OsString;

use super::ns::NsArgs;
use super::run;

#[derive(clap::Args)]
#[command(after_help = "\
Each syscall is one line on stderr, after it returns: \
`[tid] name(arg, …) = result`, with the number of arguments the table lists \
and errors as `-1 ENAME (description)`. The guest's own stderr goes to the \
same place; to keep the trace, redirect stderr (2>FILE).")]
pub struct Args {
    #[command(flatten)]
    pub ns: NsArgs,
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
    run::run(run::Args {
        ns: args.ns,
        trace: true,
        command: args.command,
    })
}
