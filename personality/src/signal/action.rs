//! rt_sigaction, rt_sigprocmask, sigaltstack: the guest's signal state, kept
//! by the personality (the host's belongs to ninux; its dispositions follow
//! the guest's, see `deliver::host_action`).

use super::deliver::host_action;
use crate::mem::{In, Out};
use crate::state::{lock, process, with_thread};
use crate::SysResult;
use abi::signal::{
    SigSet, MINSIGSTKSZ, SIGKILL, SIGSTOP, SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK, SS_AUTODISARM,
    SS_DISABLE, SS_ONSTACK,
};
use abi::structs::{KernelSigaction, StackT};
use abi::Errno;
use platform::Trap;

/// rt_sigaction(2)
pub fn rt_sigaction(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (sig, act, oldact, setsize) = (
        a[0] as i32,
        In::<KernelSigaction>::new(a[1]),
        Out::<KernelSigaction>::new(a[2]),
        a[3],
    );
    if setsize != 8 || !(1..=64).contains(&sig) {
        return Err(Errno::EINVAL);
    }
    if !act.is_null() && (sig == SIGKILL || sig == SIGSTOP) {
        return Err(Errno::EINVAL);
    }
    let new = if act.is_null() {
        None
    } else {
        Some(act.read()?)
    };
    let mut actions = lock(&process().sigactions);
    let old = actions[sig as usize - 1];
    if !oldact.is_null() {
        oldact.write(&old)?;
    }
    if let Some(mut new) = new {
        new.mask = SigSet(new.mask).without_unblockable().0;
        actions[sig as usize - 1] = new;
        platform::set_host_action(sig, host_action(sig, &new));
    }
    Ok(0)
}

/// rt_sigprocmask(2): edits the mask the trap returns with, since the kernel
/// restores it at the end of the signal handler (PLATFORM-NOTES 7).
pub fn rt_sigprocmask(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (how, set, oldset, setsize) = (
        a[0] as i32,
        In::<u64>::new(a[1]),
        Out::<u64>::new(a[2]),
        a[3],
    );
    if setsize != 8 {
        return Err(Errno::EINVAL);
    }
    let old = t.sigmask();
    if !set.is_null() {
        let set = set.read()?;
        let new = match how {
            SIG_BLOCK => old | set,
            SIG_UNBLOCK => old & !set,
            SIG_SETMASK => set,
            _ => return Err(Errno::EINVAL),
        };
        t.set_sigmask(SigSet(new).without_unblockable().0);
    }
    if !oldset.is_null() {
        oldset.write(&old)?;
    }
    Ok(0)
}

/// sigaltstack(2): per thread, used by signal delivery for SA_ONSTACK.
pub fn sigaltstack(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (ss, old) = (In::<StackT>::new(a[0]), Out::<StackT>::new(a[1]));
    let sp = t.regs().rsp;
    if !old.is_null() {
        let current = with_thread(|th| th.altstack);
        let mut report = current;
        if current.ss_size == 0 {
            report = StackT {
                ss_flags: SS_DISABLE,
                ..Default::default()
            };
        } else if on_altstack(&current, sp) {
            report.ss_flags |= SS_ONSTACK;
        }
        old.write(&report)?;
    }
    if !ss.is_null() {
        set_altstack(&ss.read()?, sp)?;
    }
    Ok(0)
}

fn on_altstack(current: &StackT, sp: u64) -> bool {
    current.ss_flags & SS_DISABLE == 0
        && current.ss_size != 0
        && sp.wrapping_sub(current.ss_sp) < current.ss_size
}

/// Installs `new` as the thread's alternate stack, as sigaltstack does with
/// the stack pointer at `sp` (also rt_sigreturn's restore of uc_stack).
pub fn set_altstack(new: &StackT, sp: u64) -> Result<(), Errno> {
    if on_altstack(&with_thread(|th| th.altstack), sp) {
        return Err(Errno::EPERM);
    }
    let mode = new.ss_flags & !SS_AUTODISARM;
    if mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK {
        return Err(Errno::EINVAL);
    }
    let new = if mode == SS_DISABLE {
        StackT {
            ss_flags: SS_DISABLE,
            ..Default::default()
        }
    } else {
        if new.ss_size < MINSIGSTKSZ {
            return Err(Errno::ENOMEM);
        }
        StackT {
            ss_flags: new.ss_flags & SS_AUTODISARM,
            ..*new
        }
    };
    with_thread(|th| th.altstack = new);
    Ok(())
}
