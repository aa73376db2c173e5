//! One request through `entry!` (the I/O buffer, what `__tw_fetch` does, how the response is
//! published for the glue) and one event through the event exports. Nothing here allocates.

use crate::abi::{
    FaultKind, ModuleHeader, ResponseRecord, HEADERS_STATIC, OUTCOME_FAILED, OUTCOME_FAULT, OUTCOME_RESPONSE,
};
use crate::error::Error;
use crate::request::Request;
use crate::response::{Header, Kept, Response};
use crate::storage::Storage;
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

/// A handler `entry!` accepts: a `fn(&Request<'a>) -> Response<'a>`, or one that answers a
/// `Result<Response<'a>, E>` where `E` converts into [`Error`] (any error of this crate, or a
/// `&'static str`). `M` tells the two apart (the handler's signature picks it); a Worker never
/// names it.
pub trait Handler<M>: Copy {
    /// Whether an `Err` may become its response (a `Result` handler's, or a route's inside a
    /// Durable Object's): then the call's outcome says so. `false` costs nothing.
    const FALLIBLE: bool;
    /// The handler's response to `request` (an `Err` answered with its status and generic
    /// body, and logged).
    fn answer<'a>(self, request: &Request<'a>) -> Response<'a>;
}

/// [`Handler`]'s `M` for a handler that answers a `Response`.
pub enum Infallible {}

/// [`Handler`]'s `M` for a handler that answers a `Result<Response, E>`.
pub struct Fallible<E>(core::marker::PhantomData<E>);

impl<F> Handler<Infallible> for F
where
    F: Copy + for<'a> Fn(&Request<'a>) -> Response<'a>,
{
    const FALLIBLE: bool = false;
    fn answer<'a>(self, request: &Request<'a>) -> Response<'a> {
        self(request)
    }
}

impl<F, E> Handler<Fallible<E>> for F
where
    F: Copy + for<'a> Fn(&Request<'a>) -> Result<Response<'a>, E>,
    E: Into<Error>,
{
    const FALLIBLE: bool = true;
    fn answer<'a>(self, request: &Request<'a>) -> Response<'a> {
        answer_result(self(request))
    }
}

/// A Durable Object's request handler, as `durable_object!` accepts it: a
/// `fn(&Request<'a>, &Storage) -> Response<'a>`, or one that answers a `Result<Response<'a>, E>`
/// (an `Err` rolls the request's writes back before its answer is sent).
pub trait ObjectHandler<M>: Copy {
    /// The handler's response to `request`.
    fn answer<'a>(self, request: &Request<'a>, storage: &Storage) -> Response<'a>;
}

impl<F> ObjectHandler<Infallible> for F
where
    F: Copy + for<'a> Fn(&Request<'a>, &Storage) -> Response<'a>,
{
    fn answer<'a>(self, request: &Request<'a>, storage: &Storage) -> Response<'a> {
        self(request, storage)
    }
}

impl<F, E> ObjectHandler<Fallible<E>> for F
where
    F: Copy + for<'a> Fn(&Request<'a>, &Storage) -> Result<Response<'a>, E>,
    E: Into<Error>,
{
    fn answer<'a>(self, request: &Request<'a>, storage: &Storage) -> Response<'a> {
        answer_result(self(request, storage))
    }
}

/// An [`ObjectHandler`] served as a [`Handler`], with the object's storage.
#[derive(Clone, Copy)]
pub struct WithStorage<H>(pub H);

/// [`Handler`]'s `M` for a [`WithStorage`].
pub struct Stored<M>(core::marker::PhantomData<M>);

impl<H: ObjectHandler<M>, M> Handler<Stored<M>> for WithStorage<H> {
    // (Even a plain handler may route, and a route's `Err` rolls the writes back too.)
    const FALLIBLE: bool = true;
    fn answer<'a>(self, request: &Request<'a>) -> Response<'a> {
        self.0.answer(request, &Storage::new())
    }
}

/// A handler's `Result` as its response: an `Err` is logged (the glue writes the request's
/// method and path before it) and answered with its status and body (generic unless the error
/// is public).
pub fn answer_result<E: Into<Error>>(result: Result<Response<'_>, E>) -> Response<'_> {
    result.unwrap_or_else(|error| error_response(&error.into()))
}

/// Calls `handler` on `request`: its response, and whether that is an `Err` it answered (what
/// `serve` reads from the flag, for the test platform's runs).
#[cfg(any(test, feature = "testing"))]
pub(crate) fn answer_noting_err<'a, H: Handler<M>, M>(handler: H, request: &Request<'a>) -> (Response<'a>, bool) {
    take_erred();
    let response = handler.answer(request);
    (response, take_erred())
}

