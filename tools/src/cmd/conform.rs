//! `ninux conform -- PROG ARGS…`: run a program natively and under
//! `ninux run`, the way the conformance runner runs a case, and show what
//! differs. Execution, normalization and comparison are the runner's own
//! (`testsuite::exec`, `testsuite::compare`, `testsuite::runner`).

use std::ffi::OsString;
use std::io::{IsTerminal, Read};
use std::path::Path;
use std::time::Duration;

use testsuite::case::{Expect, NINUX_SLOWDOWN};
use testsuite::compare::{self, Output};
use testsuite::exec::{self, Run, Spawn, StdinSource};
use testsuite::runner::{self, Config};

#[derive(clap::Args)]
#[command(after_help = "\
Both runs get the same argv and the same stdin: ninux's own stdin is read \
once to its end and fed to each through a pipe (/dev/null when stdin is a \
terminal).

By default each run gets what a conformance case gets: a fresh empty working \
directory of its own (its path is shown as <cwd> in the output) and a fixed \
minimal environment (PATH=/usr/local/bin:/usr/bin:/bin, HOME and PWD the \
working directory, LANG=C, LC_ALL=C, TZ=UTC), so PROG is looked up in that \
PATH. With --env-same both runs get this environment and this working \
directory instead: what the native run writes there is really written, while \
the ninux run writes into its temporary writable layer.

ninux's own diagnostic lines (`ninux: …`) are taken out of its stderr before \
the comparison and shown apart. Exit status: 0 when the runs agree (and \
\"identical\" on stderr), 1 when they differ (and the differences on stdout, \
as unified diffs), 125 when a run could not start.")]
pub struct Args {
    /// Run both in this environment and working directory (see below).
    #[arg(long)]
    pub env_same: bool,
    /// The native run's time limit in seconds; the ninux run gets
    /// NINUX_SLOWDOWN (5) times as long.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub timeout: u64,
    /// The program and its arguments (put `--` first).
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "PROG ARGS"
    )]
    pub command: Vec<OsString>,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let ninux = std::env::current_exe()?;
    let stdin = if std::io::stdin().is_terminal() {
        StdinSource::Null
    } else {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes)?;
        StdinSource::Bytes(bytes)
    };
    let timeout = Duration::from_secs(args.timeout);
    let mut ninux_argv: Vec<OsString> = vec![ninux.clone().into(), "run".into(), "--".into()];
    ninux_argv.extend(args.command.iter().cloned());

    let (native, ninux_pair) = if args.env_same {
        let cwd = std::env::current_dir()?;
        let env: Vec<(OsString, OsString)> = std::env::vars_os().collect();
        let once = |argv: &[OsString], timeout: Duration, is_ninux: bool| {
            let run = exec::run(&Spawn {
                argv,
                env: &env,
                cwd: &cwd,
                stdin: &stdin,
                timeout,
            })?;
            let out = compare::normalize(&run, &cwd, is_ninux);
            Ok::<_, String>((run, out))
        };
        (
            once(&args.command, timeout, false),
            once(&ninux_argv, timeout * NINUX_SLOWDOWN, true),
        )
    } else {
        let work = tempfile::Builder::new()
            .prefix("ninux-conform-")
            .tempdir()?;
        let config = Config::new(ninux, work.path().to_path_buf());
        (
            runner::run_in_fresh_dir(&config, "native", &args.command, &stdin, timeout),
            runner::run_in_fresh_dir(
                &config,
                "ninux",
                &ninux_argv,
                &stdin,
                timeout * NINUX_SLOWDOWN,
            ),
        )
    };
    let prog = Path::new(&args.command[0]).display();
    let native = native.map_err(|e| anyhow::anyhow!("native run of {prog}: {e}"))?;
    let ninux = ninux_pair.map_err(|e| anyhow::anyhow!("ninux run of {prog}: {e}"))?;
    report(&native, &ninux)
}

/// Prints the verdict; 0 when the runs agree, 1 when they differ.
fn report(native: &(Run, Output), ninux: &(Run, Output)) -> anyhow::Result<i32> {
    let findings = compare::differences_expecting(
        &Expect::default(),
        (&native.0, &native.1),
        (&ninux.0, &ninux.1),
    );
    let diagnostics = &ninux.1.diagnostics;
    if findings.is_empty() {
        eprintln!(
            "identical: {}, {} bytes of stdout, {} bytes of stderr",
            native.0.status,
            native.1.stdout.len(),
            native.1.stderr.len(),
        );
        // Set aside, not hidden: a warning about a missing syscall matters
        // even when the output happened to agree.
        for line in diagnostics {
            eprintln!("  {line}");
        }
        return Ok(0);
    }
    let mut out = String::new();
    for finding in &findings {
        out.push_str(finding);
        if !finding.ends_with('\n') {
            out.push('\n');
        }
    }
    if !diagnostics.is_empty() {
        out.push_str("ninux's own diagnostics (not compared):\n");
        for line in diagnostics {
            out.push_str(&format!("  {line}\n"));
        }
    }
    use std::io::Write;
    std::io::stdout().write_all(out.as_bytes())?;
    let what: Vec<&str> = findings
        .iter()
        .map(|f| f.split([':', ' ']).next().unwrap_or(f))
        .collect();
    eprintln!(
        "different: {} (native {}, ninux {})",
        what.join(", "),
        native.0.status,
        ninux.0.status
    );
    Ok(1)
}
