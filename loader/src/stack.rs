//! The initial process stack, laid out exactly as Linux's `create_elf_tables`
//! (fs/binfmt_elf.c) and `copy_strings` (fs/exec.c) do: from the top, 8 zero
//! bytes, the exec file name, the environment strings, the argument strings
//! (so that in ascending memory order they read argv…, envp…, execfn), the
//! platform string, 16 random bytes, padding to 16, then auxv, envp, argv and
//! argc down to a 16-byte-aligned stack pointer.

use abi::auxv::{AT_EXECFN, AT_NULL, AT_PLATFORM, AT_RANDOM};

/// A value of an auxv entry; pointers into the stack are filled in by `build`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuxVal {
    Value(u64),
    /// The address of the 16 random bytes.
    Random,
    /// The address of the exec file name string.
    Execfn,
    /// The address of the platform string.
    Platform,
}

/// What goes on a new process's stack.
#[derive(Debug, Clone)]
pub struct StackSpec {
    pub argv: Vec<Vec<u8>>,
    pub envp: Vec<Vec<u8>>,
    pub execfn: Vec<u8>,
    pub platform: Vec<u8>,
    pub random: [u8; 16],
    /// Entries in the order Linux emits them, without the AT_NULL terminator.
    pub auxv: Vec<(u64, AuxVal)>,
}

/// The bytes of the stack's used top, to be copied at `sp`, and the result.
#[derive(Debug, Clone)]
pub struct StackImage {
    pub sp: u64,
    pub bytes: Vec<u8>,
    pub argv_addr: u64,
    pub envp_addr: u64,
    pub auxv_addr: u64,
}

