//! 9P2000 and 9P2000.u: the wire format, a multiplexing client and a server loop.
//! Plan 9 vocabulary only. README.md beside this crate maps the files.
//!
//! - `wire` / `messages`: the `Wire` trait, the message table (`Fcall` and one
//!   struct per message), `encode_msg` / `decode_msg`, `read_frame`.
//! - `client`: `Client::dial("unix!/path" | "tcp!host!port")`; requests from
//!   any number of threads share the connection by tag and can be flushed.
//! - `server`: the `FileServer` trait and `Server`; `ramfs::RamFs` implements it.

pub mod client;
mod conn;
pub mod dial;
pub mod errstr;
pub mod messages;
mod mux;
pub mod ramfs;
pub mod server;
pub mod types;
pub mod wire;

pub use client::{Client, Error, Fid, Pending, RequestId};
pub use dial::{DialAddr, Listener, Stream, Transport};
pub use messages::*;
pub use ramfs::RamFs;
pub use server::{FileServer, FsResult, Server, ServerHandle};
pub use types::*;
pub use wire::{
    encode_dir, parse_dirs, read_frame, DecodeError, Dialect, Reader, Wire, Writer, IOHDRSZ,
    NONUNAME,
};
