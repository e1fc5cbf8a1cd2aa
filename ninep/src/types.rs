//! The Plan 9 data types shared by the wire format, the kernel and file servers:
//! qids, stat records (`Dir`) and the mode bits of NINE.md.

/// qid.type bits: the top byte of a file's mode.
pub const QTDIR: u8 = 0x80;
pub const QTAPPEND: u8 = 0x40;
pub const QTEXCL: u8 = 0x20;
pub const QTMOUNT: u8 = 0x10;
pub const QTAUTH: u8 = 0x08;
pub const QTTMP: u8 = 0x04;
/// 9P2000.u: symbolic link.
pub const QTSYMLINK: u8 = 0x02;
pub const QTLINK: u8 = 0x01;
pub const QTFILE: u8 = 0x00;

/// Dir.mode bits (9P2000, plus the 9P2000.u extensions).
pub const DMDIR: u32 = 0x8000_0000;
pub const DMAPPEND: u32 = 0x4000_0000;
pub const DMEXCL: u32 = 0x2000_0000;
pub const DMMOUNT: u32 = 0x1000_0000;
pub const DMAUTH: u32 = 0x0800_0000;
pub const DMTMP: u32 = 0x0400_0000;
pub const DMSYMLINK: u32 = 0x0200_0000;
pub const DMLINK: u32 = 0x0100_0000;
pub const DMDEVICE: u32 = 0x0080_0000;
pub const DMNAMEDPIPE: u32 = 0x0020_0000;
pub const DMSOCKET: u32 = 0x0010_0000;
pub const DMSETUID: u32 = 0x0008_0000;
pub const DMSETGID: u32 = 0x0004_0000;
pub const DMSETVTX: u32 = 0x0001_0000;

/// open(2) modes.
pub const OREAD: u8 = 0;
pub const OWRITE: u8 = 1;
pub const ORDWR: u8 = 2;
pub const OEXEC: u8 = 3;
pub const OTRUNC: u8 = 0x10;
pub const OCEXEC: u8 = 0x20;
pub const ORCLOSE: u8 = 0x40;
/// create(2) only: fail if the file exists.
pub const OEXCL: u32 = 0x1000;

pub const NOTAG: u16 = 0xFFFF;
pub const NOFID: u32 = !0;
/// At most this many names in one Twalk.
pub const MAXWELEM: usize = 16;

/// A file's server-unique identity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Qid {
    pub qtype: u8,
    pub version: u32,
    pub path: u64,
}

impl Qid {
    pub fn is_dir(&self) -> bool {
        self.qtype & QTDIR != 0
    }
    pub fn is_symlink(&self) -> bool {
        self.qtype & QTSYMLINK != 0
    }
}

/// A stat record. The 9P2000.u fields (`extension`, `n_uid`, `n_gid`, `n_muid`)
/// are carried always; plain 9P2000 encodings leave them out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dir {
    /// Server type (kernel device character for devices).
    pub typ: u16,
    pub dev: u32,
    pub qid: Qid,
    pub mode: u32,
    pub atime: u32,
    pub mtime: u32,
    pub length: u64,
    pub name: String,
    pub uid: String,
    pub gid: String,
    pub muid: String,
    /// 9P2000.u: symlink target, `b|c major minor`, or a hard link's fid.
    pub extension: String,
    pub n_uid: u32,
    pub n_gid: u32,
    pub n_muid: u32,
}

impl Dir {
    /// A record whose every field says "don't touch" (wstat's convention).
    pub fn dont_touch() -> Dir {
        Dir {
            typ: !0,
            dev: !0,
            qid: Qid {
                qtype: !0,
                version: !0,
                path: !0,
            },
            mode: !0,
            atime: !0,
            mtime: !0,
            length: !0,
            name: String::new(),
            uid: String::new(),
            gid: String::new(),
            muid: String::new(),
            extension: String::new(),
            n_uid: !0,
            n_gid: !0,
            n_muid: !0,
        }
    }
    pub fn is_dir(&self) -> bool {
        self.mode & DMDIR != 0
    }
}
