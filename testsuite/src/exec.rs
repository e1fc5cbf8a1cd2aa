//! Running one process the way a case needs: a chosen argv, a clean
//! environment, a working directory, stdin from a pipe, a file or /dev/null,
//! stdout and stderr captured as bytes, a time limit, and the exit status
//! including death by signal.

use std::ffi::OsString;
use std::fmt;
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// More output than this from one stream is cut off (and still drained, so
/// the child never blocks): a runaway guest must not exhaust the runner.
pub const CAPTURE_LIMIT: usize = 64 << 20;

/// How long to wait for the output pipes to close after the process exits.
/// A grandchild that escaped the process group could hold them open forever.
const DRAIN_GRACE: Duration = Duration::from_secs(5);

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Termination {
    Exited(i32),
    Signaled(i32),
    /// Killed by the runner when its time limit passed.
    TimedOut,
}

impl fmt::Display for Termination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Termination::Exited(code) => write!(f, "exit {code}"),
            Termination::Signaled(sig) => write!(f, "killed by {} ({sig})", abi::signal::name(sig)),
            Termination::TimedOut => write!(f, "timed out"),
        }
    }
}

/// Where stdin comes from.
#[derive(Clone, Debug)]
pub enum StdinSource {
    Null,
    /// Written into a pipe by a helper thread.
    Bytes(Vec<u8>),
    /// Opened and passed as the stdin descriptor itself.
    File(PathBuf),
    /// The file's contents written into a pipe by a helper thread.
    PipeFromFile(PathBuf),
}

/// One process to run.
pub struct Spawn<'a> {
    pub argv: &'a [OsString],
    pub env: &'a [(OsString, OsString)],
    pub cwd: &'a Path,
    pub stdin: &'a StdinSource,
    pub timeout: Duration,
}

/// What a finished process showed.
#[derive(Clone, Debug)]
pub struct Run {
    pub status: Termination,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Set when a stream hit [`CAPTURE_LIMIT`] or did not close in time.
    pub output_incomplete: bool,
    pub wall: Duration,
}

