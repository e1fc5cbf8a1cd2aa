//! Union directories against a simple model: lookup takes the first member
//! holding a name, a listing concatenates members (duplicates kept; the
//! Linux view drops later ones), create opens-and-truncates an existing name
//! wherever lookup finds it and otherwise goes to the first MCREATE member,
//! and `..` follows the path as written.

use std::collections::BTreeSet;
use std::path::Path;

use kernel::error::ENOCREATE;
use kernel::{cleanname, Namespace, MAFTER, MBEFORE, MCREATE, MREPL};
use proptest::prelude::*;

const NAMES: &[&str] = &["a", "b", "c", "d"];

/// One bind in the model: which member (1..) with which flags.
#[derive(Clone, Debug)]
struct Bind {
    member: usize,
    order: u32,
    create: bool,
}

fn bind_strategy(members: usize) -> impl Strategy<Value = Bind> {
    (
        1..=members,
        prop_oneof![Just(MREPL), Just(MBEFORE), Just(MAFTER)],
        any::<bool>(),
    )
        .prop_map(|(member, order, create)| Bind {
            member,
            order,
            create,
        })
}

/// Member 0 is the mounted-on directory itself.
fn model_union(binds: &[Bind]) -> Vec<(usize, bool)> {
    let mut u: Vec<(usize, bool)> = Vec::new();
    for b in binds {
        let m = (b.member, b.create);
        match b.order {
            MREPL => u = vec![m],
            MBEFORE => {
                if u.is_empty() {
                    u.push((0, false));
                }
                u.insert(0, m);
            }
            _ => {
                if u.is_empty() {
                    u.push((0, false));
                }
                u.push(m);
            }
        }
    }
    u
}

fn read(ns: &Namespace, path: &str) -> Vec<u8> {
    let c = ns.open(path, 0).unwrap();
    let mut buf = vec![0u8; 256];
    let n = c.pread(&mut buf, Some(0)).unwrap();
    buf.truncate(n);
    buf
}

struct World {
    _t: tempfile::TempDir,
    dirs: Vec<std::path::PathBuf>,
    ns: Namespace,
}

/// A root host dir with `u` (member 0) and members `m1..`, each holding the
/// given names with contents naming the member.
fn world(contents: &[BTreeSet<usize>]) -> World {
    let t = tempfile::tempdir().unwrap();
    let mut dirs = Vec::new();
    for (i, names) in contents.iter().enumerate() {
        let d = if i == 0 {
            t.path().join("root/u")
        } else {
            t.path().join(format!("m{i}"))
        };
        std::fs::create_dir_all(&d).unwrap();
        for &n in names {
            std::fs::write(d.join(NAMES[n]), format!("member{i}")).unwrap();
        }
        dirs.push(d);
    }
    let root = kernel::dev::attach(&format!("#Z{}", t.path().join("root").display()))
        .unwrap()
        .0;
    World {
        _t: t,
        dirs,
        ns: Namespace::new(root),
    }
}

fn members_strategy() -> impl Strategy<Value = Vec<BTreeSet<usize>>> {
    prop::collection::vec(
        prop::collection::btree_set(0..NAMES.len(), 0..=NAMES.len()),
        4,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(48)))]

    #[test]
    fn union_lookup_listing_create(contents in members_strategy(), binds in prop::collection::vec(bind_strategy(3), 1..5), create_name in 0..NAMES.len()) {
        let w = world(&contents);
        for b in &binds {
            let flags = b.order | if b.create { MCREATE } else { 0 };
            w.ns.bind(&format!("#Z{}", w.dirs[b.member].display()), "/u", flags).unwrap();
        }
        let model = model_union(&binds);
        // Lookup: the first member holding the name.
        for (i, n) in NAMES.iter().enumerate() {
            let want = model.iter().find(|(m, _)| contents[*m].contains(&i));
            let got = w.ns.walk(&format!("/u/{n}"));
            match want {
                None => prop_assert!(got.is_err()),
                Some((m, _)) => prop_assert_eq!(read(&w.ns, &format!("/u/{n}")), format!("member{m}").into_bytes()),
            }
        }
        // Listing: every member's names, duplicates kept; the unique view
        // has each name once.
        let d = w.ns.open("/u", 0).unwrap();
        let mut all: Vec<String> = d.dirread().unwrap().into_iter().map(|d| d.name).collect();
        all.sort();
        let mut want: Vec<String> = model.iter().flat_map(|(m, _)| contents[*m].iter().map(|&i| NAMES[i].to_string())).collect();
        want.sort();
        prop_assert_eq!(&all, &want);
        d.seek(0).unwrap();
        let uniq: Vec<String> = d.dirread_unique().unwrap().into_iter().map(|d| d.name).collect();
        let set: BTreeSet<String> = want.iter().cloned().collect();
        prop_assert_eq!(uniq.len(), set.len());
        prop_assert_eq!(uniq.into_iter().collect::<BTreeSet<_>>(), set);
        // Create: existing → that file truncated; else first MCREATE member.
        let name = NAMES[create_name];
        let holder = model.iter().find(|(m, _)| contents[*m].contains(&create_name)).map(|p| p.0);
        let creator = model.iter().find(|(_, c)| *c).map(|p| p.0);
        let r = w.ns.create(&format!("/u/{name}"), 1, 0o644);
        match (holder, creator) {
            (Some(m), _) => {
                let c = r.unwrap();
                c.pwrite(b"new", Some(0)).unwrap();
                prop_assert_eq!(std::fs::read(w.dirs[m].join(name)).unwrap(), b"new".to_vec());
            }
            (None, Some(m)) => {
                r.unwrap();
                prop_assert!(w.dirs[m].join(name).exists());
            }
            (None, None) => prop_assert_eq!(r.unwrap_err(), ENOCREATE),
        }
    }

    /// `..` is lexical: walking any path gives the chan of its cleaned form.
    #[test]
    fn dotdot_is_lexical(elems in prop::collection::vec(prop_oneof![Just("x"), Just("y"), Just(".."), Just("."), Just("")], 0..8)) {
        let t = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(t.path().join("x/y/x/y/x/y/x/y")).unwrap();
        std::fs::create_dir_all(t.path().join("y/x/y/x/y/x/y/x")).unwrap();
        std::fs::create_dir_all(t.path().join("x/x/x/x/x/x/x/x")).unwrap();
        std::fs::create_dir_all(t.path().join("y/y/y/y/y/y/y/y")).unwrap();
        let ns = Namespace::new(kernel::dev::attach(&format!("#Z{}", t.path().display())).unwrap().0);
        let p = format!("/{}", elems.join("/"));
        let clean = model_clean(&p);
        prop_assert_eq!(cleanname(&p), clean.clone());
        match (ns.walk(&p), ns.walk(&clean)) {
            (Ok(a), Ok(b)) => {
                prop_assert_eq!(a.qid, b.qid);
                prop_assert_eq!(a.name, clean);
            }
            (Err(_), Err(_)) => {}
            (a, b) => prop_assert!(false, "{:?} vs {:?}", a.map(|c| c.name), b.map(|c| c.name)),
        }
    }
}

