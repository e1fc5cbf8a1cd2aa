//! Building cases: C with `cc -static`, `musl-gcc -static`,
//! `cc -static-pie` and plain (dynamic) `cc` with shared libraries, and Go packages with `go build` (CGO_ENABLED=0, so
//! static), into a directory under the cargo target dir, rebuilt only when a
//! source is newer than the binary.

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
            Toolchain::GlibcDynamic => (&["cc", "gcc"], &["-O2", "-pthread", "-Wl,-rpath,$ORIGIN"]),
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
    if toolchain == Toolchain::GlibcDynamic {
        build_shared_libraries(&compiler, source, &out)?;
    }
    if is_fresh(source, &out) {
        return Ok(out);
    }
    let what = format!(
        "{} {} {}",
        compiler.display(),
        flags.join(" "),
        source.display()
    );
    compile_to(&out, &what, |tmp| {
        let mut cmd = Command::new(&compiler);
        cmd.args(flags).arg("-o").arg(tmp).arg(source);
        if toolchain == Toolchain::GlibcDynamic {
            cmd.arg("-ldl");
        }
        cmd
    })
}

/// Runs the compiler command `make(tmp)` builds, writing a temporary file
/// beside `out`, and renames it to `out` on success: another runner (the
/// bench, a second cargo test) may be building or running the same binary.
fn compile_to(
    out: &Path,
    what: &str,
    make: impl FnOnce(&Path) -> Command,
) -> Result<PathBuf, BuildError> {
    let parent = out.parent().expect("output path has a parent");
    std::fs::create_dir_all(parent)
        .map_err(|e| BuildError::Failed(format!("{}: {e}", parent.display())))?;
    let tmp = tempfile::Builder::new()
        .prefix(".build-")
        .tempfile_in(parent)
        .map_err(|e| BuildError::Failed(format!("{}: {e}", parent.display())))?
        .into_temp_path();
    let mut cmd = make(&tmp);
    let output = cmd
        .output()
        .map_err(|e| BuildError::Failed(format!("cannot run {what}: {e}")))?;
    if !output.status.success() {
        return Err(BuildError::Failed(format!(
            "{what} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    tmp.persist(out)
        .map_err(|e| BuildError::Failed(format!("{}: {e}", out.display())))?;
    Ok(out.to_path_buf())
}

/// Builds every `lib*.so.c` beside `source` into a shared library
/// (`-shared -fPIC`) beside the program `out`, where its `$ORIGIN` run path
/// finds it: `libplug.so.c` becomes `libplug.so`.
fn build_shared_libraries(compiler: &Path, source: &Path, out: &Path) -> Result<(), BuildError> {
    let dir = source.parent().expect("a source has a directory");
    let parent = out.parent().expect("output path has a parent");
    let libraries = std::fs::read_dir(dir)
        .map_err(|e| BuildError::Failed(format!("{}: {e}", dir.display())))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| is_library_source(p));
    for lib in libraries {
        let name = lib
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".c"))
            .expect("filtered by is_library_source");
        let built = parent.join(name);
        if is_newer(&built, &lib) {
            continue;
        }
        let what = format!("{} -shared -fPIC {}", compiler.display(), lib.display());
        compile_to(&built, &what, |tmp| {
            let mut cmd = Command::new(compiler);
            cmd.args(["-shared", "-fPIC", "-O2", "-pthread", "-o"])
                .arg(tmp)
                .arg(&lib);
            cmd
        })?;
    }
    Ok(())
}

/// A shared library's source: `lib<name>.so.c`, built by
/// [`build_shared_libraries`] rather than as a case of its own.
pub fn is_library_source(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with("lib") && n.ends_with(".so.c"))
}

/// Builds the Go main package in directory `package` (its `.go` files, the
/// standard library only) into `out_dir/go/<rel>` with `CGO_ENABLED=0`, so
/// the binary is static as Debian's Go tools are, and returns its path.
/// The build cache lives under `out_dir`, so no home directory is needed.
pub fn build_go(package: &Path, rel: &str, out_dir: &Path) -> Result<PathBuf, BuildError> {
    let go = find_program(&["go"]).ok_or_else(|| {
        BuildError::Missing("go not found (install golang-go: scripts/deps.sh)".into())
    })?;
    let out = out_dir.join("go").join(rel);
    let sources: Vec<PathBuf> = std::fs::read_dir(package)
        .map_err(|e| BuildError::Failed(format!("{}: {e}", package.display())))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "go"))
        .filter(|p| !p.to_string_lossy().ends_with("_test.go"))
        .collect();
    if sources.is_empty() {
        return Err(BuildError::Failed(format!(
            "{}: no .go files",
            package.display()
        )));
    }
    if sources.iter().all(|s| is_newer(&out, s)) {
        return Ok(out);
    }
    let cache = out_dir.join("go").join(".cache");
    compile_to(&out, &format!("go build {}", package.display()), |tmp| {
        let mut cmd = Command::new(&go);
        cmd.arg("build")
            .arg("-trimpath")
            .arg("-o")
            .arg(tmp)
            .args(&sources)
            .current_dir(package)
            .env("CGO_ENABLED", "0")
            .env("GO111MODULE", "off")
            .env("GOFLAGS", "")
            .env("GOCACHE", cache.join("build"))
            .env("GOPATH", cache.join("path"));
        cmd
    })
}

/// True when `out` exists and is at least as new as `source` and every
/// header beside it (cases of a family may share a `.h` file).
fn is_fresh(source: &Path, out: &Path) -> bool {
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
        .all(|p| is_newer(out, &p))
}

/// True when `out` exists and was modified no earlier than `input`.
fn is_newer(out: &Path, input: &Path) -> bool {
    let modified = |p: &Path| p.metadata().and_then(|m| m.modified()).ok();
    match (modified(out), modified(input)) {
        (Some(o), Some(i)) => o >= i,
        _ => false,
    }
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

    #[test]
    fn builds_a_static_go_program_once() {
        if find_program(&["go"]).is_none() {
            return; // no Go: the suite reports its Go cases as skipped
        }
        let dir = tempfile::tempdir().unwrap();
        let package = dir.path().join("hello");
        std::fs::create_dir(&package).unwrap();
        std::fs::write(
            package.join("main.go"),
            "package main\nimport \"fmt\"\nfunc main() { fmt.Println(\"hi\") }\n",
        )
        .unwrap();
        let out = dir.path().join("out");
        let built = build_go(&package, "hello", &out).unwrap();
        let run = Command::new(&built).output().unwrap();
        assert_eq!(run.stdout, b"hi\n");
        let first = built.metadata().unwrap().modified().unwrap();
        let again = build_go(&package, "hello", &out).unwrap();
        assert_eq!(again.metadata().unwrap().modified().unwrap(), first);
        // Static: no PT_INTERP, so ninux can load it.
        let bytes = std::fs::read(&built).unwrap();
        assert!(!bytes.windows(15).any(|w| w == b"/lib64/ld-linux"));

        std::fs::write(package.join("main.go"), "package main\nfunc main() {\n").unwrap();
        match build_go(&package, "hello", &out) {
            Err(BuildError::Failed(msg)) => assert!(msg.contains("hello"), "{msg}"),
            other => panic!("expected a build failure, got {other:?}"),
        }
    }
}