/// Runs the process to completion (or its time limit). Errors are failures to
/// start it at all; everything the process itself does is in the [`Run`].
pub fn run(spawn: &Spawn<'_>) -> Result<Run, String> {
    let (program, args) = spawn.argv.split_first().ok_or("empty argv")?;
    let mut command = Command::new(program);
    command
        .args(args)
        .env_clear()
        .envs(spawn.env.iter().map(|(k, v)| (k, v)))
        .current_dir(spawn.cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so a timeout kills the child's children too.
        .process_group(0);
    // SAFETY: setrlimit is async-signal-safe and touches no memory of the
    // parent. A case that dies of a signal must not leave a core file behind
    // (core_pattern may write it into the cwd or hand it to a slow helper).
    unsafe {
        command.pre_exec(|| {
            let zero = libc::rlimit {
                rlim_cur: 0,
                rlim_max: libc::RLIM_INFINITY,
            };
            if libc::setrlimit(libc::RLIMIT_CORE, &zero) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut feed: Option<Box<dyn Read + Send>> = None;
    match spawn.stdin {
        StdinSource::Null => {
            command.stdin(Stdio::null());
        }
        StdinSource::File(path) => {
            let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
            command.stdin(Stdio::from(file));
        }
        StdinSource::Bytes(bytes) => {
            command.stdin(Stdio::piped());
            feed = Some(Box::new(std::io::Cursor::new(bytes.clone())));
        }
        StdinSource::PipeFromFile(path) => {
            let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
            command.stdin(Stdio::piped());
            feed = Some(Box::new(file));
        }
    }

    let started = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", Path::new(program).display()))?;
    let pid = child.id() as i32;
    if let (Some(mut source), Some(mut pipe)) = (feed, child.stdin.take()) {
        // The child may stop reading early; a broken pipe is its business.
        thread::spawn(move || {
            let _ = std::io::copy(&mut source, &mut pipe);
        });
    }
    let stdout = capture(child.stdout.take());
    let stderr = capture(child.stderr.take());

    // Waiting on a thread gives an exact end time; the main thread keeps the
    // deadline and can kill the process group while the waiter blocks.
    let (done_tx, done_rx) = mpsc::channel();
    thread::spawn(move || {
        let status = child.wait();
        let _ = done_tx.send((status, started.elapsed()));
    });
    let (status, wall) = match done_rx.recv_timeout(spawn.timeout) {
        Ok((Ok(status), wall)) => {
            let termination = match (status.code(), status.signal()) {
                (Some(code), _) => Termination::Exited(code),
                (None, Some(sig)) => Termination::Signaled(sig),
                (None, None) => Termination::Exited(-1),
            };
            (termination, wall)
        }
        Ok((Err(e), _)) => return Err(format!("waiting for the process: {e}")),
        Err(_) => {
            kill_group(pid);
            let _ = done_rx.recv_timeout(DRAIN_GRACE);
            (Termination::TimedOut, started.elapsed())
        }
    };
    // Anything the case left running in its group (a shell's background job)
    // goes too, so it cannot hold the output pipes open.
    kill_group(pid);
    let deadline = Instant::now() + DRAIN_GRACE;
    let (stdout, out_cut) = collect(stdout, deadline);
    let (stderr, err_cut) = collect(stderr, deadline);
    Ok(Run {
        status,
        stdout,
        stderr,
        output_incomplete: out_cut || err_cut,
        wall,
    })
}

fn kill_group(pgid: i32) {
    // SAFETY: kill has no memory effects; the group id is our child's pid,
    // made a group leader by process_group(0). ESRCH (already gone) is fine.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

type Captured = mpsc::Receiver<(Vec<u8>, bool)>;

/// Reads a stream to EOF on a thread, keeping at most [`CAPTURE_LIMIT`] bytes.
fn capture<R: Read + Send + 'static>(stream: Option<R>) -> Captured {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut kept = Vec::new();
        let mut cut = false;
        if let Some(mut stream) = stream {
            let mut buf = vec![0u8; 64 << 10];
            loop {
                match stream.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        let room = CAPTURE_LIMIT.saturating_sub(kept.len());
                        kept.extend_from_slice(&buf[..n.min(room)]);
                        cut |= n > room;
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                }
            }
        }
        let _ = tx.send((kept, cut));
    });
    rx
}

fn collect(rx: Captured, deadline: Instant) -> (Vec<u8>, bool) {
    let left = deadline.saturating_duration_since(Instant::now());
    rx.recv_timeout(left).unwrap_or((Vec::new(), true))
}

/// Writes `bytes` to a file, for callers that want to keep a run's output.
pub fn save(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    File::create(path)?.write_all(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, stdin: StdinSource, timeout: Duration) -> Run {
        let argv: Vec<OsString> = vec!["/bin/sh".into(), "-c".into(), script.into()];
        let dir = tempfile::tempdir().unwrap();
        run(&Spawn {
            argv: &argv,
            env: &[],
            cwd: dir.path(),
            stdin: &stdin,
            timeout,
        })
        .unwrap()
    }

    #[test]
    fn captures_bytes_status_and_signals() {
        let r = sh(
            "printf 'a\\377'; printf e >&2; exit 3",
            StdinSource::Null,
            Duration::from_secs(10),
        );
        assert_eq!(r.status, Termination::Exited(3));
        assert_eq!(r.stdout, b"a\xff");
        assert_eq!(r.stderr, b"e");
        let r = sh("kill -SEGV $$", StdinSource::Null, Duration::from_secs(10));
        assert_eq!(r.status, Termination::Signaled(11));
    }

    #[test]
    fn stdin_bytes_reach_the_child() {
        let r = sh(
            "cat",
            StdinSource::Bytes(b"xyz".to_vec()),
            Duration::from_secs(10),
        );
        assert_eq!(r.stdout, b"xyz");
    }

    #[test]
    fn timeout_kills_the_whole_group() {
        let r = sh(
            "sleep 30 & sleep 30",
            StdinSource::Null,
            Duration::from_millis(200),
        );
        assert_eq!(r.status, Termination::TimedOut);
        assert!(r.wall < Duration::from_secs(10));
    }

    #[test]
    fn missing_program_is_an_error() {
        let argv: Vec<OsString> = vec!["/no/such/program".into()];
        let dir = tempfile::tempdir().unwrap();
        let spawn = Spawn {
            argv: &argv,
            env: &[],
            cwd: dir.path(),
            stdin: &StdinSource::Null,
            timeout: Duration::from_secs(1),
        };
        assert!(run(&spawn).is_err());
    }
}
