//! The namespace builder, the namespace(6) printer, and exportfs: the built
//! namespace served over 9P on a unix socket, read and written with ninep's
//! Client; and, when the `ninux` binary has been built into the same target
//! directory, `ninux serve` itself end to end.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;

mod common;
use common::{dial, read_all};

use kernel::build::{from_text, print, NsSpec};
use kernel::exportfs::ExportFs;
use ninep::{Client, DMDIR};

#[test]
fn default_namespace_is_host_root_copy_on_write() {
    let t = tempfile::tempdir().unwrap();
    let host = t.path().join("hostdir");
    std::fs::create_dir(&host).unwrap();
    std::fs::write(host.join("h"), b"host file").unwrap();
    let spec = NsSpec {
        binds: vec![kernel::build::Bind {
            host: host.clone(),
            guest: "/n/made/here".into(),
            readonly: false,
        }],
        ..Default::default()
    };
    let built = spec.build().unwrap();
    let ns = &built.ns;
    // The host's / shows through.
    assert_eq!(
        read_all(ns, "/etc/hostname"),
        std::fs::read("/etc/hostname").unwrap_or_default()
    );
    // Writes anywhere land in the private layer; the host is untouched.
    let probe = format!("/etc/ninux-probe-{}", std::process::id());
    let c = ns.create(&probe, 1, 0o644).unwrap();
    c.pwrite(b"guest", Some(0)).unwrap();
    assert!(!std::path::Path::new(&probe).exists());
    assert_eq!(
        std::fs::read(built.upper.join(probe.trim_start_matches('/'))).unwrap(),
        b"guest"
    );
    // Room for /proc, /dev, /net.
    for d in ["/proc", "/dev", "/net", "/n"] {
        assert!(ns.walk(d).unwrap().is_dir(), "{d}");
    }
    // -b binds the host directory read-write at a made mount point.
    assert_eq!(read_all(ns, "/n/made/here/h"), b"host file");
    ns.create("/n/made/here/new", 1, 0o644)
        .unwrap()
        .pwrite(b"x", Some(0))
        .unwrap();
    assert_eq!(std::fs::read(host.join("new")).unwrap(), b"x");
    // The printed form rebuilds the same namespace.
    let text = print(ns);
    assert!(text.starts_with("clear\nbind -bc '#W"), "{text}");
    let again = from_text(&text, std::path::Path::new("printed")).unwrap();
    assert_eq!(print(&again), text);
    assert_eq!(read_all(&again, &probe), b"guest");
    assert_eq!(read_all(&again, "/n/made/here/new"), b"x");
}

#[test]
fn tar_root_and_ns_file() {
    let t = tempfile::tempdir().unwrap();
    let rootdir = t.path().join("r");
    std::fs::create_dir_all(rootdir.join("etc")).unwrap();
    std::fs::write(rootdir.join("etc/os-release"), b"ID=test\n").unwrap();
    let tarfile = t.path().join("r.tar");
    let mut b = tar::Builder::new(std::fs::File::create(&tarfile).unwrap());
    b.append_dir_all(".", &rootdir).unwrap();
    b.finish().unwrap();
    let nsf = t.path().join("ns");
    std::fs::write(
        &nsf,
        format!(
            "# test\nbind -a '#c' /dev\nbind '#Z{}' /mnt\n",
            rootdir.display()
        ),
    )
    .unwrap();
    let spec = NsSpec {
        root: Some(tarfile),
        ns_file: Some(nsf),
        upper: Some(t.path().join("up")),
        ..Default::default()
    };
    let built = spec.build().unwrap();
    assert!(built.tmp.is_none());
    assert_eq!(read_all(&built.ns, "/etc/os-release"), b"ID=test\n");
    assert!(built.ns.walk("/dev/null").is_ok());
    assert_eq!(read_all(&built.ns, "/mnt/etc/os-release"), b"ID=test\n");
    built
        .ns
        .create("/etc/os-release", 1, 0o644)
        .unwrap()
        .pwrite(b"ID=changed\n", Some(0))
        .unwrap();
    assert_eq!(
        std::fs::read(t.path().join("up/etc/os-release")).unwrap(),
        b"ID=changed\n"
    );
    let bad = t.path().join("bad.ns");
    std::fs::write(&bad, "bind -q a b\n").unwrap();
    let e = NsSpec {
        ns_file: Some(bad.clone()),
        ..Default::default()
    }
    .build()
    .err()
    .unwrap();
    assert_eq!(e.as_str(), format!("{}:1: unknown flag -q", bad.display()));
}

