//! Generated input files (stdin for checksum, sort and wc cases, and the
//! benchmark): deterministic from a seed, written once into the work
//! directory and reused, so the native and ninux runs read identical bytes.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A generated input file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Input {
    /// `bytes` pseudo-random bytes.
    Random { bytes: u64, seed: u64 },
    /// `lines` lines of pseudo-random lowercase words.
    Text { lines: u64, seed: u64 },
}

impl Input {
    /// A file name that encodes every parameter, so a changed input is a new file.
    pub fn file_name(&self) -> String {
        match *self {
            Input::Random { bytes, seed } => format!("random-{bytes}-{seed}.bin"),
            Input::Text { lines, seed } => format!("text-{lines}-{seed}.txt"),
        }
    }

    /// Writes the file into `dir` unless it is already there, and returns its path.
    /// The file is written under a temporary name and renamed, so a concurrent
    /// runner never reads a half-written input.
    pub fn ensure(&self, dir: &Path) -> io::Result<PathBuf> {
        let path = dir.join(self.file_name());
        if path.exists() {
            return Ok(path);
        }
        fs::create_dir_all(dir)?;
        let tmp = tempfile::NamedTempFile::new_in(dir)?;
        {
            let mut out = BufWriter::with_capacity(1 << 20, File::create(tmp.path())?);
            self.generate(&mut out)?;
            out.flush()?;
        }
        tmp.persist(&path).map_err(|e| e.error)?;
        Ok(path)
    }

    /// Streams the contents into `out`.
    pub fn generate(&self, out: &mut impl Write) -> io::Result<()> {
        match *self {
            Input::Random { bytes, seed } => {
                let mut rng = SplitMix64(seed);
                let mut block = [0u8; 8192];
                let mut left = bytes;
                while left > 0 {
                    for chunk in block.chunks_mut(8) {
                        chunk.copy_from_slice(&rng.next().to_le_bytes());
                    }
                    let n = left.min(block.len() as u64) as usize;
                    out.write_all(&block[..n])?;
                    left -= n as u64;
                }
            }
            Input::Text { lines, seed } => {
                let mut rng = SplitMix64(seed);
                let mut line = Vec::with_capacity(128);
                for _ in 0..lines {
                    line.clear();
                    let words = 1 + rng.next() % 10;
                    for w in 0..words {
                        if w > 0 {
                            line.push(b' ');
                        }
                        let len = 1 + rng.next() % 8;
                        for _ in 0..len {
                            line.push(b'a' + (rng.next() % 26) as u8);
                        }
                    }
                    line.push(b'\n');
                    out.write_all(&line)?;
                }
            }
        }
        Ok(())
    }
}

/// SplitMix64: tiny, fast, and good enough for test data.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_sized() {
        let input = Input::Random {
            bytes: 10_001,
            seed: 7,
        };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        input.generate(&mut a).unwrap();
        input.generate(&mut b).unwrap();
        assert_eq!(a.len(), 10_001);
        assert_eq!(a, b);
        let mut text = Vec::new();
        Input::Text { lines: 50, seed: 1 }
            .generate(&mut text)
            .unwrap();
        assert_eq!(text.iter().filter(|&&c| c == b'\n').count(), 50);
        assert!(text
            .iter()
            .all(|&c| c == b'\n' || c == b' ' || c.is_ascii_lowercase()));
    }

    #[test]
    fn ensure_writes_once() {
        let dir = tempfile::tempdir().unwrap();
        let input = Input::Text { lines: 3, seed: 2 };
        let p = input.ensure(dir.path()).unwrap();
        let first = fs::read(&p).unwrap();
        assert_eq!(input.ensure(dir.path()).unwrap(), p);
        assert_eq!(fs::read(&p).unwrap(), first);
    }
}
