//! Clocks and sleeping. Most clock reads never trap: the host vDSO answers
//! them inside the guest.

use crate::fs::from_host;
use crate::mem::{In, Out};
use crate::SysResult;
use abi::structs::{Timespec, Timeval, Timezone};
use abi::Errno;
use platform::{host, uaccess, Trap};

/// clock_gettime(2)
pub fn clock_gettime(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (clock, tp) = (a[0] as i32, Out::<Timespec>::new(a[1]));
    tp.write(&host::clock_gettime(clock).map_err(from_host)?)?;
    Ok(0)
}

/// clock_getres(2)
pub fn clock_getres(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (clock, res) = (a[0] as i32, Out::<Timespec>::new(a[1]));
    let r = host::clock_getres(clock).map_err(from_host)?;
    if !res.is_null() {
        res.write(&r)?;
    }
    Ok(0)
}

/// clock_settime(2): the host's clock is not the guest's to set, as if
/// it lacked CAP_SYS_TIME (EPERM); clocks nobody sets are EINVAL.
pub fn clock_settime(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let ts = In::<Timespec>::new(a[1]).read()?;
    if a[0] as i32 != libc::CLOCK_REALTIME {
        return Err(Errno::EINVAL);
    }
    if !(0..1_000_000_000).contains(&ts.tv_nsec) || ts.tv_sec < 0 {
        return Err(Errno::EINVAL);
    }
    Err(Errno::EPERM)
}

/// settimeofday(2): as clock_settime; a time zone alone is only recorded
/// by Linux for the FAT file system, and taken here as done.
pub fn settimeofday(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    if a[0] == 0 {
        return Ok(0);
    }
    let tv = In::<Timeval>::new(a[0]).read()?;
    if !(0..1_000_000).contains(&tv.tv_usec) {
        return Err(Errno::EINVAL);
    }
    Err(Errno::EPERM)
}

/// gettimeofday(2)
pub fn gettimeofday(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (tv, tz) = (Out::<Timeval>::new(a[0]), Out::<Timezone>::new(a[1]));
    if !tv.is_null() {
        let now = host::clock_gettime(libc::CLOCK_REALTIME).map_err(from_host)?;
        tv.write(&Timeval {
            tv_sec: now.tv_sec,
            tv_usec: now.tv_nsec / 1000,
        })?;
    }
    if !tz.is_null() {
        tz.write(&Timezone::default())?;
    }
    Ok(0)
}

/// time(2)
pub fn time(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let now = host::clock_gettime(libc::CLOCK_REALTIME)
        .map_err(from_host)?
        .tv_sec;
    if a[0] != 0 {
        Out::<i64>::new(a[0]).write(&now)?;
    }
    Ok(now as u64)
}

fn read_timespec(p: In<Timespec>) -> Result<Timespec, Errno> {
    let ts = p.read()?;
    if ts.tv_sec < 0 || !(0..1_000_000_000).contains(&ts.tv_nsec) {
        return Err(Errno::EINVAL);
    }
    Ok(ts)
}

fn sleep(t: &mut Trap, clock: i32, flags: i32, req: Timespec, rem: Out<Timespec>) -> SysResult {
    match uaccess::unblocked(t.sigmask(), || host::clock_nanosleep(clock, flags, &req)) {
        Ok(()) => Ok(0),
        Err((e, left)) => {
            if e == libc::EINTR && !rem.is_null() && flags & libc::TIMER_ABSTIME == 0 {
                rem.write(&left)?;
            }
            Err(from_host(e))
        }
    }
}

/// nanosleep(2): measured against CLOCK_MONOTONIC, as Linux does.
pub fn nanosleep(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (req, rem) = (read_timespec(In::new(a[0]))?, Out::<Timespec>::new(a[1]));
    sleep(t, libc::CLOCK_MONOTONIC, 0, req, rem)
}

/// clock_nanosleep(2)
pub fn clock_nanosleep(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (clock, flags, req, rem) = (
        a[0] as i32,
        a[1] as i32,
        read_timespec(In::new(a[2]))?,
        Out::<Timespec>::new(a[3]),
    );
    if flags & !libc::TIMER_ABSTIME != 0 {
        return Err(Errno::EINVAL);
    }
    sleep(t, clock, flags, req, rem)
}
