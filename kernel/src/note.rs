//! Waiting for the notes that end a server: "interrupt" (SIGINT), "hangup"
//! (SIGHUP) and "kill"-like SIGTERM, taken synchronously with sigwait so that
//! `ninux serve` can shut down cleanly (remove its socket and temporary
//! layer) instead of dying mid-write.

/// The signals blocked here, so every thread started later inherits the
/// block and only [`wait_termination`] receives them.
fn set() -> libc::sigset_t {
    // SAFETY: sigemptyset/sigaddset only write the local set we own.
    unsafe {
        let mut s: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut s);
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::sigaddset(&mut s, sig);
        }
        s
    }
}

/// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread. Call before
/// starting threads.
pub fn block_termination() {
    let s = set();
    // SAFETY: a valid set pointer and a null old-set pointer.
    unsafe {
        libc::pthread_sigmask(libc::SIG_BLOCK, &s, std::ptr::null_mut());
    }
}

/// Waits for one of the blocked signals; returns its note name.
pub fn wait_termination() -> &'static str {
    let s = set();
    let mut sig: libc::c_int = 0;
    // SAFETY: valid pointers to a set and an int we own.
    let r = unsafe { libc::sigwait(&s, &mut sig) };
    match (r, sig) {
        (0, libc::SIGINT) => "interrupt",
        (0, libc::SIGHUP) => "hangup",
        _ => "kill",
    }
}
