//! The Linux personality: the one declarative syscall table (`table.rs`) and
//! its handlers, one file per syscall family, plus the Linux process state
//! (fd table, signal dispositions, memory map, limits). It speaks both
//! vocabularies: Linux (from `abi`) towards the guest, Plan 9 (from `kernel`)
//! towards the namespace, and host Linux through `platform`; each handler says
//! which it is translating.
//!
//! Handlers have one shape: named exactly as Linux names the syscall, typed
//! arguments decoded in the first lines, a doc line naming the man page, and a
//! [`SysResult`]; the negation to `-errno` happens once, in `dispatch.rs`.

mod absent_args;
pub mod devices;
mod dispatch;
pub mod exec;
mod fs;
mod mem;
mod mm;
mod net;
mod process;
pub mod rewrite;
mod signal;
mod state;
mod sys;
pub mod table;
pub mod trace;

pub use abi::Errno;
pub use dispatch::{set_trace, TraceMode, SYSCALL_LOG_ENV};
pub use exec::{run, Program, RunError};
pub use fs::fd::remember_inherited as remember_inherited_fds;
pub use trace::set_trace_output;

/// What every handler returns: the syscall's value, or a Linux errno.
pub type SysResult = Result<u64, Errno>;
