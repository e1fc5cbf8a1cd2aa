//! The loader: parses Linux x86-64 ELF images into ninux's own types (goblin
//! stays inside), lays out the initial process stack exactly as Linux does, and
//! decodes machine code (iced-x86 stays inside) for diagnostics and scans.
//!
//! Mapping memory is not done here: the personality asks the platform for
//! memory and copies the segments this crate describes.

pub mod disasm;
pub mod elf;
pub mod rewrite;
pub mod scan;
pub mod stack;
pub mod strings;

pub use elf::{Image, ImageKind, LoadError, Segment};
pub use stack::{StackImage, StackSpec};
pub use strings::Strings;
