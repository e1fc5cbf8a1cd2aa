//! memfd_create: an anonymous file in host memory. The guest gets the host
//! memfd itself, so reads, writes, ftruncate, mmap (shared between the
//! processes holding it), seals and /proc/self/fd's `/memfd:NAME
//! (deleted)` are the host's.

use super::{fd, from_host};
use crate::SysResult;
use abi::Errno;
use platform::{host, uaccess, Trap};

const MFD_CLOEXEC: u32 = 0x1;
const MFD_ALLOW_SEALING: u32 = 0x2;
const MFD_HUGETLB: u32 = 0x4;
const MFD_NOEXEC_SEAL: u32 = 0x8;
const MFD_EXEC: u32 = 0x10;
/// MFD_HUGETLB's page size bits (MFD_HUGE_2MB and the like).
const MFD_HUGE_MASK: u32 = 0x3f << 26;

/// memfd_create(2)
pub fn memfd_create(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let flags = u32::try_from(a[1]).map_err(|_| Errno::EINVAL)?;
    let known = MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC;
    if flags & !(known | MFD_HUGE_MASK) != 0 {
        return Err(Errno::EINVAL);
    }
    // Linux's limit: 249 bytes of name, after the `memfd:` prefix.
    let name = match uaccess::read_cstr(a[0], 249) {
        Ok(name) => name,
        Err(uaccess::StrError::BadAddress) => return Err(Errno::EFAULT),
        Err(uaccess::StrError::TooLong) => return Err(Errno::EINVAL),
    };
    let name = std::ffi::CString::new(name).map_err(|_| Errno::EINVAL)?;
    let host_fd = host::memfd_create_with(&name, flags & !MFD_CLOEXEC).map_err(from_host)?;
    fd::install(host_fd, flags & MFD_CLOEXEC != 0)
}
