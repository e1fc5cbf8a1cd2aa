//! fstat and newfstatat on open fds.

use super::{fd, from_host};
use crate::mem::{read_path, Out};
use crate::SysResult;
use abi::flags::at;
use abi::structs::Stat;
use abi::Errno;
use platform::{host, Trap};

/// fstat(2)
pub fn fstat(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (fd, buf) = (a[0], Out::<Stat>::new(a[1]));
    let file = fd::get(fd)?;
    let st = host::fstat(file.host).map_err(from_host)?;
    buf.write(&st)?;
    Ok(0)
}

/// newfstatat(2): with AT_EMPTY_PATH and "" it is fstat; paths need the namespace.
pub fn newfstatat(t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (dirfd, path, flags) = (a[0], a[1], a[3] as u32);
    let valid = at::EMPTY_PATH | at::SYMLINK_NOFOLLOW | at::NO_AUTOMOUNT;
    if flags & !valid != 0 {
        return Err(Errno::EINVAL);
    }
    let path = read_path(path)?;
    if path.is_empty() {
        if flags & at::EMPTY_PATH == 0 {
            return Err(Errno::ENOENT);
        }
        return fstat(t, [dirfd, a[2], 0, 0, 0, 0]);
    }
    // Paths resolve through the namespace, which the file issue brings.
    Err(Errno::ENOENT)
}
