//! personality
