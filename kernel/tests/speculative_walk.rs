//! Speculative walks (directories taken from `#Z`'s cache on trust, the
//! path checked once at the end) against exact ones: after any sequence of
//! changes made on the host behind the namespace's back, a namespace that
//! has walked everything before (its caches warm) sees every path as a
//! namespace attached afresh does. Both on a host directory device and on a
//! copy-on-write layer over one, as a run's root is.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use kernel::dev::Device;
use kernel::devcow::CowDev;
use kernel::devhost::HostDev;
use kernel::{Chan, Namespace, Walked};
use proptest::prelude::*;

const NAMES: &[&str] = &["a", "b"];
const DEPTH: usize = 3;

/// A path of 1..=DEPTH names, as indices into NAMES.
fn path_strategy() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0..NAMES.len(), 1..=DEPTH)
}

fn rel(p: &[usize]) -> String {
    p.iter().map(|&i| NAMES[i]).collect::<Vec<_>>().join("/")
}

/// Every path the walks are compared on, deepest first: a walk's last
/// element is looked at exactly and refreshes the cache, so a shallower
/// path walked first would heal what the deeper walk should have found
/// stale.
fn all_paths() -> Vec<String> {
    let mut out = Vec::new();
    let mut level: Vec<String> = vec![String::new()];
    for _ in 0..DEPTH {
        let mut next = Vec::new();
        for p in &level {
            for n in NAMES {
                next.push(format!("{p}/{n}"));
            }
        }
        out.extend(next.iter().map(|p| format!("{p}/f")));
        out.extend(next.iter().cloned());
        level = next;
    }
    out.sort_by_key(|p| std::cmp::Reverse(p.matches('/').count()));
    out
}

/// A change made on the host, as another process would make it.
#[derive(Clone, Debug)]
enum Change {
    Mkdir(Vec<usize>),
    Write(Vec<usize>, u8),
    Rename(Vec<usize>, Vec<usize>),
    /// Replaces the path with a symlink to another path of the tree.
    Symlink(Vec<usize>, Vec<usize>),
    Remove(Vec<usize>),
}

fn change_strategy() -> impl Strategy<Value = Change> {
    prop_oneof![
        path_strategy().prop_map(Change::Mkdir),
        (path_strategy(), any::<u8>()).prop_map(|(p, b)| Change::Write(p, b)),
        (path_strategy(), path_strategy()).prop_map(|(a, b)| Change::Rename(a, b)),
        (path_strategy(), path_strategy()).prop_map(|(a, b)| Change::Symlink(a, b)),
        path_strategy().prop_map(Change::Remove),
    ]
}

fn remove(p: &Path) {
    match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(p).unwrap(),
        Ok(_) => std::fs::remove_file(p).unwrap(),
        Err(_) => {}
    }
}

/// A symlink target, for a link at `from`, naming `to` relative to the
/// link's own directory: the host changes made through the link (which
/// follow it) stay in the tree. An absolute target would be the host's.
fn inside(from: &[usize], to: &[usize]) -> String {
    "../".repeat(from.len() - 1) + &rel(to)
}

/// Applies `c` below `root`; changes the host refuses are skipped. Only
/// `remove` does not follow a symlink, so every symlink stays in the tree.
fn apply(root: &Path, c: &Change) {
    let at = |p: &[usize]| root.join(rel(p));
    match c {
        Change::Mkdir(p) => drop(std::fs::create_dir_all(at(p))),
        Change::Write(p, b) => drop(std::fs::write(at(p), vec![*b; 1 + *b as usize % 7])),
        Change::Rename(a, b) => drop(std::fs::rename(at(a), at(b))),
        Change::Symlink(a, b) => {
            remove(&at(a));
            drop(symlink(inside(a, b), at(a)));
        }
        Change::Remove(p) => remove(&at(p)),
    }
}

