//! Every conformance case, by family. Adding a case is one line here plus its
//! source under `cases/<family>/`; the case must pass natively first.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::time::Duration;

use crate::case::{Case, ExitExpect, Expect, Hooks, Program, Stdin, Toolchain};
use crate::host::Tool;
use crate::inputs::Input;

/// The 64 MiB input of the sha256sum case, shared with the benchmark.
pub const SHA256_INPUT: Input = Input::Random {
    bytes: 64 << 20,
    seed: 3,
};

/// All cases of all families, in report order.
pub fn all() -> Vec<Case> {
    let specs = [
        startup(),
        threads(),
        memory(),
        stdio(),
        process_info(),
        proc(),
        time(),
        errors(),
        signals(),
        process(),
        files(),
        files_busybox(),
        busybox(),
        shell(),
        go(),
        dynamic(),
        net(),
    ];
    specs
        .into_iter()
        .flatten()
        .flat_map(Spec::variants)
        .collect()
}

/// The family names, in report order.
pub const FAMILIES: [&str; 17] = [
    "startup",
    "threads",
    "memory",
    "stdio",
    "process-info",
    "proc",
    "time",
    "errors",
    "signals",
    "process",
    "files",
    "files-busybox",
    "busybox",
    "shell",
    "go",
    "dynamic",
    "net",
];

/// Static Go programs (Debian's gojq and shfmt): the Go runtime's threads,
/// futexes, signals (preemption), sigaltstack and epoll, with real work.
fn go() -> Vec<Spec> {
    const JSON: &str = "printf '%s' '{\"users\":[{\"name\":\"ada\",\"age\":36},{\"name\":\"bob\",\"age\":7}],\"n\":[3,1,2]}' > in.json";
    const SCRIPT: &str =
        "printf 'if true;then echo hi;fi\nf(){ for i in 1 2;do echo $i;done;}\n' > in.sh";
    vec![
        tool(
            "go",
            "gojq_file",
            Tool::Gojq,
            &[
                "-c",
                ".users | map(select(.age > 18)) | .[].name",
                "in.json",
            ],
        )
        .setup(JSON),
        tool(
            "go",
            "gojq_sort",
            Tool::Gojq,
            &["-c", ".n | sort, length, add", "in.json"],
        )
        .setup(JSON),
        tool("go", "gojq_error", Tool::Gojq, &[".users[", "in.json"])
            .setup(JSON)
            .exit(3),
        tool("go", "shfmt_file", Tool::Shfmt, &["-i", "2", "in.sh"]).setup(SCRIPT),
        tool("go", "shfmt_diff", Tool::Shfmt, &["-l", "in.sh"]).setup(SCRIPT),
    ]
}

/// Sockets through `/net`: error paths, TCP and UDP on loopback (v4, v6),
/// AF_UNIX with SCM_RIGHTS between processes, a Go HTTP server and client,
/// and busybox's httpd, wget and nc. Servers take ephemeral ports (httpd,
/// which cannot, tries ports until one is free).
fn net() -> Vec<Spec> {
    vec![
        c("net", "tcp_errors"),
        c("net", "tcp_udp"),
        c("net", "unix_sockets"),
        c("net", "exec_socket"),
        go_package("net", "go_http"),
        tool(
            "net",
            "busybox_httpd_wget_nc",
            Tool::Busybox,
            &["sh", "-c", HTTPD],
        )
        .ignore_stderr("httpd is stopped with SIGTERM, which ninux reports on stderr"),
    ]
}

/// busybox httpd on 127.0.0.1, fetched with wget and with nc.
const HTTPD: &str = r#"
mkdir -p www && printf 'hello from busybox httpd\n' > www/index.html || exit 8
i=0
while :; do
    port=$((20000 + ($$ * 7 + i * 131) % 40000))
    busybox httpd -f -p 127.0.0.1:$port -h www & pid=$!
    busybox sleep 0.3
    kill -0 $pid 2>/dev/null && break
    i=$((i + 1)); [ $i -lt 10 ] || exit 9
done
busybox wget -q -O - http://127.0.0.1:$port/index.html
busybox wget -q -O - http://127.0.0.1:$port/missing.html; echo "missing: $?"
printf 'GET /index.html HTTP/1.0\r\n\r\n' | busybox nc 127.0.0.1 $port | busybox tail -n 1
kill $pid; wait $pid
echo "httpd: $?"
"#;

