//! System V IPC: message queues, semaphores and shared memory, the host's.
//! Guest processes are host processes in the host's IPC namespace, so
//! keys and ids mean what they mean natively; the structures pass through
//! ninux's buffers, and a shared memory segment is attached as guest
//! memory (`platform::mm::attach_shm`). Blocking calls wait with the
//! guest's signal mask, so a signal interrupts them (EINTR).

use crate::fs::from_host;
use crate::mem::{read_bytes, write_bytes};
use crate::SysResult;
use abi::Errno;
use platform::{host, uaccess, Trap};

const IPC_RMID: u64 = 0;
const IPC_SET: u64 = 1;
const IPC_STAT: u64 = 2;
const IPC_INFO: u64 = 3;
/// Set by some libcs in the command to ask for the 64-bit structures,
/// which are the only ones on x86-64.
const IPC_64: u64 = 0x100;

/// The structures' sizes on x86-64.
const MSQID_DS: usize = 120;
const MSGINFO: usize = 32;
const SEMID_DS: usize = 104;
const SEMINFO: usize = 40;
const SHMID_DS: usize = 112;
const SHMINFO: usize = 72;
const SHM_INFO_SIZE: usize = 48;
const SEMBUF: usize = 6;
/// Linux's SEMOPM: more operations in one call are E2BIG.
const SEMOPM: usize = 500;
/// The largest message ninux passes (Linux's MSGMAX is 8 KiB by default).
const MSG_MAX: u64 = 16 << 20;

fn ints(nr: i64, a: [u64; 6]) -> SysResult {
    host::ints(nr, a).map_err(from_host)
}

/// msgget(2)
pub fn msgget(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    ints(libc::SYS_msgget, [a[0], a[1], 0, 0, 0, 0])
}

/// semget(2)
pub fn semget(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    ints(libc::SYS_semget, [a[0], a[1], a[2], 0, 0, 0])
}

/// shmget(2)
pub fn shmget(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    ints(libc::SYS_shmget, [a[0], a[1], a[2], 0, 0, 0])
}

/// msgsnd(2): `struct msgbuf` is the type (8 bytes) then the text.
pub fn msgsnd(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (id, msgp, size, flags) = (a[0], a[1], a[2], a[3]);
    if size > MSG_MAX {
        return Err(Errno::EINVAL);
    }
    let mut msg = read_bytes(msgp, 8 + size as usize)?;
    uaccess::unblocked(t.sigmask(), || {
        host::with_buffer(libc::SYS_msgsnd, [id, 0, size, flags, 0], 1, &mut msg)
    })
    .map_err(from_host)
}

/// msgrcv(2)
pub fn msgrcv(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (id, msgp, size, kind, flags) = (a[0], a[1], a[2], a[3], a[4]);
    if size > MSG_MAX {
        return Err(Errno::EINVAL);
    }
    let mut msg = vec![0u8; 8 + size as usize];
    let n = uaccess::unblocked(t.sigmask(), || {
        host::with_buffer(libc::SYS_msgrcv, [id, 0, size, kind, flags], 1, &mut msg)
    })
    .map_err(from_host)?;
    write_bytes(msgp, &msg[..8 + n as usize])?;
    Ok(n)
}

/// A control call whose argument `a[at]` points at a structure of `size`
/// bytes the host writes (`out`) or reads.
fn ctl_struct(nr: i64, mut a: [u64; 5], at: usize, size: usize, out: bool) -> SysResult {
    let addr = a[at];
    let mut buf = if out {
        vec![0u8; size]
    } else {
        read_bytes(addr, size)?
    };
    a[at] = 0;
    let r = host::with_buffer(nr, a, at, &mut buf).map_err(from_host)?;
    if out {
        write_bytes(addr, &buf)?;
    }
    Ok(r)
}

/// msgctl(2)
pub fn msgctl(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    const MSG_STAT: u64 = 11;
    const MSG_INFO: u64 = 12;
    const MSG_STAT_ANY: u64 = 13;
    let (id, cmd, buf) = (a[0], a[1], a[2]);
    let nr = libc::SYS_msgctl;
    match cmd & !IPC_64 {
        IPC_STAT | MSG_STAT | MSG_STAT_ANY => {
            ctl_struct(nr, [id, cmd, buf, 0, 0], 2, MSQID_DS, true)
        }
        IPC_SET => ctl_struct(nr, [id, cmd, buf, 0, 0], 2, MSQID_DS, false),
        IPC_INFO | MSG_INFO => ctl_struct(nr, [id, cmd, buf, 0, 0], 2, MSGINFO, true),
        IPC_RMID => host::ipc_value(nr, [id, cmd, 0, 0]).map_err(from_host),
        _ => Err(Errno::EINVAL),
    }
}

