//! The file syscall families. Files come from the process's Plan 9
//! namespace (`path.rs` resolves Linux paths on it); stdio and pipes are
//! plain host fds.

pub mod attr;
pub mod dir;
pub mod epoll;
pub mod fd;
pub mod inotify;
pub mod ioctl;
pub mod memfd;
pub mod open;
pub mod path;
pub mod pipe;
pub mod poll;
pub mod read_write;
pub mod stat;
pub mod xattr;
pub mod xfer;

use abi::Errno;

/// Host errors are Linux errno values already: the host is Linux.
pub fn from_host(e: i32) -> Errno {
    Errno(e)
}
