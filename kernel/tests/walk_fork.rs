//! A forked child's kept walks, in a test binary of its own: the child
//! allocates and takes locks, which is only safe in a process whose other
//! threads (here the idle test harness) hold none when it forks.

use kernel::Namespace;

#[test]
fn a_forked_child_does_not_take_its_parents_news() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    std::fs::create_dir_all(r.join("usr/bin")).unwrap();
    std::fs::write(r.join("usr/bin/prog"), b"#!prog").unwrap();
    std::fs::create_dir_all(r.join("other/bin")).unwrap();
    std::fs::write(r.join("other/bin/prog"), b"other").unwrap();
    let ns = Namespace::new(
        kernel::dev::attach(&format!("#Z{}", r.display()))
            .unwrap()
            .0,
    );
    // Enough walks for the process to watch host directories.
    for _ in 0..200 {
        ns.stat("/usr/bin/prog").unwrap();
    }
    // SAFETY: no other thread of this process holds a lock (the harness's
    // main thread only waits for this one); the child walks, renames and
    // exits.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // The child walks after the host change: had it the parent's
        // inotify instance, it would read the news the parent needs.
        std::fs::rename(r.join("usr/bin"), r.join("usr/old")).unwrap();
        std::fs::rename(r.join("other/bin"), r.join("usr/bin")).unwrap();
        let ok = ns.stat("/usr/bin/prog").map(|d| d.length) == Ok(5);
        // SAFETY: ends the child without running the parent's test harness.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let mut status = 0;
    // SAFETY: waits for the child just forked.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert_eq!(status, 0, "the child saw the change");
    assert_eq!(ns.stat("/usr/bin/prog").unwrap().length, 5);
}
