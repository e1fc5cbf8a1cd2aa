//! Directories and names: getdents64, getcwd, chdir, fchdir, mkdir, rmdir,
//! unlink, rename, symlink, link, readlink, access — each a walk in the
//! namespace followed by Plan 9's create, remove or wstat-style rename.

use super::fd;
use super::open::{base_at, base_of, plan9_perm, umask};
use super::path::{self, kerr, Base, Last, LastElem};
use super::stat::{linux_ino, linux_mode, stat_of};
use crate::mem::{read_path, write_bytes};
use crate::state::{lock, process};
use crate::SysResult;
use abi::flags::at;
use abi::Errno;
use ninep::{DMDIR, DMSYMLINK, OREAD};
use platform::Trap;

const DT_FIFO: u8 = 1;
const DT_CHR: u8 = 2;
const DT_DIR: u8 = 4;
const DT_BLK: u8 = 6;
const DT_REG: u8 = 8;
const DT_LNK: u8 = 10;
const DT_SOCK: u8 = 12;

fn d_type(mode: u32) -> u8 {
    match mode & 0o170000 {
        0o040000 => DT_DIR,
        0o120000 => DT_LNK,
        0o020000 => DT_CHR,
        0o060000 => DT_BLK,
        0o010000 => DT_FIFO,
        0o140000 => DT_SOCK,
        _ => DT_REG,
    }
}

/// getdents64(2): "." and "..", then the union's entries with later
/// duplicates dropped (NINE.md), stable across calls by position.
pub fn getdents64(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, buf, count) = (a[0], a[1], a[2]);
    let file = fd::get(fd)?;
    let chan = file.chan.as_ref().ok_or(Errno::ENOTDIR)?;
    if !chan.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    let entries = chan.dirread_brief().map_err(kerr)?;
    let mut pos = lock(&file.dir_pos);
    // `..` is looked up only when it is to be listed.
    let parent_ino = if *pos <= 1 {
        path::resolve(&Base::Dir(chan.name.clone()), b"..", Last::Follow)
            .map_or(chan.qid.path, |r| r.chan.qid.path)
    } else {
        chan.qid.path
    };
    let total = entries.len() as u64 + 2;
    let mut out = Vec::with_capacity((count as usize).min(1 << 16));
    while *pos < total {
        let (ino, kind, name) = match *pos {
            0 => (linux_ino(chan.qid.path), DT_DIR, "."),
            1 => (linux_ino(parent_ino), DT_DIR, ".."),
            i => {
                let d = &entries[(i - 2) as usize];
                (
                    linux_ino(d.qid.path),
                    d_type(linux_mode(d)),
                    d.name.as_str(),
                )
            }
        };
        let reclen = (19 + name.len() + 1).next_multiple_of(8);
        if out.len() + reclen > count as usize {
            if out.is_empty() {
                return Err(Errno::EINVAL);
            }
            break;
        }
        let start = out.len();
        out.extend_from_slice(&ino.to_le_bytes());
        out.extend_from_slice(&(*pos as i64 + 1).to_le_bytes());
        out.extend_from_slice(&(reclen as u16).to_le_bytes());
        out.push(kind);
        out.extend_from_slice(name.as_bytes());
        out.resize(start + reclen, 0);
        *pos += 1;
    }
    write_bytes(buf, &out)?;
    Ok(out.len() as u64)
}

/// getcwd(2): returns the length including the NUL.
pub fn getcwd(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (buf, size) = (a[0], a[1]);
    let mut cwd = path::cwd().into_bytes();
    cwd.push(0);
    if (size as usize) < cwd.len() {
        return Err(Errno::ERANGE);
    }
    write_bytes(buf, &cwd)?;
    Ok(cwd.len() as u64)
}

/// chdir(2)
pub fn chdir(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let r = path::resolve(&Base::Cwd, &read_path(a[0])?, Last::Follow)?;
    if !r.chan.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    may_search(&r.chan)?;
    path::set_cwd(r.path);
    Ok(0)
}

