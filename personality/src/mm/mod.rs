//! Memory syscalls: the guest's mappings are host mappings in ninux's own
//! address space, made through `platform::mm`, which refuses anything that
//! would touch ninux's memory.

pub mod brk;
pub mod mmap;
pub mod names;
pub mod shared;
