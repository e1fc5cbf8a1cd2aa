//! Host signals that interrupted guest code: synchronous faults (SIGSEGV,
//! SIGBUS, SIGILL, SIGFPE, SIGTRAP raised by a guest instruction) and every
//! other signal ninux catches for the guest. A fault goes to the guest's
//! handler if it has one and does not block the signal; otherwise the guest
//! dies of it, reported with the faulting address and instruction (Linux's
//! force_sig: a blocked or ignored fault kills).

use super::deliver::{deliver, is_handler};
use crate::state::{lock, process};
use abi::signal::SigSet;
use platform::{uaccess, Fault, Trap};

/// The platform's handler for signals that interrupted guest code.
pub fn fault(t: &mut Trap, f: &Fault) {
    let mask = t.sigmask();
    if !f.is_synchronous() {
        // Sent (kill, a timer, the terminal): the host delivered it because
        // the guest's mask, which is the host's while guest code runs, allows it.
        deliver(t, &f.info, mask, mask);
        return;
    }
    let handler = lock(&process().sigactions)[f.signo as usize - 1].handler;
    if is_handler(handler) && !SigSet(mask).contains(f.signo) {
        deliver(t, &f.info, mask, mask);
        return;
    }
    // Only `ninux run`'s own process reports, as a shell reports its
    // command: a child's death is its parent's to report.
    if crate::process::run_limit::is_leader() {
        let what = describe(f);
        platform::write_stderr(format!("ninux: guest killed by {what}\n").as_bytes());
    }
    crate::exec::die_by_signal(f.signo)
}

fn describe(f: &Fault) -> String {
    let name = abi::signal::name(f.signo);
    let code = code_name(f.signo, f.code);
    let insn = instruction_at(f.rip).unwrap_or_else(|| "(instruction not readable)".into());
    match f.signo {
        libc::SIGSEGV | libc::SIGBUS => format!(
            "{name} ({code}) accessing {:#x} at rip {:#x}: {insn}",
            f.addr, f.rip
        ),
        _ => format!("{name} ({code}) at rip {:#x}: {insn}", f.rip),
    }
}

/// The instruction at `rip`, decoded; reads fewer bytes near an unmapped page.
fn instruction_at(rip: u64) -> Option<String> {
    for len in [16usize, 8, 4, 1] {
        let mut bytes = vec![0u8; len];
        if uaccess::copy_in(&mut bytes, rip).is_ok() {
            return loader::disasm::instruction_at(&bytes, rip);
        }
    }
    None
}

fn code_name(signo: i32, code: i32) -> &'static str {
    match (signo, code) {
        (libc::SIGSEGV, 1) => "SEGV_MAPERR",
        (libc::SIGSEGV, 2) => "SEGV_ACCERR",
        (libc::SIGBUS, 1) => "BUS_ADRALN",
        (libc::SIGBUS, 2) => "BUS_ADRERR",
        (libc::SIGILL, 1) => "ILL_ILLOPC",
        (libc::SIGILL, 2) => "ILL_ILLOPN",
        (libc::SIGFPE, 1) => "FPE_INTDIV",
        (libc::SIGFPE, 2) => "FPE_INTOVF",
        (libc::SIGTRAP, 1) => "TRAP_BRKPT",
        (libc::SIGTRAP, 2) => "TRAP_TRACE",
        (_, 0x80) => "SI_KERNEL",
        (_, 0) => "SI_USER",
        _ => "?",
    }
}
