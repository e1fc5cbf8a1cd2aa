//! From a trapped guest `syscall` to its handler and back: the one place where
//! results become `-errno`, unimplemented syscalls are reported, traces are
//! printed, and signals are delivered on the way back to the guest.

use crate::table::{self, Support};
use abi::Errno;
use platform::Trap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};

/// How much `ninux trace` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceMode {
    Off,
    /// One strace-style line per syscall on stderr.
    Syscalls,
}

static TRACE: AtomicU8 = AtomicU8::new(0);

pub fn set_trace(mode: TraceMode) {
    TRACE.store(mode as u8, Ordering::Relaxed);
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

/// The platform's syscall handler.
pub fn syscall(trap: &mut Trap) {
    let nr = trap.nr();
    let args = trap.args();
    let entry = table::lookup(nr);
    let result = match entry {
        Some(e) => match (e.handler, e.support) {
            (Some(handler), _) => handler(trap, args),
            (None, Support::Stub(errno)) => Err(errno),
            (None, _) => missing(nr, e.name),
        },
        None => missing(nr, "unknown"),
    };
    if TRACE.load(Ordering::Relaxed) != 0 {
        trace_line(nr, entry.map_or("unknown", |e| e.name), &args, &result);
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

fn missing(nr: u64, name: &str) -> Result<u64, Errno> {
    if first_warning(nr) {
        log::warn!("syscall {nr} ({name}) is not implemented: the guest gets ENOSYS");
    }
    Err(Errno::ENOSYS)
}

fn trace_line(nr: u64, name: &str, args: &[u64; 6], result: &Result<u64, Errno>) {
    let shown = table::lookup(nr).map_or(6, |e| e.nargs as usize);
    let args: Vec<String> = args[..shown].iter().map(|a| format!("{a:#x}")).collect();
    let result = match result {
        Ok(v) => format!("{}", *v as i64),
        Err(e) => format!("-1 {} ({})", e.name(), e.description()),
    };
    let line = format!(
        "[{}] {}({}) = {}\n",
        platform::gettid(),
        name,
        args.join(", "),
        result
    );
    platform::write_stderr(line.as_bytes());
}