/// semop(2)
pub fn semop(t: &mut Trap, a: [u64; 6]) -> SysResult {
    semtimedop(t, [a[0], a[1], a[2], 0, 0, 0])
}

/// semtimedop(2)
pub fn semtimedop(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (id, sops, nsops, timeout) = (a[0] as i32, a[1], a[2] as usize, a[3]);
    if nsops > SEMOPM {
        return Err(Errno::E2BIG);
    }
    let mut ops = read_bytes(sops, nsops * SEMBUF)?;
    let ts: Option<[u8; 16]> = if timeout == 0 {
        None
    } else {
        let b = read_bytes(timeout, 16)?;
        let mut ts = [0u8; 16];
        ts.copy_from_slice(&b);
        Some(ts)
    };
    uaccess::unblocked(t.sigmask(), || {
        host::semtimedop(id, &mut ops, nsops, ts.as_ref())
    })
    .map_err(from_host)
}

/// semctl(2): the fourth argument is `union semun`, passed by value.
pub fn semctl(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    const GETPID: u64 = 11;
    const GETVAL: u64 = 12;
    const GETALL: u64 = 13;
    const GETNCNT: u64 = 14;
    const GETZCNT: u64 = 15;
    const SETVAL: u64 = 16;
    const SETALL: u64 = 17;
    const SEM_STAT: u64 = 18;
    const SEM_INFO: u64 = 19;
    const SEM_STAT_ANY: u64 = 20;
    let (id, num, cmd, arg) = (a[0], a[1], a[2], a[3]);
    let nr = libc::SYS_semctl;
    match cmd & !IPC_64 {
        IPC_STAT | SEM_STAT | SEM_STAT_ANY => {
            ctl_struct(nr, [id, num, cmd, arg, 0], 3, SEMID_DS, true)
        }
        IPC_SET => ctl_struct(nr, [id, num, cmd, arg, 0], 3, SEMID_DS, false),
        IPC_INFO | SEM_INFO => ctl_struct(nr, [id, num, cmd, arg, 0], 3, SEMINFO, true),
        GETALL | SETALL => {
            // An array of one unsigned short per semaphore in the set.
            let mut ds = vec![0u8; SEMID_DS];
            host::with_buffer(nr, [id, 0, IPC_STAT, 0, 0], 3, &mut ds).map_err(from_host)?;
            let nsems = u64::from_ne_bytes(ds[80..88].try_into().unwrap_or_default()) as usize;
            ctl_struct(
                nr,
                [id, num, cmd, arg, 0],
                3,
                nsems * 2,
                cmd & !IPC_64 == GETALL,
            )
        }
        GETPID | GETVAL | GETNCNT | GETZCNT | SETVAL | IPC_RMID => {
            host::ipc_value(nr, [id, num, cmd, arg]).map_err(from_host)
        }
        _ => Err(Errno::EINVAL),
    }
}

/// shmctl(2)
pub fn shmctl(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    const SHM_LOCK: u64 = 11;
    const SHM_UNLOCK: u64 = 12;
    const SHM_STAT: u64 = 13;
    const SHM_INFO: u64 = 14;
    const SHM_STAT_ANY: u64 = 15;
    let (id, cmd, buf) = (a[0], a[1], a[2]);
    let nr = libc::SYS_shmctl;
    match cmd & !IPC_64 {
        IPC_STAT | SHM_STAT | SHM_STAT_ANY => {
            ctl_struct(nr, [id, cmd, buf, 0, 0], 2, SHMID_DS, true)
        }
        IPC_SET => ctl_struct(nr, [id, cmd, buf, 0, 0], 2, SHMID_DS, false),
        IPC_INFO => ctl_struct(nr, [id, cmd, buf, 0, 0], 2, SHMINFO, true),
        SHM_INFO => ctl_struct(nr, [id, cmd, buf, 0, 0], 2, SHM_INFO_SIZE, true),
        IPC_RMID | SHM_LOCK | SHM_UNLOCK => host::ipc_value(nr, [id, cmd, 0, 0]).map_err(from_host),
        _ => Err(Errno::EINVAL),
    }
}

/// shmat(2): the segment becomes guest memory.
pub fn shmat(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (id, addr, flags) = (a[0], a[1], a[2] as i32);
    let mut ds = vec![0u8; SHMID_DS];
    host::with_buffer(libc::SYS_shmctl, [id, IPC_STAT, 0, 0, 0], 2, &mut ds).map_err(from_host)?;
    // shm_segsz follows the 48-byte struct ipc_perm.
    let size = u64::from_ne_bytes(ds[48..56].try_into().unwrap_or_default());
    kernel::hostwatch::memory_shared();
    platform::mm::attach_shm(id as i32, addr, flags, size).map_err(from_host)
}

/// shmdt(2)
pub fn shmdt(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    platform::mm::detach_shm(a[0]).map(|_| 0).map_err(from_host)
}
