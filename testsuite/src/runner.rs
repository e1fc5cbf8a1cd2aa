//! Running cases: build or locate each program, run it natively, then under
//! `ninux run` in an equivalent environment, and judge the pair. Cases run on
//! a small pool of threads; progress is shown on a terminal only.

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::build::{build_c, build_go, BuildError};
use crate::case::{Case, Hooks, Program, Stdin, NINUX_SLOWDOWN};
use crate::compare::{differences, native_problems, normalize, Output, NINUX_STDERR_LACKS};
use crate::exec::{self, Run, Spawn, StdinSource};
use crate::inputs::Input;
use crate::report::{CaseReport, Outcome, Report, RunSummary};

/// How to run a suite.
#[derive(Clone, Debug)]
pub struct Config {
    /// The `ninux` binary under test. `None` runs every case natively twice
    /// instead, which proves the cases are sound and their output stable from
    /// run to run (checks on ninux's own stderr are then left out).
    pub ninux: Option<PathBuf>,
    /// Builds, generated inputs, run directories and kept failure output go here.
    pub work_dir: PathBuf,
    /// Cases run at once (each case runs its native and ninux runs in turn).
    pub jobs: usize,
    /// Show a progress bar (only ever drawn when stderr is a terminal).
    pub progress: bool,
    /// Options given to `ninux run` before `--` (`--no-rewrite`).
    pub run_options: Vec<OsString>,
}

impl Config {
    pub fn new(ninux: PathBuf, work_dir: PathBuf) -> Config {
        Config {
            ninux: Some(ninux),
            work_dir,
            jobs: 2,
            progress: true,
            run_options: Vec::new(),
        }
    }

    /// Native against native: see [`Config::ninux`].
    pub fn native_twice(work_dir: PathBuf) -> Config {
        Config {
            ninux: None,
            work_dir,
            jobs: 2,
            progress: true,
            run_options: Vec::new(),
        }
    }
}

/// The cases whose id contains any of `filters` (all cases if there are none).
pub fn select(cases: Vec<Case>, filters: &[String]) -> Vec<Case> {
    if filters.is_empty() {
        return cases;
    }
    cases
        .into_iter()
        .filter(|c| filters.iter().any(|f| c.id().contains(f.as_str())))
        .collect()
}

/// Runs `cases` and reports on each, in the order given.
pub fn run(config: &Config, cases: Vec<Case>) -> Report {
    let bar = progress_bar(config, cases.len() as u64);
    // Output kept from an earlier run would be mistaken for this one's.
    let _ = std::fs::remove_dir_all(config.work_dir.join("failures"));
    let inputs = generate_inputs(config, &cases, &bar);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<CaseReport>>> = Mutex::new(vec![None; cases.len()]);
    std::thread::scope(|scope| {
        for _ in 0..config.jobs.max(1) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.get(i) else { break };
                bar.set_message(case.id());
                let report = run_case(config, case, &inputs);
                if !matches!(report.outcome, Outcome::Pass | Outcome::Skipped) {
                    bar.println(format!("{:?}: {}", report.outcome, report.id));
                }
                results.lock().unwrap()[i] = Some(report);
                bar.inc(1);
            });
        }
    });
    bar.finish_and_clear();
    let reports = results
        .into_inner()
        .unwrap()
        .into_iter()
        .flatten()
        .collect();
    let under_test = match &config.ninux {
        Some(path) => path.display().to_string(),
        None => "(none: native twice)".to_string(),
    };
    Report::new(under_test, reports)
}

fn progress_bar(config: &Config, len: u64) -> ProgressBar {
    if !config.progress || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}") {
        bar.set_style(style);
    }
    bar
}

type Inputs = HashMap<Input, Result<PathBuf, String>>;

