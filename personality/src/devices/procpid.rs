//! /proc/PID for the process ninux serves: what Linux would show for the
//! guest rather than for ninux. Links and files come from the personality's
//! state (program, cwd, fd table, comm), from the guest's memory (cmdline
//! and environ, where the exec put them) and from the host's own
//! files about this process, rewritten (status and stat with the guest's
//! name, maps with only the guest's memory). Names not synthesized here fall
//! through to the host's file for this process (limits, oom_score_adj, mem…),
//! except those that would describe ninux rather than the guest.

use super::proc::{host_entry, own_pid, Entry};
use crate::state;
use kernel::error::{Result, ENONEXIST};
use platform::uaccess;
use std::path::PathBuf;

/// Names generated here, in listing order.
const GENERATED: &[&str] = &[
    "auxv",
    "cmdline",
    "comm",
    "environ",
    "fdinfo",
    "maps",
    "mountinfo",
    "mounts",
    "stat",
    "status",
];

/// Names listed as links or directories made here.
const MADE: &[&str] = &["cwd", "exe", "fd", "root", "task"];

/// The host's files that describe ninux's memory or mounts, not the guest's.
const HIDDEN: &[&str] = &[
    "map_files",
    "mountstats",
    "numa_maps",
    "smaps",
    "smaps_rollup",
];

/// Whether `pid` is this process or one of its threads (Linux resolves
/// /proc/TID too, though it lists only the leader).
pub(crate) fn is_ours(pid: u32) -> bool {
    pid == own_pid() || std::path::Path::new(&format!("/proc/self/task/{pid}")).exists()
}

/// The host directory describing `pid`'s thread `tid` (or the whole process).
fn host_base(pid: u32, tid: Option<u32>) -> PathBuf {
    match tid {
        Some(t) => format!("/proc/{pid}/task/{t}").into(),
        None => format!("/proc/{pid}").into(),
    }
}

fn threads() -> Vec<u32> {
    let mut v: Vec<u32> = std::fs::read_dir("/proc/self/task")
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    v.sort_unstable();
    v
}

