//! Dynamically linked programs from a rootfs tar (`ninux run -r root.tar`),
//! where no file has a host fd, so ld.so's file mappings are copied in:
//! an Alpine-style musl root built from Debian's `musl` runtime and
//! `musl-tools` (a musl-gcc program and a shared library, found by its run
//! path), a glibc root holding Debian's own `dash` and `ls` with their
//! libraries, and the clear error for a missing interpreter.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use testsuite::exec::{self, Run, Spawn, StdinSource, Termination};

const NINUX: &str = env!("CARGO_BIN_EXE_ninux");
const MUSL_LD: &str = "/lib/ld-musl-x86_64.so.1";

fn run(argv: &[OsString], cwd: &Path) -> Run {
    let env: Vec<(OsString, OsString)> = vec![("PATH".into(), "/bin:/usr/bin".into())];
    let spawn = Spawn {
        argv,
        env: &env,
        cwd,
        stdin: &StdinSource::Null,
        timeout: Duration::from_secs(60),
    };
    exec::run(&spawn).expect("the program starts")
}

fn ninux_in_tar(tar: &Path, args: &[&str], cwd: &Path) -> Run {
    let mut argv: Vec<OsString> = vec![NINUX.into(), "run".into(), "-r".into(), tar.into()];
    argv.push("--".into());
    argv.extend(args.iter().map(OsString::from));
    run(&argv, cwd)
}

/// Copies `from` (following links) to `root` + `at`.
fn put(root: &Path, from: &Path, at: &str) {
    let to = root.join(at.trim_start_matches('/'));
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from, &to).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
}

fn tar(root: &Path, out: &Path) {
    let status = Command::new("tar")
        .arg("-C")
        .arg(root)
        .args(["-cf"])
        .arg(out)
        .arg(".")
        .status()
        .expect("tar runs");
    assert!(status.success());
}

fn compile(args: &[&str], cwd: &Path) -> bool {
    Command::new(args[0])
        .args(&args[1..])
        .current_dir(cwd)
        .status()
        .is_ok_and(|s| s.success())
}

const MUSL_PROGRAM: &str = r#"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
static __thread int t = 5;
extern int plug(int);
static void *worker(void *a) { t += (long)a; printf("thread t=%d\n", t); return 0; }
int main(int argc, char **argv)
{
    printf("musl dynamic: %d %s\n", argc, argc > 1 ? argv[1] : "");
    pthread_t th;
    pthread_create(&th, 0, worker, (void *)3);
    pthread_join(th, 0);
    printf("main t=%d plug(20)=%d\n", t, plug(20));
    void *h = dlopen("libplug.so", RTLD_NOW);
    int (*p)(int) = h ? (int (*)(int))dlsym(h, "plug") : 0;
    printf("dlopen again: %s\n", p && p(21) == 43 ? "same library" : "no");
    return 3;
}
"#;

const MUSL_LIBRARY: &str = r#"
#include <stdio.h>
__attribute__((constructor)) static void init(void) { printf("plug constructor\n"); }
int plug(int x) { return x + 22; }
"#;

