//! The namespace builder shared by `ninux run`, `ninux ns` and `ninux serve`,
//! and the printer giving a namespace in namespace(6) form.
//!
//! The namespace a run gets, in order:
//!
//! 1. `clear`: root `#/`, whose empty directories `dev env mnt n net proc srv
//!    sys` are there to mount on (the personality binds its synthesized
//!    `/proc` and `/dev` later; `/net` is kept for `#I`).
//! 2. `bind -bc '#W UPPER:LOWER' /`: the root file system as a copy-on-write
//!    layer, before `#/` in a union so its names win and creation lands in it.
//!    LOWER is the host's `/` (`#Z/`) without `-r`, else `-r ROOT`: a host
//!    directory (`#Z/ROOT`) or a rootfs tar (`#T/ROOT.tar[.gz]`). UPPER is
//!    `-w DIR`, else a fresh private temp directory removed when the
//!    [`Built`] is dropped. So a Linux program may write anywhere while the
//!    host (or the tar) is untouched. A temporary UPPER is named
//!    `ninux-upper-PID-…` after the ninux that made it, so when that ninux
//!    dies without cleaning up (SIGKILL), the next build removes it.
//!    With `--rw` and a host directory ROOT there is no layer: `bind -bc
//!    '#Z/ROOT' /`, and the guest writes ROOT in place.
//! 3. For each `-b HOST:GUEST`: `bind -c '#Z/HOST' GUEST`, the host directory
//!    read-write (as far as the host allows), GUEST made if missing;
//!    `-b HOST:GUEST:ro` binds `#Zro:/HOST`, which refuses changes (EROFS).
//! 4. The `--ns FILE` namespace file, last.

use std::path::{Path, PathBuf};

use crate::chan::Chan;
use crate::error::*;
use crate::namespace::{Namespace, Source, MAFTER, MBEFORE, MCACHE, MCREATE};
use crate::nsfile::{quote, NsRun};

/// What the user asked for on the command line.
#[derive(Clone, Debug, Default)]
pub struct NsSpec {
    /// A host directory or a tar(.gz); `None`: the host's `/`.
    pub root: Option<PathBuf>,
    /// `-b HOST:GUEST[:ro]`.
    pub binds: Vec<Bind>,
    /// `--rw`: a host directory root is written in place, without the
    /// copy-on-write layer.
    pub rw: bool,
    /// `--ns FILE`.
    pub ns_file: Option<PathBuf>,
    /// `-w DIR`: the writable layer (kept); `None`: a temp directory.
    pub upper: Option<PathBuf>,
    /// Devices bound before the root layer's directories (`bind -b`), e.g.
    /// the Linux personality's `#L` at `/dev`: (device name, mount point).
    pub devices: Vec<(String, String)>,
}

/// One `-b HOST:GUEST[:ro]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bind {
    pub host: PathBuf,
    pub guest: String,
    pub readonly: bool,
}

/// A built namespace and the writable layer it uses.
pub struct Built {
    pub ns: Namespace,
    /// The upper directory of the root's copy-on-write layer.
    pub upper: PathBuf,
    /// The root's device name (`#W…`), for the printer and re-execs.
    pub root_dev: String,
    /// Owns a temporary upper directory; dropping removes it.
    pub tmp: Option<tempfile::TempDir>,
}

impl NsSpec {
    /// Parses `HOST:GUEST[:ro]` (GUEST defaults to HOST).
    pub fn parse_bind(s: &str) -> Result<Bind> {
        let (rest, readonly) = match s.strip_suffix(":ro") {
            Some(r) => (r, true),
            None => (s, false),
        };
        let (h, g) = match rest.split_once(':') {
            Some((h, g)) => (h, g),
            None => (rest, rest),
        };
        if h.is_empty() || !g.starts_with('/') {
            return Err(Error::msg(format!(
                "bad bind {s:?}: want HOST:/GUEST or HOST:/GUEST:ro"
            )));
        }
        Ok(Bind {
            host: PathBuf::from(h),
            guest: g.to_string(),
            readonly,
        })
    }

