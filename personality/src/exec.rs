//! Starting a guest program: load its image into ninux's address space, build
//! the initial stack as Linux does, and enter it on the calling thread.

use crate::state::{self, Brk, Process};
use abi::structs::KernelSigaction;
use image::{build_process, load_at, load_image, Loaded};
use loader::{Image, ImageKind, Strings};
use platform::GuestRegs;
use std::sync::atomic::{AtomicI32, AtomicUsize};
use std::sync::{Mutex, OnceLock};

pub mod handoff;
mod image;
mod in_place;
pub use handoff::ExecState;
pub(crate) use in_place::{exec_in_place, in_place_possible};

/// A program to run: its name (found in the namespace, like execvp: a name
/// with a slash is a path, any other is looked up in the guest's PATH) and
/// its process state.
pub struct Program {
    pub path: Vec<u8>,
    pub argv: Strings,
    pub envp: Strings,
    /// The Plan 9 namespace every path of the guest resolves in.
    pub ns: kernel::Namespace,
    /// The initial working directory, a path in `ns`.
    pub cwd: String,
    /// Host directories to remove when the process ends (a temporary
    /// writable layer); only the process that started the run removes them.
    pub cleanup: Vec<std::path::PathBuf>,
    /// `--max-procs N`: fork and clone fail with EAGAIN once the run has N
    /// live processes (`process::run_limit`).
    pub max_procs: Option<usize>,
}

static CLEANUP: OnceLock<(u32, Vec<std::path::PathBuf>)> = OnceLock::new();

/// Removes the run's temporary directories, if this is the process that made them.
pub fn cleanup() {
    if let Some((pid, dirs)) = CLEANUP.get() {
        if *pid == std::process::id() {
            for d in dirs {
                let _ = std::fs::remove_dir_all(d);
            }
        }
    }
}

/// The run's temporary directories, when this process is the one to remove
/// them (handed on by execve: the pid stays the same).
pub(crate) fn cleanup_dirs() -> Vec<std::path::PathBuf> {
    match CLEANUP.get() {
        Some((pid, dirs)) if *pid == std::process::id() => dirs.clone(),
        _ => Vec::new(),
    }
}

/// ninux's own executable, opened at start before anything could replace
/// the file: execve re-executes it through this fd.
static SELF_EXE: OnceLock<std::fs::File> = OnceLock::new();

/// Remembers ninux's own executable; call first thing in `main`.
pub fn remember_self_exe() {
    if let Ok(f) = std::fs::File::open("/proc/self/exe") {
        let _ = SELF_EXE.set(f);
    }
}

/// ninux's own executable, as opened at start.
pub(crate) fn self_exe_file() -> Option<&'static std::fs::File> {
    SELF_EXE.get()
}

/// A path the host's execve accepts for ninux's own executable.
pub(crate) fn self_exe() -> Option<String> {
    use std::os::fd::AsRawFd;
    SELF_EXE
        .get()
        .map(|f| format!("/proc/self/fd/{}", f.as_raw_fd()))
}

/// The argument that makes a ninux continue an execve from state fd N.
pub const RESUME_ARG: &str = "--ninux-exec-state=";

/// Continues an execve from the state in host fd `fd` (a memfd).
pub fn resume_from_fd(fd: i32) -> Result<std::convert::Infallible, RunError> {
    let bytes = read_state(fd).map_err(|e| {
        RunError::Platform(format!("cannot read the exec state: {}", abi::Errno(e)))
    })?;
    platform::host::close(fd);
    let s = ExecState::decode(&bytes)
        .map_err(|_| RunError::Platform("the exec state is corrupt".into()))?;
    resume(s)
}

/// The whole memfd, read from its start with pread (its offset, shared
/// with the old image, is at the end), into a buffer of its size: a state
/// is a few kilobytes, and every fresh page costs this new process a fault.
fn read_state(fd: i32) -> Result<Vec<u8>, i32> {
    let size = platform::host::fstat(fd)?.st_size.max(0) as usize;
    let mut bytes = vec![0u8; size + 1];
    let mut len = 0;
    loop {
        if len == bytes.len() {
            bytes.resize(len * 2, 0);
        }
        match platform::host::read_local(fd, &mut bytes[len..], Some(len as i64)) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(libc::EINTR) => {}
            Err(e) => return Err(e),
        }
    }
    bytes.truncate(len);
    Ok(bytes)
}

