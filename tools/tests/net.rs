//! The network under ninux against native peers: busybox httpd under ninux
//! fetched by a native wget and nc, and a native httpd fetched by wget
//! under ninux (identical bytes); an AF_UNIX socket bound by a guest in a
//! `-b` directory reached by a native client; `ninux trace --kernel`
//! showing the `/net` files socket calls become; and `--net none`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const NINUX: &str = env!("CARGO_BIN_EXE_ninux");

fn busybox() -> PathBuf {
    ["/usr/bin/busybox", "/bin/busybox"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("busybox-static is installed (scripts/deps.sh)")
}

/// A port free just now on 127.0.0.1 (busybox httpd cannot take port 0).
fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn wait_listening(port: u16) {
    let t = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "nothing listens on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn page(dir: &Path) -> Vec<u8> {
    // Bytes of every value, so any mangling shows.
    let body: Vec<u8> = (0..200_000u32).map(|i| (i * 7 + i / 256) as u8).collect();
    std::fs::write(dir.join("index.html"), &body).unwrap();
    body
}

fn ninux_cmd(args: &[&str]) -> Command {
    let mut c = Command::new(NINUX);
    c.args(args).env("PATH", "/usr/bin:/bin");
    c
}

fn output(mut c: Command) -> Output {
    c.stdin(Stdio::null()).output().expect("runs")
}

#[test]
fn httpd_under_ninux_serves_native_wget_and_nc() {
    let www = tempfile::tempdir().unwrap();
    let body = page(www.path());
    let port = free_port();
    let bb = busybox();
    let bind = format!("{}:/www", www.path().display());
    let listen = format!("127.0.0.1:{port}");
    let server = ninux_cmd(&["run", "-b", &bind, "--"])
        .arg(&bb)
        .args(["httpd", "-f", "-p", &listen, "-h", "/www"])
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let _server = Server(server);
    wait_listening(port);
    let url = format!("http://127.0.0.1:{port}/index.html");
    let mut wget = Command::new(&bb);
    wget.args(["wget", "-q", "-O", "-", &url]);
    let got = output(wget);
    assert!(got.status.success(), "{got:?}");
    assert_eq!(got.stdout, body, "native wget from httpd under ninux");
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"GET /index.html HTTP/1.0\r\n\r\n").unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    assert!(all.ends_with(&body), "a raw client gets the same bytes");
}

#[test]
fn wget_and_nc_under_ninux_fetch_from_native_httpd() {
    let www = tempfile::tempdir().unwrap();
    let body = page(www.path());
    let port = free_port();
    let bb = busybox();
    let listen = format!("127.0.0.1:{port}");
    let server = Command::new(&bb)
        .args(["httpd", "-f", "-p", &listen, "-h"])
        .arg(www.path())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let _server = Server(server);
    wait_listening(port);
    let url = format!("http://127.0.0.1:{port}/index.html");
    let mut wget = ninux_cmd(&["run", "--"]);
    wget.arg(&bb).args(["wget", "-q", "-O", "-", &url]);
    let got = output(wget);
    assert!(got.status.success(), "{got:?}");
    assert_eq!(got.stdout, body, "wget under ninux from a native httpd");
    let script = format!(
        "printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | {} nc 127.0.0.1 {port}",
        bb.display()
    );
    let mut nc = ninux_cmd(&["run", "--"]);
    nc.arg(&bb).args(["sh", "-c", &script]);
    let got = output(nc);
    assert!(got.status.success(), "{got:?}");
    assert!(got.stdout.ends_with(&body), "nc under ninux");
}

const UNIX_SERVER: &str = r#"
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	strcpy(a.sun_path, argv[1]);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1))
		return perror("bind"), 1;
	int c = accept(l, 0, 0);
	write(c, "hello from the guest\n", 21);
	char b[64];
	int n = read(c, b, sizeof b);
	printf("guest read: %.*s\n", n > 0 ? n : 0, b);
	return 0;
}
"#;

