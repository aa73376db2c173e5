//! The handler's view of HTTP: a borrowed `Request` and a `Response` that borrows its
//! headers and body (or keeps a small number inline, or owns a heap body with `alloc`).

use core::marker::PhantomData;

/// A request as the handler sees it: every part borrows the runtime's I/O buffer.
///
/// The head (method, URL, headers) is validated as UTF-8 where it is read, so a handler
/// that never reads it links no validator. glue.js always sends UTF-8 (it encodes with
/// `TextEncoder`); bytes that are not (only possible by calling the ABI directly) read as
/// an empty string. The body is raw bytes.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    method: &'a [u8],
    url: &'a [u8],
    headers: &'a [u8],
    body: &'a [u8],
}

/// `bytes` as a str, or "" when they are not UTF-8.
fn text(bytes: &[u8]) -> &str {
    if crate::utf8::is_utf8(bytes) {
        // SAFETY: just validated.
        unsafe { core::str::from_utf8_unchecked(bytes) }
    } else {
        ""
    }
}

impl<'a> Request<'a> {
    /// A request from its parts. `headers` holds one `name:value` per line, separated by
    /// `\n`, names lower-case (the form glue.js writes).
    pub const fn new(method: &'a str, url: &'a str, headers: &'a str, body: &'a [u8]) -> Self {
        Self::from_bytes(method.as_bytes(), url.as_bytes(), headers.as_bytes(), body)
    }

    /// A request from raw parts, as they arrive from the glue.
    pub const fn from_bytes(method: &'a [u8], url: &'a [u8], headers: &'a [u8], body: &'a [u8]) -> Self {
        Self {
            method,
            url,
            headers,
            body,
        }
    }

    /// The method, e.g. `GET`.
    pub fn method(&self) -> &'a str {
        text(self.method)
    }

    /// The full URL, e.g. `https://example.com/a/b?x=1`.
    pub fn url(&self) -> &'a str {
        text(self.url)
    }

    /// The path of the URL without query or fragment, e.g. `/a/b` (`/` when empty).
    /// (Written without panicking slicing: a handler that never panics links no `core::fmt`.)
    pub fn path(&self) -> &'a str {
        let url = self.url();
        // The byte search below avoids the two-way substring searcher (~500 B).
        let scheme_end = url.as_bytes().windows(3).position(|w| w == b"://");
        let rest = match scheme_end.and_then(|i| url.get(i + 3..)) {
            Some(after) => after.find(['/', '?', '#']).and_then(|i| after.get(i..)).unwrap_or(""),
            None => url,
        };
        let path = rest.find(['?', '#']).and_then(|i| rest.get(..i)).unwrap_or(rest);
        if path.is_empty() {
            "/"
        } else {
            path
        }
    }

    /// The query string without `?`, if the URL has one.
    pub fn query(&self) -> Option<&'a str> {
        let (_, rest) = self.url().split_once('?')?;
        Some(rest.split_once('#').map_or(rest, |(query, _)| query))
    }

    /// The first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// All headers as `(name, value)` pairs, in the order the request carried them.
    pub fn headers(&self) -> impl Iterator<Item = (&'a str, &'a str)> {
        text(self.headers).split('\n').filter_map(|line| line.split_once(':'))
    }

    /// The body bytes (empty when the request has none).
    pub fn body(&self) -> &'a [u8] {
        self.body
    }
}

/// One response header. `#[repr(C)]` so the glue reads it as four u32 words on wasm32:
/// name ptr, name len, value ptr, value len.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Header<'a> {
    name: *const u8,
    name_len: usize,
    value: *const u8,
    value_len: usize,
    _borrow: PhantomData<&'a str>,
}

impl<'a> Header<'a> {
    /// A header; usable in consts: `const H: &[Header] = &[Header::new("x-a", "1")];`.
    pub const fn new(name: &'a str, value: &'a str) -> Self {
        Self {
            name: name.as_ptr(),
            name_len: name.len(),
            value: value.as_ptr(),
            value_len: value.len(),
            _borrow: PhantomData,
        }
    }

    /// The header's name.
    pub fn name(&self) -> &'a str {
        // SAFETY: built by `new` from a `&'a str`; the PhantomData ties it to 'a.
        unsafe { core::str::from_utf8_unchecked(core::slice::from_raw_parts(self.name, self.name_len)) }
    }

    /// The header's value.
    pub fn value(&self) -> &'a str {
        // SAFETY: built by `new` from a `&'a str`; the PhantomData ties it to 'a.
        unsafe { core::str::from_utf8_unchecked(core::slice::from_raw_parts(self.value, self.value_len)) }
    }
}

