//! From a trapped guest `syscall` to its handler and back: the one place where
//! results become `-errno`, unimplemented syscalls are reported, traces are
//! printed, and signals are delivered on the way back to the guest.

use crate::table::{self, Support};
use abi::Errno;
use platform::Trap;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, AtomicU8, Ordering};

/// How much `ninux trace` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceMode {
    Off,
    /// One strace-style line per syscall.
    Syscalls,
    /// Each syscall line followed by the kernel operations it became.
    Kernel,
}

static TRACE: AtomicU8 = AtomicU8::new(0);

pub fn set_trace(mode: TraceMode) {
    TRACE.store(mode as u8, Ordering::Relaxed);
    kernel::trace::set_enabled(mode == TraceMode::Kernel);
}

/// The trace mode in force (execve hands it to the new image).
pub fn trace_mode() -> TraceMode {
    match TRACE.load(Ordering::Relaxed) {
        0 => TraceMode::Off,
        1 => TraceMode::Syscalls,
        _ => TraceMode::Kernel,
    }
}

/// One bit per syscall number that was already reported as missing.
static WARNED: [AtomicU64; 8] = [const { AtomicU64::new(0) }; 8];
static WARNED_OTHER: AtomicBool = AtomicBool::new(false);

fn first_warning(nr: u64) -> bool {
    if nr >= 512 {
        return !WARNED_OTHER.swap(true, Ordering::Relaxed);
    }
    let bit = 1u64 << (nr % 64);
    WARNED[(nr / 64) as usize].fetch_or(bit, Ordering::Relaxed) & bit == 0
}

/// The environment variable naming the file where each ninux process of a
/// run appends the name of every syscall its guest makes, once per process
/// (the conformance suite's coverage; see `docs/coverage.tsv`). ninux keeps
/// it in its own environment, for re-execs, and out of the guest's.
pub const SYSCALL_LOG_ENV: &str = "NINUX_SYSCALL_LOG";

/// The open log (a host fd), or -1.
static SYSCALL_LOG: AtomicI32 = AtomicI32::new(-1);
/// One bit per syscall number already logged by this process.
static LOGGED: [AtomicU64; 8] = [const { AtomicU64::new(0) }; 8];

/// Opens the syscall log named by [`SYSCALL_LOG_ENV`], if any (at start and
/// after each re-exec, before the guest runs).
pub fn open_syscall_log() {
    use std::os::fd::IntoRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let Some(path) = std::env::var_os(SYSCALL_LOG_ENV) else {
        return;
    };
    match std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .custom_flags(libc::O_CLOEXEC)
        .open(&path)
    {
        // Kept above the guest's fds, as ninux's other host fds are.
        Ok(f) => {
            let fd = f.into_raw_fd();
            let high = platform::host::dup_above(fd, 200).unwrap_or(fd);
            if high != fd {
                platform::host::close(fd);
            }
            SYSCALL_LOG.store(high, Ordering::Relaxed);
        }
        Err(e) => log::warn!("{}: {e}: syscalls are not logged", path.to_string_lossy()),
    }
}

/// Appends `name` to the syscall log the first time this process makes it.
/// One small O_APPEND write per line, so processes sharing the file do not
/// interleave within a line.
fn log_syscall(nr: u64, name: &str) {
    let fd = SYSCALL_LOG.load(Ordering::Relaxed);
    if fd < 0 || nr >= 512 {
        return;
    }
    let bit = 1u64 << (nr % 64);
    if LOGGED[(nr / 64) as usize].fetch_or(bit, Ordering::Relaxed) & bit == 0 {
        let _ = platform::host::write_local(fd, format!("{name}\n").as_bytes(), None);
    }
}

/// The platform's syscall handler.
pub fn syscall(trap: &mut Trap) {
    let nr = trap.nr();
    let args = trap.args();
    let entry = table::lookup(nr);
    if let Some(e) = entry {
        log_syscall(nr, e.name);
    }
    let result = match entry {
        Some(e) => match (e.handler, e.support) {
            (Some(handler), _) => handler(trap, args),
            (None, Support::Stub(errno)) => Err(errno),
            (None, _) => missing(nr, e.name),
        },
        None => missing(nr, "unknown"),
    };
    // An execve in place traced itself before its image went.
    if TRACE.load(Ordering::Relaxed) != 0 && !(trap.context_replaced() && is_execve(nr)) {
        trace_line(nr, &args, &result);
    }
    // rt_sigreturn restored every register: a result would clobber rax.
    if !trap.context_replaced() {
        trap.set_return(match result {
            Ok(v) => v,
            Err(e) => (-(e.0 as i64)) as u64,
        });
    }
    crate::signal::deliver::after_syscall(trap, nr, &result);
}

fn is_execve(nr: u64) -> bool {
    nr == libc::SYS_execve as u64 || nr == libc::SYS_execveat as u64
}

/// Traces a syscall that never returns when it succeeds (execve), before
/// it goes: its line says `= 0` (a failure then adds a line of its own).
pub(crate) fn trace_before_leaving(trap: &Trap) {
    if TRACE.load(Ordering::Relaxed) != 0 {
        trace_line(trap.nr(), &trap.args(), &Ok(0));
    }
}

fn missing(nr: u64, name: &str) -> Result<u64, Errno> {
    if first_warning(nr) {
        log::warn!("syscall {nr} ({name}) is not implemented: the guest gets ENOSYS");
    }
    Err(Errno::ENOSYS)
}

/// Prints the syscall line, then the kernel operations it became (when
/// `--kernel` collected any), as one write so lines of threads and forked
/// processes sharing the output do not interleave mid-block.
fn trace_line(nr: u64, args: &[u64; 6], result: &Result<u64, Errno>) {
    let call = match table::lookup(nr) {
        Some(e) => crate::trace::format_call(e, args, result, &crate::trace::Guest),
        None => format!(
            "syscall_{nr}({:#x}, {:#x}, {:#x}, {:#x}, {:#x}, {:#x}) = {}",
            args[0],
            args[1],
            args[2],
            args[3],
            args[4],
            args[5],
            crate::trace::format_result(crate::trace::Ret::Int, result)
        ),
    };
    // Guest pids are host pids; other threads of the process add their tid.
    let pid = std::process::id() as i32;
    let tid = platform::gettid();
    let who = if pid == tid {
        format!("[{pid}]")
    } else {
        format!("[{pid}/{tid}]")
    };
    let mut text = format!("{who} {call}\n");
    for op in kernel::trace::take() {
        text.push_str(&format!("{who}     {op}\n"));
    }
    crate::trace::write_out(&text);
}
