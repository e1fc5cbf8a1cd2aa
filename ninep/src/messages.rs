//! The 9P2000 / 9P2000.u message table. Each message is listed once, with its
//! type byte and fields in wire order; the macro produces the structs, the
//! `Fcall` enum, type bytes, encoding and decoding. Fields after `.u:` exist
//! only in 9P2000.u; plain decoding fills them with the listed default.

use crate::types::{Dir, Qid};
use crate::wire::{DecodeError, Dialect, FieldCodec, Reader, StatN, Wire, Writer, NONUNAME};

/// The codec for a field: its own type, unless the table names another.
macro_rules! codec {
    ($t:ty) => {
        $t
    };
    ($t:ty, $c:ty) => {
        $c
    };
}

macro_rules! messages {
    ($(
        $(#[$doc:meta])*
        $name:ident = $num:literal {
            $($f:ident : $t:ty $(as $c:ty)?),*
            $(; .u: $($uf:ident : $ut:ty = $ud:expr),*)?
        }
    )*) => {
        $(
            $(#[$doc])*
            #[derive(Clone, Debug, PartialEq, Eq)]
            pub struct $name {
                $(pub $f: $t,)*
                $($(pub $uf: $ut,)*)?
            }

            impl $name {
                pub const TYPE: u8 = $num;

                #[allow(unused_variables)] // messages without fields
                fn encode_fields(&self, w: &mut Writer) {
                    $(<codec!($t $(, $c)?) as FieldCodec<$t>>::encode_field(&self.$f, w);)*
                    $(if w.dialect == Dialect::U {
                        $(self.$uf.encode(w);)*
                    })?
                }

                #[allow(unused_variables)]
                fn decode_fields(r: &mut Reader) -> Result<Self, DecodeError> {
                    $(let $f = <codec!($t $(, $c)?) as FieldCodec<$t>>::decode_field(r)?;)*
                    $($(let $uf: $ut = if r.dialect() == Dialect::U {
                        <$ut>::decode(r)?
                    } else {
                        $ud
                    };)*)?
                    Ok($name { $($f,)* $($($uf,)*)? })
                }
            }

            impl From<$name> for Fcall {
                fn from(m: $name) -> Fcall {
                    Fcall::$name(m)
                }
            }
        )*

        /// Any 9P message body (everything after `size[4] type[1] tag[2]`).
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub enum Fcall {
            $($name($name),)*
        }

        impl Fcall {
            /// The message's type byte.
            pub fn msg_type(&self) -> u8 {
                match self {
                    $(Fcall::$name(_) => $num,)*
                }
            }

            /// The message's name, as the spec writes it (for logs and errors).
            pub fn name(&self) -> &'static str {
                match self {
                    $(Fcall::$name(_) => stringify!($name),)*
                }
            }

            fn encode_fields(&self, w: &mut Writer) {
                match self {
                    $(Fcall::$name(m) => m.encode_fields(w),)*
                }
            }

            fn decode_fields(ty: u8, r: &mut Reader) -> Result<Fcall, DecodeError> {
                match ty {
                    $($num => Ok(Fcall::$name($name::decode_fields(r)?)),)*
                    other => Err(DecodeError::UnknownType(other)),
                }
            }
        }

        #[cfg(test)]
        pub(crate) mod arb {
            use super::*;
            use crate::wire::arb::Arb;
            use proptest::prelude::*;

            /// Any message, with .u-only fields at their plain defaults when
            /// the dialect is plain (so encode∘decode is the identity).
            pub fn fcall(d: Dialect) -> BoxedStrategy<Fcall> {
                let all: Vec<BoxedStrategy<Fcall>> = vec![$(
                    (Just(()), $(<$t as Arb>::arb(d),)* $($(<$ut as Arb>::arb(d),)*)?)
                        .prop_map(move |((), $($f,)* $($($uf,)*)?)| {
                            $($(let $uf = if d == Dialect::U { $uf } else { $ud };)*)?
                            Fcall::$name($name { $($f,)* $($($uf,)*)? })
                        })
                        .boxed(),
                )*];
                proptest::strategy::Union::new(all).boxed()
            }
        }
    };
}

messages! {
    Tversion = 100 { msize: u32, version: String }
    Rversion = 101 { msize: u32, version: String }
    Tauth = 102 { afid: u32, uname: String, aname: String; .u: n_uname: u32 = NONUNAME }
    Rauth = 103 { aqid: Qid }
    Tattach = 104 {
        fid: u32, afid: u32, uname: String, aname: String; .u: n_uname: u32 = NONUNAME
    }
    Rattach = 105 { qid: Qid }
    /// There is no Terror: type 106 is unused.
    Rerror = 107 { ename: String; .u: errno: u32 = 0 }
    Tflush = 108 { oldtag: u16 }
    Rflush = 109 {}
    Twalk = 110 { fid: u32, newfid: u32, wnames: Vec<String> }
    Rwalk = 111 { wqids: Vec<Qid> }
    Topen = 112 { fid: u32, mode: u8 }
    Ropen = 113 { qid: Qid, iounit: u32 }
    Tcreate = 114 {
        fid: u32, name: String, perm: u32, mode: u8; .u: extension: String = String::new()
    }
    Rcreate = 115 { qid: Qid, iounit: u32 }
    Tread = 116 { fid: u32, offset: u64, count: u32 }
    Rread = 117 { data: Vec<u8> }
    Twrite = 118 { fid: u32, offset: u64, data: Vec<u8> }
    Rwrite = 119 { count: u32 }
    Tclunk = 120 { fid: u32 }
    Rclunk = 121 {}
    Tremove = 122 { fid: u32 }
    Rremove = 123 {}
    Tstat = 124 { fid: u32 }
    Rstat = 125 { stat: Dir as StatN }
    Twstat = 126 { fid: u32, stat: Dir as StatN }
    Rwstat = 127 {}
}

/// Encodes a whole message: `size[4] type[1] tag[2]` fields.
pub fn encode_msg(tag: u16, msg: &Fcall, dialect: Dialect, buf: &mut Vec<u8>) {
    let start = buf.len();
    buf.extend_from_slice(&[0, 0, 0, 0]);
    let mut w = Writer::new(buf, dialect);
    msg.msg_type().encode(&mut w);
    tag.encode(&mut w);
    msg.encode_fields(&mut w);
    let size = (buf.len() - start) as u32;
    buf[start..start + 4].copy_from_slice(&size.to_le_bytes());
}

/// Encodes a whole message into a fresh buffer.
pub fn to_bytes(tag: u16, msg: &Fcall, dialect: Dialect) -> Vec<u8> {
    let mut buf = Vec::new();
    encode_msg(tag, msg, dialect, &mut buf);
    buf
}

/// Decodes one whole frame (size included) into its tag and message. The
/// frame must be exactly as long as its size field says, and data counts
/// may not exceed `msize`.
pub fn decode_msg(frame: &[u8], dialect: Dialect, msize: u32) -> Result<(u16, Fcall), DecodeError> {
    let mut r = Reader::new(frame, dialect, msize);
    let size = u32::decode(&mut r)? as usize;
    if size != frame.len() {
        return Err(if size > frame.len() {
            DecodeError::Short
        } else {
            DecodeError::Trailing(frame.len() - size)
        });
    }
    let ty = u8::decode(&mut r)?;
    let tag = u16::decode(&mut r)?;
    let msg = Fcall::decode_fields(ty, &mut r)?;
    r.finish()?;
    Ok((tag, msg))
}

#[cfg(test)]
#[path = "golden_tests.rs"]
mod golden_tests;
