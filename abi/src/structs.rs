//! `#[repr(C)]` Linux structs exchanged with guests, each with a size assert
//! against the x86-64 kernel layout.

/// struct timespec.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timespec {
    pub tv_sec: i64,
    pub tv_nsec: i64,
}

/// struct timeval.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timeval {
    pub tv_sec: i64,
    pub tv_usec: i64,
}

/// struct timezone (gettimeofday's second argument).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Timezone {
    pub tz_minuteswest: i32,
    pub tz_dsttime: i32,
}

/// struct stat as the x86-64 kernel fills it (fstat, newfstatat).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Stat {
    pub st_dev: u64,
    pub st_ino: u64,
    pub st_nlink: u64,
    pub st_mode: u32,
    pub st_uid: u32,
    pub st_gid: u32,
    pub __pad0: i32,
    pub st_rdev: u64,
    pub st_size: i64,
    pub st_blksize: i64,
    pub st_blocks: i64,
    pub st_atime: Timespec,
    pub st_mtime: Timespec,
    pub st_ctime: Timespec,
    pub __unused: [i64; 3],
}

/// struct new_utsname.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Utsname {
    pub sysname: [u8; 65],
    pub nodename: [u8; 65],
    pub release: [u8; 65],
    pub version: [u8; 65],
    pub machine: [u8; 65],
    pub domainname: [u8; 65],
}

/// struct rlimit / rlimit64 (identical on x86-64).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rlimit {
    pub rlim_cur: u64,
    pub rlim_max: u64,
}

/// RLIM_INFINITY.
pub const RLIM_INFINITY: u64 = !0;

/// The kernel's struct sigaction (not glibc's): handler, flags, restorer, mask.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelSigaction {
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    pub mask: u64,
}

/// stack_t (sigaltstack).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StackT {
    pub ss_sp: u64,
    pub ss_flags: i32,
    pub __pad: i32,
    pub ss_size: u64,
}

/// struct winsize (TIOCGWINSZ).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Winsize {
    pub ws_row: u16,
    pub ws_col: u16,
    pub ws_xpixel: u16,
    pub ws_ypixel: u16,
}

/// The kernel's struct termios (TCGETS/TCSETS), not glibc's larger one.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Termios {
    pub c_iflag: u32,
    pub c_oflag: u32,
    pub c_cflag: u32,
    pub c_lflag: u32,
    pub c_line: u8,
    pub c_cc: [u8; 19],
}

/// struct iovec.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Iovec {
    pub iov_base: u64,
    pub iov_len: u64,
}

/// struct clone_args (clone3), version 2 (88 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct CloneArgs {
    pub flags: u64,
    pub pidfd: u64,
    pub child_tid: u64,
    pub parent_tid: u64,
    pub exit_signal: u64,
    pub stack: u64,
    pub stack_size: u64,
    pub tls: u64,
    pub set_tid: u64,
    pub set_tid_size: u64,
    pub cgroup: u64,
}

/// struct sysinfo.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Sysinfo {
    pub uptime: i64,
    pub loads: [u64; 3],
    pub totalram: u64,
    pub freeram: u64,
    pub sharedram: u64,
    pub bufferram: u64,
    pub totalswap: u64,
    pub freeswap: u64,
    pub procs: u16,
    pub pad: u16,
    pub totalhigh: u64,
    pub freehigh: u64,
    pub mem_unit: u32,
    pub _f: [u8; 4],
}

const _: () = assert!(core::mem::size_of::<Timespec>() == 16);
const _: () = assert!(core::mem::size_of::<Timeval>() == 16);
const _: () = assert!(core::mem::size_of::<Stat>() == 144);
const _: () = assert!(core::mem::size_of::<Utsname>() == 390);
const _: () = assert!(core::mem::size_of::<Rlimit>() == 16);
const _: () = assert!(core::mem::size_of::<KernelSigaction>() == 32);
const _: () = assert!(core::mem::size_of::<StackT>() == 24);
const _: () = assert!(core::mem::size_of::<Winsize>() == 8);
const _: () = assert!(core::mem::size_of::<Termios>() == 36);
const _: () = assert!(core::mem::size_of::<Iovec>() == 16);
const _: () = assert!(core::mem::size_of::<CloneArgs>() == 88);
const _: () = assert!(core::mem::size_of::<Sysinfo>() == 112);
const _: () = assert!(core::mem::offset_of!(Stat, st_size) == 48);
const _: () = assert!(core::mem::offset_of!(Stat, st_mtime) == 88);