/// chroot(2): Plan 9's way, a bind of the directory over `/` in this
/// process's namespace (its children's copies included). Mounts below the
/// old root (`/proc`, `/dev`) are not seen below the new one, as in Linux;
/// the working directory's path is looked up in the new root from then on,
/// where Linux would leave it outside (callers chdir("/") anyway).
pub fn chroot(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let r = path::resolve(&Base::Cwd, &read_path(a[0])?, Last::Follow)?;
    if !r.chan.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    may_search(&r.chan)?;
    if !crate::process::creds::privileged() {
        return Err(Errno::EPERM);
    }
    if r.path == "/" {
        return Ok(0);
    }
    path::ns()?
        .bind(&r.path, "/", kernel::MREPL)
        .map_err(kerr)?;
    Ok(0)
}

/// fchdir(2)
pub fn fchdir(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    if let Base::Dir(d) = base_of(a[0])? {
        if let Some(chan) = &fd::get(a[0])?.chan {
            may_search(chan)?;
        }
        path::set_cwd(d);
    }
    Ok(0)
}

/// A new working directory needs search permission (for a guest that is
/// not root).
fn may_search(chan: &kernel::Chan) -> Result<(), Errno> {
    use crate::process::creds;
    if creds::privileged() {
        return Ok(());
    }
    creds::may(&stat_of(chan)?, creds::MAY_EXEC)
}

fn child_path(dir: &path::Resolved, name: &str) -> String {
    format!("{}/{name}", dir.path.trim_end_matches('/'))
}

fn mkdir_in(base: Base, raw: &[u8], mode: u32) -> SysResult {
    let (dir, name) = path::resolve_parent(&base, raw)?;
    let target = child_path(&dir, &name);
    if path::resolve(&Base::Cwd, target.as_bytes(), Last::NoFollow).is_ok() {
        return Err(Errno::EEXIST);
    }
    path::may_change(&dir)?;
    let perm = DMDIR | plan9_perm(mode & 0o7777 & !umask());
    let made = path::ns()?
        .create(&target, OREAD as u32 | ninep::OEXCL, perm)
        .map_err(kerr)?;
    super::attr::own_new(&made);
    Ok(0)
}

/// mkdir(2)
pub fn mkdir(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    mkdir_in(Base::Cwd, &read_path(a[0])?, a[1] as u32)
}

/// mkdirat(2)
pub fn mkdirat(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let path = read_path(a[1])?;
    let base = base_at(a[0], &path)?;
    mkdir_in(base, &path, a[2] as u32)
}

/// Removes a name: `dir` says whether it must (rmdir) or must not (unlink) be a directory.
fn remove_in(base: Base, raw: &[u8], want_dir: bool) -> SysResult {
    let (dir, name) = match path::resolve_parent_elem(&base, raw)? {
        (dir, LastElem::Name(name)) => (dir, name),
        (_, _) if !want_dir => return Err(Errno::EISDIR),
        (_, LastElem::Dot) => return Err(Errno::EINVAL),
        (_, LastElem::DotDot) => return Err(Errno::ENOTEMPTY),
        (_, _) => return Err(Errno::EBUSY),
    };
    let target = child_path(&dir, &name);
    let found = path::resolve(&Base::Cwd, target.as_bytes(), Last::NoFollow)?;
    path::may_change(&dir)?;
    match (want_dir, found.chan.is_dir()) {
        (true, false) => return Err(Errno::ENOTDIR),
        (false, true) => return Err(Errno::EISDIR),
        _ => {}
    }
    // Something is mounted on it (Linux: a mount point is busy).
    if found.chan.is_union() {
        return Err(Errno::EBUSY);
    }
    if !want_dir && raw.ends_with(b"/") {
        return Err(Errno::ENOTDIR);
    }
    path::ns()?.remove(&target).map_err(kerr)?;
    Ok(0)
}

/// unlink(2)
pub fn unlink(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    remove_in(Base::Cwd, &read_path(a[0])?, false)
}

/// rmdir(2)
pub fn rmdir(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    remove_in(Base::Cwd, &read_path(a[0])?, true)
}

/// unlinkat(2)
pub fn unlinkat(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (path, flags) = (read_path(a[1])?, a[2] as u32);
    if flags & !at::REMOVEDIR != 0 {
        return Err(Errno::EINVAL);
    }
    let base = base_at(a[0], &path)?;
    remove_in(base, &path, flags & at::REMOVEDIR != 0)
}

const RENAME_NOREPLACE: u32 = 1;
const RENAME_EXCHANGE: u32 = 2;