/// A second, independent formulation of cleanname for rooted paths.
fn model_clean(p: &str) -> String {
    let mut stack: Vec<String> = Vec::new();
    for e in p.split('/') {
        if e == ".." {
            stack.pop();
        } else if !e.is_empty() && e != "." {
            stack.push(e.to_string());
        }
    }
    format!("/{}", stack.join("/"))
}

#[test]
fn dotdot_crosses_mount_points_by_name() {
    let t = tempfile::tempdir().unwrap();
    for d in ["root/a/b", "root/c", "other/inner"] {
        std::fs::create_dir_all(t.path().join(d)).unwrap();
    }
    std::fs::write(t.path().join("root/c/marker"), b"c").unwrap();
    let ns = Namespace::new(
        kernel::dev::attach(&format!("#Z{}", t.path().join("root").display()))
            .unwrap()
            .0,
    );
    ns.bind(
        &format!("#Z{}", t.path().join("other").display()),
        "/a/b",
        MREPL,
    )
    .unwrap();
    // /a/b/inner/.. is /a/b (the mounted root), /a/b/.. is /a, not other's parent.
    let c = ns.walk("/a/b/inner/../../../c/marker").unwrap();
    assert_eq!(c.name, "/c/marker");
    assert_eq!(ns.walk("/a/b/..").unwrap().qid, ns.walk("/a").unwrap().qid);
    assert!(ns.walk("/a/b/inner").is_ok());
    // fork copies; a bind in the copy is not seen by the original.
    let f = ns.fork();
    f.bind("/c", "/a", MREPL).unwrap();
    assert!(f.walk("/a/marker").is_ok());
    assert!(ns.walk("/a/marker").is_err());
    // unmount restores what was under.
    ns.unmount(None, "/a/b").unwrap();
    assert!(ns.walk("/a/b/inner").is_err());
    let _ = Path::new("/");
}

#[test]
fn bind_of_union_is_one_level() {
    let t = tempfile::tempdir().unwrap();
    for d in ["root/u", "root/v", "m1", "m2"] {
        std::fs::create_dir_all(t.path().join(d)).unwrap();
    }
    std::fs::write(t.path().join("m1/one"), b"1").unwrap();
    std::fs::write(t.path().join("m2/two"), b"2").unwrap();
    let ns = Namespace::new(
        kernel::dev::attach(&format!("#Z{}", t.path().join("root").display()))
            .unwrap()
            .0,
    );
    ns.bind(&format!("#Z{}", t.path().join("m1").display()), "/u", MREPL)
        .unwrap();
    ns.bind(
        &format!("#Z{}", t.path().join("m2").display()),
        "/u",
        MAFTER,
    )
    .unwrap();
    ns.bind("/u", "/v", MREPL).unwrap();
    assert_eq!(read(&ns, "/v/one"), b"1");
    assert_eq!(read(&ns, "/v/two"), b"2");
    ns.unmount(Some(&format!("#Z{}", t.path().join("m2").display())), "/u")
        .unwrap();
    assert!(ns.walk("/u/two").is_err());
    assert!(ns.walk("/v/two").is_ok());
}

/// The case count: `PROPTEST_CASES` when set (for long runs), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}
