//! `ninux scan BINARY`: the static syscall footprint of a binary, read from
//! its machine code by `loader::scan`, held against the personality's table.
//!
//! Only `syscall` sites count towards the footprint: `int 0x80` and
//! `sysenter` use i386 numbers, which ninux does not answer, so they are
//! reported apart. A site whose number the scan cannot recover is mentioned,
//! never counted as missing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use loader::scan::{CodeSource, Scan, SiteKind, SyscallSite};
use personality::table::{self, Support};

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Also list every site: address, number, how it was found, rewrite window.
    #[arg(long)]
    pub sites: bool,
    /// The Linux x86-64 ELF binary to scan.
    pub binary: PathBuf,
}

/// The four groups of the footprint, in the order they are printed.
const GROUPS: [&str; 4] = ["supported", "partial", "stub", "missing"];

/// One distinct syscall number the binary's code uses.
struct Used {
    number: u64,
    name: String,
    group: &'static str,
    support: &'static str,
    errno: Option<&'static str>,
    note: &'static str,
    sites: usize,
}

fn footprint(scan: &Scan) -> Vec<Used> {
    let mut counts: BTreeMap<u64, usize> = BTreeMap::new();
    for site in scan.syscalls() {
        if let Some(n) = site.number {
            *counts.entry(n).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(|(number, sites)| match table::lookup(number) {
            Some(e) => Used {
                number,
                name: e.name.to_string(),
                group: match e.support {
                    Support::Full => "supported",
                    Support::Partial => "partial",
                    Support::Stub(_) => "stub",
                    Support::Absent => "missing",
                },
                support: e.support.label(),
                errno: match e.support {
                    Support::Stub(errno) => Some(errno.name()),
                    _ => None,
                },
                note: e.note,
                sites,
            },
            None => Used {
                number,
                name: format!("unknown({number})"),
                group: "missing",
                support: "absent",
                errno: None,
                note: "not a Linux x86-64 syscall number",
                sites,
            },
        })
        .collect()
}

fn missing_names(used: &[Used]) -> Vec<String> {
    used.iter()
        .filter(|u| u.group == "missing")
        .map(|u| u.name.clone())
        .collect()
}

fn verdict(used: &[Used]) -> String {
    let missing = missing_names(used);
    if missing.is_empty() {
        "likely to run".to_string()
    } else {
        format!("will hit missing: {}", missing.join(", "))
    }
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let file = args.binary.display().to_string();
    let bytes = std::fs::read(&args.binary).map_err(|e| anyhow::anyhow!("{file}: {e}"))?;
    let scan = loader::scan::scan_file(&file, &bytes)?;
    let used = footprint(&scan);
    let out = match args.format {
        Format::Text => text(&file, &scan, &used, args.sites),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&json(&file, &scan, &used))?;
            s.push('\n');
            s
        }
    };
    use std::io::Write;
    match std::io::stdout().write_all(out.as_bytes()) {
        // `ninux scan … | head` is a normal way to read it.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        result => result.map(|()| 0).map_err(Into::into),
    }
}

