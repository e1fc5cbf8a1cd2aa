//! Linux path resolution on a Plan 9 namespace. Linux resolves symlinks
//! component by component (40 hops at most); the kernel walks without
//! following them and reports where it stopped, and this module follows
//! them. The kernel's `..` is lexical, as the namespace rules say; Linux's
//! is physical (`/a/link/..` is the parent of where `link` points), so a
//! path with `..` in it is resolved up to each `..` first, and the `..`
//! taken from where that led ([`physical`]). A path without symlinks
//! before its `..` ends where the lexical one would.

use abi::Errno;
use kernel::{cleaned, cleanname, Chan, Namespace, Walked};
use std::borrow::Cow;
use std::sync::{Mutex, OnceLock};

/// Linux's MAXSYMLINKS.
const MAX_HOPS: usize = 40;
const PATH_MAX: usize = 4096;
const NAME_MAX: usize = 255;

struct Files {
    ns: Namespace,
    /// The working directory as a cleaned absolute path (Plan 9's dot).
    cwd: Mutex<String>,
}

static FILES: OnceLock<Files> = OnceLock::new();

/// Gives the process its namespace and working directory (at start).
pub fn init(ns: Namespace, cwd: String) {
    let _ = FILES.set(Files {
        ns,
        cwd: Mutex::new(cleanname(&cwd)),
    });
}

pub fn ns() -> Result<&'static Namespace, Errno> {
    FILES.get().map(|f| &f.ns).ok_or(Errno::ENOSYS)
}

pub fn cwd() -> String {
    with_cwd(str::to_string)
}

/// `f` of the current directory, without a copy of it.
fn with_cwd<T>(f: impl FnOnce(&str) -> T) -> T {
    match FILES.get() {
        Some(files) => f(&crate::state::lock(&files.cwd)),
        None => f("/"),
    }
}

pub fn set_cwd(path: String) {
    if let Some(f) = FILES.get() {
        *crate::state::lock(&f.cwd) = path;
    }
}

/// A kernel error as the Linux errno it stands for (one table, in the kernel's
/// error module); an unknown one is logged and becomes EIO.
pub fn kerr(e: kernel::Error) -> Errno {
    match e.linux_errno() {
        Some(n) => Errno(n),
        None => {
            log::warn!("kernel error {:?} has no Linux errno: EIO", e.as_str());
            Errno::EIO
        }
    }
}

/// Where a relative path starts: the cwd, or the directory behind a dirfd.
pub enum Base {
    Cwd,
    Dir(String),
}

/// How the last element is treated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Last {
    Follow,
    NoFollow,
}

/// A resolved path: the walked chan (unopened) and its cleaned absolute name.
pub struct Resolved {
    pub chan: Chan,
    pub path: String,
}

fn join(dir: &str, rel: &str) -> String {
    if rel.starts_with('/') {
        rel.to_string()
    } else {
        [dir.trim_end_matches('/'), "/", rel].concat()
    }
}

fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// Checks a guest path's syntax and makes it absolute (not yet cleaned, so a
/// trailing slash can still be seen).
pub fn absolute(base: &Base, raw: &[u8]) -> Result<String, Errno> {
    if raw.is_empty() {
        return Err(Errno::ENOENT);
    }
    if raw.len() >= PATH_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    let text = std::str::from_utf8(raw).map_err(|_| Errno::EINVAL)?;
    if raw.split(|&b| b == b'/').any(|e| e.len() > NAME_MAX) {
        return Err(Errno::ENAMETOOLONG);
    }
    Ok(match base {
        _ if text.starts_with('/') => text.to_string(),
        Base::Cwd => with_cwd(|cwd| join(cwd, text)),
        Base::Dir(d) => join(d, text),
    })
}