/// Writes every generated input the cases need, once, before any case runs.
fn generate_inputs(config: &Config, cases: &[Case], bar: &ProgressBar) -> Inputs {
    let dir = config.work_dir.join("inputs");
    let mut inputs = Inputs::new();
    for case in cases {
        if let Stdin::File(input) | Stdin::PipeFrom(input) = case.stdin {
            inputs.entry(input).or_insert_with(|| {
                bar.set_message(format!("generating {}", input.file_name()));
                input
                    .ensure(&dir)
                    .map_err(|e| format!("generating {}: {e}", input.file_name()))
            });
        }
    }
    inputs
}

/// A case's program resolved to an argv and a stdin, or why it cannot run.
enum Prepared {
    Ready {
        argv: Vec<OsString>,
        stdin: StdinSource,
    },
    Skip(String),
    Broken(String),
}

fn prepare(config: &Config, case: &Case, inputs: &Inputs) -> Prepared {
    let mut argv: Vec<OsString> = match &case.program {
        Program::C { source, toolchain } => {
            let path = crate::cases_dir().join(source);
            let rel = source.trim_end_matches(".c");
            match build_c(&path, rel, *toolchain, &config.work_dir.join("bin")) {
                Ok(binary) => vec![binary.into()],
                Err(BuildError::Missing(why)) => return Prepared::Skip(why),
                Err(BuildError::Failed(why)) => return Prepared::Broken(why),
            }
        }
        Program::Go { package } => {
            let path = crate::cases_dir().join(package);
            match build_go(&path, package, &config.work_dir.join("bin")) {
                Ok(binary) => vec![binary.into()],
                Err(BuildError::Missing(why)) => return Prepared::Skip(why),
                Err(BuildError::Failed(why)) => return Prepared::Broken(why),
            }
        }
        Program::Tool(tool) => match tool.locate() {
            Ok(path) => vec![path.into()],
            Err(why) => return Prepared::Skip(why),
        },
        Program::Script {
            shell,
            shell_args,
            script,
        } => match shell.locate() {
            Ok(path) => {
                let mut argv: Vec<OsString> = vec![path.into()];
                argv.extend(shell_args.iter().map(OsString::from));
                argv.push(crate::cases_dir().join(script).into());
                argv
            }
            Err(why) => return Prepared::Skip(why),
        },
    };
    argv.extend(case.args.iter().cloned());
    let input = |i: &Input| {
        inputs
            .get(i)
            .cloned()
            .unwrap_or_else(|| Err("input not generated".into()))
    };
    let stdin = match &case.stdin {
        Stdin::Null => StdinSource::Null,
        Stdin::Bytes(bytes) => StdinSource::Bytes(bytes.to_vec()),
        Stdin::File(i) => match input(i) {
            Ok(path) => StdinSource::File(path),
            Err(why) => return Prepared::Broken(why),
        },
        Stdin::PipeFrom(i) => match input(i) {
            Ok(path) => StdinSource::PipeFromFile(path),
            Err(why) => return Prepared::Broken(why),
        },
    };
    Prepared::Ready { argv, stdin }
}

/// The environment both runs get: minimal, fixed, and the same for both, so
/// an env or argv dump is comparable. HOME and PWD are the run's own fresh
/// directory (normalized to `<cwd>` in the output).
pub fn environment(cwd: &Path) -> Vec<(OsString, OsString)> {
    let pairs: [(&str, OsString); 7] = [
        ("PATH", "/usr/local/bin:/usr/bin:/bin".into()),
        ("HOME", cwd.into()),
        ("PWD", cwd.into()),
        ("LANG", "C".into()),
        ("LC_ALL", "C".into()),
        ("TZ", "UTC".into()),
        // The runner is the parent of both the native process and ninux.
        ("NINUX_TEST_PPID", std::process::id().to_string().into()),
    ];
    pairs.into_iter().map(|(k, v)| (k.into(), v)).collect()
}

/// One run in a fresh working directory under `config.work_dir`, with
/// [`environment`], normalized for comparison (a `label` of `ninux` moves
/// ninux's own diagnostic lines out of stderr).
pub fn run_in_fresh_dir(
    config: &Config,
    label: &str,
    argv: &[OsString],
    stdin: &StdinSource,
    timeout: std::time::Duration,
) -> Result<(Run, Output), String> {
    run_with_hooks(config, label, argv, stdin, timeout, &Hooks::default())
}

