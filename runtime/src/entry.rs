//! One request through `entry!` (the I/O buffer, what `__tw_fetch` does, how the response is
//! published for the glue) and one event through the event exports. Nothing here allocates.

use crate::abi::{
    FaultKind, ModuleHeader, ResponseRecord, HEADERS_STATIC, OUTCOME_FAILED, OUTCOME_FAULT, OUTCOME_RESPONSE,
};
use crate::request::Request;
use crate::response::{Header, Kept, Response};
use tinyworker_alloc::SingleThreaded;

/// The static buffer a request's body and parts go into (`entry!` declares one per module).
pub struct IoBuffer<const N: usize>(SingleThreaded<[u8; N]>);

impl<const N: usize> IoBuffer<N> {
    /// A zeroed buffer (it lives in .bss and costs no bytes in the module).
    pub const fn new() -> Self {
        Self(SingleThreaded::new([0; N]))
    }

    /// Its address, for the module header.
    pub const fn as_ptr(&self) -> *mut u8 {
        self.0.as_ptr().cast()
    }
}

impl<const N: usize> Default for IoBuffer<N> {
    fn default() -> Self {
        Self::new()
    }
}

per_instance! {
    /// The response record (its address is in the module header).
    pub(crate) static RECORD: ResponseRecord = ResponseRecord::NONE;
}

/// The module header `entry!` exports as `__tw_abi`: the I/O buffer `io` of `capacity` bytes
/// and the runtime's fault and response records.
pub const fn module_header(io: *mut u8, capacity: usize) -> ModuleHeader {
    ModuleHeader::new(io, capacity, crate::fault::RECORD.address(), RECORD.address())
}

per_instance! {
    /// What the runtime keeps of the last response until the next request starts: the part of
    /// the response without a lifetime (computed headers, the body or its address). What the
    /// response borrowed (static data, the request in the I/O buffer) stays where it is, and the
    /// record points at it with raw addresses that only the glue reads.
    static KEPT: Kept = Kept::EMPTY;
}

/// The handler type `entry!` accepts.
pub type Handler = for<'a> fn(&Request<'a>) -> Response<'a>;

/// One request (`__tw_fetch`): release the previous response, call the handler on the body
/// the glue wrote into `io`, publish the response. Returns an outcome (docs/ABI.md).
///
/// # Safety
/// `io` must be the module's I/O buffer with the glue's `body_len` bytes of body written at
/// its start, and the call must not be reentrant or concurrent with another `fetch` (the
/// glue's call guard): for its duration the call owns the buffer.
pub unsafe fn fetch<const N: usize>(io: &IoBuffer<N>, body_len: usize, handler: Handler) -> u32 {
    begin();
    // SAFETY: the caller gives this call the buffer: no other reference into it exists (the
    // previous response's record holds raw addresses only, and nothing reads them now).
    let buffer: &mut [u8; N] = unsafe { &mut *io.0.as_ptr() };
    let Some(request) = Request::in_buffer(buffer, body_len) else {
        crate::fault::record_kind(FaultKind::TooLarge);
        return OUTCOME_FAULT;
    };
    match catch(|| handler(&request)) {
        Some(response) => {
            // A documented limit, not a fault of the instance: a response past it is refused as
            // a fault would be (a 500, logged with the line that went over), the instance kept.
            let (response, outcome) = match crate::response::take_header_overflow() {
                None => (response, OUTCOME_RESPONSE),
                Some(at) => {
                    crate::fault::report(FaultKind::Abort, crate::response::TOO_MANY_HEADERS, at);
                    (Response::text(500, "internal error\n"), OUTCOME_FAULT)
                }
            };
            publish(response);
            outcome
        }
        None => OUTCOME_FAULT,
    }
}

/// What every call into the module starts with: a clean fault record, and the previous
/// response's owned parts freed (the glue has read them).
pub(crate) fn begin() {
    crate::fault::begin_request();
    crate::signal::begin_call();
    let _ = crate::response::take_header_overflow();
    // SAFETY: the closure only swaps the value out. Dropping it (here, outside the access)
    // frees the previous response's owned parts.
    let _ = unsafe { KEPT.with(|kept| core::mem::replace(kept, Kept::EMPTY)) };
    #[cfg(feature = "alloc")]
    tinyworker_alloc::end_of_request();
}

