//! Text helpers that never panic (no `core::fmt` linked by them), and the one parser of a
//! `name:value` header block, the form the glue writes request headers and answers' headers in.

/// The index of the first byte of `bytes[from..]` that is in `set`, or `bytes.len()` (never
/// panics: a handler that does not panic links no `core::fmt`; byte search, because the char
/// searchers of `str::find` cost about 700 B).
pub(crate) fn position(bytes: &[u8], from: usize, set: &[u8]) -> usize {
    let rest = bytes.get(from..).unwrap_or_default();
    from + rest.iter().position(|b| set.contains(b)).unwrap_or(rest.len())
}

/// `text[from..to]`, where each end is 0, `text.len()`, or next to an ASCII byte that
/// `position` found; `None` when the range is out of bounds. (Without `str::get`'s
/// char-boundary checks: an ASCII byte is never inside a multi-byte character.)
pub(crate) fn ascii_cut(text: &str, from: usize, to: usize) -> Option<&str> {
    let bytes = text.as_bytes().get(from..to)?;
    // SAFETY: `text` is UTF-8 and both ends are at a string end or beside an ASCII byte (the
    // callers cut at positions of ASCII delimiters, or one past them), so no character is cut.
    Some(unsafe { core::str::from_utf8_unchecked(bytes) })
}

/// `bytes` as a str, or "" when they are not UTF-8.
pub(crate) fn text(bytes: &[u8]) -> &str {
    if crate::utf8::is_utf8(bytes) {
        // SAFETY: just validated.
        unsafe { core::str::from_utf8_unchecked(bytes) }
    } else {
        ""
    }
}

/// The `(name, value)` pairs of a header block: one `name:value` per line, lines separated by
/// `\n`, a value may hold `:` (split at the first). Lines without a `:` are skipped.
pub(crate) fn header_lines(block: &str) -> impl Iterator<Item = (&str, &str)> {
    block.as_bytes().split(|&b| b == b'\n').filter_map(|line| {
        let (name, value) = line.split_at_checked(position(line, 0, b":"))?;
        // SAFETY: `block` is valid UTF-8 and every split is at an ASCII byte ('\n', ':'), which
        // never falls inside a multi-byte character, so each piece is UTF-8 too.
        unsafe {
            Some((
                core::str::from_utf8_unchecked(name),
                core::str::from_utf8_unchecked(value.get(1..)?),
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_blocks_split_at_the_first_colon_and_skip_lines_without_one() {
        let pairs: Vec<_> = header_lines("a:1\nb:c:d\n\nnone\ne:").collect();
        assert_eq!(pairs, [("a", "1"), ("b", "c:d"), ("e", "")]);
        assert_eq!(header_lines("").count(), 0);
        assert_eq!(header_lines("é:ü").next(), Some(("é", "ü")));
    }
}
