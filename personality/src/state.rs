//! Linux process state kept by the personality: what the Linux kernel would
//! hold for the process (shared by its threads) and for each thread.

use abi::structs::{KernelSigaction, Rlimit, StackT};
use std::cell::RefCell;
use std::sync::atomic::{AtomicI32, AtomicUsize};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// The process: one per guest process (one host process).
pub struct Process {
    /// The program as /proc/self/exe names it.
    pub exe: Vec<u8>,
    pub brk: Mutex<Brk>,
    /// Dispositions, indexed by signal number - 1.
    pub sigactions: Mutex<[KernelSigaction; 64]>,
    pub rlimits: Mutex<[Rlimit; 16]>,
    /// Guest threads alive; the process ends when the last one exits.
    pub live_threads: AtomicUsize,
    /// The thread-group leader's tid and, once it called exit, its status.
    pub leader_tid: i32,
    pub leader_status: AtomicI32,
    /// prctl(PR_SET_NAME): the leader's comm.
    pub comm: Mutex<[u8; 16]>,
    pub umask: AtomicI32,
}

/// The program break: `[start, cur)` is the heap; `reserved_end` bounds growth.
#[derive(Debug, Clone, Copy)]
pub struct Brk {
    pub start: u64,
    pub cur: u64,
    /// Pages below this are mapped read-write.
    pub mapped_end: u64,
    pub reserved_end: u64,
}

static PROCESS: OnceLock<Process> = OnceLock::new();

pub fn process() -> &'static Process {
    PROCESS
        .get()
        .expect("the personality's process state is set before guest code runs")
}

pub fn init_process(p: Process) {
    let _ = PROCESS.set(p);
}

/// Locks, recovering from a poisoned lock: a panic in one handler (already
/// reported as EIO) must not take every later syscall down with it.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Per guest thread: what Linux keeps in the task.
#[derive(Debug, Default, Clone)]
pub struct Thread {
    pub tid: i32,
    /// set_tid_address / CLONE_CHILD_CLEARTID: zeroed and woken at exit.
    pub clear_child_tid: u64,
    pub robust_list: (u64, u64),
    pub altstack: StackT,
}

thread_local! {
    static THREAD: RefCell<Thread> = RefCell::new(Thread::default());
}

pub fn with_thread<R>(f: impl FnOnce(&mut Thread) -> R) -> R {
    THREAD.with(|t| f(&mut t.borrow_mut()))
}

/// Linux's default limits for a new process, taken from the host's.
pub fn host_rlimits() -> [Rlimit; 16] {
    let mut out = [Rlimit {
        rlim_cur: abi::structs::RLIM_INFINITY,
        rlim_max: abi::structs::RLIM_INFINITY,
    }; 16];
    for (i, slot) in out.iter_mut().enumerate() {
        let mut r = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes one rlimit.
        if unsafe { libc::getrlimit(i as _, &mut r) } == 0 {
            *slot = Rlimit {
                rlim_cur: r.rlim_cur,
                rlim_max: r.rlim_max,
            };
        }
    }
    out
}