/// Resolves `raw` like Linux's path walk: symlinks in the middle always
/// followed, the last one per `last`; a trailing slash demands a directory and
/// follows a final symlink. A guest that is not root also needs search
/// permission on every directory of the path ([`check_search`]).
pub fn resolve(base: &Base, raw: &[u8], last: Last) -> Result<Resolved, Errno> {
    let result = resolve_walk(base, raw, last);
    if crate::process::creds::privileged() {
        return result;
    }
    let start = walk_start(base, raw);
    match &result {
        Ok(r) => check_search(&start, &r.path)?,
        Err(Errno::ENOENT | Errno::ENOTDIR) => {
            check_search(&start, &cleaned(absolute(base, raw)?))?
        }
        Err(_) => {}
    }
    result
}

/// EACCES when a directory the walk to `path` (absolute, cleaned) passes
/// through lacks search permission for the guest's credentials: the
/// starting directory `start` (the cwd or dirfd of a relative path, `/`
/// for an absolute one) and every directory below it on the way, as Linux
/// checks only what it walks (a cwd below an unsearchable directory still
/// works). The directories are those of the path as written (`..` is
/// lexical); a symlink's detours are not checked again. Stops at the first
/// directory missing, leaving that error to the walk.
fn check_search(start: &str, path: &str) -> Result<(), Errno> {
    // A path leaving `start` by `..` is walked from where they part.
    let mut from: Vec<&str> = Vec::new();
    let start_elems = start.split('/').filter(|e| !e.is_empty());
    let mut path_elems = path.split('/').filter(|e| !e.is_empty()).peekable();
    for s in start_elems {
        match path_elems.peek() {
            Some(p) if *p == s => {
                from.push(s);
                path_elems.next();
            }
            _ => break,
        }
    }
    let below: Vec<&str> = path_elems.collect();
    let mut dir = format!("/{}", from.join("/"));
    // The start, then each directory below it but the last element.
    for elem in &below {
        let Ok(r) = resolve_walk(&Base::Cwd, dir.as_bytes(), Last::Follow) else {
            return Ok(());
        };
        if !r.chan.is_dir() {
            return Ok(());
        }
        let st = crate::fs::stat::stat_of(&r.chan)?;
        crate::process::creds::may(&st, crate::process::creds::MAY_EXEC)?;
        if dir != "/" {
            dir.push('/');
        }
        dir.push_str(elem);
    }
    Ok(())
}

/// What stat(2) of `raw` finds, when the namespace can say without a walk
/// ([`Namespace::stat_kept`]): the kernel device, stat record and extra
/// attributes. None, for the caller to [`resolve`], when it cannot, or the
/// path ends in a slash or (followed) a symlink.
pub fn stat_kept(
    base: &Base,
    raw: &[u8],
    last: Last,
) -> Option<Result<(kernel::DevId, kernel::Attr), Errno>> {
    let path = match clean_path(base, raw) {
        Some(p) => p,
        None => {
            let abs = absolute(base, raw).ok()?;
            if abs.ends_with('/') || dot_elem(raw).is_some() {
                return None;
            }
            Cow::Owned(cleaned(abs))
        }
    };
    let (dev, attr) = ns().ok()?.stat_kept(&path)?;
    if attr.qid.is_symlink() && last == Last::Follow {
        return None;
    }
    if !crate::process::creds::privileged() {
        if let Err(e) = check_search(&walk_start(base, raw), &path) {
            return Some(Err(e));
        }
    }
    Some(Ok((dev, attr)))
}

/// What [`absolute`] and then [`cleaned`] make of `raw`, `/` aside, when
/// `raw` is clean already but for leading `./`s: the usual stat of a full
/// path, or of one below the cwd as `find .` and `tar -C dir .` name them.
/// Checked in one scan; an absolute path is not even copied.
fn clean_path<'a>(base: &Base, raw: &'a [u8]) -> Option<Cow<'a, str>> {
    if raw.len() >= PATH_MAX {
        return None;
    }
    let absolute = raw.first() == Some(&b'/');
    let mut rest = if absolute { &raw[1..] } else { raw };
    while !absolute && rest.starts_with(b"./") {
        rest = &rest[2..];
    }
    let clean = !rest.is_empty()
        && rest
            .split(|&b| b == b'/')
            .all(|e| !e.is_empty() && e.len() <= NAME_MAX && e != b"." && e != b"..");
    if !clean {
        return None;
    }
    let rest = std::str::from_utf8(rest).ok()?;
    Some(match base {
        _ if absolute => Cow::Borrowed(std::str::from_utf8(raw).ok()?),
        Base::Cwd => Cow::Owned(with_cwd(|cwd| join(cwd, rest))),
        Base::Dir(d) => Cow::Owned(join(d, rest)),
    })
}

