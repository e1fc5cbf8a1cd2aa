//! Walks report symlinks and never follow them; the caller (the Linux
//! personality) resolves them. walk_follow shows the resolution the
//! personality is expected to do; walk_at walks from a directory chan.

use std::os::unix::fs::symlink;

use kernel::error::{ELOOP, ENOTDIR};
use kernel::{Namespace, Walked};
use ninep::{DMDIR, DMSYMLINK};

fn setup() -> (tempfile::TempDir, Namespace) {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    std::fs::create_dir_all(r.join("usr/bin")).unwrap();
    std::fs::write(r.join("usr/bin/prog"), b"#!prog").unwrap();
    symlink("usr/bin", r.join("bin")).unwrap();
    symlink("/usr", r.join("abs")).unwrap();
    symlink("loop2", r.join("loop1")).unwrap();
    symlink("loop1", r.join("loop2")).unwrap();
    symlink("/proc/self/root", r.join("magic")).unwrap();
    let ns = Namespace::new(
        kernel::dev::attach(&format!("#Z{}", r.display()))
            .unwrap()
            .0,
    );
    (t, ns)
}

#[test]
fn symlinks_are_reported() {
    let (_t, ns) = setup();
    match ns.walk_nofollow("/bin/prog").unwrap() {
        Walked::Symlink {
            prefix,
            target,
            rest,
        } => {
            assert_eq!(
                (prefix.as_str(), target.as_str(), rest.as_str()),
                ("/bin", "usr/bin", "prog")
            );
        }
        w => panic!("{w:?}"),
    }
    let Walked::Chan(c) = ns.walk_nofollow("/bin").unwrap() else {
        panic!()
    };
    assert!(c.qid.is_symlink());
    assert_eq!(c.readlink().unwrap(), "usr/bin");
    let d = ns.stat("/bin").unwrap();
    assert_eq!(d.mode & DMSYMLINK, DMSYMLINK);
    assert_eq!(d.name, "bin");
    // A plain walk (a 9P client's view) cannot pass a symlink.
    assert_eq!(ns.walk("/bin/prog").unwrap_err(), ENOTDIR);
    // The magic link is just a symlink whose target names the guest's /proc.
    assert_eq!(
        ns.walk("/magic").unwrap().readlink().unwrap(),
        "/proc/self/root"
    );
}

#[test]
fn follow_resolves_like_the_personality() {
    let (_t, ns) = setup();
    assert_eq!(ns.walk_follow("/bin/prog").unwrap().name, "/usr/bin/prog");
    assert_eq!(
        ns.walk_follow("/abs/bin/prog").unwrap().name,
        "/usr/bin/prog"
    );
    assert_eq!(ns.walk_follow("/loop1").unwrap_err(), ELOOP);
    // /magic → /proc/self/root: resolved in this namespace, where there is no /proc.
    assert!(ns.walk_follow("/magic/etc").is_err());
}

#[test]
fn walk_at_from_a_directory_chan() {
    let (_t, ns) = setup();
    let usr = ns.walk("/usr").unwrap();
    let Walked::Chan(c) = ns.walk_at(&usr, "bin/prog").unwrap() else {
        panic!()
    };
    assert_eq!(c.name, "/usr/bin/prog");
    // `..` leaves base lexically: /usr/../bin/prog is /bin/prog, via the symlink.
    assert!(matches!(
        ns.walk_at(&usr, "../bin/prog").unwrap(),
        Walked::Symlink { .. }
    ));
    let Walked::Chan(c) = ns.walk_at(&usr, ".").unwrap() else {
        panic!()
    };
    assert_eq!(c.qid, usr.qid);
}

#[test]
fn create_symlink_dir_and_hard_link() {
    let (t, ns) = setup();
    ns.create_ext("/newlink", 0, DMSYMLINK | 0o777, "usr/bin")
        .unwrap();
    assert_eq!(
        std::fs::read_link(t.path().join("newlink"))
            .unwrap()
            .to_str(),
        Some("usr/bin")
    );
    ns.create("/usr/d", 0, DMDIR | 0o750).unwrap();
    assert!(t.path().join("usr/d").is_dir());
    assert_eq!(
        ns.create("/usr/d", 0, DMDIR | 0o750).unwrap_err(),
        kernel::error::EEXIST
    );
    ns.link("/usr/bin/prog", "/usr/d/hard").unwrap();
    assert_eq!(ns.walk("/usr/d/hard").unwrap().getattr().unwrap().nlink, 2);
    ns.rename("/usr/d/hard", "/usr/moved").unwrap();
    assert_eq!(
        std::fs::read(t.path().join("usr/moved")).unwrap(),
        b"#!prog"
    );
    assert_eq!(
        ns.rename("/usr/moved", "/usr/bin/prog/x").unwrap_err(),
        ENOTDIR
    );
}

#[test]
fn getdents_in_pieces_with_seekdir() {
    let (t, ns) = setup();
    for i in 0..10 {
        std::fs::write(t.path().join(format!("usr/f{i}")), b"").unwrap();
    }
    let d = ns.open("/usr", 0).unwrap();
    let mut all = Vec::new();
    loop {
        let v = d.getdents(3).unwrap();
        if v.is_empty() {
            break;
        }
        assert!(v.len() <= 3);
        all.extend(v.into_iter().map(|d| d.name));
    }
    assert_eq!(all.len(), 11);
    d.seek_dirent(5).unwrap();
    assert_eq!(
        d.getdents(100).unwrap().first().map(|d| d.name.clone()),
        Some(all[5].clone())
    );
    d.seek(0).unwrap();
    assert_eq!(d.getdents(100).unwrap().len(), 11);
}

