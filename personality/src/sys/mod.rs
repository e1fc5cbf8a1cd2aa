//! System information and time.

pub mod info;
pub mod time;
pub mod timers;
