//! An argument or environment list: C strings back to back in one buffer,
//! each with its NUL, as they lie on a new process's stack.
//!
//! One buffer rather than a `Vec` per string: an exec reads, keeps and lays
//! out a few dozen of them, and in a forked child every heap page written
//! is a page copied from the parent; two allocations touch few pages where
//! forty touch forty.

/// C strings back to back, each NUL-terminated.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Strings {
    bytes: Vec<u8>,
    /// Where each string's NUL is in `bytes`.
    ends: Vec<usize>,
}

impl Strings {
    pub fn new() -> Strings {
        Strings::default()
    }

    /// Room for `strings` strings of `bytes` bytes in all (NULs included)
    /// before the buffers grow: each growth is a new allocation.
    pub fn with_capacity(bytes: usize, strings: usize) -> Strings {
        Strings {
            bytes: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(strings),
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The strings and their NULs, in order: what Linux shows in
    /// /proc/PID/cmdline and what the stack holds.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// String `i`, without its NUL.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { 0 } else { self.ends[i - 1] + 1 };
        Some(&self.bytes[start..end])
    }

    /// Where each string starts in [`Strings::as_bytes`].
    pub fn starts(&self) -> impl Iterator<Item = usize> + '_ {
        std::iter::once(0)
            .chain(self.ends.iter().map(|e| e + 1))
            .take(self.len())
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &[u8]> + ExactSizeIterator + '_ {
        (0..self.len()).map(|i| self.get(i).unwrap_or_default())
    }

    /// Appends a string; a NUL inside `s` ends it there, as in C.
    pub fn push(&mut self, s: &[u8]) {
        let s = s.split(|&b| b == 0).next().unwrap_or_default();
        self.bytes.extend_from_slice(s);
        self.ends.push(self.bytes.len());
        self.bytes.push(0);
    }

    /// Appends a string that `fill` appends to the buffer (without a NUL);
    /// on an error nothing is appended. Returns the string's length.
    pub fn push_with<E>(
        &mut self,
        fill: impl FnOnce(&mut Vec<u8>) -> Result<(), E>,
    ) -> Result<usize, E> {
        let start = self.bytes.len();
        if let Err(e) = fill(&mut self.bytes) {
            self.bytes.truncate(start);
            return Err(e);
        }
        if let Some(nul) = self.bytes[start..].iter().position(|&b| b == 0) {
            self.bytes.truncate(start + nul);
        }
        self.ends.push(self.bytes.len());
        self.bytes.push(0);
        Ok(self.bytes.len() - 1 - start)
    }
}

impl<S: AsRef<[u8]>> FromIterator<S> for Strings {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Strings {
        let mut out = Strings::new();
        for s in iter {
            out.push(s.as_ref());
        }
        out
    }
}

impl std::fmt::Debug for Strings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.iter().map(String::from_utf8_lossy))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_keep_their_order_and_nuls() {
        let s: Strings = ["sh", "", "-c"].into_iter().collect();
        assert_eq!(s.len(), 3);
        assert_eq!(s.as_bytes(), b"sh\0\0-c\0");
        assert_eq!(s.iter().collect::<Vec<_>>(), [&b"sh"[..], b"", b"-c"]);
        assert_eq!(s.iter().next_back(), Some(&b"-c"[..]));
        assert_eq!(s.get(1), Some(&b""[..]));
        assert_eq!(s.starts().collect::<Vec<_>>(), [0, 3, 4]);
        assert_eq!(s.get(3), None);
        assert!(Strings::new().is_empty());
    }

    #[test]
    fn push_with_appends_all_or_nothing() {
        let mut s = Strings::new();
        s.push(b"a\0hidden");
        let r: Result<usize, ()> = s.push_with(|b| {
            b.extend_from_slice(b"half");
            Err(())
        });
        assert!(r.is_err());
        let len = s.push_with(|b| {
            b.extend_from_slice(b"bc");
            Ok::<(), ()>(())
        });
        assert_eq!(len, Ok(2));
        assert_eq!(s.as_bytes(), b"a\0bc\0");
        assert_eq!(format!("{s:?}"), r#"["a", "bc"]"#);
    }
}
