//! Text without `core::fmt`: strings, integers, floats and a Worker's own types written by one
//! small trait into the request's memory ([`text_in!`](crate::text_in!)), a buffer, or a
//! `String` (`text!`).
//!
//! `format!` links `core::fmt` (and its float formatting once an `f64` is formatted); a piece
//! here costs only its own writer. Pieces are written in order, with no
//! format string: `text!("id=", id, " attempts=", attempts)`; [`zero_padded`] stands for
//! `{n:06}`. A type of the Worker's own implements [`Text`] with a few calls to [`Out::str`]
//! or to other pieces' [`Text::write_text`].
//!
//! ```
//! use tinyworker::text::{self, Out, Text};
//!
//! struct Point { x: i64, y: i64 }
//! impl Text for Point {
//!     fn write_text(&self, out: &mut Out<'_>) {
//!         text::write(out, &("(", self.x, ", ", self.y, ")"));
//!     }
//! }
//! let mut buffer = [0u8; 32];
//! let line = text::in_buffer(&mut buffer, &("at ", Point { x: 3, y: -4 }, " #", text::zero_padded(7, 3)));
//! assert_eq!(line, Some("at (3, -4) #007"));
//! ```

/// Where pieces are written: a byte buffer, and the length of everything written so far, also
/// past the buffer's end (what did not fit is counted, not written), so one pass sizes the
/// text and a second writes it.
#[derive(Debug)]
pub struct Out<'b> {
    buffer: &'b mut [u8],
    len: usize,
}

impl<'b> Out<'b> {
    /// Writes into `buffer` from its start.
    pub fn new(buffer: &'b mut [u8]) -> Self {
        Self { buffer, len: 0 }
    }

    /// Appends `text` (counted, and written when it fits).
    pub fn str(&mut self, text: &str) {
        let end = self.len.saturating_add(text.len());
        if let Some(slot) = self.buffer.get_mut(self.len..end) {
            slot.copy_from_slice(text.as_bytes());
        }
        self.len = end;
    }

    /// The length of what was written, including what did not fit.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The text, or `None` when it did not all fit.
    pub fn finish(self) -> Option<&'b str> {
        let written = self.buffer.get(..self.len)?;
        // SAFETY: only `str` writes into the buffer, each time a whole `&str` at the end of
        // what was written before (never past a piece that did not fit: `len` then exceeds
        // the buffer and every later `get_mut` fails), so `..len` is a sequence of whole UTF-8
        // strings, which is UTF-8.
        Some(unsafe { core::str::from_utf8_unchecked(written) })
    }
}

/// A value that writes itself as text.
///
/// `write_text` must write the same text each time it is called: the sized writers
/// (`text!`, [`text_in!`](crate::text_in!)) call it twice, once to count and once to write.
pub trait Text {
    /// Writes `self` to `out`.
    fn write_text(&self, out: &mut Out<'_>);
}

/// Writes `pieces` (one [`Text`], or a tuple of them) to `out`; what a [`Text`] implementation
/// calls for its parts.
pub fn write(out: &mut Out<'_>, pieces: &dyn Text) {
    pieces.write_text(out);
}

/// The length in bytes of `pieces`' text.
pub fn len(pieces: &dyn Text) -> usize {
    let mut counting = Out::new(&mut []);
    pieces.write_text(&mut counting);
    counting.len
}

/// `pieces`' text written into `buffer`, or `None` when it does not fit ([`len`] says what
/// it needs).
pub fn in_buffer<'b>(buffer: &'b mut [u8], pieces: &dyn Text) -> Option<&'b str> {
    let mut out = Out::new(buffer);
    pieces.write_text(&mut out);
    out.finish()
}

/// `pieces`' text in the request's memory, sized exactly (what [`text_in!`](crate::text_in!) calls); `Err`
/// ([`Kind::TooLarge`](crate::error::Kind), with the figure) when the memory has no room.
pub fn in_request<'a>(request: &crate::Request<'a>, pieces: &dyn Text) -> Result<&'a str, crate::Error> {
    let needed = len(pieces);
    request
        .scratch(needed)
        .and_then(|buffer| in_buffer(buffer, pieces))
        .ok_or(crate::Error::too_large("a text past the request's memory", needed))
}

/// `pieces`' text in a `String` of its exact size (what [`text!`](crate::text!) calls).
#[cfg(feature = "alloc")]
pub fn string(pieces: &dyn Text) -> alloc::string::String {
    let mut bytes = alloc::vec![0; len(pieces)];
    let mut out = Out::new(&mut bytes);
    pieces.write_text(&mut out);
    // A `write_text` that wrote less the second time leaves zeros, more is cut at the size
    // counted first: either way a wrong text, never a wrong string (see `Text`'s contract).
    let written = out.finish().map_or(0, str::len);
    bytes.truncate(written);
    // SAFETY: `Out::finish` returned `bytes[..written]` as a str (it checks nothing, but only
    // whole strings were written, see there), and no piece did not fit.
    unsafe { alloc::string::String::from_utf8_unchecked(bytes) }
}

