//! 9P2000 and 9P2000.u: the wire format, a multiplexing client and a server loop.
//! Plan 9 vocabulary only.

pub mod messages;
pub mod types;
pub mod wire;

pub use messages::*;
pub use types::*;
pub use wire::{
    encode_dir, parse_dirs, read_frame, DecodeError, Dialect, Reader, Wire, Writer, IOHDRSZ,
    NONUNAME,
};
