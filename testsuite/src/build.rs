//! Building C cases: `cc -static`, `musl-gcc -static` and `cc -static-pie`,
//! into a directory under the cargo target dir, rebuilt only when the source
//! is newer than the binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::case::Toolchain;
use crate::host::find_program;

/// Why a case's binary is not available.
#[derive(Debug)]
pub enum BuildError {
    /// The toolchain is not installed: the case variant is skipped.
    Missing(String),
    /// The compiler ran and failed: the case is broken.
    Failed(String),
}

impl Toolchain {
    /// The compiler and flags, or why the toolchain is missing.
    fn command(self) -> Result<(PathBuf, &'static [&'static str]), BuildError> {
        let (names, flags): (&[&str], &'static [&'static str]) = match self {
            Toolchain::Glibc => (&["cc", "gcc"], &["-static", "-O2", "-pthread"]),
            Toolchain::GlibcPie => (&["cc", "gcc"], &["-static-pie", "-O2", "-pthread"]),
            Toolchain::Musl => (&["musl-gcc"], &["-static", "-O2", "-pthread"]),
        };
        let compiler = find_program(names).ok_or_else(|| {
            BuildError::Missing(format!(
                "{} not found (install {}: scripts/deps.sh)",
                names[0],
                if self == Toolchain::Musl {
                    "musl-tools"
                } else {
                    "gcc and libc6-dev"
                }
            ))
        })?;
        Ok((compiler, flags))
    }
}

/// Builds `source` (a path to a `.c` file) with `toolchain` into
/// `out_dir/<toolchain>/<stem-path>` and returns the binary's path.
/// `rel` names the output below the toolchain directory (`startup/hello`).
pub fn build_c(
    source: &Path,
    rel: &str,
    toolchain: Toolchain,
    out_dir: &Path,
) -> Result<PathBuf, BuildError> {
    let (compiler, flags) = toolchain.command()?;
    let out = out_dir.join(toolchain.name()).join(rel);
    if is_fresh(source, &out) {
        return Ok(out);
    }
    let parent = out.parent().expect("output path has a parent");
    std::fs::create_dir_all(parent)
        .map_err(|e| BuildError::Failed(format!("{}: {e}", parent.display())))?;
    // Compile under a temporary name and rename: another runner (the bench,
    // a second cargo test) may be building or running the same binary.
    let tmp = tempfile::Builder::new()
        .prefix(".build-")
        .tempfile_in(parent)
        .map_err(|e| BuildError::Failed(format!("{}: {e}", parent.display())))?
        .into_temp_path();
    let output = Command::new(&compiler)
        .args(flags)
        .arg("-o")
        .arg(&tmp)
        .arg(source)
        .output()
        .map_err(|e| BuildError::Failed(format!("cannot run {}: {e}", compiler.display())))?;
    if !output.status.success() {
        return Err(BuildError::Failed(format!(
            "{} {} {} failed:\n{}",
            compiler.display(),
            flags.join(" "),
            source.display(),
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    tmp.persist(&out)
        .map_err(|e| BuildError::Failed(format!("{}: {e}", out.display())))?;
    Ok(out)
}

/// True when `out` exists and is at least as new as `source` and every
/// header beside it (cases of a family may share a `.h` file).
fn is_fresh(source: &Path, out: &Path) -> bool {
    let modified = |p: &Path| p.metadata().and_then(|m| m.modified()).ok();
    let Some(bin) = modified(out) else {
        return false;
    };
    let headers = source
        .parent()
        .and_then(|dir| std::fs::read_dir(dir).ok())
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "h"));
    std::iter::once(source.to_path_buf())
        .chain(headers)
        .all(|p| modified(&p).is_some_and(|m| bin >= m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_once_and_reports_compile_errors() {
        if find_program(&["cc", "gcc"]).is_none() {
            return; // no compiler: nothing to check here; the suite reports skips
        }
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.c");
        std::fs::write(&good, "int main(void){return 0;}\n").unwrap();
        let out = dir.path().join("out");
        let built = match build_c(&good, "x/good", Toolchain::Glibc, &out) {
            Ok(p) => p,
            // Static glibc may be absent; that must be a clear error, not a panic.
            Err(BuildError::Failed(msg)) => return assert!(msg.contains("failed")),
            Err(BuildError::Missing(msg)) => panic!("{msg}"),
        };
        let first = built.metadata().unwrap().modified().unwrap();
        let again = build_c(&good, "x/good", Toolchain::Glibc, &out).unwrap();
        assert_eq!(again.metadata().unwrap().modified().unwrap(), first);

        let bad = dir.path().join("bad.c");
        std::fs::write(&bad, "int main(void){ return }\n").unwrap();
        match build_c(&bad, "x/bad", Toolchain::Glibc, &out) {
            Err(BuildError::Failed(msg)) => assert!(msg.contains("bad.c")),
            other => panic!("expected a build failure, got {other:?}"),
        }
    }
}
