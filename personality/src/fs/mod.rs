//! The file syscall families. Until files come from the namespace, every
//! guest fd is backed by a host fd (the guest's stdio, duplicated).

pub mod fd;
pub mod ioctl;
pub mod pipe;
pub mod read_write;
pub mod readlink;
pub mod stat;

use abi::Errno;

/// Host errors are Linux errno values already: the host is Linux.
pub fn from_host(e: i32) -> Errno {
    Errno(e)
}
