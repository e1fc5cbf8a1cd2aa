//! Kernel operations as `ninux trace --kernel` shows them: walks through
//! unions (which member held the name), where creates land, device opens and
//! the 9P messages of mounted servers, in Plan 9 vocabulary.
//!
//! The kernel knows nothing of syscalls: it only collects lines per host
//! thread, and whoever made the call (the personality's dispatch) takes them
//! with [`take`] and prints them under its own line. Off, the cost is one
//! relaxed atomic load per call site: callers check [`enabled`] before
//! formatting anything.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(false);

thread_local! {
    static LINES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Lines kept per thread at most: a runaway operation (a huge directory
/// read) must not grow memory without bound between two syscalls.
const MAX_LINES: usize = 256;

/// Turns collection on or off for every thread.
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// Whether operations are being collected; check before formatting.
#[inline]
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Records one operation of the calling thread.
pub fn emit(line: String) {
    if !enabled() {
        return;
    }
    LINES.with(|l| {
        let mut l = l.borrow_mut();
        if l.len() < MAX_LINES {
            l.push(line);
        } else if l.len() == MAX_LINES {
            l.push("…".into());
        }
    });
}

/// The calling thread's lines since the last call, oldest first.
pub fn take() -> Vec<String> {
    LINES.with(|l| std::mem::take(&mut *l.borrow_mut()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_per_thread_only_when_enabled() {
        emit("dropped".into());
        assert!(take().is_empty() || !enabled());
        set_enabled(true);
        emit("walk /a".into());
        let other = std::thread::spawn(take).join().unwrap();
        assert!(other.is_empty());
        assert_eq!(take(), vec!["walk /a".to_string()]);
        set_enabled(false);
    }
}