/// Where the walk of `raw` starts: `/`, the cwd or the dirfd's directory.
fn walk_start(base: &Base, raw: &[u8]) -> String {
    match base {
        _ if raw.starts_with(b"/") => "/".to_string(),
        Base::Cwd => cwd(),
        Base::Dir(d) => d.clone(),
    }
}

fn resolve_walk(base: &Base, raw: &[u8], last: Last) -> Result<Resolved, Errno> {
    let abs = absolute(base, raw)?;
    // A trailing slash, `.` or `..` names a directory: a final symlink
    // is followed (`/proc/self/.` is the process's directory, not the
    // link), though cleaning takes the `.` away.
    let must_be_dir = (abs.ends_with('/') && abs.len() > 1)
        || matches!(dot_elem(raw), Some(LastElem::Dot | LastElem::DotDot));
    let mut hops = MAX_HOPS;
    walk_abs(&abs, must_be_dir, last, &mut hops)
}

/// Resolves the absolute `abs`, sharing the symlink budget `hops` with
/// the walks [`physical`] makes for its `..`.
fn walk_abs(abs: &str, must_be_dir: bool, last: Last, hops: &mut usize) -> Result<Resolved, Errno> {
    let last = if must_be_dir { Last::Follow } else { last };
    let ns = ns()?;
    let mut path = physical(abs, hops)?;
    loop {
        match ns.walk_nofollow(&path).map_err(kerr)? {
            Walked::Chan(chan) => {
                if chan.qid.is_symlink() && last == Last::Follow {
                    let target = chan.readlink().map_err(kerr)?;
                    spend(hops)?;
                    path = physical(&join(parent(&path), &target), hops)?;
                    continue;
                }
                if must_be_dir && !chan.is_dir() {
                    return Err(Errno::ENOTDIR);
                }
                return Ok(Resolved {
                    path: chan.name.clone(),
                    chan,
                });
            }
            Walked::Symlink {
                prefix,
                target,
                rest,
            } => {
                spend(hops)?;
                let dir = join(parent(&prefix), &target);
                path = physical(&join(&dir, &rest), hops)?;
            }
        }
    }
}

fn spend(hops: &mut usize) -> Result<(), Errno> {
    *hops = hops.checked_sub(1).ok_or(Errno::ELOOP)?;
    Ok(())
}

/// The absolute path `abs` cleaned, each `..` taken physically: the part
/// before it is resolved (symlinks followed, a directory required) and
/// the `..` leaves where that led. A path without `..` is only cleaned.
fn physical(abs: &str, hops: &mut usize) -> Result<String, Errno> {
    if !abs.contains("..") {
        return Ok(cleanname(abs));
    }
    let mut path = abs.to_string();
    loop {
        let elems: Vec<&str> = path
            .split('/')
            .filter(|e| !e.is_empty() && *e != ".")
            .collect();
        let Some(i) = elems.iter().position(|e| *e == "..") else {
            return Ok(cleanname(&path));
        };
        let rest = elems[i + 1..].join("/");
        if i == 0 {
            // `..` at the root stays there.
            path = format!("/{rest}");
            continue;
        }
        let before = format!("/{}", elems[..i].join("/"));
        let dir = walk_abs(&before, true, Last::Follow, hops)?;
        path = join(parent(&dir.path), &rest);
    }
}

