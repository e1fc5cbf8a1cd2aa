//! `ninux conform`: identical runs, a run that differs (with the diff shown
//! and a non-zero exit), and stdin read once and fed to both runs.

use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

use testsuite::build::{build_c, BuildError};
use testsuite::case::Toolchain;
use testsuite::exec::{self, Run, Spawn, StdinSource, Termination};

const NINUX: &str = env!("CARGO_BIN_EXE_ninux");
const BUSYBOX: &str = "/bin/busybox";

fn conform(args: &[&str], stdin: StdinSource) -> Run {
    let mut argv: Vec<OsString> = vec![NINUX.into(), "conform".into(), "--".into()];
    argv.extend(args.iter().map(OsString::from));
    let cwd = std::env::temp_dir();
    exec::run(&Spawn {
        argv: &argv,
        env: &[("PATH".into(), "/usr/bin:/bin".into())],
        cwd: &cwd,
        stdin: &stdin,
        timeout: Duration::from_secs(120),
    })
    .expect("ninux starts")
}

fn have_busybox() -> bool {
    let there = Path::new(BUSYBOX).exists();
    if !there {
        eprintln!("skipped: {BUSYBOX} is not installed (busybox-static)");
    }
    there
}

#[test]
fn busybox_echo_is_identical() {
    if !have_busybox() {
        return;
    }
    let run = conform(&[BUSYBOX, "echo", "hi"], StdinSource::Null);
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status, Termination::Exited(0), "{err}");
    assert!(
        err.starts_with("identical: exit 0, 3 bytes of stdout"),
        "{err}"
    );
    assert!(run.stdout.is_empty());
}

#[test]
fn stdin_is_fed_to_both_runs() {
    if !have_busybox() {
        return;
    }
    let input = b"one\ntwo\nthree\n".to_vec();
    let run = conform(&[BUSYBOX, "cat"], StdinSource::Bytes(input));
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status, Termination::Exited(0), "{err}");
    // Identical, and the native run echoed all 14 bytes: so did ninux's.
    assert!(
        err.starts_with("identical: exit 0, 14 bytes of stdout"),
        "{err}"
    );
}

/// Syscalls that are harmless, succeed on Linux, and (some of them) are not
/// implemented by ninux yet: the program prints `ok` or the errno for each.
const PROBES: &[(&str, &str)] = &[
    (
        "getrusage",
        "struct rusage ru; r = getrusage(RUSAGE_SELF, &ru);",
    ),
    (
        "times",
        "struct tms t; r = times(&t) == (clock_t)-1 ? -1 : 0;",
    ),
    (
        "getpriority",
        "errno = 0; r = getpriority(PRIO_PROCESS, 0); if (errno == 0) r = 0;",
    ),
    (
        "getitimer",
        "struct itimerval it; r = getitimer(ITIMER_REAL, &it);",
    ),
    ("sched_getscheduler", "r = sched_getscheduler(0);"),
    ("personality", "r = personality(0xffffffff) == -1 ? -1 : 0;"),
    ("adjtimex", "struct timex tx = {0}; r = adjtimex(&tx);"),
    (
        "io_setup",
        "unsigned long ctx = 0; r = syscall(SYS_io_setup, 1, &ctx); \
         if (r == 0) syscall(SYS_io_destroy, ctx);",
    ),
];

fn probe_source() -> String {
    let mut src = String::from(
        "#define _GNU_SOURCE\n#include <errno.h>\n#include <fcntl.h>\n#include <sched.h>\n\
         #include <stdio.h>\n#include <time.h>\n#include <sys/personality.h>\n\
         #include <sys/resource.h>\n#include <sys/time.h>\n#include <sys/times.h>\n\
         #include <sys/timex.h>\n#include <sys/syscall.h>\n#include <unistd.h>\nint main(void) {\n    long r;\n",
    );
    for (name, call) in PROBES {
        src.push_str(&format!(
            "    {call}\n    if (r < 0) printf(\"{name}: errno %d\\n\", errno); else printf(\"{name}: ok\\n\");\n"
        ));
    }
    src.push_str("    return 0;\n}\n");
    src
}

#[test]
fn a_program_using_missing_syscalls_differs() {
    // The test needs at least one probe ninux does not implement yet; when
    // all are, replace them with syscalls that still are missing.
    let absent: Vec<&str> = PROBES
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| {
            personality::table::TABLE
                .iter()
                .any(|e| e.name == *name && e.support == personality::table::Support::Absent)
        })
        .collect();
    assert!(
        !absent.is_empty(),
        "every probe is implemented now: pick syscalls ninux still lacks"
    );
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("probes.c");
    std::fs::write(&source, probe_source()).unwrap();
    let binary = match build_c(&source, "probes", Toolchain::Glibc, dir.path()) {
        Ok(binary) => binary,
        Err(BuildError::Missing(why)) => {
            eprintln!("skipped: {why}");
            return;
        }
        Err(BuildError::Failed(why)) => panic!("the probe program does not build: {why}"),
    };
    let run = conform(&[binary.to_str().unwrap()], StdinSource::Null);
    let out = String::from_utf8_lossy(&run.stdout);
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(
        run.status,
        Termination::Exited(1),
        "stdout: {out}\nstderr: {err}"
    );
    assert!(err.starts_with("different: stdout"), "{err}");
    assert!(
        out.contains("--- native") && out.contains("+++ ninux"),
        "{out}"
    );
    let first = absent[0];
    assert!(out.contains(&format!("-{first}: ok")), "{out}");
    assert!(out.contains(&format!("+{first}: errno 38")), "{out}");
}
