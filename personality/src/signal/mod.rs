//! Signal syscalls.

pub mod action;
pub mod fault;
pub mod kill;
