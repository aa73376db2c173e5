//! Bindings and I/O from a synchronous handler: subrequests (`fetch`) and KV, each one call
//! that the glue suspends through JSPI while the host's Promise settles (docs/ABI.md, `__tw_io`).
//!
//! ```
//! use tinyworker::io::{self, Subrequest};
//! use tinyworker::{Request, Response};
//!
//! fn handle<'a>(req: &Request<'a>) -> Response<'a> {
//!     // Without an allocator the answer lands in a buffer the caller provides (here: a
//!     // part of the request's I/O buffer, which lives as long as the request).
//!     let Some(buffer) = req.scratch(16 * 1024) else { return Response::text(413, "too large") };
//!     match io::fetch(&Subrequest::get("https://origin.example/data"), buffer) {
//!         Ok(answer) => Response::bytes(answer.status(), answer.body()),
//!         Err(_) => Response::text(502, "the origin did not answer"),
//!     }
//! }
//! tinyworker::entry!(handle);
//! # fn main() {}
//! ```
//!
//! The I/O functions never fault: every failure of the host (a network error, an invalid URL,
//! a missing binding, an answer larger than the buffer) is an [`Error`] the handler matches on.
//! A handler that does no I/O imports none of this, and its module stays synchronous.

use crate::abi::{
    IoRecord, RawSlice, ABSENT, IO_FETCH, IO_INVALID_ARGUMENT, IO_INVALID_URL, IO_KV_DELETE, IO_KV_GET, IO_KV_PUT,
    IO_NO_BINDING, RESULT_BODY, RESULT_HEADERS, RESULT_STATUS,
};
use crate::headers::header_lines;
/// Without an allocator feature: a compile error that names it.
#[cfg(not(feature = "alloc"))]
pub use crate::needs_alloc::fetch_owned;
use crate::response::Header;
use crate::result::copy_part;
#[cfg(feature = "alloc")]
use crate::result::owned_part;
use crate::sys;

/// Why an I/O operation did not give an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The host operation failed: the network, the origin, or the KV namespace (its Promise
    /// rejected).
    Failed,
    /// The URL is not valid.
    InvalidUrl,
    /// The Worker's env has no binding of that name and kind.
    NoBinding,
    /// The platform refuses an argument: a KV key that is empty, `.`, `..` or longer than 512
    /// bytes, a body on a GET or HEAD subrequest, a header name or value it does not allow. A
    /// mistake of whoever chose the argument (often the client: answer 400), not an outage.
    InvalidArgument,
    /// A Durable Object served without `io: true` cannot wait for the host: its subrequests
    /// and KV calls answer this (its Worker, in the same module, makes them as usual).
    WouldSuspend,
    /// The answer needs `needed` bytes and the buffer (or, for owned answers, the heap limit)
    /// has fewer.
    TooLarge {
        /// Bytes the answer needs (its headers and body).
        needed: usize,
    },
}

/// The `Error` of a negative `__tw_io` answer.
fn error(code: i32) -> Error {
    match code {
        IO_INVALID_URL => Error::InvalidUrl,
        IO_NO_BINDING => Error::NoBinding,
        IO_INVALID_ARGUMENT => Error::InvalidArgument,
        crate::abi::BRIDGE_WOULD_SUSPEND => Error::WouldSuspend,
        _ => Error::Failed,
    }
}

/// A subrequest: method, URL, headers and body, sent to a URL or to a service binding.
#[derive(Debug, Clone, Copy)]
pub struct Subrequest<'a> {
    method: &'a str,
    url: &'a str,
    headers: &'a [Header<'a>],
    body: &'a [u8],
    binding: &'a str,
}

impl<'a> Subrequest<'a> {
    /// `method url`, no headers, no body.
    pub const fn new(method: &'a str, url: &'a str) -> Self {
        Self {
            method,
            url,
            headers: &[],
            body: &[],
            binding: "",
        }
    }

    /// `GET url`.
    pub const fn get(url: &'a str) -> Self {
        Self::new("GET", url)
    }

    /// The same subrequest with these headers.
    pub const fn headers(mut self, headers: &'a [Header<'a>]) -> Self {
        self.headers = headers;
        self
    }

    /// The same subrequest with this body.
    pub const fn body(mut self, body: &'a [u8]) -> Self {
        self.body = body;
        self
    }

    /// The same subrequest sent to the service binding `name` of the Worker's env (its URL
    /// is then only what the bound Worker sees).
    pub const fn via(mut self, binding: &'a str) -> Self {
        self.binding = binding;
        self
    }

    fn record(&self) -> IoRecord {
        IoRecord {
            slices: [
                RawSlice::of(self.method.as_bytes()),
                RawSlice::of(self.url.as_bytes()),
                RawSlice {
                    at: Header::raw(self.headers).cast(),
                    len: self.headers.len(),
                },
                RawSlice::of(self.body),
                RawSlice::of(self.binding.as_bytes()),
            ],
        }
    }
}

