//! The in-process platform on a Linux x86-64 host (DESIGN.md, "The platform").
//!
//! Guest code runs natively inside the ninux process. Every guest thread is a
//! host thread with Syscall User Dispatch (SUD) switched on: while its selector
//! byte says BLOCK, any `syscall` outside ninux's exempt trampolines raises
//! SIGSYS. ninux owns every host signal handler; the one entry stub
//! (`asm.rs`) tells guest context from host context by the selector, swaps
//! the FS base between guest TLS and ninux's TLS through a per-thread block
//! reached via GS (`block.rs`), and calls the registered [`Handlers`] with the
//! interrupted guest context as a [`Trap`].
//!
//! All unsafe, architecture-specific code of ninux lives in this crate; the
//! rest of ninux sees the safe interface re-exported here.

mod asm;
mod block;
mod deferred;
pub mod doorbell;
mod fast;
mod frame;
pub mod host;
mod host_signal;
pub mod hostnet;
mod hugetext;
pub mod linger;
pub mod mapped;
pub mod mm;
pub mod pagemap;
pub mod shared;
mod signals;
mod thread;
pub mod trampolines;
pub mod uaccess;

pub use block::GuestRegs;
pub use deferred::{requeue_signal, take_deferred_signal};
pub use fast::{
    adopt_cpu_facts, count_syscalls, cpu_facts, fast_entry_gate, fast_path_available,
    reset_syscall_counts, set_trapped, syscall_counts,
};
pub use frame::SignalFrame;
pub use host_signal::{
    alarm, getitimer, setitimer, sigpending, sigqueueinfo, sigsuspend, sigtimedwait, tkill,
};
pub use signals::{
    die_by_signal, host_action_now, install, set_host_action, stop_self, write_stderr, Fault,
    Handlers, HostAction, Trap, ALWAYS_CAUGHT,
};
pub use thread::{
    enter_guest, fork, guest_fs, leave_guest, set_guest_fs, spawn_guest_thread, ThreadSetup,
};

/// Does this CPU and kernel let user space use the FSGSBASE instructions?
pub fn have_fsgsbase() -> bool {
    // SAFETY: getauxval only reads the process's auxiliary vector.
    let hwcap2 = unsafe { libc::getauxval(libc::AT_HWCAP2) };
    hwcap2 & abi::auxv::HWCAP2_FSGSBASE != 0
}

/// The host's auxv value for `key` (AT_HWCAP, AT_SYSINFO_EHDR, …), as the
/// kernel gave it. Read from /proc/self/auxv because glibc's getauxval
/// rewrites some entries (AT_HWCAP becomes glibc's own x86 feature word).
pub fn host_auxv(key: u64) -> u64 {
    static AUXV: std::sync::OnceLock<Vec<(u64, u64)>> = std::sync::OnceLock::new();
    let auxv = AUXV.get_or_init(|| {
        // Plain reads into a page: the vector is a few hundred bytes
        // (std::fs::read would stat the file, which says 0, then grow its
        // buffer read by read).
        let mut raw = vec![0u8; 4096];
        let mut len = 0;
        if let Ok(f) = std::fs::File::open("/proc/self/auxv") {
            use std::os::fd::AsRawFd;
            while len < raw.len() {
                match host::read_local(f.as_raw_fd(), &mut raw[len..], None) {
                    Ok(n) if n > 0 => len += n,
                    _ => break,
                }
            }
        }
        raw.truncate(len);
        raw.chunks_exact(16)
            .map(|c| {
                let word = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or_default());
                (word(&c[..8]), word(&c[8..]))
            })
            .collect()
    });
    match auxv.iter().find(|(k, _)| *k == key) {
        Some(&(_, v)) => v,
        // SAFETY: getauxval only reads the process's auxiliary vector.
        None => unsafe { libc::getauxval(key) },
    }
}

/// The host thread id of the calling thread.
pub fn gettid() -> i32 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::gettid() }
}
