//! What a handler answers: a status, fixed headers, headers computed per request (inline, or
//! on the heap with an allocator) and a body, kept without a lifetime until the glue read them.

use crate::abi::RawHeader;
use core::marker::PhantomData;
use core::mem::MaybeUninit;

#[cfg(feature = "alloc")]
use alloc::{borrow::Cow, string::String, vec::Vec};

/// One response header, borrowing its name and value for 'a: usable in consts,
/// `const H: &[Header] = &[Header::new("x-a", "1")];`.
#[repr(transparent)]
#[derive(Debug, Clone, Copy)]
pub struct Header<'a> {
    raw: RawHeader,
    _borrow: PhantomData<&'a str>,
}

impl<'a> Header<'a> {
    /// A header `name: value`.
    pub const fn new(name: &'a str, value: &'a str) -> Self {
        Self {
            raw: RawHeader::new(name.as_bytes(), value.as_bytes()),
            _borrow: PhantomData,
        }
    }

    /// The header's name.
    pub fn name(&self) -> &'a str {
        // SAFETY: `raw` was made by `new` from a `&'a str`, alive and unchanged for 'a (the
        // PhantomData holds that borrow), so its bytes are valid UTF-8 for 'a.
        unsafe { core::str::from_utf8_unchecked(self.raw.name()) }
    }

    /// The header's value.
    pub fn value(&self) -> &'a str {
        // SAFETY: as in `name`.
        unsafe { core::str::from_utf8_unchecked(self.raw.value()) }
    }

    /// The header as the glue reads it.
    pub(crate) fn raw(headers: &[Header<'_>]) -> *const RawHeader {
        headers.as_ptr().cast()
    }
}

