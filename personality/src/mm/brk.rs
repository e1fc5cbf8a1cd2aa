//! brk(2): the heap grows page by page inside a reservation made at load time
//! (PROT_NONE until used), so it can never run into ninux's own mappings.

use crate::state::{lock, process};
use crate::SysResult;
use abi::auxv::PAGE_SIZE;
use platform::Trap;

fn page_up(x: u64) -> u64 {
    (x + PAGE_SIZE - 1) & !(PAGE_SIZE - 1)
}

/// brk(2): returns the new break, or the old one when the request fails
/// (the raw syscall never returns an errno).
pub fn brk(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let want = a[0];
    let mut b = lock(&process().brk);
    if want < b.start || want > b.reserved_end {
        return Ok(b.cur);
    }
    let need = page_up(want);
    let rw = libc::PROT_READ | libc::PROT_WRITE;
    if need > b.mapped_end {
        if platform::mm::protect(b.mapped_end, need - b.mapped_end, rw).is_err() {
            return Ok(b.cur);
        }
    } else if need < b.mapped_end {
        // Released pages must read as zero if the heap grows again.
        let len = b.mapped_end - need;
        let _ = platform::mm::advise(need, len, libc::MADV_DONTNEED);
        let _ = platform::mm::protect(need, len, libc::PROT_NONE);
    }
    b.mapped_end = need;
    b.cur = want;
    Ok(want)
}