/// What an event handler answers: nothing, or a `Result` whose error tells the platform the
/// invocation failed (a queue batch is retried, an alarm runs again).
pub trait EventResult {
    /// Whether the invocation failed.
    fn failed(&self) -> bool;
}

impl EventResult for () {
    fn failed(&self) -> bool {
        false
    }
}

impl<E> EventResult for Result<(), E> {
    fn failed(&self) -> bool {
        self.is_err()
    }
}

/// One event (`__tw_scheduled`, `__tw_queue`, a Durable Object's alarm or WebSocket message):
/// runs `handler` as `fetch` runs a request handler; returns `OUTCOME_RESPONSE` when it
/// succeeded, `OUTCOME_FAILED` when it returned an error, `OUTCOME_FAULT` when it panicked
/// (unwind build; in the abort build a fault leaves by the tag).
pub fn event<R: EventResult>(handler: impl FnOnce() -> R) -> u32 {
    begin();
    match catch(handler) {
        Some(result) if result.failed() => OUTCOME_FAILED,
        Some(_) => OUTCOME_RESPONSE,
        None => OUTCOME_FAULT,
    }
}

/// Moves what the response owns into `KEPT` and writes the record the glue reads.
fn publish(response: Response<'_>) {
    let (status, fixed, fixed_static, kept) = response.into_parts();
    // SAFETY: the closure stores into KEPT and reads what it stored; it touches no other
    // access of KEPT. The addresses it returns point into the static (which does not move)
    // or into heap blocks KEPT now owns, so they stay valid until the next `fetch`.
    let (extra, extra_count, body, body_len) = unsafe {
        KEPT.with(|slot| {
            *slot = kept;
            let (extra, body) = (slot.extra.as_slice(), slot.body());
            (extra.as_ptr(), extra.len(), body.as_ptr(), body.len())
        })
    };
    let record = ResponseRecord {
        status: u32::from(status),
        headers: Header::raw(fixed),
        header_count: fixed.len() | if fixed_static { HEADERS_STATIC } else { 0 },
        extra,
        extra_count,
        body,
        body_len,
    };
    // SAFETY: the closure only stores the record.
    unsafe { RECORD.with(|r| *r = record) };
}

/// Calls `f`; in the unwind build a panic is caught here (`None`), after every destructor
/// between the panic and this frame ran.
#[cfg(not(all(target_arch = "wasm32", panic = "unwind")))]
fn catch<R>(f: impl FnOnce() -> R) -> Option<R> {
    Some(f())
}

