//! Delivering a signal to the guest, as Linux does on the way back to user
//! mode: to its handler through a real rt_sigframe (built by the platform),
//! or by its default action; and rt_sigreturn, which comes back through the
//! dispatcher. Also what the host kernel does with each signal (the host
//! keeps pending sets and timers for the guest: its processes are ours).

use crate::state::{lock, process, with_thread};
use crate::SysResult;
use abi::flags::SaFlags;
use abi::signal::*;
use abi::signal_frame::Siginfo;
use abi::structs::{KernelSigaction, StackT};
use platform::{HostAction, SignalFrame, Trap};
use std::cell::Cell;

/// What Linux does with a signal whose disposition is SIG_DFL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultAction {
    Terminate,
    /// Terminate with a core dump.
    Core,
    Ignore,
    Stop,
}

/// signal(7)'s table of default actions.
pub fn default_action(sig: i32) -> DefaultAction {
    match sig {
        SIGCHLD | SIGURG | SIGWINCH | SIGCONT => DefaultAction::Ignore,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => DefaultAction::Stop,
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | SIGXCPU | SIGXFSZ
        | SIGSYS => DefaultAction::Core,
        _ => DefaultAction::Terminate,
    }
}

/// A disposition that names a guest function.
pub fn is_handler(handler: u64) -> bool {
    handler != SIG_DFL && handler != SIG_IGN
}

/// The host disposition that gives the guest's: the host ignores what the
/// guest ignores and takes the default actions that are the same for the
/// guest (ignore, stop, continue), so those never interrupt ninux; ninux
/// catches the rest, to run a guest handler or die with a diagnostic.
pub fn host_action(sig: i32, act: &KernelSigaction) -> HostAction {
    match act.handler {
        SIG_IGN => HostAction::Ignore,
        SIG_DFL => match default_action(sig) {
            DefaultAction::Ignore | DefaultAction::Stop => HostAction::Default,
            DefaultAction::Terminate | DefaultAction::Core => HostAction::Catch,
        },
        _ => HostAction::Catch,
    }
}

/// Sets every host disposition from the guest's, once per process before
/// its first syscall. Signals the host already ignores were ignored across
/// exec and stay ignored, as on Linux; SIGPIPE is the exception, because
/// every ninux ignores it (`platform::host::init_process`), so its origin is unknowable.
///
/// `host_ignored`: what the host ignores, when the caller knows it. A ninux
/// re-executed by execve does: the host exec reset every handler to its
/// default and kept what was ignored, which is exactly the guest's ignored
/// set in the exec state (plus SIGPIPE, which ninux ignores). Then nothing is
/// asked of the host, and only dispositions that differ are set (about a
/// third of the signals, instead of two host calls for each of them).
pub fn init_host_actions(host_ignored: Option<u64>) {
    let mut actions = lock(&process().sigactions);
    for sig in 1..=SIGRTMAX {
        if sig == SIGKILL || sig == SIGSTOP || platform::ALWAYS_CAUGHT.contains(&sig) {
            continue;
        }
        let now = match host_ignored {
            Some(m) if sig == SIGPIPE || m & (1 << (sig - 1)) != 0 => Some(HostAction::Ignore),
            Some(_) => Some(HostAction::Default),
            None => platform::host_action_now(sig),
        };
        let act = &mut actions[sig as usize - 1];
        if sig != SIGPIPE && act.handler == SIG_DFL && now == Some(HostAction::Ignore) {
            act.handler = SIG_IGN;
        }
        let want = host_action(sig, act);
        if now != Some(want) {
            platform::set_host_action(sig, want);
        }
    }
}

/// execve in place: caught signals go back to their default and ignored
/// ones stay ignored, each with no flags, mask or restorer (Linux's
/// flush_signal_handlers); the host's dispositions follow where that
/// changes them.
pub fn reset_for_exec() {
    let mut actions = lock(&process().sigactions);
    for sig in 1..=SIGRTMAX {
        let act = &mut actions[sig as usize - 1];
        let before = host_action(sig, act);
        let handler = if act.handler == SIG_IGN {
            SIG_IGN
        } else {
            SIG_DFL
        };
        *act = KernelSigaction {
            handler,
            ..KernelSigaction::default()
        };
        let after = host_action(sig, act);
        let fixed = sig == SIGKILL || sig == SIGSTOP || platform::ALWAYS_CAUGHT.contains(&sig);
        if before != after && !fixed {
            platform::set_host_action(sig, after);
        }
    }
}

