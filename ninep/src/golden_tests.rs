//! Golden byte vectors for every message in both dialects, written by hand
//! from the layout in intro(5) and the 9P2000.u draft, field by field; plus
//! the proptests for the decoder.

use super::*;
use crate::types::*;
use crate::wire::Dialect::{Plain, U};
use proptest::prelude::*;

/// Hex with spaces between fields, for readability.
fn h(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Checks encoding and decoding both ways for one dialect.
fn check(d: Dialect, tag: u16, msg: Fcall, hex: &str) {
    let bytes = h(hex);
    assert_eq!(
        to_bytes(tag, &msg, d),
        bytes,
        "encoding {} ({d:?})",
        msg.name()
    );
    assert_eq!(
        decode_msg(&bytes, d, 8192),
        Ok((tag, msg)),
        "decoding ({d:?})"
    );
}

/// A message whose layout is the same in both dialects.
fn both(tag: u16, msg: Fcall, hex: &str) {
    check(Plain, tag, msg.clone(), hex);
    check(U, tag, msg, hex);
}

fn dir(d: Dialect) -> Dir {
    let u = d == U;
    Dir {
        typ: 0,
        dev: 0,
        qid: Qid {
            qtype: QTDIR,
            version: 0,
            path: 1,
        },
        mode: DMDIR | 0o755,
        atime: 1,
        mtime: 2,
        length: 0,
        name: "d".into(),
        uid: "u".into(),
        gid: "g".into(),
        muid: "m".into(),
        extension: String::new(),
        n_uid: if u { 1000 } else { NONUNAME },
        n_gid: if u { 100 } else { NONUNAME },
        n_muid: if u { 1000 } else { NONUNAME },
    }
}

// The stat record of `dir`: size[2]=51 type[2] dev[4] qid[13] mode[4] atime[4]
// mtime[4] length[8] name uid gid muid; .u adds extension[s] n_uid n_gid n_muid.
const DIR_PLAIN: &str = "3300 0000 00000000 80 00000000 0100000000000000 ed010080 01000000 02000000
    0000000000000000 0100 64 0100 75 0100 67 0100 6d";
const DIR_U: &str = "4100 0000 00000000 80 00000000 0100000000000000 ed010080 01000000 02000000
    0000000000000000 0100 64 0100 75 0100 67 0100 6d 0000 e8030000 64000000 e8030000";

#[test]
fn golden_version_flush_walk_open() {
    let v = |msize, version: &str| (msize, version.to_string());
    let (msize, version) = v(8192, "9P2000");
    both(
        NOTAG,
        Tversion { msize, version }.into(),
        "13000000 64 ffff 00200000 0600 395032303030",
    );
    let (msize, version) = v(8192, "9P2000");
    both(
        NOTAG,
        Rversion { msize, version }.into(),
        "13000000 65 ffff 00200000 0600 395032303030",
    );
    let q = Qid {
        qtype: QTDIR,
        version: 1,
        path: 2,
    };
    both(
        1,
        Rauth { aqid: q }.into(),
        "14000000 67 0100 80 01000000 0200000000000000",
    );
    both(
        1,
        Rattach { qid: q }.into(),
        "14000000 69 0100 80 01000000 0200000000000000",
    );
    both(2, Tflush { oldtag: 3 }.into(), "09000000 6c 0200 0300");
    both(2, Rflush {}.into(), "07000000 6d 0200");
    let wnames = vec!["a".to_string(), "bc".to_string()];
    both(
        1,
        Twalk {
            fid: 1,
            newfid: 2,
            wnames,
        }
        .into(),
        "18000000 6e 0100 01000000 02000000 0200 0100 61 0200 6263",
    );
    let wqids = vec![
        Qid {
            qtype: QTDIR,
            version: 0,
            path: 1,
        },
        Qid {
            qtype: 0,
            version: 3,
            path: 4,
        },
    ];
    both(
        1,
        Rwalk { wqids }.into(),
        "23000000 6f 0100 0200 80 00000000 0100000000000000 00 03000000 0400000000000000",
    );
    both(
        1,
        Topen {
            fid: 1,
            mode: OTRUNC,
        }
        .into(),
        "0c000000 70 0100 01000000 10",
    );
    let q5 = Qid {
        qtype: 0,
        version: 0,
        path: 5,
    };
    both(
        1,
        Ropen {
            qid: q5,
            iounit: 8168,
        }
        .into(),
        "18000000 71 0100 00 00000000 0500000000000000 e81f0000",
    );
    both(
        1,
        Rcreate {
            qid: q5,
            iounit: 8168,
        }
        .into(),
        "18000000 73 0100 00 00000000 0500000000000000 e81f0000",
    );
}

#[test]
fn golden_io_and_fid_messages() {
    both(
        1,
        Tread {
            fid: 1,
            offset: 0x100,
            count: 512,
        }
        .into(),
        "17000000 74 0100 01000000 0001000000000000 00020000",
    );
    both(
        1,
        Rread {
            data: b"hi".to_vec(),
        }
        .into(),
        "0d000000 75 0100 02000000 6869",
    );
    both(
        1,
        Twrite {
            fid: 1,
            offset: 2,
            data: b"hi".to_vec(),
        }
        .into(),
        "19000000 76 0100 01000000 0200000000000000 02000000 6869",
    );
    both(1, Rwrite { count: 2 }.into(), "0b000000 77 0100 02000000");
    both(1, Tclunk { fid: 1 }.into(), "0b000000 78 0100 01000000");
    both(1, Rclunk {}.into(), "07000000 79 0100");
    both(1, Tremove { fid: 1 }.into(), "0b000000 7a 0100 01000000");
    both(1, Rremove {}.into(), "07000000 7b 0100");
    both(1, Tstat { fid: 1 }.into(), "0b000000 7c 0100 01000000");
    both(1, Rwstat {}.into(), "07000000 7f 0100");
}

#[test]
fn golden_dialect_dependent() {
    let tauth = |n_uname| Tauth {
        afid: 5,
        uname: "ab".into(),
        aname: String::new(),
        n_uname,
    };
    check(
        Plain,
        1,
        tauth(NONUNAME).into(),
        "11000000 66 0100 05000000 0200 6162 0000",
    );
    check(
        U,
        1,
        tauth(1000).into(),
        "15000000 66 0100 05000000 0200 6162 0000 e8030000",
    );

    let tattach = |n_uname| Tattach {
        fid: 1,
        afid: NOFID,
        uname: "u".into(),
        aname: String::new(),
        n_uname,
    };
    check(
        Plain,
        1,
        tattach(NONUNAME).into(),
        "14000000 68 0100 01000000 ffffffff 0100 75 0000",
    );
    check(
        U,
        1,
        tattach(1000).into(),
        "18000000 68 0100 01000000 ffffffff 0100 75 0000 e8030000",
    );

    check(
        Plain,
        1,
        Rerror {
            ename: "no".into(),
            errno: 0,
        }
        .into(),
        "0b000000 6b 0100 0200 6e6f",
    );
    check(
        U,
        1,
        Rerror {
            ename: "no".into(),
            errno: 2,
        }
        .into(),
        "0f000000 6b 0100 0200 6e6f 02000000",
    );

    let tcreate = |extension: &str| Tcreate {
        fid: 1,
        name: "f".into(),
        perm: 0o644,
        mode: OWRITE,
        extension: extension.into(),
    };
    check(
        Plain,
        1,
        tcreate("").into(),
        "13000000 72 0100 01000000 0100 66 a4010000 01",
    );
    check(
        U,
        1,
        tcreate("x").into(),
        "16000000 72 0100 01000000 0100 66 a4010000 01 0100 78",
    );

    // Rstat: n[2] = record size + 2, then the record.
    check(
        Plain,
        1,
        Rstat { stat: dir(Plain) }.into(),
        &format!("3e000000 7d 0100 3500 {DIR_PLAIN}"),
    );
    check(
        U,
        1,
        Rstat { stat: dir(U) }.into(),
        &format!("4c000000 7d 0100 4300 {DIR_U}"),
    );
    check(
        Plain,
        1,
        Twstat {
            fid: 1,
            stat: dir(Plain),
        }
        .into(),
        &format!("42000000 7e 0100 01000000 3500 {DIR_PLAIN}"),
    );
    check(
        U,
        1,
        Twstat {
            fid: 1,
            stat: dir(U),
        }
        .into(),
        &format!("50000000 7e 0100 01000000 4300 {DIR_U}"),
    );

    // A directory read returns bare records back to back.
    let two = format!("{DIR_U}{DIR_U}");
    assert_eq!(
        crate::wire::parse_dirs(&h(&two), U),
        Ok(vec![dir(U), dir(U)])
    );
    assert_eq!(crate::wire::encode_dir(&dir(Plain), Plain), h(DIR_PLAIN));
}

#[test]
fn malformed_frames_are_errors() {
    use crate::wire::DecodeError::*;
    // Size field larger than the frame, and smaller.
    assert_eq!(
        decode_msg(&h("0c000000 78 0100 01000000"), Plain, 8192),
        Err(Short)
    );
    assert_eq!(
        decode_msg(&h("0a000000 78 0100 01000000"), Plain, 8192),
        Err(Trailing(1))
    );
    // Terror (106) does not exist.
    assert_eq!(
        decode_msg(&h("07000000 6a 0100"), Plain, 8192),
        Err(UnknownType(106))
    );
    // 17 walk names.
    let mut walk = h("00000000 6e 0100 01000000 02000000 1100");
    walk.extend(std::iter::repeat_n([1u8, 0, b'a'], 17).flatten());
    let n = walk.len() as u32;
    walk[..4].copy_from_slice(&n.to_le_bytes());
    assert!(matches!(
        decode_msg(&walk, Plain, 8192),
        Err(TooLong { .. })
    ));
    // Data count beyond msize (and beyond the frame): rejected before allocating.
    assert!(matches!(
        decode_msg(&h("0b000000 75 0100 ffffffff"), Plain, 8192),
        Err(TooLong { .. })
    ));
    assert_eq!(
        decode_msg(&h("0d000000 75 0100 10000000 6869"), Plain, 8192),
        Err(Short)
    );
    // Invalid UTF-8 in a string.
    assert_eq!(
        decode_msg(&h("0b000000 6b 0100 0200 ff fe"), Plain, 8192),
        Err(BadUtf8)
    );
    // A plain stat record decoded as .u is missing its extension.
    assert_eq!(
        decode_msg(&h(&format!("3e000000 7d 0100 3500 {DIR_PLAIN}")), U, 8192),
        Err(BadStat)
    );
}

#[test]
fn read_frame_caps_size() {
    let frame = h("0b000000 78 0100 01000000");
    assert_eq!(
        crate::wire::read_frame(&mut &frame[..], 8192).unwrap(),
        frame
    );
    assert!(crate::wire::read_frame(&mut &frame[..], 10).is_err());
    assert!(crate::wire::read_frame(&mut &h("06000000 78 0100")[..], 8192).is_err());
    assert!(crate::wire::read_frame(&mut &h("ffffffff")[..], 8192).is_err());
}

fn dialect() -> impl Strategy<Value = Dialect> {
    prop_oneof![Just(Plain), Just(U)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn encode_decode_is_identity((d, tag, msg) in dialect().prop_flat_map(|d| (Just(d), any::<u16>(), arb::fcall(d)))) {
        let bytes = to_bytes(tag, &msg, d);
        prop_assert_eq!(decode_msg(&bytes, d, 8192), Ok((tag, msg)));
    }

    #[test]
    fn decode_never_panics_on_garbage(d in dialect(), bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = decode_msg(&bytes, d, 8192);
        let _ = crate::wire::parse_dirs(&bytes, d);
    }

    #[test]
    fn decode_never_panics_on_mutations(
        (d, msg) in dialect().prop_flat_map(|d| (Just(d), arb::fcall(d))),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = to_bytes(7, &msg, d);
        for (i, b) in edits {
            let i = i.index(bytes.len());
            bytes[i] = b;
        }
        let _ = decode_msg(&bytes, d, 8192);
        let cut = cut.index(bytes.len() + 1);
        let _ = decode_msg(&bytes[..cut], d, 8192);
        // Also with the size field fixed up, so the mutation reaches the fields.
        let n = cut as u32;
        if cut >= 4 {
            bytes[..4].copy_from_slice(&n.to_le_bytes());
            let _ = decode_msg(&bytes[..cut], d, 8192);
        }
    }
}