fn text(file: &str, scan: &Scan, used: &[Used], list_sites: bool) -> String {
    let total = scan.count(SiteKind::Syscall);
    let unresolved = total - scan.resolved();
    let mut out = format!(
        "{file}: {total} syscall sites, {} distinct syscalls, in {} instructions of {}\n",
        used.len(),
        scan.instructions,
        match scan.source {
            CodeSource::Sections => format!(
                "{} executable sections ({})",
                scan.ranges.len(),
                names(scan)
            ),
            CodeSource::Segments => format!(
                "{} executable segments: the file has no section headers, so data in \
                 those segments may decode as false sites",
                scan.ranges.len()
            ),
        }
    );
    out.push_str(&format!("resolved: {} of {total}", scan.resolved()));
    if unresolved > 0 {
        out.push_str(&format!(
            " ({unresolved} take the number from a register or memory, as generic syscall() wrappers do)"
        ));
    }
    out.push('\n');
    out.push_str(&format!(
        "rewritable: {} of {total} (a window of whole instructions of at least 5 bytes that no branch target enters)\n",
        scan.rewritable()
    ));
    out.push_str(&rewrite_summary(scan, total));
    let (int80, sysenter) = (scan.count(SiteKind::Int80), scan.count(SiteKind::Sysenter));
    if int80 + sysenter > 0 {
        out.push_str(&format!(
            "also: {int80} int 0x80 and {sysenter} sysenter sites (i386 entry points ninux does not answer)\n"
        ));
    }
    for group in GROUPS {
        let rows: Vec<&Used> = used.iter().filter(|u| u.group == group).collect();
        out.push_str(&format!("\n{group} ({}):\n", rows.len()));
        for u in rows {
            let support = match u.errno {
                Some(errno) => format!("stub {errno}"),
                None => u.support.to_string(),
            };
            let line = format!(
                "  {:>3}  {:<22} {:<13} {:>3} site{}  {}",
                u.number,
                u.name,
                support,
                u.sites,
                if u.sites == 1 { " " } else { "s" },
                u.note
            );
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    if list_sites {
        out.push_str("\nsites:\n");
        for site in &scan.sites {
            out.push_str(&site_line(scan, site));
        }
    }
    out.push_str(&format!("\nverdict: {}", verdict(used)));
    if unresolved > 0 {
        out.push_str(&format!(
            " ({unresolved} sites with unresolved numbers not judged)"
        ));
    }
    out.push('\n');
    out
}

/// What `ninux run` does with the sites (personality::rewrite): how many
/// it rewrites into calls to the fast path, and why the others keep SIGSYS.
fn rewrite_summary(scan: &Scan, total: usize) -> String {
    let mut kept: BTreeMap<String, usize> = BTreeMap::new();
    let mut rewritten = 0;
    for site in scan.syscalls() {
        match personality::rewrite::verdict(scan, site) {
            Ok(()) => rewritten += 1,
            Err(why) => *kept.entry(why).or_default() += 1,
        }
    }
    let mut out = format!(
        "rewritten by `ninux run`: {rewritten} of {total}
"
    );
    for (why, n) in kept {
        out.push_str(&format!("  {n} kept on SIGSYS: {why}\n"));
    }
    out
}

fn names(scan: &Scan) -> String {
    let names: Vec<&str> = scan.ranges.iter().map(|r| r.name.as_str()).collect();
    names.join(" ")
}

fn kind_label(kind: SiteKind) -> &'static str {
    match kind {
        SiteKind::Syscall => "syscall",
        SiteKind::Int80 => "int 0x80",
        SiteKind::Sysenter => "sysenter",
    }
}

fn site_line(scan: &Scan, site: &SyscallSite) -> String {
    let number = match (site.kind, site.number) {
        (SiteKind::Syscall, Some(n)) => {
            let name = table::lookup(n).map_or("unknown", |e| e.name);
            format!("{n} {name}")
        }
        (_, Some(n)) => format!("{n} (i386)"),
        (_, None) => "?".to_string(),
    };
    let window = match &site.window {
        Ok(w) => format!(
            "window {:#x}..{:#x} ({} bytes, {} instructions)",
            w.start,
            w.end,
            w.end - w.start,
            w.instructions
        ),
        Err(why) => format!("not rewritable: {why}"),
    };
    let fate = match (site.kind, personality::rewrite::verdict(scan, site)) {
        (SiteKind::Syscall, Ok(())) => "rewritten".to_string(),
        (SiteKind::Syscall, Err(why)) => format!("SIGSYS ({why})"),
        _ => "SIGSYS".to_string(),
    };
    format!(
        "  {:#x}  {:<9} {:<22} {:<18} {}  {window}  -> {fate}\n",
        site.addr,
        kind_label(site.kind),
        number,
        site.how.label(),
        site.section
    )
}

fn json(file: &str, scan: &Scan, used: &[Used]) -> serde_json::Value {
    use serde_json::json;
    let syscalls: Vec<_> = used
        .iter()
        .map(|u| {
            let mut row = json!({
                "number": u.number,
                "name": u.name,
                "group": u.group,
                "support": u.support,
                "note": u.note,
                "sites": u.sites,
            });
            if let Some(errno) = u.errno {
                row["errno"] = errno.into();
            }
            row
        })
        .collect();
    let sites: Vec<_> = scan
        .sites
        .iter()
        .map(|s| {
            let mut row = json!({
                "addr": s.addr,
                "kind": kind_label(s.kind),
                "number": s.number,
                "how": s.how.label(),
                "set_at": s.set_at,
                "section": s.section,
            });
            if s.kind == SiteKind::Syscall {
                match personality::rewrite::verdict(scan, s) {
                    Ok(()) => row["rewritten"] = true.into(),
                    Err(why) => {
                        row["rewritten"] = false.into();
                        row["kept_on_sigsys"] = why.into();
                    }
                }
            }
            match &s.window {
                Ok(w) => {
                    row["window"] =
                        json!({"start": w.start, "end": w.end, "instructions": w.instructions})
                }
                Err(why) => row["not_rewritable"] = (*why).into(),
            }
            row
        })
        .collect();
    let total = scan.count(SiteKind::Syscall);
    json!({
        "file": file,
        "code_source": match scan.source {
            CodeSource::Sections => "sections",
            CodeSource::Segments => "segments",
        },
        "ranges": scan.ranges.iter().map(|r| json!({"name": r.name, "start": r.start, "size": r.size})).collect::<Vec<_>>(),
        "instructions": scan.instructions,
        "syscall_sites": total,
        "resolved": scan.resolved(),
        "unresolved": total - scan.resolved(),
        "rewritable": scan.rewritable(),
        "rewritten": scan.syscalls().filter(|s| personality::rewrite::verdict(scan, s).is_ok()).count(),
        "int80_sites": scan.count(SiteKind::Int80),
        "sysenter_sites": scan.count(SiteKind::Sysenter),
        "syscalls": syscalls,
        "missing": missing_names(used),
        "likely_to_run": missing_names(used).is_empty(),
        "verdict": verdict(used),
        "sites": sites,
    })
}
