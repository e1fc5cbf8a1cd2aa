//! A doorbell: memory the host kernel writes when an fd becomes ready, so
//! that asking "did anything happen?" is a load instead of a syscall.
//!
//! It is an io_uring holding one request, a multishot poll of the fd. Each
//! time the fd becomes ready the kernel posts a completion, which moves the
//! completion ring's tail. It posts it from task work of the thread that
//! armed the poll, and that thread is kicked as for a signal: the work runs
//! before the thread next returns to user mode, whether from a syscall, an
//! interrupt or a sleep. So, for **that thread alone**, anything it learns
//! through a syscall made after the fd became ready, it learns after the bell
//! rang. Another thread, or a process sharing memory with it, can learn of
//! the event first; the owner of a doorbell decides whether that matters.
//!
//! Without io_uring (an old kernel, `kernel.io_uring_disabled`, a seccomp
//! filter) there is no doorbell and the caller asks the kernel each time.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU32, Ordering};

use rustix::io_uring::{
    io_uring_cqe, io_uring_enter, io_uring_params, io_uring_setup, io_uring_sqe,
    io_uring_user_data, IoringCqeFlags, IoringEnterFlags, IoringOp, IoringPollFlags,
    IoringSetupFlags, IoringSqFlags, IORING_OFF_SQES, IORING_OFF_SQ_RING,
};

/// Completions the ring holds before the kernel must keep them aside. The
/// bell only needs one; more spare the kernel ending the poll for want of
/// room when many rings come between two looks.
const CQ_ENTRIES: u32 = 16;

/// A private, shared-with-the-kernel mapping, unmapped on drop.
struct Mapping {
    at: *mut u8,
    len: usize,
}

impl Mapping {
    fn new(ring: BorrowedFd, len: usize, offset: u64) -> Option<Mapping> {
        let at = crate::host::map_shared(ring.as_raw_fd(), len, offset).ok()?;
        Some(Mapping { at: at.cast(), len })
    }

    /// The `u32` at byte `offset`, as the kernel shares it.
    fn word(&self, offset: u32) -> &AtomicU32 {
        assert!(offset as usize + 4 <= self.len && offset.is_multiple_of(4));
        // SAFETY: in bounds and aligned (checked); the mapping lives as long
        // as `self`, and the kernel only ever writes it as a u32.
        unsafe { &*self.at.add(offset as usize).cast::<AtomicU32>() }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: this mapping's own range, mapped in `new`.
        unsafe { libc::munmap(self.at.cast(), self.len) };
    }
}

pub struct Doorbell {
    rings: Mapping,
    sqes: Mapping,
    params: io_uring_params,
    /// The polled fd and what it is polled for.
    fd: RawFd,
    events: u32,
    /// The completion tail at the last [`Doorbell::answer`].
    seen: u32,
    /// Declared last: closed after the mappings are gone.
    ring: OwnedFd,
}

// SAFETY: the mappings are only read through atomics and written by the
// owner through `&mut self`.
unsafe impl Send for Doorbell {}

impl Doorbell {
    /// A doorbell that rings whenever `fd` reports any of `events` (poll(2)
    /// bits), armed by (and for) the calling thread. `fd` must stay open for
    /// as long as the doorbell is used.
    pub fn new(fd: BorrowedFd, events: u32) -> Option<Doorbell> {
        let mut params = io_uring_params::default();
        params.flags = IoringSetupFlags::CQSIZE;
        params.cq_entries = CQ_ENTRIES;
        // SAFETY: `params` is a valid io_uring_params the kernel fills in.
        let ring = unsafe { io_uring_setup(1, &mut params) }.ok()?;
        let sq_len = params.sq_off.array + params.sq_entries * 4;
        let cq_len =
            params.cq_off.cqes + params.cq_entries * std::mem::size_of::<io_uring_cqe>() as u32;
        // One mapping for both rings (IORING_FEAT_SINGLE_MMAP, Linux 5.4).
        let rings = Mapping::new(
            ring.as_fd(),
            sq_len.max(cq_len) as usize,
            IORING_OFF_SQ_RING,
        )?;
        let sqes_len = params.sq_entries as usize * std::mem::size_of::<io_uring_sqe>();
        let sqes = Mapping::new(ring.as_fd(), sqes_len, IORING_OFF_SQES)?;
        let mut bell = Doorbell {
            rings,
            sqes,
            params,
            fd: fd.as_raw_fd(),
            events,
            seen: 0,
            ring,
        };
        bell.seen = bell.tail().load(Ordering::Acquire);
        bell.arm().then_some(bell)
    }

    fn tail(&self) -> &AtomicU32 {
        self.rings.word(self.params.cq_off.tail)
    }

    /// Whether it rang since the last [`Doorbell::answer`] (or since it was
    /// made). A read of memory.
    pub fn rang(&self) -> bool {
        self.tail().load(Ordering::Acquire) != self.seen
    }

