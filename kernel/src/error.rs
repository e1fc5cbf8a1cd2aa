//! Errors are strings, as in 9front (errstr(2)).
//!
//! Devices backed by a Linux host (the host-directory and copy-on-write
//! devices) turn host errno values into these strings through [`ERRORS`], and
//! the Linux personality turns the strings back into Linux errno values through
//! the same table, so the round trip errno → string → errno is lossless for
//! every errno listed. Strings 9front uses are kept where 9front has one; where
//! 9front has no equivalent (EPERM versus EACCES, EROFS, EXDEV, …) a distinct
//! string is used so the way back stays unambiguous. A host errno missing from
//! the table becomes `"host errno N"`, which [`linux_errno`] also understands.

use std::borrow::Cow;
use std::fmt;

/// A 9front-style error: a short human-readable string.
#[derive(Clone, PartialEq, Eq)]
pub struct Error(pub Cow<'static, str>);

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub const fn new(s: &'static str) -> Error {
        Error(Cow::Borrowed(s))
    }
    pub fn msg(s: impl Into<String>) -> Error {
        Error(Cow::Owned(s.into()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The host errno this came from or maps to, by [`ERRORS`].
    pub fn linux_errno(&self) -> Option<i32> {
        linux_errno(&self.0)
    }
    /// Adds context in front, keeping the last part (the errstr) intact for
    /// errno mapping: `"/etc/x: file does not exist"`.
    pub fn context(self, what: impl fmt::Display) -> Error {
        Error::msg(format!("{what}: {}", self.0))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({:?})", self.0)
    }
}

impl std::error::Error for Error {}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> std::io::Error {
        std::io::Error::other(e.0.into_owned())
    }
}

macro_rules! errors {
    ($($name:ident = $s:literal, $errno:expr;)*) => {
        $(pub const $name: Error = Error::new($s);)*
        /// The one table both directions use: (errstr, Linux errno). The first
        /// row for an errno is the string that errno becomes; later rows with
        /// the same errno are aliases other servers use (e.g. 9front's
        /// "file is a directory"). Linux errno numbers are x86-64 values.
        pub const ERRORS: &[(&str, i32)] = &[$(($s, $errno),)*];
    };
}

errors! {
    ENONEXIST = "file does not exist", 2;
    EPERM = "permission denied", 13;
    ENOTPERMITTED = "operation not permitted", 1;
    EEXIST = "file already exists", 17;
    EISDIR = "is a directory", 21;
    EISDIR9 = "file is a directory", 21;
    ENOTDIR = "not a directory", 20;
    ENOTEMPTY = "directory not empty", 39;
    ENOCREATE = "mounted directory forbids creation", 13;
    ETOOLONG = "file name too long", 36;
    EIO = "i/o error", 5;
    EINTR = "interrupted", 4;
    EBADARG = "bad arg in system call", 22;
    EROFS = "read-only file system", 30;
    EXDEV = "cross-device link", 18;
    ENOSPC = "no space left on device", 28;
    EMFILE = "too many open files", 24;
    ENFILE = "file table overflow", 23;
    EBADFD = "fd out of range or not open", 9;
    EBADUSE = "inappropriate use of fd", 9;
    EAGAIN = "resource temporarily unavailable", 11;
    EINUSE = "device or object already in use", 16;
    ELOOP = "too many levels of symbolic links", 40;
    ENXIO = "no such device or address", 6;
    EBADSHARP = "unknown device in # filename", 19;
    EFBIG = "file too large", 27;
    ESTREAM = "seek on a stream", 29;
    ENOTSUP = "operation not supported", 95;
    ENOSYS = "function not implemented", 38;
    ETXTBSY = "text file busy", 26;
    EDQUOT = "disk quota exceeded", 122;
    ENOMEM = "kernel allocate failed", 12;
    ECONREFUSED = "connection refused", 111;
    ETIMEDOUT = "connection timed out", 110;
    EHUNGUP = "i/o on hungup channel", 32;
    EMLINK = "too many links", 31;
    ENODATA = "no data available", 61;
    EOVERFLOW = "value too large for defined data type", 75;
    ESTALE = "stale file handle", 116;
    ESTALEWALK = "walk through a stale directory", 116;
    ERANGE = "result too large", 34;
    EWOULDBLOCK = "operation would block", 11;
    ENOTSOCK = "not a socket", 88;
    ESPIPE = "illegal seek", 29;
    EBUSY = "device or resource busy", 16;
    EFAULT = "bad address", 14;
    ENOTTY = "inappropriate ioctl for device", 25;
    ENODEV = "no such device", 19;
    ENOTMOUNTED = "not mounted", 22;
    EISMTPT = "is a mount point", 16;
    EMOUNT = "inconsistent mount", 22;
    ENOTUNION = "not in union", 22;
    EMOUNTRPC = "mount rpc error", 5;
    EBADSPEC = "bad attach specifier", 22;
    EBADSTAT = "malformed stat buffer", 22;
    EFILENAME = "file name syntax", 22;
    EBADCHAR = "bad character in file name", 22;
    ENOTOPEN = "file not open", 9;
    EOPENMODE = "file open for wrong mode", 9;
    EDIRSEEK = "seek in directory", 22;
    ENOTSYMLINK = "not a symbolic link", 22;
    EMISMATCH = "rename across directories", 18;
    EBADADDR = "bad ip address syntax", 22;
    EBADCTL = "bad process or channel control request", 22;
    ENETUNREACH = "network unreachable", 101;
    EADDRINUSE = "address in use", 98;
    ENOTCONN = "not connected", 107;
    ENOSERVICE = "unknown service", 22;
    ENOHOST = "unknown host", 2;
}

/// The Linux errno a 9front error string stands for. Accepts the strings of
/// [`ERRORS`], `"host errno N"`, and either of those after a `"context: "`
/// prefix (the last `": "`-separated part is the errstr proper).
pub fn linux_errno(s: &str) -> Option<i32> {
    let lookup = |t: &str| -> Option<i32> {
        if let Some(n) = t.strip_prefix("host errno ") {
            return n.parse().ok();
        }
        ERRORS.iter().find(|(e, _)| *e == t).map(|&(_, n)| n)
    };
    lookup(s).or_else(|| s.rsplit_once(": ").and_then(|(_, t)| lookup(t)))
}

/// The error a host errno becomes: the first row of [`ERRORS`] for it, else a
/// distinct `"host errno N"`.
pub fn from_host_errno(errno: i32) -> Error {
    match ERRORS.iter().find(|&&(_, n)| n == errno) {
        Some(&(s, _)) => Error::new(s),
        None => Error::msg(format!("host errno {errno}")),
    }
}

impl From<rustix::io::Errno> for Error {
    fn from(e: rustix::io::Errno) -> Error {
        from_host_errno(e.raw_os_error())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        match e.raw_os_error() {
            Some(n) => from_host_errno(n),
            None => match e.kind() {
                std::io::ErrorKind::NotFound => ENONEXIST,
                std::io::ErrorKind::PermissionDenied => EPERM,
                std::io::ErrorKind::AlreadyExists => EEXIST,
                std::io::ErrorKind::UnexpectedEof => EIO,
                _ => Error::msg(e.to_string()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_round_trip_is_lossless() {
        // Every errno in the table goes to a string and back to itself.
        for &(_, n) in ERRORS {
            assert_eq!(from_host_errno(n).linux_errno(), Some(n), "errno {n}");
        }
        for n in 1..134 {
            assert_eq!(from_host_errno(n).linux_errno(), Some(n), "errno {n}");
        }
    }

    #[test]
    fn strings_are_unique_and_short() {
        for (i, (s, _)) in ERRORS.iter().enumerate() {
            assert!(s.len() < 128);
            assert!(ERRORS[..i].iter().all(|(t, _)| t != s), "{s} twice");
        }
    }

    #[test]
    fn context_keeps_errno() {
        let e = ENONEXIST.context("/etc/passwd");
        assert_eq!(e.as_str(), "/etc/passwd: file does not exist");
        assert_eq!(e.linux_errno(), Some(2));
        assert_eq!(from_host_errno(1).as_str(), "operation not permitted");
        assert_eq!(from_host_errno(13), EPERM);
    }
}