/// Whether the last component of a raw path is `.` or `..` (Linux: EBUSY
/// for rename, which cannot move those names).
/// The directories and names of a rename's two paths. Linux refuses a
/// dot name or the root on either side (EBUSY; EEXIST for a new name with
/// RENAME_NOREPLACE), once both directories are found.
fn rename_names(
    old_base: &Base,
    old: &[u8],
    new_base: &Base,
    new: &[u8],
    flags: u32,
) -> Result<(path::Resolved, String, path::Resolved, String), Errno> {
    let (odir, old_elem) = path::resolve_parent_elem(old_base, old)?;
    let (ndir, new_elem) = path::resolve_parent_elem(new_base, new)?;
    let LastElem::Name(oname) = old_elem else {
        return Err(Errno::EBUSY);
    };
    let LastElem::Name(nname) = new_elem else {
        return Err(if flags & RENAME_NOREPLACE != 0 {
            Errno::EEXIST
        } else {
            Errno::EBUSY
        });
    };
    Ok((odir, oname, ndir, nname))
}

fn rename_in(old_base: Base, old: &[u8], new_base: Base, new: &[u8], flags: u32) -> SysResult {
    if flags == RENAME_EXCHANGE {
        return exchange_in(old_base, old, new_base, new);
    }
    if flags & !RENAME_NOREPLACE != 0 {
        // RENAME_WHITEOUT needs overlay support ninux lacks; EXCHANGE goes
        // with no other flag.
        return Err(Errno::EINVAL);
    }
    let (odir, oname, ndir, nname) = rename_names(&old_base, old, &new_base, new, flags)?;
    let (from, to) = (child_path(&odir, &oname), child_path(&ndir, &nname));
    let src = path::resolve(&Base::Cwd, from.as_bytes(), Last::NoFollow)?;
    if src.chan.is_union() {
        return Err(Errno::EBUSY);
    }
    // A trailing slash on either name demands a directory.
    if (old.ends_with(b"/") || new.ends_with(b"/")) && !src.chan.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    // Linux checks ancestry before the types: a directory cannot move below
    // itself (EINVAL), nor onto one of its ancestors (ENOTEMPTY).
    if to.starts_with(&format!("{from}/")) {
        return Err(Errno::EINVAL);
    }
    if from.starts_with(&format!("{to}/")) {
        return Err(Errno::ENOTEMPTY);
    }
    if let Ok(dst) = path::resolve(&Base::Cwd, to.as_bytes(), Last::NoFollow) {
        if flags & RENAME_NOREPLACE != 0 {
            return Err(Errno::EEXIST);
        }
        if src.chan.qid == dst.chan.qid && src.chan.dev == dst.chan.dev {
            return Ok(0);
        }
        match (src.chan.is_dir(), dst.chan.is_dir()) {
            (true, false) => return Err(Errno::ENOTDIR),
            (false, true) => return Err(Errno::EISDIR),
            _ => {}
        }
    }
    path::may_change(&odir)?;
    path::may_change(&ndir)?;
    path::ns()?.rename(&from, &to).map_err(kerr)?;
    Ok(0)
}

/// RENAME_EXCHANGE: both names must exist; they swap, whatever their types.
/// Host directories swap atomically on the host, the copy-on-write layer in
/// its upper directory; the others (9P mounts) answer EINVAL.
fn exchange_in(old_base: Base, old: &[u8], new_base: Base, new: &[u8]) -> SysResult {
    let (odir, oname, ndir, nname) = rename_names(&old_base, old, &new_base, new, 0)?;
    let (from, to) = (child_path(&odir, &oname), child_path(&ndir, &nname));
    let a = path::resolve(&Base::Cwd, from.as_bytes(), Last::NoFollow)?;
    let b = path::resolve(&Base::Cwd, to.as_bytes(), Last::NoFollow)?;
    // A trailing slash demands a directory of the name it ends.
    if (old.ends_with(b"/") && !a.chan.is_dir()) || (new.ends_with(b"/") && !b.chan.is_dir()) {
        return Err(Errno::ENOTDIR);
    }
    // Neither may be an ancestor of the other (Linux: EINVAL both ways).
    if to.starts_with(&format!("{from}/")) || from.starts_with(&format!("{to}/")) {
        return Err(Errno::EINVAL);
    }
    if a.chan.qid == b.chan.qid && a.chan.dev == b.chan.dev {
        return Ok(0);
    }
    path::may_change(&odir)?;
    path::may_change(&ndir)?;
    path::ns()?.exchange(&from, &to).map_err(kerr)?;
    Ok(0)
}

