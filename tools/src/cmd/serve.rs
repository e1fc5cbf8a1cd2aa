//! `ninux serve`: export the namespace a `run` would build over 9P2000
//! (exportfs), read-write where the namespace is writable, until SIGINT,
//! SIGTERM or SIGHUP. Connections are logged (`NINUX_LOG=info`).

use std::sync::Arc;

use kernel::exportfs::ExportFs;

use super::ns::NsArgs;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub ns: NsArgs,
    /// Where to listen: `tcp!HOST!PORT` (`*` for every interface) or `unix!PATH`.
    #[arg(long, value_name = "ADDR", default_value = "tcp!127.0.0.1!5640")]
    pub listen: String,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    // Before any thread exists, so only the wait below takes the signals.
    kernel::note::block_termination();
    let built = args.ns.spec()?.build()?;
    let ns = Arc::new(built.ns);
    let server = ninep::Server::new(Arc::new(ExportFs::new(ns)));
    let handle = server
        .spawn(&args.listen)
        .map_err(|e| anyhow::anyhow!("listen {}: {e}", args.listen))?;
    log::info!("exporting the namespace on {}", handle.dial_string());
    eprintln!("ninux serve: listening on {}", handle.dial_string());
    let note = kernel::note::wait_termination();
    log::info!(
        "{note}: {} connection(s) open, shutting down",
        handle.connections()
    );
    drop(handle);
    if let Some(path) = args.listen.strip_prefix("unix!") {
        let _ = std::fs::remove_file(path);
    }
    drop(built.tmp);
    Ok(0)
}
