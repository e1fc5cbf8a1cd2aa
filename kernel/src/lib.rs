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
//! How Linux calls map (the personality's side):
//!
//! | Linux | kernel |
//! |---|---|
//! | path resolution | [`Namespace::walk_nofollow`] / [`Namespace::walk_at`]; on [`Walked::Symlink`] splice the target and walk again (≤ 40 hops); a final symlink is returned as itself (qid QTSYMLINK) |
//! | `open` | walk, then [`namespace::open_chan`]`(chan, OREAD/OWRITE/ORDWR/OEXEC \| OTRUNC)`; `O_CREAT`: open if it exists, else [`Namespace::create`] with `OEXCL` (9P create truncates an existing file, Linux `O_CREAT` alone does not) |
//! | `read`/`write`/`pread`/`lseek`/`mmap` | [`Chan::host_fd`] when `Some` (host speed; set `O_APPEND`/`O_NONBLOCK` with fcntl there); [`Chan::host_extent`] for tar members; else [`Chan::pread`]/[`Chan::pwrite`] |
//! | `stat`/`lstat`/`fstat` | [`Chan::stat`] (+ [`Chan::getattr`] for nlink, ns times, rdev); `st_ino` = qid.path, `st_dev` from `Dir.typ`/`Dir.dev` |
//! | `getdents64` / `lseek` on a dir | [`Chan::getdents`]`(max)` (the unique listing: first of duplicate names, as lookup finds it; `d_off` = index + 1) and [`Chan::seek_dirent`]; `d_ino` = qid.path; `d_type` from `Dir.mode` |
//! | `readlink` | [`Chan::readlink`] (Dir.extension of a DMSYMLINK file) |
//! | `mkdir` / `symlink` / `mknod` | [`Namespace::create_ext`] with `DMDIR\|perm` / `DMSYMLINK` + target / `DMNAMEDPIPE` or `DMDEVICE` + `"c MAJ MIN"` |
//! | `unlink` / `rmdir` | [`Namespace::remove`] (check the type first for EISDIR / ENOTDIR) |
//! | `rename` / `link` | [`Namespace::rename`] (replaces, across directories of one device) / [`Namespace::link`] |
//! | `chmod` / `truncate` / `utimensat` / `chown` | [`Namespace::wstat`] with a [`ninep::Dir::dont_touch`] record: `mode`, `length`, `atime`/`mtime`, `n_uid`/`n_gid` |
//! | errno | [`Error::linux_errno`] (table [`error::ERRORS`]); `None`: log and use EIO |
//! | `fork` | hold [`Namespace::fork_guard`] and [`dev::fork_guard`] across the host fork; `unshare(CLONE_NEWNS)`-like copies: [`Namespace::fork`] |
//! | `execve` | pass [`build::print`]'s text and rebuild with [`build::from_text`] |
//!
//! Paths are absolute and cleaned lexically ([`cleanname`]): `..` follows the
//! path as written. Errors are strings ([`Error`]); [`error::ERRORS`] maps
//! them to and from Linux errno values.
//!
//! Devices ([`dev`] has the `#` names): `#/` root, `#c` cons, `#e` env, `#Z`
//! host directories, `#T` rootfs tars, `#W` copy-on-write layers, `#I` the
//! network (9front's ip(3) over host sockets, [`devip`]), and 9P servers
//! through [`devmnt`]. [`build::NsSpec`] builds the name space
//! `ninux run`, `ninux ns` and `ninux serve` use; [`nsfile`] reads
//! namespace(6) files.

pub mod build;
pub mod chan;
pub mod cursor;
pub mod dev;
pub mod devcons;
pub mod devcow;
pub mod devenv;
pub mod devhost;
pub mod devip;
pub mod devmnt;
pub mod devtar;
mod dircache;
pub mod error;
pub mod exportfs;
pub mod hostwatch;
pub mod namespace;
pub mod note;
pub mod nsfile;
mod tarindex;
pub mod trace;
mod walkcache;

pub use chan::{Attr, Chan, DevId, Getattr, Node};
pub use error::{Error, Result};

/// A ninux extension to the open modes, for in-process callers only (it never
/// travels in 9P, whose mode is one byte): open without blocking, as Linux's
/// O_NONBLOCK does for FIFOs and devices. Host-backed devices honour it.
pub const ONONBLOCK: u32 = 0x0100_0000;
pub use namespace::{
    cleaned, cleanname, Namespace, Walked, MAFTER, MBEFORE, MCACHE, MCREATE, MREPL,
};

// The kernel is called from many host threads at once.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Namespace>();
    send_sync::<Chan>();
    send_sync::<std::sync::Arc<dyn dev::Device>>();
};
