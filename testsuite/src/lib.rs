//! Conformance testing for ninux: each case runs natively and under
//! `ninux run`, in equivalent environments, and the two runs must agree on
//! exit status (including death by signal), stdout and stderr.
//!
//! A case is a small C program under `cases/<family>/` (built with glibc
//! `cc -static`, again with `musl-gcc -static`, and with `cc -static-pie`
//! where the case asks), a real third-party binary (busybox), or a shell
//! script run by a static shell. [`catalog::all`] lists them; [`runner::run`]
//! executes them in parallel and returns a [`report::Report`].
//!
//! Conventions the C cases follow, which the runner relies on:
//! - they print only values that are stable from run to run; pointers are
//!   checked, not printed;
//! - a self-check prints `yes`/`ok` when the behaviour is Linux's, and
//!   `no`/`FAILED` otherwise, so a native run that prints `no` marks the case
//!   itself as broken (reported as an error, never as a pass).

pub mod build;
pub mod case;
pub mod catalog;
pub mod compare;
pub mod coverage;
pub mod exec;
pub mod host;
pub mod inputs;
pub mod report;
pub mod runner;

pub use case::Case;
pub use report::{Outcome, Report};
pub use runner::Config;

use std::path::PathBuf;

/// The directory holding the case sources (`cases/<family>/<name>.c`).
pub fn cases_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("cases")
}

/// The directory holding the benchmark programs' sources.
pub fn bench_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("bench")
}
