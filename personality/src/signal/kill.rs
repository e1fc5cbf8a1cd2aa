//! kill, tkill, tgkill. Guest processes and threads are host ones, so other
//! targets get a host signal. A signal to the guest itself is decided here:
//! until guest handlers are delivered, a caught signal is refused with
//! ENOSYS (glibc's abort() then falls back to the default action).

use crate::fs::from_host;
use crate::state::{lock, process};
use crate::SysResult;
use abi::signal::{SIGCHLD, SIGCONT, SIGURG, SIGWINCH, SIG_DFL, SIG_IGN};
use abi::Errno;
use platform::{host, Trap};

fn to_self(sig: i32) -> SysResult {
    if sig == 0 {
        return Ok(0);
    }
    let handler = lock(&process().sigactions)[sig as usize - 1].handler;
    match handler {
        SIG_IGN => Ok(0),
        SIG_DFL if matches!(sig, SIGCHLD | SIGURG | SIGWINCH | SIGCONT) => Ok(0),
        SIG_DFL => {
            let msg = format!(
                "ninux: guest killed by {} (sent to itself)\n",
                abi::signal::name(sig)
            );
            platform::write_stderr(msg.as_bytes());
            platform::die_by_signal(sig)
        }
        _ => {
            log::warn!(
                "signal {} to a guest handler: not delivered yet",
                abi::signal::name(sig)
            );
            Err(Errno::ENOSYS)
        }
    }
}

fn check(sig: i32) -> Result<(), Errno> {
    if (0..=64).contains(&sig) {
        Ok(())
    } else {
        Err(Errno::EINVAL)
    }
}

/// kill(2)
pub fn kill(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (pid, sig) = (a[0] as i32, a[1] as i32);
    check(sig)?;
    if pid == std::process::id() as i32 {
        return to_self(sig);
    }
    host::kill(pid, None, sig).map_err(from_host)
}

/// tgkill(2)
pub fn tgkill(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (tgid, tid, sig) = (a[0] as i32, a[1] as i32, a[2] as i32);
    check(sig)?;
    if tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL);
    }
    if tgid == std::process::id() as i32 {
        host::kill(tgid, Some(tid), 0).map_err(from_host)?;
        return to_self(sig);
    }
    host::kill(tgid, Some(tid), sig).map_err(from_host)
}

/// tkill(2)
pub fn tkill(t: &mut Trap, a: [u64; 6]) -> SysResult {
    tgkill(t, [std::process::id() as u64, a[0], a[1], 0, 0, 0])
}
