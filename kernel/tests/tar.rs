//! The tar device shows a minirootfs tar exactly as `tar -x` makes it on
//! disk: same names, types, modes, sizes, owners, mtimes, link targets and
//! contents; hard links share one qid. Plain and gzip-compressed. A damaged
//! tar is an error naming the file.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;
use std::process::Command;

use kernel::{Namespace, Walked};
use ninep::{DMDEVICE, DMDIR, DMNAMEDPIPE, DMSETUID, DMSYMLINK};

fn busybox() -> Vec<u8> {
    for p in [
        "/bin/busybox",
        "/usr/bin/busybox",
        "/bin/true",
        "/usr/bin/true",
    ] {
        if let Ok(b) = std::fs::read(p) {
            return b;
        }
    }
    b"\x7fELF fake".to_vec()
}

fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_size(size);
    h.set_uid(1000);
    h.set_gid(100);
    h.set_mtime(1_700_000_000);
    h
}

const LONG_DIR: &str = "usr/share/a-directory-name-that-is-long-enough-to-need-gnu-or-pax-long-names-in-a-tar-header-ok";

fn build_tar(path: &Path) {
    let bb = busybox();
    let f = std::fs::File::create(path).unwrap();
    let mut b = tar::Builder::new(f);
    for d in [
        "./",
        "bin/",
        "usr/",
        "usr/bin/",
        "dev/",
        "usr/share/",
        &format!("{LONG_DIR}/"),
    ] {
        let mut h = header(tar::EntryType::Directory, 0o755, 0);
        b.append_data(&mut h, d, std::io::empty()).unwrap();
    }
    let mut h = header(tar::EntryType::Regular, 0o755, bb.len() as u64);
    b.append_data(&mut h, "bin/busybox", &bb[..]).unwrap();
    for applet in ["sh", "ls", "cat", "echo"] {
        let mut h = header(tar::EntryType::Symlink, 0o777, 0);
        b.append_link(&mut h, format!("bin/{applet}"), "busybox")
            .unwrap();
    }
    let mut h = header(tar::EntryType::Symlink, 0o777, 0);
    b.append_link(&mut h, "usr/bin/env", "../../bin/busybox")
        .unwrap();
    let long_target = format!("/{LONG_DIR}/file-with-a-long-name-too");
    let mut h = header(tar::EntryType::Symlink, 0o777, 0);
    b.append_link(&mut h, "usr/bin/longlink", &long_target)
        .unwrap();
    let mut h = header(tar::EntryType::Link, 0o755, 0);
    b.append_link(&mut h, "bin/busybox-hard", "bin/busybox")
        .unwrap();
    let mut h = header(tar::EntryType::Char, 0o666, 0);
    h.set_device_major(1).unwrap();
    h.set_device_minor(3).unwrap();
    b.append_data(&mut h, "dev/null", std::io::empty()).unwrap();
    let mut h = header(tar::EntryType::Fifo, 0o600, 0);
    b.append_data(&mut h, "dev/initctl", std::io::empty())
        .unwrap();
    let data = b"set-uid helper\n";
    let mut h = header(tar::EntryType::Regular, 0o4755, data.len() as u64);
    b.append_data(&mut h, "usr/bin/su", &data[..]).unwrap();
    // GNU long name (the builder's choice for > 100 bytes).
    let data = b"long name contents\n";
    let mut h = header(tar::EntryType::Regular, 0o644, data.len() as u64);
    b.append_data(
        &mut h,
        format!("{LONG_DIR}/file-with-a-long-name-too"),
        &data[..],
    )
    .unwrap();
    // A PAX extended header naming the next entry.
    let pax_name = format!("{LONG_DIR}/named-by-a-pax-header-which-is-also-rather-long.txt");
    let rec = pax_record("path", &pax_name);
    let mut h = tar::Header::new_ustar();
    h.set_entry_type(tar::EntryType::XHeader);
    h.set_size(rec.len() as u64);
    h.set_path("PaxHeaders/x").unwrap();
    h.set_cksum();
    b.append(&h, rec.as_bytes()).unwrap();
    let data = b"pax\n";
    let mut h = header(tar::EntryType::Regular, 0o640, data.len() as u64);
    h.set_path("usr/share/truncated-name").unwrap();
    h.set_cksum();
    b.append(&h, &data[..]).unwrap();
    b.into_inner().unwrap().flush().unwrap();
}

fn pax_record(key: &str, value: &str) -> String {
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    while format!("{len}{body}").len() != len {
        len += 1;
    }
    format!("{len}{body}")
}

