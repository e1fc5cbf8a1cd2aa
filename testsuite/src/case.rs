//! What a conformance case is: a program, its arguments and stdin, and what
//! the native run must show before the ninux run is compared with it.

use std::ffi::OsString;
use std::time::Duration;

use crate::host::Tool;
use crate::inputs::Input;

/// How a C case is compiled. Each toolchain is a separate case variant,
/// because glibc and musl issue different syscalls for the same source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Toolchain {
    /// `cc -static`: glibc, non-PIE.
    Glibc,
    /// `musl-gcc -static`.
    Musl,
    /// `cc -static-pie`: glibc, position independent, self-relocating.
    GlibcPie,
    /// Plain `cc`: glibc, dynamically linked (PT_INTERP is ld.so), with a
    /// run path of `$ORIGIN` so the program finds the shared libraries built
    /// beside it from the family's `lib*.so.c` sources.
    GlibcDynamic,
}

impl Toolchain {
    /// The suffix that names the variant in a case id (`startup/hello@musl`).
    pub fn suffix(self) -> &'static str {
        match self {
            Toolchain::Glibc => "",
            Toolchain::Musl => "@musl",
            Toolchain::GlibcPie => "@pie",
            Toolchain::GlibcDynamic => "@dyn",
        }
    }

    /// A name for build directories and reports.
    pub fn name(self) -> &'static str {
        match self {
            Toolchain::Glibc => "glibc",
            Toolchain::Musl => "musl",
            Toolchain::GlibcPie => "glibc-pie",
            Toolchain::GlibcDynamic => "glibc-dynamic",
        }
    }
}

/// The program a case runs.
#[derive(Clone, Debug)]
pub enum Program {
    /// A C source, relative to the cases directory, built with `toolchain`.
    C {
        source: String,
        toolchain: Toolchain,
    },
    /// A Go main package: a directory relative to the cases directory, built
    /// with `go build` and `CGO_ENABLED=0`.
    Go { package: String },
    /// A third-party static binary found on the host.
    Tool(Tool),
    /// A script (relative to the cases directory) run by a static shell:
    /// argv is `[shell, shell_args…, script, case args…]`.
    Script {
        shell: Tool,
        shell_args: &'static [&'static str],
        script: &'static str,
    },
}

/// Where the program's stdin comes from. The same source is used for the
/// native and the ninux run.
#[derive(Clone, Debug)]
pub enum Stdin {
    /// `/dev/null`.
    Null,
    /// These bytes, written into a pipe.
    Bytes(&'static [u8]),
    /// A generated file opened as stdin (seekable, `fstat` shows its size).
    File(Input),
    /// A generated file's contents written into a pipe.
    PipeFrom(Input),
}

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitExpect {
    Code(i32),
    Signal(i32),
}

/// What the native run must show for the case to be sound, and which parts of
/// the ninux run are compared.
#[derive(Clone, Debug)]
pub struct Expect {
    /// The native exit status; the ninux run must then match the native run.
    pub status: ExitExpect,
    /// Whether stderr is compared. Off where ninux legitimately adds output,
    /// such as its diagnostic when the guest dies of a signal.
    pub compare_stderr: bool,
    /// A substring ninux's stderr must contain (checked when stderr is not
    /// compared, to keep the case from passing on silence).
    pub ninux_stderr_contains: Option<&'static str>,
    /// A substring the native stdout must contain, to prove the case ran.
    pub native_stdout_contains: Option<&'static str>,
}

impl Default for Expect {
    fn default() -> Self {
        Expect {
            status: ExitExpect::Code(0),
            compare_stderr: true,
            ninux_stderr_contains: None,
            native_stdout_contains: None,
        }
    }
}

/// One case variant, ready to run.
#[derive(Clone, Debug)]
pub struct Case {
    pub family: &'static str,
    /// The case name including its variant suffix (`hello@musl`).
    pub name: String,
    pub program: Program,
    pub args: Vec<OsString>,
    pub stdin: Stdin,
    pub expect: Expect,
    /// A known divergence from Linux and its reason: a mismatch is then
    /// reported as a known divergence, not a failure.
    pub divergence: Option<&'static str>,
    /// The native run's time limit; the ninux run gets [`NINUX_SLOWDOWN`]
    /// times as long, since every syscall is trapped.
    pub timeout: Duration,
    /// Files the case needs first: see [`Hooks`].
    pub hooks: Hooks,
}

/// Shell scripts the runner runs natively (`/bin/sh -c`, in the run's fresh
/// working directory, with the run's environment) around each of the two
/// runs, so a case can run a third-party program on a tree it did not build
/// itself and show what the program changed.
#[derive(Clone, Copy, Debug, Default)]
pub struct Hooks {
    /// Run before the program; it must exit 0 or the case is broken.
    pub setup: Option<&'static str>,
    /// Run after the program; its stdout is appended to the program's stdout
    /// (after a line `--- after ---`) and compared with it. Since ninux's
    /// default writable layer vanishes at exit, a case with an `after` script
    /// runs under `ninux run -b CWD:CWD`, so the guest's writes reach the
    /// host directory the script looks at.
    pub after: Option<&'static str>,
}

/// How much longer than native a ninux run may take before it is killed.
pub const NINUX_SLOWDOWN: u32 = 5;

impl Case {
    /// `family/name`, the id used in reports and filters.
    pub fn id(&self) -> String {
        format!("{}/{}", self.family, self.name)
    }
}
