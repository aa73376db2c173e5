//! A compact UTF-8 validator for everything the runtime reads as text (the request head, a
//! body, JSON, stored text, a decoded path): a few dozen bytes of wasm where
//! `core::str::from_utf8` costs several hundred plus a table. Checked against core's.

/// `bytes` as text when they are well-formed UTF-8 (what `core::str::from_utf8(bytes).ok()`
/// answers, without its code).
pub fn str_of(bytes: &[u8]) -> Option<&str> {
    // SAFETY: `is_utf8` accepts exactly the well-formed UTF-8 that `from_utf8` accepts (the
    // module's test checks both agree), which is what `from_utf8_unchecked` requires.
    is_utf8(bytes).then(|| unsafe { core::str::from_utf8_unchecked(bytes) })
}

/// Whether `bytes` is well-formed UTF-8 (RFC 3629: shortest form, no surrogates,
/// nothing above U+10FFFF), exactly as `core::str::from_utf8(bytes).is_ok()`.
pub fn is_utf8(bytes: &[u8]) -> bool {
    let mut rest = bytes.iter();
    while let Some(&lead) = rest.next() {
        // Continuation bytes that follow, and the smallest code point that needs them.
        let (count, min) = match lead {
            0x00..=0x7F => continue,
            0xC2..=0xDF => (1, 0x80),
            0xE0..=0xEF => (2, 0x800),
            0xF0..=0xF4 => (3, 0x1_0000),
            _ => return false,
        };
        let mut code = u32::from(lead) & (0x7F >> (count + 1));
        for _ in 0..count {
            match rest.next() {
                Some(&next) if next & 0xC0 == 0x80 => code = code << 6 | u32::from(next & 0x3F),
                _ => return false,
            }
        }
        if code < min || (0xD800..=0xDFFF).contains(&code) || code > 0x10_FFFF {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::is_utf8;

    fn agrees(bytes: &[u8]) {
        assert_eq!(is_utf8(bytes), core::str::from_utf8(bytes).is_ok(), "{bytes:02x?}");
    }

    #[test]
    fn agrees_with_core_on_every_sequence_of_up_to_three_bytes() {
        let step = if cfg!(miri) { 97 } else { 1 };
        for a in (0..=255u8).step_by(step) {
            agrees(&[a]);
            for b in (0..=255u8).step_by(step) {
                agrees(&[a, b]);
                for c in (0..=255u8).step_by(if cfg!(miri) { 255 } else { step }) {
                    agrees(&[a, b, c]);
                }
            }
        }
    }

    #[test]
    fn agrees_with_core_on_four_byte_edges_and_random_strings() {
        const EDGES: [u8; 8] = [0x00, 0x7F, 0x80, 0x8F, 0x90, 0xBF, 0xC0, 0xFF];
        // Miri interprets every step: a sample there, everything natively.
        for lead in 0xEF..=0xF8u8 {
            for b in (0..=255u8).step_by(if cfg!(miri) { 37 } else { 1 }) {
                for c in EDGES.iter().copied().step_by(if cfg!(miri) { 3 } else { 1 }) {
                    for d in EDGES.iter().copied().step_by(if cfg!(miri) { 3 } else { 1 }) {
                        agrees(&[lead, b, c, d]);
                    }
                }
            }
        }
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..if cfg!(miri) { 200 } else { 200_000 } {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            // Mostly valid text with a few random bytes mixed in.
            let mut bytes = "aé€😀".repeat((seed % 4) as usize).into_bytes();
            bytes.insert((seed >> 8) as usize % (bytes.len() + 1), (seed >> 16) as u8);
            agrees(&bytes);
        }
    }
}