/// Splits `task/TID/rest` off a path below /proc/PID.
fn split_task<'a>(rest: &'a [&'a str]) -> (Option<u32>, &'a [&'a str]) {
    match rest {
        ["task", tid, more @ ..] => (tid.parse().ok(), more),
        _ => (None, rest),
    }
}

pub(crate) fn lookup(pid: u32, rest: &[&str]) -> Result<Entry> {
    let (tid, rest) = split_task(rest);
    if let Some(t) = tid {
        if !threads().contains(&t) {
            return Err(ENONEXIST);
        }
    }
    let guest_fd = |n: &str| -> Result<std::sync::Arc<crate::fs::fd::OpenFile>> {
        let n: u64 = n.parse().map_err(|_| ENONEXIST)?;
        crate::fs::fd::get(n).map_err(|_| ENONEXIST)
    };
    match rest {
        [] | ["fd"] | ["fdinfo"] => Ok(Entry::Dir),
        ["task"] if tid.is_none() => Ok(Entry::Dir),
        ["exe"] => {
            let p = state::try_process().ok_or(ENONEXIST)?;
            Ok(Entry::Link(
                String::from_utf8_lossy(&state::lock(&p.exe)).into_owned(),
            ))
        }
        ["cwd"] => Ok(Entry::Link(crate::fs::path::cwd())),
        ["root"] => Ok(Entry::Link("/".into())),
        ["fd", n] => Ok(Entry::Link(fd_target(&*guest_fd(n)?))),
        ["fdinfo", n] => guest_fd(n).map(|_| Entry::File),
        [name] if GENERATED.contains(name) => Ok(Entry::File),
        [name, ..] if HIDDEN.contains(name) || MADE.contains(name) => Err(ENONEXIST),
        _ => {
            let mut path = host_base(pid, tid);
            path.extend(rest);
            host_entry(path)
        }
    }
}

/// The guest fds that are open.
fn open_fds() -> Vec<u64> {
    // The table is bounded by RLIMIT_NOFILE's default (1024) in fs::fd.
    (0..1024)
        .filter(|&n| crate::fs::fd::get(n).is_ok())
        .collect()
}

pub(crate) fn children(pid: u32, rest: &[&str]) -> Vec<String> {
    let (tid, rest) = split_task(rest);
    match rest {
        [] => {
            let mut v: Vec<String> = GENERATED
                .iter()
                .chain(MADE)
                .filter(|n| tid.is_none() || **n != "task")
                .map(|s| s.to_string())
                .collect();
            if let Ok(rd) = std::fs::read_dir(host_base(pid, tid)) {
                v.extend(rd.flatten().filter_map(|e| {
                    let n = e.file_name().into_string().ok()?;
                    let skip = HIDDEN.contains(&n.as_str())
                        || MADE.contains(&n.as_str())
                        || GENERATED.contains(&n.as_str());
                    (!skip).then_some(n)
                }));
            }
            v.sort();
            v
        }
        ["fd"] | ["fdinfo"] => open_fds().iter().map(|n| n.to_string()).collect(),
        ["task"] => threads().iter().map(|n| n.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// Linux's permissions for the generated files.
pub(crate) fn file_mode(name: &str) -> u32 {
    match name {
        "auxv" | "environ" => 0o400,
        _ => 0o444,
    }
}

/// The guest fd a walked `/proc/PID/fd/N` (or `…/task/TID/fd/N`) chan of
/// this process stands for, as a Linux magic link (see
/// [`crate::fs::path::magic_fd`]); `None` for any other chan.
pub fn magic_fd(chan: &kernel::Chan) -> Option<u64> {
    if chan.dev.typ != 'P' {
        return None;
    }
    let names: Vec<&str> = chan.name.split('/').filter(|n| !n.is_empty()).collect();
    let own = super::proc::own_pid().to_string();
    let n = match names.as_slice() {
        [.., pid, "fd", n] if *pid == own => n,
        [.., pid, "task", _, "fd", n] if *pid == own => n,
        _ => return None,
    };
    let fd: u64 = n.parse().ok()?;
    crate::fs::fd::get(fd).ok().map(|_| fd)
}

/// The permission bits of `/proc/PID/fd/N` (path below /proc) when it is
/// one of this process's fd links: Linux's say how the fd was opened
/// (`lr-x------` for reading, `l-wx------` for writing).
pub(crate) fn fd_link_mode(path: &str) -> Option<u32> {
    let names: Vec<&str> = path.split('/').collect();
    let own = super::proc::own_pid().to_string();
    let n = match names.as_slice() {
        [pid, "fd", n] | [pid, "task", _, "fd", n] if *pid == own => n,
        _ => return None,
    };
    let f = crate::fs::fd::get(n.parse().ok()?).ok()?;
    let access = match &f.chan {
        Some(_) => *crate::state::lock(&f.flags),
        None => platform::host::fcntl(f.host, libc::F_GETFL, 0).ok()? as u32,
    } & 3;
    Some(match access {
        0 => 0o500,
        1 => 0o300,
        _ => 0o700,
    })
}

/// What /proc/self/fd/N names: a chan's namespace path, or for a plain host
/// fd what the host's own link says (`pipe:[ino]`, `/dev/pts/N`).
fn fd_target(f: &crate::fs::fd::OpenFile) -> String {
    match &f.chan {
        Some(c) => c.name.clone(),
        None => std::fs::read_link(format!("/proc/self/fd/{}", f.host))
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "anon_inode:[unknown]".into()),
    }
}

fn host_text(path: PathBuf) -> Result<String> {
    std::fs::read(&path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|_| ENONEXIST)
}

/// The guest's name (prctl PR_SET_NAME), or the host's for this process
/// before exec has set it.
fn comm() -> String {
    match state::try_process() {
        Some(p) => {
            let c = *state::lock(&p.comm);
            let end = c.iter().position(|&b| b == 0).unwrap_or(c.len());
            String::from_utf8_lossy(&c[..end]).into_owned()
        }
        None => host_text("/proc/self/comm".into())
            .unwrap_or_default()
            .trim_end()
            .to_string(),
    }
}

/// The argument strings as Linux's `get_mm_cmdline` reads them from the
/// process's memory: the area the exec put them in, or, when the program
/// has overwritten the last NUL (setproctitle), up to the first NUL within
/// a page.
fn cmdline(r: &state::ExecRecord) -> Vec<u8> {
    let args = &r.args;
    if args.start >= args.end {
        return Vec::new();
    }
    match uaccess::read::<u8>(args.end - 1) {
        Ok(0) => guest_bytes(args.clone()),
        Ok(_) => {
            let mut title = guest_bytes(args.start..args.start + 4096);
            if let Some(nul) = title.iter().position(|&b| b == 0) {
                title.truncate(nul + 1);
            }
            title
        }
        Err(_) => Vec::new(),
    }
}

/// The guest's bytes in `range`, as many as can be read from its start.
fn guest_bytes(range: std::ops::Range<u64>) -> Vec<u8> {
    let mut out = vec![0u8; (range.end - range.start) as usize];
    let mut got = 0;
    while got < out.len() {
        let at = range.start + got as u64;
        let n = (4096 - (at % 4096) as usize).min(out.len() - got);
        if uaccess::copy_in(&mut out[got..got + n], at).is_err() {
            break;
        }
        got += n;
    }
    out.truncate(got);
    out
}

/// Generates a file's contents (at open). `names` is the path below /proc.
pub(crate) fn generate(names: &[&str]) -> Result<Vec<u8>> {
    let [pid, rest @ ..] = names else {
        return Err(ENONEXIST);
    };
    let pid: u32 = pid.parse().map_err(|_| ENONEXIST)?;
    let (tid, rest) = split_task(rest);
    let base = host_base(pid, tid);
    let rec = state::exec_record();
    Ok(match rest {
        ["cmdline"] => rec.map(|r| cmdline(&r)).unwrap_or_default(),
        ["environ"] => rec.map(|r| guest_bytes(r.env.clone())).unwrap_or_default(),
        ["auxv"] => rec.map(|r| r.auxv.clone()).unwrap_or_default(),
        ["comm"] => format!("{}\n", comm()).into_bytes(),
        ["status"] => fix_status(&host_text(base.join("status"))?, &comm()).into_bytes(),
        ["stat"] => fix_stat(&host_text(base.join("stat"))?, &comm()).into_bytes(),
        ["maps"] => super::procmaps::maps(&host_text("/proc/self/maps".into())?).into_bytes(),
        ["mounts"] => super::procmaps::mounts().into_bytes(),
        ["mountinfo"] => super::procmaps::mountinfo().into_bytes(),
        ["fdinfo", n] => {
            let n: u64 = n.parse().map_err(|_| ENONEXIST)?;
            let f = crate::fs::fd::get(n).map_err(|_| ENONEXIST)?;
            fdinfo(&f).into_bytes()
        }
        _ => return Err(ENONEXIST),
    })
}

/// fdinfo: a plain host fd's is the host's own. A chan's shows the guest's
/// open flags (with O_LARGEFILE, as a 64-bit open) and its offset: the host
/// fd's when the device reads through one, else the chan's.
fn fdinfo(f: &crate::fs::fd::OpenFile) -> String {
    let host = (f.host >= 0)
        .then(|| host_text(format!("/proc/self/fdinfo/{}", f.host).into()).ok())
        .flatten();
    if let (None, Some(t)) = (&f.chan, &host) {
        return t.clone();
    }
    let host_pos = host.as_deref().and_then(|t| {
        t.lines()
            .find_map(|l| l.strip_prefix("pos:"))
            .and_then(|v| v.trim().parse::<u64>().ok())
    });
    let pos = host_pos.unwrap_or_else(|| f.chan.as_ref().map_or(0, |c| *state::lock(&c.offset)));
    let flags = *state::lock(&f.flags) | 0o100000;
    format!("pos:\t{pos}\nflags:\t0{flags:o}\nmnt_id:\t0\n")
}

/// The host's status with the guest's name and umask.
fn fix_status(host: &str, name: &str) -> String {
    let umask = state::try_process().map(|p| p.umask.load(std::sync::atomic::Ordering::Relaxed));
    host.lines()
        .map(|l| {
            if l.starts_with("Name:") {
                format!("Name:\t{name}\n")
            } else if let (true, Some(m)) = (l.starts_with("Umask:"), umask) {
                format!("Umask:\t{m:04o}\n")
            } else if l.starts_with("Uid:") || l.starts_with("Gid:") || l.starts_with("Groups:") {
                // The guest's credentials, not the host process's.
                let c = crate::process::creds::current();
                let four =
                    |ids: [u32; 4]| format!("{}\t{}\t{}\t{}", ids[0], ids[1], ids[2], ids[3]);
                match &l[..4] {
                    "Uid:" => format!("Uid:\t{}\n", four(c.uid)),
                    "Gid:" => format!("Gid:\t{}\n", four(c.gid)),
                    _ => {
                        let g: Vec<String> = c.groups.iter().map(|g| g.to_string()).collect();
                        // Linux ends the list with a space, even an empty one.
                        format!("Groups:\t{} \n", g.join(" "))
                    }
                }
            } else {
                format!("{l}\n")
            }
        })
        .collect()
}

/// The host's stat with the guest's name between the parentheses (the name
/// may itself hold parentheses, so the last `)` ends it).
fn fix_stat(host: &str, name: &str) -> String {
    match (host.find('('), host.rfind(')')) {
        (Some(a), Some(b)) if a < b => format!("{}({name}){}", &host[..a], &host[b + 1..]),
        _ => host.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_name_replaced() {
        assert_eq!(fix_stat("12 (ni (x)) S 1 2\n", "prog"), "12 (prog) S 1 2\n");
        assert_eq!(fix_stat("garbage", "p"), "garbage");
    }

    #[test]
    fn status_name_replaced() {
        let s = fix_status("Name:\tninux\nPid:\t5\n", "guest");
        assert_eq!(s, "Name:\tguest\nPid:\t5\n");
    }

    #[test]
    fn own_dir_lists_links_and_host_files() {
        let pid = own_pid();
        let names = children(pid, &[]);
        for want in ["exe", "cwd", "fd", "maps", "status", "limits"] {
            assert!(names.iter().any(|n| n == want), "{want} missing");
        }
        assert!(!names.iter().any(|n| n == "smaps"));
        assert_eq!(lookup(pid, &["root"]).unwrap(), Entry::Link("/".into()));
        assert!(lookup(pid, &["smaps"]).is_err());
        assert!(lookup(pid, &["limits"]).is_ok());
        assert!(children(pid, &["task"]).contains(&platform::gettid().to_string()));
    }

    #[test]
    fn status_of_our_process_has_fields() {
        let pid = own_pid().to_string();
        let s = String::from_utf8(generate(&[&pid, "status"]).unwrap()).unwrap();
        assert!(s.starts_with("Name:\t"));
        assert!(s.contains("\nPid:\t"));
    }
}
