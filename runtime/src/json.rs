//! JSON without an allocator: a [`Writer`] into a buffer the handler owns (e.g.
//! [`Request::scratch`](crate::Request::scratch)) that escapes correctly, and a reader that
//! validates a document once ([`parse`]) and then reads values out of it in place.
//!
//! ```
//! use tinyworker::json;
//!
//! let doc = json::parse(r#"{"name":"Ada \u00e9","tags":["a","b"],"n":-1.5e3}"#).unwrap();
//! let mut buffer = [0u8; 64];
//! assert_eq!(doc.get("name").unwrap().str(&mut buffer), Ok("Ada é"));
//! assert_eq!(doc.get("n").and_then(|n| n.f64()), Some(-1500.0));
//! assert_eq!(doc.get("tags").unwrap().items().count(), 2);
//!
//! let mut out = [0u8; 64];
//! let mut w = json::Writer::new(&mut out);
//! w.begin_object();
//! w.key("quote").string("say \"hi\"\n");
//! w.key("ids").begin_array();
//! w.u64(1).i64(-2);
//! w.end_array();
//! w.end_object();
//! assert_eq!(w.finish(), Ok(r#"{"quote":"say \"hi\"\n","ids":[1,-2]}"#));
//! ```

/// Why a document is not JSON, or a buffer too small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// Not JSON: the byte offset where reading stopped.
    Invalid(usize),
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// The buffer is too small for what is written or decoded.
    Full,
}

/// How deeply arrays and objects may nest (in [`parse`] and in a [`Writer`]).
pub const MAX_DEPTH: usize = 64;

/// The kind of a [`Value`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `null`
    Null,
    /// `true` or `false`
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

/// One value of a document [`parse`] validated: its text, read in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Value<'a> {
    text: &'a str,
}

/// Validates `text` as one JSON document (RFC 8259; whitespace around it allowed) and answers
/// its value.
pub fn parse(text: &str) -> Result<Value<'_>, Error> {
    let bytes = text.as_bytes();
    let start = skip_space(bytes, 0);
    let end = scan(bytes, start, 0)?;
    if skip_space(bytes, end) != bytes.len() {
        return Err(Error::Invalid(skip_space(bytes, end)));
    }
    Ok(Value {
        text: text.get(start..end).unwrap_or("null"),
    })
}

fn skip_space(b: &[u8], mut at: usize) -> usize {
    while matches!(b.get(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

/// The end of the value that starts at `at` (no space before it), checking it all.
fn scan(b: &[u8], at: usize, depth: usize) -> Result<usize, Error> {
    let invalid = Err(Error::Invalid(at));
    match b.get(at) {
        Some(b'{') | Some(b'[') => {
            if depth == MAX_DEPTH {
                return Err(Error::TooDeep);
            }
            let object = b.get(at) == Some(&b'{');
            let close = if object { b'}' } else { b']' };
            let mut i = skip_space(b, at + 1);
            if b.get(i) == Some(&close) {
                return Ok(i + 1);
            }
            loop {
                if object {
                    if b.get(i) != Some(&b'"') {
                        return Err(Error::Invalid(i));
                    }
                    i = skip_space(b, scan_string(b, i)?);
                    if b.get(i) != Some(&b':') {
                        return Err(Error::Invalid(i));
                    }
                    i = skip_space(b, i + 1);
                }
                i = skip_space(b, scan(b, i, depth + 1)?);
                match b.get(i) {
                    Some(b',') => i = skip_space(b, i + 1),
                    Some(&c) if c == close => return Ok(i + 1),
                    _ => return Err(Error::Invalid(i)),
                }
            }
        }
        Some(b'"') => scan_string(b, at),
        Some(b't') => literal(b, at, b"true"),
        Some(b'f') => literal(b, at, b"false"),
        Some(b'n') => literal(b, at, b"null"),
        Some(b'-' | b'0'..=b'9') => scan_number(b, at),
        _ => invalid,
    }
}

fn literal(b: &[u8], at: usize, word: &[u8]) -> Result<usize, Error> {
    match b.get(at..at + word.len()) {
        Some(w) if w == word => Ok(at + word.len()),
        _ => Err(Error::Invalid(at)),
    }
}

fn scan_number(b: &[u8], at: usize) -> Result<usize, Error> {
    let digits = |mut i: usize| {
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i, i > start)
    };
    let mut i = at + usize::from(b.get(at) == Some(&b'-'));
    // An integer part: 0, or a digit 1-9 and more digits.
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(i).0,
        _ => return Err(Error::Invalid(i)),
    }
    if b.get(i) == Some(&b'.') {
        let (end, any) = digits(i + 1);
        if !any {
            return Err(Error::Invalid(end));
        }
        i = end;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let (end, any) = digits(i);
        if !any {
            return Err(Error::Invalid(end));
        }
        i = end;
    }
    Ok(i)
}

/// The end of the string that starts at `at` (its opening quote), checking its escapes and
/// that it holds no control character.
fn scan_string(b: &[u8], at: usize) -> Result<usize, Error> {
    let mut i = at + 1;
    loop {
        match b.get(i) {
            Some(b'"') => return Ok(i + 1),
            Some(b'\\') => match b.get(i + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                Some(b'u') if b.get(i + 2..i + 6).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) => i += 6,
                _ => return Err(Error::Invalid(i)),
            },
            Some(0..=0x1f) | None => return Err(Error::Invalid(i)),
            Some(_) => i += 1,
        }
    }
}

