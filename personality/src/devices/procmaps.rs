//! /proc/self/maps, mounts and mountinfo for the guest. maps is the host's
//! own, cut down to the memory the guest owns (`platform::mm`), so ninux's
//! code, heap and threads' stacks do not show; the image's pages are named
//! by the program's namespace path (the loader copies the image into
//! anonymous memory, so the host cannot name them), the initial stack is
//! `[stack]` and the break `[heap]`. mounts and mountinfo render the
//! namespace's binds and mounts as Linux mount lines.

use crate::state;

/// Host mappings shown as they are: the guest uses the host's vDSO.
const KERNEL_AREAS: &[&str] = &["[vdso]", "[vvar]", "[vvar_vclock]", "[vsyscall]"];

/// One line of a maps file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MapLine {
    start: u64,
    end: u64,
    perms: String,
    offset: u64,
    dev: String,
    inode: u64,
    path: String,
}

fn parse_line(line: &str) -> Option<MapLine> {
    let mut rest = line;
    let mut fields = [""; 5];
    for f in fields.iter_mut() {
        rest = rest.trim_start_matches(' ');
        let end = rest.find(' ').unwrap_or(rest.len());
        *f = &rest[..end];
        rest = &rest[end..];
    }
    let (start, end) = fields[0].split_once('-')?;
    Some(MapLine {
        start: u64::from_str_radix(start, 16).ok()?,
        end: u64::from_str_radix(end, 16).ok()?,
        perms: fields[1].to_string(),
        offset: u64::from_str_radix(fields[2], 16).ok()?,
        dev: fields[3].to_string(),
        inode: fields[4].parse().ok()?,
        path: rest.trim_start_matches(' ').to_string(),
    })
}

/// Formats a line as Linux does: the name starts at column 73.
fn format_line(m: &MapLine) -> String {
    let head = format!(
        "{:08x}-{:08x} {} {:08x} {} {}",
        m.start, m.end, m.perms, m.offset, m.dev, m.inode
    );
    if m.path.is_empty() {
        format!("{head} \n")
    } else {
        format!("{head:<72} {}\n", m.path)
    }
}

/// What the guest's memory holds, for naming pieces of host mappings.
struct Layout {
    owned: Vec<(u64, u64)>,
    exe: String,
    /// (start, end, file offset) of the image's file-backed pages.
    segments: Vec<(u64, u64, u64)>,
    /// The interpreter's path and file-backed pages, likewise.
    interp: (String, Vec<(u64, u64, u64)>),
    /// The guest's file mappings (mmap of a namespace file).
    files: Vec<(u64, u64, crate::mm::names::FileName)>,
    sp: u64,
    /// The break: [start, mapped end) is `[heap]`, up to the reserve's end
    /// is reserved address space Linux does not show.
    heap: (u64, u64, u64),
}

impl Layout {
    fn current() -> Layout {
        let rec = state::exec_record();
        let p = state::try_process();
        Layout {
            owned: platform::mm::owned_ranges(),
            exe: p
                .map(|p| String::from_utf8_lossy(&state::lock(&p.exe)).into_owned())
                .unwrap_or_default(),
            segments: rec.as_ref().map(|r| r.segments.clone()).unwrap_or_default(),
            interp: rec.as_ref().map(|r| r.interp.clone()).unwrap_or_default(),
            files: crate::mm::names::all(),
            sp: rec.map_or(0, |r| r.sp),
            heap: p.map_or((0, 0, 0), |p| {
                let b = *state::lock(&p.brk);
                (b.start, b.mapped_end, b.reserved_end)
            }),
        }
    }

    /// The guest-owned pieces of a host line, named.
    fn pieces(&self, line: &MapLine, out: &mut Vec<MapLine>) {
        if KERNEL_AREAS.contains(&line.path.as_str()) {
            out.push(line.clone());
            return;
        }
        let (hs, hm, he) = self.heap;
        for &(os, oe) in &self.owned {
            let (s, e) = (line.start.max(os), line.end.min(oe));
            if s >= e {
                continue;
            }
            // Cut where the names change: segment and heap edges.
            let mut cuts: Vec<u64> = self
                .segments
                .iter()
                .chain(&self.interp.1)
                .flat_map(|&(a, b, _)| [a, b])
                .chain(self.files.iter().flat_map(|(a, b, _)| [*a, *b]))
                .chain([hs, hm, he])
                .filter(|&c| c > s && c < e)
                .collect();
            cuts.extend([s, e]);
            cuts.sort_unstable();
            cuts.dedup();
            for w in cuts.windows(2) {
                if let Some(m) = self.name(line, w[0], w[1]) {
                    out.push(m);
                }
            }
        }
    }

