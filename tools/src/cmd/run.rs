//! `ninux run [-r ROOT [--rw]] [-b HOST:GUEST[:ro]]… [--ns FILE] [-w DIR] -- PROG ARGS…`:
//! run a Linux binary under ninux, in a Plan 9 namespace.

use super::ns::NsArgs;
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub ns: NsArgs,
    /// The guest's working directory, a path in its namespace (default: the
    /// host's working directory, or `/` with -r).
    #[arg(short = 'w', long = "workdir", value_name = "DIR")]
    pub workdir: Option<String>,
    /// At most N live processes in the run: fork and clone fail with EAGAIN
    /// beyond, like RLIMIT_NPROC; the run's processes end with it.
    #[arg(long = "max-procs", value_name = "N", value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub max_procs: Option<u32>,
    /// Print every syscall the guest makes, strace-style, on stderr.
    #[arg(long)]
    pub trace: bool,
    /// Leave every syscall site as it is: all syscalls trap through SIGSYS
    /// (the fast path off, for comparison and debugging).
    #[arg(long)]
    pub no_rewrite: bool,
    /// At each guest process's exit, print on stderr how many syscalls it
    /// made and how many went through rewritten sites.
    #[arg(long)]
    pub stats: bool,
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
    let mut built = args.ns.spec()?.build()?;
    // The host's working directory is the guest's when the root is the
    // host's own `/`; a different root starts at its `/`.
    let cwd = match (&args.workdir, &args.ns.root) {
        (Some(dir), _) => dir.clone(),
        (None, None) => std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|_| "/".into()),
        (None, Some(_)) => "/".into(),
    };
    let cleanup = built.tmp.take().map(|t| t.keep()).into_iter().collect();
    let program = personality::Program {
        path: args.command[0].as_bytes().to_vec(),
        argv: args.command.iter().map(|a| a.as_bytes().to_vec()).collect(),
        // ninux's own syscall log stays ninux's (see SYSCALL_LOG_ENV).
        envp: std::env::vars_os()
            .filter(|(k, _)| k != personality::SYSCALL_LOG_ENV)
            .map(|(k, v)| {
                let mut kv = k.as_bytes().to_vec();
                kv.push(b'=');
                kv.extend_from_slice(v.as_bytes());
                kv
            })
            .collect(),
        ns: built.ns,
        cwd,
        cleanup,
        max_procs: args.max_procs.map(|n| n as usize),
    };
    if args.trace {
        personality::set_trace(personality::TraceMode::Syscalls);
    }
    personality::rewrite::set_enabled(!args.no_rewrite);
    personality::rewrite::set_stats(args.stats);
    let err = match personality::run(program) {
        Ok(never) => match never {},
        Err(e) => e,
    };
    personality::exec::cleanup();
    eprintln!("ninux: {err}");
    // Like a shell: 127 when the program is missing, 126 when it cannot run.
    Ok(match err {
        personality::RunError::NotFound(_) => 127,
        _ => 126,
    })
}
