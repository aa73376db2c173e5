//! Subrequests from a synchronous handler: `fetch` a URL or a service binding through the host
//! bridge (one call that the glue suspends through JSPI while the Promise settles), and read the
//! answer or hand it on untouched.
//!
//! ```
//! use tinyworker::io::{self, Subrequest};
//! use tinyworker::{Error, Request, Response};
//!
//! fn handle<'a>(req: &Request<'a>) -> Result<Response<'a>, Error> {
//!     let answer = io::send(&Subrequest::get("https://origin.example/data"))?;
//!     if req.path() == "/as-is" {
//!         return Ok(answer.respond()?); // status, headers and body passed on, none in wasm
//!     }
//!     // Read into the request's memory, sized by the host.
//!     Ok(Response::bytes(answer.status()?, answer.body_in(req)?))
//! }
//! tinyworker::entry!(handle);
//! # fn main() {}
//! ```
//!
//! The I/O functions never fault: every failure of the host (a network error, an invalid URL,
//! a missing binding, an answer larger than the buffer) is an [`Error`] the handler matches on.
//! KV is [`crate::kv::Namespace`]; a handler that does no I/O imports none of this.

use crate::bridge::{self, Arg, Field, Target, Value};
use crate::headers::header_lines;
/// Without an allocator feature: a compile error that names it.
#[cfg(not(feature = "alloc"))]
pub use crate::needs_alloc::fetch_owned;
use crate::pending::{AbortController, Pending};
use crate::response::Header;

/// Why an I/O operation did not give an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The host operation failed: the network or the origin (its Promise rejected).
    Failed,
    /// The URL is not valid.
    InvalidUrl,
    /// The Worker's env has no binding of that name, or it has no `fetch`.
    NoBinding,
    /// The platform refuses an argument: a body on a GET or HEAD subrequest, a header name or
    /// value it does not allow. A mistake of whoever chose the argument (often the client:
    /// answer 400), not an outage.
    InvalidArgument,
    /// A Durable Object served without `io: true` cannot wait for the host: its subrequests
    /// answer this (its Worker, in the same module, makes them as usual).
    WouldSuspend,
    /// The answer needs `needed` bytes and the buffer (or, for owned answers, the heap limit)
    /// has fewer.
    TooLarge {
        /// Bytes the answer needs (its headers and body).
        needed: usize,
    },
    /// No answer came within the subrequest's [`Subrequest::timeout`] (a `TimeoutError`).
    TimedOut,
    /// The subrequest's [`Subrequest::signal`] aborted it (an `AbortError`).
    Aborted,
}

impl From<bridge::Error> for Error {
    fn from(e: bridge::Error) -> Self {
        match e {
            bridge::Error::NoTarget | bridge::Error::NoMethod => Error::NoBinding,
            bridge::Error::InvalidArgument => Error::InvalidArgument,
            bridge::Error::WouldSuspend => Error::WouldSuspend,
            bridge::Error::TooLarge { needed } => Error::TooLarge { needed },
            _ => Error::Failed,
        }
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
    deadline: Option<Deadline>,
    abort: Option<Abort<'a>>,
}

/// A subrequest's timeout: its length and the code that sets and recognises it, reached
/// through function pointers so that only a module that calls [`Subrequest::timeout`] links it.
#[derive(Debug, Clone, Copy)]
struct Deadline {
    ms: u32,
    /// The timeout's signal, joined with the controller's one when there is one too.
    signal: fn(u32, Option<&Value>) -> Result<Value, bridge::Error>,
    timed_out: fn() -> bool,
}

/// A subrequest's abort signal, and the code that recognises its error (only a module that
/// calls [`Subrequest::signal`] links it).
#[derive(Debug, Clone, Copy)]
struct Abort<'a> {
    signal: &'a Value,
    aborted: fn() -> bool,
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
            deadline: None,
            abort: None,
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

    /// The same subrequest abandoned after `ms` milliseconds without an answer's head
    /// (`signal: AbortSignal.timeout(ms)`): it then answers [`Error::TimedOut`]. 0: no limit
    /// but the platform's.
    pub const fn timeout(mut self, ms: u32) -> Self {
        self.deadline = match ms {
            0 => None,
            ms => Some(Deadline {
                ms,
                signal: abort_signal,
                timed_out,
            }),
        };
        self
    }