#[derive(Debug, PartialEq, Eq)]
struct Meta {
    kind: char,
    perm: u32,
    size: u64,
    uid: u32,
    gid: u32,
    mtime: u32,
    link: String,
    data: Vec<u8>,
}

fn host_meta(root: &Path) -> BTreeMap<String, Meta> {
    let mut out = BTreeMap::new();
    fn walk(root: &Path, rel: &str, out: &mut BTreeMap<String, Meta>) {
        for e in std::fs::read_dir(root.join(rel.trim_start_matches('/'))).unwrap() {
            let e = e.unwrap();
            let r = format!("{rel}/{}", e.file_name().to_string_lossy());
            let p = root.join(r.trim_start_matches('/'));
            let m = std::fs::symlink_metadata(&p).unwrap();
            let ft = m.file_type();
            let (kind, link, data, size) = if ft.is_dir() {
                ('d', String::new(), vec![], 0)
            } else if ft.is_symlink() {
                let t = std::fs::read_link(&p)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                ('l', t.clone(), vec![], t.len() as u64)
            } else if ft.is_char_device() {
                (
                    'c',
                    format!("c {} {}", m.rdev() >> 8 & 0xfff, m.rdev() & 0xff),
                    vec![],
                    0,
                )
            } else if ft.is_fifo() {
                ('p', String::new(), vec![], 0)
            } else {
                ('-', String::new(), std::fs::read(&p).unwrap(), m.len())
            };
            out.insert(
                r.clone(),
                Meta {
                    kind,
                    perm: m.mode() & 0o7777,
                    size,
                    uid: m.uid(),
                    gid: m.gid(),
                    mtime: m.mtime() as u32,
                    link,
                    data,
                },
            );
            if ft.is_dir() {
                walk(root, &r, out);
            }
        }
    }
    walk(root, "", &mut out);
    out
}

fn ns_meta(ns: &Namespace) -> BTreeMap<String, Meta> {
    let mut out = BTreeMap::new();
    fn walk(ns: &Namespace, rel: &str, out: &mut BTreeMap<String, Meta>) {
        let dir = ns.open(if rel.is_empty() { "/" } else { rel }, 0).unwrap();
        for d in dir.dirread_unique().unwrap() {
            let r = format!("{rel}/{}", d.name);
            let Walked::Chan(c) = ns.walk_nofollow(&r).unwrap() else {
                panic!("{r}")
            };
            let st = c.stat().unwrap();
            assert_eq!(
                st,
                {
                    let mut x = d.clone();
                    x.name = st.name.clone();
                    x
                },
                "listing vs stat of {r}"
            );
            let mut perm = st.mode & 0o777;
            if st.mode & DMSETUID != 0 {
                perm |= 0o4000;
            }
            let (kind, link, data) = if st.mode & DMDIR != 0 {
                ('d', String::new(), vec![])
            } else if st.mode & DMSYMLINK != 0 {
                ('l', c.readlink().unwrap(), vec![])
            } else if st.mode & DMDEVICE != 0 {
                ('c', st.extension.clone(), vec![])
            } else if st.mode & DMNAMEDPIPE != 0 {
                ('p', String::new(), vec![])
            } else {
                let f = ns.open(&r, 0).unwrap();
                let mut buf = vec![0u8; st.length as usize + 10];
                let mut n = 0;
                loop {
                    let k = f.pread(&mut buf[n..], None).unwrap();
                    if k == 0 {
                        break;
                    }
                    n += k;
                }
                buf.truncate(n);
                ('-', String::new(), buf)
            };
            out.insert(
                r.clone(),
                Meta {
                    kind,
                    perm,
                    size: if kind == 'd' { 0 } else { st.length },
                    uid: st.n_uid,
                    gid: st.n_gid,
                    mtime: st.mtime,
                    link,
                    data,
                },
            );
            if kind == 'd' {
                walk(ns, &r, out);
            }
        }
    }
    walk(ns, "", &mut out);
    out
}

fn compare(tarfile: &Path, extracted: &Path) {
    let ns = Namespace::new(
        kernel::dev::attach(&format!("#T{}", tarfile.display()))
            .unwrap()
            .0,
    );
    let want = host_meta(extracted);
    let got = ns_meta(&ns);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    for (k, w) in &want {
        assert_eq!(&got[k], w, "{k}");
    }
    // A hard link is the same file.
    let a = ns.walk("/bin/busybox").unwrap();
    let b = ns.walk("/bin/busybox-hard").unwrap();
    assert_eq!(a.qid, b.qid);
    assert_eq!(a.getattr().unwrap().nlink, 2);
    // The data path: the archive's fd and the member's extent.
    let f = ns.open("/bin/busybox", 0).unwrap();
    let (fd, off, len) = f.host_extent().unwrap();
    let mut head = [0u8; 4];
    rustix::io::pread(fd, &mut head, off).unwrap();
    assert_eq!(len, busybox().len() as u64);
    assert_eq!(&head, &busybox()[..4]);
    // Read-only.
    assert!(ns.open("/bin/busybox", 1).is_err());
    assert!(ns.create("/newfile", 1, 0o644).is_err());
}

