//! The Linux x86-64 ABI as ninux needs it: syscall numbers (generated), errno,
//! `#[repr(C)]` structs with size asserts, flags as bitflags, signals and auxv.
//! Linux vocabulary only.

pub mod auxv;
pub mod errno;
pub mod flags;
#[doc(hidden)]
pub mod gen;
pub mod net;
pub mod signal;
pub mod signal_frame;
pub mod structs;
pub mod sysno;

pub use errno::Errno;
pub use sysno::{nr, SYSCALLS};

/// The name of syscall `number`, if the table has one.
pub fn syscall_name(number: u64) -> Option<&'static str> {
    SYSCALLS
        .binary_search_by_key(&number, |r| r.0 as u64)
        .ok()
        .map(|i| SYSCALLS[i].1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_look_up() {
        assert_eq!(super::syscall_name(0), Some("read"));
        assert_eq!(super::syscall_name(257), Some("openat"));
        assert_eq!(super::syscall_name(400), None);
    }
}
