//! 9P2000 and 9P2000.u: the wire format, a multiplexing client and a server loop.
//! Plan 9 vocabulary only.

pub mod types;
pub use types::*;
