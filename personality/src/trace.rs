//! `ninux trace`: strace-style lines decoded from the table's argument specs.
//!
//! Each table row says what its arguments are ([`Arg`]) and how to show its
//! result ([`Ret`]); this file turns raw registers into text from those specs
//! alone, so there is no second switch on syscall numbers (STYLE rule 1).
//! Guest memory is read only through `crate::mem`, which turns a bad pointer
//! into an error shown as `0x… (bad address)`: a decoder never faults or
//! panics, whatever the guest passed.
//!
//! Lines go to host fd 2 unless [`set_trace_output`] names another host fd;
//! kernel operations collected by `kernel::trace` during the syscall follow
//! the syscall line, indented.

use crate::table::Entry;
use abi::Errno;
use std::sync::atomic::{AtomicI32, Ordering};

/// What one syscall argument is, for decoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    /// A file descriptor, decimal.
    Fd,
    /// A directory fd of the `*at` family: AT_FDCWD by name.
    Dirfd,
    /// A NUL-terminated path, quoted, cut at 64 bytes with `...`.
    Path,
    /// A NUL-terminated string other than a path, shown like one.
    Str,
    /// A buffer the syscall reads (write-like), length in argument `n`:
    /// up to 32 bytes quoted.
    Buf(u8),
    /// A buffer the syscall fills (read-like): up to 32 bytes of what the
    /// result says was filled; just the address on error.
    OutBuf(u8),
    /// open(2) flags: O_RDONLY|O_CREAT|….
    OpenFlags,
    /// A mode shown in octal only when the open flags before it create
    /// (O_CREAT, O_TMPFILE), as open(2) ignores it otherwise.
    OpenMode,
    /// A permission mode, octal.
    Mode,
    /// AT_* flags of the `*at` family.
    AtFlags,
    /// mmap/mprotect protection bits.
    MmapProt,
    /// mmap flags.
    MmapFlags,
    /// clone flags, with the exit signal in the low byte.
    CloneFlags,
    /// A signal number: SIGINT by name.
    Signal,
    /// rt_sigprocmask's `how`.
    SigHow,
    /// An address: hex, NULL for 0.
    Ptr,
    /// A C int, decimal.
    Int,
    /// A C unsigned int, decimal.
    Uint,
    /// A size_t, decimal.
    Size,
    /// An off_t, decimal.
    Off,
    /// lseek's whence: SEEK_SET….
    Whence,
    /// fcntl's command: F_GETFL….
    FcntlCmd,
    /// ioctl's request: TCGETS….
    IoctlReq,
    /// A pointer to a struct, summarised as `{…}` (named in the table for
    /// readers of the table).
    Struct(&'static str),
    /// Unknown meaning: hex.
    Hex,
}

/// How a successful result is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ret {
    /// Decimal.
    Int,
    /// Hex: an address (mmap, brk).
    Ptr,
}

/// The host fd trace lines go to (2 until `ninux trace -o` says otherwise).
static OUTPUT: AtomicI32 = AtomicI32::new(2);

/// Sends trace lines to host fd `fd`. The fd should be above the range the
/// guest's fd table hands out and close-on-exec, so the guest never sees it;
/// host forks share it, so a forked guest's lines land in the same file.
pub fn set_trace_output(fd: i32) {
    OUTPUT.store(fd, Ordering::Relaxed);
}

/// The host fd trace lines go to (execve hands it to the new image).
pub fn trace_output() -> i32 {
    OUTPUT.load(Ordering::Relaxed)
}

/// Writes one finished block of lines; a short or failed write loses trace
/// text, never the guest's work.
pub(crate) fn write_out(text: &str) {
    let fd = OUTPUT.load(Ordering::Relaxed);
    let mut rest = text.as_bytes();
    while !rest.is_empty() {
        match platform::host::write(fd, rest.as_ptr() as u64, rest.len() as u64) {
            Ok(n) if n > 0 => rest = &rest[(n as usize).min(rest.len())..],
            _ => break,
        }
    }
}

