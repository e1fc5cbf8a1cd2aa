//! execve and execveat. The program is found and checked in the namespace
//! here, `#!` scripts are turned into their interpreter's command line here,
//! and the new image is then started: in this ninux when the process has
//! one thread (`exec::in_place`), else by a fresh ninux: this one
//! re-executes itself (the host exec keeps the pid, the inherited host fds
//! and ignored signals, and ends every other thread, as Linux's exec does)
//! with what Linux keeps across execve written to a memfd (`exec::handoff`).

use crate::exec::handoff::{ExecState, Fd};
use crate::fs::fd::{self, OpenFile};
use crate::fs::from_host;
use crate::fs::path::{self, kerr, Base, Last, Resolved};
use crate::mem::{read_path, In};
use crate::state::{lock, process};
use crate::SysResult;
use abi::Errno;
use kernel::namespace::open_chan;
use loader::Strings;
use platform::{host, uaccess, Trap};
use std::collections::HashMap;
use std::ffi::CString;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Linux's MAX_ARG_STRLEN: one argument or environment string, NUL included.
const MAX_ARG_STRLEN: usize = 32 * 4096;
/// Linux's MAX_ARG_STRINGS.
const MAX_ARG_STRINGS: usize = 0x7fff_ffff;
/// The least room Linux gives arguments whatever the stack limit (ARG_MAX).
const ARG_MIN: u64 = 32 * 4096;
/// How much of a file Linux reads to recognise it (BINPRM_BUF_SIZE).
const HEAD: usize = 256;
/// How much is read at once: the `#!` line within HEAD, and an ELF file's
/// program headers, which follow its header in every linker's output.
const READ_AHEAD: usize = 1024;
/// Interpreters of interpreters Linux follows before ELOOP.
const MAX_SCRIPT_DEPTH: usize = 4;

const AT_EMPTY_PATH: u64 = 0x1000;
const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
const FD_CLOEXEC: u64 = 1;

/// execve(2)
pub fn execve(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let path = read_path(a[0])?;
    exec(t, Base::Cwd, path, a[1], a[2], Last::Follow)
}

/// execveat(2): relative to a directory fd; AT_EMPTY_PATH runs the file the
/// fd itself names (as fexecve does), AT_SYMLINK_NOFOLLOW refuses a final
/// symlink with ELOOP.
pub fn execveat(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (dirfd, flags) = (a[0], a[4]);
    if flags & !(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) != 0 {
        return Err(Errno::EINVAL);
    }
    let path = read_path(a[1])?;
    let last = if flags & AT_SYMLINK_NOFOLLOW != 0 {
        Last::NoFollow
    } else {
        Last::Follow
    };
    if path.is_empty() && flags & AT_EMPTY_PATH != 0 {
        let file = fd::get(dirfd)?;
        let chan = file.chan.as_ref().ok_or(Errno::EACCES)?;
        return exec(
            t,
            Base::Cwd,
            chan.name.clone().into_bytes(),
            a[2],
            a[3],
            last,
        );
    }
    let base = crate::fs::open::base_at(dirfd, &path)?;
    exec(t, base, path, a[2], a[3], last)
}

fn exec(t: &mut Trap, base: Base, path: Vec<u8>, argv: u64, envp: u64, last: Last) -> SysResult {
    let limit = arg_limit();
    let mut total = 0;
    let mut argv = read_strings(argv, &mut total, limit)?;
    let envp = read_strings(envp, &mut total, limit)?;
    // Since Linux 5.18 an empty argv gets an empty argv[0].
    if argv.is_empty() {
        argv.push(b"");
    }
    let found = find_image(base, path, argv, last)?;
    if crate::exec::in_place_possible(t) {
        return crate::exec::exec_in_place(t, found, &envp);
    }
    let state = ExecState {
        path: found.resolved.path.into_bytes(),
        argv: found.argv,
        envp,
        ns: kernel::build::print(path::ns()?),
        cwd: path::cwd(),
        umask: process().umask.load(Ordering::Relaxed) as u32,
        rlimits: lock(&process().rlimits).to_vec(),
        ignored: ignored_signals(),
        sigmask: t.sigmask(),
        fds: Vec::new(),
        cleanup: crate::exec::cleanup_dirs()
            .iter()
            .map(|d| d.display().to_string())
            .collect(),
        trace: crate::dispatch::trace_mode() as u8,
        trace_fd: crate::trace::trace_output(),
        creds: super::creds::export(),
        run_leader: 0,
        procs_fd: -1,
        procs_slots: 0,
        rewrite: u8::from(!crate::rewrite::enabled()) | u8::from(crate::rewrite::stats()) << 1,
        cpu: platform::cpu_facts(),
        reaps_orphans: super::arch::guest_reaps_orphans(),
    };
    // The old image's shared file mappings end here, as at exit.
    crate::mm::shared::write_back_all();
    reexec(t, state)
}