fn signals() -> Vec<Spec> {
    vec![
        c("signals", "siginfo_raise"),
        c("signals", "resethand"),
        c("signals", "nodefer"),
        c("signals", "altstack"),
        c("signals", "nested_mask"),
        c("signals", "sigreturn_regs"),
        c("signals", "async_loop"),
        c("signals", "sigsuspend_fork"),
        c("signals", "alarm_read"),
        c("signals", "sigpipe_default").killed_by(libc::SIGPIPE, "SIGPIPE"),
        c("signals", "sigpipe_handled"),
        c("signals", "pending"),
        c("signals", "abort_handler").killed_by(libc::SIGABRT, "SIGABRT"),
        c("signals", "thread_kill"),
        c("signals", "external_kill"),
        c("signals", "signalfd"),
        c("signals", "posix_timer"),
        c("signals", "delivery_order"),
        c("signals", "eintr_restart"),
        c("signals", "fastpath_state"),
    ]
}

/// execve and execveat: argv and envp, `#!` scripts, errors, what the new
/// image keeps (fds without close-on-exec, cwd, umask, limits, mask,
/// ignored signals), fork/vfork then exec then wait, and busybox sh running
/// external commands.
fn process() -> Vec<Spec> {
    let sh = |name, command| tool("process", name, Tool::Busybox, &["sh", "-c", command]);
    vec![
        c("process", "exec_args_env"),
        c("process", "vector_registers"),
        c("process", "exec_script"),
        c("process", "exec_errors"),
        c("process", "exec_cloexec"),
        c("process", "exec_keep_state"),
        c("process", "exec_replaces_image"),
        c("process", "exec_auxv_ids"),
        c("process", "fork_exec_wait"),
        c("process", "exec_from_thread"),
        c("process", "execveat"),
        c("process", "waitid_status"),
        c("process", "pidfd"),
        c("process", "prctl_reaper"),
        c("process", "reaper_sees_only_its_own"),
        c("process", "posix_spawn"),
        c("process", "vfork_writes"),
        c("process", "sysv_ipc"),
        go_package("process", "goroutines"),
        sh(
            "busybox_sh_pipeline_tr",
            "busybox echo hello | busybox tr a-z A-Z",
        ),
        sh(
            "busybox_sh_external",
            "echo a | busybox wc -c; busybox cat f; exec busybox echo exec replaces the shell",
        )
        .setup("echo hi > f"),
    ]
}

fn startup() -> Vec<Spec> {
    // Odd arguments: empty, with a space, not UTF-8, option-like, and long.
    let long = "x".repeat(5000);
    let args: Vec<OsString> = [
        b"".as_slice(),
        b"two words",
        b"\xff\xfe",
        b"-x",
        b"--",
        long.as_bytes(),
    ]
    .iter()
    .map(|a| OsStr::from_bytes(a).to_os_string())
    .collect();
    vec![
        c("startup", "hello").pie(),
        c("startup", "args_env_auxv").pie().args(args),
    ]
}

fn threads() -> Vec<Spec> {
    vec![
        c("threads", "join_order"),
        c("threads", "pingpong"),
        c("threads", "many_threads"),
        c("threads", "exit_from_thread").exit(7),
    ]
}

fn memory() -> Vec<Spec> {
    vec![
        c("memory", "malloc_200m"),
        c("memory", "mmap_patterns"),
        c("memory", "mprotect_fault"),
        c("memory", "lock_residency"),
        c("memory", "brk_growth"),
        c("memory", "mmap_file"),
        c("memory", "mmap_edges"),
    ]
}

fn stdio() -> Vec<Spec> {
    vec![
        c_from("stdio", "stdin_file_checksum", "stdin_checksum").stdin(Stdin::File(
            Input::Random {
                bytes: 8 << 20,
                seed: 1,
            },
        )),
        c_from("stdio", "stdin_pipe_checksum", "stdin_checksum").stdin(Stdin::PipeFrom(
            Input::Random {
                bytes: 3 << 20,
                seed: 2,
            },
        )),
        c_from("stdio", "stdin_empty_checksum", "stdin_checksum"),
        c("stdio", "writev_readv"),
        c("stdio", "stdout_stderr"),
        c("stdio", "poll"),
        c("stdio", "pty"),
        c("stdio", "select"),
        c("stdio", "pipe_atomic"),
        c("stdio", "epoll_ready"),
    ]
}