/// Ends the guest process with `status` (exit_group), cleaning up first.
pub fn exit_process(status: i32) -> ! {
    crate::process::vfork::carry_writes();
    crate::mm::shared::write_back_all();
    crate::process::run_limit::end_of_run();
    crate::rewrite::report_stats();
    cleanup();
    linger();
    platform::host::exit_group(status)
}

/// Ends the guest process by signal `sig` (as its parent will see it),
/// cleaning up first: nothing is left on the host, however a run ends.
pub fn die_by_signal(sig: i32) -> ! {
    crate::process::vfork::carry_writes();
    crate::mm::shared::write_back_all();
    crate::process::run_limit::end_of_run();
    crate::rewrite::report_stats();
    cleanup();
    linger();
    platform::die_by_signal(sig)
}

/// Leaves the fds whose last close is slow, and a slow teardown of the
/// address space, to a helper process that outlives this one
/// ([`platform::linger`]), unless a guest process reaps orphans: it would
/// see the helper among its children.
fn linger() {
    if !crate::process::arch::guest_reaps_orphans() {
        platform::linger::hand_over(&kernel::hostwatch::slow_to_close());
    }
}

/// Why a program could not be started.
#[derive(Debug)]
pub enum RunError {
    /// No such program in the namespace (a shell says 127).
    NotFound(String),
    Load(loader::LoadError),
    Platform(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::NotFound(p) => write!(f, "{p}: not found in the namespace"),
            RunError::Load(e) => write!(f, "{e}"),
            RunError::Platform(e) => write!(f, "{e}"),
        }
    }
}

/// Finds the program like execvp, in the namespace.
fn find_program(path: &[u8], envp: &Strings) -> Result<crate::fs::path::Resolved, RunError> {
    use crate::fs::path::{resolve, Base, Last};
    let shown = String::from_utf8_lossy(path).into_owned();
    if path.contains(&b'/') {
        return resolve(&Base::Cwd, path, Last::Follow).map_err(|e| match e {
            abi::Errno::ENOENT => RunError::NotFound(shown.clone()),
            e => RunError::Load(loader::LoadError {
                file: shown.clone(),
                what: e.to_string(),
            }),
        });
    }
    let search = envp
        .iter()
        .find_map(|e| e.strip_prefix(b"PATH="))
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    for dir in search.split(':').filter(|d| !d.is_empty()) {
        let candidate = format!("{dir}/{shown}");
        if let Ok(r) = resolve(&Base::Cwd, candidate.as_bytes(), Last::Follow) {
            if !r.chan.is_dir() {
                return Ok(r);
            }
        }
    }
    Err(RunError::NotFound(shown))
}

/// A program file: its bytes, the open chan they came from, and the key its
/// rewrite plan is cached under.
struct ProgramFile {
    bytes: ImageBytes,
    chan: kernel::Chan,
    key: crate::rewrite::cache::Key,
}

/// A program's bytes: a host file mapped read-only (only the pages parsed
/// or scanned are touched, and they are the page cache's), or read whole
/// from a device without a host file.
enum ImageBytes {
    Mapped(platform::mapped::MappedFile),
    Read(Vec<u8>),
}

impl std::ops::Deref for ImageBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            ImageBytes::Mapped(m) => m,
            ImageBytes::Read(v) => v,
        }
    }
}

impl ProgramFile {
    /// The host fd to map the image's pages from, when the file has one.
    fn host_fd(&self) -> Option<i32> {
        use std::os::fd::AsRawFd;
        self.chan.host_fd().map(|fd| fd.as_raw_fd())
    }
}

