//! Per-operation cost of the 9P client and server loop over a unix socket:
//! walk+open+read+clunk of a small RamFs file, and a bare Tread round trip.
//!
//!     cargo run --release -p ninep --example ninep_bench [ITERATIONS]

use ninep::*;
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let iterations: u32 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    println!(
        "socket ping-pong floor:  {:>8.2} µs per round trip",
        us(socket_floor(iterations))
    );
    let fs = RamFs::new();
    fs.add_file("dir/file", &[7u8; 512]);
    let sock = std::env::temp_dir().join(format!("ninep-bench-{}", std::process::id()));
    let _ = std::fs::remove_file(&sock);
    let srv = Server::new(Arc::new(fs))
        .spawn(&format!("unix!{}", sock.display()))
        .expect("listen");
    println!(
        "server alone (raw Tread): {:>6.2} µs per round trip",
        us(raw_reads(srv.dial_string(), iterations))
    );
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

/// The server loop without our client: hand-made frames written and read
/// synchronously on one socket.
fn raw_reads(addr: &str, iterations: u32) -> std::time::Duration {
    let mut s = DialAddr::parse(addr)
        .expect("addr")
        .connect()
        .expect("connect");
    let mut rpc = |m: Fcall| {
        s.write_frame(&to_bytes(1, &m, Dialect::U)).expect("write");
        let f = read_frame(&mut s, 1 << 17).expect("read");
        decode_msg(&f, Dialect::U, 1 << 17).expect("decode").1
    };
    rpc(Tversion {
        msize: 8192,
        version: "9P2000.u".into(),
    }
    .into());
    let uname = "bench".to_string();
    rpc(Tattach {
        fid: 0,
        afid: NOFID,
        uname,
        aname: String::new(),
        n_uname: NONUNAME,
    }
    .into());
    rpc(Twalk {
        fid: 0,
        newfid: 1,
        wnames: vec!["dir".into(), "file".into()],
    }
    .into());
    rpc(Topen {
        fid: 1,
        mode: OREAD,
    }
    .into());
    let t = Instant::now();
    for _ in 0..iterations {
        rpc(Tread {
            fid: 1,
            offset: 0,
            count: 64,
        }
        .into());
    }
    t.elapsed() / iterations
}

/// The floor: one 64-byte ping-pong between two threads over a unix
/// socket pair, i.e. the two wake-ups any RPC pays on this machine.
fn socket_floor(iterations: u32) -> std::time::Duration {
    use std::io::{Read, Write};
    let (mut a, mut b) = std::os::unix::net::UnixStream::pair().expect("socketpair");
    let echo = std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        while b.read_exact(&mut buf).is_ok() && b.write_all(&buf).is_ok() {}
    });
    let mut buf = [0u8; 64];
    let t = Instant::now();
    for _ in 0..iterations {
        a.write_all(&buf).expect("write");
        a.read_exact(&mut buf).expect("read");
    }
    let per = t.elapsed() / iterations;
    drop(a);
    echo.join().expect("echo thread");
    per
}

fn us(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
