//! AF_UNIX names. A path resolves through the namespace to the host
//! directory behind it: a socket bound in a `-b` host directory is a real
//! host socket that programs outside the run can reach; one bound in the
//! root's copy-on-write layer lands in its private upper directory, so it
//! is private to the run. Abstract names get a per-run prefix, so they are
//! private to the run too (Linux's abstract names are host-wide).

use crate::fs::path::{self, Base};
use abi::net::AF_UNIX;
use abi::Errno;

/// A guest AF_UNIX address, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnixName {
    /// Autobind, or an unnamed address (just the family).
    Unnamed,
    Path(Vec<u8>),
    Abstract(Vec<u8>),
}

/// Decodes a sockaddr_un of `raw.len()` bytes.
pub fn decode(raw: &[u8]) -> Result<UnixName, Errno> {
    if crate::net::addr::family(raw) != AF_UNIX {
        return Err(Errno::EINVAL);
    }
    let path = &raw[2..];
    if path.is_empty() {
        return Ok(UnixName::Unnamed);
    }
    if path[0] == 0 {
        return Ok(UnixName::Abstract(path[1..].to_vec()));
    }
    let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
    Ok(UnixName::Path(path[..end].to_vec()))
}

/// A sockaddr_un for `name` as the guest should see it.
pub fn encode(name: &UnixName) -> Vec<u8> {
    let mut v = AF_UNIX.to_ne_bytes().to_vec();
    match name {
        UnixName::Unnamed => {}
        UnixName::Path(p) => {
            v.extend_from_slice(p);
            v.push(0);
        }
        UnixName::Abstract(n) => {
            v.push(0);
            v.extend_from_slice(n);
        }
    }
    v
}

/// The text `local`/`remote` files hold for a name, back as a name.
pub fn from_text(s: &str) -> UnixName {
    match s.strip_prefix('@') {
        _ if s.is_empty() => UnixName::Unnamed,
        Some(n) => UnixName::Abstract(strip_prefix(n.as_bytes()).to_vec()),
        None => UnixName::Path(s.as_bytes().to_vec()),
    }
}

/// This run's prefix for abstract names: from the root's writable layer,
/// which is the run's own (every process of the run has the same).
fn prefix() -> String {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let id = ID.get_or_init(|| {
        use std::hash::{Hash, Hasher};
        let text = path::ns().map(kernel::build::print).unwrap_or_default();
        let layer = text.split_whitespace().find(|w| w.contains("#W"));
        let mut h = std::collections::hash_map::DefaultHasher::new();
        layer.hash(&mut h);
        format!("{:016x}", h.finish())
    });
    format!("ninux-{id}/")
}

fn strip_prefix(n: &[u8]) -> &[u8] {
    let p = prefix();
    n.strip_prefix(p.as_bytes()).unwrap_or(n)
}

/// The ctl address for `name`, followed by the name the guest used:
/// `HOSTPATH GUESTPATH` or `@PREFIX/NAME @NAME`, for connect and send.
pub fn ctl_addr(name: &UnixName) -> Result<String, Errno> {
    ctl_addr_in(name, false).map(|(text, _)| text)
}

/// bind(2) of `name` by `bind_at`, which takes the ctl address. A path
/// socket is made at the host path, behind the device's back, so the
/// directory is told afterwards.
pub fn bind(name: &UnixName, bind_at: impl FnOnce(&str) -> Result<(), Errno>) -> Result<(), Errno> {
    let (text, dir) = ctl_addr_in(name, true)?;
    bind_at(&text)?;
    if let Some(dir) = dir {
        dir.node().made_at_host_path();
    }
    Ok(())
}

/// The ctl address, and for a path the directory it is in.
fn ctl_addr_in(name: &UnixName, create: bool) -> Result<(String, Option<kernel::Chan>), Errno> {
    match name {
        UnixName::Unnamed => Err(Errno::EINVAL),
        UnixName::Abstract(n) => {
            let n = String::from_utf8(n.clone()).map_err(|_| Errno::EINVAL)?;
            Ok((format!("@{}{n}", prefix()), None))
        }
        UnixName::Path(p) => {
            let (dir, last) = path::resolve_parent(&Base::Cwd, p)?;
            let host = dir
                .chan
                .node()
                .host_path(create)
                .ok_or(Errno::EACCES)?
                .join(&last);
            // A host path longer than sun_path holds is fine: the kernel
            // reaches it through its directory (hostnet::unix_path).
            let host = host.to_str().ok_or(Errno::EINVAL)?.to_string();
            let guest = String::from_utf8(p.clone()).map_err(|_| Errno::EINVAL)?;
            if host.contains(' ') {
                return Err(Errno::EINVAL);
            }
            Ok((format!("{host} {guest}"), Some(dir.chan)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let a = encode(&UnixName::Path(b"/tmp/s".to_vec()));
        assert_eq!(decode(&a).unwrap(), UnixName::Path(b"/tmp/s".to_vec()));
        let b = encode(&UnixName::Abstract(b"x".to_vec()));
        assert_eq!(decode(&b).unwrap(), UnixName::Abstract(b"x".to_vec()));
        assert_eq!(decode(&b[..2]).unwrap(), UnixName::Unnamed);
        assert_eq!(from_text(""), UnixName::Unnamed);
    }
}