/// Linux's "magic links": when `raw`, its symlinks followed, ends at this
/// process's `/proc/PID/fd/N` (so `/dev/stdin`, `/dev/fd/N`,
/// `/proc/self/fd/N`), the guest fd N it stands for. Opening or stat-ing
/// such a path reaches the fd's own file, not the text its readlink shows
/// (`pipe:[ino]`, a path that may be gone). `None` for any other path,
/// including ones that do not resolve: those take the ordinary route.
///
/// Only paths that name one as written are looked at (`…/fd/N`,
/// `/dev/std*`), so ordinary opens pay nothing; a user's own symlink to
/// `/proc/self/fd/N` is followed as a plain symlink.
pub fn magic_fd(base: &Base, raw: &[u8]) -> Result<Option<u64>, Errno> {
    let abs = absolute(base, raw)?;
    if !abs.contains("/fd/") && !abs.starts_with("/dev/std") {
        return Ok(None);
    }
    let mut path = cleanname(&abs);
    for _ in 0..=MAX_HOPS {
        let Ok(r) = resolve(&Base::Cwd, path.as_bytes(), Last::NoFollow) else {
            return Ok(None);
        };
        if !r.chan.qid.is_symlink() {
            return Ok(None);
        }
        if let Some(fd) = crate::devices::procpid::magic_fd(&r.chan) {
            return Ok(Some(fd));
        }
        let target = r.chan.readlink().map_err(kerr)?;
        path = cleanname(&join(parent(&r.path), &target));
    }
    Err(Errno::ELOOP)
}

/// What the last element of a path names, for calls that create or remove
/// a name: a name, or one that cannot be made or removed (`.`, `..`, the
/// root), which Linux has each such call refuse with an errno of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LastElem {
    Name(String),
    Dot,
    DotDot,
    Root,
}

/// The last element of `raw` when it is `.`, `..` or the root.
pub fn dot_elem(raw: &[u8]) -> Option<LastElem> {
    let trimmed = trim_slashes(raw);
    if trimmed.is_empty() {
        return (!raw.is_empty()).then_some(LastElem::Root);
    }
    match trimmed.rsplit(|&b| b == b'/').next() {
        Some(b".") => Some(LastElem::Dot),
        Some(b"..") => Some(LastElem::DotDot),
        _ => None,
    }
}

fn trim_slashes(raw: &[u8]) -> &[u8] {
    let end = raw.iter().rposition(|&b| b != b'/').map_or(0, |i| i + 1);
    &raw[..end]
}

/// Resolves the directory part of `raw` (following every symlink) and returns
/// it with the final name, for calls that create a name; a dot name or the
/// root is there already (EEXIST).
pub fn resolve_parent(base: &Base, raw: &[u8]) -> Result<(Resolved, String), Errno> {
    match resolve_parent_elem(base, raw)? {
        (dir, LastElem::Name(name)) => Ok((dir, name)),
        _ => Err(Errno::EEXIST),
    }
}

/// [`resolve_parent`] for calls that refuse the dot names and the root in
/// their own ways (rmdir, unlink, rename). As in Linux, the directory
/// holding the last element is walked first: a missing one is ENOENT
/// whatever the name.
pub fn resolve_parent_elem(base: &Base, raw: &[u8]) -> Result<(Resolved, LastElem), Errno> {
    if let Some(elem) = dot_elem(raw) {
        let trimmed = trim_slashes(raw);
        let dir: &[u8] = match trimmed.iter().rposition(|&b| b == b'/') {
            _ if elem == LastElem::Root => b"/",
            Some(0) => b"/",
            Some(i) => &trimmed[..i],
            None => b".",
        };
        let dir = resolve(base, dir, Last::Follow)?;
        if !dir.chan.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        return Ok((dir, elem));
    }
    let abs = absolute(base, raw)?;
    let trimmed = abs.trim_end_matches('/');
    let clean = cleanname(if trimmed.is_empty() { "/" } else { trimmed });
    if clean == "/" {
        return Err(Errno::EBUSY);
    }
    let (_, name) = clean.rsplit_once('/').unwrap_or(("", &clean));
    // The directory as written, its `..` taken physically by the walk.
    let dir_part = match trimmed.rsplit_once('/') {
        Some(("", _)) | None => "/",
        Some((d, _)) => d,
    };
    let dir = resolve_walk(&Base::Cwd, dir_part.as_bytes(), Last::Follow);
    if !crate::process::creds::privileged() {
        check_search(&walk_start(base, raw), &clean)?;
    }
    let dir = dir?;
    if !dir.chan.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    Ok((dir, LastElem::Name(name.to_string())))
}