/// `content-type: text/plain; charset=utf-8`, the header `Response::text` sets.
pub const TEXT_PLAIN: &[Header<'static>] = &[Header::new("content-type", "text/plain; charset=utf-8")];

/// `content-type: application/json` ([`Response::json`]).
pub const APPLICATION_JSON: &[Header<'static>] = &[Header::new("content-type", "application/json")];

/// `content-type: text/html; charset=utf-8` ([`Response::html`]).
pub const TEXT_HTML: &[Header<'static>] = &[Header::new("content-type", "text/html; charset=utf-8")];

/// How many computed headers a response holds inline: all of them without an allocator;
/// with one, more (or any owned one) move to the heap.
pub const EXTRA_HEADERS: usize = 8;

/// The headers a response computed per request, stored without a lifetime so the runtime can
/// keep them until the glue has read them. The `Response` methods that add one tie borrowed
/// names and values to the response's 'a.
pub(crate) struct ExtraHeaders {
    /// The first `len` are initialised (uninitialised slots cost no stores per response).
    inline: [MaybeUninit<RawHeader>; EXTRA_HEADERS],
    len: usize,
    /// With an allocator: every header once there are more than fit inline or one is owned.
    #[cfg(feature = "alloc")]
    heap: Option<Heap>,
}

impl core::fmt::Debug for ExtraHeaders {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ExtraHeaders")
            .field("count", &self.as_slice().len())
            .finish()
    }
}

/// The spilled headers: a `Box<Spill>` as a raw pointer, and the function that frees it. Only
/// `spill` stores that function, so a module that never spills links none of the heap code:
/// dropping `ExtraHeaders` calls it through the pointer.
#[cfg(feature = "alloc")]
struct Heap {
    spill: core::ptr::NonNull<Spill>,
    free: unsafe fn(core::ptr::NonNull<Spill>),
}

// SAFETY: `Heap` owns its `Spill` (a Box turned into a pointer) exclusively, and `Spill` is
// `Send` (vectors of addresses and strings).
#[cfg(feature = "alloc")]
unsafe impl Send for Heap {}

/// Spilled headers and the owned names and values they point into. A `String`'s bytes stay
/// where they are when the `String` moves (into `owned`, or with the response), and nothing
/// mutates them until the response is dropped.
#[cfg(feature = "alloc")]
struct Spill {
    list: Vec<RawHeader>,
    owned: Vec<String>,
}

/// Frees a spill made by `ExtraHeaders::spill`.
///
/// # Safety
/// `spill` must come from `Box::into_raw` in `spill`, and not be used again.
#[cfg(feature = "alloc")]
unsafe fn free_spill(spill: core::ptr::NonNull<Spill>) {
    // SAFETY: the caller passes the pointer `Box::into_raw` made, once.
    drop(unsafe { alloc::boxed::Box::from_raw(spill.as_ptr()) });
}

#[cfg(feature = "alloc")]
impl Drop for ExtraHeaders {
    fn drop(&mut self) {
        if let Some(heap) = self.heap.take() {
            // SAFETY: `heap` was made by `spill` and is dropped here once (it was taken).
            unsafe { (heap.free)(heap.spill) }
        }
    }
}

impl ExtraHeaders {
    const fn new() -> Self {
        Self {
            inline: [MaybeUninit::uninit(); EXTRA_HEADERS],
            len: 0,
            #[cfg(feature = "alloc")]
            heap: None,
        }
    }

    /// The headers, in the order they were added.
    pub(crate) fn as_slice(&self) -> &[RawHeader] {
        #[cfg(feature = "alloc")]
        if let Some(heap) = &self.heap {
            // SAFETY: `heap.spill` is a live Box this value owns; the shared borrow of `self`
            // keeps it from being mutated or freed while the slice lives.
            return unsafe { &heap.spill.as_ref().list };
        }
        let init = self.inline.get(..self.len).unwrap_or_default();
        // SAFETY: `push` initialised the first `len` slots, and `MaybeUninit<T>` has the
        // layout of `T`.
        unsafe { &*(init as *const [MaybeUninit<RawHeader>] as *const [RawHeader]) }
    }

    /// Adds `header`; whether there was room (without an allocator, at most [`EXTRA_HEADERS`]).
    fn push(&mut self, header: RawHeader) -> bool {
        #[cfg(feature = "alloc")]
        if self.heap.is_some() {
            self.spill().list.push(header);
            return true;
        }
        match self.inline.get_mut(self.len) {
            Some(slot) => *slot = MaybeUninit::new(header),
            #[cfg(not(feature = "alloc"))]
            None => return false,
            #[cfg(feature = "alloc")]
            None => {
                self.spill().list.push(header);
                return true;
            }
        }
        self.len += 1;
        true
    }

    /// Moves the inline headers to the heap (once); the heap half.
    #[cfg(feature = "alloc")]
    fn spill(&mut self) -> &mut Spill {
        if self.heap.is_none() {
            let list = self.as_slice().to_vec();
            let spill = alloc::boxed::Box::new(Spill {
                list,
                owned: Vec::new(),
            });
            self.heap = Some(Heap {
                spill: alloc::boxed::Box::leak(spill).into(),
                free: free_spill,
            });
        }
        let heap = self.heap.as_mut().unwrap_or_else(|| unreachable!());
        // SAFETY: a live Box this value owns; the `&mut self` borrow makes this access unique.
        unsafe { heap.spill.as_mut() }
    }

    /// Keeps `text` alive with the headers; the bytes it borrows or owns.
    #[cfg(feature = "alloc")]
    fn keep(&mut self, text: Cow<'_, str>) -> *const [u8] {
        match text {
            Cow::Borrowed(s) => s.as_bytes(),
            Cow::Owned(s) => {
                let bytes: *const [u8] = s.as_bytes();
                self.spill().owned.push(s);
                bytes
            }
        }
    }
}

#[cfg(not(feature = "alloc"))]
per_instance! {
    /// Where this request first added a computed header past [`EXTRA_HEADERS`] without an
    /// allocator (`None`: it did not). Per request, not per response, and only ever written by that
    /// refusal: in a module that never reaches it, LTO folds every read of it to "did not".
    static OVERFLOW: Option<&'static core::panic::Location<'static>> = None;
}

/// Notes that this request went past the limit of computed headers at `at` (the first time
/// only). With an allocator there is no limit: nothing to note.
#[cfg_attr(feature = "alloc", allow(unused_variables))]
fn note_header_overflow(at: &'static core::panic::Location<'static>) {
    // SAFETY: the closure only reads and stores the slot.
    #[cfg(not(feature = "alloc"))]
    unsafe {
        OVERFLOW.with(|first| *first = first.or(Some(at)))
    };
}

/// Takes where this request went past the limit of computed headers (see [`OVERFLOW`]); the
/// runtime refuses its response then. Called as each request starts and after its handler.
pub(crate) fn take_header_overflow() -> Option<&'static core::panic::Location<'static>> {
    // SAFETY: the closure only takes the slot's value.
    #[cfg(not(feature = "alloc"))]
    return unsafe { OVERFLOW.with(Option::take) };
    #[cfg(feature = "alloc")]
    None
}

/// Why the runtime refused a response (the fault record's message; the client gets a 500).
pub const TOO_MANY_HEADERS: &str = "more than EXTRA_HEADERS (8) computed response headers without an allocator: \
     use Response::try_header, or enable an allocator feature (talc)";

/// Bytes a number needs in decimal (u64::MAX has 20 digits).
const INLINE_CAPACITY: usize = 20;

/// A response body, without a lifetime so the runtime can keep it until the glue has read it.
/// `Response` ties a borrowed body to its 'a.
#[derive(Debug)]
pub(crate) enum BodyStore {
    /// Borrowed bytes (static data, the request): their address and length.
    Borrowed(*const u8, usize),
    /// A number's digits, kept inside the response.
    Inline(u8, [u8; INLINE_CAPACITY]),
    /// A heap buffer, freed when the next request starts.
    #[cfg(feature = "alloc")]
    Owned(Vec<u8>),
}

// SAFETY: the borrowed variant is an address of bytes the response borrows for 'a (`&[u8]` is
// `Send`); the others own their bytes.
unsafe impl Send for BodyStore {}

/// What a response holds that has no lifetime: its computed headers and its body. The runtime
/// keeps it, as it is, from the end of the handler until the next request starts.
#[derive(Debug)]
pub(crate) struct Kept {
    pub(crate) extra: ExtraHeaders,
    pub(crate) body: BodyStore,
}

impl Kept {
    /// Nothing kept (all zero bits: the static that holds it costs no data in the module).
    pub(crate) const EMPTY: Self = Self {
        extra: ExtraHeaders::new(),
        body: BodyStore::Borrowed(core::ptr::null(), 0),
    };

    /// The body's bytes, valid while `self` and the borrow the body was made from live.
    pub(crate) fn body(&self) -> &[u8] {
        match &self.body {
            BodyStore::Borrowed(at, _) if at.is_null() => &[],
            // SAFETY: made by `Response::with` from a `&'a [u8]`; the response that holds this
            // value also holds that borrow (its PhantomData), and the runtime reads a kept
            // borrowed body only through the record, before the next request (docs/ABI.md).
            BodyStore::Borrowed(at, len) => unsafe { core::slice::from_raw_parts(*at, *len) },
            BodyStore::Inline(len, digits) => digits.get(..usize::from(*len)).unwrap_or(digits),
            #[cfg(feature = "alloc")]
            BodyStore::Owned(bytes) => bytes,
        }
    }
}

/// [`Response::try_header`]'s refusal: the response already holds [`EXTRA_HEADERS`] computed
/// headers and no allocator is linked. It holds the response, unchanged.
#[derive(Debug)]
pub struct TooManyHeaders<'a>(pub Response<'a>);

/// What a handler returns: a status, fixed headers (a borrowed slice such as [`TEXT_PLAIN`]),
/// headers computed per request ([`Response::header`], and with an allocator
/// [`Response::header_owned`]), and a body.
#[derive(Debug)]
pub struct Response<'a> {
    status: u16,
    headers: &'a [Header<'a>],
    /// `headers` is an immutable static (the glue keeps it decoded).
    static_headers: bool,
    kept: Kept,
    /// A borrowed body and borrowed computed headers live for 'a.
    _borrow: PhantomData<&'a [u8]>,
}

