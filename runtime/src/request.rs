//! A request as the handler sees it: the body in the I/O buffer, and the method, URL and
//! headers pulled from the glue only when read (docs/ABI.md, `__tw_request`).

use crate::abi::{PART_HEADERS, PART_METHOD, PART_URL};
use crate::headers::{ascii_cut, header_lines, position, text};
use core::cell::Cell;
use core::marker::PhantomData;

/// A request as the handler sees it. Every part borrows the runtime's I/O buffer.
///
/// The body is in the buffer when the handler starts. The method, the URL and the headers are
/// pulled from the glue the first time the handler reads them (docs/ABI.md, `__tw_request`), so
/// a handler that never reads the headers never pays for copying them. A part that does not
/// fit in what is left of the I/O buffer ends the request with 413 `request too large`.
///
/// Every part of the head is the UTF-8 encoding of the JavaScript string the platform gives
/// (a header value `é` arrives as `é`); bytes that are not UTF-8 (only possible by calling the
/// ABI directly) read as "".
#[derive(Debug)]
pub struct Request<'a> {
    method: Cell<Option<&'a [u8]>>,
    url: Cell<Option<&'a [u8]>>,
    headers: Cell<Option<&'a [u8]>>,
    body: &'a [u8],
    /// The unused tail of the I/O buffer, where the next part pulled goes.
    free: Cell<*mut u8>,
    end: *mut u8,
    /// The tail is borrowed mutably for 'a.
    _tail: PhantomData<&'a mut [u8]>,
}

impl<'a> Request<'a> {
    /// A request from its parts (tests, and handlers called from Rust). `headers` holds one
    /// `name:value` per line, separated by `\n`, names lower-case (the form the glue writes).
    pub const fn new(method: &'a str, url: &'a str, headers: &'a str, body: &'a [u8]) -> Self {
        Self {
            method: Cell::new(Some(method.as_bytes())),
            url: Cell::new(Some(url.as_bytes())),
            headers: Cell::new(Some(headers.as_bytes())),
            body,
            free: Cell::new(core::ptr::null_mut()),
            end: core::ptr::null_mut(),
            _tail: PhantomData,
        }
    }

    /// A request whose body is `buffer[..body_len]`; the rest of `buffer` receives the parts
    /// the handler pulls. Returns `None` when `body_len` exceeds the buffer.
    pub(crate) fn in_buffer(buffer: &'a mut [u8], body_len: usize) -> Option<Self> {
        let (body, tail) = buffer.split_at_mut_checked(body_len)?;
        let range = tail.as_mut_ptr_range();
        Some(Self {
            method: Cell::new(None),
            url: Cell::new(None),
            headers: Cell::new(None),
            body,
            free: Cell::new(range.start),
            end: range.end,
            _tail: PhantomData,
        })
    }

    /// Part `part`, pulled from the glue into the free tail on first use.
    fn part(&self, part: u32, slot: &Cell<Option<&'a [u8]>>) -> &'a [u8] {
        if let Some(bytes) = slot.get() {
            return bytes;
        }
        let free = self.free.get();
        let room = self.end as usize - free as usize;
        let len = crate::sys::request_part(part, free, room);
        if len > room {
            crate::fault::too_large()
        }
        // SAFETY: `free..end` is the tail this request borrows mutably for 'a (see
        // `in_buffer`), no reference into `free..` was handed out yet, and the glue has just
        // written `len <= room` bytes there. The slice is never written again during 'a:
        // later parts go after it.
        let bytes = unsafe { core::slice::from_raw_parts(free, len) };
        // SAFETY: len <= room, so the result stays within the tail (or one past its end).
        self.free.set(unsafe { free.add(len) });
        slot.set(Some(bytes));
        bytes
    }

    /// Reserves the next `len` free bytes of the I/O buffer for the handler, for as long as the
    /// request: a place for a subrequest's answer without an allocator
    /// (`tinyworker::io::fetch(&sub, req.scratch(16 << 10)?)`). `None` when fewer are free. The
    /// bytes are zeroed: nothing of an earlier request is readable through them.
    pub fn scratch(&self, len: usize) -> Option<&'a mut [u8]> {
        let bytes = self.claim(len)?;
        bytes.fill(0);
        Some(bytes)
    }