#[test]
fn unix_socket_in_bound_dir_is_reachable_natively() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("server.c");
    std::fs::write(&src, UNIX_SERVER).unwrap();
    let exe = dir.path().join("server");
    let cc = Command::new("cc")
        .args(["-static", "-O1", "-o"])
        .arg(&exe)
        .arg(&src)
        .status()
        .expect("cc runs");
    assert!(cc.success());
    let shared = tempfile::tempdir().unwrap();
    let bind = format!("{}:/shared", shared.path().display());
    let child = ninux_cmd(&["run", "-b", &bind, "--"])
        .arg(&exe)
        .arg("/shared/sock")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let host_path = shared.path().join("sock");
    let t = Instant::now();
    let mut s = loop {
        if let Ok(s) = std::os::unix::net::UnixStream::connect(&host_path) {
            break s;
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "no socket at {host_path:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut b = [0u8; 21];
    s.read_exact(&mut b).unwrap();
    assert_eq!(&b, b"hello from the guest\n");
    s.write_all(b"native here").unwrap();
    drop(s);
    let mut out = String::new();
    server
        .0
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out, "guest read: native here\n");
}

#[test]
fn trace_kernel_shows_cs_clone_ctl_and_data() {
    let www = tempfile::tempdir().unwrap();
    page(www.path());
    let port = free_port();
    let bb = busybox();
    let listen = format!("127.0.0.1:{port}");
    let server = Command::new(&bb)
        .args(["httpd", "-f", "-p", &listen, "-h"])
        .arg(www.path())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let _server = Server(server);
    wait_listening(port);
    let bbs = bb.display();
    let script = format!(
        "exec 3<>/net/cs; printf 'tcp!localhost!http' >&3; read -r a <&3; echo \"$a\"; \
         {bbs} wget -q -O /dev/null http://127.0.0.1:{port}/index.html"
    );
    let mut trace = ninux_cmd(&["trace", "--kernel", "--"]);
    trace.arg(&bb).args(["sh", "-c", &script]);
    let got = output(trace);
    let out = String::from_utf8_lossy(&got.stdout);
    let err = String::from_utf8_lossy(&got.stderr);
    assert!(got.status.success(), "{err}");
    assert_eq!(out.trim(), "/net/tcp/clone 127.0.0.1!80");
    for want in [
        "#I: cs tcp!localhost!http: /net/tcp/clone 127.0.0.1!80",
        "open /net/tcp/clone",
        "#I: clone tcp: conversation",
        &format!("ctl connect 127.0.0.1!{port}"),
        "/data mode",
    ] {
        assert!(err.contains(want), "trace lacks {want:?}:\n{err}");
    }
}

#[test]
fn net_none_keeps_loopback_and_cuts_the_rest() {
    let bb = busybox();
    let mut wget = ninux_cmd(&["run", "--net", "none", "--"]);
    wget.arg(&bb)
        .args(["wget", "-q", "-O", "-", "http://192.0.2.1:80/"]);
    let got = output(wget);
    let err = String::from_utf8_lossy(&got.stderr);
    assert!(!got.status.success());
    assert!(err.contains("Network is unreachable"), "{err}");
    let ns = output(ninux_cmd(&["ns", "--net", "none"]));
    assert!(String::from_utf8_lossy(&ns.stdout).contains("bind -b '#Iloopback' /net"));
    // Loopback still works: a server and client inside the run.
    let script = format!(
        "{b} nc -l -p {p} -e {b} echo inside & {b} sleep 0.3; {b} nc 127.0.0.1 {p}",
        b = bb.display(),
        p = free_port()
    );
    let mut nc = ninux_cmd(&["run", "--net", "none", "--"]);
    nc.arg(&bb).args(["sh", "-c", &script]);
    let got = output(nc);
    assert_eq!(String::from_utf8_lossy(&got.stdout), "inside\n", "{got:?}");
}
