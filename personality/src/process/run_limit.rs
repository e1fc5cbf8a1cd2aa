//! What every process of one `ninux run` shares: the run's first process
//! (the leader, whose death by a signal `ninux run` reports) and, with
//! `--max-procs N`, a table of the run's live processes that makes fork and
//! clone fail with EAGAIN once N are alive, as RLIMIT_NPROC does on Linux.
//!
//! The table is N pid slots in a shared memfd mapping, inherited by fork
//! and handed on by execve. A slot is taken while its pid exists on the host
//! (zombies included, as Linux counts a process until it is reaped), so a
//! process killed by SIGKILL frees its slot without running any ninux code.
//! When the leader ends, it kills every other process still in the table:
//! nothing of the run outlives `ninux run`.

use abi::Errno;
use platform::host;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::OnceLock;

struct Run {
    leader: u32,
    /// The table's memfd (kept for execve) and its slots.
    table: Option<(i32, &'static [AtomicI32])>,
}

static RUN: OnceLock<Run> = OnceLock::new();

/// Whether host process `pid` still exists (a zombie does).
fn exists(pid: i32) -> bool {
    matches!(host::kill(pid, None, 0), Ok(_) | Err(libc::EPERM))
}

/// The first process of a run: with `max_procs`, makes the table and takes
/// its first slot.
pub fn init(max_procs: Option<usize>) -> Result<(), String> {
    let me = std::process::id();
    let table = match max_procs {
        None => None,
        Some(n) => {
            let n = n.clamp(1, 1 << 16);
            let fd = host::memfd_create(c"ninux-procs")
                .map_err(|e| format!("cannot make the process table: errno {e}"))?;
            host::ftruncate(fd, (n * 4) as i64)
                .map_err(|e| format!("cannot size the process table: errno {e}"))?;
            let slots = host::map_shared_slots(fd, n)
                .map_err(|e| format!("cannot map the process table: errno {e}"))?;
            slots[0].store(me as i32, Ordering::SeqCst);
            Some((fd, slots))
        }
    };
    let _ = RUN.set(Run { leader: me, table });
    Ok(())
}

/// After an execve: the run as the old image knew it (`fd` -1 without a table).
pub fn resume(leader: u32, fd: i32, slots: u64) {
    let table = if fd >= 0 && slots > 0 {
        host::map_shared_slots(fd, slots as usize)
            .ok()
            .map(|s| (fd, s))
    } else {
        None
    };
    let _ = RUN.set(Run { leader, table });
}

/// What execve hands on: (leader, table fd or -1, slot count). The fd is
/// made to survive the host exec.
pub fn handoff() -> (u32, i32, u64) {
    match RUN.get() {
        Some(Run {
            leader,
            table: Some((fd, slots)),
        }) => {
            let _ = host::fcntl(*fd, libc::F_SETFD, 0);
            (*leader, *fd, slots.len() as u64)
        }
        Some(r) => (r.leader, -1, 0),
        None => (std::process::id(), -1, 0),
    }
}

/// Whether this process is the one `ninux run` started (execve keeps it so).
pub fn is_leader() -> bool {
    RUN.get().is_none_or(|r| r.leader == std::process::id())
}

/// A slot taken for a process about to be forked, given back if the fork
/// fails. Without a table there is nothing to take.
pub struct Slot(Option<&'static AtomicI32>);

/// Takes a free slot for a new process: EAGAIN when the run already has
/// `--max-procs` live processes.
pub fn claim() -> Result<Slot, Errno> {
    let Some(Run {
        table: Some((_, slots)),
        ..
    }) = RUN.get()
    else {
        return Ok(Slot(None));
    };
    // Negative: reserved by the forking process, whose pid it is.
    let reserved = -(std::process::id() as i32);
    for slot in slots.iter() {
        let v = slot.load(Ordering::SeqCst);
        let free = v == 0 || !exists(v.abs());
        if free
            && slot
                .compare_exchange(v, reserved, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        {
            return Ok(Slot(Some(slot)));
        }
    }
    Err(Errno::EAGAIN)
}

impl Slot {
    /// The fork made `pid`: the slot is its.
    pub fn fill(self, pid: i32) {
        if let Some(s) = self.0 {
            s.store(pid, Ordering::SeqCst);
        }
    }
    /// The fork failed: the slot is free again.
    pub fn release(self) {
        if let Some(s) = self.0 {
            s.store(0, Ordering::SeqCst);
        }
    }
}

/// At the leader's end: every other process of the run is killed.
pub fn end_of_run() {
    let Some(Run {
        leader,
        table: Some((_, slots)),
    }) = RUN.get()
    else {
        return;
    };
    if *leader != std::process::id() {
        return;
    }
    // Twice: a process forking while the first sweep runs lands in a slot
    // the second sweep sees.
    for _ in 0..2 {
        for slot in slots.iter() {
            let v = slot.load(Ordering::SeqCst).abs();
            if v != 0 && v != *leader as i32 {
                let _ = host::kill(v, None, libc::SIGKILL);
            }
        }
    }
}
