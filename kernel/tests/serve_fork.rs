//! A forked child's 9P connection, in a test binary of its own: the child
//! takes kernel locks, which is only safe in a process whose other threads
//! (the idle test harness, the server) hold none of them when it forks.

mod common;
use common::{dial, read_all};

use std::sync::Arc;

#[test]
fn forked_child_dials_its_own_9p_connection() {
    let t = tempfile::tempdir().unwrap();
    let fs = ninep::RamFs::new();
    fs.add_file("/f", b"still here");
    let server = ninep::Server::new(Arc::new(fs));
    let addr = format!("unix!{}", t.path().join("ram.sock").display());
    let _h = server.spawn(&addr).unwrap();
    let _ = dial(&addr);
    let ns = kernel::Namespace::new(kernel::dev::attach("#/").unwrap().0);
    ns.mount(
        kernel::devmnt::dial(&addr, "").unwrap(),
        "/n",
        kernel::MREPL,
        &addr,
        "",
    )
    .unwrap();
    let open = ns.open("/n/f", 0).unwrap();
    // SAFETY: the child dials (glibc's fork handlers leave malloc usable),
    // reads through its own connection, drops kernel values and exits.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        let mut buf = [0u8; 16];
        let ok = matches!(open.pread(&mut buf, Some(0)), Ok(10)) && &buf[..10] == b"still here";
        let ok = ok && read_all(&ns, "/n/f") == b"still here";
        drop(open);
        drop(ns);
        // SAFETY: _exit skips atexit handlers and destructors of the test harness.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let mut status = 0;
    // SAFETY: waiting for the child forked above.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the child could not read through a connection of its own"
    );
    let mut buf = [0u8; 16];
    let n = open.pread(&mut buf, Some(0)).unwrap();
    assert_eq!(&buf[..n], b"still here");
    assert_eq!(read_all(&ns, "/n/f"), b"still here");
}