    fn name(&self, line: &MapLine, s: u64, e: u64) -> Option<MapLine> {
        let mut m = MapLine {
            start: s,
            end: e,
            offset: if line.inode != 0 {
                line.offset + (s - line.start)
            } else {
                0
            },
            ..line.clone()
        };
        let (hs, hm, he) = self.heap;
        if let Some((a, _, file)) = self.files.iter().find(|(a, b, _)| *a <= s && s < *b) {
            m.path = file.path.clone();
            m.offset = file.offset.saturating_add(s - a);
            m.dev = file.dev.clone();
            m.inode = file.inode;
        } else if let Some(&(a, _, off)) = self.segments.iter().find(|&&(a, b, _)| a <= s && s < b)
        {
            m.path = self.exe.clone();
            m.offset = off + (s - a);
        } else if let Some(&(a, _, off)) = self.interp.1.iter().find(|&&(a, b, _)| a <= s && s < b)
        {
            m.path = self.interp.0.clone();
            m.offset = off + (s - a);
        } else if line.start <= self.sp && self.sp < line.end && line.inode == 0 {
            m.path = "[stack]".into();
        } else if hs <= s && s < hm {
            m.path = "[heap]".into();
        } else if hm <= s && s < he && line.perms.starts_with("---") {
            // The break's reserve: address space held for growth only.
            return None;
        }
        Some(m)
    }
}

/// The guest's maps, from the host's maps text.
pub(crate) fn maps(host: &str) -> String {
    let layout = Layout::current();
    let mut out = Vec::new();
    for line in host.lines().filter_map(parse_line) {
        layout.pieces(&line, &mut out);
    }
    out.iter().map(format_line).collect()
}

/// Linux's escaping of names in mount files (space, tab, newline, `\`).
fn escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            ' ' => "\\040".into(),
            '\t' => "\\011".into(),
            '\n' => "\\012".into(),
            '\\' => "\\134".into(),
            c => c.to_string(),
        })
        .collect()
}

/// A namespace bind or mount as (source, mount point, fs type, options).
fn mount_rows() -> Vec<(String, String, &'static str, String)> {
    let Ok(ns) = crate::fs::path::ns() else {
        return Vec::new();
    };
    ns.mounts()
        .into_iter()
        .map(|(_, src, on)| {
            let (source, fstype, opts) = match src {
                kernel::namespace::Source::Bind(dev) => {
                    let (fstype, opts) = match dev.chars().nth(1) {
                        Some('P') => ("proc", "rw,nosuid,nodev,noexec,relatime"),
                        Some('L') => ("devtmpfs", "rw,nosuid"),
                        Some('T') => ("ninux-tar", "ro"),
                        Some('W') => ("ninux-cow", "rw"),
                        Some('Z') => ("ninux-host", "rw"),
                        _ => ("ninux", "rw"),
                    };
                    let (source, layers) = source_name(&dev);
                    (source, fstype, format!("{opts}{layers}"))
                }
                kernel::namespace::Source::Mount(srv, _) => (srv, "9p", "rw".into()),
            };
            (source, on, fstype, opts)
        })
        .collect()
}

/// A device's Plan 9 name (`#Z/home`, `#W/upper:#Z/`) as a mount source
/// Linux tools read, with options naming a layer's directories (as
/// overlayfs does): getmntent(3) skips a line starting with `#` as a
/// comment, so the source is `proc`, `devtmpfs`, the host directory of
/// `#Z`, `cow` or `tar:FILE` for the layers, `ninux:X…` for the rest.
fn source_name(dev: &str) -> (String, String) {
    let name = dev.strip_prefix('#').unwrap_or(dev);
    let mut chars = name.chars();
    let letter = chars.next();
    let rest = chars.as_str();
    let source = match letter {
        Some('P') => "proc".into(),
        Some('L') => "devtmpfs".into(),
        Some('Z') if rest.is_empty() => "/".into(),
        Some('Z') => rest.into(),
        Some('W') => {
            let (upper, lower) = rest.split_once(':').unwrap_or((rest, ""));
            return ("cow".into(), format!(",upperdir={upper},lowerdir={lower}"));
        }
        Some('T') => format!("tar:{rest}"),
        _ => format!("ninux:{name}"),
    };
    (source, String::new())
}