/// Builds the stack image for a stack whose highest address (exclusive) is `top`.
/// Returns `None` when the strings and tables do not fit in `limit` bytes.
pub fn build(spec: &StackSpec, top: u64, limit: u64) -> Option<StackImage> {
    // Strings grow downward from top - 8, each NUL-terminated.
    let mut strings: Vec<u8> = Vec::new();
    let mut p = top - 8;
    let mut push = |s: &[u8], p: &mut u64| -> u64 {
        *p -= s.len() as u64 + 1;
        let mut bytes = s.to_vec();
        bytes.push(0);
        // Strings are prepended so `strings` stays in ascending address order.
        strings.splice(0..0, bytes);
        *p
    };
    let execfn_addr = push(&spec.execfn, &mut p);
    let mut env_addrs: Vec<u64> = spec.envp.iter().rev().map(|e| push(e, &mut p)).collect();
    env_addrs.reverse();
    let mut arg_addrs: Vec<u64> = spec.argv.iter().rev().map(|a| push(a, &mut p)).collect();
    arg_addrs.reverse();
    // arch_align_stack: Linux also subtracts a random amount; ninux keeps it fixed.
    p &= !15;
    let strings_low = p;
    let platform_addr = p - (spec.platform.len() as u64 + 1);
    p = platform_addr;
    let random_addr = p - 16;
    p = random_addr;

    let auxv_words = (spec.auxv.len() as u64 + 1) * 2;
    let items = (spec.argv.len() + 1 + spec.envp.len() + 1 + 1) as u64;
    let sp = (p - auxv_words * 8 - items * 8) & !15;
    if top - sp > limit {
        return None;
    }

    let mut words: Vec<u64> = Vec::with_capacity((items + auxv_words) as usize);
    words.push(spec.argv.len() as u64);
    words.extend(&arg_addrs);
    words.push(0);
    words.extend(&env_addrs);
    words.push(0);
    for &(key, val) in &spec.auxv {
        let value = match val {
            AuxVal::Value(v) => v,
            AuxVal::Random => random_addr,
            AuxVal::Execfn => execfn_addr,
            AuxVal::Platform => platform_addr,
        };
        debug_assert!(!matches!(
            (key, val),
            (AT_RANDOM | AT_EXECFN | AT_PLATFORM, AuxVal::Value(_))
        ));
        words.push(key);
        words.push(value);
    }
    words.push(AT_NULL);
    words.push(0);

    let mut bytes = vec![0u8; (top - sp) as usize];
    let at = |addr: u64| (addr - sp) as usize;
    for (i, w) in words.iter().enumerate() {
        bytes[i * 8..i * 8 + 8].copy_from_slice(&w.to_le_bytes());
    }
    bytes[at(random_addr)..at(random_addr) + 16].copy_from_slice(&spec.random);
    bytes[at(platform_addr)..at(platform_addr) + spec.platform.len()]
        .copy_from_slice(&spec.platform);
    let strings_at = at(top - 8) - strings.len();
    bytes[strings_at..strings_at + strings.len()].copy_from_slice(&strings);
    debug_assert!(strings_low <= top - 8 - strings.len() as u64);
    let argv_addr = sp + 8;
    let envp_addr = argv_addr + (spec.argv.len() as u64 + 1) * 8;
    let auxv_addr = envp_addr + (spec.envp.len() as u64 + 1) * 8;
    Some(StackImage {
        sp,
        bytes,
        argv_addr,
        envp_addr,
        auxv_addr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use abi::auxv::*;

    fn spec() -> StackSpec {
        StackSpec {
            argv: vec![b"prog".to_vec(), b"arg one".to_vec()],
            envp: vec![b"A=1".to_vec()],
            execfn: b"/bin/prog".to_vec(),
            platform: b"x86_64".to_vec(),
            random: [7; 16],
            auxv: vec![
                (AT_PAGESZ, AuxVal::Value(4096)),
                (AT_RANDOM, AuxVal::Random),
                (AT_EXECFN, AuxVal::Execfn),
                (AT_PLATFORM, AuxVal::Platform),
            ],
        }
    }

    fn word(img: &StackImage, addr: u64) -> u64 {
        let i = (addr - img.sp) as usize;
        u64::from_le_bytes(img.bytes[i..i + 8].try_into().unwrap())
    }

    fn cstr(img: &StackImage, addr: u64) -> Vec<u8> {
        let i = (addr - img.sp) as usize;
        img.bytes[i..]
            .iter()
            .take_while(|&&b| b != 0)
            .copied()
            .collect()
    }

    #[test]
    fn layout_matches_linux() {
        let top = 0x7fff_0000_0000;
        let img = build(&spec(), top, 1 << 20).unwrap();
        assert_eq!(img.sp % 16, 0);
        assert_eq!(word(&img, img.sp), 2);
        assert_eq!(cstr(&img, word(&img, img.argv_addr)), b"prog");
        assert_eq!(cstr(&img, word(&img, img.argv_addr + 8)), b"arg one");
        assert_eq!(word(&img, img.argv_addr + 16), 0);
        assert_eq!(cstr(&img, word(&img, img.envp_addr)), b"A=1");
        assert_eq!(word(&img, img.envp_addr + 8), 0);
        // Strings ascend argv, envp, execfn, ending 8 bytes below the top.
        let execfn = word(&img, img.auxv_addr + 8 * 5);
        assert_eq!(cstr(&img, execfn), b"/bin/prog");
        assert_eq!(execfn + b"/bin/prog\0".len() as u64, top - 8);
        assert!(word(&img, img.argv_addr) < word(&img, img.envp_addr));
        let random = word(&img, img.auxv_addr + 8 * 3);
        assert_eq!(&img.bytes[(random - img.sp) as usize..][..16], &[7; 16]);
        assert_eq!(cstr(&img, word(&img, img.auxv_addr + 8 * 7)), b"x86_64");
        assert_eq!(word(&img, img.auxv_addr + 8 * 8), AT_NULL);
    }

    #[test]
    fn too_big_is_refused() {
        let mut s = spec();
        s.argv.push(vec![b'x'; 100_000]);
        assert!(build(&s, 0x7fff_0000_0000, 64 * 1024).is_none());
    }
}
