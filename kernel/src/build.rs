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
//!    host (or the tar) is untouched.
//! 3. For each `-b HOST:GUEST`: `bind -c '#Z/HOST' GUEST`, the host directory
//!    read-write (as far as the host allows), GUEST made if missing.
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
    /// `-b HOST:GUEST`.
    pub binds: Vec<(PathBuf, String)>,
    /// `--ns FILE`.
    pub ns_file: Option<PathBuf>,
    /// `-w DIR`: the writable layer (kept); `None`: a temp directory.
    pub upper: Option<PathBuf>,
    /// Devices bound before the root layer's directories (`bind -b`), e.g.
    /// the Linux personality's `#L` at `/dev`: (device name, mount point).
    pub devices: Vec<(String, String)>,
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
    /// Parses `HOST:GUEST` (GUEST defaults to HOST).
    pub fn parse_bind(s: &str) -> Result<(PathBuf, String)> {
        let (h, g) = match s.split_once(':') {
            Some((h, g)) => (h, g),
            None => (s, s),
        };
        if h.is_empty() || !g.starts_with('/') {
            return Err(Error::msg(format!("bad bind {s:?}: want HOST:/GUEST")));
        }
        Ok((PathBuf::from(h), g.to_string()))
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
        let (upper, tmp) = match &self.upper {
            Some(u) => {
                std::fs::create_dir_all(u).map_err(|e| Error::from(e).context(u.display()))?;
                let abs =
                    std::fs::canonicalize(u).map_err(|e| Error::from(e).context(u.display()))?;
                (abs, None)
            }
            None => {
                let t = tempfile::Builder::new()
                    .prefix("ninux-upper-")
                    .tempdir()
                    .map_err(|e| Error::from(e).context("temp dir"))?;
                (t.path().to_path_buf(), Some(t))
            }
        };
        let root_dev = format!("#W{}:{lower}", upper.display());
        ns.bind(&root_dev, "/", MBEFORE | MCREATE)?;
        let mut layer = crate::dev::attach(&root_dev)?.0;
        layer.name = "/".into();
        for (dev, at) in &self.devices {
            make_mount_point(&ns, &layer, at, true)?;
            ns.bind(dev, at, MBEFORE)
                .map_err(|e| e.context(format!("bind {dev} {at}")))?;
        }
        for (host, guest) in &self.binds {
            let abs =
                std::fs::canonicalize(host).map_err(|e| Error::from(e).context(host.display()))?;
            let dev = format!("#Z{}", abs.display());
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