fn process_info() -> Vec<Spec> {
    vec![
        c("process-info", "uname"),
        c("process-info", "ids"),
        c("process-info", "cwd"),
        c("process-info", "sched"),
        c("process-info", "prctl_flags"),
        c("process-info", "caps_persona"),
        c("process-info", "proc_self"),
        c("process-info", "rlimits"),
        c("process-info", "rlimit_nofile"),
    ]
}

/// The synthesized /proc (personality/src/devices/proc*.rs): what a program
/// reads about itself there is the guest's, not ninux's.
fn proc() -> Vec<Spec> {
    vec![
        c("proc", "self_links"),
        c("proc", "fd_list"),
        c("proc", "mounts"),
        c("proc", "cmdline_environ").args(["x", "", "y z"].iter().map(OsString::from).collect()),
        c("proc", "cmdline_rewritten")
            .args(["first", "second"].iter().map(OsString::from).collect()),
        c("proc", "status_maps").pie(),
        // Only ps's own line: the other processes are the machine's.
        tool(
            "proc",
            "busybox_ps_self",
            Tool::Busybox,
            &[
                "sh",
                "-c",
                "busybox ps -o comm,args | busybox grep -v grep | busybox grep ' ps -o comm'",
            ],
        ),
    ]
}

fn time() -> Vec<Spec> {
    vec![
        c("time", "monotonic"),
        c("time", "nanosleep"),
        c("time", "timerfd"),
    ]
}

fn errors() -> Vec<Spec> {
    vec![
        c("errors", "enosys"),
        c("errors", "raw_syscall").pie(),
        c("errors", "errno_values"),
        c("errors", "exit_code").exit(42),
        c("errors", "null_write").killed_by(libc::SIGSEGV, "SIGSEGV"),
        c("errors", "abort").killed_by(libc::SIGABRT, "SIGABRT"),
    ]
}

fn files() -> Vec<Spec> {
    vec![
        c("files", "open_flags"),
        c("files", "read_write"),
        c("files", "dup_fcntl"),
        c("files", "stat_fields"),
        c("files", "getdents"),
        c("files", "dirs"),
        c("files", "dot_names"),
        c("files", "dotdot_physical"),
        c("files", "rename"),
        // Listing the tree afterwards also binds the working directory, so
        // the exchange happens in a host directory, which can.
        c("files", "rename_exchange").after(LIST),
        c("files", "symlinks"),
        c("files", "links"),
        c("files", "modes"),
        c("files", "truncate_sync"),
        c("files", "mknod_fifo"),
        c("files", "memfd"),
        c("files", "chroot"),
        c("files", "inotify"),
        c("files", "splice_tee"),
        c("files", "sendfile"),
        c("files", "magic_links"),
        c("files", "permissions"),
        // In a host directory (the listing binds the working directory), and
        // in the copy-on-write layer.
        c("files", "opath").after(LIST),
        c_from("files", "opath_cow", "opath"),
    ]
}

/// The tree the files-busybox cases work on: files, a hard link, symlinks
/// (one dangling), nested and empty directories, all with one fixed mtime.
const TREE: &str = "set -e
mkdir -p tree/sub/deep tree/empty
printf 'hello\\n' > tree/a.txt
printf 'line3\\nline1\\nline2\\n' > tree/sub/lines
i=1; while [ $i -le 300 ]; do echo \"number $i\"; i=$((i+1)); done > tree/sub/deep/numbers
ln -s a.txt tree/link
ln -s nowhere tree/dangling
ln tree/a.txt tree/hard
chmod 0640 tree/sub/lines
find tree -depth -exec touch -h -d '2020-01-02 03:04:05' {} +
";