    /// The same subrequest aborted when `controller` aborts (`signal: controller.signal`): it
    /// then answers [`Error::Aborted`]. With a [`Subrequest::timeout`] too, whichever comes first.
    pub const fn signal(mut self, controller: &'a AbortController) -> Self {
        self.abort = Some(Abort {
            signal: controller.signal(),
            aborted,
        });
        self
    }

    /// The same subrequest sent to the service binding `name` of the Worker's env (its URL
    /// is then only what the bound Worker sees).
    pub const fn via(mut self, binding: &'a str) -> Self {
        self.binding = binding;
        self
    }
}

/// How many headers a subrequest passes in its call; more are appended to a `Headers` one call
/// each (the argument array lives on the stack: no allocator needed).
const HEADERS_AT_ONCE: usize = 16;

/// `fetch(url, { method, headers, body })` on `target`. Up to [`HEADERS_AT_ONCE`] headers of
/// distinct names go in the call as an object; otherwise a `Headers` the bridge holds, one
/// `append` call per header (repeated names are kept, as the platform keeps them).
/// `call` is [`bridge::call`] (wait for the answer's head) or [`bridge::start`] (its Promise).
fn fetch_call(target: Target<'_>, request: &Subrequest<'_>, call: BridgeCall) -> Result<Value, bridge::Error> {
    let headers = request.headers;
    let mut fields = [Field::EMPTY; HEADERS_AT_ONCE];
    for (field, h) in fields.iter_mut().zip(headers) {
        *field = Field::new(h.name(), Arg::str(h.value()));
    }
    let repeated = headers
        .iter()
        .enumerate()
        .any(|(i, h)| headers[..i].iter().any(|e| e.name().eq_ignore_ascii_case(h.name())));
    let all;
    let headers = if headers.len() <= HEADERS_AT_ONCE && !repeated {
        Arg::object(fields.get(..headers.len()).unwrap_or_default())
    } else {
        all = bridge::construct(Target::Global("Headers"), "", &[])?;
        for h in headers {
            all.call("append", &[Arg::str(h.name()), Arg::str(h.value())])?
                .release();
        }
        Arg::value(&all)
    };
    let body = match request.body {
        [] => Arg::UNDEFINED,
        body => Arg::bytes(body),
    };
    let abort = request.abort.map(|abort| abort.signal);
    let timeout = match request.deadline {
        None => None,
        Some(deadline) => Some((deadline.signal)(deadline.ms, abort)?),
    };
    let signal = match (&timeout, abort) {
        (Some(signal), _) | (None, Some(signal)) => Arg::value(signal),
        (None, None) => Arg::UNDEFINED,
    };
    let init = [
        Field::new("method", Arg::str(request.method)),
        Field::new("headers", headers),
        Field::new("body", body),
        Field::new("signal", signal),
    ];
    call(target, "fetch", &[Arg::str(request.url), Arg::object(&init)])
}

/// [`bridge::call`] or [`bridge::start`].
type BridgeCall = fn(Target<'_>, &str, &[Arg<'_>]) -> Result<Value, bridge::Error>;

/// Sends `request` and waits for its answer's head (the module is suspended meanwhile; other
/// requests run on other instances): the platform's `Response`, held for the rest of the
/// request. Its body is read only when asked for, or never ([`Fetched::respond`]).
pub fn send(request: &Subrequest<'_>) -> Result<Fetched, Error> {
    send_to(target_of(request), request)
}

/// Where `request` goes: the global `fetch`, or its service binding's.
fn target_of<'a>(request: &Subrequest<'a>) -> Target<'a> {
    match request.binding {
        "" => Target::Global("globalThis"),
        binding => Target::Env(binding),
    }
}

/// [`send`] to `target`'s `fetch` (a Durable Object's stub: [`crate::object::Stub::send`]).
pub(crate) fn send_to(target: Target<'_>, request: &Subrequest<'_>) -> Result<Fetched, Error> {
    match fetch_call(target, request, bridge::call) {
        Ok(response) => Ok(Fetched { response }),
        Err(e) => Err(fetch_error(e, request)),
    }
}

