//! Signal syscalls and signal delivery.

pub mod action;
pub mod deliver;
pub mod fault;
pub mod kill;
pub mod signalfd;
pub mod timer;
pub mod wait;