impl<'a> Value<'a> {
    /// Its kind.
    pub fn kind(&self) -> Kind {
        match self.text.as_bytes().first().copied().unwrap_or(b'n') {
            b'n' => Kind::Null,
            b't' | b'f' => Kind::Bool,
            b'"' => Kind::String,
            b'[' => Kind::Array,
            b'{' => Kind::Object,
            _ => Kind::Number,
        }
    }

    /// Its JSON text, as in the document.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Whether it is `null`.
    pub fn is_null(&self) -> bool {
        self.kind() == Kind::Null
    }

    /// `true` or `false`; `None` for another kind.
    pub fn bool(&self) -> Option<bool> {
        match self.text {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    /// A number as `f64` (the nearest); `None` for another kind.
    pub fn f64(&self) -> Option<f64> {
        (self.kind() == Kind::Number).then(|| self.text.parse().ok()).flatten()
    }

    /// A number that is an integer within `i64` (no fraction or exponent); `None` otherwise.
    pub fn i64(&self) -> Option<i64> {
        (self.kind() == Kind::Number).then(|| self.text.parse().ok()).flatten()
    }

    /// A number that is an integer within `u64`; `None` otherwise.
    pub fn u64(&self) -> Option<u64> {
        (self.kind() == Kind::Number).then(|| self.text.parse().ok()).flatten()
    }

    /// A string's contents as written (escapes not decoded); `None` for another kind. Equal to
    /// the text when it holds no `\`.
    pub fn raw_str(&self) -> Option<&'a str> {
        (self.kind() == Kind::String)
            .then(|| self.text.get(1..self.text.len() - 1))
            .flatten()
    }

    /// A string decoded into the request's memory, sized by it (decoded text is never longer
    /// than its JSON): `Err(Full)` only when that memory is exhausted.
    pub fn str_in<'r>(&self, request: &crate::Request<'r>) -> Result<&'r str, Error> {
        let raw = self.raw_str().ok_or(Error::Invalid(0))?;
        self.str(request.scratch(raw.len()).ok_or(Error::Full)?)
    }

    /// A string decoded into `buffer` (escapes, `\u` surrogate pairs): `Err(Full)` when it does
    /// not fit, `Err(Invalid)` for another kind or a lone surrogate.
    pub fn str<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b str, Error> {
        let raw = self.raw_str().ok_or(Error::Invalid(0))?.as_bytes();
        let mut len = 0;
        let mut put = |bytes: &[u8]| {
            let slot = buffer.get_mut(len..len + bytes.len()).ok_or(Error::Full)?;
            slot.copy_from_slice(bytes);
            len += bytes.len();
            Ok(())
        };
        let mut i = 0;
        while i < raw.len() {
            let rest = raw.get(i..).unwrap_or_default();
            let run = rest.iter().position(|&c| c == b'\\').unwrap_or(rest.len());
            put(rest.get(..run).unwrap_or_default())?;
            i += run;
            if i == raw.len() {
                break;
            }
            let escaped = match raw.get(i + 1).copied().unwrap_or(b'\\') {
                b'b' => 8,
                b'f' => 12,
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'u' => {
                    let unit = |at: usize| {
                        raw.get(at..at + 4)
                            .and_then(|h| u32::from_str_radix(crate::utf8::str_of(h)?, 16).ok())
                    };
                    let mut code = unit(i + 2).ok_or(Error::Invalid(i))?;
                    i += 6;
                    if (0xD800..0xDC00).contains(&code) {
                        // A high surrogate: a low one must follow.
                        let low = (raw.get(i..i + 2) == Some(b"\\u")).then(|| unit(i + 2)).flatten();
                        let low = low.filter(|l| (0xDC00..0xE000).contains(l)).ok_or(Error::Invalid(i))?;
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                        i += 6;
                    }
                    let c = char::from_u32(code).ok_or(Error::Invalid(i))?;
                    put(c.encode_utf8(&mut [0; 4]).as_bytes())?;
                    continue;
                }
                other => other, // " \ /
            };
            put(&[escaped])?;
            i += 2;
        }
        // (The input was UTF-8 and every escape wrote a whole char.)
        crate::utf8::str_of(buffer.get(..len).unwrap_or_default()).ok_or(Error::Invalid(0))
    }

    /// An array's items, or an object's values in order (none for another kind).
    pub fn items(&self) -> Members<'a> {
        Members::new(*self)
    }

    /// An object's members as (raw key, value): keys as written, escapes not decoded.
    pub fn entries(&self) -> impl Iterator<Item = (&'a str, Value<'a>)> {
        let mut members = Members::new(*self);
        core::iter::from_fn(move || members.next_entry())
    }

    /// The value of member `key` of an object (compared with the keys as written; the first if it
    /// repeats); `None` for another kind.
    pub fn get(&self, key: &str) -> Option<Value<'a>> {
        if self.kind() != Kind::Object {
            return None;
        }
        self.entries().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Item `index` of an array; `None` beyond its end or for another kind.
    pub fn at(&self, index: usize) -> Option<Value<'a>> {
        if self.kind() != Kind::Array {
            return None;
        }
        self.items().nth(index)
    }
}