/// What a subrequest's failure `e` was.
fn fetch_error(e: bridge::Error, request: &Subrequest<'_>) -> Error {
    match e {
        // (What the platform refused: the URL, or another argument; asked only then.)
        bridge::Error::InvalidArgument if !url_parses(request.url) => Error::InvalidUrl,
        // (A timeout rejects with the platform's `TimeoutError`, an abort with an `AbortError`;
        // asked only when the subrequest had one.)
        bridge::Error::Failed if request.deadline.is_some_and(|d| (d.timed_out)()) => Error::TimedOut,
        bridge::Error::Failed if request.abort.is_some_and(|a| (a.aborted)()) => Error::Aborted,
        e => e.into(),
    }
}

/// Starts `request` without waiting for its answer (a `fetch` whose Promise the bridge holds):
/// race it with others ([`crate::pending::race`]), then [`InFlight::wait`] for it.
pub fn start<'a>(request: &Subrequest<'a>) -> Result<InFlight<'a>, Error> {
    match fetch_call(target_of(request), request, bridge::start) {
        Ok(promise) => Ok(InFlight {
            pending: Pending::new(promise),
            request: *request,
        }),
        Err(e) => Err(fetch_error(e, request)),
    }
}

/// A subrequest in flight (from [`start`]).
#[derive(Debug)]
pub struct InFlight<'a> {
    pending: Pending,
    request: Subrequest<'a>,
}

impl InFlight<'_> {
    /// The call in flight, for [`crate::pending::race`].
    pub fn pending(&self) -> &Pending {
        &self.pending
    }

    /// Waits for the answer's head (at once when it came): as [`send`] answers.
    pub fn wait(self) -> Result<Fetched, Error> {
        match self.pending.wait() {
            Ok(response) => Ok(Fetched { response }),
            Err(e) => Err(fetch_error(e, &self.request)),
        }
    }
}

/// `AbortSignal.timeout(ms)`; with the controller's `signal` too, `AbortSignal.any` of both.
fn abort_signal(ms: u32, signal: Option<&Value>) -> Result<Value, bridge::Error> {
    let timeout = bridge::call(Target::Global("AbortSignal"), "timeout", &[Arg::number(f64::from(ms))])?;
    match signal {
        None => Ok(timeout),
        Some(signal) => bridge::call(
            Target::Global("AbortSignal"),
            "any",
            &[Arg::array(&[Arg::value(&timeout), Arg::value(signal)])],
        ),
    }
}

/// Whether the request's last error is the platform's `TimeoutError`.
fn timed_out() -> bool {
    last_error_named("TimeoutError")
}

/// Whether the request's last error is an `AbortError`.
fn aborted() -> bool {
    last_error_named("AbortError")
}

/// Whether the request's last error has the name `expected` (at most 16 bytes).
fn last_error_named(expected: &str) -> bool {
    let mut buffer = [0u8; 16]; // (the longest name asked, "TimeoutError", fits; a longer one is another error)
    let name = bridge::last_error_value().get("name");
    name.and_then(|name| name.text(&mut buffer).map(|n| n == expected)) == Ok(true)
}

/// Whether the platform parses `url` (`URL.canParse`).
fn url_parses(url: &str) -> bool {
    bridge::call(Target::Global("URL"), "canParse", &[Arg::str(url)]).and_then(|ok| ok.boolean()) == Ok(true)
}

/// A subrequest's answer as the platform gave it (a `Response` the bridge holds, released when
/// the request ends): read its parts, or hand it on untouched.
#[derive(Debug)]
pub struct Fetched {
    response: Value,
}

impl Fetched {
    /// The `Response` the bridge holds as `response`.
    pub(crate) fn held(response: Value) -> Self {
        Self { response }
    }

    /// The status.
    pub fn status(&self) -> Result<u16, Error> {
        Ok(self.response.get_number("status")? as u16)
    }