per_instance! {
    /// Set when a handler's `Err` became the response (a route's, which `dispatch` answers
    /// inside the handler): a Durable Object then rolls the request's writes back.
    static ERRED: bool = false;
}

/// The response to `error`, logged with the request's method and path.
#[cold]
#[inline(never)]
pub(crate) fn error_response<'a>(error: &Error) -> Response<'a> {
    crate::error::log("", error);
    // SAFETY: the closure only stores the flag.
    unsafe { ERRED.with(|erred| *erred = true) };
    Response::from(*error)
}

/// Whether an `Err` became a response since the last call, and clears the flag.
pub(crate) fn take_erred() -> bool {
    // SAFETY: the closure only swaps the flag out.
    unsafe { ERRED.with(core::mem::take) }
}

/// One request (`__tw_fetch`): release the previous response, call the handler on the body
/// the glue wrote into `io`, publish the response. Returns an outcome (docs/ABI.md):
/// `OUTCOME_FAILED` when the handler answered an error (a Durable Object's glue then rolls
/// the request's writes back).
///
/// # Safety
/// `io` must be the module's I/O buffer with the glue's `body_len` bytes of body written at
/// its start, and the call must not be reentrant or concurrent with another `fetch` (the
/// glue's call guard): for its duration the call owns the buffer.
pub unsafe fn fetch<const N: usize, M>(io: &IoBuffer<N>, body_len: usize, handler: impl Handler<M>) -> u32 {
    // SAFETY: the caller gives this call the buffer: no other reference into it exists (the
    // previous response's record holds raw addresses only, and nothing reads them now).
    let buffer: &mut [u8; N] = unsafe { &mut *io.0.as_ptr() };
    serve(buffer, body_len, handler)
}

/// `fetch` on the I/O buffer the module header (`__tw_abi`, which `entry!` exports) names:
/// what a Durable Object class's fetch export calls, from any module of the crate.
///
/// # Safety
/// As `fetch`'s: the glue wrote the body at the buffer's start, and the call is not reentrant.
pub unsafe fn fetch_in_module<M>(body_len: usize, handler: impl Handler<M>) -> u32 {
    unsafe extern "C" {
        /// The header `entry!` exports (the link fails without an `entry!` in the crate).
        static __tw_abi: ModuleHeader;
    }
    // SAFETY: `__tw_abi` is an immutable static of the crate's `entry!`, initialised at compile
    // time; reading its words races with nothing.
    let (io, capacity) = unsafe { (__tw_abi.io, __tw_abi.io_capacity) };
    // SAFETY: the header names the module's I/O buffer and its size, and the caller gives this
    // call the buffer (as `fetch`'s).
    let buffer: &mut [u8] = unsafe { core::slice::from_raw_parts_mut(io, capacity) };
    serve(buffer, body_len, handler)
}