impl<'a> Response<'a> {
    /// A response with `headers` (immutable statics) and `body`.
    const fn with(status: u16, headers: &'static [Header<'static>], body: BodyStore) -> Self {
        Self {
            status,
            headers,
            static_headers: true,
            kept: Kept {
                extra: ExtraHeaders::new(),
                body,
            },
            _borrow: PhantomData,
        }
    }

    /// A response with raw bytes and no headers.
    pub const fn bytes(status: u16, body: &'a [u8]) -> Self {
        Self::with(status, &[], BodyStore::Borrowed(body.as_ptr(), body.len()))
    }

    /// A `text/plain` response.
    pub const fn text(status: u16, body: &'a str) -> Self {
        Self::with(status, TEXT_PLAIN, BodyStore::Borrowed(body.as_ptr(), body.len()))
    }

    /// An `application/json` response (`body` is JSON: e.g. what a [`json::Writer`](crate::json::Writer) wrote).
    pub const fn json(status: u16, body: &'a str) -> Self {
        Self::with(status, APPLICATION_JSON, BodyStore::Borrowed(body.as_ptr(), body.len()))
    }

    /// A `text/html` response.
    pub const fn html(status: u16, body: &'a str) -> Self {
        Self::with(status, TEXT_HTML, BodyStore::Borrowed(body.as_ptr(), body.len()))
    }

    /// A response with `body` and `content_type` (a static set such as [`APPLICATION_JSON`],
    /// or your own `const`).
    pub const fn bytes_as(status: u16, body: &'a [u8], content_type: &'static [Header<'static>]) -> Self {
        Self::with(status, content_type, BodyStore::Borrowed(body.as_ptr(), body.len()))
    }

    /// A `text/plain` response whose body is `n` in decimal, kept inline (no heap).
    pub fn number(status: u16, n: u64) -> Self {
        let mut len = 1;
        let mut rest = n;
        while rest >= 10 {
            rest /= 10;
            len += 1;
        }
        let mut digits = [0u8; INLINE_CAPACITY];
        let mut rest = n;
        // Iterators, not indexing: no bounds checks, so no panic path.
        for slot in digits.iter_mut().take(len).rev() {
            *slot = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        Self::with(status, TEXT_PLAIN, BodyStore::Inline(len as u8, digits))
    }

    /// A `text/plain` response that owns its body (needs an allocator feature).
    #[cfg(feature = "alloc")]
    pub fn owned(status: u16, body: Vec<u8>) -> Self {
        Self::with(status, TEXT_PLAIN, BodyStore::Owned(body))
    }

    /// An `application/json` response that owns its body (needs an allocator feature).
    #[cfg(feature = "alloc")]
    pub fn owned_json(status: u16, body: Vec<u8>) -> Self {
        Self::with(status, APPLICATION_JSON, BodyStore::Owned(body))
    }

    /// A response that owns its body, with `content_type` (needs an allocator feature).
    #[cfg(feature = "alloc")]
    pub fn owned_as(status: u16, body: Vec<u8>, content_type: &'static [Header<'static>]) -> Self {
        Self::with(status, content_type, BodyStore::Owned(body))
    }

    /// The same response with `headers` as its fixed headers instead of its current ones.
    pub const fn with_headers(mut self, headers: &'a [Header<'a>]) -> Self {
        self.headers = headers;
        self.static_headers = false;
        self
    }

    /// [`with_headers`](Self::with_headers) for a `static` or `const` set: the glue decodes it
    /// once and keeps it (what [`TEXT_PLAIN`] responses get), which saves it per request.
    pub const fn with_static_headers(mut self, headers: &'static [Header<'static>]) -> Self {
        self.headers = headers;
        self.static_headers = true;
        self
    }

    /// The same response with another status.
    pub const fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Adds a header computed for this request, borrowing the request or static data: a
    /// `location` built from the request's query, an `access-control-allow-origin` that
    /// echoes its `origin`. Names may repeat (`set-cookie`).
    ///
    /// Without an allocator a response holds at most [`EXTRA_HEADERS`] computed headers. One
    /// more does not panic: the runtime refuses to send this request's response (whichever the
    /// handler returns), the client gets a 500, and the log names this call's line and
    /// [`TOO_MANY_HEADERS`] (the instance is kept: nothing of it broke). With an allocator a
    /// response holds any number (beyond [`EXTRA_HEADERS`] they move to the heap). Where the
    /// count is not known ahead, use [`try_header`](Self::try_header), which answers the limit
    /// as a `Result`; to pass on every header of a subrequest's answer,
    /// [`bridge::respond_with_headers_of`](crate::bridge::respond_with_headers_of) (nothing
    /// copied).
    #[cfg_attr(not(feature = "alloc"), track_caller)]
    pub fn header(mut self, name: &'a str, value: &'a str) -> Self {
        if !self.kept.extra.push(RawHeader::new(name.as_bytes(), value.as_bytes())) {
            note_header_overflow(core::panic::Location::caller());
        }
        self
    }

    /// [`header`](Self::header) as a `Result`: without an allocator, once the response holds
    /// [`EXTRA_HEADERS`] computed headers, `Err` gives the response back unchanged (to answer
    /// it as it is, or another); with an allocator it always succeeds.
    // (The refusal gives the response back by value: without an allocator there is no box to
    // put it in, and it is what the handler needs to answer.)
    #[allow(clippy::result_large_err)]
    pub fn try_header(mut self, name: &'a str, value: &'a str) -> Result<Self, TooManyHeaders<'a>> {
        // (A refused push leaves the response as it was; no refusal of the request is noted.)
        match self.kept.extra.push(RawHeader::new(name.as_bytes(), value.as_bytes())) {
            true => Ok(self),
            false => Err(TooManyHeaders(self)),
        }
    }

    /// Adds a header whose name or value is owned (a formatted `etag`, a `set-cookie`): the
    /// response keeps the strings until the glue has read them, then frees them.
    #[cfg(feature = "alloc")]
    pub fn header_owned(mut self, name: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) -> Self {
        let name = self.kept.extra.keep(name.into());
        let value = self.kept.extra.keep(value.into());
        // SAFETY: each pointer is either a borrow for 'a (the response's lifetime) or the bytes
        // of a String now owned by `self.kept.extra`, never mutated and alive as long as it,
        // which outlives every use of the record (the glue reads it before the next request).
        self.kept.extra.push(unsafe { RawHeader::new(&*name, &*value) });
        self
    }

    /// The status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Every header, fixed ones first.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        let fixed = self.headers.iter().map(|h| (h.name(), h.value()));
        // SAFETY: every computed header was added from `&str`s that live at least as long as
        // `&self` (borrowed for 'a, or owned by `self.kept` and never mutated), so both are
        // alive, unchanged and valid UTF-8 while this borrow lasts.
        let extra = self.kept.extra.as_slice().iter().map(|h| unsafe {
            (
                core::str::from_utf8_unchecked(h.name()),
                core::str::from_utf8_unchecked(h.value()),
            )
        });
        fixed.chain(extra)
    }

    /// The body's bytes.
    pub fn body(&self) -> &[u8] {
        self.kept.body()
    }

    /// The parts the runtime publishes: status, fixed headers (and whether they are
    /// immutable statics), and what it keeps.
    pub(crate) fn into_parts(self) -> (u16, &'a [Header<'a>], bool, Kept) {
        (self.status, self.headers, self.static_headers, self.kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn try_header_answers_the_limit_as_a_result() {
        let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
        let mut response = Response::text(200, "x");
        let mut refused = 0;
        for name in names {
            response = match response.try_header(name, "1") {
                Ok(r) => r,
                Err(TooManyHeaders(r)) => {
                    refused += 1;
                    r
                }
            };
        }
        let kept = response.headers().count() - 1; // (content-type)
        #[cfg(not(feature = "alloc"))]
        assert_eq!((kept, refused), (EXTRA_HEADERS, names.len() - EXTRA_HEADERS));
        #[cfg(feature = "alloc")]
        assert_eq!((kept, refused), (names.len(), 0));
    }

    #[test]
    fn static_headers_are_marked_only_when_they_are() {
        const MINE: &[Header<'static>] = &[Header::new("x-mine", "1")];
        assert!(Response::text(200, "a").into_parts().2, "TEXT_PLAIN is a const");
        assert!(Response::number(200, 7).into_parts().2);
        assert!(Response::bytes(200, b"a").with_static_headers(MINE).into_parts().2);
        let computed = [Header::new("x-local", "2")];
        let response = Response::text(200, "a").with_headers(&computed);
        let (_, headers, is_static, _) = response.into_parts();
        assert!(!is_static, "a slice that may live on the stack is decoded per response");
        assert_eq!(headers.len(), 1);
    }

    #[test]
    fn numbers_render_inline() {
        for (n, s) in [(0u64, "0"), (7, "7"), (42, "42"), (u64::MAX, "18446744073709551615")] {
            assert_eq!(Response::number(200, n).body(), s.as_bytes());
        }
    }

    #[test]
    fn fixed_and_computed_headers() {
        let location = String::from("/moved");
        let r = Response::text(302, "moved")
            .header("location", &location)
            .header("set-cookie", "a=1")
            .header("set-cookie", "b=2");
        let all: Vec<_> = r.headers().collect();
        assert_eq!(
            all,
            [
                ("content-type", "text/plain; charset=utf-8"),
                ("location", "/moved"),
                ("set-cookie", "a=1"),
                ("set-cookie", "b=2")
            ]
        );
        assert_eq!(Response::bytes(204, b"").with_headers(TEXT_PLAIN).headers().count(), 1);
        assert_eq!(Response::bytes(200, b"").with_status(201).status(), 201);
    }

    #[cfg(not(feature = "alloc"))]
    #[test]
    fn without_an_allocator_a_ninth_computed_header_is_noted_not_a_panic() {
        let mut r = Response::text(200, "");
        for _ in 0..EXTRA_HEADERS {
            r = r.header("x", "y");
        }
        let _ = take_header_overflow();
        assert_eq!(take_header_overflow(), None);
        let line = line!() + 1;
        r = r.header("x", "ninth").header("x", "tenth");
        let at = take_header_overflow().expect("noted");
        assert_eq!((at.file(), at.line()), (file!(), line), "the first call over the limit");
        assert_eq!(r.headers().count(), 1 + EXTRA_HEADERS, "nothing past the limit is kept");
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn owned_headers_live_with_the_response() {
        let mut r = Response::text(200, "");
        for i in 0..20 {
            r = r.header_owned("x-n", alloc::format!("{i}"));
        }
        r = r.header_owned(String::from("etag"), "\"v1\"");
        let values: Vec<String> = r.headers().skip(1).map(|(_, v)| v.into()).collect();
        assert_eq!(values.len(), 21);
        assert_eq!(values[19], "19");
        assert_eq!(r.headers().last(), Some(("etag", "\"v1\"")));
    }

    #[test]
    fn header_round_trips() {
        let h = Header::new("x-a", "1");
        assert_eq!((h.name(), h.value()), ("x-a", "1"));
        assert_eq!(
            Response::text(200, "hi").headers().next(),
            Some(("content-type", "text/plain; charset=utf-8"))
        );
    }
}