/// rename(2)
pub fn rename(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    rename_in(
        Base::Cwd,
        &read_path(a[0])?,
        Base::Cwd,
        &read_path(a[1])?,
        0,
    )
}

/// renameat(2)
pub fn renameat(t: &mut Trap, a: [u64; 6]) -> SysResult {
    renameat2(t, [a[0], a[1], a[2], a[3], 0, 0])
}

/// renameat2(2): RENAME_NOREPLACE; RENAME_EXCHANGE where the device can.
pub fn renameat2(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (old, new) = (read_path(a[1])?, read_path(a[3])?);
    let ob = base_at(a[0], &old)?;
    let nb = base_at(a[2], &new)?;
    rename_in(ob, &old, nb, &new, a[4] as u32)
}

fn symlink_in(target: &[u8], base: Base, raw: &[u8]) -> SysResult {
    let target = std::str::from_utf8(target).map_err(|_| Errno::EINVAL)?;
    if target.is_empty() {
        return Err(Errno::ENOENT);
    }
    let (dir, name) = path::resolve_parent(&base, raw)?;
    let path = child_path(&dir, &name);
    if path::resolve(&Base::Cwd, path.as_bytes(), Last::NoFollow).is_ok() {
        return Err(Errno::EEXIST);
    }
    if raw.ends_with(b"/") {
        return Err(Errno::ENOENT);
    }
    path::may_change(&dir)?;
    let made = path::ns()?
        .create_ext(
            &path,
            OREAD as u32 | ninep::OEXCL,
            DMSYMLINK | 0o777,
            target,
        )
        .map_err(kerr)?;
    super::attr::own_new(&made);
    Ok(0)
}

/// symlink(2)
pub fn symlink(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    symlink_in(&read_path(a[0])?, Base::Cwd, &read_path(a[1])?)
}

/// symlinkat(2)
pub fn symlinkat(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let path = read_path(a[2])?;
    let base = base_at(a[1], &path)?;
    symlink_in(&read_path(a[0])?, base, &path)
}

fn link_in(ob: Base, old: &[u8], nb: Base, new: &[u8], follow: bool) -> SysResult {
    let last = if follow { Last::Follow } else { Last::NoFollow };
    let src = path::resolve(&ob, old, last)?;
    // Linux's order: the new name's directory must exist, then the name must
    // not, and only then is a directory source refused.
    let (dir, name) = path::resolve_parent(&nb, new)?;
    let to = child_path(&dir, &name);
    if path::resolve(&Base::Cwd, to.as_bytes(), Last::NoFollow).is_ok() {
        return Err(Errno::EEXIST);
    }
    if new.ends_with(b"/") {
        return Err(Errno::ENOENT);
    }
    if src.chan.is_dir() {
        return Err(Errno::EPERM);
    }
    path::may_change(&dir)?;
    path::ns()?.link(&src.path, &to).map_err(kerr)?;
    Ok(0)
}

/// link(2)
pub fn link(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    link_in(
        Base::Cwd,
        &read_path(a[0])?,
        Base::Cwd,
        &read_path(a[1])?,
        false,
    )
}

/// linkat(2)
pub fn linkat(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (old, new, flags) = (read_path(a[1])?, read_path(a[3])?, a[4] as u32);
    if flags & !(at::SYMLINK_FOLLOW | at::EMPTY_PATH) != 0 {
        return Err(Errno::EINVAL);
    }
    let ob = base_at(a[0], &old)?;
    let nb = base_at(a[2], &new)?;
    link_in(ob, &old, nb, &new, flags & at::SYMLINK_FOLLOW != 0)
}

fn readlink_in(base: Base, raw: &[u8], buf: u64, size: u64) -> SysResult {
    if (size as i64) <= 0 {
        return Err(Errno::EINVAL);
    }
    // The guest's /proc/self/exe is its program, not ninux.
    let own = format!("/proc/{}/exe", std::process::id());
    let target =
        if matches!(raw, b"/proc/self/exe" | b"/proc/thread-self/exe") || raw == own.as_bytes() {
            crate::state::lock(&process().exe).clone()
        } else {
            let r = path::resolve(&base, raw, Last::NoFollow)?;
            if !r.chan.qid.is_symlink() {
                return Err(Errno::EINVAL);
            }
            r.chan.readlink().map_err(kerr)?.into_bytes()
        };
    // readlink does not NUL-terminate and silently truncates.
    let n = target.len().min(size as usize);
    write_bytes(buf, &target[..n])?;
    Ok(n as u64)
}