thread_local! {
    /// rt_sigsuspend's temporary mask, in force for the delivery that ends it
    /// (Linux's saved_sigmask): the frame saves the mask from before.
    static SUSPEND_MASK: Cell<Option<u64>> = const { Cell::new(None) };
}

/// rt_sigsuspend and pause end with `mask` in force for the delivery.
pub fn set_suspend_mask(mask: u64) {
    SUSPEND_MASK.with(|m| m.set(Some(mask)));
}

/// Syscalls that a handler's SA_RESTART does not restart (signal(7)): they
/// return EINTR after any handler. Named as the syscall table names them.
const NOT_RESTARTED_AFTER_HANDLER: &[&str] = &[
    "pause",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "nanosleep",
    "clock_nanosleep",
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "epoll_wait",
    "epoll_pwait",
    "epoll_pwait2",
    "io_getevents",
    "semop",
    "semtimedop",
    "msgrcv",
    "msgsnd",
];

/// The dispatcher's exit path, after the syscall's result is set: signals
/// that interrupted ninux's blocking host calls (deferred by the platform)
/// decide whether an EINTR becomes a restart, then the first is delivered
/// on this trap and the others go back to the host kernel, which delivers
/// them through ninux once the guest's mask allows (nested, as on Linux).
pub fn after_syscall(t: &mut Trap, nr: u64, result: &SysResult) {
    let suspend = SUSPEND_MASK.with(|m| m.take());
    let Some(first) = platform::take_deferred_signal() else {
        return;
    };
    if *result == Err(abi::Errno::EINTR) && !t.context_replaced() {
        let act = lock(&process().sigactions)[first.signo as usize - 1];
        let name = crate::table::lookup(nr).map_or("", |e| e.name);
        let restart = if is_handler(act.handler) {
            act.flags & SaFlags::RESTART.bits() != 0 && !NOT_RESTARTED_AFTER_HANDLER.contains(&name)
        } else {
            // No handler runs: Linux restarts transparently.
            true
        };
        if restart {
            t.restart_syscall(nr);
        }
    }
    let saved = t.sigmask();
    deliver(t, &first, saved, suspend.unwrap_or(saved));
    while let Some(next) = platform::take_deferred_signal() {
        platform::requeue_signal(&next);
    }
}

/// Delivers `info` on this trap: the guest's handler (a frame on its stack
/// or alternate stack) or the default action. `saved_mask` is what
/// rt_sigreturn restores; `mask` the mask in force (they differ only inside
/// rt_sigsuspend).
pub fn deliver(t: &mut Trap, info: &Siginfo, saved_mask: u64, mask: u64) {
    let sig = info.signo;
    if !(1..=SIGRTMAX).contains(&sig) {
        return;
    }
    let act = {
        let mut actions = lock(&process().sigactions);
        let act = actions[sig as usize - 1];
        if is_handler(act.handler) && act.flags & SaFlags::RESETHAND.bits() != 0 {
            let reset = &mut actions[sig as usize - 1];
            reset.handler = SIG_DFL;
            reset.flags &= !SaFlags::SIGINFO.bits();
            platform::set_host_action(sig, host_action(sig, reset));
        }
        act
    };
    match act.handler {
        SIG_IGN => {}
        SIG_DFL => take_default_action(sig),
        handler => run_handler(t, info, &act, handler, saved_mask, mask),
    }
}