/// Everything in the working directory after the run: type, permissions,
/// size, link count and a checksum prefix, or a symlink's target (no times:
/// new files get the current one).
const LIST: &str = "find . | LC_ALL=C sort | while IFS= read -r p; do
  if [ -L \"$p\" ]; then echo \"$p -> $(readlink \"$p\")\"
  elif [ -d \"$p\" ]; then echo \"$p/ $(stat -c %a \"$p\")\"
  else echo \"$p $(stat -c '%a %s %h' \"$p\") $(md5sum < \"$p\" | cut -c1-8)\"; fi
done";

/// busybox applets, one per case, on [`TREE`] (so a failure names its applet).
fn files_busybox() -> Vec<Spec> {
    let bb = |name, args: &[&str]| tool("files-busybox", name, Tool::Busybox, args).setup(TREE);
    vec![
        bb("ls_lR", &["ls", "-lR", "tree"]),
        bb("find", &["find", "tree"]),
        bb("du_s", &["du", "-s", "tree"]),
        bb("du_a", &["du", "-a", "tree"]),
        bb(
            "stat",
            &[
                "stat",
                "-c",
                "%n %s %f %h %F",
                "tree/a.txt",
                "tree/link",
                "tree/sub",
                "tree/hard",
            ],
        ),
        bb("readlink_f", &["readlink", "-f", "tree/link"]),
        bb(
            "md5sum",
            &[
                "md5sum",
                "tree/a.txt",
                "tree/sub/lines",
                "tree/sub/deep/numbers",
            ],
        ),
        bb("wc", &["wc", "tree/sub/deep/numbers", "tree/a.txt"]),
        bb("head", &["head", "-n", "3", "tree/sub/deep/numbers"]),
        bb("tail", &["tail", "-n", "3", "tree/sub/deep/numbers"]),
        bb("sort", &["sort", "-r", "tree/sub/lines"]),
        bb("cat_link", &["cat", "tree/link", "tree/hard"]),
        bb("mkdir_p", &["mkdir", "-p", "a/b/c", "tree/sub/x"]).after(LIST),
        // busybox cp -a does not preserve a symlink's own mtime (natively
        // either), so symlinks are listed without theirs: it is the clock.
        bb("cp_a", &["cp", "-a", "tree", "copy"]).after(
            "{ find copy ! -type l -exec stat -c '%n %Y' {} +; find copy -type l; } | LC_ALL=C sort",
        ),
        bb("cp_r", &["cp", "-r", "tree", "copy"]).after(LIST),
        bb("mv", &["mv", "tree/sub", "moved"]).after(LIST),
        bb("rm_r", &["rm", "-r", "tree/sub", "tree/link"]).after(LIST),
        bb("ln_s", &["ln", "-s", "a.txt", "tree/newlink"]).after(LIST),
        bb("ln", &["ln", "tree/a.txt", "tree/third"]).after(LIST),
        bb(
            "touch",
            &["touch", "-d", "2021-03-04 05:06:07", "new", "tree/a.txt"],
        )
        .after("stat -c '%n %Y %s' new tree/a.txt"),
        bb("chmod_R", &["chmod", "-R", "go-r", "tree"]).after(LIST),
    ]
}

fn busybox() -> Vec<Spec> {
    let text = Input::Text {
        lines: 50_000,
        seed: 4,
    };
    vec![
        tool("busybox", "echo", Tool::Busybox, &["echo", "hello"]),
        tool("busybox", "seq", Tool::Busybox, &["seq", "1", "100000"]),
        tool("busybox", "sha256sum_64m", Tool::Busybox, &["sha256sum"])
            .stdin(Stdin::File(SHA256_INPUT))
            .native_stdout_contains("  -"),
        tool("busybox", "wc", Tool::Busybox, &["wc"]).stdin(Stdin::PipeFrom(text)),
        tool("busybox", "sort", Tool::Busybox, &["sort"]).stdin(Stdin::File(text)),
        tool("busybox", "tr", Tool::Busybox, &["tr", "a-z", "A-Z"]).stdin(Stdin::PipeFrom(text)),
        tool("busybox", "uname_m", Tool::Busybox, &["uname", "-m"])
            .native_stdout_contains("x86_64"),
        tool("busybox", "true", Tool::Busybox, &["true"]),
        tool("busybox", "false", Tool::Busybox, &["false"]).exit(1),
    ]
}

fn shell() -> Vec<Spec> {
    vec![
        script(
            "busybox_sh_builtins",
            Tool::Busybox,
            &["sh"],
            "shell/builtins.sh",
        ),
        script(
            "busybox_sh_pipeline",
            Tool::Busybox,
            &["sh"],
            "shell/pipeline.sh",
        )
        .exit(3),
        script("bash_static", Tool::BashStatic, &[], "shell/bash.sh").exit(9),
        script("busybox_sh_jobs", Tool::Busybox, &["sh"], "shell/jobs.sh").exit(5),
        script(
            "bash_static_jobs",
            Tool::BashStatic,
            &[],
            "shell/bash_jobs.sh",
        )
        .exit(6),
    ]
}

/// Dynamically linked programs: C cases built with plain `cc` (ld.so,
/// libc.so, libraries built beside them from `lib*.so.c`), and Debian's own
/// dynamic tools on the host's root, ninux's default namespace.
fn dynamic() -> Vec<Spec> {
    let python = "import json, hashlib, subprocess\n\
        d = {'sha256': hashlib.sha256(b'ninux').hexdigest(), 'n': [1, 2, 3]}\n\
        print(json.dumps(d, sort_keys=True))\n\
        r = subprocess.run(['/bin/echo', 'from', 'echo'], capture_output=True)\n\
        print(r.returncode, r.stdout.decode().strip())\n\
        print(subprocess.call(['/bin/sh', '-c', 'exit 3']))";
    vec![
        c_dynamic("dynamic", "dlopen").native_stdout_contains("plug: destructor ran"),
        c_dynamic("dynamic", "ifunc").native_stdout_contains("resolver matches cpuid: yes"),
        c_dynamic("dynamic", "maps").native_stdout_contains("AT_BASE set: yes"),
        c_dynamic("dynamic", "exec_interp").native_stdout_contains("No such file or directory"),
        script_in(
            "dynamic",
            "debian_tools",
            Tool::Dash,
            &[],
            "dynamic/tools.sh",
        )
        .native_stdout_contains("child exit 7"),
        tool("dynamic", "python3", Tool::Python3, &["-c", python])
            .native_stdout_contains("0 from echo"),
        tool("dynamic", "python3_pass", Tool::Python3, &["-c", "pass"]),
    ]
}

/// A case before its variants are expanded.
struct Spec {
    family: &'static str,
    name: &'static str,
    kind: Kind,
    args: Vec<OsString>,
    stdin: Stdin,
    expect: Expect,
    divergence: Option<&'static str>,
    timeout: Duration,
    pie: bool,
    /// Only the dynamically linked glibc variant (`@dyn`).
    dynamic: bool,
    hooks: Hooks,
}

enum Kind {
    C { source: String },
    Ready(Program),
}

/// A C case whose source is `cases/<family>/<name>.c`.
fn c(family: &'static str, name: &'static str) -> Spec {
    c_from(family, name, name)
}

/// A C case named `name` built from `cases/<family>/<source>.c` (several
/// cases may share one program and differ in arguments or stdin).
fn c_from(family: &'static str, name: &'static str, source: &str) -> Spec {
    Spec::new(
        family,
        name,
        Kind::C {
            source: format!("{family}/{source}.c"),
        },
    )
}

/// A dynamically linked C case (`cases/<family>/<name>.c`, glibc only).
fn c_dynamic(family: &'static str, name: &'static str) -> Spec {
    let mut spec = c(family, name);
    spec.dynamic = true;
    spec
}

/// A Go case: the main package in directory `cases/<family>/<name>/`.
fn go_package(family: &'static str, name: &'static str) -> Spec {
    Spec::new(
        family,
        name,
        Kind::Ready(Program::Go {
            package: format!("{family}/{name}"),
        }),
    )
}

fn tool(family: &'static str, name: &'static str, tool: Tool, args: &[&str]) -> Spec {
    Spec::new(family, name, Kind::Ready(Program::Tool(tool)))
        .args(args.iter().map(OsString::from).collect())
}

fn script(
    name: &'static str,
    shell: Tool,
    shell_args: &'static [&'static str],
    script: &'static str,
) -> Spec {
    script_in("shell", name, shell, shell_args, script)
}

fn script_in(
    family: &'static str,
    name: &'static str,
    shell: Tool,
    shell_args: &'static [&'static str],
    script: &'static str,
) -> Spec {
    Spec::new(
        family,
        name,
        Kind::Ready(Program::Script {
            shell,
            shell_args,
            script,
        }),
    )
}