/// readlink(2)
pub fn readlink(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    readlink_in(Base::Cwd, &read_path(a[0])?, a[1], a[2])
}

/// readlinkat(2)
pub fn readlinkat(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let path = read_path(a[1])?;
    let base = base_at(a[0], &path)?;
    readlink_in(base, &path, a[2], a[3])
}

const F_OK: u32 = 0;
const X_OK: u32 = 1;
const W_OK: u32 = 2;
const R_OK: u32 = 4;

/// faccessat's AT_EACCESS.
const AT_EACCESS: u32 = 0x200;

fn access_in(base: Base, raw: &[u8], mode: u32, flags: u32) -> SysResult {
    if mode & !(R_OK | W_OK | X_OK) != 0
        || flags & !(at::SYMLINK_NOFOLLOW | at::EMPTY_PATH | AT_EACCESS) != 0
    {
        return Err(Errno::EINVAL);
    }
    let last = if flags & at::SYMLINK_NOFOLLOW != 0 {
        Last::NoFollow
    } else {
        Last::Follow
    };
    let st = stat_of(&path::resolve(&base, raw, last)?.chan)?;
    if mode == F_OK {
        return Ok(0);
    }
    // The real ids decide, unless AT_EACCESS asks for the effective ones
    // (the file-system ids stand for them). R_OK, W_OK, X_OK are MAY_*.
    let real = flags & AT_EACCESS == 0;
    if crate::process::creds::may_as(&crate::process::creds::current(), real, &st, mode) {
        Ok(0)
    } else {
        Err(Errno::EACCES)
    }
}

/// access(2)
pub fn access(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    access_in(Base::Cwd, &read_path(a[0])?, a[1] as u32, 0)
}

/// faccessat(2)
pub fn faccessat(t: &mut Trap, a: [u64; 6]) -> SysResult {
    faccessat2(t, [a[0], a[1], a[2], 0, 0, 0])
}

/// faccessat2(2)
pub fn faccessat2(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let path = read_path(a[1])?;
    let base = base_at(a[0], &path)?;
    access_in(base, &path, a[2] as u32, a[3] as u32)
}

/// mknodat(2): regular files, FIFOs (9P2000.u DMNAMEDPIPE), sockets and
/// device nodes (DMDEVICE with `c|b major minor`), as the device allows.
pub fn mknodat(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (path, mode, dev) = (read_path(a[1])?, a[2] as u32, a[3]);
    let base = base_at(a[0], &path)?;
    let perm = plan9_perm(mode & 0o7777 & !umask());
    let (kind, ext) = match mode & 0o170000 {
        0 | 0o100000 => (0, String::new()),
        0o010000 => (ninep::DMNAMEDPIPE, String::new()),
        0o140000 => (ninep::DMSOCKET, String::new()),
        0o020000 => (
            ninep::DMDEVICE,
            format!("c {} {}", libc::major(dev), libc::minor(dev)),
        ),
        0o060000 => (
            ninep::DMDEVICE,
            format!("b {} {}", libc::major(dev), libc::minor(dev)),
        ),
        _ => return Err(Errno::EINVAL),
    };
    let (dir, name) = path::resolve_parent(&base, &path)?;
    let target = child_path(&dir, &name);
    if path::resolve(&Base::Cwd, target.as_bytes(), Last::NoFollow).is_ok() {
        return Err(Errno::EEXIST);
    }
    // Only a directory's name may end in a slash.
    if path.ends_with(b"/") {
        return Err(Errno::ENOENT);
    }
    path::may_change(&dir)?;
    let made = path::ns()?
        .create_ext(&target, OREAD as u32 | ninep::OEXCL, kind | perm, &ext)
        .map_err(kerr)?;
    super::attr::own_new(&made);
    Ok(0)
}

/// mknod(2)
pub fn mknod(t: &mut Trap, a: [u64; 6]) -> SysResult {
    mknodat(t, [at::FDCWD as u64, a[0], a[1], a[2], 0, 0])
}
