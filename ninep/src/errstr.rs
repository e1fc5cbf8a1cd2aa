//! Plan 9 error strings that file servers return (texts from 9front's
//! port/error.h and lib9p), and the 9P2000.u errno sent beside them.

pub const ENONEXIST: &str = "file does not exist";
pub const EEXIST: &str = "file already exists";
pub const EPERM: &str = "permission denied";
pub const EISDIR: &str = "file is a directory";
pub const ENOTDIR: &str = "not a directory";
pub const ENOTEMPTY: &str = "directory not empty";
pub const EINUSE: &str = "file in use";
pub const EBADARG: &str = "bad arg in system call";
pub const EBADOFFSET: &str = "bad offset in directory read";
pub const EBADUSE: &str = "inappropriate use of fid";
pub const EDUPFID: &str = "duplicate fid";
pub const EUNKNOWNFID: &str = "unknown fid";
pub const EOPEN: &str = "fid already open";
pub const ENOTOPEN: &str = "fid not open";
pub const EWALKNODIR: &str = "walk in non-directory";
pub const ECLONEOPEN: &str = "cannot clone open fid";
pub const ENOAUTH: &str = "authentication not required";
pub const ENOVERSION: &str = "version not negotiated";
pub const EBADNAME: &str = "bad character in file name";
pub const ENOTSUP: &str = "operation not supported";
pub const EIO: &str = "i/o error";

/// 9P2000.u errnos are Unix (in practice Linux) numbers: the peers that
/// speak .u are Unix kernels. Rows are matched by substring, first wins;
/// anything unrecognised is EIO.
const ERRNO_ROWS: &[(&str, u32)] = &[
    ("does not exist", 2),     // ENOENT
    ("not found", 2),          // ENOENT
    ("permission denied", 13), // EACCES
    ("already exists", 17),    // EEXIST
    ("not a directory", 20),   // ENOTDIR
    ("non-directory", 20),     // ENOTDIR
    ("is a directory", 21),    // EISDIR
    ("not empty", 39),         // ENOTEMPTY
    ("in use", 16),            // EBUSY
    ("fid", 9),                // EBADF: unknown/duplicate/open fid
    ("interrupted", 4),        // EINTR
    ("read-only", 30),         // EROFS
    ("no space", 28),          // ENOSPC
    ("too long", 36),          // ENAMETOOLONG
    ("bad arg", 22),           // EINVAL
    ("bad offset", 22),        // EINVAL
    ("bad character", 22),     // EINVAL
    ("not supported", 95),     // EOPNOTSUPP
    ("authentication", 95),    // EOPNOTSUPP
];

/// The errno a 9P2000.u Rerror carries for a Plan 9 error string.
pub fn errno_for(ename: &str) -> u32 {
    ERRNO_ROWS
        .iter()
        .find(|(s, _)| ename.contains(s))
        .map_or(5, |&(_, n)| n)
}

#[cfg(test)]
mod tests {
    #[test]
    fn errno_rows() {
        assert_eq!(super::errno_for(super::ENONEXIST), 2);
        assert_eq!(super::errno_for(super::EEXIST), 17);
        assert_eq!(super::errno_for(super::EISDIR), 21);
        assert_eq!(super::errno_for(super::ENOTDIR), 20);
        assert_eq!(super::errno_for("something odd"), 5);
    }
}