/// The members of an array or an object of a validated document, in order.
#[derive(Debug, Clone)]
pub struct Members<'a> {
    text: &'a str,
    at: usize,
    object: bool,
}

impl<'a> Members<'a> {
    fn new(value: Value<'a>) -> Self {
        let kind = value.kind();
        let at = if matches!(kind, Kind::Array | Kind::Object) {
            1
        } else {
            value.text.len()
        };
        Self {
            text: value.text,
            at,
            object: kind == Kind::Object,
        }
    }

    fn next_entry(&mut self) -> Option<(&'a str, Value<'a>)> {
        let b = self.text.as_bytes();
        let mut i = skip_space(b, self.at);
        if matches!(b.get(i), Some(b']' | b'}') | None) {
            self.at = b.len();
            return None;
        }
        let mut key = "";
        if self.object {
            // (Validated: a string, a colon.)
            let end = scan_string(b, i).ok()?;
            key = self.text.get(i + 1..end - 1)?;
            i = skip_space(b, skip_space(b, end) + 1);
        }
        let end = scan(b, i, 0).ok()?;
        let value = Value {
            text: self.text.get(i..end)?,
        };
        let next = skip_space(b, end);
        self.at = if b.get(next) == Some(&b',') { next + 1 } else { next };
        Some((key, value))
    }
}

impl<'a> Iterator for Members<'a> {
    type Item = Value<'a>;
    fn next(&mut self) -> Option<Value<'a>> {
        self.next_entry().map(|(_, v)| v)
    }
}