/// Reads, lists, writes, creates, renames and removes through 9P.
fn exercise(client: &Client, upper: Option<&std::path::Path>) {
    let (root, q) = client.attach("glenda", "").unwrap();
    assert!(q.is_dir());
    let (_, f) = client.walk(root, &["etc", "hostname"]).unwrap();
    let f = f.unwrap();
    client.open(f, 0).unwrap();
    assert_eq!(
        client.read_all(f).unwrap(),
        std::fs::read("/etc/hostname").unwrap_or_default()
    );
    client.clunk(f).unwrap();
    // A symlink is reported, not followed (9P2000.u).
    if std::fs::symlink_metadata("/bin")
        .map(|m| m.file_type().is_symlink())
        .unwrap_or(false)
    {
        let (_, l) = client.walk(root, &["bin"]).unwrap();
        let d = client.stat(l.unwrap()).unwrap();
        assert_ne!(d.mode & ninep::DMSYMLINK, 0);
        assert_eq!(
            d.extension,
            std::fs::read_link("/bin").unwrap().to_string_lossy()
        );
    }
    // `..` at the root stays there.
    let (qs, _) = client.walk(root, &["..", "etc"]).unwrap();
    assert_eq!(qs.len(), 2);
    // Listing the root union names each entry once.
    let (_, d) = client.walk(root, &[]).unwrap();
    let d = d.unwrap();
    client.open(d, 0).unwrap();
    let names: Vec<String> = client
        .read_dir(d)
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    let set: std::collections::BTreeSet<&String> = names.iter().collect();
    assert_eq!(set.len(), names.len());
    assert!(names.iter().any(|n| n == "etc") && names.iter().any(|n| n == "net"));
    // Create in /tmp (copy-on-write), write, rename, remove.
    let (_, tmp) = client.walk(root, &["tmp"]).unwrap();
    let tmp = tmp.unwrap();
    let dname = format!("ninux-serve-{}", std::process::id());
    client.create(tmp, &dname, DMDIR | 0o755, 0, "").unwrap();
    let (_, nf) = client.walk(root, &["tmp", &dname]).unwrap();
    let nf = nf.unwrap();
    client.create(nf, "f", 0o644, 2, "").unwrap();
    assert_eq!(client.write(nf, 0, b"over 9P").unwrap(), 7);
    let mut wd = ninep::Dir::dont_touch();
    wd.name = "g".into();
    client.wstat(nf, &wd).unwrap();
    assert_eq!(client.read(nf, 0, 100).unwrap(), b"over 9P");
    assert_eq!(client.stat(nf).unwrap().name, "g");
    if let Some(up) = upper {
        assert_eq!(
            std::fs::read(up.join("tmp").join(&dname).join("g")).unwrap(),
            b"over 9P"
        );
    }
    assert!(
        !std::path::Path::new("/tmp").join(&dname).exists(),
        "host /tmp untouched"
    );
    client.remove(nf).unwrap();
    let (_, dd) = client.walk(root, &["tmp", &dname]).unwrap();
    client.remove(dd.unwrap()).unwrap();
    // A walk failing after the first name is a short walk, not an error.
    assert!(client.walk(root, &["tmp", &dname]).unwrap().1.is_none());
    client.clunk(root).unwrap();
}

#[test]
fn exportfs_over_unix_socket() {
    let t = tempfile::tempdir().unwrap();
    let built = NsSpec {
        upper: Some(t.path().join("up")),
        ..Default::default()
    }
    .build()
    .unwrap();
    let server = ninep::Server::new(Arc::new(ExportFs::new(Arc::new(built.ns))));
    let addr = format!("unix!{}", t.path().join("sock").display());
    let _h = server.spawn(&addr).unwrap();
    let client = dial(&addr);
    exercise(&client, Some(&t.path().join("up")));
}

/// The `ninux` binary beside this test's (same target directory), if built.
fn ninux_bin() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let p = exe.parent()?.parent()?.join("ninux");
    p.exists().then_some(p)
}

