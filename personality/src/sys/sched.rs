//! Scheduling: nice values, policies, affinity, I/O priorities and NUMA
//! memory policies. Guest
//! threads and processes are host ones with the same ids, so the host's
//! scheduler answers; only the structures pass through ninux's buffers.

use crate::fs::from_host;
use crate::mem::{read_bytes, write_bytes};
use crate::SysResult;
use abi::Errno;
use platform::{host, Trap};

fn plain(nr: i64, a: [u64; 6]) -> SysResult {
    host::ints(nr, [a[0], a[1], a[2], 0, 0, 0]).map_err(from_host)
}

/// getpriority(2): the raw call's `20 - nice`, as Linux returns it.
pub fn getpriority(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    plain(libc::SYS_getpriority, a)
}

/// setpriority(2)
pub fn setpriority(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    plain(libc::SYS_setpriority, a)
}

/// sched_getscheduler(2)
pub fn sched_getscheduler(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    plain(libc::SYS_sched_getscheduler, a)
}

/// sched_get_priority_max(2)
pub fn sched_get_priority_max(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    plain(libc::SYS_sched_get_priority_max, a)
}

/// sched_get_priority_min(2)
pub fn sched_get_priority_min(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    plain(libc::SYS_sched_get_priority_min, a)
}

/// ioprio_get(2)
pub fn ioprio_get(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    plain(libc::SYS_ioprio_get, a)
}

/// ioprio_set(2)
pub fn ioprio_set(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    plain(libc::SYS_ioprio_set, a)
}

/// `struct sched_param`: one int.
const PARAM: usize = 4;

/// sched_getparam(2)
pub fn sched_getparam(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let mut param = [0u8; PARAM];
    host::with_buffer(libc::SYS_sched_getparam, [a[0], 0, 0, 0, 0], 1, &mut param)
        .map_err(from_host)?;
    write_bytes(a[1], &param)?;
    Ok(0)
}

/// sched_setparam(2)
pub fn sched_setparam(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let mut param = read_param(a[1])?;
    host::with_buffer(libc::SYS_sched_setparam, [a[0], 0, 0, 0, 0], 1, &mut param)
        .map_err(from_host)
}

/// sched_setscheduler(2)
pub fn sched_setscheduler(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let mut param = read_param(a[2])?;
    host::with_buffer(
        libc::SYS_sched_setscheduler,
        [a[0], a[1], 0, 0, 0],
        2,
        &mut param,
    )
    .map_err(from_host)
}

fn read_param(addr: u64) -> Result<[u8; PARAM], Errno> {
    if addr == 0 {
        return Err(Errno::EINVAL);
    }
    let bytes = read_bytes(addr, PARAM)?;
    Ok([bytes[0], bytes[1], bytes[2], bytes[3]])
}

/// sched_rr_get_interval(2)
pub fn sched_rr_get_interval(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let mut ts = [0u8; 16];
    host::with_buffer(
        libc::SYS_sched_rr_get_interval,
        [a[0], 0, 0, 0, 0],
        1,
        &mut ts,
    )
    .map_err(from_host)?;
    write_bytes(a[1], &ts)?;
    Ok(0)
}

/// sched_setaffinity(2): a mask longer than the host's CPUs is cut to
/// 8192 bytes, which says as much.
pub fn sched_setaffinity(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let len = a[1].min(8192) as usize;
    let mut mask = read_bytes(a[2], len)?;
    host::with_buffer(
        libc::SYS_sched_setaffinity,
        [a[0], len as u64, 0, 0, 0],
        2,
        &mut mask,
    )
    .map_err(from_host)
}

/// The largest `struct sched_attr` ninux passes (Linux's is 56 bytes).
const ATTR_MAX: usize = 4096;

/// sched_getattr(2)
pub fn sched_getattr(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let size = a[2] as usize;
    if size > ATTR_MAX {
        return Err(Errno::EINVAL);
    }
    let mut attr = vec![0u8; size];
    host::with_buffer(
        libc::SYS_sched_getattr,
        [a[0], 0, size as u64, a[3], 0],
        1,
        &mut attr,
    )
    .map_err(from_host)?;
    // The kernel says in the first word how much it wrote.
    let written = attr
        .get(..4)
        .map_or(0, |w| u32::from_ne_bytes([w[0], w[1], w[2], w[3]]) as usize);
    write_bytes(a[1], &attr[..written.min(size)])?;
    Ok(0)
}

/// sched_setattr(2)
pub fn sched_setattr(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let head = read_bytes(a[1], 4)?;
    // A size of 0 means the first version of the structure, 48 bytes.
    let size = match u32::from_ne_bytes([head[0], head[1], head[2], head[3]]) as usize {
        0 => 48,
        n if n > ATTR_MAX => return Err(Errno::E2BIG),
        n => n,
    };
    let mut attr = read_bytes(a[1], size.max(4))?;
    host::with_buffer(libc::SYS_sched_setattr, [a[0], 0, a[2], 0, 0], 1, &mut attr)
        .map_err(from_host)
}

/// The `unsigned long` words holding `maxnode` bits of a node mask, at
/// most 1024 (64 Ki nodes).
fn mask_words(maxnode: u64) -> Result<usize, Errno> {
    let words = maxnode.div_ceil(64);
    if words > 1024 {
        return Err(Errno::EINVAL);
    }
    Ok(words as usize)
}

/// get_mempolicy(2): the host's (guest threads are host threads).
pub fn get_mempolicy(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (mode_at, mask_at, maxnode, addr, flags) = (a[0], a[1], a[2], a[3], a[4]);
    let words = if mask_at == 0 {
        0
    } else {
        mask_words(maxnode)?
    };
    let mut mode = 0i32;
    let mut mask = vec![0u64; words];
    host::get_mempolicy(
        &mut mode,
        &mut mask,
        if words == 0 { 0 } else { maxnode },
        addr,
        flags,
    )
    .map_err(from_host)?;
    if mode_at != 0 {
        write_bytes(mode_at, &mode.to_ne_bytes())?;
    }
    if mask_at != 0 {
        let bytes: Vec<u8> = mask.iter().flat_map(|w| w.to_ne_bytes()).collect();
        write_bytes(mask_at, &bytes)?;
    }
    Ok(0)
}

/// set_mempolicy(2): the calling thread's, the host's.
pub fn set_mempolicy(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (mode, mask_at, maxnode) = (a[0] as i32, a[1], a[2]);
    let words = if mask_at == 0 {
        0
    } else {
        mask_words(maxnode)?
    };
    let bytes = read_bytes(mask_at, words * 8)?;
    let mask: Vec<u64> = bytes
        .chunks_exact(8)
        .map(|c| u64::from_ne_bytes(c.try_into().unwrap_or_default()))
        .collect();
    host::set_mempolicy(mode, &mask, if words == 0 { 0 } else { maxnode }).map_err(from_host)
}
