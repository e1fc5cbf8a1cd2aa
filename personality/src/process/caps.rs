//! capget and capset. Capabilities follow the personality's credentials:
//! a guest whose effective uid is 0 has the capabilities the host gave
//! ninux (what root would have natively on this host), one that is not
//! has none, as Linux clears them when root gives up its uid.

use super::creds;
use crate::fs::from_host;
use crate::mem::{read_bytes, write_bytes};
use crate::SysResult;
use abi::Errno;
use platform::{host, Trap};

const VERSION_1: u32 = 0x1998_0330;
const VERSION_2: u32 = 0x2007_1026;
const VERSION_3: u32 = 0x2008_0522;

/// The number of `{effective, permitted, inheritable}` words a version
/// carries.
fn sets(version: u32) -> Option<usize> {
    match version {
        VERSION_1 => Some(1),
        VERSION_2 | VERSION_3 => Some(2),
        _ => None,
    }
}

fn header(addr: u64) -> Result<(u32, i32), Errno> {
    let h = read_bytes(addr, 8)?;
    Ok((
        u32::from_ne_bytes([h[0], h[1], h[2], h[3]]),
        i32::from_ne_bytes([h[4], h[5], h[6], h[7]]),
    ))
}

fn is_self(pid: i32) -> bool {
    pid == 0 || pid == host::getpid() || pid == platform::gettid()
}

/// capget(2)
pub fn capget(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (version, pid) = header(a[0])?;
    let Some(n) = sets(version) else {
        // Linux answers an unknown version with the one it prefers.
        write_bytes(a[0], &VERSION_3.to_ne_bytes())?;
        return if a[1] == 0 { Ok(0) } else { Err(Errno::EINVAL) };
    };
    if pid < 0 {
        return Err(Errno::EINVAL);
    }
    if a[1] == 0 {
        return Ok(0);
    }
    let mut data = [0u8; 24];
    host::capget(VERSION_3, pid, &mut data).map_err(from_host)?;
    if is_self(pid) && !creds::root_effective() {
        data = [0; 24];
    }
    write_bytes(a[1], &data[..12 * n])?;
    Ok(0)
}

/// capset(2): a guest that is root sets the host's capabilities of ninux
/// (dropping some is then felt by ninux's own work for it, as by a
/// program's on Linux); one that is not may only keep having none.
pub fn capset(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (version, pid) = header(a[0])?;
    let Some(n) = sets(version) else {
        write_bytes(a[0], &VERSION_3.to_ne_bytes())?;
        return Err(Errno::EINVAL);
    };
    if !is_self(pid) {
        return Err(Errno::EPERM);
    }
    let mut data = [0u8; 24];
    data[..12 * n].copy_from_slice(&read_bytes(a[1], 12 * n)?);
    if !creds::root_effective() {
        return if data.iter().all(|&b| b == 0) {
            Ok(0)
        } else {
            Err(Errno::EPERM)
        };
    }
    host::capset(VERSION_3, &mut data).map_err(from_host)
}