/// Room for arguments and environment: a quarter of the stack limit, as
/// Linux allows, but never less than ARG_MAX nor more than 3/4 of 8 MiB.
fn arg_limit() -> u64 {
    let stack = lock(&process().rlimits)[libc::RLIMIT_STACK as usize].rlim_cur;
    (stack / 4).clamp(ARG_MIN, 6 << 20)
}

/// A NULL-terminated array of guest strings; E2BIG past Linux's limits.
fn read_strings(addr: u64, total: &mut u64, limit: u64) -> Result<Strings, Errno> {
    if addr == 0 {
        return Ok(Strings::new());
    }
    let str_error = |e| match e {
        uaccess::StrError::BadAddress => Errno::EFAULT,
        uaccess::StrError::TooLong => Errno::E2BIG,
    };
    let array = In::<u64>::new(addr);
    // Each string costs its bytes, its NUL and its pointer on the stack.
    let account = |total: &mut u64, len: usize| {
        *total += len as u64 + 1 + 8;
        if *total > limit {
            return Err(Errno::E2BIG);
        }
        Ok(())
    };
    // Measured first, so that the list is one allocation of its own size:
    // in a forked child, where most execs run, every heap page written is
    // a page copied, and reading the strings twice costs less.
    let (mut count, mut bytes, mut sized) = (0, 0, *total);
    loop {
        let p = array.read_at(count)?;
        if p == 0 {
            break;
        }
        if count >= MAX_ARG_STRINGS {
            return Err(Errno::E2BIG);
        }
        let len = uaccess::cstr_len(p, MAX_ARG_STRLEN - 1).map_err(str_error)?;
        account(&mut sized, len)?;
        (count, bytes) = (count + 1, bytes + len + 1);
    }
    let mut out = Strings::with_capacity(bytes, count);
    loop {
        let p = array.read_at(out.len())?;
        if p == 0 {
            return Ok(out);
        }
        if out.len() >= MAX_ARG_STRINGS {
            return Err(Errno::E2BIG);
        }
        let len = out.push_with(|buf| {
            uaccess::read_cstr_into(p, MAX_ARG_STRLEN - 1, buf).map_err(str_error)
        })?;
        account(total, len)?;
    }
}

/// The program an exec runs: the ELF file (at its absolute namespace
/// path), open for reading its image, and the argv it gets.
pub(crate) struct Found {
    pub resolved: Resolved,
    pub opened: kernel::Chan,
    pub argv: Strings,
}

/// Resolves the program as Linux's exec would, following `#!` lines.
pub(crate) fn find_image(
    mut base: Base,
    mut path: Vec<u8>,
    mut argv: Strings,
    mut last: Last,
) -> Result<Found, Errno> {
    for _ in 0..=MAX_SCRIPT_DEPTH {
        let resolved = path::resolve(&base, &path, last)?;
        let (head, opened) = check_and_read_head(&resolved)?;
        if head.starts_with(b"\x7fELF") {
            check_interpreter(&opened, &head)?;
            return Ok(Found {
                resolved,
                opened,
                argv,
            });
        }
        let Some((interp, arg)) = parse_shebang(&head[..head.len().min(HEAD)]) else {
            return Err(Errno::ENOEXEC);
        };
        // argv[0] is replaced: [interp, arg?, the script as named, argv[1..]].
        let mut new = Strings::new();
        new.push(&interp);
        if let Some(arg) = &arg {
            new.push(arg);
        }
        new.push(&path);
        for s in argv.iter().skip(1) {
            new.push(s);
        }
        argv = new;
        path = interp;
        base = Base::Cwd;
        last = Last::Follow;
    }
    Err(Errno::ELOOP)
}

/// EACCES unless a regular file with an execute bit; then its first
/// READ_AHEAD bytes, and the file opened to read them.
fn check_and_read_head(r: &Resolved) -> Result<(Vec<u8>, kernel::Chan), Errno> {
    if r.chan.qid.is_symlink() {
        return Err(Errno::ELOOP);
    }
    if r.chan.is_dir() {
        return Err(Errno::EACCES);
    }
    let dir = r.chan.stat().map_err(kerr)?;
    if dir.mode & 0o111 == 0 {
        return Err(Errno::EACCES);
    }
    if !super::creds::privileged() {
        let st = crate::fs::stat::stat_of(&r.chan)?;
        super::creds::may(&st, super::creds::MAY_EXEC)?;
    }
    let chan = r.chan.clone_chan().map_err(kerr)?;
    let chan = open_chan(chan, ninep::OEXEC as u32).map_err(kerr)?;
    let mut head = vec![0u8; READ_AHEAD];
    let n = chan.pread(&mut head, Some(0)).map_err(kerr)?;
    head.truncate(n);
    Ok((head, chan))
}