/// Writes one JSON document into a buffer: values, arrays and objects, commas and escapes
/// placed by the writer. Running out of room, or ending what was not begun, is remembered and
/// answered by [`finish`](Self::finish); the calls chain.
#[derive(Debug)]
pub struct Writer<'b> {
    buffer: &'b mut [u8],
    len: usize,
    /// Per nesting level (bit = depth): a value was written at that level (a comma is due).
    written: u64,
    depth: usize,
    /// A key was just written (its value needs no comma).
    after_key: bool,
    /// The first mistake of structure (an end without its begin, too deep).
    error: Option<Error>,
}

impl<'b> Writer<'b> {
    /// A writer into `buffer`.
    pub fn new(buffer: &'b mut [u8]) -> Self {
        Self {
            buffer,
            len: 0,
            written: 0,
            depth: 0,
            after_key: false,
            error: None,
        }
    }

    /// Writes `bytes`; past the buffer's end, only counts them ([`Writer::len`]: the buffer
    /// ran out when it is longer than the buffer, and once past, nothing fits again).
    fn put(&mut self, bytes: &[u8]) {
        if let Some(slot) = self.buffer.get_mut(self.len..self.len + bytes.len()) {
            slot.copy_from_slice(bytes);
        }
        self.len += bytes.len();
    }

    /// The bytes the document takes so far, counted on past the buffer's end (what a buffer
    /// for all of it needs).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Before a value: the comma after an earlier sibling.
    fn value(&mut self) {
        if !core::mem::take(&mut self.after_key) {
            let bit = 1u64 << self.depth;
            if self.written & bit != 0 {
                self.put(b",");
            }
            self.written |= bit;
        }
    }

    fn open(&mut self, bracket: u8) -> &mut Self {
        self.value();
        self.put(&[bracket]);
        if self.depth + 1 >= MAX_DEPTH {
            self.error = self.error.or(Some(Error::TooDeep));
        } else {
            self.depth += 1;
            self.written &= !(1u64 << self.depth);
        }
        self
    }

    fn close(&mut self, bracket: u8) -> &mut Self {
        if self.depth == 0 {
            self.error = self.error.or(Some(Error::Invalid(self.len)));
        } else {
            self.depth -= 1;
        }
        self.put(&[bracket]);
        self
    }

    /// `[`
    pub fn begin_array(&mut self) -> &mut Self {
        self.open(b'[')
    }
    /// `]`
    pub fn end_array(&mut self) -> &mut Self {
        self.close(b']')
    }
    /// `{`
    pub fn begin_object(&mut self) -> &mut Self {
        self.open(b'{')
    }
    /// `}`
    pub fn end_object(&mut self) -> &mut Self {
        self.close(b'}')
    }

    /// A member's key (then its value).
    pub fn key(&mut self, key: &str) -> &mut Self {
        self.string(key);
        self.put(b":");
        self.after_key = true;
        self
    }

    /// A string, escaped: `"` `\` and control characters (as `\n`, `\t`, ... or `\u00XX`).
    pub fn string(&mut self, s: &str) -> &mut Self {
        self.string_of(&[s])
    }

    /// One string made of `parts` in order, each escaped: text composed without a buffer of
    /// its own (`w.string_of(&[greeting, ", ", name])`).
    pub fn string_of(&mut self, parts: &[&str]) -> &mut Self {
        self.value();
        self.put(b"\"");
        for part in parts {
            self.escaped(part.as_bytes());
        }
        self.put(b"\"");
        self
    }