/// The text of the pieces, in a `String` of its size: `text!("n=", n, "\n")` for
/// `format!("n={n}\n")`, without `core::fmt`. Each piece is a [`Text`](crate::text::Text) (a
/// `&str`, a `String`, an integer, an `f64`, a `bool`, a `char`,
/// [`zero_padded`](crate::text::zero_padded), or a type of the Worker's own), taken by reference.
/// Needs an allocator feature.
#[cfg(feature = "alloc")]
#[macro_export]
macro_rules! text {
    ($($piece:expr),+ $(,)?) => {
        $crate::text::string(&($(&$piece,)+))
    };
}

/// The text of the pieces, in the request's memory: `text_in!(request, "n=", n)` is a
/// `Result<&'a str, tinyworker::Error>` (a 413-like error when the memory has no room). No
/// allocator needed.
#[macro_export]
macro_rules! text_in {
    ($request:expr, $($piece:expr),+ $(,)?) => {
        $crate::text::in_request($request, &($(&$piece,)+))
    };
}

impl Text for str {
    fn write_text(&self, out: &mut Out<'_>) {
        out.str(self);
    }
}

#[cfg(feature = "alloc")]
impl Text for alloc::string::String {
    fn write_text(&self, out: &mut Out<'_>) {
        out.str(self);
    }
}

impl<T: Text + ?Sized> Text for &T {
    fn write_text(&self, out: &mut Out<'_>) {
        (**self).write_text(out);
    }
}

impl Text for bool {
    fn write_text(&self, out: &mut Out<'_>) {
        out.str(if *self { "true" } else { "false" });
    }
}

impl Text for char {
    fn write_text(&self, out: &mut Out<'_>) {
        out.str(self.encode_utf8(&mut [0; 4]));
    }
}

/// `n` in decimal, written into the end of `digits` (no `core::fmt`: nothing here can panic).
pub(crate) fn decimal(mut n: u64, digits: &mut [u8; 20]) -> &str {
    let mut start = digits.len();
    for slot in digits.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        start -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let written = digits.get(start..).unwrap_or_default();
    // SAFETY: every byte written is an ASCII digit (`b'0' + n % 10`), which is UTF-8.
    unsafe { core::str::from_utf8_unchecked(written) }
}

fn unsigned(n: u64, out: &mut Out<'_>) {
    out.str(decimal(n, &mut [0; 20]));
}

fn signed(n: i64, out: &mut Out<'_>) {
    if n < 0 {
        out.str("-");
    }
    unsigned(n.unsigned_abs(), out);
}

macro_rules! integers {
    ($write:ident as $wide:ty: $($t:ty),+) => {$(
        impl Text for $t {
            fn write_text(&self, out: &mut Out<'_>) {
                $write(*self as $wide, out);
            }
        }
    )+};
}
integers!(unsigned as u64: u8, u16, u32, u64, usize);
integers!(signed as i64: i8, i16, i32, i64, isize);

/// The shortest text that reads back as the same `f64`: integral values below 10^16 as
/// integers (`3`, `-0` as `0`, as JavaScript writes them), others as the `ryu` crate writes
/// them (`0.1`, `1.5e-7`, `1e16`), and `NaN`, `inf`, `-inf`. A Worker that formats only
/// integral values (milliseconds since the epoch) links none of `ryu`'s tables when it writes
/// `n as i64`; this impl links them (a fraction of `core::fmt`'s float formatting: measured
/// once in a one-function module, README "Dependencies").
impl Text for f64 {
    fn write_text(&self, out: &mut Out<'_>) {
        let n = *self;
        if n.abs() < 1e16 && (n as i64) as f64 == n {
            signed(n as i64, out); // (-0.0 as i64 is 0)
        } else if n.is_nan() {
            out.str("NaN");
        } else if n.is_infinite() {
            out.str(if n < 0.0 { "-inf" } else { "inf" });
        } else {
            out.str(ryu::Buffer::new().format_finite(n));
        }
    }
}

/// `n` in decimal with zeros before it up to `width` digits: `zero_padded(7, 3)` is `007`,
/// as `{n:03}` writes it (a wider `n` is written whole).
pub fn zero_padded(n: u64, width: usize) -> ZeroPadded {
    ZeroPadded { n, width }
}

/// What [`zero_padded`] returns: a [`Text`].
#[derive(Clone, Copy, Debug)]
pub struct ZeroPadded {
    n: u64,
    width: usize,
}

impl Text for ZeroPadded {
    fn write_text(&self, out: &mut Out<'_>) {
        let mut digits = [0; 20];
        let text = decimal(self.n, &mut digits);
        for _ in text.len()..self.width {
            out.str("0");
        }
        out.str(text);
    }
}

