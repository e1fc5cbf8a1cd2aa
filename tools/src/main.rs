//! `ninux`: run unmodified Linux x86-64 binaries on a 9front-style kernel.

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

fn main() {
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