/// Where decoders get guest memory: the process itself in ninux, a map in
/// unit tests.
pub trait Memory {
    /// A NUL-terminated string at `addr`.
    fn cstr(&self, addr: u64) -> Result<Vec<u8>, Errno>;
    /// `len` bytes at `addr`.
    fn bytes(&self, addr: u64, len: usize) -> Result<Vec<u8>, Errno>;
}

/// The guest's memory, through the checked helpers.
pub struct Guest;

impl Memory for Guest {
    fn cstr(&self, addr: u64) -> Result<Vec<u8>, Errno> {
        crate::mem::read_path(addr)
    }
    fn bytes(&self, addr: u64, len: usize) -> Result<Vec<u8>, Errno> {
        crate::mem::read_bytes(addr, len)
    }
}

const PATH_SHOWN: usize = 64;
const BUF_SHOWN: usize = 32;

/// `name(args…) = result`, without the pid prefix or newline.
pub fn format_call(
    entry: &Entry,
    args: &[u64; 6],
    result: &Result<u64, Errno>,
    mem: &dyn Memory,
) -> String {
    let mut shown = Vec::new();
    for (i, spec) in entry.args.iter().enumerate().take(6) {
        if *spec == Arg::OpenMode && !creates(i.checked_sub(1).map(|p| args[p])) {
            continue;
        }
        shown.push(format_arg(*spec, args[i], args, result, mem));
    }
    format!(
        "{}({}) = {}",
        entry.name,
        shown.join(", "),
        format_result(entry.ret, result)
    )
}

/// The result: `-1 ENOENT (No such file or directory)` for errors.
pub fn format_result(ret: Ret, result: &Result<u64, Errno>) -> String {
    match (result, ret) {
        (Ok(v), Ret::Int) => format!("{}", *v as i64),
        (Ok(v), Ret::Ptr) => format!("{v:#x}"),
        (Err(e), _) => format!("-1 {} ({})", e.name(), e.description()),
    }
}

fn creates(flags: Option<u64>) -> bool {
    let f = flags.unwrap_or(0) as u32;
    f & 0o100 != 0 || f & 0o20000000 != 0
}

fn bad(addr: u64) -> String {
    format!("{addr:#x} (bad address)")
}

fn format_arg(
    spec: Arg,
    v: u64,
    args: &[u64; 6],
    result: &Result<u64, Errno>,
    mem: &dyn Memory,
) -> String {
    match spec {
        Arg::Fd | Arg::Int => format!("{}", v as i32),
        Arg::Dirfd if v as i32 == abi::flags::at::FDCWD => "AT_FDCWD".into(),
        Arg::Dirfd => format!("{}", v as i32),
        Arg::Path | Arg::Str => match mem.cstr(v) {
            Ok(s) => quote(&s, PATH_SHOWN),
            Err(Errno::ENAMETOOLONG) => format!("{v:#x} (too long)"),
            Err(_) => bad(v),
        },
        Arg::Buf(n) => buffer(v, arg(args, n), mem),
        Arg::OutBuf(n) => match result {
            Ok(done) => buffer(v, (*done).min(arg(args, n)), mem),
            Err(_) => format!("{v:#x}"),
        },
        Arg::OpenFlags => open_flags(v as u32),
        Arg::OpenMode | Arg::Mode => format!("0{:o}", v as u32),
        Arg::AtFlags => bits(v, AT_FLAGS),
        Arg::MmapProt if v == 0 => "PROT_NONE".into(),
        Arg::MmapProt => bits(v, PROT),
        Arg::MmapFlags => {
            let kind = match v & 3 {
                1 => "MAP_SHARED",
                2 => "MAP_PRIVATE",
                3 => "MAP_SHARED_VALIDATE",
                _ => "0",
            };
            join(kind, bits(v & !3, MAP))
        }
        Arg::CloneFlags => {
            let sig = v & 0xff;
            let flags = bits(v & !0xff, CLONE);
            if sig == 0 {
                flags
            } else {
                join(&flags, signal_name(sig as i32))
            }
        }
        Arg::Signal => signal_name(v as i32),
        Arg::SigHow => named(v, SIG_HOW),
        Arg::Ptr if v == 0 => "NULL".into(),
        Arg::Ptr | Arg::Hex => format!("{v:#x}"),
        Arg::Uint => format!("{}", v as u32),
        Arg::Size => format!("{v}"),
        Arg::Off => format!("{}", v as i64),
        Arg::Whence => named(v, WHENCE),
        Arg::FcntlCmd => named(v, FCNTL),
        Arg::IoctlReq => named(v, IOCTL),
        Arg::Struct(_) if v == 0 => "NULL".into(),
        // Only whether the pointer reads is checked: a summary is enough to
        // follow a trace, and decoding every struct would be a second ABI.
        Arg::Struct(_) => match mem.bytes(v, 1) {
            Ok(_) => "{…}".into(),
            Err(_) => bad(v),
        },
    }
}

