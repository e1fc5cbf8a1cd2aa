//! The initial process stack, laid out exactly as Linux's `create_elf_tables`
//! (fs/binfmt_elf.c) and `copy_strings` (fs/exec.c) do: from the top, 8 zero
//! bytes, the exec file name, the environment strings, the argument strings
//! (so that in ascending memory order they read argv…, envp…, execfn), the
//! platform string, 16 random bytes, padding to 16, then auxv, envp, argv and
//! argc down to a 16-byte-aligned stack pointer.

use crate::Strings;
use abi::auxv::{AT_EXECFN, AT_NULL, AT_PLATFORM, AT_RANDOM};
use std::ops::Range;

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
pub struct StackSpec<'a> {
    pub argv: &'a Strings,
    pub envp: &'a Strings,
    pub execfn: &'a [u8],
    pub platform: &'a [u8],
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
    /// Where the argument strings lie (Linux's `arg_start..arg_end`), and
    /// the environment strings just above them (`env_start..env_end`).
    pub args: Range<u64>,
    pub env: Range<u64>,
}

/// Builds the stack image for a stack whose highest address (exclusive) is `top`.
/// Returns `None` when the strings and tables do not fit in `limit` bytes.
pub fn build(spec: &StackSpec, top: u64, limit: u64) -> Option<StackImage> {
    // From top - 8 down: execfn, the environment strings, the argument
    // strings, each NUL-terminated (the lists hold them so already).
    let execfn = spec.execfn.split(|&b| b == 0).next().unwrap_or_default();
    let execfn_addr = top.checked_sub(8 + execfn.len() as u64 + 1)?;
    let env_start = execfn_addr.checked_sub(spec.envp.as_bytes().len() as u64)?;
    let arg_start = env_start.checked_sub(spec.argv.as_bytes().len() as u64)?;
    // arch_align_stack: Linux also subtracts a random amount; ninux keeps it fixed.
    let platform = spec.platform.split(|&b| b == 0).next().unwrap_or_default();
    let platform_addr = (arg_start & !15).checked_sub(platform.len() as u64 + 1)?;
    let random_addr = platform_addr.checked_sub(16)?;

    let auxv_words = (spec.auxv.len() as u64 + 1) * 2;
    let items = (spec.argv.len() + 1 + spec.envp.len() + 1 + 1) as u64;
    let sp = random_addr.checked_sub((auxv_words + items) * 8)? & !15;
    if top - sp > limit {
        return None;
    }

    let mut words: Vec<u64> = Vec::with_capacity((items + auxv_words) as usize);
    words.push(spec.argv.len() as u64);
    words.extend(spec.argv.starts().map(|o| arg_start + o as u64));
    words.push(0);
    words.extend(spec.envp.starts().map(|o| env_start + o as u64));
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
    let mut put = |addr: u64, s: &[u8]| bytes[at(addr)..at(addr) + s.len()].copy_from_slice(s);
    put(random_addr, &spec.random);
    put(platform_addr, platform);
    put(arg_start, spec.argv.as_bytes());
    put(env_start, spec.envp.as_bytes());
    put(execfn_addr, execfn);
    let argv_addr = sp + 8;
    let envp_addr = argv_addr + (spec.argv.len() as u64 + 1) * 8;
    let auxv_addr = envp_addr + (spec.envp.len() as u64 + 1) * 8;
    Some(StackImage {
        sp,
        bytes,
        argv_addr,
        envp_addr,
        auxv_addr,
        args: arg_start..env_start,
        env: env_start..execfn_addr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use abi::auxv::*;

    fn spec<'a>(argv: &'a Strings, envp: &'a Strings) -> StackSpec<'a> {
        StackSpec {
            argv,
            envp,
            execfn: b"/bin/prog",
            platform: b"x86_64",
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
        let (argv, envp) = (
            ["prog", "arg one"].into_iter().collect(),
            ["A=1"].into_iter().collect(),
        );
        let img = build(&spec(&argv, &envp), top, 1 << 20).unwrap();
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
        // The string areas, as /proc/PID/cmdline and environ read them.
        let area = |r: &Range<u64>| {
            img.bytes[(r.start - img.sp) as usize..(r.end - img.sp) as usize].to_vec()
        };
        assert_eq!(area(&img.args), b"prog\0arg one\0");
        assert_eq!(area(&img.env), b"A=1\0");
        assert_eq!(img.args.start, word(&img, img.argv_addr));
    }

    #[test]
    fn too_big_is_refused() {
        let mut argv: Strings = ["prog"].into_iter().collect();
        argv.push(&[b'x'; 100_000]);
        let envp = Strings::new();
        assert!(build(&spec(&argv, &envp), 0x7fff_0000_0000, 64 * 1024).is_none());
        assert!(build(&spec(&argv, &envp), 0x7fff_0000_0000, 1 << 20).is_some());
    }
}
