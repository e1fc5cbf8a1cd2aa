//! A host file mapped read-only into ninux's own memory, for reading a
//! whole file without copying it (the rewriter reads a shared library's
//! headers and text as the guest maps it): only the pages looked at are
//! touched, and they are the page cache's own.

use crate::host::result;
use libc::c_void;

pub struct MappedFile {
    at: *const u8,
    len: usize,
}

impl MappedFile {
    /// Maps the first `len` bytes of host fd `fd` (len > 0) read-only.
    pub fn new(fd: i32, len: usize) -> Result<MappedFile, i32> {
        if len == 0 {
            return Err(libc::EINVAL);
        }
        // SAFETY: a fresh private read-only mapping chosen by the host; it
        // replaces nothing, and only this value reads or unmaps it.
        let at = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                fd,
                0,
            )
        };
        if at == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EIO));
        }
        Ok(MappedFile {
            at: at as *const u8,
            len,
        })
    }
}

impl std::ops::Deref for MappedFile {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // SAFETY: `len` readable bytes are mapped at `at` until drop. (A file
        // truncated meanwhile makes pages past its new end fault with SIGBUS,
        // which ends the run; callers map files whose size they have just
        // read, for the moment of one syscall.)
        unsafe { std::slice::from_raw_parts(self.at, self.len) }
    }
}

impl Drop for MappedFile {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once.
        let _ = result(unsafe { libc::munmap(self.at as *mut c_void, self.len) } as i64);
    }
}
