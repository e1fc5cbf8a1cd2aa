//! A counter every ninux process of a run sees alike: one 64-bit word of a
//! host file mapped `MAP_SHARED`. Forked children inherit the mapping and
//! re-exec'd ninuxes map the same file again, so a process that changes
//! something others may have cached bumps it, and the others notice with a
//! plain memory read instead of a syscall.

use std::ffi::CString;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct SharedCounter {
    word: *const AtomicU64,
}

// SAFETY: the word is only touched through atomic operations.
unsafe impl Send for SharedCounter {}
// SAFETY: as above.
unsafe impl Sync for SharedCounter {}

const LEN: usize = 8;

impl SharedCounter {
    /// Maps the counter kept in file `name` of host directory `dir` (made,
    /// zero, when missing). A host errno when it cannot.
    pub fn open(dir: i32, name: &str) -> Result<SharedCounter, i32> {
        let c = CString::new(name).map_err(|_| libc::EINVAL)?;
        let flags = libc::O_RDWR | libc::O_CREAT | libc::O_CLOEXEC | libc::O_NOFOLLOW;
        // SAFETY: a NUL-terminated name; the fd returned is closed below.
        let fd = unsafe { libc::openat(dir, c.as_ptr(), flags, 0o600) };
        if fd < 0 {
            return Err(crate::host::last_errno());
        }
        let mapped = Self::map(fd);
        crate::host::close(fd);
        mapped
    }

    fn map(fd: i32) -> Result<SharedCounter, i32> {
        let st = crate::host::fstat(fd)?;
        if st.st_mode & libc::S_IFMT != libc::S_IFREG {
            return Err(libc::EINVAL);
        }
        // Growing to 8 bytes zero-fills; two processes doing it at once agree.
        // SAFETY: plain syscalls on an fd this function was given.
        if st.st_size < LEN as i64 && unsafe { libc::ftruncate(fd, LEN as i64) } != 0 {
            return Err(crate::host::last_errno());
        }
        // Only this value unmaps it.
        let at = crate::host::map_shared(fd, LEN, 0)?;
        Ok(SharedCounter {
            word: at as *const AtomicU64,
        })
    }

    /// The current value.
    pub fn get(&self) -> u64 {
        // SAFETY: `word` points into a live, aligned (page-start) mapping.
        unsafe { &*self.word }.load(Ordering::Acquire)
    }

    /// Adds one, after the change it announces is made.
    pub fn bump(&self) {
        // SAFETY: as in `get`.
        unsafe { &*self.word }.fetch_add(1, Ordering::AcqRel);
    }
}

impl Drop for SharedCounter {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `map`, unmapped once; no reference to
        // the word outlives `&self`.
        unsafe { libc::munmap(self.word as *mut libc::c_void, LEN) };
    }
}
