//! One module per subcommand: each has `Args` (clap) and `run(Args) -> anyhow::Result<i32>`.

pub mod conform;
pub mod ns;
pub mod run;
pub mod scan;
pub mod serve;
pub mod syscalls;
pub mod trace;
