//! Signals that reached ninux's own code instead of guest code: kept per
//! thread until the dispatcher's exit path delivers them (a blocking host
//! call they interrupted returns EINTR meanwhile), or sent on to a guest
//! thread when they landed on one of ninux's own threads.

use abi::signal_frame::Siginfo;

// Signals that reached ninux's own code on a guest thread, kept until the
// dispatcher's exit path (one slot per signal number: like Linux's standard
// signals they coalesce). Written from a signal handler, so plain cells.
thread_local! {
    static DEFERRED: [std::cell::Cell<Siginfo>; 64] =
        const { [const { std::cell::Cell::new(SIGINFO_NONE) }; 64] };
    static DEFERRED_BITS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

const SIGINFO_NONE: Siginfo = Siginfo {
    signo: 0,
    errno: 0,
    code: 0,
    _pad: 0,
    fields: [0; 14],
};

pub(crate) fn defer(info: &Siginfo) {
    let sig = info.signo;
    if !(1..=64).contains(&sig) {
        return;
    }
    DEFERRED.with(|d| d[sig as usize - 1].set(*info));
    DEFERRED_BITS.with(|b| b.set(b.get() | 1 << (sig - 1)));
}

/// Whether a signal that reached ninux's code on this thread waits.
pub(crate) fn any_deferred() -> bool {
    DEFERRED_BITS.with(|b| b.get()) != 0
}

/// The lowest-numbered signal that reached ninux's code on this thread and
/// is still to be delivered to the guest, taken off the list.
pub fn take_deferred_signal() -> Option<Siginfo> {
    let bits = DEFERRED_BITS.with(|b| b.get());
    if bits == 0 {
        return None;
    }
    let i = bits.trailing_zeros() as usize;
    DEFERRED_BITS.with(|b| b.set(b.get() & !(1 << i)));
    Some(DEFERRED.with(|d| d[i].get()))
}

thread_local! {
    /// Set while a fast trap runs ninux with the guest's mask: a requeued
    /// signal would come straight back to ninux, so it stays deferred.
    static HOLD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static HELD: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Starts or ends holding requeued signals (fast.rs). At the end the held
/// ones are deferred again, for the next syscall's exit path to deliver.
pub(crate) fn hold_requeued(on: bool) {
    HOLD.with(|h| h.set(on));
    if !on {
        let held = HELD.with(|h| h.replace(0));
        DEFERRED_BITS.with(|b| b.set(b.get() | held));
    }
}

/// Sends a signal back to this thread with its original siginfo, for the
/// host kernel to deliver (through ninux) once the guest's mask allows.
pub fn requeue_signal(info: &Siginfo) {
    if HOLD.with(|h| h.get()) && (1..=64).contains(&info.signo) {
        HELD.with(|h| h.set(h.get() | 1 << (info.signo - 1)));
        return;
    }
    // SAFETY: rt_tgsigqueueinfo reads one siginfo; sending to ourselves may
    // carry any si_code.
    let r = unsafe {
        libc::syscall(
            libc::SYS_rt_tgsigqueueinfo,
            libc::getpid(),
            libc::gettid(),
            info.signo,
            info as *const Siginfo,
        )
    };
    if r < 0 {
        // SAFETY: a plain signal to ourselves.
        unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), libc::gettid(), info.signo) };
    }
}

/// The first thread that entered guest code: where signals that land on one
/// of ninux's own threads are sent on.
static FIRST_GUEST_TID: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

pub(crate) fn note_guest_thread(tid: i32) {
    let _ = FIRST_GUEST_TID.compare_exchange(
        0,
        tid,
        std::sync::atomic::Ordering::Relaxed,
        std::sync::atomic::Ordering::Relaxed,
    );
}

/// A forked child's only guest thread is the one that forked.
pub(crate) fn set_first_guest_thread(tid: i32) {
    FIRST_GUEST_TID.store(tid, std::sync::atomic::Ordering::Relaxed);
}

pub(crate) fn forward_to_guest_thread(info: &Siginfo) {
    let tid = FIRST_GUEST_TID.load(std::sync::atomic::Ordering::Relaxed);
    if tid == 0 {
        return;
    }
    // SAFETY: a plain signal to a thread of our own process. The siginfo is
    // lost: queueing it to another thread needs si_code < 0.
    unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), tid, info.signo) };
}
