//! `ninux ns`: print the namespace a `run` would build, in namespace(6) form.

use std::path::PathBuf;

use kernel::build::{print, NsSpec};

/// The namespace options `run`, `ns` and `serve` share.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct NsArgs {
    /// Root file system: a host directory or a rootfs tar(.gz); default: the
    /// host's `/`. The guest writes to a private copy-on-write layer over it
    /// that vanishes at exit (see --rw, --upper).
    #[arg(short = 'r', long = "root", value_name = "ROOT")]
    pub root: Option<PathBuf>,
    /// Bind a host directory (or file) into the namespace at GUEST,
    /// read-write, or read-only with `:ro` (changes fail with EROFS). Writes
    /// to a read-write bind reach the host.
    #[arg(short = 'b', long = "bind", value_name = "HOST:GUEST[:ro]")]
    pub binds: Vec<String>,
    /// With -r DIR (a host directory): the guest writes DIR in place instead
    /// of a private copy-on-write layer that vanishes at exit.
    #[arg(long = "rw")]
    pub rw: bool,
    /// A namespace(6) file applied after the rest.
    #[arg(long = "ns", value_name = "FILE")]
    pub ns_file: Option<PathBuf>,
    /// Writable layer over the root (kept); default: a temporary directory.
    #[arg(long = "upper", value_name = "DIR")]
    pub upper: Option<PathBuf>,
    /// The network: `host` (the host's, through `#I` at /net) or `none`
    /// (loopback conversations only; others fail with ENETUNREACH).
    #[arg(long = "net", value_name = "host|none", default_value = "host")]
    pub net: String,
}

impl NsArgs {
    pub fn spec(&self) -> anyhow::Result<NsSpec> {
        let binds = self
            .binds
            .iter()
            .map(|b| NsSpec::parse_bind(b))
            .collect::<Result<Vec<_>, _>>()?;
        // The personality's Linux devices are part of every namespace.
        personality::devices::install();
        let mut devices = personality::devices::standard_binds();
        devices.push(match self.net.as_str() {
            "host" | "" => ("#I".into(), "/net".into()),
            "none" => ("#Iloopback".into(), "/net".into()),
            n => anyhow::bail!("--net {n}: want host or none"),
        });
        Ok(NsSpec {
            root: self.root.clone(),
            binds,
            rw: self.rw,
            ns_file: self.ns_file.clone(),
            upper: self.upper.clone(),
            devices,
        })
    }
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub ns: NsArgs,
}

pub fn run(args: Args) -> anyhow::Result<i32> {
    let built = args.ns.spec()?.build()?;
    print!("{}", print(&built.ns));
    if built.tmp.is_some() {
        println!(
            "# the writable layer {} is temporary: each run gets its own",
            built.upper.display()
        );
    }
    Ok(0)
}
