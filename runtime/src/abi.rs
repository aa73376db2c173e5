//! The host ABI behind `entry!`: the glue writes a request into the I/O buffer, calls
//! `tw_fetch`, and reads the returned `ResponseRecord`; nothing here allocates.

use crate::global::Global;
use crate::http::{Header, Request, Response};
use core::cell::UnsafeCell;

/// The static buffer a request is copied into (`entry!` declares one per module).
pub struct IoBuffer<const N: usize>(UnsafeCell<[u8; N]>);

// SAFETY: single-threaded wasm32 (see `Global`); the glue writes the buffer only between
// calls, when no Rust reference into it exists.
unsafe impl<const N: usize> Sync for IoBuffer<N> {}

impl<const N: usize> IoBuffer<N> {
    /// A zeroed buffer (it lives in .bss and costs no bytes in the module).
    pub const fn new() -> Self {
        Self(UnsafeCell::new([0; N]))
    }

    /// Where the glue may write a request of `len` bytes, or null when it does not fit
    /// (the glue answers 413 without calling the handler).
    pub fn reserve(&self, len: usize) -> *mut u8 {
        if len <= N {
            self.0.get().cast()
        } else {
            core::ptr::null_mut()
        }
    }
}

impl<const N: usize> Default for IoBuffer<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// The response as the glue reads it: five u32 words on wasm32.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ResponseRecord {
    pub status: u32,
    pub headers: *const Header<'static>,
    pub header_count: usize,
    pub body: *const u8,
    pub body_len: usize,
}

static RECORD: Global<ResponseRecord> = Global::new(ResponseRecord {
    status: 0,
    headers: core::ptr::null(),
    header_count: 0,
    body: core::ptr::null(),
    body_len: 0,
});

/// The last response, kept alive (with any owned body) until the next request starts.
static LAST: Global<Option<Response<'static>>> = Global::new(None);

/// The handler type `entry!` accepts.
pub type Handler = for<'a> fn(&Request<'a>) -> Response<'a>;

/// Splits the first `lens` bytes of `buffer` into a request, or `None` when the lengths do
/// not fit the buffer (the glue answers 413). No panicking paths, so a handler that never
/// panics links no `core::fmt`.
pub fn parse_request(buffer: &[u8], lens: [usize; 4]) -> Option<Request<'_>> {
    let [method, url, headers, body] = lens;
    let head_len = method.checked_add(url)?.checked_add(headers)?;
    let head = buffer.get(..head_len)?;
    let body = buffer.get(head_len..head_len.checked_add(body)?)?;
    let (method, rest) = head.split_at_checked(method)?;
    let (url, headers) = rest.split_at_checked(url)?;
    Some(Request::from_bytes(method, url, headers, body))
}

/// One request: parse, call the handler, publish the response record. Returns the
/// record's address; the fault record's address + 1 when the unwind build caught a panic
/// (both records are 4-aligned, so the low bit is free); 0 when the lengths do not fit.
///
/// # Safety
/// `buffer` must point at `capacity` bytes that nothing else references during the call
/// (the `IoBuffer` of `entry!`), and the call must not be reentrant (the glue guards it).
pub unsafe fn fetch(buffer: *const u8, capacity: usize, lens: [usize; 4], handler: Handler) -> usize {
    crate::fault::begin_request();
    // SAFETY: no reference into LAST is alive between requests; dropping the previous
    // response frees its owned body (it may borrow the old request bytes, which it does not
    // read when dropped).
    unsafe { *LAST.get() = None };
    #[cfg(feature = "alloc")]
    tinyworker_alloc::end_of_request();
    // SAFETY: the caller guarantees `buffer` is valid for `capacity` bytes and unaliased.
    let bytes = unsafe { core::slice::from_raw_parts(buffer, capacity) };
    let Some(request) = parse_request(bytes, lens) else {
        return 0;
    };
    let Some(response) = call_handler(handler, &request) else {
        return crate::fault::record() as usize + 1;
    };
    // SAFETY: the response borrows the I/O buffer (valid until the glue writes the next
    // request, which happens only after it has read this response and before the next
    // `fetch` drops LAST) or static data, so extending its lifetime to the next request
    // is sound; nothing reads it after that.
    let response: Response<'static> = unsafe { core::mem::transmute::<Response<'_>, Response<'static>>(response) };
    // SAFETY: single thread, no outstanding references into LAST or RECORD.
    unsafe {
        let last = (*LAST.get()).insert(response);
        let body = last.body.as_bytes();
        RECORD.get().write(ResponseRecord {
            status: u32::from(last.status),
            headers: last.headers.as_ptr(),
            header_count: last.headers.len(),
            body: body.as_ptr(),
            body_len: body.len(),
        });
    }
    RECORD.get() as usize
}

