//! System information and time.

pub mod info;
pub mod ipc;
pub mod sched;
pub mod time;
pub mod timers;
