//! Host tools the cases need: compilers, static third-party binaries and a
//! few of Debian's dynamic ones, found on the host, and a minimal ELF check so a dynamically linked busybox
//! is reported as a skip rather than as a ninux failure.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A third-party binary a case runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tool {
    Busybox,
    BashStatic,
    /// Static Go programs from Debian: threads, futexes, signals, epoll.
    Gojq,
    Shfmt,
    /// Debian's own dynamically linked tools, run through their ld.so.
    Dash,
    Python3,
}

impl Tool {
    fn names(self) -> &'static [&'static str] {
        match self {
            Tool::Busybox => &["busybox"],
            Tool::BashStatic => &["bash-static"],
            Tool::Gojq => &["gojq"],
            Tool::Shfmt => &["shfmt"],
            Tool::Dash => &["dash"],
            Tool::Python3 => &["python3"],
        }
    }

    /// The Debian package that provides the static build.
    pub fn package(self) -> &'static str {
        match self {
            Tool::Busybox => "busybox-static",
            Tool::BashStatic => "bash-static",
            Tool::Gojq => "gojq",
            Tool::Shfmt => "shfmt",
            Tool::Dash => "dash",
            Tool::Python3 => "python3",
        }
    }

    /// Whether the tool is meant to be dynamically linked (Debian's own
    /// build); the others must be static.
    fn dynamic(self) -> bool {
        matches!(self, Tool::Dash | Tool::Python3)
    }

    /// [`Tool::locate`] for a test that skips without the tool: `None`
    /// after saying why on stderr.
    pub fn locate_or_skip(self) -> Option<PathBuf> {
        self.locate()
            .map_err(|why| eprintln!("skipped: {why}"))
            .ok()
    }

    /// The tool's path, or why it cannot be used (missing, or not static).
    pub fn locate(self) -> Result<PathBuf, String> {
        let name = self.names()[0];
        let path = find_program(self.names()).ok_or_else(|| {
            format!(
                "{name} not found (install {}: scripts/deps.sh)",
                self.package()
            )
        })?;
        match elf_linkage(&path) {
            Ok(_) if self.dynamic() => Ok(path),
            Ok(Linkage::Static) => Ok(path),
            Ok(Linkage::Dynamic) => Err(format!(
                "{} is dynamically linked (install {}: scripts/deps.sh)",
                path.display(),
                self.package()
            )),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }
}

/// Finds the first of `names` in the usual system directories, then `$PATH`.
/// System directories come first so a user's own build on `$PATH` does not
/// silently replace the packaged binary the cases were written against.
pub fn find_program(names: &[&str]) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = ["/bin", "/usr/bin", "/usr/local/bin"]
        .iter()
        .map(PathBuf::from)
        .collect();
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    for name in names {
        for dir in &dirs {
            let candidate = dir.join(name);
            if is_executable(&candidate) {
                return Some(candidate);
            }
        }
    }
    None
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Whether an ELF file asks for a program interpreter.
#[derive(Debug, PartialEq, Eq)]
pub enum Linkage {
    Static,
    Dynamic,
}

const PT_INTERP: u32 = 3;

/// Reads the program headers of a 64-bit little-endian ELF file and reports
/// whether it has a PT_INTERP segment.
pub fn elf_linkage(path: &Path) -> Result<Linkage, String> {
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|f| f.take(1 << 20).read_to_end(&mut bytes))
        .map_err(|e| e.to_string())?;
    if bytes.len() < 64 || &bytes[..4] != b"\x7fELF" || bytes[4] != 2 || bytes[5] != 1 {
        return Err("not a 64-bit little-endian ELF file".into());
    }
    let u16_at = |o: usize| u16::from_le_bytes([bytes[o], bytes[o + 1]]) as usize;
    let phoff = u64::from_le_bytes(bytes[32..40].try_into().unwrap()) as usize;
    let (phentsize, phnum) = (u16_at(54), u16_at(56));
    for i in 0..phnum {
        let off = phoff.saturating_add(i.saturating_mul(phentsize));
        let Some(header) = bytes.get(off..off.saturating_add(4)) else {
            return Err("program headers lie outside the first MiB".into());
        };
        if u32::from_le_bytes(header.try_into().unwrap()) == PT_INTERP {
            return Ok(Linkage::Dynamic);
        }
    }
    Ok(Linkage::Static)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_elf_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x");
        std::fs::write(&path, b"#!/bin/sh\n").unwrap();
        assert!(elf_linkage(&path).is_err());
        std::fs::write(&path, b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0").unwrap();
        assert!(elf_linkage(&path).is_err());
    }

    #[test]
    fn the_test_binary_itself_is_dynamic_or_static_but_parses() {
        let me = std::env::current_exe().unwrap();
        assert!(elf_linkage(&me).is_ok());
    }
}