/// [`run_in_fresh_dir`] with a case's [`Hooks`] run around the program. For
/// a ninux run (`argv` is `ninux run …`) with an `after` script, the fresh
/// directory is bound read-write at its own path (`-b CWD:CWD`).
fn run_with_hooks(
    config: &Config,
    label: &str,
    argv: &[OsString],
    stdin: &StdinSource,
    timeout: std::time::Duration,
    hooks: &Hooks,
) -> Result<(Run, Output), String> {
    let runs = config.work_dir.join("runs");
    std::fs::create_dir_all(&runs).map_err(|e| format!("{}: {e}", runs.display()))?;
    let dir = tempfile::Builder::new()
        .prefix(&format!("{label}-"))
        .tempdir_in(&runs)
        .map_err(|e| format!("{}: {e}", runs.display()))?;
    // getcwd reports the resolved path, so compare against that.
    let cwd = dir.path().canonicalize().map_err(|e| e.to_string())?;
    let env = environment(&cwd);
    // ninux logs the syscalls its guests make beside the run directory
    // (outside it, so the case cannot see it); the guests' environment
    // does not carry the variable, so both runs still see the same one.
    let log = cwd.with_extension("syscalls");
    let mut spawn_env = env.clone();
    if label == "ninux" {
        spawn_env.push((personality_log_env().into(), log.clone().into()));
    }
    if let Some(script) = hooks.setup {
        hook(script, "setup", &env, &cwd)?;
    }
    let mut argv = argv.to_vec();
    if label == "ninux" && hooks.after.is_some() && argv.get(1).is_some_and(|a| a == "run") {
        let mut bind = cwd.as_os_str().to_os_string();
        bind.push(":");
        bind.push(&cwd);
        argv.splice(2..2, ["-b".into(), bind]);
    }
    let mut run = exec::run(&Spawn {
        argv: &argv,
        env: &spawn_env,
        cwd: &cwd,
        stdin,
        timeout,
    })?;
    if let Some(script) = hooks.after {
        run.stdout.extend_from_slice(b"--- after ---\n");
        run.stdout.extend(hook(script, "after", &env, &cwd)?);
    }
    let mut out = normalize(&run, &cwd, label == "ninux");
    if let Ok(text) = std::fs::read_to_string(&log) {
        let mut names: Vec<String> = text.lines().map(str::to_string).collect();
        names.sort();
        names.dedup();
        out.syscalls = names;
        let _ = std::fs::remove_file(&log);
    }
    Ok((run, out))
}

/// The variable ninux reads for its syscall log (`personality`'s
/// `SYSCALL_LOG_ENV`; the testsuite does not link ninux's crates).
fn personality_log_env() -> &'static str {
    "NINUX_SYSCALL_LOG"
}

/// Runs a hook script natively in `cwd`; its stdout, or why it failed.
fn hook(
    script: &str,
    what: &str,
    env: &[(OsString, OsString)],
    cwd: &Path,
) -> Result<Vec<u8>, String> {
    let argv: Vec<OsString> = vec!["/bin/sh".into(), "-c".into(), script.into()];
    let run = exec::run(&Spawn {
        argv: &argv,
        env,
        cwd,
        stdin: &StdinSource::Null,
        timeout: std::time::Duration::from_secs(60),
    })?;
    if run.status != exec::Termination::Exited(0) || !run.stderr.is_empty() {
        return Err(format!(
            "{what} script: {}: {}",
            run.status,
            String::from_utf8_lossy(&run.stderr).trim_end()
        ));
    }
    Ok(run.stdout)
}

fn summary(run: &Run) -> RunSummary {
    RunSummary {
        status: run.status.to_string(),
        wall_ms: run.wall.as_secs_f64() * 1e3,
        stdout_bytes: run.stdout.len(),
        stderr_bytes: run.stderr.len(),
    }
}

