//! Credentials: real, effective, saved and file-system user and group ids
//! and the supplementary groups, kept by the personality (the host process
//! keeps running as whoever started ninux), and the Linux permission check
//! they drive. A guest that drops root (`setresuid(65534, …)`) then gets
//! EACCES from the mode bits as on Linux: the personality checks search
//! permission along paths, read and write permission on open, write
//! permission on the directory for creating and removing names, and execute
//! permission for exec ([`may`], used by `fs` and `process::exec`).
//!
//! "Privileged" means euid 0 here, standing for CAP_SETUID, CAP_SETGID,
//! CAP_DAC_OVERRIDE and CAP_FOWNER together; capabilities themselves are
//! not modelled. Credentials are per process (glibc makes them so for its
//! threads) and survive fork and exec.

use crate::mem::{In, Out};
use crate::state::lock;
use crate::SysResult;
use abi::structs::Stat;
use abi::Errno;
use platform::Trap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;

/// Linux's NGROUPS_MAX.
const NGROUPS_MAX: usize = 65536;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Creds {
    /// Real, effective, saved, file-system.
    pub uid: [u32; 4],
    pub gid: [u32; 4],
    pub groups: Vec<u32>,
}

const R: usize = 0;
const E: usize = 1;
const S: usize = 2;
const FS: usize = 3;

static CREDS: Mutex<Option<Creds>> = Mutex::new(None);
/// The file-system uid as last set, or -1 before the first look: every
/// path walk asks [`privileged`], so a root guest never takes the lock.
static FSUID: AtomicI64 = AtomicI64::new(-1);

fn host_id(nr: i64) -> u32 {
    platform::host::plain(nr, [0; 3]).unwrap_or(0) as u32
}

/// The host's credentials, which a run starts with.
fn from_host() -> Creds {
    let (uid, euid) = (host_id(libc::SYS_getuid), host_id(libc::SYS_geteuid));
    let (gid, egid) = (host_id(libc::SYS_getgid), host_id(libc::SYS_getegid));
    let groups = platform::host::getgroups().unwrap_or_default();
    Creds {
        uid: [uid, euid, euid, euid],
        gid: [gid, egid, egid, egid],
        groups,
    }
}

/// This process's credentials.
pub fn current() -> Creds {
    let c = lock(&CREDS).get_or_insert_with(from_host).clone();
    FSUID.store(c.uid[FS] as i64, Ordering::Relaxed);
    c
}

/// The credentials to hand to the next image at execve, flattened.
/// The real and effective user and group ids, as the auxv gives them to
/// a new image: (uid, euid, gid, egid).
pub fn auxv_ids() -> (u64, u64, u64, u64) {
    let c = current();
    (
        c.uid[R].into(),
        c.uid[E].into(),
        c.gid[R].into(),
        c.gid[E].into(),
    )
}

pub fn export() -> Vec<u32> {
    let c = current();
    let mut v = c.uid.to_vec();
    v.extend(c.gid);
    v.extend(c.groups);
    v
}

/// Restores [`export`]'s credentials (empty: the host's).
pub fn restore(v: &[u32]) {
    if v.len() < 8 {
        return;
    }
    *lock(&CREDS) = Some(Creds {
        uid: [v[0], v[1], v[2], v[3]],
        gid: [v[4], v[5], v[6], v[7]],
        groups: v[8..].to_vec(),
    });
    FSUID.store(v[FS] as i64, Ordering::Relaxed);
}

fn update(f: impl FnOnce(&mut Creds) -> Result<(), Errno>) -> SysResult {
    let mut g = lock(&CREDS);
    let c = g.get_or_insert_with(from_host);
    let mut next = c.clone();
    f(&mut next)?;
    FSUID.store(next.uid[FS] as i64, Ordering::Relaxed);
    *c = next;
    Ok(0)
}

/// Access a permission check asks for: read, write, execute/search.
pub const MAY_READ: u32 = 4;
pub const MAY_WRITE: u32 = 2;
pub const MAY_EXEC: u32 = 1;

/// Whether the file-system ids (or the real ones, for access(2)) may access
/// a file of `st` as `want` (MAY_* bits): owner, group, other bits; root
/// passes except that execute needs some x bit on a non-directory.
pub fn may_as(c: &Creds, real: bool, st: &Stat, want: u32) -> bool {
    let (uid, gid) = if real {
        (c.uid[R], c.gid[R])
    } else {
        (c.uid[FS], c.gid[FS])
    };
    let is_dir = st.st_mode & 0o170000 == 0o040000;
    if uid == 0 {
        return want & MAY_EXEC == 0 || is_dir || st.st_mode & 0o111 != 0;
    }
    let granted = if st.st_uid == uid {
        (st.st_mode >> 6) & 7
    } else if st.st_gid == gid || c.groups.contains(&st.st_gid) {
        (st.st_mode >> 3) & 7
    } else {
        st.st_mode & 7
    };
    want & !granted == 0
}