    /// Builds the namespace.
    pub fn build(&self) -> Result<Built> {
        let root = crate::dev::attach("#/")?.0;
        let mut ns = Namespace::new(root);
        let lower = match &self.root {
            None => "#Z/".to_string(),
            Some(p) => {
                let abs =
                    std::fs::canonicalize(p).map_err(|e| Error::from(e).context(p.display()))?;
                if abs.is_dir() {
                    format!("#Z{}", abs.display())
                } else {
                    format!("#T{}", abs.display())
                }
            }
        };
        if self.rw {
            match &self.root {
                Some(_) if lower.starts_with("#Z") && self.upper.is_none() => {}
                _ => {
                    return Err(Error::msg(
                        "--rw wants -r DIR, a host directory, and no --upper",
                    ))
                }
            }
        }
        let (upper, tmp) = match &self.upper {
            _ if self.rw => (PathBuf::from(&lower[2..]), None),
            Some(u) => {
                std::fs::create_dir_all(u).map_err(|e| Error::from(e).context(u.display()))?;
                let abs =
                    std::fs::canonicalize(u).map_err(|e| Error::from(e).context(u.display()))?;
                (abs, None)
            }
            None => {
                let dir = uppers_dir(&std::env::temp_dir());
                sweep_stale_uppers(&dir);
                let t = tempfile::Builder::new()
                    .prefix(&format!("{UPPER_PREFIX}{}-", std::process::id()))
                    .tempdir_in(&dir)
                    .map_err(|e| Error::from(e).context("temp dir"))?;
                (t.path().to_path_buf(), Some(t))
            }
        };
        let root_dev = if self.rw {
            lower
        } else {
            format!("#W{}:{lower}", upper.display())
        };
        ns.bind(&root_dev, "/", MBEFORE | MCREATE)?;
        let mut layer = crate::dev::attach(&root_dev)?.0;
        layer.name = "/".into();
        for (dev, at) in &self.devices {
            make_mount_point(&ns, &layer, at, true)?;
            ns.bind(dev, at, MBEFORE)
                .map_err(|e| e.context(format!("bind {dev} {at}")))?;
        }
        for Bind {
            host,
            guest,
            readonly,
        } in &self.binds
        {
            let abs =
                std::fs::canonicalize(host).map_err(|e| Error::from(e).context(host.display()))?;
            let ro = if *readonly { crate::dev::READONLY } else { "" };
            let dev = format!("#Z{ro}{}", abs.display());
            make_mount_point(&ns, &layer, guest, abs.is_dir())?;
            ns.bind(&dev, guest, MCREATE)
                .map_err(|e| e.context(format!("-b {}:{guest}", host.display())))?;
        }
        if let Some(f) = &self.ns_file {
            NsRun::new(&mut ns).run_file(f)?;
        }
        Ok(Built {
            ns,
            upper,
            root_dev,
            tmp,
        })
    }
}

/// How a temporary upper directory's name starts; the owner's pid follows.
const UPPER_PREFIX: &str = "ninux-upper-";

/// Where this user's temporary upper directories go: a directory of the
/// user's own in `tmp`, closed to others (`ninux-uppers-UID`), so that a
/// sweep lists them alone rather than all of a busy `/tmp` (a few hundred
/// microseconds, a tenth of a short run); `tmp` itself if that cannot be had.
pub fn uppers_dir(tmp: &Path) -> PathBuf {
    users_own_dir(tmp, "ninux-uppers").unwrap_or_else(|| tmp.to_path_buf())
}

/// This user's directory `NAME-UID` in `parent`, made 0700 if missing;
/// None unless it is a directory of the user's, closed to others (in a
/// shared `/tmp` another user may have made it first).
pub fn users_own_dir(parent: &Path, name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let uid = rustix::process::getuid().as_raw();
    let dir = parent.join(format!("{name}-{uid}"));
    let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
    let m = std::fs::symlink_metadata(&dir).ok()?;
    (m.is_dir() && m.uid() == uid && m.mode() & 0o077 == 0).then_some(dir)
}

/// Removes the temporary upper directories in `tmp` whose owning ninux is
/// gone (killed before it could clean up). A directory is judged by the pid
/// in its name; one whose name carries none (an older ninux's) is left alone.
/// Pids of another pid namespace sharing `tmp` would be misjudged: ninux
/// does not run across pid namespaces.
pub fn sweep_stale_uppers(tmp: &Path) {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(UPPER_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        if pid_alive(pid) {
            continue;
        }
        // Best effort: another ninux may be sweeping the same directory.
        let _ = std::fs::remove_dir_all(e.path());
    }
}

fn pid_alive(pid: i32) -> bool {
    match rustix::process::Pid::from_raw(pid) {
        // EPERM means it exists, owned by someone else.
        Some(p) => !matches!(
            rustix::process::test_kill_process(p),
            Err(rustix::io::Errno::SRCH)
        ),
        None => true,
    }
}

/// Makes `guest` (and its parents) if missing, as a directory or an empty
/// file, so a bind has something to land on. They are made in the root's
/// copy-on-write layer itself (`root`), since a parent may be one of `#/`'s
/// read-only directories (`/n`, `/mnt`): made in the layer, it shadows that.
fn make_mount_point(ns: &Namespace, root: &Chan, guest: &str, dir: bool) -> Result<()> {
    if ns.walk_follow(guest).is_ok() {
        return Ok(());
    }
    let elems: Vec<&str> = guest.split('/').filter(|e| !e.is_empty()).collect();
    let mut cur = root.clone_chan()?;
    for (i, e) in elems.iter().enumerate() {
        let path = format!("{}/{e}", cur.name.trim_end_matches('/'));
        cur = match cur.walk1(e, path.clone()) {
            Ok(c) => c,
            Err(_) => {
                let last = i + 1 == elems.len();
                let perm = if !last || dir {
                    ninep::DMDIR | 0o755
                } else {
                    0o644
                };
                let mut c = cur.clone_chan()?;
                c.qid = c
                    .node
                    .create(e, perm, ninep::OREAD as u32, "")
                    .map_err(|err| err.context(format!("making {path}")))?;
                c.name = path;
                c
            }
        };
    }
    Ok(())
}

