//! Process and thread syscalls.

pub mod arch;
pub mod caps;
pub mod creds;
pub mod exec;
pub mod ids;
pub mod pidfd;
pub mod run_limit;
pub mod thread;
pub(crate) mod vfork;
pub mod wait;
