//! `ninux run [-r ROOT] [-b HOST:GUEST]… [--ns FILE] [-w DIR] -- PROG ARGS…`:
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
        envp: std::env::vars_os()
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
