//! The 9P wire format: one `Wire` trait for every field type, a bounded `Reader`
//! over one received frame, and the framing helper that pulls one size-prefixed
//! message off a byte stream.
//!
//! Every decoder checks a length against the bytes actually left in the frame
//! before allocating, so a hostile peer can make us allocate at most one frame
//! (itself capped by msize).

use crate::types::{Dir, Qid, MAXWELEM};
use std::fmt;
use std::io::{self, Read};

/// Which 9P2000 variant a connection speaks. 9P2000.u widens Tauth/Tattach,
/// Rerror, Tcreate and the stat record (NINE.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Plain 9P2000, as 9front speaks it.
    Plain,
    /// 9P2000.u, as Linux v9fs and many Unix servers speak it.
    U,
}

impl Dialect {
    /// The version string offered in Tversion.
    pub fn version_string(self) -> &'static str {
        match self {
            Dialect::Plain => "9P2000",
            Dialect::U => "9P2000.u",
        }
    }
}

/// `size[4] type[1] tag[2]`: the bytes before any message's fields.
pub const HEADER_SIZE: usize = 7;
/// Room msize must leave for a Tread/Rwrite/Rread header around the data,
/// as Plan 9's IOHDRSZ.
pub const IOHDRSZ: u32 = 24;
/// n_uname / n_uid value meaning "no numeric id" in 9P2000.u.
pub const NONUNAME: u32 = !0;

/// Why a frame could not be decoded. Always an error, never a panic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The frame ended inside a field.
    Short,
    /// Bytes were left over after the last field.
    Trailing(usize),
    /// A type byte that names no message (or an R-message we cannot receive).
    UnknownType(u8),
    /// A string that is not UTF-8.
    BadUtf8,
    /// A length or count beyond its cap (walk names, data beyond msize…).
    TooLong {
        what: &'static str,
        len: usize,
        max: usize,
    },
    /// A stat record whose own size disagrees with its contents.
    BadStat,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Short => write!(f, "9P message too short"),
            DecodeError::Trailing(n) => write!(f, "9P message has {n} trailing bytes"),
            DecodeError::UnknownType(t) => write!(f, "unknown 9P message type {t}"),
            DecodeError::BadUtf8 => write!(f, "9P string is not UTF-8"),
            DecodeError::TooLong { what, len, max } => {
                write!(f, "9P {what} length {len} exceeds {max}")
            }
            DecodeError::BadStat => write!(f, "malformed 9P stat record"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// A cursor over one received frame. It knows the dialect (the stat record
/// depends on it) and the negotiated msize (data counts are capped by it).
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    dialect: Dialect,
    msize: u32,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8], dialect: Dialect, msize: u32) -> Self {
        Reader {
            buf,
            pos: 0,
            dialect,
            msize,
        }
    }
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }
    pub fn msize(&self) -> u32 {
        self.msize
    }
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }
    /// Takes the next `n` bytes, or fails without consuming anything.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.remaining() {
            return Err(DecodeError::Short);
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    /// Fails unless every byte has been consumed: frames are exact.
    pub fn finish(&self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(DecodeError::Trailing(n)),
        }
    }
}

/// The encoding side: a buffer plus the dialect being spoken.
pub struct Writer<'a> {
    pub buf: &'a mut Vec<u8>,
    pub dialect: Dialect,
}

impl<'a> Writer<'a> {
    pub fn new(buf: &'a mut Vec<u8>, dialect: Dialect) -> Self {
        Writer { buf, dialect }
    }
}

/// One encode/decode pair per field type; messages are built from these.
pub trait Wire: Sized {
    fn encode(&self, w: &mut Writer);
    fn decode(r: &mut Reader) -> Result<Self, DecodeError>;
}

macro_rules! wire_int {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            fn encode(&self, w: &mut Writer) {
                w.buf.extend_from_slice(&self.to_le_bytes());
            }
            fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
                Ok(<$t>::from_le_bytes(r.array()?))
            }
        }
    )*};
}
wire_int!(u8, u16, u32, u64);

/// string: `len[2]` then UTF-8 bytes. Longer strings cannot be sent at all, so
/// the encoder truncates at a character boundary below 64 KiB rather than
/// emitting a corrupt length.
impl Wire for String {
    fn encode(&self, w: &mut Writer) {
        let mut end = self.len().min(u16::MAX as usize);
        while !self.is_char_boundary(end) {
            end -= 1;
        }
        (end as u16).encode(w);
        w.buf.extend_from_slice(&self.as_bytes()[..end]);
    }
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        let n = u16::decode(r)? as usize;
        let bytes = r.take(n)?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| DecodeError::BadUtf8)
    }
}

impl Wire for Qid {
    fn encode(&self, w: &mut Writer) {
        self.qtype.encode(w);
        self.version.encode(w);
        self.path.encode(w);
    }
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Qid {
            qtype: u8::decode(r)?,
            version: u32::decode(r)?,
            path: u64::decode(r)?,
        })
    }
}

