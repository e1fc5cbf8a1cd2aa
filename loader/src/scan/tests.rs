//! Hand-assembled code shapes from REWRITE-NOTES, and real ELF files.

use super::*;

const BASE: u64 = 0x40_1000;

/// Scans `bytes` as one `.text` at BASE, with `extra` as further targets.
fn sites(bytes: &[u8], extra: &[u64]) -> Vec<SyscallSite> {
    let instrs = decode(bytes, BASE);
    let ranges = [CodeRange {
        name: ".text".into(),
        start: BASE,
        size: bytes.len() as u64,
    }];
    let mut known: Vec<u64> = code_targets(&instrs, &ranges).collect();
    known.extend_from_slice(extra);
    find_sites(&[(".text".into(), instrs)], &Targets::new(known))
}

const SYSCALL: [u8; 2] = [0x0f, 0x05];
const RET: u8 = 0xc3;

#[test]
fn mov_eax_immediate() {
    // mov eax, 1; syscall; ret
    let s = sites(&[0xb8, 1, 0, 0, 0, 0x0f, 0x05, RET], &[]);
    assert_eq!(s.len(), 1);
    assert_eq!((s[0].number, s[0].how), (Some(1), How::Immediate));
    assert_eq!(s[0].set_at, Some(BASE));
    let w = s[0].window.clone().unwrap();
    assert_eq!((w.start, w.end, w.instructions), (BASE, BASE + 7, 2));
}

#[test]
fn mov_rax_sign_extended_and_lea_and_copies() {
    // mov rax, 600 (48 c7 c0 imm32); syscall
    let s = sites(&[0x48, 0xc7, 0xc0, 0x58, 2, 0, 0, 0x0f, 0x05, RET], &[]);
    assert_eq!(s[0].number, Some(600));
    // mov edi, 5; mov eax, edi; syscall
    let s = sites(&[0xbf, 5, 0, 0, 0, 0x89, 0xf8, 0x0f, 0x05, RET], &[]);
    assert_eq!((s[0].number, s[0].how), (Some(5), How::Copied));
    // mov edx, 7; lea eax, [rdx+3]; syscall
    let s = sites(&[0xba, 7, 0, 0, 0, 0x8d, 0x42, 3, 0x0f, 0x05, RET], &[]);
    assert_eq!((s[0].number, s[0].how), (Some(10), How::Lea));
}

#[test]
fn xor_then_syscall_takes_the_following_instruction() {
    // xor eax, eax; syscall; cmp rax, -4096; ret
    let code = [
        0x31, 0xc0, 0x0f, 0x05, 0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff, RET,
    ];
    let s = sites(&code, &[]);
    assert_eq!((s[0].number, s[0].how), (Some(0), How::Zeroed));
    let w = s[0].window.clone().unwrap();
    // The smallest window: the syscall and the cmp after it.
    assert_eq!((w.start, w.end), (BASE + 2, BASE + 10));
}

#[test]
fn number_from_the_caller_is_unresolved() {
    // mov rax, rdi; syscall; ret  (the generic syscall() shape)
    let s = sites(&[0x48, 0x89, 0xf8, 0x0f, 0x05, RET], &[]);
    assert_eq!((s[0].number, s[0].how), (None, How::FromOutside));
    // mov eax, [rsp+8]; syscall
    let s = sites(&[0x8b, 0x44, 0x24, 0x08, 0x0f, 0x05, RET], &[]);
    assert_eq!((s[0].number, s[0].how), (None, How::FromMemory));
    // mov al, 1; syscall
    let s = sites(&[0xb0, 1, 0x0f, 0x05, RET], &[]);
    assert_eq!((s[0].number, s[0].how), (None, How::Computed));
}

#[test]
fn a_label_between_set_and_syscall_stops_the_slice_and_the_window() {
    // mov eax, 1; L: syscall; ret  — with L a branch target
    let code = [0xb8, 1, 0, 0, 0, 0x0f, 0x05, RET];
    let s = sites(&code, &[BASE + 5]);
    assert_eq!(s[0].number, None);
    assert!(s[0].window.is_err(), "{:?}", s[0].window);
    // A target at the window's first byte is allowed.
    let s = sites(&code, &[BASE]);
    assert!(s[0].window.is_ok());
    // A target inside an instruction (rule 1) is not.
    let s = sites(&code, &[BASE + 2]);
    assert!(s[0].window.is_err());
}

#[test]
fn a_call_before_the_site_ends_the_block() {
    // mov eax, 1; call next; syscall; ret
    let code = [0xb8, 1, 0, 0, 0, 0xe8, 0, 0, 0, 0, 0x0f, 0x05, RET];
    let s = sites(&code, &[]);
    assert_eq!(s[0].number, None);
    assert_eq!(s[0].window, Err("no room: barriers on both sides"));
}

#[test]
fn int80_and_sysenter_are_their_own_kinds() {
    // mov eax, 4; int 0x80; sysenter; ret
    let s = sites(&[0xb8, 4, 0, 0, 0, 0xcd, 0x80, 0x0f, 0x34, RET], &[]);
    assert_eq!(s.len(), 2);
    assert_eq!((s[0].kind, s[0].number), (SiteKind::Int80, Some(4)));
    assert_eq!(s[1].kind, SiteKind::Sysenter);
}

#[test]
fn overlapping_windows_give_way() {
    // xor eax,eax; syscall; mov eax, 1; syscall; ret: the first window would
    // need the `mov` the second one uses.
    let mut code = vec![0x31, 0xc0];
    code.extend_from_slice(&SYSCALL);
    code.extend_from_slice(&[0xb8, 1, 0, 0, 0, 0x0f, 0x05, RET]);
    let s = sites(&code, &[]);
    assert_eq!(s.len(), 2);
    assert!(s[0].window.is_err());
    assert!(s[1].window.is_ok());
}

#[test]
fn garbage_never_panics() {
    let mut x: u32 = 12345;
    for len in 0..300 {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 16) as u8
            })
            .collect();
        let _ = sites(&bytes, &[BASE + 3]);
    }
    assert!(scan_file("junk", b"\x7fELF junk").is_err());
}

#[test]
fn scans_a_real_binary() {
    let bytes = std::fs::read(std::env::current_exe().unwrap()).unwrap();
    let scan = scan_file("self", &bytes).unwrap();
    assert_eq!(scan.source, CodeSource::Sections);
    assert!(scan.ranges.iter().any(|r| r.name == ".text"));
    assert!(scan.instructions > 1000);
}