#[test]
fn a_musl_root_runs_its_dynamic_programs() {
    if !Path::new(MUSL_LD).exists() || testsuite::host::find_program(&["musl-gcc"]).is_none() {
        eprintln!("skipped: musl and musl-tools are not installed (scripts/deps.sh)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("prog.c"), MUSL_PROGRAM).unwrap();
    std::fs::write(d.join("plug.c"), MUSL_LIBRARY).unwrap();
    assert!(compile(
        &[
            "musl-gcc",
            "-O2",
            "-shared",
            "-fPIC",
            "-o",
            "libplug.so",
            "plug.c"
        ],
        d
    ));
    assert!(compile(
        &[
            "musl-gcc",
            "-O2",
            "-o",
            "prog",
            "prog.c",
            "-L.",
            "-lplug",
            "-Wl,-rpath,/usr/lib/plug"
        ],
        d
    ));
    // Alpine's layout: the dynamic linker is libc itself.
    let root = d.join("root");
    put(&root, Path::new(MUSL_LD), MUSL_LD);
    put(&root, &d.join("prog"), "/bin/prog");
    put(&root, &d.join("libplug.so"), "/usr/lib/plug/libplug.so");
    let image = d.join("alpine.tar");
    tar(&root, &image);

    let got = ninux_in_tar(&image, &["/bin/prog", "arg"], d);
    let stdout = String::from_utf8_lossy(&got.stdout);
    assert_eq!(
        got.status,
        Termination::Exited(3),
        "{stdout}{}",
        String::from_utf8_lossy(&got.stderr)
    );
    let want = "plug constructor\nmusl dynamic: 2 arg\nthread t=8\nmain t=5 plug(20)=42\n\
                dlopen again: same library\n";
    assert_eq!(stdout, want);
}

/// The files `ldd` lists for `program`: its interpreter and libraries.
fn needed(program: &str) -> Vec<PathBuf> {
    let out = Command::new("ldd").arg(program).output().expect("ldd runs");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter(|w| w.starts_with('/'))
        .map(PathBuf::from)
        .collect()
}

#[test]
fn a_glibc_root_tar_runs_debians_dynamic_tools() {
    let (dash, ls) = ("/bin/dash", "/bin/ls");
    if !Path::new(dash).exists() || !Path::new(ls).exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    for program in [dash, ls] {
        put(&root, Path::new(program), program);
        for lib in needed(program) {
            put(&root, &lib, &lib.to_string_lossy());
        }
    }
    let image = dir.path().join("debian.tar");
    tar(&root, &image);
    let got = ninux_in_tar(
        &image,
        &["/bin/dash", "-c", "echo start; /bin/ls /bin; exit 4"],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&got.stderr);
    assert_eq!(got.status, Termination::Exited(4), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&got.stdout), "start\ndash\nls\n");
}

#[test]
fn a_missing_interpreter_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    put(&root, Path::new("/bin/ls"), "/bin/ls");
    let image = dir.path().join("nold.tar");
    tar(&root, &image);
    let got = ninux_in_tar(&image, &["/bin/ls"], dir.path());
    let stderr = String::from_utf8_lossy(&got.stderr);
    assert!(
        matches!(got.status, Termination::Exited(c) if c != 0),
        "{:?}",
        got.status
    );
    assert!(
        stderr.contains("interpreter /lib64/ld-linux-x86-64.so.2"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

const SHARED_PROGRAM: &str = r#"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    int fd = open(argv[1], O_RDWR);
    char *p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (fd < 0 || p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    printf("mapped: %.7s\n", p);
    memcpy(p, "FROM", 4);
    if (msync(p, 4096, MS_SYNC) != 0) {
        perror("msync");
        return 1;
    }
    char buf[16] = {0};
    pread(fd, buf, 7, 0);
    printf("after msync: %s\n", buf);
    char *q = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    memcpy(q, "priv", 4);
    munmap(q, 4096);
    pread(fd, buf, 7, 0);
    printf("private stays private: %s\n", buf);
    int ro = open(argv[1], O_RDONLY);
    printf("shared writable needs write access: %s\n",
           mmap(0, 4096, PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED ? "yes" : "no");
    memcpy(p + 4, " 9P", 3); /* reaches the file when the process exits */
    return 0;
}
"#;

/// A 9P file has no host fd: a writable shared mapping of it is a copy
/// written back at msync and at exit, and a private one never is.
#[test]
fn shared_mappings_of_9p_files_are_written_back() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("shared.c"), SHARED_PROGRAM).unwrap();
    if !compile(&["cc", "-O2", "-o", "shared", "shared.c"], d) {
        eprintln!("skipped: no C compiler (scripts/deps.sh)");
        return;
    }
    let sock = d.join("ram.sock");
    let fs = ninep::RamFs::new();
    fs.add_file("/file", b"from 9p\n");
    let server = ninep::Server::new(std::sync::Arc::new(fs));
    let _handle = server
        .spawn(&format!("unix!{}", sock.display()))
        .expect("9P server listens");
    let mnt = d.join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let file = mnt.join("file");
    let nsfile = d.join("ns");
    let ns = format!(
        "bind / /\nmount -c unix!{} {}\n",
        sock.display(),
        mnt.display()
    );
    std::fs::write(&nsfile, ns).unwrap();
    let in_ns = |args: &[&Path]| {
        let mut argv: Vec<OsString> = vec![NINUX.into(), "run".into(), "--ns".into()];
        argv.push(nsfile.clone().into());
        argv.push("--".into());
        argv.extend(args.iter().map(|a| a.as_os_str().to_os_string()));
        run(&argv, d)
    };
    let got = in_ns(&[&d.join("shared"), &file]);
    let stderr = String::from_utf8_lossy(&got.stderr);
    assert_eq!(got.status, Termination::Exited(0), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&got.stdout),
        "mapped: from 9p\nafter msync: FROM 9p\nprivate stays private: FROM 9p\n\
         shared writable needs write access: yes\n"
    );
    let after = in_ns(&[Path::new("/bin/cat"), &file]);
    assert_eq!(String::from_utf8_lossy(&after.stdout), "FROM 9P\n");
}

/// An interpreter that is not one is named in the error, never a panic.
#[test]
fn a_bad_interpreter_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    put(&root, Path::new("/bin/true"), "/bin/true");
    let ld = root.join("lib64/ld-linux-x86-64.so.2");
    let cases: [(&dyn Fn(), &str); 3] = [
        (
            &|| std::fs::write(&ld, b"hello\n").unwrap(),
            "not an ELF file",
        ),
        (
            &|| {
                std::fs::remove_file(&ld).unwrap();
                std::fs::create_dir(&ld).unwrap();
            },
            "is a directory",
        ),
        (
            &|| {
                std::fs::remove_dir(&ld).unwrap();
                std::fs::copy("/bin/true", &ld).unwrap();
            },
            "asks for an interpreter itself",
        ),
    ];
    std::fs::create_dir_all(ld.parent().unwrap()).unwrap();
    for (make, want) in cases {
        make();
        let argv: Vec<OsString> = vec![
            NINUX.into(),
            "run".into(),
            "-r".into(),
            root.clone().into(),
            "--".into(),
            "/bin/true".into(),
        ];
        let got = run(&argv, dir.path());
        let stderr = String::from_utf8_lossy(&got.stderr);
        assert!(
            matches!(got.status, Termination::Exited(c) if c != 0),
            "{want}: {:?}",
            got.status
        );
        assert!(
            stderr.contains("/bin/true: interpreter /lib64/ld-linux-x86-64.so.2")
                && stderr.contains(want),
            "{stderr}"
        );
    }
}