/// The device number stat(2) reports for `point`, as `major:minor`.
fn device_of(point: &str) -> Option<String> {
    use crate::fs::path::{resolve, Base, Last};
    let r = resolve(&Base::Cwd, point.as_bytes(), Last::Follow).ok()?;
    let st = crate::fs::stat::stat_of(&r.chan).ok()?;
    Some(format!(
        "{}:{}",
        libc::major(st.st_dev),
        libc::minor(st.st_dev)
    ))
}

/// /proc/self/mounts: `source point type options 0 0`.
pub(crate) fn mounts() -> String {
    mount_rows()
        .iter()
        .map(|(src, on, fstype, opts)| {
            format!("{} {} {fstype} {opts} 0 0\n", escape(src), escape(on))
        })
        .collect()
}

/// /proc/self/mountinfo: ids in creation order; a mount's parent is the
/// latest earlier one whose point contains it.
pub(crate) fn mountinfo() -> String {
    let rows = mount_rows();
    let mut out = String::new();
    for (i, (src, on, fstype, opts)) in rows.iter().enumerate() {
        let id = i + 1;
        let parent = rows[..i]
            .iter()
            .rposition(|(_, p, _, _)| {
                p == "/"
                    || on
                        .strip_prefix(p.as_str())
                        .is_some_and(|r| r.starts_with('/'))
            })
            .map_or(id, |j| j + 1);
        let dev = device_of(on).unwrap_or_else(|| format!("0:{id}"));
        out.push_str(&format!(
            "{id} {parent} {dev} / {} {opts} - {fstype} {} {opts}\n",
            escape(on),
            escape(src)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "\
00400000-00402000 r-xp 00000000 00:00 0 \n\
00402000-00403000 rw-p 00000000 00:00 0 \n\
00403000-00503000 ---p 00000000 00:00 0 \n\
55c118b0d000-55c118b11000 r--p 00000000 fe:00 247264                     /usr/bin/nin ux\n\
7ff000000000-7ff000010000 rw-p 00000000 00:00 0 \n\
7fff00000000-7fff00002000 r-xp 00000000 00:00 0                          [vdso]\n";

    fn layout() -> Layout {
        Layout {
            owned: vec![(0x400000, 0x503000), (0x7ff000000000, 0x7ff000010000)],
            exe: "/bin/prog".into(),
            segments: vec![(0x400000, 0x401000, 0), (0x401000, 0x402000, 0x1000)],
            interp: Default::default(),
            files: vec![(
                0x7ff000008000,
                0x7ff000010000,
                crate::mm::names::FileName {
                    path: "/lib/libc.so.6".into(),
                    offset: 0x2000,
                    dev: "00:2a".into(),
                    inode: 9,
                },
            )],
            sp: 0x7ff000007000,
            heap: (0x403000, 0x403000, 0x503000),
        }
    }

    #[test]
    fn lines_parse_and_format_back() {
        for l in HOST.lines() {
            assert_eq!(format_line(&parse_line(l).unwrap()), format!("{l}\n"));
        }
        assert_eq!(parse_line("garbage"), None);
    }

    #[test]
    fn only_guest_memory_named() {
        let l = layout();
        let mut out = Vec::new();
        for line in HOST.lines().filter_map(parse_line) {
            l.pieces(&line, &mut out);
        }
        let text: String = out.iter().map(format_line).collect();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 6, "{text}");
        assert!(
            lines[0].starts_with("00400000-00401000 r-xp 00000000")
                && lines[0].ends_with(" /bin/prog")
        );
        assert!(
            lines[1].starts_with("00401000-00402000 r-xp 00001000")
                && lines[1].ends_with(" /bin/prog")
        );
        assert!(lines[2].starts_with("00402000-00403000 rw-p") && lines[2].ends_with(" 0 "));
        assert!(
            lines[3].starts_with("7ff000000000-7ff000008000 rw-p") && lines[3].ends_with("[stack]")
        );
        // A file mapping shows the guest's path, offset, device and inode.
        assert!(
            lines[4].starts_with("7ff000008000-7ff000010000 rw-p 00002000 00:2a 9 ")
                && lines[4].ends_with(" /lib/libc.so.6"),
            "{text}"
        );
        assert!(lines[5].ends_with("[vdso]"));
        assert!(!text.contains("nin ux"));
    }

    #[test]
    fn names_escaped() {
        assert_eq!(escape("a b\\c"), "a\\040b\\134c");
    }
}