/// A `#!` script named on the command line runs as execve would run it:
/// its interpreter, with the script's path among the arguments.
fn follow_script(
    found: crate::fs::path::Resolved,
    argv: Strings,
) -> Result<(crate::fs::path::Resolved, Strings), RunError> {
    use crate::fs::path::{Base, Last};
    let shown = found.path.clone();
    let err = |e: abi::Errno| match e {
        abi::Errno::ENOENT => RunError::NotFound(shown.clone()),
        e => RunError::Load(loader::LoadError {
            file: shown.clone(),
            what: e.to_string(),
        }),
    };
    let (found, argv) = match crate::process::exec::find_image(
        Base::Cwd,
        found.path.clone().into_bytes(),
        argv.clone(),
        Last::Follow,
    ) {
        Ok(script) => (script.resolved, script.argv),
        // Neither ELF nor script, or an ELF file whose interpreter is
        // missing: the loader says what is wrong with it.
        Err(abi::Errno::ENOEXEC) => return Ok((found, argv)),
        Err(abi::Errno::ENOENT) if !is_script(&found.chan) => return Ok((found, argv)),
        Err(abi::Errno::ENOENT) => {
            return Err(RunError::Load(loader::LoadError {
                file: shown.clone(),
                what: "its #! interpreter is not in the namespace".into(),
            }))
        }
        Err(e) => return Err(err(e)),
    };
    Ok((found, argv))
}

/// Whether the file starts with `#!`.
fn is_script(chan: &kernel::Chan) -> bool {
    let mut head = [0u8; 2];
    chan.clone_chan()
        .and_then(|c| kernel::namespace::open_chan(c, ninep::OREAD as u32))
        .and_then(|c| c.pread(&mut head, Some(0)))
        .is_ok_and(|n| n == 2 && head == *b"#!")
}

/// Reads a whole file from the namespace (the program image), from `opened`
/// when the caller has opened it (for reading, OEXEC).
fn read_program(
    r: crate::fs::path::Resolved,
    opened: Option<kernel::Chan>,
) -> Result<ProgramFile, RunError> {
    let err = |what: String| {
        RunError::Load(loader::LoadError {
            file: r.path.clone(),
            what,
        })
    };
    let chan = match opened {
        Some(chan) => chan,
        None => kernel::namespace::open_chan(
            r.chan.clone_chan().map_err(|e| err(e.to_string()))?,
            ninep::OEXEC as u32,
        )
        .map_err(|e| err(e.to_string()))?,
    };
    if let Some(mapped) = map_program(&chan) {
        let (mapped, key) = mapped.map_err(err)?;
        // The open chan itself is kept: its host fd is what the segments
        // are mapped from (a clone would be unopened, without one).
        let bytes = ImageBytes::Mapped(mapped);
        return Ok(ProgramFile { bytes, chan, key });
    }
    let mut bytes = Vec::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = chan
            .pread(&mut buf, Some(bytes.len() as u64))
            .map_err(|e| err(e.to_string()))?;
        if n == 0 {
            let key = crate::rewrite::cache::Key::of_bytes(&bytes);
            let bytes = ImageBytes::Read(bytes);
            return Ok(ProgramFile { bytes, chan, key });
        }
        if bytes.len() + n > MAX_IMAGE {
            return Err(err("absurd size for a program".into()));
        }
        bytes.extend_from_slice(&buf[..n]);
    }
}

/// A host-backed regular file mapped instead of read: an exec then costs
/// no copy of the whole program (and no hash of it: the rewrite plan is
/// keyed by the file's identity and change time). `None` when the chan has
/// no host file; an error for an absurdly large or unmappable one.
fn map_program(
    chan: &kernel::Chan,
) -> Option<Result<(platform::mapped::MappedFile, crate::rewrite::cache::Key), String>> {
    use std::os::fd::AsRawFd;
    let fd = chan.host_fd()?.as_raw_fd();
    let st = platform::host::fstat(fd).ok()?;
    if st.st_mode & libc::S_IFMT != libc::S_IFREG || st.st_size <= 0 {
        return None;
    }
    if st.st_size as u64 > MAX_IMAGE as u64 {
        return Some(Err("absurd size for a program".into()));
    }
    let mapped = platform::mapped::MappedFile::new(fd, st.st_size as usize).ok()?;
    Some(Ok((mapped, crate::rewrite::cache::Key::of_file(&st))))
}