    /// The next `len` free bytes of the I/O buffer, as they are (what the glue just wrote
    /// there, or older bytes), moved out of the free tail; `None` when fewer are free.
    fn claim(&self, len: usize) -> Option<&'a mut [u8]> {
        let free = self.free.get();
        if len > self.end as usize - free as usize {
            return None;
        }
        // SAFETY: `free..free + len` is inside the tail this request borrows mutably for 'a
        // (checked above), no reference into it was handed out (parts and scratch all come
        // from below `free`), and moving `free` past it means nothing will hand it out again.
        let bytes = unsafe { core::slice::from_raw_parts_mut(free, len) };
        // SAFETY: len <= the room left, so the result stays within the tail or one past it.
        self.free.set(unsafe { free.add(len) });
        Some(bytes)
    }

    /// An answer the host sizes, read into the free tail of the I/O buffer and kept there for
    /// the request: `read(tail)` writes it at the start of `tail` if it fits and answers its
    /// length either way (one crossing when it fits). `TooLarge` with that length when it does
    /// not fit in what is left.
    pub(crate) fn read_sized<E>(
        &self,
        read: impl FnOnce(&mut [u8]) -> Result<usize, E>,
        too_large: impl FnOnce(usize) -> E,
    ) -> Result<&'a [u8], E> {
        let free = self.free.get();
        let room = self.end as usize - free as usize;
        let len = if room == 0 {
            read(&mut [])?
        } else {
            // SAFETY: `free..end` is the unclaimed tail this request borrows mutably for 'a; no
            // reference into it was handed out (everything handed out lies below `free`), and
            // this one ends when `read` returns, before `claim` hands out its first `len` bytes.
            read(unsafe { core::slice::from_raw_parts_mut(free, room) })?
        };
        // The host wrote the answer at `free` if it fit: claim it as it is.
        match self.claim(len) {
            Some(bytes) => Ok(bytes),
            None => Err(too_large(len)),
        }
    }

    /// `args` (`format_args!(...)`) written into the request's memory, without an allocator:
    /// the text lives as long as the request. `Err` (a 500, [`crate::error::Kind::TooLarge`])
    /// when the request's memory has no room for it.
    ///
    /// ```
    /// # fn f<'a>(request: &tinyworker::Request<'a>) -> Result<tinyworker::Response<'a>, tinyworker::Error> {
    /// let count = 3;
    /// let text = request.format(format_args!("{count} items for {}\n", request.path()))?;
    /// Ok(tinyworker::Response::text(200, text))
    /// # }
    /// ```
    pub fn format(&self, args: core::fmt::Arguments<'_>) -> Result<&'a str, crate::Error> {
        /// Writes into a buffer; past its end, only counts.
        struct Into<'b> {
            buffer: &'b mut [u8],
            len: usize,
        }
        impl core::fmt::Write for Into<'_> {
            fn write_str(&mut self, text: &str) -> core::fmt::Result {
                let end = self.len + text.len();
                if let Some(slot) = self.buffer.get_mut(self.len..end) {
                    slot.copy_from_slice(text.as_bytes());
                }
                self.len = end;
                Ok(())
            }
        }
        let write = |tail: &mut [u8]| {
            let mut into = Into { buffer: tail, len: 0 };
            core::fmt::write(&mut into, args)
                .map(|()| into.len)
                .map_err(|_| crate::Error::internal("a formatting trait failed"))
        };
        let bytes = self.read_sized(write, |needed| {
            crate::Error::too_large("formatted text past the request's memory", needed)
        })?;
        // SAFETY: the bytes are whole `str`s, written one after another (it fit: none was cut).
        Ok(unsafe { core::str::from_utf8_unchecked(bytes) })
    }

    /// The text variable or secret `name` of the Worker's env (`None` if there is none, or it
    /// is not text). Read when asked, into the I/O buffer; one that does not fit ends the
    /// request with 413 like a request part.
    pub fn var(&self, name: &str) -> Option<&'a str> {
        let free = self.free.get();
        let room = self.end as usize - free as usize;
        let len = crate::sys::env(name, free, room);
        let len = usize::try_from(len).ok()?;
        if len > room {
            crate::fault::too_large()
        }
        // The glue wrote the value at `free`: claim it as it is.
        let bytes = self.claim(len)?;
        Some(text(bytes))
    }

    /// The method, e.g. `GET`.
    pub fn method(&self) -> &'a str {
        text(self.part(PART_METHOD, &self.method))
    }

    /// The full URL, e.g. `https://example.com/a/b?x=1`.
    pub fn url(&self) -> &'a str {
        text(self.part(PART_URL, &self.url))
    }

    /// The path of the URL without query or fragment, e.g. `/a/b` (`/` when empty).
    pub fn path(&self) -> &'a str {
        let url = self.url();
        let bytes = url.as_bytes();
        // After `scheme://authority`, or from the start for a relative URL.
        let start = match bytes.windows(3).position(|w| w == b"://") {
            Some(at) => position(bytes, at + 3, b"/?#"),
            None => 0,
        };
        let path = ascii_cut(url, start, position(bytes, start, b"?#")).unwrap_or("");
        if path.is_empty() {
            "/"
        } else {
            path
        }
    }

    /// The query string without `?`, if the URL has one.
    pub fn query(&self) -> Option<&'a str> {
        let url = self.url();
        let bytes = url.as_bytes();
        let start = position(bytes, 0, b"?").checked_add(1)?;
        ascii_cut(url, start, position(bytes, start, b"#"))
    }

    /// The value of the first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// All headers as `(name, value)`, in the order the platform's `Headers` iterates them
    /// (names lower-case; repeated names combined as the platform combines them).
    pub fn headers(&self) -> impl Iterator<Item = (&'a str, &'a str)> {
        header_lines(text(self.part(PART_HEADERS, &self.headers)))
    }

    /// The body as text: `Err` (a 400 through `?`) when it is not UTF-8. (The runtime's own
    /// UTF-8 check: a few dozen bytes of wasm where `core::str::from_utf8` costs several
    /// hundred.)
    pub fn body_text(&self) -> Result<&'a str, crate::Error> {
        crate::utf8::str_of(self.body()).ok_or(crate::Error::bad_request("the body is not UTF-8"))
    }

    /// The body bytes (empty when the request has none).
    pub fn body(&self) -> &'a [u8] {
        self.body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(url: &'static str) -> Request<'static> {
        Request::new("GET", url, "host:example.com\ncontent-type:text/plain\nx-two:a:b", b"")
    }

    #[test]
    fn format_writes_into_the_request_or_says_how_much_it_needed() {
        let _guard = crate::tests::LOCK.lock().unwrap();
        crate::sys::set_request("GET", "http://h/x", b"");
        let mut buffer = [0u8; 40];
        let request = Request::in_buffer(&mut buffer, 0).unwrap();
        let n = 42u64;
        let first = request.format(format_args!("{n} items, é")).unwrap();
        let second = request.format(format_args!("{}-{}", "a", 7)).unwrap();
        assert_eq!(
            (first, second),
            ("42 items, é", "a-7"),
            "both live as long as the request"
        );
        let long = request.format(format_args!("{:>30}", "x")).unwrap_err();
        assert_eq!((long.kind(), long.needed()), (crate::error::Kind::TooLarge, Some(30)));
        assert_eq!(
            request.format(format_args!("ok")),
            Ok("ok"),
            "nothing was taken by the failure"
        );
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
        let r = Request {
            method: Cell::new(Some(b"G\xffT")),
            url: Cell::new(Some(b"/\xc0")),
            headers: Cell::new(Some(b"a:\xed\xa0\x80")),
            ..Request::new("GET", "/", "", b"\xff")
        };
        assert_eq!((r.method(), r.url(), r.path(), r.header("a")), ("", "", "/", None));
        assert_eq!(r.body(), b"\xff");
    }

    #[test]
    fn parts_are_pulled_once_into_the_tail_and_too_large_ones_are_refused() {
        let _guard = crate::tests::LOCK.lock().unwrap();
        crate::sys::set_request("POST", "https://h/p?q", b"a:1\nb:2");
        let mut buffer = [0u8; 32];
        buffer[..4].copy_from_slice(b"body");
        {
            let r = Request::in_buffer(&mut buffer, 4).unwrap();
            assert_eq!(r.body(), b"body");
            assert_eq!((r.method(), r.path(), r.query()), ("POST", "/p", Some("q")));
            assert_eq!(r.headers().collect::<Vec<_>>(), [("a", "1"), ("b", "2")]);
            // Pulled once: changing what the glue would serve changes nothing.
            crate::sys::set_request("GET", "x", b"");
            assert_eq!(r.method(), "POST");
        }
        assert_eq!(&buffer[..30], b"bodyPOSThttps://h/p?qa:1\nb:2\0\0");

        // 4 + 5 bytes of body leave 27, and this URL is 28 long.
        crate::sys::set_request("GET", "https://example.com/abcdefgh", b"");
        let r = Request::in_buffer(&mut buffer, 5).unwrap();
        let thrown = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| r.url())).unwrap_err();
        assert!(thrown.downcast_ref::<crate::sys::HostThrow>().is_some());
        // SAFETY: the closure only copies the record out.
        let record = unsafe { crate::fault::RECORD.with(|r| *r) };
        assert_eq!(record.kind, crate::abi::FaultKind::TooLarge as u32);
        assert!(Request::in_buffer(&mut buffer, 33).is_none());
    }
}
