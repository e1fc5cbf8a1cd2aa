//! execve without a host exec. When the calling thread is its process's only
//! one (the usual fork-then-exec), the new image replaces the old one inside
//! this ninux: the old image's memory, trampolines and close-on-exec fds go,
//! caught signals return to their default, and the trap returns into the new
//! program's entry. Re-executing ninux (DESIGN.md point 8, still used when
//! other threads must end: the host's exec ends them) costs about a
//! millisecond of host exec, dynamic linking and start-up per exec; this
//! costs what loading the program costs.
//!
//! What Linux keeps across execve stays as it is: pid, namespace, cwd,
//! credentials, umask, limits, the other fds, ignored signals, the signal
//! mask, pending signals, interval timers and children.

use super::{map_prepared, prepare, RunError};
use crate::process::exec::Found;
use crate::state::{lock, process, with_thread};
use crate::SysResult;
use abi::Errno;
use platform::Trap;
use std::sync::atomic::Ordering;

/// Whether an exec can replace the image in this process: not when it has
/// other threads (or, never in practice, when the trap came through a
/// rewritten site); the caller then re-executes ninux.
pub(crate) fn in_place_possible(t: &Trap) -> bool {
    let p = process();
    p.live_threads.load(Ordering::SeqCst) == 1
        && platform::gettid() == p.leader_tid.load(Ordering::SeqCst)
        && !t.through_rewritten_site()
}

/// Runs the program `process::exec::find_image` found in place of the
/// calling image (see [`in_place_possible`]).
/// An error before the old image is gone returns to it, as Linux's does;
/// after that, the process dies as Linux kills it (SIGSEGV).
pub(crate) fn exec_in_place(t: &mut Trap, found: Found, envp: &loader::Strings) -> SysResult {
    let p = process();
    let prepared = match prepare(found.resolved, Some(found.opened)) {
        Ok(prepared) => prepared,
        Err(RunError::NotFound(_)) => return Err(Errno::ENOENT),
        // Linux answers with the errno alone; NINUX_LOG=debug says why.
        Err(RunError::Load(e)) => {
            log::debug!("execve: {e}");
            return Err(Errno::ENOEXEC);
        }
        Err(RunError::Platform(e)) => {
            log::debug!("execve: {e}");
            return Err(Errno::EIO);
        }
    };
    crate::dispatch::trace_before_leaving(t);
    end_old_image();
    let rlimits = *lock(&p.rlimits);
    let (exe, regs, brk) = match map_prepared(prepared, &found.argv, envp, &rlimits) {
        Ok(started) => started,
        Err(e) => {
            platform::write_stderr(format!("ninux: execve: {e}\n").as_bytes());
            crate::exec::die_by_signal(libc::SIGSEGV);
        }
    };
    *lock(&p.comm) = super::comm_of(&exe);
    *lock(&p.exe) = exe;
    *lock(&p.brk) = brk;
    platform::set_guest_fs(0);
    // Checked by in_place_possible: a SIGSYS trap, whose context can be replaced.
    let started = t.start_image(&regs);
    debug_assert!(started);
    crate::process::vfork::release_parent();
    Ok(0)
}

/// Linux's point of no return: everything of the old image that does not
/// survive execve goes.
fn end_old_image() {
    crate::mm::shared::release_all();
    platform::mm::unmap_all();
    platform::trampolines::release_all();
    crate::mm::names::forget_all();
    crate::fs::fd::close_on_exec();
    crate::sys::timers::delete_all();
    crate::signal::deliver::reset_for_exec();
    with_thread(|th| {
        th.clear_child_tid = 0;
        th.robust_list = (0, 0);
        th.altstack = Default::default();
    });
    platform::reset_syscall_counts();
}