fn command_line(argv: &[OsString]) -> String {
    argv.iter()
        .map(|a| {
            let s = a.to_string_lossy();
            if s.is_empty() || s.contains(|c: char| c.is_whitespace() || !c.is_ascii_graphic()) {
                format!("{s:?}")
            } else if s.len() > 60 {
                format!("{}…", &s[..60])
            } else {
                s.into_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn run_case(config: &Config, case: &Case, inputs: &Inputs) -> CaseReport {
    let mut report = CaseReport {
        id: case.id(),
        family: case.family.to_string(),
        name: case.name.clone(),
        command: String::new(),
        outcome: Outcome::Error,
        reason: None,
        findings: Vec::new(),
        native: None,
        ninux: None,
        ninux_diagnostics: Vec::new(),
        syscalls: Vec::new(),
    };
    let (argv, stdin) = match prepare(config, case, inputs) {
        Prepared::Ready { argv, stdin } => (argv, stdin),
        Prepared::Skip(why) => {
            report.outcome = Outcome::Skipped;
            report.reason = Some(why);
            return report;
        }
        Prepared::Broken(why) => {
            report.reason = Some(why);
            return report;
        }
    };
    report.command = command_line(&argv);

    let (native_run, native_out) =
        match run_with_hooks(config, "native", &argv, &stdin, case.timeout, &case.hooks) {
            Ok(pair) => pair,
            Err(why) => {
                report.reason = Some(why);
                return report;
            }
        };
    report.native = Some(summary(&native_run));
    let problems = native_problems(case, &native_run, &native_out);
    if !problems.is_empty() {
        report.reason = Some("the case fails natively".into());
        report.findings = problems;
        keep_output(config, case, "native", &native_run);
        return report;
    }

    let (label, ninux_argv, timeout) = match &config.ninux {
        Some(ninux) => {
            let mut full: Vec<OsString> = vec![ninux.into(), "run".into()];
            full.extend(config.run_options.iter().cloned());
            full.push("--".into());
            full.extend(argv.iter().cloned());
            ("ninux", full, case.timeout * NINUX_SLOWDOWN)
        }
        None => ("native2", argv.clone(), case.timeout),
    };
    let (ninux_run, ninux_out) =
        match run_with_hooks(config, label, &ninux_argv, &stdin, timeout, &case.hooks) {
            Ok(pair) => pair,
            Err(why) => {
                report.reason = Some(format!("ninux: {why}"));
                return report;
            }
        };
    report.ninux = Some(summary(&ninux_run));
    report.ninux_diagnostics = ninux_out.diagnostics.clone();
    report.syscalls = ninux_out.syscalls.clone();
    report.findings = differences(case, (&native_run, &native_out), (&ninux_run, &ninux_out));
    if config.ninux.is_none() {
        // A second native run has no ninux diagnostic to look for.
        report
            .findings
            .retain(|f| !f.starts_with(NINUX_STDERR_LACKS));
    }
    report.outcome = match (report.findings.is_empty(), case.divergence) {
        (true, _) => Outcome::Pass,
        (false, Some(reason)) => {
            report.reason = Some(reason.to_string());
            Outcome::KnownDivergence
        }
        (false, None) => Outcome::Fail,
    };
    if report.outcome != Outcome::Pass {
        keep_output(config, case, "native", &native_run);
        keep_output(config, case, label, &ninux_run);
    }
    report
}

/// Keeps a non-passing run's raw output under `work_dir/failures/<id>/`, for
/// a look with a real diff tool.
fn keep_output(config: &Config, case: &Case, label: &str, run: &Run) {
    let dir = config
        .work_dir
        .join("failures")
        .join(case.family)
        .join(&case.name);
    if std::fs::create_dir_all(&dir).is_ok() {
        let _ = exec::save(&dir.join(format!("{label}.stdout")), &run.stdout);
        let _ = exec::save(&dir.join(format!("{label}.stderr")), &run.stderr);
    }
}