/// The qid path a walk of `path` reaches.
fn qid_at(ns: &Namespace, path: &str) -> u64 {
    ns.walk(path).unwrap().qid.path
}

/// Walks enough for the process to start watching host directories (a
/// short-lived one never does), so the walks after are vouched for.
fn warm(ns: &Namespace) {
    for _ in 0..200 {
        ns.stat("/usr/bin/prog").unwrap();
    }
}

#[test]
fn kept_walks_follow_binds_and_host_changes() {
    let (t, ns) = setup();
    let r = t.path();
    std::fs::create_dir_all(r.join("other/bin")).unwrap();
    std::fs::write(r.join("other/bin/prog"), b"other").unwrap();
    std::fs::write(r.join("usr/bin/sh"), b"sh").unwrap();
    warm(&ns);
    let first = qid_at(&ns, "/usr/bin/prog");
    // Walked again from the kept /usr/bin: the same file.
    assert_eq!(qid_at(&ns, "/usr/bin/prog"), first);
    assert_eq!(ns.stat("/usr/bin/sh").unwrap().length, 2);

    // A bind over the kept directory: the walk goes through it now.
    ns.bind("/other/bin", "/usr/bin", kernel::namespace::MREPL)
        .unwrap();
    assert_eq!(ns.stat("/usr/bin/prog").unwrap().length, 5);
    assert!(ns.walk("/usr/bin/sh").is_err());
    ns.unmount(None, "/usr/bin").unwrap();
    assert_eq!(qid_at(&ns, "/usr/bin/prog"), first);

    // The kept directory renamed on the host, another put in its place.
    std::fs::rename(r.join("usr/bin"), r.join("usr/old")).unwrap();
    std::fs::rename(r.join("other/bin"), r.join("usr/bin")).unwrap();
    assert_eq!(ns.stat("/usr/bin/prog").unwrap().length, 5);
    // And a symlink in the kept directory's place: reported, not passed.
    std::fs::rename(r.join("usr/bin"), r.join("usr/new")).unwrap();
    symlink("old", r.join("usr/bin")).unwrap();
    match ns.walk_nofollow("/usr/bin/prog").unwrap() {
        Walked::Symlink { prefix, .. } => assert_eq!(prefix, "/usr/bin"),
        w => panic!("{w:?}"),
    }
}

/// The length of `path`'s file, as a stat of its last element in the kept
/// directory says (when it can) and as a walk says.
fn lengths(ns: &Namespace, path: &str) -> (Option<u64>, u64) {
    let kept = ns.stat_kept(path).map(|(_, a)| a.length);
    (kept, ns.stat(path).unwrap().length)
}

#[test]
fn a_directory_found_where_only_files_were_is_watched_from_then_on() {
    let (t, ns) = setup();
    let r = t.path();
    warm(&ns);
    // /usr/bin holds only files so far: nothing about it is watched.
    assert_eq!(
        ns.stat("/usr/bin/prog").unwrap().qid.path,
        qid_at(&ns, "/usr/bin/prog")
    );
    std::fs::create_dir(r.join("usr/bin/sub")).unwrap();
    std::fs::write(r.join("usr/bin/sub/f"), b"one").unwrap();
    for _ in 0..3 {
        let (kept, walked) = lengths(&ns, "/usr/bin/sub/f");
        assert_eq!(walked, 3);
        assert!(kept.is_none_or(|k| k == 3), "{kept:?}");
    }
    // Renamed away on the host, another in its place: the directory
    // found in /usr/bin made it watched, so the cached walk is not kept.
    std::fs::rename(r.join("usr/bin/sub"), r.join("usr/bin/gone")).unwrap();
    std::fs::create_dir(r.join("usr/bin/sub")).unwrap();
    std::fs::write(r.join("usr/bin/sub/f"), b"three").unwrap();
    let (kept, walked) = lengths(&ns, "/usr/bin/sub/f");
    assert_eq!(walked, 5);
    assert!(kept.is_none_or(|k| k == 5), "{kept:?}");
}

#[test]
fn a_mount_over_a_kept_directory_is_seen() {
    let (t, ns) = setup();
    let r = t.path();
    warm(&ns);
    let target = std::ffi::CString::new(r.join("usr").to_str().unwrap()).unwrap();
    // SAFETY: plain C strings; the mount is undone below.
    let mounted = unsafe {
        libc::mount(
            c"none".as_ptr(),
            target.as_ptr(),
            c"tmpfs".as_ptr(),
            0,
            std::ptr::null(),
        )
    } == 0;
    if !mounted {
        // Not root here: nothing to show.
        eprintln!("skipped: cannot mount a tmpfs");
        return;
    }
    struct Unmount(std::ffi::CString);
    impl Drop for Unmount {
        fn drop(&mut self) {
            // SAFETY: a C string naming the mount made above.
            unsafe { libc::umount2(self.0.as_ptr(), libc::MNT_DETACH) };
        }
    }
    let _unmount = Unmount(target);
    std::fs::create_dir_all(r.join("usr/bin")).unwrap();
    std::fs::write(r.join("usr/bin/prog"), b"mounted!").unwrap();
    assert_eq!(ns.stat("/usr/bin/prog").unwrap().length, 8);
}
