//! readlink and readlinkat. Until files come from the namespace, only
//! /proc/self/exe is answered (glibc's static start-up reads it).

use crate::mem::{read_path, write_bytes};
use crate::state::process;
use crate::SysResult;
use abi::Errno;
use platform::Trap;

fn answer(path: &[u8], buf: u64, size: u64) -> SysResult {
    if (size as i64) <= 0 {
        return Err(Errno::EINVAL);
    }
    let target: &[u8] = match path {
        b"/proc/self/exe" | b"/proc/thread-self/exe" => &process().exe,
        _ => {
            let own = format!("/proc/{}/exe", std::process::id());
            if path == own.as_bytes() {
                &process().exe
            } else {
                return Err(Errno::ENOENT);
            }
        }
    };
    // readlink does not NUL-terminate and silently truncates.
    let n = target.len().min(size as usize);
    write_bytes(buf, &target[..n])?;
    Ok(n as u64)
}

/// readlink(2)
pub fn readlink(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (path, buf, size) = (read_path(a[0])?, a[1], a[2]);
    answer(&path, buf, size)
}

/// readlinkat(2)
pub fn readlinkat(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (path, buf, size) = (read_path(a[1])?, a[2], a[3]);
    if !path.starts_with(b"/") {
        return Err(Errno::ENOENT);
    }
    answer(&path, buf, size)
}