/// Larger "programs" are refused before they are read.
const MAX_IMAGE: usize = 1 << 30;

impl std::error::Error for RunError {}

/// Runs `program` on this thread. Never returns on success: the process ends
/// when the guest does, with its status or its signal.
pub fn run(program: Program) -> Result<std::convert::Infallible, RunError> {
    let Program {
        path,
        argv,
        envp,
        ns,
        cwd,
        cleanup,
        max_procs,
    } = program;
    let _ = CLEANUP.set((std::process::id(), cleanup));
    crate::process::run_limit::init(max_procs).map_err(RunError::Platform)?;
    crate::fs::path::init(ns, cwd);
    let found = find_program(&path, &envp)?;
    let (found, argv) = follow_script(found, argv)?;
    let rlimits = state::host_rlimits();
    let (exe, regs, brk) = load_program(found, &argv, &envp, &rlimits)?;
    // The guest starts with ninux's umask; the host's becomes 0 so that
    // files the devices create get exactly the mode the guest asked for.
    let umask = platform::host::plain(libc::SYS_umask, [0, 0, 0]).unwrap_or(0o022) as i32;
    init_state(exe, brk, [KernelSigaction::default(); 64], rlimits, umask);
    crate::fs::fd::init_stdio();
    start(regs, 0, None)
}

/// Continues an execve in the re-exec'd ninux: rebuilds the state the old
/// image kept (see `exec::handoff`) and runs the new program with it.
pub fn resume(s: ExecState) -> Result<std::convert::Infallible, RunError> {
    let platform_err = |what: String| RunError::Platform(what);
    let _ = CLEANUP.set((
        std::process::id(),
        s.cleanup.iter().map(std::path::PathBuf::from).collect(),
    ));
    crate::devices::install();
    crate::process::run_limit::resume(s.run_leader, s.procs_fd, s.procs_slots);
    let ns = kernel::build::from_text(&s.ns, std::path::Path::new("(exec state)"))
        .map_err(|e| platform_err(format!("cannot rebuild the namespace: {e}")))?;
    crate::fs::path::init(ns, s.cwd.clone());
    crate::process::creds::restore(&s.creds);
    if s.trace != 0 {
        crate::trace::set_trace_output(s.trace_fd);
        crate::dispatch::set_trace(if s.trace == 1 {
            crate::dispatch::TraceMode::Syscalls
        } else {
            crate::dispatch::TraceMode::Kernel
        });
    }
    platform::adopt_cpu_facts(s.cpu);
    if s.reaps_orphans {
        crate::process::arch::set_guest_reaps_orphans();
    }
    crate::rewrite::set_enabled(s.rewrite & 1 == 0);
    crate::rewrite::set_stats(s.rewrite & 2 != 0);
    crate::fs::fd::restore(crate::process::exec::reopen_fds(&s.fds));
    // The old image's limits; the host is asked only for any the state lacks.
    let mut rlimits = match s.rlimits.first() {
        Some(&r) if s.rlimits.len() >= 16 => [r; 16],
        _ => state::host_rlimits(),
    };
    for (d, r) in rlimits.iter_mut().zip(&s.rlimits) {
        *d = *r;
    }
    let found = find_program(&s.path, &s.envp)?;
    let (exe, regs, brk) = load_program(found, &s.argv, &s.envp, &rlimits)?;
    // Caught signals are reset to their default; ignored ones stay ignored.
    let mut actions = [KernelSigaction::default(); 64];
    for (i, a) in actions.iter_mut().enumerate() {
        if s.ignored & (1 << i) != 0 {
            a.handler = abi::signal::SIG_IGN;
        }
    }
    // The host's umask is already 0 (set by the first ninux, kept by exec).
    init_state(exe, brk, actions, rlimits, s.umask as i32);
    // What the host ignores now is what the guest ignored (see
    // `init_host_actions`).
    start(regs, s.sigmask, Some(s.ignored))
}