/// A `#!` script named on the command line runs as execve runs it (many of
/// the host's tools are scripts: ldd, shims); one without an execute bit
/// is refused.
#[test]
fn a_script_runs_through_its_interpreter() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("greet");
    std::fs::write(&script, "#!/bin/sh -e\necho \"$0 says $1\"\nexit 6\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let argv = |path: &Path| -> Vec<OsString> {
        vec![
            NINUX.into(),
            "run".into(),
            "--".into(),
            path.into(),
            "hi".into(),
        ]
    };
    let got = run(&argv(&script), dir.path());
    assert_eq!(
        got.status,
        Termination::Exited(6),
        "{}",
        String::from_utf8_lossy(&got.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&got.stdout),
        format!("{} says hi\n", script.display())
    );
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o644)).unwrap();
    let got = run(&argv(&script), dir.path());
    assert_eq!(got.status, Termination::Exited(126));
    assert!(String::from_utf8_lossy(&got.stderr).contains("Permission denied"));
}

/// The share of syscalls through rewritten sites that `ninux run --stats`
/// reports for the run's first process.
fn rewritten_share(args: &[&str]) -> f64 {
    let mut argv: Vec<OsString> = vec![NINUX.into(), "run".into(), "--stats".into(), "--".into()];
    argv.extend(args.iter().map(OsString::from));
    let done = run(&argv, Path::new("/"));
    assert_eq!(done.status, Termination::Exited(0), "{args:?}");
    let err = String::from_utf8_lossy(&done.stderr);
    let line = err
        .lines()
        .find(|l| l.contains("through rewritten sites"))
        .unwrap_or_else(|| panic!("no --stats line in {err}"));
    let pct = line.split('(').nth(1).and_then(|r| r.split('%').next());
    pct.and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unreadable --stats line {line}"))
}

#[test]
fn shared_libraries_are_rewritten_as_they_are_mapped() {
    // Where the fast path is not available (no AVX), nothing is rewritten
    // for static programs either: nothing to check then.
    if rewritten_share(&["/bin/busybox", "true"]) == 0.0 {
        return;
    }
    // ls makes nearly all its syscalls from libc.so.6, which ld.so maps:
    // without rewriting at mmap only ld.so's own sites would be fast.
    let share = rewritten_share(&["/bin/ls", "-la", "/etc"]);
    assert!(
        share > 80.0,
        "only {share}% of ls's syscalls were rewritten"
    );
}
