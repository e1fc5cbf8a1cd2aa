//! `ninux`: run unmodified Linux x86-64 binaries on a 9front-style kernel.
//!
//! libc calls [`main`] directly, without Rust's runtime set-up: that set-up
//! reads `/proc/self/maps` to find the main thread's stack guard, maps an
//! alternate stack and installs SIGSEGV/SIGBUS handlers, all of which the
//! platform replaces before a guest runs, at a twentieth of a short run's
//! start-up. What ninux needs of it, [`platform::host::init_process`] does.
//! (The unit tests keep the test harness's own `main`.)
#![cfg_attr(not(test), no_main)]

mod cmd;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "ninux",
    version,
    about = "Run Linux x86-64 binaries on a 9front-style namespace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a Linux binary under ninux.
    Run(cmd::run::Args),
    /// Print the syscall translation table.
    Syscalls(cmd::syscalls::Args),
    /// Print the namespace a `run` would build, in namespace(6) form.
    Ns(cmd::ns::Args),
    /// Export a namespace over 9P2000 (exportfs).
    Serve(cmd::serve::Args),
    /// Run a program natively and under ninux and show what differs.
    Conform(cmd::conform::Args),
    /// Static syscall footprint of a binary, against the table.
    Scan(cmd::scan::Args),
    /// Like run, printing every syscall and what it became.
    Trace(cmd::trace::Args),
}

/// The entry from libc (see the crate's comment). A panic that gets here
/// has been reported by the panic hook; it ends ninux as Rust's runtime
/// would, with 101.
#[cfg(not(test))]
#[unsafe(no_mangle)]
extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    platform::host::init_process();
    match std::panic::catch_unwind(ninux) {
        Ok(never) => match never {},
        Err(_) => std::process::exit(101),
    }
}

#[cfg_attr(test, allow(dead_code))]
fn ninux() -> ! {
    // Before ninux opens a file of its own: the guest sees the same fds.
    personality::remember_inherited_fds();
    // Before anything could replace the file: execve re-executes ninux.
    personality::exec::remember_self_exe();
    env_logger::Builder::from_env(env_logger::Env::new().filter_or("NINUX_LOG", "warn"))
        .format(|buf, record| {
            use std::io::Write;
            let level = match record.level() {
                log::Level::Warn => "warning".to_string(),
                l => l.as_str().to_ascii_lowercase(),
            };
            writeln!(buf, "ninux: {level}: {}", record.args())
        })
        .init();
    if let Some(code) = resume_exec() {
        std::process::exit(code);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => cmd::run::run(args),
        Command::Syscalls(args) => cmd::syscalls::run(args),
        Command::Ns(args) => cmd::ns::run(args),
        Command::Serve(args) => cmd::serve::run(args),
        Command::Conform(args) => cmd::conform::run(args),
        Command::Scan(args) => cmd::scan::run(args),
        Command::Trace(args) => cmd::trace::run(args),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("ninux: {e:#}");
            std::process::exit(125);
        }
    }
}

/// The hidden entry of a ninux re-executed by a guest's execve:
/// `ninux --ninux-exec-state=FD` continues the exec from the state in FD.
/// Returns the exit status when it fails (126, as a shell says for a
/// program that cannot run); `None` when this is not such a ninux.
fn resume_exec() -> Option<i32> {
    let arg = std::env::args_os().nth(1)?;
    let fd = arg
        .to_str()?
        .strip_prefix(personality::exec::RESUME_ARG)?
        .parse::<i32>()
        .ok()?;
    let err = match personality::exec::resume_from_fd(fd) {
        Ok(never) => match never {},
        Err(e) => e,
    };
    personality::exec::cleanup();
    eprintln!("ninux: {err}");
    Some(126)
}