macro_rules! tuples {
    ($(($($name:ident),+))+) => {$(
        impl<$($name: Text),+> Text for ($($name,)+) {
            #[allow(non_snake_case)]
            fn write_text(&self, out: &mut Out<'_>) {
                let ($($name,)+) = self;
                $($name.write_text(out);)+
            }
        }
    )+};
}
tuples! {
    (A)
    (A, B)
    (A, B, C)
    (A, B, C, D)
    (A, B, C, D, E)
    (A, B, C, D, E, F)
    (A, B, C, D, E, F, G)
    (A, B, C, D, E, F, G, H)
    (A, B, C, D, E, F, G, H, I)
    (A, B, C, D, E, F, G, H, I, J)
    (A, B, C, D, E, F, G, H, I, J, K)
    (A, B, C, D, E, F, G, H, I, J, K, L)
    (A, B, C, D, E, F, G, H, I, J, K, L, M)
    (A, B, C, D, E, F, G, H, I, J, K, L, M, N)
    (A, B, C, D, E, F, G, H, I, J, K, L, M, N, O)
    (A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P)
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::format;

    fn text(pieces: &dyn Text) -> std::string::String {
        let mut buffer = [0u8; 128];
        in_buffer(&mut buffer, pieces).unwrap().into()
    }

    #[test]
    fn integers_match_core_fmt() {
        for n in [0u64, 1, 9, 10, 99, 100, 12345, u32::MAX as u64, u64::MAX] {
            assert_eq!(text(&n), format!("{n}"));
        }
        for n in [0i64, -1, 1, -10, 42, i64::MIN, i64::MAX] {
            assert_eq!(text(&n), format!("{n}"));
        }
        assert_eq!(
            text(&(u8::MAX, i8::MIN, u16::MAX, i16::MIN, -7i32, 7usize, -7isize)),
            "255-12865535-32768-77-7"
        );
    }

    #[test]
    fn floats_read_back_as_themselves() {
        assert_eq!(text(&1_700_000_000_123.0f64), "1700000000123");
        assert_eq!(text(&-0.0f64), "0");
        assert_eq!(text(&-3.0f64), "-3");
        assert_eq!(text(&0.1f64), "0.1");
        assert_eq!(text(&1.5e-7f64), "1.5e-7");
        assert_eq!(text(&1e16f64), "1e16");
        assert_eq!(text(&f64::NAN), "NaN");
        assert_eq!(text(&f64::INFINITY), "inf");
        assert_eq!(text(&f64::NEG_INFINITY), "-inf");
        for n in [
            0.1f64,
            2.5,
            -1234.5678,
            1e-300,
            6.02214076e23,
            f64::MAX,
            f64::MIN_POSITIVE,
            9007199254740993.0,
        ] {
            assert_eq!(text(&n).parse::<f64>().unwrap(), n, "{n}");
        }
    }

    #[test]
    fn zero_padding_is_width_digits() {
        assert_eq!(text(&zero_padded(7, 3)), format!("{:03}", 7));
        assert_eq!(text(&zero_padded(1234, 3)), "1234");
        assert_eq!(text(&zero_padded(0, 0)), "0");
        assert_eq!(
            text(&zero_padded(1_700_000_000_000, 15)),
            format!("{:015}", 1_700_000_000_000u64)
        );
    }

    #[test]
    fn pieces_write_in_order() {
        let name = std::string::String::from("é");
        let name = name.as_str();
        assert_eq!(text(&("a", name, 'ß', true, false, ("x", 1u8))), "aéßtruefalsex1");
        assert_eq!(len(&("a", name, 'ß')), 5);
    }

    #[test]
    fn what_does_not_fit_is_counted_and_refused() {
        let mut small = [0u8; 4];
        let mut out = Out::new(&mut small);
        write(&mut out, &("abc", "def", "g"));
        assert_eq!(out.len(), 7);
        assert_eq!(out.finish(), None);
        // A short piece after one that did not fit is not written into the gap.
        let mut fresh = [0u8; 4];
        let mut out = Out::new(&mut fresh);
        write(&mut out, &("ab", "cde", "f"));
        assert_eq!(fresh, [b'a', b'b', 0, 0]);
        let mut exact = [0u8; 3];
        assert_eq!(in_buffer(&mut exact, &("a", 12u8)), Some("a12"));
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn text_macro_sizes_its_string() {
        let (queue, attempts) = (std::string::String::from("jobs"), 2u32);
        let line = crate::text!("queue=", queue, " attempts=", attempts, "\n");
        assert_eq!(line, "queue=jobs attempts=2\n");
        assert_eq!(line.capacity(), line.len());
        assert_eq!(queue, "jobs"); // (taken by reference)
    }

    #[test]
    fn text_in_writes_into_the_request_or_says_too_large() {
        crate::tests::with_request(|request| {
            assert_eq!(crate::text_in!(request, "n=", 42u32).ok(), Some("n=42"));
            let long = [&"0123456789"; 8];
            let error =
                crate::text_in!(request, long[0], long[1], long[2], long[3], long[4], long[5], long[6], long[7]);
            let error = error.unwrap_err();
            assert_eq!(error.kind(), crate::error::Kind::TooLarge);
        });
    }
}
