//! Extended attributes: the namespace's files carry none (9P2000 has no
//! xattrs), so every file answers as one on a file system without any: a
//! name is never present (ENODATA), a listing is empty, and setting or
//! removing is not supported (EOPNOTSUPP). The file itself is still looked
//! up first, so a missing path or a bad fd fails as Linux fails.

use super::fd;
use super::path::{self, Base, Last};
use crate::mem::read_path;
use crate::SysResult;
use abi::Errno;
use platform::Trap;

fn lookup(addr: u64, last: Last) -> Result<(), Errno> {
    path::resolve(&Base::Cwd, &read_path(addr)?, last).map(|_| ())
}

/// getxattr(2): no attribute is ever present.
pub fn getxattr(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    lookup(a[0], Last::Follow)?;
    Err(Errno::ENODATA)
}

/// lgetxattr(2): as getxattr, on the link itself.
pub fn lgetxattr(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    lookup(a[0], Last::NoFollow)?;
    Err(Errno::ENODATA)
}

/// fgetxattr(2)
pub fn fgetxattr(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    fd::get(a[0])?;
    Err(Errno::ENODATA)
}

/// listxattr(2): the list is empty.
pub fn listxattr(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    lookup(a[0], Last::Follow).map(|_| 0)
}

/// llistxattr(2)
pub fn llistxattr(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    lookup(a[0], Last::NoFollow).map(|_| 0)
}

/// flistxattr(2)
pub fn flistxattr(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    fd::get(a[0]).map(|_| 0)
}

/// setxattr(2): no file here takes attributes.
pub fn setxattr(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    lookup(a[0], Last::Follow)?;
    Err(Errno::EOPNOTSUPP)
}

/// lsetxattr(2)
pub fn lsetxattr(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    lookup(a[0], Last::NoFollow)?;
    Err(Errno::EOPNOTSUPP)
}

/// fsetxattr(2)
pub fn fsetxattr(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    fd::get(a[0])?;
    Err(Errno::EOPNOTSUPP)
}

/// removexattr(2): as setxattr.
pub fn removexattr(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    lookup(a[0], Last::Follow)?;
    Err(Errno::EOPNOTSUPP)
}

/// lremovexattr(2)
pub fn lremovexattr(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    lookup(a[0], Last::NoFollow)?;
    Err(Errno::EOPNOTSUPP)
}

/// fremovexattr(2)
pub fn fremovexattr(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    fd::get(a[0])?;
    Err(Errno::EOPNOTSUPP)
}