/// Finds, reads, checks and maps a program and builds its initial stack,
/// sized by the process's RLIMIT_STACK (in `rlimits`), as Linux sizes it.
fn load_program(
    found: crate::fs::path::Resolved,
    argv: &Strings,
    envp: &Strings,
    rlimits: &[abi::structs::Rlimit; 16],
) -> Result<(Vec<u8>, GuestRegs, Brk), RunError> {
    map_prepared(prepare(found, None)?, argv, envp, rlimits)
}

/// A program read and its headers checked, with its interpreter's, but
/// nothing mapped yet: all an exec can fail on before the old image goes.
struct Prepared {
    name: String,
    id: (String, u64),
    program: ProgramFile,
    image: Image,
    interp: Option<PreparedInterp>,
}

/// Reads and parses a program (from `opened`, when open already) and, for
/// a dynamically linked one, its interpreter (PT_INTERP), found in the
/// namespace like any file.
fn prepare(
    found: crate::fs::path::Resolved,
    opened: Option<kernel::Chan>,
) -> Result<Prepared, RunError> {
    let name = found.path.clone();
    let id = file_id(&found.chan);
    let program = read_program(found, opened)?;
    let image = Image::parse(&name, &program.bytes).map_err(RunError::Load)?;
    let interp = match &image.interp {
        Some(path) => Some(prepare_interp(&name, path)?),
        None => None,
    };
    Ok(Prepared {
        name,
        id,
        program,
        image,
        interp,
    })
}

/// Maps a prepared program (and its interpreter, which then loads the
/// libraries) and builds its initial stack.
fn map_prepared(
    p: Prepared,
    argv: &Strings,
    envp: &Strings,
    rlimits: &[abi::structs::Rlimit; 16],
) -> Result<(Vec<u8>, GuestRegs, Brk), RunError> {
    let Prepared {
        name,
        id,
        program,
        image,
        interp,
    } = p;
    let exe = name.clone().into_bytes();
    let loaded = load_image(&name, &image, &program).map_err(RunError::Load)?;
    drop(program);
    name_pages(&name, id, &image, loaded.bias);
    let interp = match interp {
        Some(i) => Some(load_interp(i)?),
        None => None,
    };
    let stack_limit = rlimits[libc::RLIMIT_STACK as usize].rlim_cur;
    let (regs, brk, strings) = build_process(
        &name,
        &exe,
        (argv, envp),
        (&image, &loaded),
        interp.as_ref(),
        stack_limit,
    )
    .map_err(RunError::Load)?;
    // /proc/self/{cmdline,environ,auxv,maps} describe this image.
    state::record_exec(
        strings,
        (argv.len(), envp.len()),
        (&image, loaded.bias),
        interp
            .as_ref()
            .map(|i| (i.path.as_str(), &i.image, i.loaded.bias)),
        regs.rsp,
    );
    Ok((exe, regs, brk))
}

/// A file's device (as maps prints it) and inode, as stat shows them.
fn file_id(chan: &kernel::Chan) -> (String, u64) {
    crate::fs::stat::stat_of(chan).map_or(("00:00".into(), 0), |st| {
        (crate::mm::names::dev_text(st.st_dev), st.st_ino)
    })
}

/// /proc/self/maps shows an image's file-backed pages as the file's, though
/// the loader copied them into anonymous memory.
fn name_pages(path: &str, (dev, inode): (String, u64), image: &Image, bias: u64) {
    for (start, end, offset) in state::file_pages(image, bias) {
        let name = crate::mm::names::FileName {
            path: path.to_string(),
            offset,
            dev: dev.clone(),
            inode,
        };
        crate::mm::names::record(start, end, name);
    }
}

/// A program's interpreter once mapped.
struct Interp {
    path: String,
    image: Image,
    loaded: Loaded,
}

/// An interpreter read and checked, not yet mapped.
struct PreparedInterp {
    /// As PT_INTERP names it, and as found in the namespace.
    path: String,
    shown: String,
    id: (String, u64),
    program: ProgramFile,
    image: Image,
}