fn run_handler(
    t: &mut Trap,
    info: &Siginfo,
    act: &KernelSigaction,
    handler: u64,
    saved_mask: u64,
    mask: u64,
) {
    let sig = info.signo;
    if act.flags & SaFlags::RESTORER.bits() == 0 {
        // x86-64 Linux has no vDSO restorer: without one, it cannot return.
        force_sigsegv(&format!("{} handler has no SA_RESTORER", name(sig)));
    }
    // Skip the red zone the interrupted code may be using below rsp.
    let sp = t.regs().rsp.wrapping_sub(128);
    let alt = with_thread(|th| th.altstack);
    let alt_enabled = alt.ss_size != 0 && alt.ss_flags & SS_DISABLE == 0;
    let on_alt = alt_enabled
        && alt.ss_flags & SS_AUTODISARM == 0
        && sp > alt.ss_sp
        && sp - alt.ss_sp <= alt.ss_size;
    let alt_bounds = Some((alt.ss_sp, alt.ss_sp.wrapping_add(alt.ss_size)));
    let (stack_top, stack_bounds) =
        if act.flags & SaFlags::ONSTACK.bits() != 0 && alt_enabled && !on_alt {
            (alt.ss_sp.wrapping_add(alt.ss_size), alt_bounds)
        } else if on_alt {
            (sp, alt_bounds)
        } else {
            (sp, None)
        };
    let uc_stack = if alt_enabled {
        alt
    } else {
        StackT {
            ss_flags: SS_DISABLE,
            ..Default::default()
        }
    };
    let mut handler_mask = mask | act.mask;
    if act.flags & SaFlags::NODEFER.bits() == 0 {
        handler_mask |= SigSet::bit(sig);
    }
    let frame = SignalFrame {
        info: *info,
        handler,
        restorer: act.restorer,
        stack_top,
        stack_bounds,
        uc_stack,
        saved_mask,
        handler_mask: SigSet(handler_mask).without_unblockable().0,
    };
    if t.push_signal_frame(&frame).is_err() {
        force_sigsegv(&format!(
            "no room for a {} frame below {stack_top:#x}",
            name(sig)
        ));
    }
    if alt.ss_flags & SS_AUTODISARM != 0 {
        // SS_AUTODISARM: the stack is given back by rt_sigreturn (uc_stack).
        with_thread(|th| {
            th.altstack = StackT {
                ss_flags: SS_DISABLE,
                ..Default::default()
            }
        });
    }
}

/// The default action of `sig`, now.
pub fn take_default_action(sig: i32) {
    match default_action(sig) {
        DefaultAction::Ignore => {}
        DefaultAction::Stop => platform::stop_self(),
        DefaultAction::Terminate | DefaultAction::Core => {
            if crate::process::run_limit::is_leader() {
                platform::write_stderr(
                    format!("ninux: guest killed by {}\n", name(sig)).as_bytes(),
                );
            }
            crate::exec::die_by_signal(sig)
        }
    }
}

/// Linux's force_sigsegv when a frame cannot be built or read: the guest dies.
fn force_sigsegv(why: &str) -> ! {
    if crate::process::run_limit::is_leader() {
        platform::write_stderr(format!("ninux: guest killed by SIGSEGV: {why}\n").as_bytes());
    }
    crate::exec::die_by_signal(SIGSEGV)
}

/// rt_sigreturn(2): back from a handler, through the frame at rsp - 8.
pub fn rt_sigreturn(t: &mut Trap, _a: [u64; 6]) -> SysResult {
    let sp = t.regs().rsp;
    match t.pop_signal_frame() {
        Ok((stack, mask)) => {
            t.set_sigmask(SigSet(mask).without_unblockable().0);
            // Like Linux's restore_altstack: refusals are ignored.
            let _ = super::action::set_altstack(&stack, t.regs().rsp);
            Ok(0)
        }
        Err(_) => force_sigsegv(&format!("bad signal frame at {sp:#x}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_signal_7() {
        assert_eq!(default_action(SIGCHLD), DefaultAction::Ignore);
        assert_eq!(default_action(SIGTSTP), DefaultAction::Stop);
        assert_eq!(default_action(SIGABRT), DefaultAction::Core);
        assert_eq!(default_action(SIGPIPE), DefaultAction::Terminate);
        assert_eq!(default_action(SIGRTMIN + 3), DefaultAction::Terminate);
    }

    #[test]
    fn host_ignores_what_the_guest_ignores_and_catches_handlers() {
        let dfl = KernelSigaction::default();
        let ign = KernelSigaction {
            handler: SIG_IGN,
            ..dfl
        };
        let caught = KernelSigaction {
            handler: 0x401000,
            ..dfl
        };
        assert_eq!(host_action(SIGCHLD, &dfl), HostAction::Default);
        assert_eq!(host_action(SIGINT, &dfl), HostAction::Catch);
        assert_eq!(host_action(SIGINT, &ign), HostAction::Ignore);
        assert_eq!(host_action(SIGCHLD, &caught), HostAction::Catch);
    }
}