#[cfg(all(target_arch = "wasm32", panic = "unwind"))]
fn catch<R, F: FnOnce() -> R>(f: F) -> Option<R> {
    struct Call<F, R> {
        f: core::mem::ManuallyDrop<F>,
        result: Option<R>,
    }
    fn run<F: FnOnce() -> R, R>(data: *mut u8) {
        // SAFETY: `data` is the `Call<F, R>` below, exclusively borrowed for this call.
        let call = unsafe { &mut *data.cast::<Call<F, R>>() };
        // SAFETY: `run` runs once, and `f` is never used again (nor dropped: ManuallyDrop).
        let f = unsafe { core::mem::ManuallyDrop::take(&mut call.f) };
        call.result = Some(f());
    }
    fn caught(_data: *mut u8, _payload: *mut u8) {}
    let mut call = Call {
        f: core::mem::ManuallyDrop::new(f),
        result: None,
    };
    // SAFETY: `run::<F, R>` and `caught` have the signatures the intrinsic requires, and `data`
    // points at `call`, which outlives the intrinsic call. A caught panic left its record in
    // the fault record; `caught` ignores the payload (the record's address).
    let panicked = unsafe { core::intrinsics::catch_unwind(run::<F, R>, (&raw mut call).cast(), caught) };
    if panicked != 0 {
        None
    } else {
        call.result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello<'a>(r: &Request<'a>) -> Response<'a> {
        Response::text(200, r.path()).header("x-body", "yes")
    }

    type Bytes = Vec<u8>;

    /// The record, and the body and headers it points at, as the glue would read them.
    fn read() -> (u32, Bytes, Vec<(Bytes, Bytes)>) {
        // SAFETY: the closure copies the record out.
        let rec = unsafe { RECORD.with(|r| *r) };
        // SAFETY: the record points at the last response, alive until the next fetch.
        unsafe {
            let body = core::slice::from_raw_parts(rec.body, rec.body_len).to_vec();
            let headers = core::slice::from_raw_parts(rec.headers, rec.header_count & !HEADERS_STATIC)
                .iter()
                .chain(core::slice::from_raw_parts(rec.extra, rec.extra_count))
                .map(|h| (h.name().to_vec(), h.value().to_vec()))
                .collect();
            (rec.status, body, headers)
        }
    }

    #[test]
    fn fetch_publishes_the_record() {
        let _guard = crate::tests::LOCK.lock().unwrap();
        static IO: IoBuffer<64> = IoBuffer::new();
        crate::sys::set_request("GET", "http://h/hello", b"");
        // SAFETY: no other fetch runs (the lock); the body is empty.
        assert_eq!(unsafe { fetch(&IO, 0, hello) }, OUTCOME_RESPONSE);
        let (status, body, headers) = read();
        assert_eq!((status, &body[..]), (200, &b"/hello"[..]));
        assert_eq!(headers[1], (b"x-body".to_vec(), b"yes".to_vec()));
        assert_eq!(headers.len(), 2);

        // A number's digits are kept in the runtime until the next request.
        fn number<'a>(_: &Request<'a>) -> Response<'a> {
            Response::number(200, 1234)
        }
        // SAFETY: as above.
        assert_eq!(unsafe { fetch(&IO, 0, number) }, OUTCOME_RESPONSE);
        assert_eq!(read().1, b"1234");

        // A body length beyond the buffer is refused with a fault record, not a panic.
        // SAFETY: as above; the length is what is under test.
        assert_eq!(unsafe { fetch(&IO, 65, hello) }, OUTCOME_FAULT);
        // SAFETY: the closure copies the kind out.
        let kind = unsafe { crate::fault::RECORD.with(|r| r.kind) };
        assert_eq!(kind, FaultKind::TooLarge as u32);
    }

    #[cfg(not(feature = "alloc"))]
    #[test]
    fn a_response_over_the_header_limit_is_refused_without_a_panic() {
        let _guard = crate::tests::LOCK.lock().unwrap();
        static IO: IoBuffer<64> = IoBuffer::new();
        fn many<'a>(_: &Request<'a>) -> Response<'a> {
            let mut response = Response::text(200, "secret body");
            for _ in 0..=crate::EXTRA_HEADERS {
                response = response.header("x-many", "1");
            }
            response
        }
        crate::sys::set_request("GET", "http://h/", b"");
        // SAFETY: no other fetch runs (the lock); the body is empty.
        assert_eq!(unsafe { fetch(&IO, 0, many) }, OUTCOME_FAULT);
        // The record names the limit and the handler's line; the published answer is a plain
        // 500 (what a glue without fault records sends), nothing of the refused response.
        // SAFETY: the closure copies the record out.
        let record = unsafe { crate::fault::RECORD.with(|r| *r) };
        // SAFETY: the record's message and file are static strs.
        let (message, file) = unsafe {
            (
                core::slice::from_raw_parts(record.message, record.message_len),
                core::slice::from_raw_parts(record.file, record.file_len),
            )
        };
        assert_eq!(record.kind, FaultKind::Abort as u32);
        assert_eq!(message, crate::response::TOO_MANY_HEADERS.as_bytes());
        assert_eq!(file, file!().as_bytes());
        let (status, body, headers) = read();
        assert_eq!((status, &body[..], headers.len()), (500, &b"internal error\n"[..], 1));
    }

    #[test]
    fn an_event_reports_success_and_failure() {
        let _guard = crate::tests::LOCK.lock().unwrap();
        assert_eq!(event(|| ()), OUTCOME_RESPONSE);
        assert_eq!(event(|| Ok::<(), ()>(())), OUTCOME_RESPONSE);
        assert_eq!(event(|| Err::<(), _>("no")), OUTCOME_FAILED);
    }
}