/// `count[4]` then bytes: Twrite and Rread data, capped by msize.
impl Wire for Vec<u8> {
    fn encode(&self, w: &mut Writer) {
        (self.len() as u32).encode(w);
        w.buf.extend_from_slice(self);
    }
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        let n = u32::decode(r)? as usize;
        if n > r.msize() as usize {
            return Err(DecodeError::TooLong {
                what: "data",
                len: n,
                max: r.msize() as usize,
            });
        }
        Ok(r.take(n)?.to_vec())
    }
}

/// `nwname[2]` then names (Twalk) or `nwqid[2]` then qids (Rwalk): at most
/// MAXWELEM either way, which also bounds the allocation.
fn encode_walk_list<T: Wire>(v: &[T], w: &mut Writer) {
    (v.len() as u16).encode(w);
    v.iter().for_each(|x| x.encode(w));
}

fn decode_walk_list<T: Wire>(r: &mut Reader, what: &'static str) -> Result<Vec<T>, DecodeError> {
    let n = u16::decode(r)? as usize;
    if n > MAXWELEM {
        return Err(DecodeError::TooLong {
            what,
            len: n,
            max: MAXWELEM,
        });
    }
    (0..n).map(|_| T::decode(r)).collect()
}

impl Wire for Vec<String> {
    fn encode(&self, w: &mut Writer) {
        encode_walk_list(self, w)
    }
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        decode_walk_list(r, "walk names")
    }
}

impl Wire for Vec<Qid> {
    fn encode(&self, w: &mut Writer) {
        encode_walk_list(self, w)
    }
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        decode_walk_list(r, "walk qids")
    }
}

/// The bare stat record, as directory reads return it: `size[2]` then the
/// fields (NINE.md), plus `extension[s] n_uid[4] n_gid[4] n_muid[4]` in .u.
/// Plain decoding leaves extension empty and the numeric ids NONUNAME.
impl Wire for Dir {
    fn encode(&self, w: &mut Writer) {
        let start = w.buf.len();
        0u16.encode(w); // patched below, once the record's size is known
        self.typ.encode(w);
        self.dev.encode(w);
        self.qid.encode(w);
        self.mode.encode(w);
        self.atime.encode(w);
        self.mtime.encode(w);
        self.length.encode(w);
        self.name.encode(w);
        self.uid.encode(w);
        self.gid.encode(w);
        self.muid.encode(w);
        if w.dialect == Dialect::U {
            self.extension.encode(w);
            self.n_uid.encode(w);
            self.n_gid.encode(w);
            self.n_muid.encode(w);
        }
        let size = (w.buf.len() - start - 2) as u16;
        w.buf[start..start + 2].copy_from_slice(&size.to_le_bytes());
    }
    fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        let size = u16::decode(r)? as usize;
        let body = r.take(size)?;
        let mut s = Reader::new(body, r.dialect, r.msize);
        let short = |e: DecodeError| {
            if e == DecodeError::Short {
                DecodeError::BadStat
            } else {
                e
            }
        };
        let mut d = Dir {
            typ: u16::decode(&mut s).map_err(short)?,
            dev: u32::decode(&mut s).map_err(short)?,
            qid: Qid::decode(&mut s).map_err(short)?,
            mode: u32::decode(&mut s).map_err(short)?,
            atime: u32::decode(&mut s).map_err(short)?,
            mtime: u32::decode(&mut s).map_err(short)?,
            length: u64::decode(&mut s).map_err(short)?,
            name: String::decode(&mut s).map_err(short)?,
            uid: String::decode(&mut s).map_err(short)?,
            gid: String::decode(&mut s).map_err(short)?,
            muid: String::decode(&mut s).map_err(short)?,
            extension: String::new(),
            n_uid: NONUNAME,
            n_gid: NONUNAME,
            n_muid: NONUNAME,
        };
        if r.dialect == Dialect::U {
            d.extension = String::decode(&mut s).map_err(short)?;
            d.n_uid = u32::decode(&mut s).map_err(short)?;
            d.n_gid = u32::decode(&mut s).map_err(short)?;
            d.n_muid = u32::decode(&mut s).map_err(short)?;
        }
        if s.remaining() != 0 {
            return Err(DecodeError::BadStat);
        }
        Ok(d)
    }
}

/// Rstat and Twstat wrap the stat record in one more length: `n[2]` then the
/// record (whose own `size[2]` is inside). A codec marker for the message table.
pub struct StatN;

/// A field codec other than the field type's own `Wire` impl; the message
/// table names one with `field: Type as Codec`.
pub trait FieldCodec<T> {
    fn encode_field(v: &T, w: &mut Writer);
    fn decode_field(r: &mut Reader) -> Result<T, DecodeError>;
}

impl<T: Wire> FieldCodec<T> for T {
    fn encode_field(v: &T, w: &mut Writer) {
        v.encode(w)
    }
    fn decode_field(r: &mut Reader) -> Result<T, DecodeError> {
        T::decode(r)
    }
}

