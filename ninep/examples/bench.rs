//! Per-operation cost of the 9P client and server loop over a unix socket:
//! walk+open+read+clunk of a small RamFs file, and a bare Tread round trip.
//!
//!     cargo run --release -p ninep --example bench [ITERATIONS]

use ninep::{Client, RamFs, Server, OREAD};
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let iterations: u32 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let fs = RamFs::new();
    fs.add_file("dir/file", &[7u8; 512]);
    let sock = std::env::temp_dir().join(format!("ninep-bench-{}", std::process::id()));
    let _ = std::fs::remove_file(&sock);
    let srv = Server::new(Arc::new(fs))
        .spawn(&format!("unix!{}", sock.display()))
        .expect("listen");
    let c = Client::dial(srv.dial_string()).expect("dial");
    let (root, _) = c.attach("bench", "").expect("attach");

    let t = Instant::now();
    for _ in 0..iterations {
        let (_, f) = c.walk(root, &["dir", "file"]).expect("walk");
        let f = f.expect("whole walk");
        c.open(f, OREAD).expect("open");
        let data = c.read(f, 0, 512).expect("read");
        assert_eq!(data.len(), 512);
        c.clunk(f).expect("clunk");
    }
    let per = t.elapsed() / iterations;
    println!(
        "walk+open+read+clunk: {:>8.2} µs per sequence ({:.2} µs per message)",
        us(per),
        us(per) / 4.0
    );

    let (_, f) = c.walk(root, &["dir", "file"]).expect("walk");
    let f = f.expect("whole walk");
    c.open(f, OREAD).expect("open");
    let t = Instant::now();
    for _ in 0..iterations {
        c.read(f, 0, 64).expect("read");
    }
    println!(
        "read (64 bytes):      {:>8.2} µs per round trip",
        us(t.elapsed() / iterations)
    );

    // Several threads sharing one connection: what tag multiplexing buys.
    let c = Arc::new(c);
    let threads = 4;
    let t = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let c = c.clone();
            std::thread::spawn(move || {
                for _ in 0..iterations / threads {
                    c.read(f, 0, 64).expect("read");
                }
            })
        })
        .collect();
    handles
        .into_iter()
        .for_each(|h| h.join().expect("reader thread"));
    println!(
        "read, {threads} threads, 1 conn: {:>5.2} µs per read (aggregate)",
        us(t.elapsed() / iterations)
    );
}

fn us(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