fn flag_str(flags: u32) -> String {
    let mut f = String::new();
    if flags & MAFTER != 0 {
        f.push('a');
    }
    if flags & MBEFORE != 0 {
        f.push('b');
    }
    if flags & MCREATE != 0 {
        f.push('c');
    }
    if flags & MCACHE != 0 {
        f.push('C');
    }
    if f.is_empty() {
        f
    } else {
        format!("-{f} ")
    }
}

/// The namespace in namespace(6) form: `clear`, then every bind and mount
/// in the order made. Reading it back with [`NsRun`] rebuilds the namespace
/// (the way a re-exec'd ninux gets its parent's).
pub fn print(ns: &Namespace) -> String {
    let mut out = String::from("clear\n");
    for (flags, src, on) in ns.mounts() {
        match src {
            Source::Bind(new) => out.push_str(&format!(
                "bind {}{} {}\n",
                flag_str(flags),
                quote(&new),
                quote(&on)
            )),
            Source::Mount(srv, spec) => {
                let spec = if spec.is_empty() {
                    String::new()
                } else {
                    format!(" {}", quote(&spec))
                };
                out.push_str(&format!(
                    "mount {}{} {}{spec}\n",
                    flag_str(flags),
                    quote(&srv),
                    quote(&on)
                ));
            }
        }
    }
    out
}

/// Rebuilds a namespace from [`print()`]'s text.
pub fn from_text(text: &str, name: &Path) -> Result<Namespace> {
    let mut ns = Namespace::new(crate::dev::attach("#/")?.0);
    NsRun::new(&mut ns).run_text(text, name, 0)?;
    Ok(ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_parse_with_and_without_ro() {
        let b = NsSpec::parse_bind("/h:/g:ro").unwrap();
        assert_eq!(
            (b.host, b.guest, b.readonly),
            ("/h".into(), "/g".into(), true)
        );
        let b = NsSpec::parse_bind("/h:/g").unwrap();
        assert_eq!(
            (b.host, b.guest, b.readonly),
            ("/h".into(), "/g".into(), false)
        );
        let b = NsSpec::parse_bind("/h").unwrap();
        assert_eq!((b.host, b.guest), ("/h".into(), "/h".into()));
        assert!(NsSpec::parse_bind("/h:g").is_err());
        assert!(NsSpec::parse_bind(":/g:ro").is_err());
    }

    #[test]
    fn a_readonly_host_device_refuses_every_change() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("f"), "x").unwrap();
        let name = format!("#Z{}{}", crate::dev::READONLY, t.path().display());
        let (root, _) = crate::dev::attach(&name).unwrap();
        let f = root.walk1("f", "/f".into()).unwrap();
        assert!(f.readonly());
        let mut n = f.node.clone_node().unwrap();
        assert_eq!(n.open(ninep::OWRITE as u32).unwrap_err(), EROFS);
        assert_eq!(n.remove().unwrap_err(), EROFS);
        n.open(ninep::OREAD as u32).unwrap();
        let mut d = root.node.clone_node().unwrap();
        assert_eq!(
            d.create("g", 0o644, ninep::OWRITE as u32, "").unwrap_err(),
            EROFS
        );
        assert!(!t.path().join("g").exists());
    }

    #[test]
    fn stale_uppers_of_dead_owners_are_swept() {
        let t = tempfile::tempdir().unwrap();
        let mut dead = std::process::Command::new("true").spawn().unwrap();
        dead.wait().unwrap();
        let gone = t.path().join(format!("{UPPER_PREFIX}{}-abc", dead.id()));
        let live = t
            .path()
            .join(format!("{UPPER_PREFIX}{}-abc", std::process::id()));
        let other = t.path().join(format!("{UPPER_PREFIX}abc"));
        for d in [&gone, &live, &other] {
            std::fs::create_dir_all(d.join("sub")).unwrap();
        }
        sweep_stale_uppers(t.path());
        assert!(!gone.exists());
        assert!(live.exists() && other.exists());
    }

    #[test]
    fn uppers_go_in_a_directory_of_the_users_own() {
        use std::os::unix::fs::PermissionsExt;
        let t = tempfile::tempdir().unwrap();
        let dir = uppers_dir(t.path());
        assert_eq!(dir.parent(), Some(t.path()));
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        assert_eq!(uppers_dir(t.path()), dir, "made once, found after");
        // Open to others, it is not trusted: the uppers go in tmp itself.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert_eq!(uppers_dir(t.path()), t.path());
    }
}