impl Spec {
    fn new(family: &'static str, name: &'static str, kind: Kind) -> Spec {
        Spec {
            family,
            name,
            kind,
            args: Vec::new(),
            stdin: Stdin::Null,
            expect: Expect::default(),
            divergence: None,
            timeout: Duration::from_secs(60),
            pie: false,
            dynamic: false,
            hooks: Hooks::default(),
        }
    }

    fn args(mut self, args: Vec<OsString>) -> Spec {
        self.args = args;
        self
    }

    fn stdin(mut self, stdin: Stdin) -> Spec {
        self.stdin = stdin;
        self
    }

    fn exit(mut self, code: i32) -> Spec {
        self.expect.status = ExitExpect::Code(code);
        self
    }

    /// Death by `signal`: ninux adds its diagnostic to stderr, so stderr is
    /// not compared, and ninux's stderr must name the signal instead.
    fn killed_by(mut self, signal: i32, name: &'static str) -> Spec {
        self.expect.status = ExitExpect::Signal(signal);
        self.expect.compare_stderr = false;
        self.expect.ninux_stderr_contains = Some(name);
        self
    }

    /// stderr differs for a reason ninux cannot avoid (its own diagnostics).
    fn ignore_stderr(mut self, _why: &'static str) -> Spec {
        self.expect.compare_stderr = false;
        self
    }