#[test]
fn ninux_serve_end_to_end() {
    let Some(bin) = ninux_bin() else {
        println!("SKIP ninux serve end to end: build the tools crate first (cargo build -p tools)");
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let sock = t.path().join("ninux.sock");
    let up = t.path().join("up");
    let child = Command::new(&bin)
        .args(["serve", "--upper"])
        .arg(&up)
        .arg("--listen")
        .arg(format!("unix!{}", sock.display()))
        .env("NINUX_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Killed however the test ends.
    struct Reaper(Option<std::process::Child>);
    impl Drop for Reaper {
        fn drop(&mut self) {
            if let Some(c) = self.0.as_mut() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }
    let mut reaper = Reaper(Some(child));
    let addr = format!("unix!{}", sock.display());
    {
        let client = dial(&addr);
        exercise(&client, Some(&up));
    }
    // SIGTERM: a clean exit that removes the socket.
    let child = reaper.0.take().unwrap();
    rustix::process::kill_process(
        rustix::process::Pid::from_child(&child),
        rustix::process::Signal::TERM,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("9P connection"), "connections logged: {log}");
    assert!(!sock.exists());
}

#[test]
fn mount_driver_over_9p() {
    let t = tempfile::tempdir().unwrap();
    let fs = ninep::RamFs::new();
    fs.add_dir("/d");
    fs.add_file("/d/hello", b"hello from ramfs");
    let server = ninep::Server::new(Arc::new(fs));
    let addr = format!("unix!{}", t.path().join("ram.sock").display());
    let _h = server.spawn(&addr).unwrap();
    let _ = dial(&addr);
    // Through a namespace file, with the dial-string extension.
    let nsf = t.path().join("ns");
    std::fs::write(&nsf, format!("mount -c {addr} /n\n")).unwrap();
    let built = NsSpec {
        ns_file: Some(nsf),
        upper: Some(t.path().join("up")),
        ..Default::default()
    }
    .build()
    .unwrap();
    let ns = &built.ns;
    assert_eq!(read_all(ns, "/n/d/hello"), b"hello from ramfs");
    let c = ns.create("/n/d/new", 2, 0o644).unwrap();
    c.pwrite(b"written", Some(0)).unwrap();
    assert_eq!(read_all(ns, "/n/d/new"), b"written");
    let names: Vec<String> = ns
        .open("/n/d", 0)
        .unwrap()
        .dirread()
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert!(names.contains(&"hello".to_string()) && names.contains(&"new".to_string()));
    ns.remove("/n/d/new").unwrap();
    assert!(ns.walk("/n/d/new").is_err());
    assert!(print(ns).contains(&format!("mount -c {} /n\n", kernel::nsfile::quote(&addr))));
    // Exported again through exportfs, the mounted server is reachable.
    let server2 = ninep::Server::new(Arc::new(ExportFs::new(Arc::new(
        from_text(&print(ns), std::path::Path::new("p")).unwrap(),
    ))));
    let addr2 = format!("unix!{}", t.path().join("x.sock").display());
    let _h2 = server2.spawn(&addr2).unwrap();
    let client = dial(&addr2);
    let (root, _) = client.attach("glenda", "").unwrap();
    let (_, f) = client.walk(root, &["n", "d", "hello"]).unwrap();
    let f = f.unwrap();
    client.open(f, 0).unwrap();
    assert_eq!(client.read_all(f).unwrap(), b"hello from ramfs");
}

#[test]
fn mount_of_a_dead_server_names_file_line_and_reason() {
    let t = tempfile::tempdir().unwrap();
    let nsf = t.path().join("ns");
    let sock = t.path().join("nobody.sock");
    std::fs::write(&nsf, format!("\nmount unix!{} /n\n", sock.display())).unwrap();
    let e = NsSpec {
        ns_file: Some(nsf.clone()),
        upper: Some(t.path().join("up")),
        ..Default::default()
    }
    .build()
    .err()
    .unwrap();
    assert_eq!(
        e.as_str(),
        format!(
            "{}:2: mount unix!{}: file does not exist",
            nsf.display(),
            sock.display()
        )
    );
    assert_eq!(e.linux_errno(), Some(2));
}