/// Runs `op` on `record`, suspended until the host answers; a result handle.
fn io(op: u32, record: &IoRecord) -> Result<i32, Error> {
    match sys::io(op, record) {
        code if code < 0 && code != ABSENT => Err(error(code)),
        handle => Ok(handle),
    }
}

/// `owned_part` with an I/O error.
#[cfg(feature = "alloc")]
fn read_owned(handle: i32, part: u32) -> Result<alloc::vec::Vec<u8>, Error> {
    owned_part(handle, part).map_err(|needed| Error::TooLarge { needed })
}

/// Copies part `part` of result `handle` into `into`; its length, or `Err(TooLarge)`.
fn read(handle: i32, part: u32, into: &mut [u8]) -> Result<usize, Error> {
    copy_part(handle, part, into).map_err(|needed| Error::TooLarge { needed })
}

/// A subrequest's answer, its headers and body in the buffer `fetch` was given.
#[derive(Debug)]
pub struct Answer<'b> {
    status: u16,
    headers: &'b str,
    body: &'b [u8],
}

impl<'b> Answer<'b> {
    /// The status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The value of the first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'b str> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Every header, names lower-case, as the platform's `Headers` iterates them.
    pub fn headers(&self) -> impl Iterator<Item = (&'b str, &'b str)> {
        header_lines(self.headers)
    }

    /// The body.
    pub fn body(&self) -> &'b [u8] {
        self.body
    }
}

/// Sends `request` and waits for the whole answer (the module is suspended meanwhile; other
/// requests run on other instances). The answer's headers and body land in `buffer`; when it
/// is too small the answer is `Err(TooLarge { needed })` (the subrequest was still made).
pub fn fetch<'b>(request: &Subrequest<'_>, buffer: &'b mut [u8]) -> Result<Answer<'b>, Error> {
    let handle = io(IO_FETCH, &request.record())?;
    let status = sys::result(handle, RESULT_STATUS, buffer.as_mut_ptr(), 0) as u16;
    let head = read(handle, RESULT_HEADERS, buffer)?;
    let (head, rest) = buffer.split_at_mut(head);
    let body = read(handle, RESULT_BODY, rest).map_err(|e| match e {
        Error::TooLarge { needed } => Error::TooLarge {
            needed: needed + head.len(),
        },
        other => other,
    })?;
    let headers = core::str::from_utf8(head).unwrap_or("");
    Ok(Answer {
        status,
        headers,
        body: rest.get(..body).unwrap_or_default(),
    })
}

/// A subrequest's answer in owned memory (with an allocator feature).
#[cfg(feature = "alloc")]
#[derive(Debug)]
pub struct OwnedAnswer {
    status: u16,
    headers: alloc::string::String,
    body: alloc::vec::Vec<u8>,
}

#[cfg(feature = "alloc")]
impl OwnedAnswer {
    /// The status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The value of the first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Every header, names lower-case.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        header_lines(&self.headers)
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body, owned (e.g. for `Response::owned`).
    pub fn into_body(self) -> alloc::vec::Vec<u8> {
        self.body
    }
}

/// `fetch`, with the answer in owned memory of exactly its size; `Err(TooLarge { needed })`
/// when the heap cannot hold it (the instance goes on: nothing aborts).
#[cfg(feature = "alloc")]
pub fn fetch_owned(request: &Subrequest<'_>) -> Result<OwnedAnswer, Error> {
    let handle = io(IO_FETCH, &request.record())?;
    let status = sys::result(handle, RESULT_STATUS, core::ptr::NonNull::dangling().as_ptr(), 0) as u16;
    let headers = read_owned(handle, RESULT_HEADERS)?;
    let body = read_owned(handle, RESULT_BODY).map_err(|e| match e {
        Error::TooLarge { needed } => Error::TooLarge {
            needed: needed + headers.len(),
        },
        other => other,
    })?;
    Ok(OwnedAnswer {
        status,
        // The glue writes UTF-8 (the platform's header strings, encoded).
        headers: alloc::string::String::from_utf8(headers).unwrap_or_default(),
        body,
    })
}