    /// `bytes` (UTF-8) with `"` `\` and control characters escaped.
    fn escaped(&mut self, bytes: &[u8]) {
        let mut start = 0;
        for (i, &c) in bytes.iter().enumerate() {
            let escape: &[u8] = match c {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0..=0x1f => b"",
                _ => continue,
            };
            self.put(bytes.get(start..i).unwrap_or_default());
            if escape.is_empty() {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                self.put(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(c >> 4 & 15)],
                    HEX[usize::from(c & 15)],
                ]);
            } else {
                self.put(escape);
            }
            start = i + 1;
        }
        self.put(bytes.get(start..).unwrap_or_default());
    }

    /// An unsigned integer.
    pub fn u64(&mut self, n: u64) -> &mut Self {
        self.value();
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut rest = n;
        loop {
            at -= 1;
            if let Some(slot) = digits.get_mut(at) {
                *slot = b'0' + (rest % 10) as u8;
            }
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        self.put(digits.get(at..).unwrap_or_default());
        self
    }

    /// A signed integer.
    pub fn i64(&mut self, n: i64) -> &mut Self {
        if n < 0 {
            self.value();
            self.put(b"-");
            self.after_key = true; // (the digits belong to this value)
        }
        self.u64(n.unsigned_abs())
    }

    /// A number (the shortest text that reads back as `n`); `null` for NaN and the infinities,
    /// which JSON cannot write. Costs `core::fmt`'s float formatting in the module.
    pub fn f64(&mut self, n: f64) -> &mut Self {
        if !n.is_finite() {
            return self.null();
        }
        self.value();
        // As JavaScript writes numbers: plain from 1e-6 up to 1e21, else with an exponent (the
        // longest plain form then fits the 32 bytes: 17 digits, 6 zeros, sign and point).
        let mut text = FmtBuffer { bytes: [0; 32], len: 0 };
        let plain = n == 0.0 || (1e-6..1e21).contains(&n.abs());
        let written = if plain {
            core::fmt::write(&mut text, format_args!("{n}"))
        } else {
            core::fmt::write(&mut text, format_args!("{n:e}"))
        };
        match written {
            Ok(()) => self.put(text.bytes.get(..text.len).unwrap_or_default()),
            Err(_) => self.error = self.error.or(Some(Error::Full)),
        }
        self
    }

    /// `true` or `false`.
    pub fn bool(&mut self, b: bool) -> &mut Self {
        self.value();
        self.put(if b { b"true" } else { b"false" });
        self
    }

    /// `null`
    pub fn null(&mut self) -> &mut Self {
        self.value();
        self.put(b"null");
        self
    }

    /// Text that is JSON already (e.g. a [`Value::text`]), as it is.
    pub fn raw(&mut self, json: &str) -> &mut Self {
        self.value();
        self.put(json.as_bytes());
        self
    }

    /// The document, or what went wrong: the first mistake of structure ([`Error::Invalid`]
    /// when an end did not match a begin or one was left open, [`Error::TooDeep`]), else
    /// [`Error::Full`] when the buffer ran out ([`Writer::len`] then says what it needs).
    pub fn finish(self) -> Result<&'b str, Error> {
        match self.error {
            Some(e) => Err(e),
            None if self.depth != 0 => Err(Error::Invalid(self.len)),
            None if self.len > self.buffer.len() => Err(Error::Full),
            // (Only whole UTF-8 strings and ASCII were written.)
            None => crate::utf8::str_of(self.buffer.get(..self.len).unwrap_or_default()).ok_or(Error::Invalid(0)),
        }
    }
}

