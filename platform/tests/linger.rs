//! `linger::hand_over` in a forked process: the slow fd goes to the helper,
//! everything else is let go of before the process's exit is seen.

use std::ffi::CString;

fn check(ok: bool, what: &str) {
    assert!(ok, "{what}: {}", std::io::Error::last_os_error());
}

#[test]
fn the_helper_lets_go_of_every_other_fd_before_the_exit_is_seen() {
    let dir = std::env::temp_dir().join(format!("ninux-linger-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let lock = CString::new(dir.join("lock").to_str().unwrap()).unwrap();
    let watched = CString::new(dir.to_str().unwrap()).unwrap();
    let mut pipe = [0i32; 2];
    // SAFETY: plain syscalls on fds and paths owned here; the child only
    // makes syscalls, hands over and exits (this test is its binary's only
    // thread).
    unsafe {
        check(libc::pipe(pipe.as_mut_ptr()) == 0, "pipe");
        let pid = libc::fork();
        check(pid >= 0, "fork");
        if pid == 0 {
            let ino = libc::inotify_init1(libc::IN_CLOEXEC);
            let watching = libc::inotify_add_watch(ino, watched.as_ptr(), libc::IN_DELETE) >= 0;
            let f = libc::open(lock.as_ptr(), libc::O_CREAT | libc::O_RDWR, 0o600);
            let locked = libc::flock(f, libc::LOCK_EX) == 0;
            libc::close(pipe[0]);
            platform::linger::hand_over(&[ino]);
            libc::_exit(if watching && locked { 7 } else { 1 });
        }
        libc::close(pipe[1]);
        let mut status = 0;
        check(libc::waitpid(pid, &mut status, 0) == pid, "waitpid");
        assert!(
            libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 7,
            "{status:#x}"
        );
        // The child's lock (held through an fd the helper also had) is free
        // once its exit is seen, and its end of the pipe is closed.
        let f = libc::open(lock.as_ptr(), libc::O_RDWR);
        check(libc::flock(f, libc::LOCK_EX | libc::LOCK_NB) == 0, "flock");
        let mut b = [0u8; 1];
        assert_eq!(libc::read(pipe[0], b.as_mut_ptr().cast(), 1), 0, "EOF");
        libc::close(f);
        libc::close(pipe[0]);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