    fn native_stdout_contains(mut self, needle: &'static str) -> Spec {
        self.expect.native_stdout_contains = Some(needle);
        self
    }

    /// A script that builds the tree the case works on (see [`Hooks`]).
    fn setup(mut self, script: &'static str) -> Spec {
        self.hooks.setup = Some(script);
        self
    }

    /// A script whose output shows what the program changed (see [`Hooks`]).
    fn after(mut self, script: &'static str) -> Spec {
        self.hooks.after = Some(script);
        self
    }

    /// Also build a `cc -static-pie` variant.
    fn pie(mut self) -> Spec {
        self.pie = true;
        self
    }

    /// Declares a known divergence from Linux, with its reason. No case
    /// needs one today; a new case that finds a gap uses it until it is fixed.
    #[allow(dead_code)]
    fn diverges(mut self, reason: &'static str) -> Spec {
        self.divergence = Some(reason);
        self
    }

    fn variants(self) -> Vec<Case> {
        let programs: Vec<(String, Program)> = match &self.kind {
            Kind::Ready(program) => vec![(self.name.to_string(), program.clone())],
            Kind::C { source } => {
                let mut toolchains = vec![Toolchain::Glibc, Toolchain::Musl];
                if self.dynamic {
                    toolchains = vec![Toolchain::GlibcDynamic];
                }
                if self.pie {
                    toolchains.push(Toolchain::GlibcPie);
                }
                toolchains
                    .into_iter()
                    .map(|toolchain| {
                        let name = format!("{}{}", self.name, toolchain.suffix());
                        (
                            name,
                            Program::C {
                                source: source.clone(),
                                toolchain,
                            },
                        )
                    })
                    .collect()
            }
        };
        programs
            .into_iter()
            .map(|(name, program)| Case {
                family: self.family,
                name,
                program,
                args: self.args.clone(),
                stdin: self.stdin.clone(),
                expect: self.expect.clone(),
                divergence: self.divergence,
                timeout: self.timeout,
                hooks: self.hooks,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_sources_exist() {
        let cases = all();
        let mut ids: Vec<String> = cases.iter().map(Case::id).collect();
        ids.sort();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len(), "duplicate case ids");
        for case in &cases {
            assert!(
                FAMILIES.contains(&case.family),
                "{} has an unlisted family",
                case.id()
            );
            match &case.program {
                Program::C { source, .. } => {
                    assert!(crate::cases_dir().join(source).is_file(), "{source}")
                }
                Program::Script { script, .. } => {
                    assert!(crate::cases_dir().join(script).is_file(), "{script}")
                }
                Program::Go { package } => {
                    assert!(crate::cases_dir().join(package).is_dir(), "{package}")
                }
                Program::Tool(_) => {}
            }
        }
    }

    #[test]
    fn every_c_source_is_used() {
        let cases = all();
        for family in FAMILIES {
            let Ok(dir) = std::fs::read_dir(crate::cases_dir().join(family)) else {
                continue;
            };
            for entry in dir.flatten() {
                if entry.path().extension().is_some_and(|x| x == "h") {
                    continue; // a header the family's cases share
                }
                if crate::build::is_library_source(&entry.path()) {
                    continue; // a shared library the family's cases load
                }
                let rel = format!("{family}/{}", entry.file_name().to_string_lossy());
                let used = cases.iter().any(|c| match &c.program {
                    Program::C { source, .. } => *source == rel,
                    Program::Script { script, .. } => *script == rel,
                    Program::Go { package } => *package == rel,
                    Program::Tool(_) => false,
                });
                assert!(used, "{rel} is not in the catalog");
            }
        }
    }
}