/// Calls the handler; in the unwind build a panic is caught here (`None`), after every
/// destructor between the panic and this frame ran.
#[cfg(not(all(target_arch = "wasm32", panic = "unwind")))]
fn call_handler<'a>(handler: Handler, request: &Request<'a>) -> Option<Response<'a>> {
    Some(handler(request))
}

#[cfg(all(target_arch = "wasm32", panic = "unwind"))]
fn call_handler<'a>(handler: Handler, request: &Request<'a>) -> Option<Response<'a>> {
    struct Call<'r, 'a> {
        handler: Handler,
        request: &'r Request<'a>,
        response: Option<Response<'a>>,
    }
    fn run(data: *mut u8) {
        // SAFETY: `data` is the `Call` below, exclusively borrowed for this call.
        let call = unsafe { &mut *data.cast::<Call<'_, '_>>() };
        call.response = Some((call.handler)(call.request));
    }
    fn caught(_data: *mut u8, _payload: *mut u8) {}
    let mut call = Call {
        handler,
        request,
        response: None,
    };
    // SAFETY: `run` and `caught` match the intrinsic's contract; `data` points at `call`,
    // which outlives the call. A caught panic left its record in the fault record.
    let panicked = unsafe { core::intrinsics::catch_unwind(run, (&raw mut call).cast(), caught) };
    if panicked != 0 {
        None
    } else {
        call.response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_parts() {
        let buf = b"POST/x?yhost:h\nbodyZZZZ";
        let r = parse_request(buf, [4, 4, 7, 4]).unwrap();
        assert_eq!(
            (r.method(), r.url(), r.header("host"), r.body()),
            ("POST", "/x?y", Some("h"), &b"body"[..])
        );
    }

    #[test]
    fn rejects_bad_lengths_and_keeps_bytes() {
        assert!(parse_request(b"GET/", [3, 1, 0, 1]).is_none());
        assert!(parse_request(b"GET/", [usize::MAX, 1, 0, 0]).is_none());
        assert!(parse_request(b"GET/", [1, usize::MAX, 0, 0]).is_none());
        // A head that is not UTF-8 (or a length that splits "é") reads as empty, never as
        // a panic or invalid str; a body need not be UTF-8.
        assert_eq!(parse_request(b"GET/\xff", [3, 2, 0, 0]).unwrap().url(), "");
        assert_eq!(parse_request("Gé/".as_bytes(), [2, 2, 0, 0]).unwrap().method(), "");
        assert_eq!(parse_request(b"GET/\xff", [3, 1, 0, 1]).unwrap().body(), b"\xff");
    }

    fn hello<'a>(r: &Request<'a>) -> Response<'a> {
        Response::text(200, r.path())
    }

    #[test]
    fn fetch_publishes_the_record() {
        let _guard = crate::tests::LOCK.lock().unwrap();
        let io: IoBuffer<32> = IoBuffer::new();
        assert!(io.reserve(33).is_null());
        let p = io.reserve(10);
        // SAFETY: 10 <= 32 bytes of the buffer, no references into it exist.
        unsafe { core::ptr::copy_nonoverlapping(b"GET/hello".as_ptr(), p, 9) };
        // SAFETY: single call on this thread; the buffer is valid for 32 bytes, and the
        // returned address is the response record.
        let rec = unsafe { *(fetch(p, 32, [3, 6, 0, 0], hello) as *const ResponseRecord) };
        assert_eq!(rec.status, 200);
        assert_eq!(rec.header_count, 1);
        // SAFETY: the record points into LAST, alive until the next fetch.
        assert_eq!(
            unsafe { core::slice::from_raw_parts(rec.body, rec.body_len) },
            b"/hello"
        );
        // SAFETY: as above; lengths beyond the buffer are refused with 0.
        assert_eq!(unsafe { fetch(p, 32, [3, 40, 0, 0], hello) }, 0);
    }
}