#[test]
fn tar_device_matches_tar_x() {
    let t = tempfile::tempdir().unwrap();
    std::env::set_var("XDG_CACHE_HOME", t.path().join("cache"));
    let tarfile = t.path().join("rootfs.tar");
    build_tar(&tarfile);
    let out = t.path().join("x");
    std::fs::create_dir(&out).unwrap();
    let st = Command::new("tar")
        .args([
            "-x",
            "-p",
            "--same-owner",
            "--delay-directory-restore",
            "-f",
        ])
        .arg(&tarfile)
        .arg("-C")
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    compare(&tarfile, &out);
    // The index was cached; a second device (another process would do the
    // same) loads it instead of reading the tar.
    let count = |ext: &str| {
        std::fs::read_dir(t.path().join("cache/ninux"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == ext)
            })
            .count()
    };
    // (Other tests in this binary may index their tars here too.)
    assert!(count("idx") >= 1);
    assert_eq!(count("tar"), 0);

    // The same tar gzip-compressed: decompressed once into the cache.
    let gz = t.path().join("rootfs.tar.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    enc.write_all(&std::fs::read(&tarfile).unwrap()).unwrap();
    enc.finish().unwrap();
    compare(&gz, &out);
    assert_eq!(count("tar"), 1, "the gz decompressed once");
}

#[test]
fn damaged_tar_is_an_error_naming_the_file() {
    let t = tempfile::tempdir().unwrap();
    let good = t.path().join("good.tar");
    build_tar(&good);
    let bytes = std::fs::read(&good).unwrap();
    // Corrupt a header checksum in the middle, and truncate another copy.
    let bad = t.path().join("bad.tar");
    let mut b = bytes.clone();
    b[512 * 3 + 150] ^= 0x55;
    std::fs::write(&bad, &b).unwrap();
    let short = t.path().join("short.tar");
    std::fs::write(&short, &bytes[..bytes.len() / 3 + 17]).unwrap();
    let gz = t.path().join("bad.tar.gz");
    std::fs::write(&gz, [0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7]).unwrap();
    for p in [&bad, &gz] {
        let e = kernel::dev::attach(&format!("#T{}", p.display())).unwrap_err();
        assert!(e.as_str().contains(&*p.to_string_lossy()), "{e}");
    }
    for p in [&short] {
        match kernel::dev::attach(&format!("#T{}", p.display())) {
            Err(e) => assert!(e.as_str().contains(&*p.to_string_lossy()), "{e}"),
            Ok(_) => {
                // A truncated tar may index fine up to its end; reading past
                // it must then fail cleanly rather than panic.
            }
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Damaged archives (random bytes flipped in a good one, or cut short)
    /// never panic: they index as far as they make sense, or fail naming
    /// the file, and reading what was indexed never panics either.
    #[test]
    fn damaged_tars_never_panic(flips in proptest::collection::vec((0usize..1 << 20, proptest::prelude::any::<u8>()), 1..8), cut in 0usize..1 << 20) {
        let t = tempfile::tempdir().unwrap();
        let good = t.path().join("good.tar");
        build_tar(&good);
        let mut b = std::fs::read(&good).unwrap();
        // Header blocks are where the damage matters: stay in the first ones.
        for (at, v) in flips {
            let i = at % b.len().min(64 * 1024);
            b[i] ^= v | 1;
        }
        b.truncate(cut % b.len() + 1);
        let bad = t.path().join("bad.tar");
        std::fs::write(&bad, &b).unwrap();
        match kernel::dev::attach(&format!("#T{}", bad.display())) {
            Err(e) => proptest::prop_assert!(e.as_str().contains(&*bad.to_string_lossy()), "{}", e),
            Ok((c, _)) => {
                let ns = Namespace::new(c);
                let d = ns.open("/", 0).unwrap();
                for e in d.dirread().unwrap() {
                    if let Ok(f) = ns.open(&format!("/{}", e.name), 0) {
                        let mut buf = [0u8; 4096];
                        let _ = f.pread(&mut buf, Some(0));
                    }
                }
            }
        }
    }
}
