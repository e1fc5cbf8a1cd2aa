//! CLONE_VFORK on a host fork. Linux's vfork child borrows its parent's
//! memory, and the parent waits until the child execs or ends; ninux's
//! child is a host fork, whose memory is a copy. So:
//!
//! - the parent waits on a close-on-exec host pipe whose write end only the
//!   child holds: the host closes it when the child ends, and the child
//!   closes it when it execs in place;
//! - before it ends without exec, the child sends down that pipe every
//!   guest page it wrote since the fork (`platform::pagemap`), and the
//!   parent writes them into its own memory at the same addresses. What
//!   the child wrote is then there when the parent goes on, as on Linux:
//!   glibc's posix_spawn error code, busybox's errno of a failed exec.
//!
//! A child that execs carries nothing back: finding its pages costs a
//! fifth of a posix_spawn, and no vfork caller known reads what a child
//! wrote before a successful exec (glibc's and Go's write nothing then).
//!
//! Pages are carried only when the parent had one thread: another thread
//! could be writing the same pages meanwhile, and a whole page carried back
//! would undo its writes. (Go's children, the usual multithreaded vfork,
//! report through a pipe of their own.)

use crate::state::process;
use platform::{host, pagemap, uaccess};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// In a vfork child, the write end of the pipe its parent waits on (-1
/// otherwise).
static PARENT_PIPE: AtomicI32 = AtomicI32::new(-1);
/// Whether the child's writes are to be carried to its parent.
static CARRY: AtomicBool = AtomicBool::new(false);

/// A record on the pipe: the address and length of the bytes that follow.
const HEADER: usize = 16;
/// The parent copies a record through a buffer of this size.
const CHUNK: usize = 64 * 1024;

/// The parent's side, made before the fork.
pub(crate) struct Wait {
    r: i32,
    w: i32,
    carry: bool,
}

impl Wait {
    pub(crate) fn new() -> Option<Wait> {
        let [r, w] = host::pipe2(0).ok()?;
        let carry = process().live_threads.load(Ordering::SeqCst) == 1;
        Some(Wait { r, w, carry })
    }

    /// The fork failed.
    pub(crate) fn abandon(self) {
        host::close(self.r);
        host::close(self.w);
    }

    /// In the child: it holds the write end until it execs or ends.
    pub(crate) fn in_child(self) {
        host::close(self.r);
        CARRY.store(self.carry, Ordering::SeqCst);
        PARENT_PIPE.store(self.w, Ordering::SeqCst);
    }

    /// In the parent: waits for the child's exec or end, taking in what it
    /// wrote. A signal does not end the wait, as Linux's is not interrupted.
    pub(crate) fn in_parent(self) {
        host::close(self.w);
        let mut header = [0u8; HEADER];
        let mut buf = Vec::new();
        while read_full(self.r, &mut header) {
            let addr = u64::from_ne_bytes(header[..8].try_into().unwrap_or_default());
            let len = u64::from_ne_bytes(header[8..].try_into().unwrap_or_default());
            if buf.is_empty() {
                buf = vec![0u8; CHUNK];
            }
            let mut done = 0u64;
            while done < len {
                let n = (len - done).min(CHUNK as u64) as usize;
                if !read_full(self.r, &mut buf[..n]) {
                    break;
                }
                // A page the parent no longer has writable is the child's
                // own doing (its mmap or mprotect); Linux would share those
                // too, but ninux's child has its own map.
                let _ = uaccess::copy_out(addr + done, &buf[..n]);
                done += n as u64;
            }
        }
        host::close(self.r);
    }
}

/// Reads all of `buf`; false at the pipe's end (or a short record).
fn read_full(fd: i32, buf: &mut [u8]) -> bool {
    let mut got = 0;
    while got < buf.len() {
        match host::read_local(fd, &mut buf[got..], None) {
            Ok(0) => return false,
            Ok(n) => got += n,
            Err(libc::EINTR) => continue,
            Err(_) => return false,
        }
    }
    true
}

/// In a vfork child, sends the parent what the child wrote; called as it
/// ends.
pub(crate) fn carry_writes() {
    let w = PARENT_PIPE.load(Ordering::SeqCst);
    if w < 0 || !CARRY.swap(false, Ordering::SeqCst) {
        return;
    }
    let runs = match pagemap::written_since_fork() {
        Ok(runs) => runs,
        Err(e) => {
            log::warn!("vfork: cannot tell which pages the child wrote: {e}");
            return;
        }
    };
    for (addr, len) in runs {
        let mut header = [0u8; HEADER];
        header[..8].copy_from_slice(&addr.to_ne_bytes());
        header[8..].copy_from_slice(&len.to_ne_bytes());
        if !write_full(w, &header) || !write_guest_full(w, addr, len) {
            return;
        }
    }
}

fn write_full(fd: i32, buf: &[u8]) -> bool {
    let mut done = 0;
    while done < buf.len() {
        match host::write_local(fd, &buf[done..], None) {
            Ok(n) => done += n,
            Err(libc::EINTR) => continue,
            Err(_) => return false,
        }
    }
    true
}

/// Writes guest memory `[addr, addr+len)` to `fd`.
fn write_guest_full(fd: i32, addr: u64, len: u64) -> bool {
    let mut done = 0;
    while done < len {
        match host::write(fd, addr + done, len - done) {
            Ok(n) => done += n,
            Err(libc::EINTR) => continue,
            Err(_) => return false,
        }
    }
    true
}

/// In a process just forked: a vfork parent its own parent may have had
/// waits for that parent alone, not for this child too.
pub(crate) fn forget_parent() {
    CARRY.store(false, Ordering::SeqCst);
    release_parent();
}

/// Lets a vfork parent go on: the child execs in place, which the host
/// does not see.
pub(crate) fn release_parent() {
    let w = PARENT_PIPE.swap(-1, Ordering::SeqCst);
    if w >= 0 {
        host::close(w);
    }
}