/// A JSON document written by `write` into the request's memory, sized exactly: `write` runs
/// twice, once to count the bytes and once to write them, so it must write the same document
/// each time (read what it needs before). `Err`: [`Kind::TooLarge`](crate::error::Kind) with
/// the figure when the request's memory has no room for it, an internal error when an end did
/// not match its begin or the document nests deeper than [`MAX_DEPTH`].
///
/// ```
/// # fn f<'a>(request: &tinyworker::Request<'a>) -> Result<tinyworker::Response<'a>, tinyworker::Error> {
/// let path = request.path();
/// let body = tinyworker::json::write_in(request, |w| {
///     w.begin_object().key("path").string(path).key("n").u64(3).end_object();
/// })?;
/// Ok(tinyworker::Response::json(200, body))
/// # }
/// ```
pub fn write_in<'a>(request: &crate::Request<'a>, write: impl Fn(&mut Writer<'_>)) -> Result<&'a str, crate::Error> {
    write_in_dyn(request, &write)
}

/// [`write_in`], one copy for every document.
fn write_in_dyn<'a>(request: &crate::Request<'a>, write: &dyn Fn(&mut Writer<'_>)) -> Result<&'a str, crate::Error> {
    let mut counting = Writer::new(&mut []);
    write(&mut counting);
    let needed = match counting.error {
        None if counting.depth == 0 => counting.len,
        _ => {
            return Err(crate::Error::internal(
                "a JSON document with an unmatched end or nested too deep",
            ))
        }
    };
    let buffer = request.scratch(needed).ok_or(crate::Error::too_large(
        "a JSON document past the request's memory",
        needed,
    ))?;
    let mut writer = Writer::new(buffer);
    write(&mut writer);
    writer
        .finish()
        .map_err(|_| crate::Error::internal("a JSON document that changed between its two writes"))
}

/// A float's text, for `core::fmt` (32 bytes hold any f64's shortest form).
struct FmtBuffer {
    bytes: [u8; 32],
    len: usize,
}

impl core::fmt::Write for FmtBuffer {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let slot = self
            .bytes
            .get_mut(self.len..self.len + s.len())
            .ok_or(core::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len += s.len();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_in_sizes_the_document_exactly_in_the_request() {
        crate::tests::with_request(|request| {
            let first = write_in(request, |w| {
                w.begin_object().key("a").string("é\"").key("n").u64(42).end_object();
            });
            assert_eq!(first, Ok(r#"{"a":"é\"","n":42}"#));
            let second = write_in(request, |w| {
                w.begin_array().bool(true).end_array();
            });
            assert_eq!(
                (first, second),
                (Ok(r#"{"a":"é\"","n":42}"#), Ok("[true]")),
                "both live as long as the request"
            );
            let long = write_in(request, |w| {
                w.string("0123456789012345678901234567890123456789");
            })
            .unwrap_err();
            assert_eq!((long.kind(), long.needed()), (crate::error::Kind::TooLarge, Some(42)));
            assert_eq!(
                write_in(request, |w| {
                    w.null();
                }),
                Ok("null"),
                "nothing was taken by the failure"
            );
            // A mistake of structure is the Worker's own: an internal error, found while counting.
            for broken in [
                (|w: &mut Writer<'_>| {
                    w.begin_object().end_object().end_object();
                }) as fn(&mut Writer<'_>),
                |w| {
                    w.begin_array();
                },
            ] {
                assert_eq!(
                    write_in(request, broken).unwrap_err().kind(),
                    crate::error::Kind::Internal
                );
            }
        });
    }

    #[test]
    fn a_full_writer_counts_on_and_reports_structure_first() {
        let mut small = [0u8; 4];
        let mut w = Writer::new(&mut small);
        w.begin_array().string("long").end_array();
        assert_eq!(w.len(), 8);
        assert_eq!(w.finish(), Err(Error::Full));
        let mut w = Writer::new(&mut small);
        w.begin_array().string("long").end_array().end_array();
        assert_eq!(
            w.finish(),
            Err(Error::Invalid(8)),
            "the unmatched end, not the full buffer"
        );
    }

    fn write(f: impl FnOnce(&mut Writer<'_>)) -> std::string::String {
        let mut buffer = [0u8; 256];
        let mut w = Writer::new(&mut buffer);
        f(&mut w);
        w.finish()
            .map(std::string::String::from)
            .unwrap_or_else(|e| std::format!("{e:?}"))
    }

    #[test]
    fn writes_escapes_numbers_and_nesting() {
        assert_eq!(
            write(|w| {
                w.string("a\"b\\c\n\t\u{1}é😀");
            }),
            r#""a\"b\\c\n\t\u0001é😀""#
        );
        assert_eq!(
            write(|w| {
                w.begin_array()
                    .i64(i64::MIN)
                    .u64(u64::MAX)
                    .i64(0)
                    .f64(1.5)
                    .f64(f64::NAN);
                w.f64(1e300).f64(-2.5e-7).f64(1e20).f64(0.1).f64(-0.0).end_array();
            }),
            "[-9223372036854775808,18446744073709551615,0,1.5,null,1e300,-2.5e-7,100000000000000000000,0.1,-0]"
        );
        assert_eq!(
            write(|w| {
                w.begin_object()
                    .key("a")
                    .begin_array()
                    .begin_object()
                    .end_object()
                    .begin_array()
                    .end_array()
                    .end_array();
                w.key("b").bool(true).key("c").null().key("d").raw("[1]").end_object();
            }),
            r#"{"a":[{},[]],"b":true,"c":null,"d":[1]}"#
        );
        assert_eq!(
            write(|w| {
                w.begin_object().key("k").i64(-3).key("j").i64(4).end_object();
            }),
            r#"{"k":-3,"j":4}"#
        );
        // One string of parts, each escaped; none is a string of its own.
        assert_eq!(
            write(|w| {
                w.begin_array()
                    .string_of(&["a\"", "", "\n", "b"])
                    .string_of(&[])
                    .end_array();
            }),
            r#"["a\"\nb",""]"#
        );
        // What a reader reads back.
        let mut text = [0u8; 64];
        let mut w = Writer::new(&mut text);
        w.string("x\u{0}\u{1f}\"\\/é");
        let written = w.finish().unwrap_or("");
        let mut buffer = [0u8; 64];
        assert_eq!(
            parse(written).and_then(|v| v.str(&mut buffer)),
            Ok("x\u{0}\u{1f}\"\\/é")
        );
    }

    #[test]
    fn writer_errors_are_values() {
        let mut small = [0u8; 4];
        let mut w = Writer::new(&mut small);
        w.string("too long");
        assert_eq!(w.finish(), Err(Error::Full));
        assert_eq!(
            write(|w| {
                w.begin_array();
            }),
            "Invalid(1)",
            "left open"
        );
        assert_eq!(
            write(|w| {
                w.end_array();
            }),
            "Invalid(0)",
            "never begun"
        );
    }

    #[test]
    fn reads_values_in_place() {
        let doc =
            parse(" {\"a\": [1, -2.5e1, true, null, \"x\"], \"b\": {\"c\": \"\\u00e9\\ud83d\\ude00\\n\"}, \"a\": 0} ");
        let doc = doc.unwrap_or(Value { text: "null" });
        let a = doc.get("a").unwrap_or(doc);
        assert_eq!(a.kind(), Kind::Array, "the first of a repeated key");
        assert_eq!(a.items().count(), 5);
        assert_eq!(a.at(0).and_then(|v| v.i64()), Some(1));
        assert_eq!(a.at(1).and_then(|v| v.f64()), Some(-25.0));
        assert_eq!(a.at(1).and_then(|v| v.i64()), None, "not an integer");
        assert_eq!(a.at(2).and_then(|v| v.bool()), Some(true));
        assert!(a.at(3).is_some_and(|v| v.is_null()));
        assert_eq!(a.at(4).and_then(|v| v.raw_str()), Some("x"));
        assert_eq!(a.at(5), None);
        let mut buffer = [0u8; 16];
        let c = doc.get("b").and_then(|b| b.get("c"));
        assert_eq!(c.map(|c| c.str(&mut buffer)), Some(Ok("é😀\n")));
        let mut small = [0u8; 3];
        assert_eq!(c.map(|c| c.str(&mut small)), Some(Err(Error::Full)));
        assert_eq!(
            doc.entries().map(|(k, _)| k).collect::<std::vec::Vec<_>>(),
            ["a", "b", "a"]
        );
        assert_eq!(parse("18446744073709551615").ok().and_then(|v| v.u64()), Some(u64::MAX));
        assert_eq!(parse("[]").map(|v| v.items().count()), Ok(0));
    }

    #[test]
    fn invalid_input_is_an_error_value() {
        for (text, at) in [
            ("", 0),
            ("{", 1),
            ("[1,]", 3),
            ("{\"a\" 1}", 5),
            ("01", 1),
            ("1.", 2),
            ("-", 1),
            ("1e", 2),
            ("\"\\x\"", 1),
            ("\"\\u12g4\"", 1),
            ("\"a\nb\"", 2),
            ("tru", 0),
            ("[1] x", 4),
            ("{\"a\":1,}", 7),
            ("{1:2}", 1),
        ] {
            assert_eq!(parse(text), Err(Error::Invalid(at)), "{text:?}");
        }
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(parse(&deep), Err(Error::TooDeep));
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
        // A lone surrogate reads as an error, not as garbage.
        let mut buffer = [0u8; 8];
        assert_eq!(
            parse("\"\\ud800\"").and_then(|v| v.str(&mut buffer)),
            Err(Error::Invalid(6))
        );
    }
}