/// [`may_as`] with the current file-system ids: Ok, or EACCES.
pub fn may(st: &Stat, want: u32) -> Result<(), Errno> {
    if may_as(&current(), false, st, want) {
        Ok(())
    } else {
        Err(Errno::EACCES)
    }
}

/// Whether permission checks can be skipped: the file-system uid is root
/// (exec's own check for an x bit stays). One atomic load.
pub fn privileged() -> bool {
    match FSUID.load(Ordering::Relaxed) {
        -1 => current().uid[FS] == 0,
        uid => uid == 0,
    }
}

/// Whether the effective uid is root: what stands for holding
/// capabilities (capget).
pub fn root_effective() -> bool {
    current().uid[E] == 0
}

/// Whether the effective uid may change ids freely (CAP_SETUID/SETGID).
fn capable(c: &Creds) -> bool {
    c.uid[E] == 0
}

/// -1 (as the guest passes it) means "unchanged".
fn id_arg(v: u64) -> Option<u32> {
    match v as u32 {
        u32::MAX => None,
        id => Some(id),
    }
}

/// setresuid/setresgid for one of the two id arrays: unprivileged callers
/// may only pick among the current real, effective and saved ids.
fn set_res(ids: &mut [u32; 4], cap: bool, want: [Option<u32>; 3]) -> Result<(), Errno> {
    let allowed = |v: u32| cap || ids[..3].contains(&v);
    if want.iter().flatten().any(|&v| !allowed(v)) {
        return Err(Errno::EPERM);
    }
    for (slot, v) in want.iter().enumerate() {
        if let Some(v) = v {
            ids[slot] = *v;
        }
    }
    ids[FS] = ids[E];
    Ok(())
}

/// setresuid(2)
pub fn setresuid(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let want = [id_arg(a[0]), id_arg(a[1]), id_arg(a[2])];
    update(|c| {
        let cap = capable(c);
        set_res(&mut c.uid, cap, want)
    })
}

/// setresgid(2)
pub fn setresgid(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let want = [id_arg(a[0]), id_arg(a[1]), id_arg(a[2])];
    update(|c| {
        let cap = capable(c);
        set_res(&mut c.gid, cap, want)
    })
}

/// setreuid/setregid: the real id may become the effective one, the
/// effective one any of the three; the saved id follows the new effective
/// one when the real id is set or the effective one leaves the real one.
fn set_re(ids: &mut [u32; 4], cap: bool, r: Option<u32>, e: Option<u32>) -> Result<(), Errno> {
    let old = *ids;
    if let Some(r) = r {
        if !cap && r != old[R] && r != old[E] {
            return Err(Errno::EPERM);
        }
    }
    if let Some(e) = e {
        if !cap && !old[..3].contains(&e) {
            return Err(Errno::EPERM);
        }
    }
    if let Some(r) = r {
        ids[R] = r;
    }
    if let Some(e) = e {
        ids[E] = e;
    }
    if r.is_some() || e.is_some_and(|e| e != old[R]) {
        ids[S] = ids[E];
    }
    ids[FS] = ids[E];
    Ok(())
}

/// setreuid(2)
pub fn setreuid(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    update(|c| {
        let cap = capable(c);
        set_re(&mut c.uid, cap, id_arg(a[0]), id_arg(a[1]))
    })
}

/// setregid(2)
pub fn setregid(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    update(|c| {
        let cap = capable(c);
        set_re(&mut c.gid, cap, id_arg(a[0]), id_arg(a[1]))
    })
}

/// setuid/setgid: privileged callers set all four ids, others only the
/// effective (and file-system) one, to the real or saved id.
fn set_one(ids: &mut [u32; 4], cap: bool, v: u32) -> Result<(), Errno> {
    if cap {
        *ids = [v; 4];
    } else if v == ids[R] || v == ids[S] {
        ids[E] = v;
        ids[FS] = v;
    } else {
        return Err(Errno::EPERM);
    }
    Ok(())
}

/// setuid(2)
pub fn setuid(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let v = a[0] as u32;
    if v == u32::MAX {
        return Err(Errno::EINVAL);
    }
    update(|c| {
        let cap = capable(c);
        set_one(&mut c.uid, cap, v)
    })
}

/// setgid(2)
pub fn setgid(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let v = a[0] as u32;
    if v == u32::MAX {
        return Err(Errno::EINVAL);
    }
    update(|c| {
        let cap = capable(c);
        set_one(&mut c.gid, cap, v)
    })
}

/// setfsuid/setfsgid: the old value, whether or not the change was allowed.
fn set_fs(uid: bool, v: u64) -> SysResult {
    let mut g = lock(&CREDS);
    let c = g.get_or_insert_with(from_host);
    let cap = capable(c);
    let ids = if uid { &mut c.uid } else { &mut c.gid };
    let old = ids[FS];
    let v = v as u32;
    if v != u32::MAX && (cap || ids.contains(&v)) {
        ids[FS] = v;
    }
    FSUID.store(c.uid[FS] as i64, Ordering::Relaxed);
    Ok(old as u64)
}