/// The longest KV key the platform takes, in bytes of UTF-8.
pub const KV_KEY_LIMIT: usize = 512;

/// A KV namespace bound to the Worker as `binding`. Keys the platform refuses (empty, `.`,
/// `..`, over [`KV_KEY_LIMIT`] bytes) are `Err(InvalidArgument)` without a call.
#[derive(Debug, Clone, Copy)]
pub struct Kv<'n> {
    binding: &'n str,
}

impl<'n> Kv<'n> {
    /// The namespace bound as `binding` (e.g. `Kv::new("CACHE")`).
    pub const fn new(binding: &'n str) -> Self {
        Self { binding }
    }

    /// The record of an operation on `key`, or `Err(InvalidArgument)` for a key the platform
    /// refuses (empty, `.`, `..`, longer than 512 bytes), without asking it.
    fn record(&self, key: &str, value: &[u8]) -> Result<IoRecord, Error> {
        if matches!(key, "" | "." | "..") || key.len() > KV_KEY_LIMIT {
            return Err(Error::InvalidArgument);
        }
        Ok(IoRecord {
            slices: [
                RawSlice::of(self.binding.as_bytes()),
                RawSlice::of(key.as_bytes()),
                RawSlice::of(value),
                RawSlice::EMPTY,
                RawSlice::EMPTY,
            ],
        })
    }

