//! Making a forked child start with ninux's code already mapped.
//!
//! Linux's fork copies the page-table entries of a private file mapping only
//! when the mapping has anonymous pages (an `anon_vma`); for read-only text
//! it copies none, and the child faults every 64 KiB of ninux's (and libc's)
//! code it touches back in: about 45 faults, a fifth of what a fork+exec of
//! a small program costs. Giving each read-only segment one private page
//! gives the mapping an `anon_vma` (the mapping stays one: a private page
//! does not split it), so the parent's fork copies the entries instead, at
//! a fraction of a fault each. The private page holds the same bytes.

use std::sync::Once;

static DONE: Once = Once::new();

/// Before the first fork: every read-only segment of every loaded object
/// (ninux, libc, the dynamic loader) gets a private copy of its first page.
pub(crate) fn keep_code_across_fork() {
    DONE.call_once(|| {
        // SAFETY: the callback only reads the headers the loader passes.
        unsafe { libc::dl_iterate_phdr(Some(each_object), std::ptr::null_mut()) };
    });
}

unsafe extern "C" fn each_object(
    info: *mut libc::dl_phdr_info,
    _size: usize,
    _data: *mut libc::c_void,
) -> libc::c_int {
    // SAFETY: the loader passes a valid info for the call's duration.
    let info = unsafe { &*info };
    if info.dlpi_phdr.is_null() {
        return 0;
    }
    // The vDSO is the kernel's: no file behind it, nothing refaulted.
    // SAFETY: dlpi_name is a C string or null.
    if !info.dlpi_name.is_null() && unsafe { *info.dlpi_name } != 0 {
        let name = unsafe { std::ffi::CStr::from_ptr(info.dlpi_name) };
        if name.to_bytes().starts_with(b"linux-vdso") {
            return 0;
        }
    }
    // SAFETY: dlpi_phdr points at dlpi_phnum headers.
    let phdrs = unsafe { std::slice::from_raw_parts(info.dlpi_phdr, info.dlpi_phnum as usize) };
    let range = |ph: &libc::Elf64_Phdr| {
        let start = (info.dlpi_addr + ph.p_vaddr) & !0xfff;
        (
            start,
            (info.dlpi_addr + ph.p_vaddr + ph.p_memsz + 0xfff) & !0xfff,
        )
    };
    let loads = || {
        phdrs
            .iter()
            .filter(|p| p.p_type == libc::PT_LOAD && p.p_memsz > 0)
    };
    for ph in loads().filter(|p| p.p_flags & libc::PF_W == 0) {
        let (start, end) = range(ph);
        // A page shared with another segment is that segment's too.
        let shared = loads().any(|o| {
            let (s, e) = range(o);
            !std::ptr::eq(o, ph) && s < end && start < e
        });
        if shared {
            continue;
        }
        let prot = (if ph.p_flags & libc::PF_R != 0 {
            libc::PROT_READ
        } else {
            0
        }) | (if ph.p_flags & libc::PF_X != 0 {
            libc::PROT_EXEC
        } else {
            0
        });
        privatize(start as usize, (end - start) as usize, prot);
    }
    0
}

/// Rewrites the first byte of the segment `[start, start+len)` with itself
/// while the whole segment is writable (the mapping is not split: its
/// rights change as one).
fn privatize(start: usize, len: usize, prot: i32) {
    let p = start as *mut u8;
    // SAFETY: `[start, start+len)` is exactly a mapped segment of a loaded
    // object; its bytes stay what they were, and its rights come back
    // before this thread goes on (other threads may run its code
    // meanwhile: it stays executable and readable throughout).
    unsafe {
        if libc::mprotect(p.cast(), len, prot | libc::PROT_READ | libc::PROT_WRITE) != 0 {
            return;
        }
        std::ptr::write_volatile(p, std::ptr::read_volatile(p));
        libc::mprotect(p.cast(), len, prot);
    }
}
