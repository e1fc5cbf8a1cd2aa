//! The 9front-style kernel of ninux, as a library: name spaces (mount table,
//! unions), channels, devices, the 9P mount driver and namespace(6) files.
//! Plan 9 vocabulary only; `Send + Sync` throughout, since many host threads
//! of one process call it at once. Anything two guest processes must see
//! alike lives in host kernel objects (host fds and directories), because
//! guest processes are real forked host processes.
//!
//! # The API
//!
//! The system calls are methods of a [`Namespace`] (the name space group)
//! and of [`Chan`] (what a file descriptor holds), shaped like 9front's:
//!
//! - name space: [`Namespace::open`], [`Namespace::create`] /
//!   [`Namespace::create_ext`] (DMDIR: mkdir; DMSYMLINK + target: symlink),
//!   [`Namespace::remove`], [`Namespace::stat`], [`Namespace::wstat`],
//!   [`Namespace::bind`], [`Namespace::mount`], [`Namespace::unmount`],
//!   [`Namespace::fork`] (RFNAMEG; RFCNAMEG is `Namespace::new`), and the
//!   Linux-minded [`Namespace::rename`] and [`Namespace::link`];
//! - walks: [`Namespace::walk_nofollow`] stops at the first symlink before
//!   the last element and reports it ([`Walked::Symlink`]) so the personality
//!   resolves symlinks itself; [`Namespace::walk_at`] walks relative to a
//!   directory chan (dot, a dirfd); [`Namespace::walk_follow`] follows;
//! - an open chan: [`Chan::pread`] / [`Chan::pwrite`] (offset `None` uses and
//!   advances the chan's offset), [`Chan::dirread`] (union listings keep
//!   duplicates, as 9front) and [`Chan::dirread_unique`] (for getdents),
//!   [`Chan::seek`], [`Chan::stat`], [`Chan::getattr`] (link counts,
//!   nanosecond times), [`Chan::readlink`], [`Chan::host_fd`] (data-path
//!   calls straight on the host fd), `Chan::name` (fd2path).
//!
//! Paths are absolute and cleaned lexically ([`cleanname`]): `..` follows the
//! path as written. Errors are strings ([`Error`]); [`error::ERRORS`] maps
//! them to and from Linux errno values.
//!
//! Devices ([`dev`] has the `#` names): `#/` root, `#c` cons, `#e` env, `#Z`
//! host directories, `#T` rootfs tars, `#W` copy-on-write layers, and 9P
//! servers through [`devmnt`]. [`build::NsSpec`] builds the name space
//! `ninux run`, `ninux ns` and `ninux serve` use; [`nsfile`] reads
//! namespace(6) files.

pub mod build;
pub mod chan;
pub mod dev;
pub mod devcons;
pub mod devcow;
pub mod devenv;
pub mod devhost;
pub mod devmnt;
pub mod devtar;
pub mod error;
pub mod exportfs;
pub mod namespace;
pub mod note;
pub mod nsfile;
mod tarindex;

pub use chan::{Chan, DevId, Getattr, Node};
pub use error::{Error, Result};
pub use namespace::{cleanname, Namespace, Walked, MAFTER, MBEFORE, MCACHE, MCREATE, MREPL};

// The kernel is called from many host threads at once.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Namespace>();
    send_sync::<Chan>();
    send_sync::<std::sync::Arc<dyn dev::Device>>();
};