/// setfsuid(2)
pub fn setfsuid(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    set_fs(true, a[0])
}

/// setfsgid(2)
pub fn setfsgid(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    set_fs(false, a[0])
}

/// The address of the `i`th gid of a guest array at `list`; one past the
/// address space is EFAULT, not an overflow.
fn element(list: u64, i: usize) -> Result<u64, Errno> {
    (i as u64)
        .checked_mul(4)
        .and_then(|o| list.checked_add(o))
        .ok_or(Errno::EFAULT)
}

/// getgroups(2)
pub fn getgroups(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (size, list) = (a[0] as i32, a[1]);
    let groups = current().groups;
    if size < 0 {
        return Err(Errno::EINVAL);
    }
    if size == 0 {
        return Ok(groups.len() as u64);
    }
    if (size as usize) < groups.len() {
        return Err(Errno::EINVAL);
    }
    for (i, g) in groups.iter().enumerate() {
        Out::<u32>::new(element(list, i)?).write(g)?;
    }
    Ok(groups.len() as u64)
}

/// setgroups(2)
pub fn setgroups(_t: &mut Trap, a: [u64; 6]) -> SysResult {
    let (size, list) = (a[0] as usize, a[1]);
    if size > NGROUPS_MAX {
        return Err(Errno::EINVAL);
    }
    let mut groups = Vec::with_capacity(size);
    for i in 0..size {
        groups.push(In::<u32>::new(element(list, i)?).read()?);
    }
    update(|c| {
        if !capable(c) {
            return Err(Errno::EPERM);
        }
        c.groups = groups;
        Ok(())
    })
}

/// The file-system uid and gid: who owns what the guest creates.
pub fn fs_ids() -> (u32, u32) {
    let c = current();
    (c.uid[FS], c.gid[FS])
}

/// getuid(2) and friends read these.
pub fn ids(uid: bool) -> [u32; 4] {
    let c = current();
    if uid {
        c.uid
    } else {
        c.gid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unprivileged_callers_pick_among_their_own_ids() {
        let mut ids = [1000, 1000, 1000, 1000];
        assert_eq!(
            set_res(&mut ids, false, [None, Some(0), None]),
            Err(Errno::EPERM)
        );
        assert_eq!(ids, [1000; 4]);
        let mut ids = [0, 0, 0, 0];
        set_res(&mut ids, true, [Some(65534), Some(65534), None]).unwrap();
        assert_eq!(ids, [65534, 65534, 0, 65534]);
        // The saved id lets it come back.
        set_res(&mut ids, false, [None, Some(0), None]).unwrap();
        assert_eq!(ids, [65534, 0, 0, 0]);
        let mut ids = [1000, 1000, 1000, 1000];
        assert_eq!(set_one(&mut ids, false, 0), Err(Errno::EPERM));
        let mut ids = [0, 0, 0, 0];
        set_one(&mut ids, true, 7).unwrap();
        assert_eq!(ids, [7; 4]);
        let mut ids = [1, 2, 3, 2];
        set_re(&mut ids, false, Some(2), Some(1)).unwrap();
        assert_eq!(ids, [2, 1, 1, 1]);
    }

    #[test]
    fn mode_bits_decide_for_others_and_root_needs_an_x_bit() {
        let c = Creds {
            uid: [65534; 4],
            gid: [65534; 4],
            groups: vec![],
        };
        let st = |mode: u32, uid: u32, gid: u32| Stat {
            st_mode: mode,
            st_uid: uid,
            st_gid: gid,
            ..Default::default()
        };
        assert!(!may_as(&c, false, &st(0o100600, 0, 0), MAY_READ));
        assert!(may_as(&c, false, &st(0o100604, 0, 0), MAY_READ));
        assert!(!may_as(&c, false, &st(0o100604, 0, 0), MAY_WRITE));
        assert!(may_as(
            &c,
            false,
            &st(0o100600, 65534, 0),
            MAY_READ | MAY_WRITE
        ));
        assert!(!may_as(&c, false, &st(0o040754, 0, 65534), MAY_WRITE));
        assert!(may_as(&c, false, &st(0o040754, 0, 65534), MAY_EXEC));
        let root = Creds {
            uid: [0; 4],
            gid: [0; 4],
            groups: vec![],
        };
        assert!(may_as(
            &root,
            false,
            &st(0o100000, 5, 5),
            MAY_READ | MAY_WRITE
        ));
        assert!(!may_as(&root, false, &st(0o100644, 5, 5), MAY_EXEC));
        assert!(may_as(&root, false, &st(0o040000, 5, 5), MAY_EXEC));
    }
}