/// Checks an ELF file as Linux's exec does before the old image is given
/// up: a header for this machine and program headers that can be read
/// (ENOEXEC otherwise), and for a dynamically linked program an existing
/// interpreter (ENOENT otherwise). The loader checks the rest. `head` is
/// the file's start, as read from `chan`, which is read only for what lies
/// beyond it.
fn check_interpreter(chan: &kernel::Chan, head: &[u8]) -> Result<(), Errno> {
    let read = |at: u64, len: usize| -> Result<Vec<u8>, Errno> {
        let end = at.saturating_add(len as u64);
        if end <= head.len() as u64 {
            return Ok(head[at as usize..end as usize].to_vec());
        }
        let mut buf = vec![0u8; len];
        let n = chan.pread(&mut buf, Some(at)).map_err(kerr)?;
        buf.truncate(n);
        Ok(buf)
    };
    let header = read(0, 64)?;
    if header.len() < 64 {
        return Err(Errno::ENOEXEC);
    }
    let u64_at =
        |b: &[u8], o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap_or_default());
    let u16_at = |o: usize| u16::from_le_bytes([header[o], header[o + 1]]);
    // ELFCLASS64, little-endian, ET_EXEC or ET_DYN, EM_X86_64, 56-byte
    // program headers filling at most a page (load_elf_phdrs).
    const EM_X86_64: u16 = 62;
    let phnum = u16_at(56) as usize;
    if header[4] != 2
        || header[5] != 1
        || !matches!(u16_at(16), 2 | 3)
        || u16_at(18) != EM_X86_64
        || u16_at(54) != 56
        || phnum == 0
        || phnum * 56 > 4096
    {
        return Err(Errno::ENOEXEC);
    }
    let phdrs = read(u64_at(&header, 32), phnum * 56).map_err(|_| Errno::ENOEXEC)?;
    if phdrs.len() < phnum * 56 {
        return Err(Errno::ENOEXEC);
    }
    const PT_INTERP: u32 = 3;
    for ph in phdrs.chunks_exact(56) {
        if u32::from_le_bytes([ph[0], ph[1], ph[2], ph[3]]) != PT_INTERP {
            continue;
        }
        let (offset, size) = (u64_at(ph, 8), u64_at(ph, 32));
        let raw = read(offset, size.min(4096) as usize)?;
        let interp = raw.split(|&b| b == 0).next().unwrap_or_default();
        path::resolve(&Base::Cwd, interp, Last::Follow)?;
    }
    Ok(())
}

/// `#!interp [arg]` as Linux reads it: the first line, the interpreter up to
/// the first blank, the rest (trimmed) as one optional argument.
fn parse_shebang(head: &[u8]) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    let line = head.strip_prefix(b"#!")?;
    let line = match line.iter().position(|&b| b == b'\n') {
        Some(n) => &line[..n],
        None => line,
    };
    let blank = |b: &u8| *b == b' ' || *b == b'\t';
    let start = line.iter().position(|b| !blank(b))?;
    let line = &line[start..];
    let end = line.iter().position(blank).unwrap_or(line.len());
    let interp = line[..end].to_vec();
    let rest = &line[end..];
    let arg = match (
        rest.iter().position(|b| !blank(b)),
        rest.iter().rposition(|b| !blank(b)),
    ) {
        (Some(s), Some(e)) => Some(rest[s..=e].to_vec()),
        _ => None,
    };
    Some((interp, arg))
}

/// Signals the guest ignores: they stay ignored in the new image, while
/// caught ones go back to their default (execve(2)).
fn ignored_signals() -> u64 {
    let actions = lock(&process().sigactions);
    actions
        .iter()
        .enumerate()
        .filter(|(_, a)| a.handler == abi::signal::SIG_IGN)
        .fold(0, |m, (i, _)| m | 1 << i)
}

