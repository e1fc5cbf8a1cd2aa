//! Machine-code views for people: the instruction at a faulting address.

use iced_x86::{Decoder, DecoderOptions, Formatter, IntelFormatter};

/// Formats the first instruction in `bytes`, which were read at `rip`.
/// Returns `None` when the bytes do not decode.
pub fn instruction_at(bytes: &[u8], rip: u64) -> Option<String> {
    let mut decoder = Decoder::with_ip(64, bytes, rip, DecoderOptions::NONE);
    let instr = decoder.decode();
    if instr.is_invalid() {
        return None;
    }
    let mut text = String::new();
    IntelFormatter::new().format(&instr, &mut text);
    let raw: Vec<String> = bytes[..instr.len()]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Some(format!("{text}  [{}]", raw.join(" ")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_a_store() {
        // mov dword ptr [rax], 1
        let s = super::instruction_at(&[0xc7, 0x00, 0x01, 0, 0, 0, 0x90], 0x1000).unwrap();
        assert!(s.starts_with("mov dword ptr [rax],1"), "{s}");
        assert!(s.ends_with("[c7 00 01 00 00 00]"));
        assert!(super::instruction_at(&[0x0f, 0xff], 0).is_none());
    }
}