/// Finds the interpreter `path` (PT_INTERP of `program`) in the namespace
/// and checks it.
fn prepare_interp(program: &str, path: &str) -> Result<PreparedInterp, RunError> {
    use crate::fs::path::{resolve, Base, Last};
    let err = |what: String| {
        RunError::Load(loader::LoadError {
            file: program.to_string(),
            what,
        })
    };
    let found = resolve(&Base::Cwd, path.as_bytes(), Last::Follow)
        .map_err(|e| err(format!("interpreter {path}: {e}")))?;
    if found.chan.is_dir() {
        return Err(err(format!("interpreter {path} is a directory")));
    }
    let shown = found.path.clone();
    let id = file_id(&found.chan);
    let program = read_program(found, None)?;
    let image = Image::parse(path, &program.bytes)
        .map_err(|e| err(format!("interpreter {path}: {}", e.what)))?;
    if image.interp.is_some() {
        return Err(err(format!(
            "interpreter {path} asks for an interpreter itself"
        )));
    }
    if image.kind != ImageKind::Dyn {
        // Linux would load an ET_EXEC interpreter at its fixed address; no
        // real ld.so is one, and it could collide with the program.
        return Err(err(format!(
            "interpreter {path} is not position-independent (ET_EXEC)"
        )));
    }
    Ok(PreparedInterp {
        path: path.to_string(),
        shown,
        id,
        program,
        image,
    })
}

/// Maps an interpreter where the host has room, as Linux maps ld.so.
fn load_interp(i: PreparedInterp) -> Result<Interp, RunError> {
    let loaded = load_at(&i.path, &i.image, &i.program, 0, 0).map_err(RunError::Load)?;
    name_pages(&i.shown, i.id, &i.image, loaded.bias);
    Ok(Interp {
        path: i.shown,
        image: i.image,
        loaded,
    })
}

/// The personality's process state for a new image.
fn init_state(
    exe: Vec<u8>,
    brk: Brk,
    sigactions: [KernelSigaction; 64],
    rlimits: [abi::structs::Rlimit; 16],
    umask: i32,
) {
    state::init_process(Process {
        comm: Mutex::new(comm_of(&exe)),
        exe: Mutex::new(exe),
        brk: Mutex::new(brk),
        sigactions: Mutex::new(sigactions),
        rlimits: Mutex::new(rlimits),
        live_threads: AtomicUsize::new(1),
        leader_tid: AtomicI32::new(platform::gettid()),
        leader_status: AtomicI32::new(0),
        umask: AtomicI32::new(umask),
    });
    state::with_thread(|t| t.tid = platform::gettid());
}

/// A program's comm: its file's base name, cut to 15 bytes.
fn comm_of(exe: &[u8]) -> [u8; 16] {
    let mut comm = [0u8; 16];
    let base = exe.rsplit(|&b| b == b'/').next().unwrap_or_default();
    for (d, s) in comm.iter_mut().take(15).zip(base) {
        *d = *s;
    }
    comm
}

/// Installs the trap handlers and enters the guest with signal mask `mask`;
/// `host_ignored` as `signal::deliver::init_host_actions` takes it.
fn start(
    regs: GuestRegs,
    mask: u64,
    host_ignored: Option<u64>,
) -> Result<std::convert::Infallible, RunError> {
    crate::dispatch::open_syscall_log();
    platform::install(platform::Handlers {
        syscall: crate::dispatch::syscall,
        signal: crate::signal::fault::fault,
    })
    .map_err(|e| RunError::Platform(format!("cannot install signal handlers: {e}")))?;
    // The host's dispositions follow the guest's from here on.
    crate::signal::deliver::init_host_actions(host_ignored);
    let value = platform::enter_guest(regs, 0, mask)
        .map_err(|e| RunError::Platform(format!("cannot enter the guest: {e}")))?;
    // The leader never leaves guest code except through exit_group.
    Err(RunError::Platform(format!(
        "the guest's main thread left unexpectedly ({value})"
    )))
}
