//! Process and thread syscalls.

pub mod arch;
pub mod ids;
pub mod thread;
pub mod wait;