    /// The value of the header `name` (the platform's `headers.get`: repeated ones joined by
    /// `, `) in the request's memory, `None` when there is none.
    pub fn header_in<'a>(&self, name: &str, request: &crate::Request<'a>) -> Result<Option<&'a str>, Error> {
        match self.header_value(name)? {
            None => Ok(None),
            Some(value) => Ok(Some(value.text_in(request)?)),
        }
    }

    /// The value of the header `name` as the bridge holds it, `None` when there is none.
    fn header_value(&self, name: &str) -> Result<Option<Value>, Error> {
        Ok(self.response.get("headers")?.call("get", &[Arg::str(name)])?.present())
    }

    /// The body, read whole into the request's memory (sized by the host).
    pub fn body_in<'a>(&self, request: &crate::Request<'a>) -> Result<&'a [u8], Error> {
        Ok(self.response.call_bytes_in("arrayBuffer", &[], request)?)
    }

    /// The value of the header `name`, `None` when there is none.
    pub fn header<'b>(&self, name: &str, buffer: &'b mut [u8]) -> Result<Option<&'b str>, Error> {
        match self.header_value(name)? {
            None => Ok(None),
            Some(value) => Ok(Some(value.text(buffer)?)),
        }
    }

    /// The body, read whole into `buffer`.
    pub fn body<'b>(&self, buffer: &'b mut [u8]) -> Result<&'b [u8], Error> {
        Ok(self.response.call("arrayBuffer", &[])?.bytes(buffer)?)
    }

    /// The body, read whole into owned memory of exactly its size.
    #[cfg(feature = "alloc")]
    pub fn body_owned(&self) -> Result<alloc::vec::Vec<u8>, Error> {
        Ok(self.response.call("arrayBuffer", &[])?.bytes_owned()?)
    }

    /// Answers the request with this response as it is: status, headers and body (streamed),
    /// none of it copied into wasm.
    pub fn respond(self) -> Result<crate::Response<'static>, Error> {
        Ok(bridge::respond_with(&self.response)?)
    }

    /// The `Response` itself, for what this type does not say (its `body` stream, `headers`).
    pub fn value(&self) -> &Value {
        &self.response
    }

    /// Every header as `name,value` lines (`Array.from` of the `Headers`, joined with `\n`: one
    /// string the host sizes), for [`header_block`]. Two crossings, as `URLSearchParams` of the
    /// `Headers` and its `toString` were, at a fifth of workerd's CPU (2.2-2.9 us against 13.4 us
    /// for four headers, 2026-12-07).
    fn joined_headers(&self) -> Result<Value, Error> {
        let headers = self.response.get("headers")?;
        let pairs = bridge::call(Target::Global("Array"), "from", &[Arg::value(&headers)])?;
        Ok(pairs.call("join", &[Arg::str("\n")])?)
    }
}