/// Marks types that are plain old data: any bit pattern is a valid value and
/// they contain no padding that could leak host memory when copied to a guest.
///
/// # Safety
/// Implement only for `#[repr(C)]` types made of integers and arrays of them.
pub unsafe trait Pod: Copy + 'static {}

// SAFETY: all of these are repr(C) aggregates of integers; padding fields are explicit.
unsafe impl Pod for Timespec {}
// SAFETY: as above.
unsafe impl Pod for Timeval {}
// SAFETY: as above.
unsafe impl Pod for Timezone {}
// SAFETY: as above.
unsafe impl Pod for Stat {}
// SAFETY: as above (byte arrays only).
unsafe impl Pod for Utsname {}
// SAFETY: as above.
unsafe impl Pod for Rlimit {}
// SAFETY: as above.
unsafe impl Pod for KernelSigaction {}
// SAFETY: as above.
unsafe impl Pod for StackT {}
// SAFETY: as above.
unsafe impl Pod for Winsize {}
// SAFETY: as above.
unsafe impl Pod for Termios {}
// SAFETY: as above.
unsafe impl Pod for Iovec {}
// SAFETY: as above.
unsafe impl Pod for CloneArgs {}
// SAFETY: as above; `_f` makes the tail padding explicit.
unsafe impl Pod for Sysinfo {}
// SAFETY: primitive integers.
unsafe impl Pod for u8 {}
// SAFETY: primitive integers.
unsafe impl Pod for u16 {}
// SAFETY: primitive integers.
unsafe impl Pod for u32 {}
// SAFETY: primitive integers.
unsafe impl Pod for u64 {}
// SAFETY: primitive integers.
unsafe impl Pod for i32 {}
// SAFETY: primitive integers.
unsafe impl Pod for i64 {}
// SAFETY: an array of integers.
unsafe impl Pod for [i32; 2] {}

/// struct open_how (openat2).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenHow {
    pub flags: u64,
    pub mode: u64,
    pub resolve: u64,
}
const _: () = assert!(core::mem::size_of::<OpenHow>() == 24);
// SAFETY: three u64s.
unsafe impl Pod for OpenHow {}

/// struct statx_timestamp.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct StatxTimestamp {
    pub tv_sec: i64,
    pub tv_nsec: u32,
    pub __reserved: i32,
}

/// struct statx.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Statx {
    pub stx_mask: u32,
    pub stx_blksize: u32,
    pub stx_attributes: u64,
    pub stx_nlink: u32,
    pub stx_uid: u32,
    pub stx_gid: u32,
    pub stx_mode: u16,
    pub __spare0: u16,
    pub stx_ino: u64,
    pub stx_size: u64,
    pub stx_blocks: u64,
    pub stx_attributes_mask: u64,
    pub stx_atime: StatxTimestamp,
    pub stx_btime: StatxTimestamp,
    pub stx_ctime: StatxTimestamp,
    pub stx_mtime: StatxTimestamp,
    pub stx_rdev_major: u32,
    pub stx_rdev_minor: u32,
    pub stx_dev_major: u32,
    pub stx_dev_minor: u32,
    pub __spare2: [u64; 14],
}
const _: () = assert!(core::mem::size_of::<Statx>() == 256);
// SAFETY: integers only; padding is explicit.
unsafe impl Pod for Statx {}

/// struct statfs (x86-64).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Statfs {
    pub f_type: i64,
    pub f_bsize: i64,
    pub f_blocks: u64,
    pub f_bfree: u64,
    pub f_bavail: u64,
    pub f_files: u64,
    pub f_ffree: u64,
    pub f_fsid: [i32; 2],
    pub f_namelen: i64,
    pub f_frsize: i64,
    pub f_flags: i64,
    pub f_spare: [i64; 4],
}
const _: () = assert!(core::mem::size_of::<Statfs>() == 120);
// SAFETY: integers only.
unsafe impl Pod for Statfs {}

/// struct flock (fcntl record locks).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Flock {
    pub l_type: i16,
    pub l_whence: i16,
    pub __pad: i32,
    pub l_start: i64,
    pub l_len: i64,
    pub l_pid: i32,
    pub __pad2: i32,
}
const _: () = assert!(core::mem::size_of::<Flock>() == 32);
// SAFETY: integers only; padding explicit.
unsafe impl Pod for Flock {}

// SAFETY: two timespecs, integers only.
unsafe impl Pod for [Timespec; 2] {}
// SAFETY: two timevals, integers only.
unsafe impl Pod for [Timeval; 2] {}