/// EACCES unless the guest may add or remove names in `dir` (write and
/// search permission). Callers ask after looking the name up, as Linux
/// does: an existing name (mkdir: EEXIST) or a missing one (unlink: ENOENT)
/// is reported first.
pub fn may_change(dir: &Resolved) -> Result<(), Errno> {
    use crate::process::creds::{may, privileged, MAY_EXEC, MAY_WRITE};
    if privileged() {
        return Ok(());
    }
    may(&crate::fs::stat::stat_of(&dir.chan)?, MAY_WRITE | MAY_EXEC)
}

/// Where O_CREAT creates a name that does not resolve: the name itself, or,
/// when it is a symlink (to something missing), the end of the link chain.
/// With O_EXCL or O_NOFOLLOW a symlink there is EEXIST, as in Linux.
pub fn dangling_target(base: &Base, raw: &[u8], no_follow: bool) -> Result<String, Errno> {
    let mut path = cleaned(absolute(base, raw)?);
    for _ in 0..=MAX_HOPS {
        match resolve(&Base::Cwd, path.as_bytes(), Last::NoFollow) {
            Ok(r) if r.chan.qid.is_symlink() => {
                if no_follow {
                    return Err(Errno::EEXIST);
                }
                let target = r.chan.readlink().map_err(kerr)?;
                path = cleanname(&join(parent(&r.path), &target));
            }
            Ok(_) => return Err(Errno::EEXIST),
            Err(Errno::ENOENT) => return Ok(path),
            Err(e) => return Err(e),
        }
    }
    Err(Errno::ELOOP)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // The shortcut agrees with the long way wherever it answers.
        #[test]
        fn clean_path_is_what_absolute_and_cleaned_give(
            raw in proptest::collection::vec(
                prop_oneof![Just(b'/'), Just(b'.'), Just(b'a'), Just(0xc3u8), Just(0xa9u8)],
                0..24,
            )
        ) {
            for dir in ["/", "/elsewhere/d"] {
                let base = Base::Dir(dir.into());
                if let Some(p) = clean_path(&base, &raw) {
                    let abs = absolute(&base, &raw).unwrap();
                    prop_assert!(!abs.ends_with('/'));
                    prop_assert!(dot_elem(&raw).is_none());
                    prop_assert_eq!(cleaned(abs), p);
                }
            }
        }
    }

    #[test]
    fn clean_path_takes_only_paths_clean_but_for_leading_dots() {
        let base = Base::Dir("/w".into());
        let shortcut = |raw: &[u8]| clean_path(&base, raw).map(|p| p.into_owned());
        assert_eq!(shortcut(b"/a/b.c/d").as_deref(), Some("/a/b.c/d"));
        assert_eq!(shortcut(b"./a/b").as_deref(), Some("/w/a/b"));
        assert_eq!(shortcut(b"././a").as_deref(), Some("/w/a"));
        assert_eq!(shortcut(b"a").as_deref(), Some("/w/a"));
        for raw in [
            &b""[..],
            b"/",
            b".",
            b"./",
            b"/a//b",
            b"a/",
            b"/a/./b",
            b"a/..",
            b"/./a",
            b"/\xff",
        ] {
            assert_eq!(shortcut(raw), None, "{:?}", String::from_utf8_lossy(raw));
        }
        let long = format!("/{}", "n".repeat(NAME_MAX + 1));
        assert_eq!(shortcut(long.as_bytes()), None);
    }
}