/// Turns `block`, header pairs as `Array.prototype.join` writes them (`name,value`, a line
/// each), into `name:value` lines in place: the first comma of each line becomes a colon (a
/// header name is a token, which has no comma; a value has no line break, which the platform's
/// `Headers` refuses). The block keeps its length.
fn header_block(block: &mut [u8]) {
    let mut in_name = true;
    for byte in block.iter_mut() {
        match *byte {
            b',' if in_name => {
                *byte = b':';
                in_name = false;
            }
            b'\n' => in_name = true,
            _ => {}
        }
    }
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

/// [`send`], then the whole answer read: its headers and body land in `buffer`; when it is too
/// small the answer is `Err(TooLarge { needed })` (the subrequest was still made). Prefer
/// [`send`] with [`Fetched::body_in`] (sized by the host) or [`Fetched::respond`].
pub fn fetch<'b>(request: &Subrequest<'_>, buffer: &'b mut [u8]) -> Result<Answer<'b>, Error> {
    let answer = send(request)?;
    let status = answer.status()?;
    let joined = answer.joined_headers()?;
    let body = answer.response.call("arrayBuffer", &[])?;
    // (Too small: the figure is the whole answer's, so one retry with that much succeeds.)
    let head = match joined.bytes(buffer) {
        Ok(head) => head.len(),
        Err(bridge::Error::TooLarge { needed }) => {
            return Err(Error::TooLarge {
                needed: needed + length_of(&body),
            })
        }
        Err(e) => return Err(e.into()),
    };
    header_block(&mut buffer[..head]);
    let (head, rest) = buffer.split_at_mut(head);
    let body = body.bytes(rest).map_err(|e| match e {
        // (The headers are read first, so the retry needs room for them too.)
        bridge::Error::TooLarge { needed } => Error::TooLarge {
            needed: needed + head.len(),
        },
        other => other.into(),
    })?;
    // The platform's strings, encoded: UTF-8 (and every split was at an ASCII byte).
    let headers = crate::utf8::str_of(head).unwrap_or("");
    Ok(Answer { status, headers, body })
}

/// The length of the bytes `value` holds (0 when it holds none).
fn length_of(value: &Value) -> usize {
    match value.bytes(&mut []) {
        Err(bridge::Error::TooLarge { needed }) => needed,
        _ => 0,
    }
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

/// [`fetch`], with the answer in owned memory of exactly its size; `Err(TooLarge { needed })`
/// when the heap cannot hold it (the instance goes on: nothing aborts).
#[cfg(feature = "alloc")]
pub fn fetch_owned(request: &Subrequest<'_>) -> Result<OwnedAnswer, Error> {
    let answer = send(request)?;
    let status = answer.status()?;
    let mut headers = answer.joined_headers()?.bytes_owned()?;
    header_block(&mut headers);
    let body = answer
        .response
        .call("arrayBuffer", &[])?
        .bytes_owned()
        .map_err(|e| match e {
            bridge::Error::TooLarge { needed } => Error::TooLarge {
                needed: needed + headers.len(),
            },
            other => other.into(),
        })?;
    Ok(OwnedAnswer {
        status,
        // The platform's strings, encoded: UTF-8.
        headers: match crate::utf8::is_utf8(&headers) {
            // SAFETY: `is_utf8` just checked the bytes are well-formed UTF-8.
            true => unsafe { alloc::string::String::from_utf8_unchecked(headers) },
            false => alloc::string::String::new(),
        },
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::{BRIDGE_WOULD_SUSPEND, IO_FAILED, IO_INVALID_ARGUMENT, IO_NO_BINDING};
    use crate::sys::{BridgeAnswer as B, BRIDGE_ASKED, BRIDGE_VALUES, ENV};
    use crate::Request;

    /// Queues what the bridge answers to the next calls (handles from 1 in order; a negative
    /// code is that error).
    fn answers(list: &[(i32, B)]) {
        BRIDGE_VALUES.with(|v| *v.borrow_mut() = list.to_vec());
        BRIDGE_ASKED.with(|a| a.borrow_mut().clear());
    }

    /// A fetch's answers: the response, its status, its headers (`name,value` lines), its body.
    fn fetched(status: f64, header_lines: &str, body: &[u8]) -> [(i32, B); 6] {
        [
            (1, B::Object(0)),
            (2, B::Number(status)),
            (3, B::Object(0)),
            (4, B::Object(0)),
            (5, B::Text(header_lines.into())),
            (6, B::Bytes(body.to_vec())),
        ]
    }

    #[test]
    fn fetch_sends_one_call_and_reads_the_answer_into_the_buffer() {
        answers(&fetched(
            201.0,
            "content-type,text/plain; charset=UTF-8\nx-a,1:2",
            b"made",
        ));
        let headers = [Header::new("x-b", "2")];
        let sub = Subrequest::new("POST", "https://o/p")
            .headers(&headers)
            .body(b"in")
            .via("ORIGIN");
        let mut buffer = [0u8; 96];
        let answer = fetch(&sub, &mut buffer).unwrap();
        assert_eq!((answer.status(), answer.body()), (201, &b"made"[..]));
        assert_eq!(answer.header("Content-Type"), Some("text/plain; charset=UTF-8"));
        assert_eq!(answer.header("x-a"), Some("1:2"));
        assert_eq!(answer.headers().count(), 2);
        let asked = BRIDGE_ASKED.with(|a| a.borrow().clone());
        assert!(asked[0].starts_with("env ORIGIN.fetch("), "{asked:?}");
        for part in ["https://o/p", "POST", "x-b", "\"2\"", "body"] {
            assert!(asked[0].contains(part), "{part} in {}", asked[0]);
        }
        assert_eq!(asked.len(), 6, "fetch, status, headers, Array.from, join, arrayBuffer");
    }

    #[test]
    fn many_or_repeated_headers_go_through_a_headers_object() {
        let names: Vec<String> = (0..=HEADERS_AT_ONCE).map(|i| format!("x-{i}")).collect();
        let many: Vec<Header<'_>> = names.iter().map(|n| Header::new(n, "v")).collect();
        let repeated = [Header::new("accept", "a"), Header::new("Accept", "b")];
        for headers in [&many[..], &repeated[..]] {
            let mut list = vec![(1, B::Object(0))];
            list.extend((0..headers.len()).map(|i| (2 + i as i32, B::Undefined)));
            list.push((99, B::Object(0)));
            answers(&list);
            send(&Subrequest::get("https://o/").headers(headers)).unwrap();
            let asked = BRIDGE_ASKED.with(|a| a.borrow().clone());
            assert!(asked[0].starts_with("global Headers."), "{asked:?}");
            assert_eq!(asked.len(), headers.len() + 2);
            assert!(
                asked[headers.len()].contains("append")
                    && asked[headers.len()].contains(headers[headers.len() - 1].value())
            );
            assert!(asked[headers.len() + 1].starts_with("global globalThis.fetch("));
        }
    }

    #[test]
    fn a_timeout_goes_with_the_fetch_and_its_error_is_timed_out() {
        answers(&[
            (3, B::Object(0)),
            (IO_FAILED, B::Undefined),
            (4, B::Text("TimeoutError".into())),
            (5, B::Object(0)),
            (IO_FAILED, B::Undefined),
            (6, B::Text("TypeError".into())),
        ]);
        assert_eq!(
            send(&Subrequest::get("https://o/").timeout(100)).unwrap_err(),
            Error::TimedOut
        );
        let asked = BRIDGE_ASKED.with(|a| a.borrow().clone());
        assert_eq!(asked[0], "global AbortSignal.timeout(100) flags 0");
        assert_eq!(
            asked[1],
            "global globalThis.fetch(\"https://o/\", {method: \"GET\", headers: {}, body: undefined, signal: value 3}) flags 0"
        );
        // Another failure of a subrequest with a timeout is not one.
        assert_eq!(
            send(&Subrequest::get("https://o/").timeout(100)).unwrap_err(),
            Error::Failed
        );
        assert_eq!(
            crate::Error::from(Error::TimedOut).status(),
            504,
            "a gateway timeout by default"
        );
    }

    #[test]
    fn errors_are_values_never_faults() {
        answers(&[
            (IO_FAILED, B::Undefined),
            (IO_INVALID_ARGUMENT, B::Undefined),
            (7, B::Boolean(false)),
            (IO_INVALID_ARGUMENT, B::Undefined),
            (8, B::Boolean(true)),
            (IO_NO_BINDING, B::Undefined),
            (BRIDGE_WOULD_SUSPEND, B::Undefined),
        ]);
        let mut buffer = [0u8; 8];
        assert_eq!(fetch(&Subrequest::get("x"), &mut buffer).unwrap_err(), Error::Failed);
        assert_eq!(send(&Subrequest::get("not a url")).unwrap_err(), Error::InvalidUrl);
        // A URL that parses: what was refused is another argument (a body on a GET).
        assert_eq!(
            send(&Subrequest::get("https://o/").body(b"x")).unwrap_err(),
            Error::InvalidArgument
        );
        assert_eq!(
            send(&Subrequest::get("https://o/").via("NONE")).unwrap_err(),
            Error::NoBinding
        );
        assert_eq!(send(&Subrequest::get("https://o/")).unwrap_err(), Error::WouldSuspend);
    }

    #[test]
    fn an_answer_larger_than_the_buffer_says_how_large() {
        // Headers "a,1" (3) and a body of 10: 13 bytes, whichever part does not fit.
        for room in [2, 8] {
            answers(&fetched(200.0, "a,1", b"0123456789"));
            let mut buffer = vec![0u8; room];
            assert_eq!(
                fetch(&Subrequest::get("x"), &mut buffer).unwrap_err(),
                Error::TooLarge { needed: 13 },
                "room {room}"
            );
        }
    }

    #[test]
    fn header_blocks_turn_each_lines_first_comma_into_a_colon() {
        let mut block = *b"a,b, c\nc,\nd,e=f%zz\nset-cookie,x=1, y=2";
        header_block(&mut block);
        assert_eq!(&block, b"a:b, c\nc:\nd:e=f%zz\nset-cookie:x=1, y=2");
        header_block(&mut []);
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
        answers(&fetched(200.0, "x,y", b"owned body"));
        let answer = fetch_owned(&Subrequest::get("x")).unwrap();
        assert_eq!(
            (answer.status(), answer.header("x"), answer.body()),
            (200, Some("y"), &b"owned body"[..])
        );
        assert_eq!(answer.into_body().capacity(), 10);
    }
}