/// Hands the state to a fresh ninux; returns only if the host exec failed.
fn reexec(t: &Trap, mut state: ExecState) -> SysResult {
    let exe = crate::exec::self_exe().ok_or_else(|| {
        log::warn!("execve: ninux's own executable is unknown");
        Errno::ENOEXEC
    })?;
    let exported = fd::export();
    // The host exec closes what the guest's exec closes and keeps the rest:
    // host close-on-exec first on every guest fd, then off on the kept ones
    // (a host fd shared by a kept and a closed dup must stay).
    for e in exported.iter().filter(|e| e.host >= 0) {
        let _ = host::fcntl(e.host, libc::F_SETFD, FD_CLOEXEC);
    }
    for e in exported.iter().filter(|e| !e.cloexec) {
        if e.host >= 0 {
            let _ = host::fcntl(e.host, libc::F_SETFD, 0);
        }
        state.fds.push(Fd {
            guest: e.guest as u32,
            file: e.file as u32,
            host: e.host,
            path: e.path.clone(),
            flags: e.flags,
            offset: e.offset,
        });
    }
    (state.run_leader, state.procs_fd, state.procs_slots) = crate::process::run_limit::handoff();
    // `ninux trace -o FILE` goes on writing to FILE in the new image.
    if state.trace != 0 && state.trace_fd > 2 {
        let _ = host::fcntl(state.trace_fd, libc::F_SETFD, 0);
    }
    let memfd = host::memfd_create(c"ninux-exec-state").map_err(from_host)?;
    let bytes = state.encode();
    let mut at = 0;
    while at < bytes.len() {
        match host::write_local(memfd, &bytes[at..], None) {
            Ok(n) if n > 0 => at += n,
            Ok(_) => break,
            Err(e) => {
                host::close(memfd);
                return Err(from_host(e));
            }
        }
    }
    let cstr = |s: String| CString::new(s).map_err(|_| Errno::EINVAL);
    let exe = cstr(exe)?;
    let argv = [
        cstr("ninux".into())?,
        cstr(format!("{}{memfd}", crate::exec::RESUME_ARG))?,
    ];
    // ninux's own environment: the guest's is in the state.
    let envp: Vec<CString> = std::env::vars_os()
        .filter_map(|(k, v)| {
            use std::os::unix::ffi::OsStrExt;
            let mut kv = k.as_bytes().to_vec();
            kv.push(b'=');
            kv.extend_from_slice(v.as_bytes());
            CString::new(kv).ok()
        })
        .collect();
    crate::dispatch::trace_before_leaving(t);
    let err = host::execve(&exe, &argv, &envp);
    host::close(memfd);
    log::warn!("execve: cannot re-execute ninux: {}", Errno(err));
    Err(from_host(err))
}

/// The new image's fd table from the state: host fds as inherited, chans
/// reopened in the namespace at their offset, dups sharing one open file.
pub fn reopen_fds(fds: &[Fd]) -> Vec<(usize, Arc<OpenFile>)> {
    let mut files: HashMap<u32, Arc<OpenFile>> = HashMap::new();
    let mut out = Vec::new();
    for f in fds {
        let file = match files.get(&f.file) {
            Some(file) => file.clone(),
            None => {
                let Some(file) = reopen(f) else { continue };
                let file = Arc::new(file);
                files.insert(f.file, file.clone());
                file
            }
        };
        out.push((f.guest as usize, file));
    }
    out
}

fn reopen(f: &Fd) -> Option<OpenFile> {
    // A socket's conversation is rebuilt around its inherited host fd.
    let socket = f
        .path
        .as_deref()
        .and_then(|p| crate::net::reopen(p, f.host, f.flags));
    if socket.is_some() {
        return socket;
    }
    let chan = f.path.as_ref().and_then(|p| {
        let r = path::resolve(&Base::Cwd, p.as_bytes(), Last::NoFollow).ok()?;
        let mode = match f.flags & 3 {
            0 => ninep::OREAD,
            1 => ninep::OWRITE,
            _ => ninep::ORDWR,
        } as u32;
        let mode = if r.chan.is_dir() {
            ninep::OREAD as u32
        } else {
            mode
        };
        let chan = open_chan(r.chan, mode).ok()?;
        if f.host < 0 && !chan.is_dir() {
            let _ = chan.seek(f.offset);
        }
        Some(chan)
    });
    match chan {
        _ if f.host >= 0 => Some(OpenFile::inherited(f.host, chan, f.flags)),
        Some(chan) => Some(OpenFile::chan(chan, f.flags)),
        None => {
            log::warn!(
                "execve: fd {} ({}) could not be reopened in the new image",
                f.guest,
                f.path.as_deref().unwrap_or("?")
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_shebang;

    #[test]
    fn shebang_lines() {
        let p = |s: &[u8]| parse_shebang(s);
        assert_eq!(p(b"#!/bin/sh\necho"), Some((b"/bin/sh".to_vec(), None)));
        assert_eq!(
            p(b"#! /bin/busybox  sh -x \nrest"),
            Some((b"/bin/busybox".to_vec(), Some(b"sh -x".to_vec())))
        );
        assert_eq!(p(b"#!\n"), None);
        assert_eq!(p(b"\x7fELF"), None);
    }
}
