//! Helpers the 9P test binaries share (`serve.rs`, `serve_fork.rs`).

use std::time::{Duration, Instant};

use ninep::Client;

/// The whole of file `p` in `ns` (up to 64 KiB).
pub fn read_all(ns: &kernel::Namespace, p: &str) -> Vec<u8> {
    let c = ns.open(p, 0).unwrap();
    let mut out = vec![0u8; 1 << 16];
    let n = c.pread(&mut out, Some(0)).unwrap();
    out.truncate(n);
    out
}

/// A client of the server at `addr`, retried while it starts (20 s).
pub fn dial(addr: &str) -> Client {
    let start = Instant::now();
    loop {
        match Client::dial(addr) {
            Ok(c) => return c,
            Err(e) if start.elapsed() > Duration::from_secs(20) => panic!("dial {addr}: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}