    /// The value of `key` in `buffer`, `None` when the key is not there.
    pub fn get<'b>(&self, key: &str, buffer: &'b mut [u8]) -> Result<Option<&'b [u8]>, Error> {
        match io(IO_KV_GET, &self.record(key, &[])?)? {
            ABSENT => Ok(None),
            handle => {
                let len = read(handle, RESULT_BODY, buffer)?;
                Ok(buffer.get(..len))
            }
        }
    }

    /// The value of `key` in owned memory, `None` when the key is not there.
    #[cfg(feature = "alloc")]
    pub fn get_owned(&self, key: &str) -> Result<Option<alloc::vec::Vec<u8>>, Error> {
        match io(IO_KV_GET, &self.record(key, &[])?)? {
            ABSENT => Ok(None),
            handle => read_owned(handle, RESULT_BODY).map(Some),
        }
    }

    /// Stores `value` under `key`.
    pub fn put(&self, key: &str, value: &[u8]) -> Result<(), Error> {
        io(IO_KV_PUT, &self.record(key, value)?).map(|_| ())
    }

    /// Removes `key` (not an error when it is not there).
    pub fn delete(&self, key: &str) -> Result<(), Error> {
        io(IO_KV_DELETE, &self.record(key, &[])?).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::IO_FAILED;
    use crate::sys::{ASKED, ENV, RESULTS};
    use crate::Request;

    /// Queues what the host answers to the next `__tw_io` calls.
    fn answers(list: &[(i32, u16, &[u8], &[u8])]) {
        RESULTS.with(|r| {
            *r.borrow_mut() = list
                .iter()
                .map(|&(c, s, h, b)| (c, s, h.to_vec(), b.to_vec()))
                .collect();
        });
        ASKED.with(|a| a.borrow_mut().clear());
    }

    #[test]
    fn fetch_sends_the_record_and_reads_the_answer_into_the_buffer() {
        answers(&[(0, 201, b"content-type:text/plain\nx-a:1\n", b"made")]);
        let headers = [Header::new("x-b", "2")];
        let sub = Subrequest::new("POST", "https://o/p")
            .headers(&headers)
            .body(b"in")
            .via("ORIGIN");
        let mut buffer = [0u8; 64];
        let answer = fetch(&sub, &mut buffer).unwrap();
        assert_eq!((answer.status(), answer.body()), (201, &b"made"[..]));
        assert_eq!(answer.header("X-A"), Some("1"));
        assert_eq!(answer.headers().count(), 2);
        let asked = ASKED.with(|a| a.borrow().clone());
        assert_eq!(asked[0].0, IO_FETCH);
        let slices: Vec<&[u8]> = asked[0].1.iter().map(Vec::as_slice).collect();
        assert_eq!(slices, [&b"POST"[..], b"https://o/p", b"", b"in", b"ORIGIN"]);
    }

    #[test]
    fn errors_are_values_never_faults() {
        answers(&[
            (IO_FAILED, 0, b"", b""),
            (IO_INVALID_URL, 0, b"", b""),
            (IO_NO_BINDING, 0, b"", b""),
        ]);
        let mut buffer = [0u8; 8];
        assert_eq!(fetch(&Subrequest::get("x"), &mut buffer).unwrap_err(), Error::Failed);
        assert_eq!(
            fetch(&Subrequest::get("x"), &mut buffer).unwrap_err(),
            Error::InvalidUrl
        );
        assert_eq!(fetch(&Subrequest::get("x"), &mut buffer).unwrap_err(), Error::NoBinding);
    }

    #[test]
    fn keys_the_platform_refuses_are_invalid_arguments_without_a_call() {
        answers(&[(IO_INVALID_ARGUMENT, 0, b"", b"")]);
        let cache = Kv::new("CACHE");
        let mut buffer = [0u8; 8];
        let long = "k".repeat(KV_KEY_LIMIT + 1);
        for key in ["", ".", "..", long.as_str()] {
            assert_eq!(cache.get(key, &mut buffer), Err(Error::InvalidArgument), "{key:?}");
            assert_eq!(cache.put(key, b"v"), Err(Error::InvalidArgument));
            assert_eq!(cache.delete(key), Err(Error::InvalidArgument));
        }
        assert!(ASKED.with(|a| a.borrow().is_empty()), "the host was not asked");
        // What the host refuses (a TypeError: a body on a GET) is the same error value.
        assert_eq!(
            fetch(&Subrequest::get("https://o/").body(b"x"), &mut buffer).unwrap_err(),
            Error::InvalidArgument
        );
    }

    #[test]
    fn an_answer_larger_than_the_buffer_says_how_large() {
        answers(&[(0, 200, b"a:1\n", b"0123456789")]);
        let mut buffer = [0u8; 8];
        assert_eq!(
            fetch(&Subrequest::get("x"), &mut buffer).unwrap_err(),
            Error::TooLarge { needed: 14 }
        );
    }

    #[test]
    fn kv_get_put_delete_and_a_miss() {
        answers(&[
            (0, 200, b"", b"value"),
            (ABSENT, 0, b"", b""),
            (0, 0, b"", b""),
            (0, 0, b"", b""),
        ]);
        let cache = Kv::new("CACHE");
        let mut buffer = [0u8; 16];
        assert_eq!(cache.get("k", &mut buffer), Ok(Some(&b"value"[..])));
        assert_eq!(cache.get("gone", &mut buffer), Ok(None));
        assert_eq!(cache.put("k", b"v2"), Ok(()));
        assert_eq!(cache.delete("k"), Ok(()));
        let asked = ASKED.with(|a| a.borrow().clone());
        let ops: Vec<u32> = asked.iter().map(|(op, _)| *op).collect();
        assert_eq!(ops, [IO_KV_GET, IO_KV_GET, IO_KV_PUT, IO_KV_DELETE]);
        assert_eq!(asked[2].1[..3], [b"CACHE".to_vec(), b"k".to_vec(), b"v2".to_vec()]);
    }

    #[test]
    fn env_variables_and_scratch_come_from_the_request_buffer() {
        let _guard = crate::tests::LOCK.lock().unwrap();
        ENV.with(|e| *e.borrow_mut() = vec![("GREETING".into(), "héllo".into())]);
        crate::sys::set_request("GET", "/", b"");
        let mut buffer = [0u8; 32];
        let request = Request::in_buffer(&mut buffer, 0).unwrap();
        assert_eq!(request.var("GREETING"), Some("héllo"));
        assert_eq!(request.var("MISSING"), None);
        let scratch = request.scratch(20).unwrap();
        scratch[0] = 7;
        assert!(request.scratch(20).is_none(), "only 26 - 20 bytes are left");
        assert_eq!(request.var("GREETING"), Some("héllo"), "read again into the rest");

        // What an earlier request left in the buffer is never readable through scratch.
        let mut earlier = [0xA5u8; 16];
        let request = Request::in_buffer(&mut earlier, 0).unwrap();
        assert_eq!(request.scratch(16).unwrap(), &[0u8; 16]);
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn owned_answers_are_exactly_their_size() {
        answers(&[(0, 200, b"x:y\n", b"owned body"), (0, 200, b"", b"kv")]);
        let answer = fetch_owned(&Subrequest::get("x")).unwrap();
        assert_eq!(
            (answer.status(), answer.header("x"), answer.body()),
            (200, Some("y"), &b"owned body"[..])
        );
        assert_eq!(answer.into_body().capacity(), 10);
        assert_eq!(Kv::new("C").get_owned("k"), Ok(Some(b"kv".to_vec())));
    }
}