/// What a walk of `path` shows: the file's identity, type, length and,
/// through the device's own stat of the walked file, its name and mode.
fn seen(ns: &Namespace, path: &str) -> String {
    match ns.walk_nofollow(path) {
        Ok(Walked::Chan(c)) => match c.stat() {
            Ok(d) => format!(
                "{} qid {:#x}/{} len {} mode {:o} name {}",
                c.name, c.qid.path, c.qid.qtype, d.length, d.mode, d.name
            ),
            Err(e) => format!("{} stat: {e}", c.name),
        },
        Ok(Walked::Symlink {
            prefix,
            target,
            rest,
        }) => format!("symlink {prefix} -> {target}, then {rest}"),
        Err(e) => format!("error {e}"),
    }
}

struct World {
    tmp: tempfile::TempDir,
    /// The directory the changes are made in: the device's root, or the
    /// copy-on-write layer's lower one.
    host: PathBuf,
    cow: bool,
}

fn world(cow: bool) -> World {
    let tmp = tempfile::tempdir().unwrap();
    // Padded: a relative symlink made inside a directory a link led to can
    // climb above the tree, but never by DEPTH levels, so never out of tmp.
    let host = tmp.path().join("pad/".repeat(DEPTH)).join("lower");
    std::fs::create_dir_all(&host).unwrap();
    std::fs::create_dir(tmp.path().join("upper")).unwrap();
    World { tmp, host, cow }
}

/// A namespace on devices of its own, with caches of their own (a name
/// like `#Z/dir` would find the device made before).
fn namespace(w: &World) -> Namespace {
    let host: Arc<dyn Device> = Arc::new(HostDev::new(&w.host).unwrap());
    let root = if w.cow {
        let upper = w.tmp.path().join("upper");
        let cow = CowDev::over(&upper, host, "#Zlower").unwrap();
        Chan::attach(cow.id(), cow.attach().unwrap())
    } else {
        Chan::attach(host.id(), host.attach().unwrap())
    };
    Namespace::new(root)
}

fn check(cow: bool, setup: &[Vec<usize>], changes: &[Change]) -> Result<(), TestCaseError> {
    let w = world(cow);
    for p in setup {
        std::fs::create_dir_all(w.host.join(rel(p))).unwrap();
        std::fs::write(w.host.join(rel(p)).join("f"), b"file").unwrap();
    }
    let paths = all_paths();
    let warm = namespace(&w);
    for p in &paths {
        seen(&warm, p);
    }
    for c in changes {
        apply(&w.host, c);
        let fresh = namespace(&w);
        for p in &paths {
            prop_assert_eq!(seen(&warm, p), seen(&fresh, p), "{} after {:?}", p, c);
        }
    }
    Ok(())
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(64)))]

    #[test]
    fn host_directory_walks_see_host_changes(
        setup in prop::collection::vec(path_strategy(), 1..6),
        changes in prop::collection::vec(change_strategy(), 1..12),
    ) {
        check(false, &setup, &changes)?;
    }

    #[test]
    fn copy_on_write_walks_see_lower_changes(
        setup in prop::collection::vec(path_strategy(), 1..6),
        changes in prop::collection::vec(change_strategy(), 1..12),
    ) {
        check(true, &setup, &changes)?;
    }
}

/// The case the proptest is built to find, spelled out: a directory moved
/// away and another put in its place, then one replaced by a symlink to
/// where it went.
#[test]
fn a_directory_replaced_under_a_warm_cache() {
    let w = world(false);
    std::fs::create_dir_all(w.host.join("a/b/c")).unwrap();
    std::fs::write(w.host.join("a/b/c/f"), b"old").unwrap();
    let warm = namespace(&w);
    let before = seen(&warm, "/a/b/c/f");
    assert!(before.contains("len 3"), "{before}");

    std::fs::rename(w.host.join("a/b"), w.host.join("a/old")).unwrap();
    std::fs::create_dir_all(w.host.join("a/b/c")).unwrap();
    std::fs::write(w.host.join("a/b/c/f"), b"newer").unwrap();
    let after = seen(&warm, "/a/b/c/f");
    assert!(after.contains("len 5"), "{after}");
    assert_eq!(after, seen(&namespace(&w), "/a/b/c/f"));

    std::fs::remove_dir_all(w.host.join("a/b")).unwrap();
    symlink("old", w.host.join("a/b")).unwrap();
    assert_eq!(seen(&warm, "/a/b/c/f"), "symlink /a/b -> old, then c/f");
}
