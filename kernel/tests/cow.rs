//! The copy-on-write layer against a plain directory: after any sequence of
//! writes, removes, renames and mkdirs through the layer, the layer's view is
//! what the same sequence makes of a plain copy of the lower directory, every
//! operation succeeds or fails alike, and the lower directory is unchanged.

use std::collections::BTreeMap;
use std::path::Path;

use kernel::{Namespace, Walked};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Write(String, Vec<u8>),
    Remove(String),
    Rename(String, String),
    Mkdir(String),
}

fn path_strategy() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        Just("a"),
        Just("b"),
        Just("c"),
        Just("d"),
        Just("f1"),
        Just("x")
    ];
    prop::collection::vec(name, 1..=3).prop_map(|v| v.join("/"))
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (path_strategy(), prop::collection::vec(any::<u8>(), 0..20)).prop_map(|(p, d)| Op::Write(p, d)),
        2 => path_strategy().prop_map(Op::Remove),
        2 => (path_strategy(), path_strategy()).prop_map(|(a, b)| Op::Rename(a, b)),
        2 => path_strategy().prop_map(Op::Mkdir),
    ]
}

fn make_lower(dir: &Path) {
    for d in ["a/d", "c", "d/a"] {
        std::fs::create_dir_all(dir.join(d)).unwrap();
    }
    for (f, data) in [
        ("a/f1", "one"),
        ("a/d/f1", "deep"),
        ("b", "bee"),
        ("d/a/x", "dax"),
    ] {
        std::fs::write(dir.join(f), data).unwrap();
    }
}

/// path → Some(contents) for files, None for directories.
type Tree = BTreeMap<String, Option<Vec<u8>>>;

fn host_tree(dir: &Path) -> Tree {
    fn walk(base: &Path, rel: &str, out: &mut Tree) {
        for e in std::fs::read_dir(base.join(rel)).unwrap() {
            let e = e.unwrap();
            let r = if rel.is_empty() {
                e.file_name().to_string_lossy().into_owned()
            } else {
                format!("{rel}/{}", e.file_name().to_string_lossy())
            };
            if e.file_type().unwrap().is_dir() {
                out.insert(r.clone(), None);
                walk(base, &r, out);
            } else {
                out.insert(r.clone(), Some(std::fs::read(base.join(&r)).unwrap()));
            }
        }
    }
    let mut t = Tree::new();
    walk(dir, "", &mut t);
    t
}

fn ns_tree(ns: &Namespace) -> Tree {
    fn walk(ns: &Namespace, rel: &str, out: &mut Tree) {
        let d = ns.open(&format!("/{rel}"), 0).unwrap();
        for e in d.dirread_unique().unwrap() {
            let r = if rel.is_empty() {
                e.name.clone()
            } else {
                format!("{rel}/{}", e.name)
            };
            if e.is_dir() {
                out.insert(r.clone(), None);
                walk(ns, &r, out);
            } else {
                let c = ns.open(&format!("/{r}"), 0).unwrap();
                let mut buf = vec![0u8; 4096];
                let n = c.pread(&mut buf, Some(0)).unwrap();
                buf.truncate(n);
                out.insert(r, Some(buf));
            }
        }
    }
    let mut t = Tree::new();
    walk(ns, "", &mut t);
    t
}

fn apply_host(dir: &Path, op: &Op) -> bool {
    match op {
        Op::Write(p, d) => std::fs::write(dir.join(p), d).is_ok(),
        Op::Remove(p) => {
            let full = dir.join(p);
            match std::fs::symlink_metadata(&full) {
                Ok(m) if m.is_dir() => std::fs::remove_dir(&full).is_ok(),
                Ok(_) => std::fs::remove_file(&full).is_ok(),
                Err(_) => false,
            }
        }
        Op::Rename(a, b) => std::fs::rename(dir.join(a), dir.join(b)).is_ok(),
        Op::Mkdir(p) => std::fs::create_dir(dir.join(p)).is_ok(),
    }
}

fn apply_ns(ns: &Namespace, op: &Op) -> kernel::Result<()> {
    match op {
        Op::Write(p, d) => {
            let c = ns.create(&format!("/{p}"), ninep::OWRITE as u32, 0o644)?;
            c.pwrite(d, Some(0))?;
            Ok(())
        }
        Op::Remove(p) => ns.remove(&format!("/{p}")),
        Op::Rename(a, b) => ns.rename(&format!("/{a}"), &format!("/{b}")),
        Op::Mkdir(p) => ns
            .create(&format!("/{p}"), 0, ninep::DMDIR | 0o755)
            .map(|_| ()),
    }
}

fn is_dir(ns: &Namespace, p: &str) -> bool {
    matches!(ns.walk_nofollow(&format!("/{p}")), Ok(Walked::Chan(c)) if c.is_dir())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(64)))]

    #[test]
    fn cow_matches_plain_directory(ops in prop::collection::vec(op_strategy(), 1..14)) {
        let t = tempfile::tempdir().unwrap();
        let (lower, upper, model) = (t.path().join("lower"), t.path().join("upper"), t.path().join("model"));
        make_lower(&lower);
        make_lower(&model);
        let before = host_tree(&lower);
        let root = kernel::dev::attach(&format!("#W{}:#Z{}", upper.display(), lower.display())).unwrap().0;
        let ns = Namespace::new(root);
        for op in &ops {
            let was_dir = matches!(op, Op::Rename(a, _) if is_dir(&ns, a));
            let got = apply_ns(&ns, op);
            if was_dir && got.as_ref().err() == Some(&kernel::error::EXDEV) {
                // A directory with a lower part is not renamed (mv copies).
                continue;
            }
            let want = apply_host(&model, op);
            prop_assert_eq!(got.is_ok(), want, "{:?}: {:?}", op, got);
            prop_assert_eq!(ns_tree(&ns), host_tree(&model), "after {:?}", op);
        }
        prop_assert_eq!(host_tree(&lower), before);
    }
}

#[test]
fn copy_up_keeps_mode_and_lower_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let t = tempfile::tempdir().unwrap();
    let (lower, upper) = (t.path().join("lower"), t.path().join("upper"));
    make_lower(&lower);
    std::fs::set_permissions(lower.join("b"), std::fs::Permissions::from_mode(0o751)).unwrap();
    let ns = Namespace::new(
        kernel::dev::attach(&format!("#W{}:#Z{}", upper.display(), lower.display()))
            .unwrap()
            .0,
    );
    let q = ns.walk("/b").unwrap().qid;
    let c = ns.open("/b", ninep::ORDWR as u32).unwrap();
    c.pwrite(b"B", Some(0)).unwrap();
    assert_eq!(std::fs::read(lower.join("b")).unwrap(), b"bee");
    assert_eq!(std::fs::read(upper.join("b")).unwrap(), b"Bee");
    assert_eq!(
        std::fs::metadata(upper.join("b"))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777,
        0o751
    );
    // qid (the inode a Linux program sees) is stable across copy-up.
    assert_eq!(ns.walk("/b").unwrap().qid.path, q.path);
    // The data path is a host fd on the upper copy.
    assert!(c.host_fd().is_some());
    ns.remove("/a/f1").unwrap();
    assert!(lower.join("a/f1").exists());
    assert!(ns.walk("/a/f1").is_err());
    let names: Vec<String> = ns
        .open("/a", 0)
        .unwrap()
        .dirread_unique()
        .unwrap()
        .into_iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(names, vec!["d".to_string()]);
}

/// The case count: `PROPTEST_CASES` when set (for long runs), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}
