//! Linux process state kept by the personality: what the Linux kernel would
//! hold for the process (shared by its threads) and for each thread.

use abi::structs::{KernelSigaction, Rlimit, StackT};
use std::cell::RefCell;
use std::sync::atomic::{AtomicI32, AtomicUsize};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

/// The process: one per guest process (one host process).
pub struct Process {
    /// The program as /proc/self/exe names it (replaced by an execve in place).
    pub exe: Mutex<Vec<u8>>,
    pub brk: Mutex<Brk>,
    /// Dispositions, indexed by signal number - 1.
    pub sigactions: Mutex<[KernelSigaction; 64]>,
    pub rlimits: Mutex<[Rlimit; 16]>,
    /// Guest threads alive; the process ends when the last one exits.
    pub live_threads: AtomicUsize,
    /// The thread-group leader's tid and, once it called exit, its status.
    pub leader_tid: AtomicI32,
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
        if let Ok(r) = platform::host::getrlimit(i as u32) {
            *slot = r;
        }
    }
    out
}

/// What the program was started with, as Linux keeps it for /proc/self:
/// where the argument and environment strings lie in its memory (Linux's
/// `arg_start..arg_end` and `env_start..env_end`: /proc reads them there, so
/// a program that rewrites its argv shows the new one), a copy of the
/// auxiliary vector (Linux's `saved_auxv`) and where the image and the
/// stack landed.
#[derive(Debug, Default, Clone)]
pub struct ExecRecord {
    pub args: std::ops::Range<u64>,
    pub env: std::ops::Range<u64>,
    /// The auxv as the guest saw it: (type, value) u64 pairs up to AT_NULL.
    pub auxv: Vec<u8>,
    /// The image's file-backed pages: (start, end, file offset of start).
    pub segments: Vec<(u64, u64, u64)>,
    /// The interpreter's namespace path and file-backed pages, for a
    /// dynamically linked program (empty otherwise).
    pub interp: (String, Vec<(u64, u64, u64)>),
    /// The initial stack pointer: the mapping holding it is `[stack]`.
    pub sp: u64,
}

static EXEC_RECORD: Mutex<Option<Arc<ExecRecord>>> = Mutex::new(None);

/// Records the program's start (at each exec, after the initial stack is
/// written: the auxv is copied from it).
pub fn record_exec(
    [args, env]: [std::ops::Range<u64>; 2],
    (argc, envc): (usize, usize),
    (image, bias): (&loader::Image, u64),
    interp: Option<(&str, &loader::Image, u64)>,
    sp: u64,
) {
    *lock(&EXEC_RECORD) = Some(Arc::new(ExecRecord {
        args,
        env,
        auxv: saved_auxv(sp, argc, envc),
        segments: file_pages(image, bias),
        interp: interp
            .map(|(path, image, bias)| (path.to_string(), file_pages(image, bias)))
            .unwrap_or_default(),
        sp,
    }));
}

/// An image's file-backed pages once placed at `bias`: (start, end, file offset).
pub(crate) fn file_pages(image: &loader::Image, bias: u64) -> Vec<(u64, u64, u64)> {
    let page_down = |x: u64| x & !4095;
    let page_up = |x: u64| x.saturating_add(4095) & !4095;
    image
        .segments
        .iter()
        .filter(|s| s.filesz > 0)
        .map(|s| {
            (
                page_down(s.vaddr) + bias,
                page_up(s.vaddr + s.filesz) + bias,
                page_down(s.offset),
            )
        })
        .collect()
}

/// Copies the auxv from the initial stack: argc, argv[] and NULL, envp[]
/// and NULL, then (type, value) pairs ending with AT_NULL.
fn saved_auxv(sp: u64, argc: usize, envc: usize) -> Vec<u8> {
    let mut at = sp + 8 * (1 + argc as u64 + 1 + envc as u64 + 1);
    let mut out = Vec::new();
    // Bounded: the auxv has a few dozen entries.
    for _ in 0..64 {
        let (Ok(typ), Ok(val)) = (
            platform::uaccess::read::<u64>(at),
            platform::uaccess::read::<u64>(at + 8),
        ) else {
            break;
        };
        out.extend_from_slice(&typ.to_ne_bytes());
        out.extend_from_slice(&val.to_ne_bytes());
        at += 16;
        if typ == 0 {
            break;
        }
    }
    out
}

/// The program's start, once exec recorded it.
pub fn exec_record() -> Option<Arc<ExecRecord>> {
    lock(&EXEC_RECORD).clone()
}

/// The process state if exec has set it (the /proc device is also used
/// before, by `ninux ns` and tests).
pub fn try_process() -> Option<&'static Process> {
    PROCESS.get()
}
