//! alarm, setitimer, getitimer: the host's timers of this process, which
//! send it host SIGALRM, SIGVTALRM and SIGPROF; ninux delivers those to the
//! guest like any other signal. (ITIMER_VIRTUAL and ITIMER_PROF count
//! ninux's own CPU time with the guest's: they are one process.)

use crate::fs::from_host;
use crate::mem::{In, Out};
use crate::SysResult;
use abi::signal::Itimerval;
use abi::Errno;
use platform::Trap;

/// alarm(2)
pub fn alarm(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let seconds = a[0] as u32;
    Ok(platform::alarm(seconds))
}

fn check_which(which: i32) -> Result<(), Errno> {
    if (0..=2).contains(&which) {
        Ok(())
    } else {
        Err(Errno::EINVAL)
    }
}

/// setitimer(2)
pub fn setitimer(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (which, new, old) = (
        a[0] as i32,
        In::<Itimerval>::new(a[1]),
        Out::<Itimerval>::new(a[2]),
    );
    check_which(which)?;
    // A null new value disarms the timer (Linux's historical behaviour).
    let new = if new.is_null() {
        Itimerval::default()
    } else {
        new.read()?
    };
    let valid = |usec: i64| (0..1_000_000).contains(&usec);
    if !valid(new.it_value.tv_usec) || !valid(new.it_interval.tv_usec) {
        return Err(Errno::EINVAL);
    }
    let previous = platform::setitimer(which, &new).map_err(from_host)?;
    if !old.is_null() {
        old.write(&previous)?;
    }
    Ok(0)
}

/// getitimer(2)
pub fn getitimer(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (which, cur) = (a[0] as i32, Out::<Itimerval>::new(a[1]));
    check_which(which)?;
    let value = platform::getitimer(which).map_err(from_host)?;
    cur.write(&value)?;
    Ok(0)
}