/// One request on `buffer` (the module's I/O buffer, the body at its start).
fn serve<H: Handler<M>, M>(buffer: &mut [u8], body_len: usize, handler: H) -> u32 {
    begin();
    let Some(request) = Request::in_buffer(buffer, body_len) else {
        crate::fault::record_kind(FaultKind::TooLarge);
        return OUTCOME_FAULT;
    };
    if H::FALLIBLE {
        take_erred();
    }
    // Through a function pointer, as a plain handler always was: the optimiser then makes of a
    // plain handler what it made before handlers could answer a `Result` (`counter` is 23 B
    // gzip smaller than with a direct call).
    let call = trampoline_of(handler);
    match catch(|| call(&request)) {
        Some(response) => {
            let failed = H::FALLIBLE && take_erred();
            // A documented limit, not a fault of the instance: a response past it is refused as
            // a fault would be (a 500, logged with the line that went over), the instance kept.
            let (response, outcome) = match crate::response::take_header_overflow() {
                None => (response, if failed { OUTCOME_FAILED } else { OUTCOME_RESPONSE }),
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

/// A handler as a function pointer. Handlers are function items (zero-sized, one value), so the
/// pointer's target makes the value again where it is called.
fn trampoline_of<H: Handler<M>, M>(handler: H) -> for<'a> fn(&Request<'a>) -> Response<'a> {
    const { assert!(size_of::<H>() == 0, "a handler is a function's name (a `fn` item)") };
    fn call<'a, H: Handler<M>, M>(request: &Request<'a>) -> Response<'a> {
        // SAFETY: H is zero-sized (asserted above), so reading one from a dangling, aligned
        // pointer reads no memory; and a zero-sized handler (a function item, or a closure that
        // captures nothing) has exactly one value, which `trampoline_of` was given and which is
        // `Copy`: making it again duplicates nothing that was not freely copyable.
        let handler: H = unsafe { core::ptr::NonNull::<H>::dangling().as_ptr().read() };
        handler.answer(request)
    }
    let _ = handler;
    call::<H, M>
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

/// What an event handler answers: nothing, or a `Result` whose error (anything that converts
/// into [`Error`]) tells the platform the invocation failed (a queue batch is retried, an
/// alarm runs again); the error is logged.
pub trait EventResult {
    /// The error, when the invocation failed.
    fn into_error(self) -> Option<Error>;
}

impl EventResult for () {
    fn into_error(self) -> Option<Error> {
        None
    }
}

impl<E: Into<Error>> EventResult for Result<(), E> {
    fn into_error(self) -> Option<Error> {
        self.err().map(Into::into)
    }
}

/// One event (`__tw_scheduled`, `__tw_queue`, a Durable Object's alarm or WebSocket message):
/// runs `handler` as `fetch` runs a request handler; returns `OUTCOME_RESPONSE` when it
/// succeeded, `OUTCOME_FAILED` when it returned an error (logged with `what`, the event's
/// name), `OUTCOME_FAULT` when it panicked (unwind build; in the abort build a fault leaves by
/// the tag).
pub fn event<R: EventResult>(what: &str, handler: impl FnOnce() -> R) -> u32 {
    begin();
    match catch(handler) {
        Some(result) => match result.into_error() {
            Some(error) => {
                crate::error::log(what, &error);
                OUTCOME_FAILED
            }
            None => OUTCOME_RESPONSE,
        },
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
    fn an_err_is_its_status_a_generic_body_and_a_log_line() {
        let _guard = crate::tests::LOCK.lock().unwrap();
        static IO: IoBuffer<256> = IoBuffer::new();
        fn fallible<'a>(r: &Request<'a>) -> Result<Response<'a>, Error> {
            match r.path() {
                "/ok" => Ok(Response::text(200, "fine")),
                "/secret" => Err(Error::new(409, "internal detail")),
                "/public" => Err(Error::new(422, "say this").public()),
                _ => Err(crate::io::Error::Failed)?,
            }
        }
        crate::sys::LOGGED.with(|l| l.borrow_mut().clear());
        for (url, outcome, status, body) in [
            ("http://h/ok", OUTCOME_RESPONSE, 200, &b"fine"[..]),
            ("http://h/secret", OUTCOME_FAILED, 409, b"conflict\n"),
            ("http://h/public", OUTCOME_FAILED, 422, b"say this"),
            ("http://h/io", OUTCOME_FAILED, 502, b"bad gateway\n"),
        ] {
            crate::sys::set_request("GET", url, b"");
            // SAFETY: no other fetch runs (the lock); the body is empty.
            assert_eq!(unsafe { fetch(&IO, 0, fallible) }, outcome, "{url}");
            let (got_status, got_body, _) = read();
            assert_eq!((got_status, &got_body[..]), (status, body), "{url}");
        }
        let logged = crate::sys::LOGGED.with(|l| l.borrow().clone());
        let lines: Vec<&str> = logged.iter().map(|(_, line)| line.as_str()).collect();
        assert_eq!(
            lines,
            [
                "GET /secret: 409 internal detail",
                "GET /public: 422 say this",
                "GET /io: 502 a subrequest or KV operation failed"
            ]
        );
    }

    #[test]
    fn an_event_reports_success_and_failure() {
        let _guard = crate::tests::LOCK.lock().unwrap();
        assert_eq!(event("cron", || ()), OUTCOME_RESPONSE);
        assert_eq!(event("cron", || Ok::<(), Error>(())), OUTCOME_RESPONSE);
        crate::sys::LOGGED.with(|l| l.borrow_mut().clear());
        assert_eq!(event("cron", || Err::<(), _>("no")), OUTCOME_FAILED);
        let logged = crate::sys::LOGGED.with(|l| l.borrow().clone());
        assert_eq!(logged, [(crate::abi::LOG_ERROR, "cron: 500 no".to_string())]);
    }
}
