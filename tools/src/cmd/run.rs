//! `ninux run [-r ROOT] [-b HOST:GUEST]… [--ns FILE] [-w DIR] -- PROG ARGS…`:
//! run a Linux binary under ninux, in a Plan 9 namespace.

use super::ns::NsArgs;
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub ns: NsArgs,
    /// Print every syscall the guest makes, strace-style, on stderr.
    #[arg(long)]
    pub trace: bool,
    /// The program and its arguments (put `--` first if arguments start with `-`).
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "PROG ARGS"
    )]
    pub command: Vec<OsString>,
}

/// Finds `prog` like execvp does: a name with a slash is a path, any other is
/// looked up in PATH.
pub fn find_program(prog: &Path) -> Option<PathBuf> {
    if prog.as_os_str().as_bytes().contains(&b'/') {
        return Some(prog.to_path_buf());
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .map(|dir| dir.join(prog))
        .find(|p| p.is_file())
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let prog = Path::new(&args.command[0]);
    let Some(host_path) = find_program(prog) else {
        eprintln!("ninux: {}: command not found", prog.display());
        return Ok(127);
    };
    let mut built = args.ns.spec()?.build()?;
    // The host's working directory is the guest's when the root is the
    // host's own `/`; a different root starts at its `/`.
    let cwd = match args.ns.root {
        None => std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|_| "/".into()),
        Some(_) => "/".into(),
    };
    let cleanup = built.tmp.take().map(|t| t.keep()).into_iter().collect();
    let exe = std::fs::canonicalize(&host_path).unwrap_or_else(|_| host_path.clone());
    let program = personality::Program {
        host_path: host_path.clone(),
        exe: exe.as_os_str().as_bytes().to_vec(),
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
    let err = match personality::run(program) {
        Ok(never) => match never {},
        Err(e) => e,
    };
    personality::exec::cleanup();
    eprintln!("ninux: {err}");
    // Like a shell: 127 when the file is missing, 126 when it cannot run.
    Ok(if host_path.exists() { 126 } else { 127 })
}