/// `content-type: text/plain; charset=utf-8`, the header `Response::text` sets.
pub const TEXT_PLAIN: &[Header<'static>] = &[Header::new("content-type", "text/plain; charset=utf-8")];

/// Bytes a number needs in decimal (u64::MAX has 20 digits).
const INLINE_CAPACITY: usize = 20;

/// A response body.
#[derive(Debug)]
pub enum Body<'a> {
    /// Borrowed bytes: static data, the request, or anything that outlives the handler.
    Borrowed(&'a [u8]),
    /// A few bytes kept inside the response (a formatted number).
    Inline { len: u8, bytes: [u8; INLINE_CAPACITY] },
    /// A heap buffer, freed when the next request starts.
    #[cfg(feature = "alloc")]
    Owned(alloc::vec::Vec<u8>),
}

impl Body<'_> {
    /// The bytes of the body.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Body::Borrowed(b) => b,
            Body::Inline { len, bytes } => bytes.get(..*len as usize).unwrap_or(bytes),
            #[cfg(feature = "alloc")]
            Body::Owned(v) => v,
        }
    }
}

/// What a handler returns.
#[derive(Debug)]
pub struct Response<'a> {
    pub status: u16,
    pub headers: &'a [Header<'a>],
    pub body: Body<'a>,
}

impl<'a> Response<'a> {
    /// A response with raw bytes and no headers.
    pub const fn bytes(status: u16, body: &'a [u8]) -> Self {
        Self {
            status,
            headers: &[],
            body: Body::Borrowed(body),
        }
    }

    /// A `text/plain` response.
    pub const fn text(status: u16, body: &'a str) -> Self {
        Self {
            status,
            headers: TEXT_PLAIN,
            body: Body::Borrowed(body.as_bytes()),
        }
    }

    /// A `text/plain` response whose body is `n` in decimal, kept inline (no heap).
    pub fn number(status: u16, n: u64) -> Self {
        let mut len = 1;
        let mut rest = n;
        while rest >= 10 {
            rest /= 10;
            len += 1;
        }
        let mut bytes = [0u8; INLINE_CAPACITY];
        let mut rest = n;
        // Iterators, not indexing: no bounds checks, so no panic path.
        for slot in bytes.iter_mut().take(len).rev() {
            *slot = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        Self {
            status,
            headers: TEXT_PLAIN,
            body: Body::Inline { len: len as u8, bytes },
        }
    }

    /// A `text/plain` response that owns its body (needs the `alloc` feature).
    #[cfg(feature = "alloc")]
    pub fn owned(status: u16, body: alloc::vec::Vec<u8>) -> Self {
        Self {
            status,
            headers: TEXT_PLAIN,
            body: Body::Owned(body),
        }
    }

    /// The same response with `headers` instead of its current ones.
    pub const fn with_headers(mut self, headers: &'a [Header<'a>]) -> Self {
        self.headers = headers;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(url: &'static str) -> Request<'static> {
        Request::new("GET", url, "host:example.com\ncontent-type:text/plain\nx-two:a:b", b"")
    }

    #[test]
    fn path_and_query() {
        assert_eq!(req("https://example.com/a/b?x=1#f").path(), "/a/b");
        assert_eq!(req("https://example.com/a/b?x=1#f").query(), Some("x=1"));
        assert_eq!(req("https://example.com").path(), "/");
        assert_eq!(req("https://example.com?q").path(), "/");
        assert_eq!(req("http://h:8787/panic").path(), "/panic");
        assert_eq!(req("/relative?y").path(), "/relative");
        assert_eq!(req("/relative").query(), None);
        assert_eq!(req("https://example.com/?").query(), Some(""));
    }

    #[test]
    fn headers_are_case_insensitive_and_keep_colons_in_values() {
        let r = req("/");
        assert_eq!(r.header("Content-Type"), Some("text/plain"));
        assert_eq!(r.header("x-two"), Some("a:b"));
        assert_eq!(r.header("missing"), None);
        assert_eq!(r.headers().count(), 3);
        assert_eq!(Request::new("GET", "/", "", b"").headers().count(), 0);
    }

    #[test]
    fn a_head_that_is_not_utf8_reads_as_empty_and_the_body_stays_raw() {
        let r = Request::from_bytes(b"G\xffT", b"/\xc0", b"a:\xed\xa0\x80", b"\xff");
        assert_eq!((r.method(), r.url(), r.path(), r.header("a")), ("", "", "/", None));
        assert_eq!(r.body(), b"\xff");
    }

    #[test]
    fn numbers_render_inline() {
        for (n, s) in [(0u64, "0"), (7, "7"), (42, "42"), (u64::MAX, "18446744073709551615")] {
            assert_eq!(Response::number(200, n).body.as_bytes(), s.as_bytes());
        }
    }

    #[test]
    fn header_round_trips() {
        let h = Header::new("x-a", "1");
        assert_eq!((h.name(), h.value()), ("x-a", "1"));
        assert_eq!(Response::text(200, "hi").headers[0].name(), "content-type");
        assert_eq!(Response::bytes(204, b"").with_headers(TEXT_PLAIN).headers.len(), 1);
    }
}
