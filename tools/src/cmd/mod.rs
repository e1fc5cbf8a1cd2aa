//! One module per subcommand: each has `Args` (clap) and `run(Args) -> anyhow::Result<i32>`.

pub mod ns;
pub mod run;
pub mod serve;
pub mod syscalls;