    /// Takes note of every ring so far: the caller then looks at what rang,
    /// and what happens after this call rings again. False when the bell is
    /// broken (the kernel ended the poll and it could not be armed again);
    /// the caller then drops it.
    pub fn answer(&mut self) -> bool {
        let cq = self.params.cq_off;
        let mask = self.rings.word(cq.ring_mask).load(Ordering::Relaxed);
        let mut ended = false;
        loop {
            let head = self.rings.word(cq.head).load(Ordering::Relaxed);
            let tail = self.tail().load(Ordering::Acquire);
            for i in head..tail {
                let at = cq.cqes + (i & mask) * std::mem::size_of::<io_uring_cqe>() as u32;
                // The flags word follows user_data (8 bytes) and res (4).
                let flags = self.rings.word(at + 12).load(Ordering::Relaxed);
                ended |= !IoringCqeFlags::from_bits_retain(flags).contains(IoringCqeFlags::MORE);
            }
            self.rings.word(cq.head).store(tail, Ordering::Release);
            self.seen = tail;
            let sq_flags = self
                .rings
                .word(self.params.sq_off.flags)
                .load(Ordering::Acquire);
            if !IoringSqFlags::from_bits_retain(sq_flags).contains(IoringSqFlags::CQ_OVERFLOW) {
                break;
            }
            // Completions the ring had no room for were kept aside: have
            // them posted, and take note of them too.
            // SAFETY: no submissions, no arguments.
            if unsafe { io_uring_enter(&self.ring, 0, 0, IoringEnterFlags::GETEVENTS) }.is_err() {
                return false;
            }
        }
        !ended || self.arm()
    }

    /// Submits the multishot poll.
    fn arm(&mut self) -> bool {
        let sq = self.params.sq_off;
        let mask = self.rings.word(sq.ring_mask).load(Ordering::Relaxed);
        let tail = self.rings.word(sq.tail).load(Ordering::Relaxed);
        let index = tail & mask;
        let mut sqe = io_uring_sqe {
            opcode: IoringOp::PollAdd,
            fd: self.fd,
            user_data: io_uring_user_data::from_u64(1),
            ..Default::default()
        };
        sqe.len.poll_flags = IoringPollFlags::ADD_MULTI;
        sqe.op_flags.poll32_events = self.events;
        assert!(index < self.params.sq_entries);
        // SAFETY: entry `index` of the submission array mapped in `new`,
        // which the kernel does not read until the tail moves past it.
        unsafe {
            self.sqes
                .at
                .cast::<io_uring_sqe>()
                .add(index as usize)
                .write(sqe)
        };
        self.rings
            .word(sq.array + index * 4)
            .store(index, Ordering::Relaxed);
        self.rings
            .word(sq.tail)
            .store(tail.wrapping_add(1), Ordering::Release);
        // SAFETY: the one entry written above, and no arguments.
        let submitted = unsafe { io_uring_enter(&self.ring, 1, 0, IoringEnterFlags::empty()) };
        submitted == Ok(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_when_the_fd_becomes_ready_and_only_then() {
        let (r, w) = rustix::pipe::pipe().unwrap();
        let Some(mut bell) = Doorbell::new(r.as_fd(), libc::POLLIN as u32) else {
            eprintln!("no io_uring here: nothing to test");
            return;
        };
        assert!(!bell.rang());
        rustix::io::write(&w, b"x").unwrap();
        // The completion is posted before this thread left the write.
        assert!(bell.rang());
        assert!(bell.answer());
        assert!(!bell.rang(), "answered");
        let mut buf = [0u8; 8];
        rustix::io::read(&r, &mut buf).unwrap();
        assert!(!bell.rang(), "reading rings nothing");
        for _ in 0..3 * CQ_ENTRIES {
            rustix::io::write(&w, b"y").unwrap();
        }
        assert!(bell.rang());
        rustix::io::read(&r, &mut [0u8; 64]).unwrap();
        // A poll armed again rings at once if the fd is still ready, so the
        // pipe is drained first.
        assert!(
            bell.answer(),
            "re-armed after more rings than the ring holds"
        );
        assert!(!bell.rang());
        rustix::io::write(&w, b"z").unwrap();
        assert!(bell.rang(), "still armed");
    }

    #[test]
    fn another_threads_event_has_rung_once_the_owner_hears_of_it() {
        let (r, w) = rustix::pipe::pipe().unwrap();
        let Some(bell) = Doorbell::new(r.as_fd(), libc::POLLIN as u32) else {
            return;
        };
        // The join is the owner's syscall returning after the event.
        std::thread::spawn(move || rustix::io::write(&w, b"x").unwrap())
            .join()
            .unwrap();
        assert!(bell.rang());
    }
}
