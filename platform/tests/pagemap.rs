//! `pagemap::written_since_fork` in a process of its own: the test forks,
//! and its child allocates, which only a process with no other busy thread
//! may do.

use platform::mm::{self, MapRequest};
use platform::pagemap::written_since_fork;

const PAGE: u64 = 4096;

#[test]
fn a_forked_child_finds_the_pages_it_wrote() {
    let len = 8 * PAGE;
    let addr = mm::map(MapRequest {
        addr: 0,
        len,
        prot: libc::PROT_READ | libc::PROT_WRITE,
        flags: libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
        fd: -1,
        offset: 0,
    })
    .expect("map");
    // Pages 0-3 are written before the fork: shared with the child after.
    // SAFETY: the mapping is 8 pages, this test's own.
    unsafe { std::ptr::write_bytes(addr as *mut u8, 1, 4 * PAGE as usize) };
    let mut fds = [0; 2];
    // SAFETY: a two-int array for pipe(2).
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: the child writes only to its own copy and the pipe, then
    // leaves with _exit.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: pages 1 (shared until now) and 5 (never touched).
        unsafe {
            *((addr + PAGE) as *mut u8) = 2;
            *((addr + 5 * PAGE) as *mut u8) = 2;
            // A read maps no page of its own.
            std::ptr::read_volatile((addr + 6 * PAGE) as *const u8);
        }
        let found: Vec<(u64, u64)> = written_since_fork()
            .unwrap_or_default()
            .into_iter()
            .filter(|&(s, l)| s < addr + len && s + l > addr)
            .map(|(s, l)| (s - addr, l))
            .collect();
        let ok = found == [(PAGE, PAGE), (5 * PAGE, PAGE)];
        // SAFETY: one byte to the pipe, then _exit.
        unsafe {
            libc::write(fds[1], [ok as u8].as_ptr().cast(), 1);
            libc::_exit(0);
        }
    }
    let mut b = [0u8];
    // SAFETY: one byte from the pipe into b.
    assert_eq!(unsafe { libc::read(fds[0], b.as_mut_ptr().cast(), 1) }, 1);
    // SAFETY: reaping the child.
    unsafe { libc::waitpid(pid, std::ptr::null_mut(), 0) };
    assert_eq!(b[0], 1, "the child found exactly pages 1 and 5");
    mm::unmap(addr, len).unwrap();
}