impl FieldCodec<Dir> for StatN {
    fn encode_field(v: &Dir, w: &mut Writer) {
        let start = w.buf.len();
        0u16.encode(w);
        v.encode(w);
        let n = (w.buf.len() - start - 2) as u16;
        w.buf[start..start + 2].copy_from_slice(&n.to_le_bytes());
    }
    fn decode_field(r: &mut Reader) -> Result<Dir, DecodeError> {
        let n = u16::decode(r)? as usize;
        let body = r.take(n)?;
        let mut s = Reader::new(body, r.dialect, r.msize);
        let d = Dir::decode(&mut s)?;
        if s.remaining() != 0 {
            return Err(DecodeError::BadStat);
        }
        Ok(d)
    }
}

/// Splits a directory read's data into its whole stat records.
pub fn parse_dirs(data: &[u8], dialect: Dialect) -> Result<Vec<Dir>, DecodeError> {
    let mut r = Reader::new(data, dialect, u32::MAX);
    let mut out = Vec::new();
    while r.remaining() > 0 {
        out.push(Dir::decode(&mut r)?);
    }
    Ok(out)
}

/// Encodes one bare stat record (the form a directory read returns).
pub fn encode_dir(d: &Dir, dialect: Dialect) -> Vec<u8> {
    let mut buf = Vec::new();
    d.encode(&mut Writer::new(&mut buf, dialect));
    buf
}

/// Reads one whole size-prefixed message (size included) from `r`.
/// A size below the header or above `msize` is InvalidData: the peer is
/// broken or hostile, and the stream cannot be resynchronised.
pub fn read_frame<R: Read + ?Sized>(r: &mut R, msize: u32) -> io::Result<Vec<u8>> {
    let mut size = [0u8; 4];
    r.read_exact(&mut size)?;
    let n = u32::from_le_bytes(size);
    if (n as usize) < HEADER_SIZE || n > msize {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("9P frame size {n} outside {HEADER_SIZE}..={msize}"),
        ));
    }
    let mut buf = vec![0u8; n as usize];
    buf[..4].copy_from_slice(&size);
    r.read_exact(&mut buf[4..])?;
    Ok(buf)
}

/// proptest strategies for every field type, shared by the message tests.
#[cfg(test)]
pub(crate) mod arb {
    use super::*;
    use proptest::prelude::*;

    pub trait Arb: Sized {
        fn arb(d: Dialect) -> BoxedStrategy<Self>;
    }

    macro_rules! arb_any {
        ($($t:ty),*) => {$(
            impl Arb for $t {
                fn arb(_: Dialect) -> BoxedStrategy<Self> {
                    any::<$t>().boxed()
                }
            }
        )*};
    }
    arb_any!(u8, u16, u32, u64);

    impl Arb for String {
        fn arb(_: Dialect) -> BoxedStrategy<Self> {
            ".{0,12}".boxed()
        }
    }
    impl Arb for Qid {
        fn arb(_: Dialect) -> BoxedStrategy<Self> {
            (any::<u8>(), any::<u32>(), any::<u64>())
                .prop_map(|(qtype, version, path)| Qid {
                    qtype,
                    version,
                    path,
                })
                .boxed()
        }
    }
    impl Arb for Vec<u8> {
        fn arb(_: Dialect) -> BoxedStrategy<Self> {
            proptest::collection::vec(any::<u8>(), 0..64).boxed()
        }
    }
    impl Arb for Vec<String> {
        fn arb(d: Dialect) -> BoxedStrategy<Self> {
            proptest::collection::vec(String::arb(d), 0..=MAXWELEM).boxed()
        }
    }
    impl Arb for Vec<Qid> {
        fn arb(d: Dialect) -> BoxedStrategy<Self> {
            proptest::collection::vec(Qid::arb(d), 0..=MAXWELEM).boxed()
        }
    }
    impl Arb for Dir {
        fn arb(d: Dialect) -> BoxedStrategy<Self> {
            let fixed = (
                any::<u16>(),
                any::<u32>(),
                Qid::arb(d),
                any::<u32>(),
                any::<u32>(),
                any::<u32>(),
                any::<u64>(),
            );
            let strings = (
                String::arb(d),
                String::arb(d),
                String::arb(d),
                String::arb(d),
            );
            let u = (String::arb(d), any::<u32>(), any::<u32>(), any::<u32>());
            (fixed, strings, u)
                .prop_map(
                    move |(
                        (typ, dev, qid, mode, atime, mtime, length),
                        (name, uid, gid, muid),
                        (extension, n_uid, n_gid, n_muid),
                    )| {
                        let mut dir = Dir {
                            typ,
                            dev,
                            qid,
                            mode,
                            atime,
                            mtime,
                            length,
                            name,
                            uid,
                            gid,
                            muid,
                            extension,
                            n_uid,
                            n_gid,
                            n_muid,
                        };
                        if d == Dialect::Plain {
                            dir.extension.clear();
                            dir.n_uid = NONUNAME;
                            dir.n_gid = NONUNAME;
                            dir.n_muid = NONUNAME;
                        }
                        dir
                    },
                )
                .boxed()
        }
    }
}