fn arg(args: &[u64; 6], n: u8) -> u64 {
    args.get(n as usize).copied().unwrap_or(0)
}

fn buffer(addr: u64, len: u64, mem: &dyn Memory) -> String {
    let take = len.min(BUF_SHOWN as u64) as usize;
    match mem.bytes(addr, take) {
        Ok(b) if len as usize > take => format!("{}...", quote(&b, take)),
        Ok(b) => quote(&b, take),
        Err(_) => bad(addr),
    }
}

/// C-style quoting; `...` after the quote when cut.
fn quote(bytes: &[u8], max: usize) -> String {
    let mut s = String::from("\"");
    for &b in bytes.iter().take(max) {
        match b {
            b'"' => s.push_str("\\\""),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\r' => s.push_str("\\r"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s.push('"');
    if bytes.len() > max {
        s.push_str("...");
    }
    s
}

fn join(a: &str, b: String) -> String {
    match (a, b.as_str()) {
        (_, "0") => a.into(),
        ("0", _) => b,
        _ => format!("{a}|{b}"),
    }
}

/// Names the bits of `v` from `table` (composites first), leftovers in hex.
fn bits(v: u64, table: &[(&str, u64)]) -> String {
    let mut rest = v;
    let mut parts: Vec<String> = Vec::new();
    for &(name, bit) in table {
        if bit != 0 && rest & bit == bit {
            parts.push(name.into());
            rest &= !bit;
        }
    }
    if rest != 0 {
        parts.push(format!("{rest:#x}"));
    }
    if parts.is_empty() {
        "0".into()
    } else {
        parts.join("|")
    }
}

fn named(v: u64, table: &[(&str, u64)]) -> String {
    match table.iter().find(|(_, x)| *x == v) {
        Some((name, _)) => (*name).into(),
        None => format!("{}", v as i64),
    }
}

fn open_flags(f: u32) -> String {
    let mode = match f & 3 {
        0 => "O_RDONLY",
        1 => "O_WRONLY",
        2 => "O_RDWR",
        _ => "O_ACCMODE",
    };
    join(mode, bits((f & !3) as u64, OPEN))
}

fn signal_name(sig: i32) -> String {
    match SIGNALS.iter().find(|(_, n)| *n as i32 == sig) {
        Some((name, _)) => (*name).into(),
        None if (abi::signal::SIGRTMIN..=abi::signal::SIGRTMAX).contains(&sig) => {
            format!("SIGRTMIN+{}", sig - abi::signal::SIGRTMIN)
        }
        None => format!("{sig}"),
    }
}

// Flag tables, as rows (STYLE rule 8), in strace's order so traces read alike.
const OPEN: &[(&str, u64)] = &[
    ("O_CREAT", 0o100),
    ("O_EXCL", 0o200),
    ("O_NOCTTY", 0o400),
    ("O_TRUNC", 0o1000),
    ("O_APPEND", 0o2000),
    ("O_NONBLOCK", 0o4000),
    ("O_SYNC", 0o4010000),
    ("O_DSYNC", 0o10000),
    ("O_ASYNC", 0o20000),
    ("O_DIRECT", 0o40000),
    ("O_LARGEFILE", 0o100000),
    ("O_NOFOLLOW", 0o400000),
    ("O_NOATIME", 0o1000000),
    ("O_CLOEXEC", 0o2000000),
    ("O_PATH", 0o10000000),
    ("O_TMPFILE", 0o20200000),
    ("O_DIRECTORY", 0o200000),
];

const AT_FLAGS: &[(&str, u64)] = &[
    ("AT_SYMLINK_NOFOLLOW", 0x100),
    ("AT_REMOVEDIR", 0x200),
    ("AT_SYMLINK_FOLLOW", 0x400),
    ("AT_NO_AUTOMOUNT", 0x800),
    ("AT_EMPTY_PATH", 0x1000),
    ("AT_STATX_FORCE_SYNC", 0x2000),
    ("AT_STATX_DONT_SYNC", 0x4000),
];

const PROT: &[(&str, u64)] = &[
    ("PROT_READ", 1),
    ("PROT_WRITE", 2),
    ("PROT_EXEC", 4),
    ("PROT_GROWSDOWN", 0x0100_0000),
    ("PROT_GROWSUP", 0x0200_0000),
];

const MAP: &[(&str, u64)] = &[
    ("MAP_FIXED", 0x10),
    ("MAP_ANONYMOUS", 0x20),
    ("MAP_32BIT", 0x40),
    ("MAP_GROWSDOWN", 0x100),
    ("MAP_DENYWRITE", 0x800),
    ("MAP_EXECUTABLE", 0x1000),
    ("MAP_LOCKED", 0x2000),
    ("MAP_NORESERVE", 0x4000),
    ("MAP_POPULATE", 0x8000),
    ("MAP_NONBLOCK", 0x10000),
    ("MAP_STACK", 0x20000),
    ("MAP_HUGETLB", 0x40000),
    ("MAP_SYNC", 0x80000),
    ("MAP_FIXED_NOREPLACE", 0x100000),
];

const CLONE: &[(&str, u64)] = &[
    ("CLONE_VM", 0x100),
    ("CLONE_FS", 0x200),
    ("CLONE_FILES", 0x400),
    ("CLONE_SIGHAND", 0x800),
    ("CLONE_PIDFD", 0x1000),
    ("CLONE_PTRACE", 0x2000),
    ("CLONE_VFORK", 0x4000),
    ("CLONE_PARENT", 0x8000),
    ("CLONE_THREAD", 0x10000),
    ("CLONE_NEWNS", 0x20000),
    ("CLONE_SYSVSEM", 0x40000),
    ("CLONE_SETTLS", 0x80000),
    ("CLONE_PARENT_SETTID", 0x100000),
    ("CLONE_CHILD_CLEARTID", 0x200000),
    ("CLONE_DETACHED", 0x400000),
    ("CLONE_UNTRACED", 0x800000),
    ("CLONE_CHILD_SETTID", 0x1000000),
    ("CLONE_NEWCGROUP", 0x2000000),
    ("CLONE_NEWUTS", 0x4000000),
    ("CLONE_NEWIPC", 0x8000000),
    ("CLONE_NEWUSER", 0x10000000),
    ("CLONE_NEWPID", 0x20000000),
    ("CLONE_NEWNET", 0x40000000),
    ("CLONE_IO", 0x80000000),
];

const SIG_HOW: &[(&str, u64)] = &[("SIG_BLOCK", 0), ("SIG_UNBLOCK", 1), ("SIG_SETMASK", 2)];

const WHENCE: &[(&str, u64)] = &[
    ("SEEK_SET", 0),
    ("SEEK_CUR", 1),
    ("SEEK_END", 2),
    ("SEEK_DATA", 3),
    ("SEEK_HOLE", 4),
];

const FCNTL: &[(&str, u64)] = &[
    ("F_DUPFD", 0),
    ("F_GETFD", 1),
    ("F_SETFD", 2),
    ("F_GETFL", 3),
    ("F_SETFL", 4),
    ("F_GETLK", 5),
    ("F_SETLK", 6),
    ("F_SETLKW", 7),
    ("F_SETOWN", 8),
    ("F_GETOWN", 9),
    ("F_SETSIG", 10),
    ("F_GETSIG", 11),
    ("F_OFD_GETLK", 36),
    ("F_OFD_SETLK", 37),
    ("F_OFD_SETLKW", 38),
    ("F_DUPFD_CLOEXEC", 1030),
    ("F_SETPIPE_SZ", 1031),
    ("F_GETPIPE_SZ", 1032),
    ("F_ADD_SEALS", 1033),
    ("F_GET_SEALS", 1034),
];

const IOCTL: &[(&str, u64)] = &[
    ("TCGETS", 0x5401),
    ("TCSETS", 0x5402),
    ("TCSETSW", 0x5403),
    ("TCSETSF", 0x5404),
    ("TIOCSCTTY", 0x540e),
    ("TIOCGPGRP", 0x540f),
    ("TIOCSPGRP", 0x5410),
    ("TIOCGWINSZ", 0x5413),
    ("TIOCSWINSZ", 0x5414),
    ("FIONREAD", 0x541b),
    ("FIONBIO", 0x5421),
    ("FIONCLEX", 0x5450),
    ("FIOCLEX", 0x5451),
];

const SIGNALS: &[(&str, u8)] = &[
    ("SIGHUP", 1),
    ("SIGINT", 2),
    ("SIGQUIT", 3),
    ("SIGILL", 4),
    ("SIGTRAP", 5),
    ("SIGABRT", 6),
    ("SIGBUS", 7),
    ("SIGFPE", 8),
    ("SIGKILL", 9),
    ("SIGUSR1", 10),
    ("SIGSEGV", 11),
    ("SIGUSR2", 12),
    ("SIGPIPE", 13),
    ("SIGALRM", 14),
    ("SIGTERM", 15),
    ("SIGSTKFLT", 16),
    ("SIGCHLD", 17),
    ("SIGCONT", 18),
    ("SIGSTOP", 19),
    ("SIGTSTP", 20),
    ("SIGTTIN", 21),
    ("SIGTTOU", 22),
    ("SIGURG", 23),
    ("SIGXCPU", 24),
    ("SIGXFSZ", 25),
    ("SIGVTALRM", 26),
    ("SIGPROF", 27),
    ("SIGWINCH", 28),
    ("SIGIO", 29),
    ("SIGPWR", 30),
    ("SIGSYS", 31),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::lookup;
    use abi::nr;

    /// Guest memory as a list of (address, bytes); anything else faults.
    struct Fake(Vec<(u64, Vec<u8>)>);

    impl Memory for Fake {
        fn cstr(&self, addr: u64) -> Result<Vec<u8>, Errno> {
            let (_, b) = self
                .0
                .iter()
                .find(|(a, _)| *a == addr)
                .ok_or(Errno::EFAULT)?;
            Ok(b.split(|&c| c == 0).next().unwrap_or(&[]).to_vec())
        }
        fn bytes(&self, addr: u64, len: usize) -> Result<Vec<u8>, Errno> {
            let (_, b) = self
                .0
                .iter()
                .find(|(a, _)| *a == addr)
                .ok_or(Errno::EFAULT)?;
            b.get(..len).map(<[u8]>::to_vec).ok_or(Errno::EFAULT)
        }
    }

    fn call(number: u32, args: [u64; 6], result: Result<u64, Errno>, mem: &Fake) -> String {
        format_call(lookup(number as u64).unwrap(), &args, &result, mem)
    }

    #[test]
    fn openat_flags_mode_and_path() {
        let mem = Fake(vec![
            (0x1000, b"/\0".to_vec()),
            (0x2000, b"/tmp/new\0".to_vec()),
        ]);
        let dir = 0o200000 | 0o4000 | 0o2000000;
        let fdcwd = -100i64 as u64;
        assert_eq!(
            call(nr::openat, [fdcwd, 0x1000, dir, 0, 0, 0], Ok(3), &mem),
            "openat(AT_FDCWD, \"/\", O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY) = 3"
        );
        let creat = 0o1 | 0o100 | 0o1000;
        assert_eq!(
            call(nr::openat, [5, 0x2000, creat, 0o644, 0, 0], Ok(4), &mem),
            "openat(5, \"/tmp/new\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 4"
        );
    }

    #[test]
    fn long_paths_are_cut_and_bad_pointers_named() {
        let long = vec![b'a'; 100];
        let mem = Fake(vec![(0x1000, long)]);
        let line = call(nr::chdir, [0x1000, 0, 0, 0, 0, 0], Ok(0), &mem);
        assert_eq!(line, format!("chdir(\"{}\"...) = 0", "a".repeat(64)));
        let line = call(nr::chdir, [0xdead, 0, 0, 0, 0, 0], Err(Errno::EFAULT), &mem);
        assert!(
            line.starts_with("chdir(0xdead (bad address)) = -1 EFAULT ("),
            "{line}"
        );
    }

    #[test]
    fn write_shows_its_buffer_and_read_what_it_filled() {
        let mem = Fake(vec![
            (0x1000, b"hi\n\"x\x01".to_vec()),
            (0x2000, vec![b'z'; 40]),
        ]);
        assert_eq!(
            call(nr::write, [1, 0x1000, 6, 0, 0, 0], Ok(6), &mem),
            "write(1, \"hi\\n\\\"x\\x01\", 6) = 6"
        );
        assert_eq!(
            call(nr::write, [1, 0x2000, 40, 0, 0, 0], Ok(40), &mem),
            format!("write(1, \"{}\"..., 40) = 40", "z".repeat(32))
        );
        assert_eq!(
            call(nr::read, [0, 0x2000, 100, 0, 0, 0], Ok(2), &mem),
            "read(0, \"zz\", 100) = 2"
        );
        assert_eq!(
            call(nr::read, [9, 0x2000, 100, 0, 0, 0], Err(Errno::EBADF), &mem),
            "read(9, 0x2000, 100) = -1 EBADF (Bad file number)"
        );
    }

    #[test]
    fn errors_pointers_and_enumerations() {
        let mem = Fake(vec![(0x1000, b"/nope\0".to_vec())]);
        assert_eq!(
            call(
                nr::unlink,
                [0x1000, 0, 0, 0, 0, 0],
                Err(Errno::ENOENT),
                &mem
            ),
            "unlink(\"/nope\") = -1 ENOENT (No such file or directory)"
        );
        let line = call(
            nr::mmap,
            [0, 4096, 3, 0x22, u64::MAX, 0],
            Ok(0x7f00_0000_0000),
            &mem,
        );
        assert_eq!(
            line,
            "mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000"
        );
        assert_eq!(
            call(nr::kill, [7, 2, 0, 0, 0, 0], Ok(0), &mem),
            "kill(7, SIGINT) = 0"
        );
        assert_eq!(
            call(nr::lseek, [3, 0, 2, 0, 0, 0], Ok(10), &mem),
            "lseek(3, 0, SEEK_END) = 10"
        );
        assert_eq!(
            call(
                nr::clone,
                [0x11 | 0x200000 | 0x1000000, 0, 0, 0, 0, 0],
                Ok(5),
                &mem
            ),
            "clone(CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, NULL, NULL, NULL, 0x0) = 5"
        );
        assert_eq!(
            call(nr::fstat, [3, 0x1000, 0, 0, 0, 0], Ok(0), &mem),
            "fstat(3, {…}) = 0"
        );
    }

    #[test]
    fn every_row_has_at_most_six_args_and_buffers_name_a_length() {
        for e in crate::table::TABLE.iter() {
            assert!(e.args.len() <= 6, "{}", e.name);
            for a in e.args {
                if let Arg::Buf(n) | Arg::OutBuf(n) = a {
                    assert!((*n as usize) < e.args.len(), "{}", e.name);
                }
            }
        }
    }
}
