//! Copies between ninux and guest memory that turn bad guest pointers into
//! an error instead of a crash (the copy instruction's faults are fixed up by
//! the host signal handler).

use crate::asm;

/// A guest address range was not readable or writable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadAddress;

/// Guest pointers must lie in the lower half; a range must not wrap.
fn in_user_space(addr: u64, len: usize) -> bool {
    addr.checked_add(len as u64)
        .is_some_and(|end| end <= 0x7fff_ffff_f000)
}

/// Copies `dst.len()` bytes from guest address `src`.
pub fn copy_in(dst: &mut [u8], src: u64) -> Result<(), BadAddress> {
    if dst.is_empty() {
        return Ok(());
    }
    if !in_user_space(src, dst.len()) {
        return Err(BadAddress);
    }
    // SAFETY: dst is a valid host buffer; faults on src are fixed up.
    let r = unsafe { asm::ninux_copy_bytes(dst.as_mut_ptr(), src as *const u8, dst.len()) };
    if r == 0 {
        Ok(())
    } else {
        Err(BadAddress)
    }
}

/// Copies `src` to guest address `dst`, which must be guest-owned memory:
/// a guest must not be able to make ninux write over its own memory.
pub fn copy_out(dst: u64, src: &[u8]) -> Result<(), BadAddress> {
    if src.is_empty() {
        return Ok(());
    }
    if !in_user_space(dst, src.len()) || !crate::mm::owns(dst, src.len() as u64) {
        return Err(BadAddress);
    }
    // SAFETY: the range is guest memory per the address-space bookkeeping;
    // faults (e.g. read-only pages) are fixed up.
    let r = unsafe { asm::ninux_copy_bytes(dst as *mut u8, src.as_ptr(), src.len()) };
    if r == 0 {
        Ok(())
    } else {
        Err(BadAddress)
    }
}

/// Why a guest C string could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrError {
    BadAddress,
    /// No NUL within `max` bytes.
    TooLong,
}

/// Reads a NUL-terminated string of at most `max` bytes (excluding the NUL).
/// Chunks never cross a page boundary, so a string ending just before an
/// unmapped page reads; they start small and double, as most strings (paths,
/// environment entries) are short and every syscall with a path reads one.
pub fn read_cstr(addr: u64, max: usize) -> Result<Vec<u8>, StrError> {
    let mut out = Vec::new();
    read_cstr_into(addr, max, &mut out)?;
    Ok(out)
}

/// [`read_cstr`], appending the string (without its NUL) to `out`; on an
/// error `out` may hold part of it.
pub fn read_cstr_into(addr: u64, max: usize, out: &mut Vec<u8>) -> Result<(), StrError> {
    let start = out.len();
    let mut at = addr;
    let mut want = 128;
    loop {
        let page_left = (4096 - (at % 4096)) as usize;
        let read = out.len() - start;
        let chunk = page_left.min(want).min(max + 1 - read);
        let from = out.len();
        out.resize(from + chunk, 0);
        copy_in(&mut out[from..], at).map_err(|_| StrError::BadAddress)?;
        if let Some(nul) = out[from..].iter().position(|&b| b == 0) {
            out.truncate(from + nul);
            return Ok(());
        }
        if out.len() - start > max {
            return Err(StrError::TooLong);
        }
        at += chunk as u64;
        want = (want * 2).min(1024);
    }
}

/// The length of the NUL-terminated guest string at `addr`, of at most
/// `max` bytes (excluding the NUL), read through a small buffer on the
/// stack: for sizing a buffer before [`read_cstr_into`] fills it.
pub fn cstr_len(addr: u64, max: usize) -> Result<usize, StrError> {
    let mut chunk = [0u8; 256];
    let mut len = 0;
    loop {
        let at = addr.checked_add(len as u64).ok_or(StrError::BadAddress)?;
        let page_left = (4096 - (at % 4096)) as usize;
        let n = page_left.min(chunk.len()).min(max + 1 - len);
        copy_in(&mut chunk[..n], at).map_err(|_| StrError::BadAddress)?;
        if let Some(nul) = chunk[..n].iter().position(|&b| b == 0) {
            return Ok(len + nul);
        }
        len += n;
        if len > max {
            return Err(StrError::TooLong);
        }
    }
}

/// Reads a plain-old-data value from guest memory.
pub fn read<T: abi::structs::Pod>(addr: u64) -> Result<T, BadAddress> {
    let mut value = std::mem::MaybeUninit::<T>::zeroed();
    // SAFETY: T is Pod, so its bytes may be overwritten with any bit pattern,
    // and a zeroed T is already valid.
    let bytes = unsafe {
        std::slice::from_raw_parts_mut(value.as_mut_ptr().cast::<u8>(), std::mem::size_of::<T>())
    };
    copy_in(bytes, addr)?;
    // SAFETY: every bit pattern is a valid T (Pod).
    Ok(unsafe { value.assume_init() })
}

/// Writes a plain-old-data value to guest memory.
pub fn write<T: abi::structs::Pod>(addr: u64, value: &T) -> Result<(), BadAddress> {
    copy_out(addr, as_bytes(value))
}

/// The bytes of a plain-old-data value.
pub fn as_bytes<T: abi::structs::Pod>(value: &T) -> &[u8] {
    // SAFETY: Pod types have no uninitialised padding (see abi::structs::Pod).
    unsafe {
        std::slice::from_raw_parts((value as *const T).cast::<u8>(), std::mem::size_of::<T>())
    }
}

/// Runs a blocking host call with the guest's signal mask instead of the
/// handler's all-blocked one, so Ctrl-C and friends are not held up
/// (PLATFORM-NOTES 17). SIGSYS stays blocked: this is still ninux code.
pub fn unblocked<R>(guest_mask: u64, f: impl FnOnce() -> R) -> R {
    if crate::fast::live_guest_mask() == Some(guest_mask) {
        // A fast trap already runs with the guest's mask.
        return f();
    }
    let old = crate::thread::set_thread_sigmask(guest_mask | (1u64 << (libc::SIGSYS - 1)));
    let r = f();
    crate::thread::set_thread_sigmask(old);
    r
}
